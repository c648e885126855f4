"""What a team fills in: an assessment of one deployment, and its answers.

A draft is scored against the live checklist. Submitting freezes everything it
was scored with (item text, weights, option risks, answers) into `snapshot`, so
later checklist edits never change a submitted assessment or its report.
"""

import uuid

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from riskassess.accounts.models import Team
from riskassess.checklist.models import Checklist, Item, Option

TITLE_MAX = 200
COMMENT_MAX = 10_000
CONTEXT_MAX = 5_000


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class AssessmentQuerySet(models.QuerySet):
    def for_user(self, user) -> "AssessmentQuerySet":
        """Only the assessments of teams the user belongs to."""
        return self.filter(team__memberships__user=user)

    def for_dashboard(self) -> "AssessmentQuerySet":
        return self.select_related("team", "checklist").order_by("-updated_at")


class Assessment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="assessments")
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="assessments")
    title = models.CharField(max_length=TITLE_MAX)
    model_name = models.CharField("model name and version", max_length=TITLE_MAX)
    base_model = models.CharField("base foundation model", max_length=TITLE_MAX)
    context = models.TextField(
        "deployment context",
        max_length=CONTEXT_MAX,
        help_text="Who uses it, where, and for what.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    snapshot = models.JSONField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The snapshot is kept by the "submitted" Event; each answer save only
    # touches updated_at, which the answer's own history already records.
    history = HistoricalRecords(excluded_fields=["snapshot", "updated_at"])

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in Status]),
                name="assessment_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(snapshot__isnull=False),
                name="submitted_assessment_has_snapshot",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_locked(self) -> bool:
        return self.status == Status.SUBMITTED


class Answer(models.Model):
    """One row per (assessment, item). `version` counts saves, for the concurrency check."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    # PROTECT: a checklist row that answers refer to is retired, never deleted.
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="answers")
    # Empty while only a comment has been written: the comment is kept, the item is unanswered.
    option = models.ForeignKey(
        Option, on_delete=models.PROTECT, related_name="answers", null=True, blank=True
    )
    comment = models.TextField(blank=True, max_length=COMMENT_MAX)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="one_answer_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.option_id}"


class Event(models.Model):
    """A status change of an assessment: who did it and when."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        SUBMITTED = "submitted", "Submitted"
        REOPENED = "reopened", "Reopened"
        IMPORTED = "imported", "Imported from a file"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Kept as text too, so the record stays readable after the account is deleted.
    username = models.CharField(max_length=150)
    note = models.CharField(max_length=500, blank=True)
    # For "submitted": the data it was submitted with, so earlier submissions of
    # a reopened assessment stay on record.
    data = models.JSONField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} by {self.username}"
