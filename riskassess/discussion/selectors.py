"""What pages show of the discussion, each read in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Left
from django.urls import reverse

from riskassess.accounts.models import Role
from riskassess.assessments.models import Assessment
from riskassess.discussion import services
from riskassess.discussion.models import Comment, Mention, Thread

# Enough of a first comment for a list line (the template shortens it further).
EXCERPT_MAX = 300
VIEW_ONLY = (
    "You have view access: you can read the discussion but not write in it; "
    "reviewers, editors and owners can."
)


def can_write(assessment: Assessment) -> bool:
    """Open, reply, resolve and reopen live threads (`assessment.role` from the getter)."""
    return services.may_write(assessment.role) and services.closed_reason(assessment) is None


def read_only_notice(assessment: Assessment) -> str | None:
    """Why the page shows no forms, or None when it does."""
    why = services.closed_reason(assessment)
    if why:
        return why
    return None if services.may_write(assessment.role) else VIEW_ONLY


def _order(thread: Thread) -> tuple:
    # Live first (open, then resolved), then each earlier round, the latest first.
    return (
        not thread.is_live,
        -(thread.revision_number or 0),
        thread.is_resolved,
        thread.created_at,
    )


def by_item(assessment: Assessment) -> dict[str, list[Thread]]:
    """Every thread of the assessment by item key, with its comments in order.

    One query, the first time a page asks; kept on the instance for the rest of
    it. It reads the comments with their thread: a thread always has its first
    comment (services.open_thread writes both in one transaction). Each thread
    gets `comment_list`, `first_comment`, `replies`, `revision_number` (None
    while live) and `writable` (whether this user may write in it now).
    """
    cached = getattr(assessment, "_threads_by_item", None)
    if cached is not None:
        return cached
    writable = can_write(assessment)
    rows = (
        Comment.objects.filter(thread__assessment=assessment)
        .select_related("thread")
        .annotate(revision_number=F("thread__revision__number"))
        .order_by("thread__created_at", "thread_id", "created_at", "pk")
    )
    threads: dict = {}
    for comment in rows:
        thread = threads.get(comment.thread_id)
        if thread is None:
            thread = threads[comment.thread_id] = comment.thread
            thread.revision_number = comment.revision_number
            thread.comment_list = []
        comment.thread = thread
        thread.comment_list.append(comment)
    grouped: dict[str, list[Thread]] = defaultdict(list)
    for thread in threads.values():
        thread.first_comment = thread.comment_list[0]
        thread.replies = thread.comment_list[1:]
        thread.writable = writable and thread.is_live
        grouped[thread.item_key].append(thread)
    assessment._threads_by_item = {key: sorted(ts, key=_order) for key, ts in grouped.items()}
    return assessment._threads_by_item


def item_summary(assessment: Assessment, item_key: str) -> dict:
    """What discussion/_item_threads.html shows for one item of the questionnaire."""
    threads = by_item(assessment).get(item_key, [])
    live = [t for t in threads if t.is_live]
    resolved = sum(t.is_resolved for t in live)
    return {
        "open": len(live) - resolved,
        "resolved": resolved,
        "earlier": len(threads) - len(live),
        "url": reverse("item_discussion", args=[assessment.pk, item_key]),
    }


def open_review_threads(assessment: Assessment) -> list[Thread]:
    """Live, unresolved threads a reviewer opened, oldest first, for the top of the
    questionnaire (each with `item_key`, `first_comment`, `opened_by_name`, `url`).
    The page's by_item: no query once it is read."""
    return sorted(
        (
            thread
            for threads in by_item(assessment).values()
            for thread in threads
            if thread.is_live and thread.by_reviewer and not thread.is_resolved
        ),
        key=lambda thread: (thread.created_at, thread.pk),
    )


def open_review_count(assessment: Assessment) -> int:
    """How many review threads hold up an approval: one query, none if the page read them."""
    if getattr(assessment, "_threads_by_item", None) is not None:
        return len(open_review_threads(assessment))
    return Thread.objects.open_review().filter(assessment=assessment).count()


def mentioning(user) -> list[Thread]:
    """Open live threads that mention the user, in the teams they belong to now, newest
    first, for "My work": one query. Each has `url`, `assessment_title`, `item_key`
    and `excerpt` (its first comment)."""
    first = Comment.objects.filter(thread=OuterRef("pk")).order_by("created_at", "pk")
    threads = (
        Thread.objects.live()
        .unresolved()
        .filter(
            pk__in=Mention.objects.filter(user=user).values("thread_id"),
            assessment__team__memberships__user=user,
            assessment__archived_at__isnull=True,
            assessment__status__in=services.OPEN_STATUSES,
        )
        .annotate(
            assessment_title=F("assessment__title"),
            excerpt=Left(Subquery(first.values("body")[:1]), EXCERPT_MAX),
        )
        .order_by("-created_at", "pk")
    )
    return list(threads)


def page_context(assessment: Assessment, item_key: str) -> dict:
    """What discussion/item.html shows of one item's threads."""
    threads = by_item(assessment).get(item_key, [])
    return {
        "live": [t for t in threads if t.is_live],
        "earlier": [t for t in threads if not t.is_live],
        "can_write": can_write(assessment),
        # services.resolve: a reviewer's thread is resolved by a reviewer.
        "is_reviewer": Role.reviews(assessment.role),
        "read_only": read_only_notice(assessment),
    }
