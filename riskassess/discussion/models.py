"""Comment threads on an assessment's items, between the people answering and its reviewers.

A thread hangs from (assessment, item key), like an answer or a piece of
evidence. Its first comment opens it; later ones are replies. A thread is
*live* while `revision` is null: it can be written while the assessment is a
draft or in review. When a round closes (a final submission, or an approval:
receivers.py) every live thread is stamped with the revision that closed it
and stays with that record, read-only. Names are copied as text, so the
record reads the same after an account is deleted.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from riskassess.assessments.models import Assessment, Revision

BODY_MAX = 4000
NAME_MAX = 150
ITEM_KEY_MAX = 50


class ThreadQuerySet(models.QuerySet):
    def live(self) -> "ThreadQuerySet":
        """Threads of the round in progress (not yet kept with a revision)."""
        return self.filter(revision__isnull=True)

    def unresolved(self) -> "ThreadQuerySet":
        return self.filter(resolved_at__isnull=True)

    def open_review(self) -> "ThreadQuerySet":
        """Live, unresolved threads a reviewer opened: they hold up an approval."""
        return self.live().unresolved().filter(by_reviewer=True)


class Thread(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # CASCADE: only a never-submitted draft can be deleted, and what was said of it goes too.
    # Indexed with item_key below.
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="threads", db_index=False
    )
    item_key = models.CharField(max_length=ITEM_KEY_MAX)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    opened_by_name = models.CharField(max_length=NAME_MAX)
    # The opener's role when they opened it: a reviewer's open threads hold up an approval.
    by_reviewer = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_by_name = models.CharField(max_length=NAME_MAX, blank=True)
    # Null while live; the revision that closed its round once that round is over.
    # CASCADE: a revision is only ever deleted with its archived assessment
    # (purge_archived), and its threads go with it.
    revision = models.ForeignKey(
        Revision, on_delete=models.CASCADE, null=True, blank=True, related_name="threads"
    )
    history = HistoricalRecords()

    objects = ThreadQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "item_key", "created_at", "pk"]
        indexes = [
            models.Index(fields=["assessment", "item_key"], name="thread_item"),
            # Open review threads (approval check, the questionnaire's list) and
            # the round's close read only live, unresolved rows.
            models.Index(
                fields=["assessment"],
                condition=models.Q(revision__isnull=True, resolved_at__isnull=True),
                name="thread_open_live",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(item_key=""), name="thread_item_key_set"),
            models.CheckConstraint(
                condition=~models.Q(opened_by_name=""), name="thread_opener_named"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    resolved_at__isnull=True, resolved_by__isnull=True, resolved_by_name=""
                )
                | (models.Q(resolved_at__isnull=False) & ~models.Q(resolved_by_name="")),
                name="thread_resolved_fields",
            ),
            models.CheckConstraint(
                condition=models.Q(resolved_at__isnull=True)
                | models.Q(resolved_at__gte=models.F("created_at")),
                name="thread_resolved_after_opened",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_key} thread by {self.opened_by_name}"

    @property
    def is_live(self) -> bool:
        return self.revision_id is None

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    @property
    def url(self) -> str:
        page = reverse("item_discussion", args=[self.assessment_id, self.item_key])
        return f"{page}#thread-{self.pk}"


class Comment(models.Model):
    """One message of a thread: plain text, shown as typed (escaped), never as HTML."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Indexed with created_at below: a thread's comments are always read in order.
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="comments", db_index=False
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    author_name = models.CharField(max_length=NAME_MAX)
    body = models.TextField(max_length=BODY_MAX)
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["thread", "created_at", "pk"]
        indexes = [models.Index(fields=["thread", "created_at"], name="comment_thread")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(body=""), name="comment_body_set"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body"), BODY_MAX), name="comment_body_max"
            ),
            models.CheckConstraint(
                condition=~models.Q(author_name=""), name="comment_author_named"
            ),
        ]

    def __str__(self) -> str:
        return f"comment by {self.author_name}"


class Mention(models.Model):
    """A team member named as `@username` in a comment.

    `thread` repeats the comment's thread (comments never move) so that "open
    threads mentioning me" reads one index, (user, thread), with no join.
    """

    # Indexed by the unique (comment, user) below.
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="mentions", db_index=False
    )
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="discussion_mentions",
        db_index=False,  # the (user, thread) index below serves it
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="mention_once_per_comment")
        ]
        indexes = [models.Index(fields=["user", "thread"], name="mention_user_thread")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.comment_id}"
