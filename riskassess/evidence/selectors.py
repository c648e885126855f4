"""What pages show of an assessment's evidence, read in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Exists, OuterRef
from django.utils import timezone

from riskassess.accounts.models import Role
from riskassess.assessments.models import Assessment, Revision
from riskassess.evidence.forms import EvidenceForm
from riskassess.evidence.models import Evidence


def can_change(assessment: Assessment) -> bool:
    """Add and remove: an editor, on an editable draft (`assessment.role` from the getter)."""
    return assessment.is_editable and Role.allows(assessment.role, Role.EDITOR)


def by_item(assessment: Assessment) -> dict[str, list[Evidence]]:
    """All evidence of the assessment by item key, each marked `removable`: one
    query, the first time a page asks; kept on the instance for the rest of it."""
    cached = getattr(assessment, "_evidence_by_item", None)
    if cached is not None:
        return cached
    editable = can_change(assessment)
    # services.is_frozen, in the same query: a revision submitted at or after its upload.
    submitted_since = Revision.objects.filter(
        assessment_id=OuterRef("assessment_id"), submitted_at__gte=OuterRef("uploaded_at")
    )
    grouped: dict[str, list[Evidence]] = defaultdict(list)
    for evidence in Evidence.objects.for_page(assessment).annotate(frozen=Exists(submitted_since)):
        evidence.removable = editable and not evidence.frozen
        grouped[evidence.item_key].append(evidence)
    assessment._evidence_by_item = dict(grouped)
    return assessment._evidence_by_item


def add_form_id(item_key: str) -> str:
    return f"ev-add-{item_key}"


def item_context(assessment: Assessment, item_key: str, form: EvidenceForm | None = None) -> dict:
    """What evidence/_item_evidence.html shows for one item."""
    # `form` is a bound form to show again with its errors; without one the template
    # draws the empty form's inputs itself, named after `form_id` (also the form's
    # prefix), with `today` (no Form built per item of a page).
    return {
        "pieces": by_item(assessment).get(item_key, []),
        "can_change": can_change(assessment),
        "form": form,
        "form_id": add_form_id(item_key),
        "today": timezone.localdate(),
    }
