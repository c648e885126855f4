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


class Lifecycle(models.TextChoices):
    PLANNED = "planned", "Planned"
    PRODUCTION = "production", "In production"
    RETIRED = "retired", "Retired"


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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

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
        indexes = [models.Index(fields=["team", "name"], name="deployment_team_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def base_model_name(self) -> str:
        """What to show for the base model: the catalogue entry, else the text as typed."""
        return str(self.base_model) if self.base_model_id else self.base_model_text
