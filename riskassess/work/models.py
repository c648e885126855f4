"""Who answers what: an item or a whole category of an assessment, given to a member.

An assignment names its target by key (an item's or a category's, like answers
and evidence do) and keeps the assigner's name as text, so it stays readable
after their account is gone. At most one is open per target: assigning again
replaces it. Its history (simple_history) records who assigned, reassigned
and marked done.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from riskassess.assessments.models import Assessment

NOTE_MAX = 500


class AssignmentQuerySet(models.QuerySet):
    def open(self) -> "AssignmentQuerySet":
        return self.filter(done_at__isnull=True)


class Assignment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # CASCADE: only a never-submitted draft can be deleted; its assignments go with it.
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="assignments")
    # Exactly one of the two (assignment_one_target).
    item_key = models.CharField(max_length=50, blank=True)
    category_key = models.CharField(max_length=50, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    assigned_by_name = models.CharField(max_length=150)
    answer_by = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=NOTE_MAX, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(item_key="") & ~Q(category_key=""))
                | (~Q(item_key="") & Q(category_key="")),
                name="assignment_one_target",
            ),
            models.UniqueConstraint(
                fields=["assessment", "item_key", "category_key"],
                condition=Q(done_at__isnull=True),
                name="one_open_assignment_per_target",
            ),
        ]
        indexes = [
            # "Assigned to me" on My work.
            models.Index(fields=["assignee", "done_at"], name="assignment_assignee_open"),
        ]

    def __str__(self) -> str:
        return f"{self.target_key} of {self.assessment_id} to {self.assignee_id}"

    @property
    def target_key(self) -> str:
        return self.item_key or self.category_key

    @property
    def is_item(self) -> bool:
        return bool(self.item_key)

    @property
    def is_open(self) -> bool:
        return self.done_at is None

    @property
    def is_overdue(self) -> bool:
        return (
            self.done_at is None
            and self.answer_by is not None
            and self.answer_by < timezone.localdate()
        )
