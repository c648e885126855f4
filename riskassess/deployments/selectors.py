"""What the deployment and base model pages read, as plain rows, in a fixed number of queries.

The assessments app sits above this one (an Assessment points at its
Deployment), so no module here imports it: its two models are looked up by
label, and only read. A deployment's latest level is its latest revision's,
stored when it was submitted: nothing is scored here, drafts included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.apps import apps
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from riskassess.deployments.models import BaseModel, Deployment, Lifecycle
from riskassess.deployments.review import Review, next_review


def _assessment_models():
    return apps.get_model("assessments", "Assessment"), apps.get_model("assessments", "Revision")


@dataclass(frozen=True)
class Row:
    """One deployment in a list: its latest assessment, latest level and next review."""

    deployment: Deployment
    latest: object | None  # the latest assessment (a few columns), None when it has none
    level: str | None  # the latest revision's level; None: never submitted
    review: Review


def review_of(deployment: Deployment, last_submitted: datetime | None, today: date) -> Review:
    """The deployment's next review (review.py), from its base model's supersession."""
    superseded = None
    base = deployment.base_model
    if base is not None and base.superseded_by_id:
        superseded = (str(base), str(base.superseded_by), base.superseded_at)
    return next_review(
        today=today,
        last_submitted=timezone.localdate(last_submitted) if last_submitted else None,
        review_months=deployment.review_months,
        retired=deployment.lifecycle == Lifecycle.RETIRED,
        superseded=superseded,
    )


def with_summary(deployments: QuerySet) -> QuerySet:
    """Deployments with their team and base model joined, and three subqueries per row:
    the latest assessment's id, the latest revision's level and submission time."""
    Assessment, Revision = _assessment_models()
    latest_assessment = Assessment.objects.filter(deployment=OuterRef("pk")).order_by("-created_at")
    latest_revision = Revision.objects.filter(assessment__deployment=OuterRef("pk")).order_by(
        "-submitted_at"
    )
    return deployments.select_related("team", "base_model__superseded_by").annotate(
        latest_assessment=Subquery(latest_assessment.values("pk")[:1]),
        latest_level=Subquery(latest_revision.values("level")[:1]),
        last_submitted_at=Subquery(latest_revision.values("submitted_at")[:1]),
    )


def listed(user) -> QuerySet:
    """The deployments of the user's teams, by name, each with its summary."""
    return with_summary(Deployment.objects.for_user(user)).order_by(Lower("name"), "pk")


def rows(deployments, *, today: date) -> list[Row]:
    """Rows for deployments from with_summary(): one query more, for their latest assessments."""
    Assessment, _ = _assessment_models()
    deployments = list(deployments)
    ids = [d.latest_assessment for d in deployments if d.latest_assessment]
    latest = {
        a.pk: a
        for a in Assessment.objects.filter(pk__in=ids).only(
            "id", "title", "status", "archived_at", "updated_at"
        )
    }
    return [
        Row(
            deployment=d,
            latest=latest.get(d.latest_assessment),
            level=d.latest_level,
            review=review_of(d, d.last_submitted_at, today),
        )
        for d in deployments
    ]


@dataclass
class Detail:
    """A deployment's page: its assessments (newest first), each with its revisions."""

    review: Review
    level: str | None
    assessments: list = field(default_factory=list)


def detail(deployment: Deployment, *, today: date) -> Detail:
    """Two queries: the deployment's assessments, then all their revisions (small columns)."""
    _, Revision = _assessment_models()
    assessments = list(
        deployment.assessments.select_related("checklist").defer("snapshot").order_by("-created_at")
    )
    revisions = list(
        Revision.objects.filter(assessment__deployment=deployment)
        .defer("snapshot", "report")
        .order_by("assessment_id", "number")
    )
    by_assessment: dict = {}
    for revision in revisions:
        by_assessment.setdefault(revision.assessment_id, []).append(revision)
    for assessment in assessments:
        assessment.revision_list = by_assessment.get(assessment.pk, [])
    latest = max(revisions, key=lambda r: r.submitted_at, default=None)
    return Detail(
        review=review_of(deployment, latest.submitted_at if latest else None, today),
        level=latest.level if latest else None,
        assessments=assessments,
    )


def catalogue(user) -> QuerySet:
    """Every base model, with how many of the user's teams' deployments are built on it."""
    yours = (
        Deployment.objects.for_user(user)
        .filter(base_model=OuterRef("pk"))
        .order_by()
        .values("base_model")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return BaseModel.objects.select_related("superseded_by").annotate(
        yours=Coalesce(Subquery(yours, output_field=IntegerField()), 0)
    )
