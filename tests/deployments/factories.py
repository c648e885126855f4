"""Deployments, assessments and revisions written directly, for the deployment pages' tests.

Fast on purpose: no checklist file is loaded and nothing is scored. A revision
is written as a submission leaves it (number, time, score, level), which is
all that the deployment pages read of it.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from riskassess.assessments import summary
from riskassess.assessments.models import Assessment, Revision, Status
from riskassess.checklist.models import Checklist
from riskassess.checklist.models import Status as ChecklistStatus
from riskassess.deployments.models import BaseModel, Deployment


def make_checklist() -> Checklist:
    checklist, _ = Checklist.objects.get_or_create(
        slug="fm-risks",
        version=1,
        defaults={"name": "Foundation model risks", "status": ChecklistStatus.PUBLISHED},
    )
    return checklist


def make_base_model(provider="Meta", name="Llama 3.1 70B Instruct", version="", **fields):
    return BaseModel.objects.create(provider=provider, name=name, version=version, **fields)


def make_deployment(team, name="Support bot", **fields) -> Deployment:
    defaults = {
        "model_name": "support-bot 2.3",
        "base_model_text": "an open 70B model",
        "context": "EU customers",
    }
    return Deployment.objects.create(team=team, name=name, **{**defaults, **fields})


def make_assessment(deployment, *, title="", submitted=False, created_at=None) -> Assessment:
    """A bare assessment row (no answers, an empty snapshot): for lists and pages, not scoring.

    Which assessment is the deployment's current one is kept right (the newest)."""
    Assessment.objects.filter(deployment=deployment).update(is_current=False)
    assessment = Assessment.objects.create(
        team=deployment.team,
        deployment=deployment,
        checklist=make_checklist(),
        title=title or deployment.name,
        model_name=deployment.model_name,
        base_model=deployment.base_model_name,
        context=deployment.context or "-",
        status=Status.SUBMITTED if submitted else Status.DRAFT,
        snapshot={} if submitted else None,
    )
    if created_at is not None:
        Assessment.objects.filter(pk=assessment.pk).update(created_at=created_at)
        summary.check_current([deployment.pk], fix=True)
        assessment.refresh_from_db()
    return assessment


def add_revision(assessment, *, at: datetime | None = None, level="high", score=62.5):
    """A bare revision row; its deployment's stored level and review date follow, as on submit."""
    number = assessment.revisions.count() + 1
    revision = Revision.objects.create(
        assessment=assessment,
        number=number,
        submitted_by_name="alice",
        submitted_at=at or timezone.now(),
        snapshot={},
        report={},
        fingerprint=f"{number:064x}",
        score=score,
        level=level,
    )
    summary.refresh_deployment(assessment.deployment)
    return revision
