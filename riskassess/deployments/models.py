"""What is assessed over time: a team's deployed AI system, and the base model under it.

A Deployment has assessments over time (assessments.Assessment.deployment);
each assessment keeps its own copy of the deployment's details as they were
when it started, so editing a deployment never changes a record. A BaseModel
is a catalogue entry shared by every team: the report this project follows
warns that many deployments inherit the defects of a few foundation models,
so a team and its risk office must see every deployment on one of them.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.models import HistoricalRecords

from riskassess.accounts.models import Team

NAME_MAX = 200
TEXT_MAX = 5_000
DEFAULT_REVIEW_MONTHS = 12


class BaseModelQuerySet(models.QuerySet):
    def current(self) -> BaseModelQuerySet:
        """Base models not superseded by a newer version."""
        return self.filter(superseded_by__isnull=True)


class BaseModel(models.Model):
    """A foundation model in the catalogue: who makes it, which version, under what licence.

    The model card's address is kept as text and shown as such: the app never
    fetches it (auditors often work on closed networks).
    """

    provider = models.CharField(max_length=NAME_MAX)
    name = models.CharField(max_length=NAME_MAX)
    version = models.CharField(max_length=100, blank=True)
    release_date = models.DateField(null=True, blank=True)
    licence = models.CharField(max_length=NAME_MAX, blank=True)
    model_card = models.CharField("model card address", max_length=500, blank=True)
    superseded_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supersedes",
        help_text="The newer version that replaces this one.",
    )
    superseded_at = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = BaseModelQuerySet.as_manager()

    class Meta:
        ordering = [Lower("provider"), Lower("name"), "-release_date", "version"]
        permissions = [("edit_catalogue", "Can maintain the base model catalogue")]
        constraints = [
            # "Meta Llama 3" and "meta llama 3" are one model: compared case-insensitively.
            models.UniqueConstraint(
                Lower("provider"), Lower("name"), Lower("version"), name="unique_base_model"
            ),
            models.CheckConstraint(
                condition=~models.Q(superseded_by=models.F("pk")), name="not_superseded_by_itself"
            ),
        ]

    def __str__(self) -> str:
        version = f" {self.version}" if self.version else ""
        return f"{self.provider} {self.name}{version}"

    def save(self, *args, **kwargs):
        # A supersession always has a day: the deployments' review dates are
        # brought forward to it (review.py). Unknown, it is the day it was recorded.
        if self.superseded_by_id and self.superseded_at is None:
            self.superseded_at = timezone.localdate()
        super().save(*args, **kwargs)


class Lifecycle(models.TextChoices):
    PLANNED = "planned", "Planned"
    PRODUCTION = "production", "In production"
    RETIRED = "retired", "Retired"


# How bad a level is, for sorting: 0 is "never submitted".
LEVEL_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}


class DeploymentQuerySet(models.QuerySet):
    def for_user(self, user) -> DeploymentQuerySet:
        """Only the deployments of teams the user belongs to."""
        return self.filter(team__memberships__user=user)


class Deployment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="deployments")
    name = models.CharField(max_length=NAME_MAX)
    description = models.TextField(blank=True, max_length=TEXT_MAX)
    context = models.TextField(
        "deployment context",
        blank=True,
        max_length=TEXT_MAX,
        help_text="Who uses it, where, and for what.",
    )
    model_name = models.CharField("model name and version", max_length=NAME_MAX)
    base_model = models.ForeignKey(
        BaseModel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deployments",
    )
    # The base model as it was typed before the catalogue existed (or when it has
    # no entry yet): kept, shown, and replaced by a pick from the catalogue.
    base_model_text = models.CharField("base model, as typed", max_length=NAME_MAX, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lifecycle = models.CharField(
        max_length=12, choices=Lifecycle.choices, default=Lifecycle.PRODUCTION
    )
    review_months = models.PositiveSmallIntegerField(
        "review interval (months)",
        default=DEFAULT_REVIEW_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    # The latest significant change (model version or base model), in words: made
    # after the latest submission, it brings the next review forward (review.py).
    changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    change_note = models.CharField(max_length=500, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # What lists sort and filter by, stored so that no list scores or counts
    # revisions (summary.py keeps them true; `summaries --verify` checks them):
    # the latest revision's level and time, and the next review date.
    latest_level = models.CharField(max_length=10, blank=True, editable=False)
    level_rank = models.PositiveSmallIntegerField(default=0, editable=False)
    last_submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    review_due = models.DateField(null=True, blank=True, editable=False)  # None: retired

    history = HistoricalRecords(
        excluded_fields=[
            "updated_at",
            "latest_level",
            "level_rank",
            "last_submitted_at",
            "review_due",
        ]
    )

    objects = DeploymentQuerySet.as_manager()

    class Meta:
        ordering = [Lower("name")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lifecycle__in=[c.value for c in Lifecycle]),
                name="deployment_lifecycle_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(review_months__gte=1, review_months__lte=60),
                name="deployment_review_months_range",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "name"], name="deployment_team_name"),
            models.Index(Lower("name"), name="deployment_name_lower"),
            models.Index(fields=["review_due"], name="deployment_review_due"),
            models.Index(fields=["level_rank"], name="deployment_level_rank"),
            models.Index(fields=["lifecycle"], name="deployment_lifecycle"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # The stored review date follows every change of what decides it
        # (interval, lifecycle, model, base model): see summary.py.
        from riskassess.deployments.summary import review_of

        if self.created_at is None:
            self.created_at = timezone.now()
        self.review_due = review_of(self, timezone.localdate()).due
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "review_due"}
        super().save(*args, **kwargs)

    @property
    def base_model_name(self) -> str:
        """What to show for the base model: the catalogue entry, else the text as typed."""
        return str(self.base_model) if self.base_model_id else self.base_model_text
