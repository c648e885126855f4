import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords


class User(AbstractUser):
    """Our own user model from day one, so adding fields later needs no data surgery."""


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer"
    REVIEWER = "reviewer", "Reviewer"
    EDITOR = "editor", "Editor"
    OWNER = "owner", "Owner"

    @staticmethod
    def allows(have: str, need: str) -> bool:
        """The one rule that compares roles: `have` is `need` or a stronger one.

        A reviewer ranks between viewer and editor: it reads everything a viewer
        does and comments, never answers. Deciding a review is not a rank but
        the reviewer role itself (`Role.reviews`): an owner who answered cannot
        approve their own work by outranking the reviewer.
        """
        return _RANK[Role(have)] >= _RANK[Role(need)]

    @staticmethod
    def reviews(have: str | None) -> bool:
        """Whether a member with role `have` may decide reviews (approve, request changes)."""
        return have == Role.REVIEWER


# Each role can do everything the roles below it can.
_RANK = {Role.VIEWER: 1, Role.REVIEWER: 2, Role.EDITOR: 3, Role.OWNER: 4}

ATTESTATION_MAX = 1000
DEFAULT_ATTESTATION = "I confirm these answers are accurate to the best of my knowledge."
REVIEW_MONTHS_MIN, REVIEW_MONTHS_MAX = 1, 60


# An accepted risk is looked at again within a year, whatever a team sets.
ACCEPTANCE_MONTHS_MAX = 12


class TeamQuerySet(models.QuerySet):
    def for_user(self, user) -> "TeamQuerySet":
        return self.filter(memberships__user=user)

    def editable_by(self, user) -> "TeamQuerySet":
        """The teams where `user` may answer assessments (editor or owner), with `.role`."""
        # annotate_role, not a second memberships filter: two filter() calls on
        # a multi-valued relation would match "any member is an editor".
        return self.for_user(user).annotate_role(user).filter(role__in=[Role.EDITOR, Role.OWNER])

    def annotate_role(self, user) -> "TeamQuerySet":
        """Add `.role`: the user's role in each team (limit the queryset to their teams)."""
        return self.annotate(
            role=models.Subquery(
                Membership.objects.filter(team=models.OuterRef("pk"), user=user).values("role")[:1]
            )
        )


class Team(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200, unique=True)
    # A statement whoever submits must confirm; empty: none is asked. Each revision
    # records the words confirmed, so changing this later changes no record.
    attestation = models.TextField(
        "statement confirmed on submission",
        blank=True,
        max_length=ATTESTATION_MAX,
        help_text=f"For example: “{DEFAULT_ATTESTATION}” Leave empty to ask for none.",
    )
    # How often the team's deployments are re-assessed, unless one says otherwise.
    review_months = models.PositiveSmallIntegerField(
        "review interval (months)",
        default=12,
        validators=[MinValueValidator(REVIEW_MONTHS_MIN), MaxValueValidator(REVIEW_MONTHS_MAX)],
        help_text="How often each deployment is re-assessed; a deployment may set its own.",
    )
    review_required = models.BooleanField(
        "review required",
        default=False,
        help_text="Submissions go to a reviewer, who approves them or asks for changes; "
        "without it, a submission is final.",
    )
    # The longest a risk may be accepted for (actions app): its expiry date is at
    # most this many months after the day it is accepted.
    acceptance_months = models.PositiveSmallIntegerField(
        "longest acceptance (months)",
        default=ACCEPTANCE_MONTHS_MAX,
        validators=[MinValueValidator(1), MaxValueValidator(ACCEPTANCE_MONTHS_MAX)],
        help_text="How far ahead an accepted risk's expiry date may be set.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(acceptance_months__gte=1)
                & models.Q(acceptance_months__lte=ACCEPTANCE_MONTHS_MAX),
                name="team_acceptance_months_in_range",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="unique_membership"),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="membership_role_valid"
            ),
        ]
        ordering = ["team__name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"

    def allows(self, role: str) -> bool:
        """True when this membership's role is `role` or a stronger one."""
        return Role.allows(self.role, role)
