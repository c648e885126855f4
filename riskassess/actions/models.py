"""What is done about a deployment's findings: a treatment per finding, and actions.

A finding is an applicable item answered with some risk (findings.py). It
belongs to the deployment, identified by the item's key, so a re-assessment
of the same deployment finds its treatment and actions where it left them.
A Finding row exists only once someone decided something about it: a finding
without one is undecided.

Names are kept as text beside the accounts (owner, proposer, accepter), so the
plan stays readable after an account is gone; simple_history records every
change (the plan's audit trail). A submitted revision freezes the plan as it
was (report.py); the live plan here moves on.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from riskassess.deployments.models import Deployment

TITLE_MAX = 200
TEXT_MAX = 5_000
KEY_MAX = 50


class Treatment(models.TextChoices):
    UNDECIDED = "undecided", "Undecided"
    MITIGATE = "mitigate", "Mitigate"
    ACCEPT = "accept", "Accept"


class Finding(models.Model):
    """The treatment of one finding of a deployment, and its acceptance when accepted.

    Accepting is two steps: an editor proposes it (justification, expiry), and an
    owner or a reviewer other than the proposer accepts it (`accepted_at` set).
    An acceptance past its expiry date returns to undecided with `lapsed_on`
    set, so the plan can say why it is undecided again.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # A deployment with assessments cannot be deleted (they PROTECT it); one
    # that can takes its plan with it.
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="findings")
    item_key = models.CharField(max_length=KEY_MAX)
    treatment = models.CharField(
        max_length=10, choices=Treatment.choices, default=Treatment.UNDECIDED
    )
    justification = models.TextField(blank=True, max_length=TEXT_MAX)
    expires_on = models.DateField(null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    proposed_by_name = models.CharField(max_length=150, blank=True)
    proposed_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    accepted_by_name = models.CharField(max_length=150, blank=True)
    accepted_role = models.CharField(max_length=10, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    # The expiry date of the acceptance that lapsed, while the finding is undecided again.
    lapsed_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["item_key"]
        constraints = [
            models.UniqueConstraint(fields=["deployment", "item_key"], name="one_finding_per_item"),
            # An acceptance always has its justification and expiry date.
            models.CheckConstraint(
                condition=~Q(treatment="accept")
                | (~Q(justification="") & Q(expires_on__isnull=False)),
                name="acceptance_justified_and_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_key}: {self.treatment}"

    @property
    def is_accepted(self) -> bool:
        """An acceptance in force: accepted by someone, and not expired today."""
        return (
            self.treatment == Treatment.ACCEPT
            and self.accepted_at is not None
            and self.expires_on is not None
            and self.expires_on >= timezone.localdate()
        )

    @property
    def is_proposed(self) -> bool:
        """Acceptance proposed, waiting for an owner or a reviewer."""
        return self.treatment == Treatment.ACCEPT and self.accepted_at is None

    @property
    def is_expired(self) -> bool:
        """Accepted until a day already past (the daily reminders then make it undecided)."""
        return (
            self.treatment == Treatment.ACCEPT
            and self.expires_on is not None
            and self.expires_on < timezone.localdate()
        )

    @property
    def lapsed(self):
        """The expiry date of an accepted risk that lapsed (today, or already made undecided
        by the daily reminders), else None. A proposal nobody accepted in time lapses too,
        but was never an accepted risk: it simply is undecided again."""
        if self.is_expired and self.accepted_at is not None:
            return self.expires_on
        return self.lapsed_on

    @property
    def effective(self) -> str:
        """The treatment as it stands today: an expired acceptance is undecided again."""
        return Treatment.UNDECIDED if self.is_expired else self.treatment


class Status(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


# An action still to be done: it counts for the projection and the reminders.
ACTIVE = (Status.OPEN, Status.IN_PROGRESS)


class ActionQuerySet(models.QuerySet):
    def active(self) -> ActionQuerySet:
        return self.filter(status__in=ACTIVE)

    def overdue(self, today=None) -> ActionQuerySet:
        return self.active().filter(due_on__lt=today or timezone.localdate())


class Action(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(blank=True, max_length=TEXT_MAX)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="actions"
    )
    owner_name = models.CharField(max_length=150)
    due_on = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    # The findings it addresses (at least one: services.py).
    findings = models.ManyToManyField(Finding, related_name="actions")
    # Optional: evidence of the work, one of an assessment's pieces (kept as a name
    # too: the piece goes if the draft it was attached to is deleted).
    evidence = models.ForeignKey(
        "evidence.Evidence", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    evidence_name = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_by_name = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[findings])

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "created_at", "pk"]
        indexes = [
            # "My actions" on My work, and the reminders' daily pass.
            models.Index(fields=["owner", "status"], name="action_owner_status"),
            models.Index(fields=["status", "due_on"], name="action_status_due"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def is_overdue(self) -> bool:
        return self.is_active and self.due_on < timezone.localdate()


class Reminder(models.Model):
    """One reminder sent: what about, which kind, for which date.

    The unique row is what makes `send_reminders` idempotent: a second run the
    same day (or a concurrent one) finds it and sends nothing. The date is part
    of it, so an action whose due date moves is reminded of its new date.
    """

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", "Action due soon"
        OVERDUE = "overdue", "Action overdue"
        EXPIRING = "expiring", "Acceptance expiring"
        EXPIRED = "expired", "Acceptance expired"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    subject = models.UUIDField()  # the action's or the finding's id
    on_date = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject", "on_date"], name="one_reminder_each")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject} {self.on_date}"
