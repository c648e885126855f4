"""Stored summaries: what lists show, written by the changes that move it.

Lists (the dashboard, the assessments list) must not score every row on every
view: an assessment's score, levels, completeness and provisional flag are
stored on it, and a deployment's latest revision's level and time and its next
review date on the deployment. Each is written in the same transaction as the
change that moves it:

- an answer or a profile answer saved, a carry-over, an import, an upgrade,
  a submission or a reopening: the assessment's summary (`store`);
- an assessment created or deleted: which one is its deployment's current one
  (`make_current`, `after_delete`);
- a submission or a purge: the deployment's level, time and review date
  (`refresh_deployment`).

`manage.py summaries` recomputes them all from the records and says what
differed (`--verify` only reports, and fails when something did).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from riskassess.assessments.data import assessment_data, assessment_data_many, score_data
from riskassess.assessments.models import Assessment, Revision
from riskassess.deployments.models import LEVEL_RANK, Deployment
from riskassess.deployments.summary import store_review_due


def values_of(result) -> dict:
    """The stored summary of a scoring result (scoring.Result or scoring_v2.Result).

    Format 1 has no control level and no impact tier: both are stored empty.
    """
    return {
        "summary_score": result.rounded,
        "summary_level": result.level or "",
        "summary_control_level": getattr(result, "control_level", None) or "",
        "summary_tier": getattr(result, "tier", None) or "",
        "summary_completeness": float(result.completeness),
        "summary_provisional": result.provisional,
    }


def store(assessment: Assessment, data: dict | None = None, **also) -> tuple[dict, object]:
    """Score `assessment` (its `data`, when the caller has it) and store the summary.

    `also` are more columns to write in the same UPDATE (updated_at, say). Call
    it inside the transaction that made the change. Returns the data and the
    scoring result, for the caller to show.
    """
    if data is None:
        data = assessment_data(assessment)
    result = score_data(data)
    values = {**values_of(result), **also}
    Assessment.objects.filter(pk=assessment.pk).update(**values)
    for name, value in values.items():
        setattr(assessment, name, value)
    return data, result


def make_current(assessment: Assessment) -> None:
    """`assessment` becomes its deployment's current one (the newest): before it is saved.

    The caller holds the deployment's row lock, so two new assessments of one
    deployment cannot both be current.
    """
    Assessment.objects.filter(deployment_id=assessment.deployment_id, is_current=True).exclude(
        pk=assessment.pk
    ).update(is_current=False)
    assessment.is_current = True


def after_delete(deployment_id) -> None:
    """An assessment of the deployment was deleted: the newest left is current, and the
    deployment's level and review date follow its remaining revisions."""
    if not Assessment.objects.filter(deployment_id=deployment_id, is_current=True).exists():
        newest = (
            Assessment.objects.filter(deployment_id=deployment_id)
            .order_by("-created_at", "-pk")
            .values_list("pk", flat=True)
            .first()
        )
        if newest is not None:
            Assessment.objects.filter(pk=newest).update(is_current=True)
    refresh_deployment(Deployment.objects.get(pk=deployment_id))


def deployment_values(deployment_ids: Iterable) -> dict:
    """deployment id -> the stored fields its revisions give, in one query."""
    latest = Revision.objects.filter(assessment__deployment=OuterRef("pk")).order_by(
        "-submitted_at", "-pk"
    )
    rows = Deployment.objects.filter(pk__in=list(deployment_ids)).annotate(
        level=Subquery(latest.values("level")[:1]),
        at=Subquery(latest.values("submitted_at")[:1]),
    )
    return {
        row.pk: {
            "latest_level": row.level or "",
            "level_rank": LEVEL_RANK.get(row.level or "", 0),
            "last_submitted_at": row.at,
        }
        for row in rows.only("pk")
    }


def refresh_deployment(deployment: Deployment) -> None:
    """Store the deployment's latest revision's level and time, then its next review date."""
    values = deployment_values([deployment.pk])[deployment.pk]
    for name, value in values.items():
        setattr(deployment, name, value)
    Deployment.objects.filter(pk=deployment.pk).update(**values)
    store_review_due(deployment)


@dataclass
class Difference:
    """A stored value that the records do not give: what is stored, what they give."""

    kind: str  # "assessment" or "deployment"
    pk: object
    field: str
    stored: object
    computed: object

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}: {self.field} stored {self.stored!r}, is {self.computed!r}"


def _same(stored, computed) -> bool:
    if isinstance(stored, float) and isinstance(computed, float):
        return abs(stored - computed) < 1e-9
    return stored == computed


def check_assessments(assessments: list[Assessment], *, fix: bool) -> list[Difference]:
    """Compare (and with `fix`, rewrite) the summaries of a batch of assessments."""
    differences = []
    data = assessment_data_many(assessments)
    for assessment in assessments:
        computed = values_of(score_data(data[assessment.pk]))
        wrong = {
            name: value
            for name, value in computed.items()
            if not _same(getattr(assessment, name), value)
        }
        differences += [
            Difference("assessment", assessment.pk, name, getattr(assessment, name), value)
            for name, value in wrong.items()
        ]
        if wrong and fix:
            Assessment.objects.filter(pk=assessment.pk).update(**wrong)
    return differences


def fill_missing(batch: int = 200) -> int:
    """Score every assessment whose summary was never stored (after an upgrade)."""
    filled = 0
    missing = Assessment.objects.filter(summary_completeness__isnull=True)
    while chunk := list(missing.select_related("checklist").order_by("pk")[:batch]):
        check_assessments(chunk, fix=True)
        filled += len(chunk)
    return filled


def check_current(deployment_ids: list, *, fix: bool) -> list[Difference]:
    """Each deployment's newest assessment, and it alone, is current (ties: the greatest
    id, as after_delete and the migration choose)."""
    rows = list(
        Assessment.objects.filter(deployment_id__in=deployment_ids)
        .order_by("deployment_id", "created_at", "pk")
        .values_list("pk", "deployment_id", "is_current")
    )
    newest = {deployment_id: pk for pk, deployment_id, _ in rows}  # the last one wins
    differences = [
        Difference("assessment", pk, "is_current", is_current, newest[deployment_id] == pk)
        for pk, deployment_id, is_current in rows
        if is_current != (newest[deployment_id] == pk)
    ]
    if differences and fix:
        # Off first: the unique constraint allows one current assessment per deployment.
        Assessment.objects.filter(pk__in=[d.pk for d in differences if not d.computed]).update(
            is_current=False
        )
        Assessment.objects.filter(pk__in=[d.pk for d in differences if d.computed]).update(
            is_current=True
        )
    return differences


def check_deployments(deployments: list[Deployment], *, fix: bool) -> list[Difference]:
    """Compare (and with `fix`, rewrite) the deployments' levels, times and review dates."""
    differences = []
    computed = deployment_values([d.pk for d in deployments])
    for deployment in deployments:
        stored_due = deployment.review_due
        wrong = {
            name: value
            for name, value in computed[deployment.pk].items()
            if getattr(deployment, name) != value
        }
        for name, value in wrong.items():
            differences.append(
                Difference("deployment", deployment.pk, name, getattr(deployment, name), value)
            )
            setattr(deployment, name, value)
        due = store_review_due(deployment, save=fix)
        if due != stored_due:
            differences.append(
                Difference("deployment", deployment.pk, "review_due", stored_due, due)
            )
        if wrong and fix:
            Deployment.objects.filter(pk=deployment.pk).update(**wrong)
    return differences
