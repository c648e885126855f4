"""What happened that a user should know about, kept for their "My work" page.

A notification copies what it shows (the assessment's title, who did it) so it
stays readable when the assessment is renamed or the account is gone, and
holds a site-relative link (never an absolute address: nothing stored here
can send anyone to another site). It says what happened, never what was
answered, commented or attached.

Preference is one row per user who changed a default (no row: e-mails on), so
the accounts app stays unaware of notifications.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from riskassess.assessments.models import TITLE_MAX, Assessment

URL_MAX = 500


class Kind(models.TextChoices):
    REVIEW_REQUESTED = "review_requested", "Review requested"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    ASSIGNED = "assigned", "Assigned to you"
    THREAD_REPLY = "thread_reply", "Reply in a discussion"
    MENTION = "mention", "Mention"
    ACTION_ASSIGNED = "action_assigned", "Action given to you"
    ACTION_DONE = "action_done", "Action done"
    ACTION_DUE_SOON = "action_due_soon", "Action due soon"
    ACTION_OVERDUE = "action_overdue", "Action overdue"
    ACCEPTANCE_PROPOSED = "acceptance_proposed", "Risk acceptance proposed"
    ACCEPTANCE_DECIDED = "acceptance_decided", "Risk acceptance decided"
    ACCEPTANCE_EXPIRING = "acceptance_expiring", "Risk acceptance expiring"
    ACCEPTANCE_EXPIRED = "acceptance_expired", "Risk acceptance expired"


# What happened, before the assessment's title: "bob assigned you a question in “Support bot”".
HEADLINES = {
    Kind.REVIEW_REQUESTED: "{actor} asked you to review",
    Kind.CHANGES_REQUESTED: "{actor} asked for changes to",
    Kind.APPROVED: "{actor} approved",
    Kind.ASSIGNED: "{actor} assigned you a question in",
    Kind.THREAD_REPLY: "{actor} replied in a discussion on",
    Kind.MENTION: "{actor} mentioned you in",
    Kind.ACTION_ASSIGNED: "{actor} gave you an action in the plan of",
    Kind.ACTION_DONE: "{actor} completed an action in the plan of",
    Kind.ACTION_DUE_SOON: "An action of yours is due within a week in the plan of",
    Kind.ACTION_OVERDUE: "An action of yours is overdue in the plan of",
    Kind.ACCEPTANCE_PROPOSED: "{actor} proposed accepting a risk of",
    Kind.ACCEPTANCE_DECIDED: "{actor} decided on accepting a risk of",
    Kind.ACCEPTANCE_EXPIRING: "An accepted risk expires soon in",
    Kind.ACCEPTANCE_EXPIRED: "An accepted risk expired and is undecided again in",
}
# A kind added without a headline still reads as a sentence.
DEFAULT_HEADLINE = "{actor} made a change to"


def headline(kind: str, actor_name: str) -> str:
    return HEADLINES.get(kind, DEFAULT_HEADLINE).format(actor=actor_name or "Someone")


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user) -> "NotificationQuerySet":
        """The user's own notifications, newest first."""
        return self.filter(recipient=user).order_by("-created_at", "-pk")

    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    # No choices check in the database: a new kind (action_due, …) needs no migration.
    kind = models.CharField(max_length=30, choices=Kind.choices)
    # CASCADE: only a never-submitted draft can be deleted; what was said of it goes too.
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    actor_name = models.CharField(max_length=150, blank=True)
    # A path on this site ("/a/…/q/…/#item-X"); e-mails put SITE_URL in front of it.
    url = models.CharField(max_length=URL_MAX)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The navigation's unread count, on every page.
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notification_list"),
        ]

    def __str__(self) -> str:
        return f"{self.headline} “{self.title}”" if self.title else self.headline

    @property
    def headline(self) -> str:
        return headline(self.kind, self.actor_name)

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class Preference(models.Model):
    """A user's notification settings; without a row, the defaults (e-mails on)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    emails = models.BooleanField(
        "send me e-mails",
        default=True,
        help_text="An e-mail for each notification. They are always listed on My work.",
    )

    def __str__(self) -> str:
        return f"{self.user}: e-mails {'on' if self.emails else 'off'}"
