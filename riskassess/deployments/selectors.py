"""What the deployment and base model pages read, as plain rows, in a fixed number of queries.

The assessments app sits above this one (an Assessment points at its
Deployment), so no module here imports it: its two models are looked up by
label, and only read. A deployment's latest level, latest submission and
next review date are stored on it (assessments/summary.py keeps them): nothing
is scored or counted here, drafts included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.apps import apps
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Lower

from riskassess.deployments.models import BaseModel, Deployment
from riskassess.deployments.review import Review
from riskassess.deployments.summary import review_of


def _assessment_models():
    return apps.get_model("assessments", "Assessment"), apps.get_model("assessments", "Revision")


@dataclass(frozen=True)
class Row:
    """One deployment in a list: its current assessment, latest level and next review."""

    deployment: Deployment
    latest: object | None  # the current (newest) assessment, None when it has none
    level: str | None  # the latest revision's level; None: never submitted
    review: Review


def with_summary(deployments: QuerySet) -> QuerySet:
    """Deployments with their team and base model (and its successor) joined.

    Their latest level and next review are stored on them (summary.py): no subquery."""
    return deployments.select_related("team", "base_model__superseded_by")


def listed(user) -> QuerySet:
    """The deployments of the user's teams, by name, each with its summary."""
    return with_summary(Deployment.objects.for_user(user)).order_by(Lower("name"), "pk")


def in_order(ids: list) -> list[Deployment]:
    """The deployments with these ids, in this order, each with its summary (one query)."""
    found = {d.pk: d for d in with_summary(Deployment.objects.filter(pk__in=ids))}
    return [found[pk] for pk in ids if pk in found]


def rows(deployments, *, today: date) -> list[Row]:
    """Rows for deployments from with_summary(): one query more, for their current assessments."""
    Assessment, _ = _assessment_models()
    deployments = list(deployments)
    current = {
        a.deployment_id: a
        for a in Assessment.objects.filter(
            deployment__in=[d.pk for d in deployments], is_current=True
        ).defer("snapshot")
    }
    return [
        Row(
            deployment=d,
            latest=current.get(d.pk),
            level=d.latest_level or None,
            review=review_of(d, today),
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
    return Detail(
        review=review_of(deployment, today),
        level=deployment.latest_level or None,
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
