"""Reviews: the decision on a revision submitted for review, and who may make it.

workflow.transition calls `decide` for "approve", "request_changes" and
"withdraw", inside its transaction with the assessment row locked, after
checking the role and `conflicts` (segregation of duties). The decision is a
Review row of the revision under review, written once.

Segregation of duties: whoever worked on a revision cannot approve it. The
round of a revision runs from the previous revision's submission (or the
assessment's creation) to its own; saving an answer or a profile answer in it,
or submitting it, rules a user out. The evidence app adds "attached evidence"
through signals.transition_check, since this app does not know evidence.
"""

from __future__ import annotations

from django.utils import timezone

from riskassess.accounts.models import Role
from riskassess.assessments.models import Answer, Assessment, ProfileAnswer, Review, Revision

APPROVAL_STATEMENT = (
    "I have reviewed this assessment, its answers and its evidence, and I approve it "
    "as an accurate record of this deployment's risks at this date."
)
OUTCOMES = {
    "approve": Review.Outcome.APPROVED,
    "request_changes": Review.Outcome.CHANGES_REQUESTED,
    "withdraw": Review.Outcome.WITHDRAWN,
}


class Missing(Exception):
    """The decision lacks what it needs (a statement, notes); workflow turns it into NotReady."""


def under_review(assessment: Assessment) -> Revision | None:
    """The revision waiting for a decision: the latest, when it asked for one and has none."""
    revision = assessment.revisions.select_related("review").order_by("-number").first()
    if revision is None or not revision.review_requested:
        return None
    if hasattr(revision, "review"):
        return None
    return revision


def round_of(revision: Revision):
    """(start, end) of the work that went into `revision`: start is None for the first."""
    previous = (
        Revision.objects.filter(assessment_id=revision.assessment_id, number__lt=revision.number)
        .order_by("-number")
        .values_list("submitted_at", flat=True)
        .first()
    )
    return previous, revision.submitted_at


def _in_round(history, start, end):
    rows = history.filter(history_date__lte=end)
    return rows.filter(history_date__gt=start) if start is not None else rows


def conflicts(assessment: Assessment, user) -> list[str]:
    """Why `user` may not approve the revision under review (empty: they may)."""
    revision = under_review(assessment)
    if revision is None:
        return []
    start, end = round_of(revision)
    did = []
    if revision.submitted_by_id == user.pk:
        did.append("submitted it")
    answers = Answer.history.filter(assessment_id=assessment.pk, history_user_id=user.pk)
    profile = ProfileAnswer.history.filter(assessment_id=assessment.pk, history_user_id=user.pk)
    if _in_round(answers, start, end).exists() or _in_round(profile, start, end).exists():
        did.append("saved answers in it")
    if not did:
        return []
    return [
        f"You {' and '.join(did)}: someone who did not work on this revision must approve it "
        "(segregation of duties)."
    ]


def decide(assessment: Assessment, name: str, *, user, role: str, text: str) -> Review:
    """Record the decision `name` on the revision under review (the caller holds the lock)."""
    from riskassess.assessments.workflow import NotReady

    revision = under_review(assessment)
    if revision is None:
        raise NotReady("No revision of this assessment is waiting for a review.")
    text = text.strip()
    if name == "approve":
        if not text:
            raise NotReady("Approving needs a sign-off statement.")
        if revision.provisional:
            raise NotReady("Only a complete assessment can be approved.")
    if name == "request_changes" and not text:
        raise NotReady("Say what should change: the notes go to the team.")
    review = Review(
        revision=revision,
        outcome=OUTCOMES[name],
        user=user,
        username=user.get_username(),
        role=Role(role).label,
        decided_at=timezone.now(),
        text=text,
        fingerprint=revision.fingerprint,
    )
    review.full_clean(exclude=["revision", "user"])
    review.save()
    return review


def event_data(review: Review) -> dict:
    """What the decision's event keeps."""
    return {
        "revision": review.revision.number,
        "outcome": review.outcome,
        "fingerprint": review.fingerprint,
    }


def record(revision: Revision) -> dict:
    """Where a revision stands with its review, for the report's `record` (not signed).

    status: "not_requested" (a final submission), "in_review", "approved",
    "changes_requested" or "withdrawn".
    """
    if not revision.review_requested:
        return {"status": "not_requested"}
    review = getattr(revision, "review", None)
    if review is None:
        return {"status": "in_review"}
    return {
        "status": review.outcome,
        "by": review.username,
        "role": review.role,
        "at": review.decided_at.isoformat(),
        "text": review.text,
        "fingerprint": review.fingerprint,
    }
