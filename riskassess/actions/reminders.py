"""The daily reminders of the action plans (`manage.py send_reminders`).

Four kinds, each sent once per subject and date (a Reminder row says so):

- an action due within a week (today to today + 7 days): its owner;
- an action past its due date: its owner and whoever created it;
- an accepted risk expiring within two weeks: who proposed and who accepted it;
- an accepted risk that expired: services.expire_acceptances makes it undecided
  again, and the team's owners and its former proposer and accepter are told.

The date is part of the key, so an action whose due date moves is reminded of
its new date, and running twice the same day sends nothing twice. A run is one
transaction: the findings it expires, its Reminder rows and its notifications
commit together (the e-mails go after), so a failed run leaves nothing half
done and the next one sends it all. A Reminder row another run inserted first
(a concurrent run) is "already sent": its insert fails in a savepoint and the
run goes on with the rest.

Decisions:

- Retired deployments get no reminders: nobody works on their plan. Their
  acceptances still lapse (expire_acceptances knows no lifecycle), silently;
  their actions are reminded again if the deployment is brought back.
- Only active users who are still members of the deployment's team are told:
  an ex-member must not hear of the team's plan. A reminder nobody can be told
  of is not recorded, so a new owner of the action gets it on a later run.
- A proposal nobody accepted also lapses in expire_acceptances; it was never an
  accepted risk, so no "accepted risk expired" notice goes out for it.

The reads are a fixed number of queries whatever the number of reminders; each
reminder sent then costs four (savepoint, its Reminder row, release, the
notifications), and each lapsed acceptance what expire_acceptances spends on it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from riskassess.accounts.models import Membership, Role
from riskassess.actions import services
from riskassess.actions.models import Action, Finding, Reminder, Treatment
from riskassess.assessments.models import Assessment
from riskassess.deployments.models import Deployment, Lifecycle
from riskassess.notifications.models import Kind
from riskassess.notifications.services import notify

DUE_SOON_DAYS = 7
EXPIRING_DAYS = 14

NOTIFICATION_KIND = {
    Reminder.Kind.DUE_SOON: Kind.ACTION_DUE_SOON,
    Reminder.Kind.OVERDUE: Kind.ACTION_OVERDUE,
    Reminder.Kind.EXPIRING: Kind.ACCEPTANCE_EXPIRING,
    Reminder.Kind.EXPIRED: Kind.ACCEPTANCE_EXPIRED,
}


@dataclass
class _Due:
    """One reminder to send, unless it was sent already."""

    kind: str
    subject: uuid.UUID
    on_date: date
    deployment: Deployment
    people: list = field(default_factory=list)  # user ids, possibly None
    team_owners: bool = False


def send(today: date | None = None) -> dict[str, int]:
    """Send the day's reminders; how many of each kind (Reminder.Kind values) were sent."""
    today = today or timezone.localdate()
    counts = {kind.value: 0 for kind in Reminder.Kind}
    with transaction.atomic():
        due = [*_expired(today), *_actions(today), *_expiring(today)]
        if not due:
            return counts
        members = _members({d.deployment.team_id for d in due})
        links = _links({d.deployment.pk for d in due})
        for reminder in due:
            team = members.get(reminder.deployment.team_id, {})
            people = list(reminder.people)
            if reminder.team_owners:
                people = [pk for pk, role in team.items() if role == Role.OWNER] + people
            recipients = [pk for pk in dict.fromkeys(people) if pk in team]
            if recipients and _send_one(reminder, recipients, links[reminder.deployment.pk]):
                counts[reminder.kind] += 1
    return counts


def _send_one(reminder: _Due, recipients: list, url: str) -> bool:
    """Record the reminder and notify; False if another run recorded it first."""
    try:
        with transaction.atomic():
            Reminder.objects.create(
                kind=reminder.kind, subject=reminder.subject, on_date=reminder.on_date
            )
    except IntegrityError:
        return False
    notify(
        recipients,
        kind=NOTIFICATION_KIND[reminder.kind],
        actor=None,
        url=url,
        title=reminder.deployment.name,
    )
    return True


def _not_sent(kind: str, date_field: str) -> Exists:
    return Exists(
        Reminder.objects.filter(kind=kind, subject=OuterRef("pk"), on_date=OuterRef(date_field))
    )


def _live(queryset):
    """Only subjects of deployments not retired, with the deployment (its name and team)."""
    return (
        queryset.exclude(deployment__lifecycle=Lifecycle.RETIRED)
        .select_related("deployment")
        .order_by("deployment__name", "pk")
    )


def _actions(today: date) -> list[_Due]:
    active = Action.objects.active()
    soon = _live(
        active.filter(due_on__gte=today, due_on__lte=today + timedelta(days=DUE_SOON_DAYS))
        .exclude(_not_sent(Reminder.Kind.DUE_SOON, "due_on"))
    )  # fmt: skip
    overdue = _live(
        active.filter(due_on__lt=today).exclude(_not_sent(Reminder.Kind.OVERDUE, "due_on"))
    )
    return [
        *(_Due(Reminder.Kind.DUE_SOON, a.pk, a.due_on, a.deployment, [a.owner_id]) for a in soon),
        *(
            _Due(Reminder.Kind.OVERDUE, a.pk, a.due_on, a.deployment, [a.owner_id, a.created_by_id])
            for a in overdue
        ),
    ]


def _expiring(today: date) -> list[_Due]:
    findings = _live(
        Finding.objects.filter(
            treatment=Treatment.ACCEPT,
            accepted_at__isnull=False,
            expires_on__gte=today,
            expires_on__lte=today + timedelta(days=EXPIRING_DAYS),
        ).exclude(_not_sent(Reminder.Kind.EXPIRING, "expires_on"))
    )
    return [
        _Due(
            Reminder.Kind.EXPIRING,
            f.pk,
            f.expires_on,
            f.deployment,
            [f.proposed_by_id, f.accepted_by_id],
        )
        for f in findings
    ]


def _expired(today: date) -> list[_Due]:
    """Expire the acceptances past their date (in the run's transaction), and say whom
    to tell: expire_acceptances clears the proposer and accepter, so they are read first,
    with the rows locked so that nobody changes them in between."""
    before = {
        row["pk"]: row
        for row in Finding.objects.select_for_update()
        .filter(treatment=Treatment.ACCEPT, expires_on__lt=today)
        .values("pk", "proposed_by_id", "accepted_by_id", "accepted_at")
    }
    if not before:
        return []
    lapsed = services.expire_acceptances(today)
    deployments = Deployment.objects.exclude(lifecycle=Lifecycle.RETIRED).in_bulk(
        {f.deployment_id for f in lapsed}
    )
    due = []
    for finding in lapsed:
        deployment = deployments.get(finding.deployment_id)
        was = before.get(finding.pk)
        if deployment is None or (was is not None and was["accepted_at"] is None):
            continue  # retired, or a proposal nobody accepted
        people = [was["proposed_by_id"], was["accepted_by_id"]] if was else []
        due.append(
            _Due(
                Reminder.Kind.EXPIRED,
                finding.pk,
                finding.lapsed_on,
                deployment,
                people,
                team_owners=True,
            )
        )
    return due


def _members(team_ids) -> dict:
    """{team id: {user id: role}} of the active members of these teams: one query."""
    members: dict = {}
    for team_id, user_id, role in Membership.objects.filter(
        team_id__in=team_ids, user__is_active=True
    ).values_list("team_id", "user_id", "role"):
        members.setdefault(team_id, {})[user_id] = role
    return members


def _links(deployment_ids) -> dict:
    """services.plan_link for each deployment, in one query."""
    current = dict(
        Assessment.objects.filter(deployment_id__in=deployment_ids, is_current=True).values_list(
            "deployment_id", "pk"
        )
    )
    return {
        pk: reverse("action_plan", args=[current[pk]])
        if pk in current
        else reverse("deployments:detail", args=[pk])
        for pk in deployment_ids
    }
