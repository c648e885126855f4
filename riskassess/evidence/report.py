"""What the rest of riskassess learns of evidence through the assessments app's signals.

- report_evidence: an assessment's evidence as report rows, by item key. The
  rows go into the report's items, so a submission freezes them into its
  revision and its fingerprint covers them (name, size, SHA-256, dates, who).
- reassessed: a re-assessment carries the evidence its revision recorded, by
  reference: new rows for the same stored files, with their original dates.
- transition_check: whoever attached evidence in the round under review
  cannot approve it (segregation of duties, assessments/review.py).
"""

from __future__ import annotations

from django.dispatch import receiver
from simple_history.utils import bulk_create_with_history

from riskassess.assessments import review, signals
from riskassess.evidence.models import Evidence


def row(evidence: Evidence) -> dict:
    """One piece of evidence as the report lists it (contracts: the JSON report's items)."""
    base = {
        "id": str(evidence.pk),
        "kind": evidence.kind,
        "name": evidence.name,
        "as_of": evidence.as_of.isoformat(),
        "expires_on": evidence.expires_on.isoformat() if evidence.expires_on else None,
        "uploaded_by": evidence.uploaded_by_name,
        "uploaded_at": evidence.uploaded_at.isoformat(),
    }
    if evidence.is_file:
        return {
            **base,
            "size": evidence.size,
            "content_type": evidence.content_type,
            "sha256": evidence.sha256,
        }
    return {**base, "url": evidence.url}


def rows_by_item(assessment_id) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for evidence in Evidence.objects.filter(assessment_id=assessment_id).order_by(
        "item_key", "uploaded_at", "pk"
    ):
        grouped.setdefault(evidence.item_key, []).append(row(evidence))
    return grouped


@receiver(signals.report_evidence, dispatch_uid="evidence_report_rows")
def _report_rows(sender, assessment, **kwargs):
    return rows_by_item(assessment.pk)


@receiver(signals.reassessed, dispatch_uid="evidence_carry")
def _carry(sender, assessment, revision, user, **kwargs):
    """Carry the evidence the revision froze, for the items the new draft still asks."""
    asked = set(assessment.checklist.items.filter(active=True).values_list("key", flat=True))
    frozen = {
        piece["id"]: item["key"]
        for item in revision.report.get("items", ())
        for piece in item.get("evidence", ())
        if item["key"] in asked
    }
    sources = Evidence.objects.filter(pk__in=frozen, assessment_id=revision.assessment_id)
    bulk_create_with_history(
        [
            Evidence(
                assessment=assessment,
                item_key=source.item_key,
                kind=source.kind,
                storage_name=source.storage_name,
                original_name=source.original_name,
                size=source.size,
                content_type=source.content_type,
                sha256=source.sha256,
                url=source.url,
                title=source.title,
                as_of=source.as_of,
                expires_on=source.expires_on,
                uploaded_by_id=source.uploaded_by_id,
                uploaded_by_name=source.uploaded_by_name,
                uploaded_at=source.uploaded_at,
                carried_from=source,
            )
            for source in sources.order_by("item_key", "uploaded_at", "pk")
        ],
        Evidence,
        default_user=user,
    )


@receiver(signals.transition_check, dispatch_uid="evidence_segregation")
def _attached_in_round(sender, assessment, transition, user, **kwargs):
    if transition != "approve":
        return None
    revision = review.under_review(assessment)
    if revision is None:
        return None
    start, end = review.round_of(revision)
    attached = Evidence.objects.filter(
        assessment_id=assessment.pk,
        uploaded_by_id=user.pk,
        carried_from__isnull=True,
        uploaded_at__lte=end,
    )
    if start is not None:
        attached = attached.filter(uploaded_at__gt=start)
    if attached.exists():
        return (
            "You attached evidence to this revision: someone who did not work on it must "
            "approve it (segregation of duties)."
        )
    return None
