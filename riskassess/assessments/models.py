"""What a team fills in: an assessment of one deployment, its answers, its revisions.

A draft is scored against its checklist version. Submitting freezes everything
it was scored with (item text, weights, option risks, answers) into `snapshot`
and into an immutable Revision, with the report's content and fingerprint, so
neither later checklist edits nor a reopening can change what was submitted.
Statuses and the moves between them are in workflow.py.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from riskassess.accounts.models import Team
from riskassess.checklist.models import Checklist, Item, Option, ProfileQuestion
from riskassess.deployments.models import Deployment

TITLE_MAX = 200
COMMENT_MAX = 10_000
CONTEXT_MAX = 5_000


# The stored scoring of an assessment (summary.py), derived: kept out of its history.
SUMMARY_FIELDS = (
    "summary_score",
    "summary_level",
    "summary_control_level",
    "summary_tier",
    "summary_completeness",
    "summary_provisional",
)


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    # Submitted for review: locked, waiting for a reviewer's decision.
    IN_REVIEW = "in_review", "In review"
    # Submitted with no review required: final, as before reviews existed.
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"


class AssessmentQuerySet(models.QuerySet):
    def for_user(self, user) -> "AssessmentQuerySet":
        """Only the assessments of teams the user belongs to."""
        return self.filter(team__memberships__user=user)

    def for_dashboard(self) -> "AssessmentQuerySet":
        """For lists: their stored summaries are read, so the snapshot is not."""
        return self.select_related("team").defer("snapshot").order_by("-updated_at", "pk")


class Assessment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="assessments")
    # The deployment assessed. The details below are this assessment's own copy,
    # as they were when it started: editing the deployment changes no record.
    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, related_name="assessments")
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
    # Set while archived: hidden from the dashboard by default, read-only, restorable.
    archived_at = models.DateTimeField(null=True, blank=True)
    # The newest assessment of its deployment: the one lists show (summary.py).
    is_current = models.BooleanField(default=True, editable=False)
    # Its scoring, stored in the same transaction as every change that moves it
    # (summary.py), so that lists never score; `manage.py summaries --verify`
    # recomputes and compares them all.
    summary_score = models.FloatField(null=True, blank=True, editable=False)
    summary_level = models.CharField(max_length=10, blank=True, editable=False)
    summary_control_level = models.CharField(max_length=10, blank=True, editable=False)
    summary_tier = models.CharField(max_length=100, blank=True, editable=False)
    summary_completeness = models.FloatField(null=True, blank=True, editable=False)  # None: not yet
    summary_provisional = models.BooleanField(default=True, editable=False)
    # The snapshot is kept by the Revision; each answer save only touches
    # updated_at and the summary, which the answer's own history already explains.
    history = HistoricalRecords(
        excluded_fields=["snapshot", "updated_at", "is_current", *SUMMARY_FIELDS]
    )

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
            models.UniqueConstraint(
                fields=["deployment"],
                condition=models.Q(is_current=True),
                name="one_current_assessment_per_deployment",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "-updated_at"], name="assessment_team_updated"),
            # The assessments list's order across all of a user's teams (PostgreSQL
            # reads page 1 in order instead of sorting every assessment).
            models.Index(fields=["-updated_at", "id"], name="assessment_updated"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def state(self):
        """What the status means (workflow.STATES): templates and services ask this."""
        from riskassess.assessments.workflow import state_of

        return state_of(self)

    @property
    def is_editable(self) -> bool:
        """Answers and details can change: a draft that is not archived."""
        return self.state.editable

    @property
    def is_locked(self) -> bool:
        return not self.is_editable


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
    # Carried over from an earlier checklist version whose question or scale
    # differs (assessments/upgrade.py): shown beside the old wording, not scored
    # until an editor confirms or changes it. `carried` keeps what was answered
    # then: {"checklist_version", "question", "answer", "answer_label", "options"}.
    to_confirm = models.BooleanField(default=False)
    carried = models.JSONField(null=True, blank=True)
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


class ProfileAnswer(models.Model):
    """The options chosen for one profile question of a format-2 assessment (contracts.md §6).

    Option keys are kept as a list: published checklist versions never change,
    and services.save_profile checks each key against the question's options.
    An empty list is an unanswered question (its row keeps the version count).
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="profile")
    # PROTECT: a question answered in an assessment is never deleted under it.
    question = models.ForeignKey(ProfileQuestion, on_delete=models.PROTECT, related_name="answers")
    choices = models.JSONField(default=list)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "question"], name="one_profile_answer_per_question"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {', '.join(self.choices)}"


class Event(models.Model):
    """A status change of an assessment: who did it and when."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        SUBMITTED = "submitted", "Submitted"
        REOPENED = "reopened", "Reopened"
        IMPORTED = "imported", "Imported from a file"
        ARCHIVED = "archived", "Archived"
        RESTORED = "restored", "Restored from the archive"
        UPGRADED = "upgraded", "Moved to a newer checklist version"
        REASSESSED = "reassessed", "Started as a re-assessment"
        REVIEW_REQUESTED = "review_requested", "Submitted for review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        APPROVED = "approved", "Approved"
        WITHDRAWN = "withdrawn", "Withdrawn from review"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Kept as text too, so the record stays readable after the account is deleted.
    username = models.CharField(max_length=150)
    note = models.CharField(max_length=500, blank=True)
    # For "submitted": the revision's number, score, level and fingerprint; for
    # "upgraded": what was carried, to confirm, new and removed (with the removed
    # answers, which no longer have a row).
    data = models.JSONField(null=True, blank=True)
    # Not auto_now_add: a submission's event carries its revision's exact time.
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} by {self.username}"


class RevisionQuerySet(models.QuerySet):
    def for_user(self, user) -> "RevisionQuerySet":
        """Only revisions of assessments of teams the user belongs to."""
        return self.filter(assessment__team__memberships__user=user)


class Revision(models.Model):
    """One submission of an assessment, immutable: what was submitted, by whom, when.

    It copies everything it needs to stay true (the frozen data, the details
    and the report content with its fingerprint), so no later edit, reopening,
    checklist change or account deletion changes it. Only workflow.transition
    creates revisions; nothing updates them, and an assessment that has one
    cannot be deleted (PROTECT), only archived.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Kept as text too, so the record stays readable after the account is deleted.
    submitted_by_name = models.CharField(max_length=150)
    submitted_at = models.DateTimeField()
    # The statement the submitter confirmed, as worded then; empty when none was asked.
    attestation = models.TextField(blank=True)
    snapshot = models.JSONField()
    # The report's content as frozen at submission, without generated_at and
    # fingerprint (reportdata.UNSIGNED); `fingerprint` is its SHA-256.
    report = models.JSONField()
    fingerprint = models.CharField(max_length=64, db_index=True)
    score = models.FloatField(null=True)
    level = models.CharField(max_length=10, blank=True)
    provisional = models.BooleanField(default=False)
    # Submitted for a reviewer's decision (its team required a review), rather
    # than as a final record; the decision is its `review`.
    review_requested = models.BooleanField(default=False)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "number"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "number"], name="one_revision_number"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="revision_number_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} revision {self.number}"

    def save(self, *args, **kwargs):
        # A revision is a record: written once. (Not business logic: an integrity guard.)
        if not self._state.adding:
            raise ValueError("A revision is immutable once written.")
        super().save(*args, **kwargs)


REVIEW_TEXT_MAX = 4000


class Review(models.Model):
    """The decision on a revision submitted for review, written once like the revision.

    Approved: the reviewer's sign-off statement and the fingerprint of exactly
    what was approved (the revision's report). Changes requested: the
    reviewer's notes; the assessment went back to a draft, and its next
    submission is a new revision with its own review. Withdrawn: the owner took
    the revision back before a decision. An approval stays on record for its
    revision whatever happens to the assessment later.
    """

    class Outcome(models.TextChoices):
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        WITHDRAWN = "withdrawn", "Withdrawn"

    revision = models.OneToOneField(Revision, on_delete=models.PROTECT, related_name="review")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Copied, so the sign-off reads the same after the account or the role changes.
    username = models.CharField(max_length=150)
    role = models.CharField(max_length=50)
    decided_at = models.DateTimeField()
    # The sign-off statement (approved) or the reviewer's notes (changes requested).
    text = models.TextField(blank=True, max_length=REVIEW_TEXT_MAX)
    fingerprint = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome__in=["approved", "changes_requested", "withdrawn"]),
                name="review_outcome_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(outcome="approved") | ~models.Q(text=""),
                name="approval_has_statement",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.revision} {self.outcome} by {self.username}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("A review decision is immutable once written.")
        super().save(*args, **kwargs)

    @property
    def is_approval(self) -> bool:
        return self.outcome == self.Outcome.APPROVED


class Purge(models.Model):
    """What the `purge_archived` command removed, and who ran it: the record outlives the data."""

    assessment_id = models.UUIDField()
    title = models.CharField(max_length=TITLE_MAX)
    team = models.CharField(max_length=200)
    revisions = models.JSONField(help_text="[{number, submitted_at, fingerprint}]")
    answers = models.PositiveIntegerField()
    archived_at = models.DateTimeField(null=True)
    purged_by = models.CharField(max_length=150)
    purged_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-purged_at"]

    def __str__(self) -> str:
        return f"purged {self.title} ({self.assessment_id})"
