"""A deployment's next review, from what is stored on it, and the stored date kept true.

The deployment carries its latest submission's time (written by the
assessments app when a revision is submitted or purged) and its latest
significant change; with its base model's supersession they decide the next
review (review.py). The date is stored (`review_due`) so that lists sort and
filter by it in the database; the state (due, overdue …) depends on today and
is worked out when shown.
"""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from riskassess.deployments.models import BaseModel, Deployment, Lifecycle
from riskassess.deployments.review import Review, next_review


def review_of(deployment: Deployment, today: date) -> Review:
    """The deployment's next review. Its base model (and that one's successor) should be
    fetched with it: select_related("base_model__superseded_by")."""
    superseded = None
    base = deployment.base_model
    if base is not None and base.superseded_by_id:
        superseded = (str(base), str(base.superseded_by), base.superseded_at)
    last = deployment.last_submitted_at
    changed = None
    # A change counts until a submission after it: compared as full times, since
    # a team often changes the model and submits a re-assessment the same day.
    if deployment.changed_at and (last is None or deployment.changed_at > last):
        changed = (deployment.change_note, timezone.localdate(deployment.changed_at))
    return next_review(
        today=today,
        last_submitted=timezone.localdate(last) if last else None,
        review_months=deployment.review_months,
        retired=deployment.lifecycle == Lifecycle.RETIRED,
        superseded=superseded,
        changed=changed,
        created=timezone.localdate(deployment.created_at) if deployment.created_at else None,
    )


def store_review_due(deployment: Deployment, *, save: bool = True) -> date | None:
    """Work out the deployment's review date from its stored fields and (with `save`) store it."""
    due = review_of(deployment, timezone.localdate()).due
    if save and due != deployment.review_due:
        Deployment.objects.filter(pk=deployment.pk).update(review_due=due)
    deployment.review_due = due
    return due


def store_review_dates(deployments: QuerySet) -> int:
    """store_review_due for many (a base model was superseded, say); returns how many moved."""
    moved = 0
    for deployment in deployments.select_related("base_model__superseded_by"):
        before = deployment.review_due
        if store_review_due(deployment) != before:
            moved += 1
    return moved


def after_base_model_change(base: BaseModel) -> int:
    """A base model's supersession changed: its deployments' review dates follow."""
    return store_review_dates(Deployment.objects.filter(base_model=base))
