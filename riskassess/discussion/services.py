"""Opening, replying to, resolving and reopening threads; closing a round.

Each is a keyword-only function in one transaction that first locks the
assessment's row, as every change of an assessment does (answers, evidence,
the lifecycle), so a thread is never written after the move that made it
read-only has committed. Who may write is checked here again from the
membership, whatever the view checked: viewers read only.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from riskassess.accounts.models import Membership, Role
from riskassess.assessments.models import Assessment, Revision, Status
from riskassess.discussion import mentions
from riskassess.discussion.models import BODY_MAX, Comment, Mention, Thread
from riskassess.discussion.signals import comment_posted

# Live threads are written while the assessment is in one of these and not archived.
OPEN_STATUSES = frozenset({Status.DRAFT, Status.IN_REVIEW})
# The moves that close a round: its live threads stay with the revision they name.
CLOSING_MOVES = frozenset({"submit", "approve"})


class ReadOnly(Exception):
    """The thread, or the whole discussion, cannot be written now; the message says why."""


class NotPermitted(Exception):
    message = "Only reviewers, editors and owners can write in a discussion."


REVIEWERS_RESOLVE = (
    "Only a reviewer resolves a reviewer's thread: reply to say what changed, and the "
    "reviewer resolves it."
)


class Invalid(Exception):
    """A comment's text was refused; the message says why."""


def closed_reason(assessment: Assessment) -> str | None:
    """Why the assessment's live threads cannot be written now, or None when they can."""
    if assessment.archived_at:
        return (
            "This assessment is archived: its discussion is read-only until an owner restores it."
        )
    if assessment.status not in OPEN_STATUSES:
        return (
            f"This assessment is {assessment.state.phrase}: its discussion is read-only "
            "(threads are written while it is a draft or in review)."
        )
    return None


def kept_reason(revision_number: int) -> str:
    return f"This thread is kept with revision {revision_number}: it is read-only."


def may_write(role: str | None) -> bool:
    return role is not None and Role.allows(role, Role.REVIEWER)


def clean_body(body: str) -> str:
    """The text as stored: line breaks as \\n, stripped. Invalid: empty, too long, or a NUL."""
    text = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise Invalid("Write a comment first: it cannot be empty.")
    if "\x00" in text:
        raise Invalid("A comment cannot contain NUL characters.")
    if len(text) > BODY_MAX:
        raise Invalid(
            f"A comment can be at most {BODY_MAX:,} characters: this one has {len(text):,}."
        )
    return text


def _lock(assessment_id) -> Assessment:
    """The assessment's row, locked for the transaction, if its discussion can be written."""
    locked = Assessment.objects.select_for_update().get(pk=assessment_id)
    why = closed_reason(locked)
    if why:
        raise ReadOnly(why)
    return locked


def _role(assessment: Assessment, user) -> str:
    role = (
        Membership.objects.filter(team_id=assessment.team_id, user=user)
        .values_list("role", flat=True)
        .first()
    )
    if not may_write(role):
        raise NotPermitted(NotPermitted.message)
    return role


def _live_thread(thread: Thread) -> Thread:
    """The thread as it is now (under the assessment's lock), if it still belongs to the round."""
    current = Thread.objects.get(pk=thread.pk)
    if current.revision_id is not None:
        number = Revision.objects.filter(pk=current.revision_id).values_list("number", flat=True)
        raise ReadOnly(kept_reason(number.get()))
    return current


def open_thread(*, assessment: Assessment, item_key: str, body: str, user) -> Thread:
    """Open a thread on an item with its first comment (the view checks the item exists)."""
    text = clean_body(body)
    with transaction.atomic():
        locked = _lock(assessment.pk)
        role = _role(locked, user)
        thread = Thread(
            assessment=locked,
            item_key=item_key,
            opened_by=user,
            opened_by_name=user.get_username(),
            by_reviewer=Role.reviews(role),
        )
        thread._history_user = user
        thread.save()
        _post(thread, text, user, locked)
    return thread


def reply(*, thread: Thread, body: str, user) -> Comment:
    """Add a comment to an open, live thread."""
    text = clean_body(body)
    with transaction.atomic():
        locked = _lock(thread.assessment_id)
        _role(locked, user)
        current = _live_thread(thread)
        if current.is_resolved:
            raise ReadOnly("This thread is resolved: reopen it to reply.")
        return _post(current, text, user, locked)


def resolve(*, thread: Thread, user) -> Thread:
    """Mark a live thread resolved; resolving a resolved one changes nothing."""
    with transaction.atomic():
        locked = _lock(thread.assessment_id)
        role = _role(locked, user)
        current = _live_thread(thread)
        # A reviewer's thread blocks approval until resolved: only a reviewer says it
        # is settled, or the team could lift the block itself.
        if current.by_reviewer and not Role.reviews(role):
            raise NotPermitted(REVIEWERS_RESOLVE)
        if not current.is_resolved:
            current.resolved_at = timezone.now()
            current.resolved_by = user
            current.resolved_by_name = user.get_username()
            current._history_user = user
            current.save(update_fields=["resolved_at", "resolved_by", "resolved_by_name"])
        return current


def reopen(*, thread: Thread, user) -> Thread:
    """Open a resolved live thread again; reopening an open one changes nothing."""
    with transaction.atomic():
        locked = _lock(thread.assessment_id)
        _role(locked, user)
        current = _live_thread(thread)
        if current.is_resolved:
            current.resolved_at = None
            current.resolved_by = None
            current.resolved_by_name = ""
            current._history_user = user
            current.save(update_fields=["resolved_at", "resolved_by", "resolved_by_name"])
        return current


def _post(thread: Thread, text: str, user, assessment: Assessment) -> Comment:
    """Write the comment and its mentions; announce it once committed."""
    comment = Comment(thread=thread, author=user, author_name=user.get_username(), body=text)
    comment._history_user = user
    comment.save()
    members = list(
        Membership.objects.filter(team_id=assessment.team_id).values_list(
            "user_id", "user__username"
        )
    )
    named = mentions.mentioned(text, members) - {user.pk}
    Mention.objects.bulk_create(
        Mention(comment=comment, thread=thread, user_id=user_id) for user_id in sorted(named)
    )
    earlier = set(
        Comment.objects.filter(thread=thread)
        .exclude(pk=comment.pk)
        .values_list("author_id", flat=True)
    )
    earlier |= set(Mention.objects.filter(thread=thread).values_list("user_id", flat=True))
    # Only people who can still read the thread: someone who left the team is not told.
    member_ids = {user_id for user_id, _ in members}
    participants = frozenset((({thread.opened_by_id} | earlier) & member_ids) - {user.pk})
    mentioned_ids = frozenset(named)
    transaction.on_commit(
        lambda: comment_posted.send(
            sender=Comment,
            thread=thread,
            comment=comment,
            participant_ids=participants,
            mentioned_ids=mentioned_ids,
        )
    )
    return comment


def close_round(*, assessment_id, revision_id=None, user=None) -> int:
    """Keep every live thread of the assessment with the revision that closed the round.

    `revision_id` is the revision the move named (the one submitted, or the one
    approved); without one, the assessment's latest. Returns how many threads
    were stamped. They are read-only from then on.
    """
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().filter(pk=assessment_id)
        if locked.values_list("pk", flat=True).first() is None:
            return 0  # deleted since
        revisions = Revision.objects.filter(assessment_id=assessment_id).only("id", "number")
        if revision_id is not None:
            revision = revisions.filter(pk=revision_id).first()
        else:
            revision = revisions.order_by("-number").first()
        if revision is None:
            return 0
        threads = list(Thread.objects.live().filter(assessment_id=assessment_id))
        for thread in threads:
            thread.revision = revision
        bulk_update_with_history(
            threads,
            Thread,
            ["revision"],
            batch_size=500,
            default_user=user,
            default_change_reason=f"Kept with revision {revision.number}",
        )
        return len(threads)
