"""What the discussion does when an assessment moves through its lifecycle.

- A round closes on a final submission or an approval: its live threads stay
  with that revision, read-only (services.close_round).
- An approval waits while a reviewer's live threads are unresolved.
A deletion needs nothing: the threads go with the draft (CASCADE).
"""

import logging

from django.dispatch import receiver

from riskassess.assessments.signals import assessment_transitioned, transition_check
from riskassess.discussion import services
from riskassess.discussion.models import Thread

log = logging.getLogger(__name__)


@receiver(assessment_transitioned, dispatch_uid="discussion.close_round")
def close_round(sender, assessment_id, transition, revision_id=None, user=None, **kwargs) -> None:
    if transition not in services.CLOSING_MOVES:
        return
    try:
        services.close_round(assessment_id=assessment_id, revision_id=revision_id, user=user)
    except Exception:
        # The move is committed and receivers must not raise: the threads stay
        # live, and read-only all the same while the assessment is not a draft.
        log.exception(
            "Could not keep the threads of assessment %s with its revision", assessment_id
        )


def open_review_refusal(count: int) -> str | None:
    if not count:
        return None
    if count == 1:
        return "1 review thread is still open: resolve it first."
    return f"{count} review threads are still open: resolve them first."


@receiver(transition_check, dispatch_uid="discussion.open_review_threads")
def review_threads_block_approval(sender, assessment, transition, **kwargs) -> str | None:
    """An approval waits until every live thread a reviewer opened is resolved."""
    if transition != "approve":
        return None
    # Counted afresh (not from a page's cache): this runs inside the move's transaction.
    return open_review_refusal(Thread.objects.open_review().filter(assessment=assessment).count())
