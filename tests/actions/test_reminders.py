"""The daily reminders: who is told of what, when, and never twice.

bob owns the actions alice (the team's owner) creates; bob proposes
acceptances and rita (a reviewer) accepts them. Runs are dated relative to
today, so actions and acceptances are made through the services as users make them.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from riskassess.accounts.models import Membership
from riskassess.actions import reminders, services
from riskassess.actions.models import Action, Finding, Reminder, Status, Treatment
from riskassess.deployments.models import Deployment, Lifecycle
from riskassess.notifications.models import Kind, Notification
from tests.actions.conftest import findings_of
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days(n: int):
    return TODAY + timedelta(days=n)


@pytest.fixture(autouse=True)
def mailable(alice, bob, rita):
    for user in (alice, bob, rita):
        user.email = f"{user.username}@example.com"
        user.save()


@pytest.fixture
def action(answered, alice, bob):
    """bob's action, created by alice, due in ten days."""
    return plan(answered, alice, bob, due_on=days(10))


@pytest.fixture
def accepted(answered, bob, rita):
    """A risk bob proposed and rita accepted, until 30 days from now (not `action`'s)."""
    return accept(answered, bob, rita, findings_of(answered)[-1])


def plan(assessment, creator, owner, *, due_on, key_index=0):
    return services.create_action(
        deployment_id=assessment.deployment_id, user=creator, title="Red-team the model",
        owner=owner, due_on=due_on, item_keys=[findings_of(assessment)[key_index]],
        findings=findings_of(assessment),
    )  # fmt: skip


def accept(assessment, proposer, decider, key):
    services.propose_acceptance(
        deployment_id=assessment.deployment_id, item_key=key, justification="Low use",
        expires_on=days(30), user=proposer, findings=findings_of(assessment),
    )  # fmt: skip
    finding = Finding.objects.get(deployment_id=assessment.deployment_id, item_key=key)
    if decider is None:
        return finding
    return services.decide_acceptance(finding=finding, user=decider, accept=True)


def run(today, capture):
    """One run as of `today`, its e-mails sent (they go once it commits)."""
    with capture(execute=True):
        return reminders.send(today)


def told(kind) -> list[str]:
    return sorted(
        Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True)
    )


def nothing(**sent) -> dict:
    return {"due_soon": 0, "overdue": 0, "expiring": 0, "expired": 0, **sent}


# Actions due soon and overdue --------------------------------------------------------------


def test_it_reminds_the_owner_of_an_action_due_within_a_week(
    action, answered, django_capture_on_commit_callbacks
):
    assert run(days(2), django_capture_on_commit_callbacks) == nothing()  # due in 8 days
    assert run(days(3), django_capture_on_commit_callbacks) == nothing(due_soon=1)
    (notification,) = Notification.objects.filter(kind=Kind.ACTION_DUE_SOON)
    assert notification.recipient.username == "bob"
    assert notification.url == reverse("action_plan", args=[answered.pk])
    assert notification.title == answered.deployment.name and notification.actor_name == ""
    (email,) = mail.outbox
    assert email.to == ["bob@example.com"]
    assert "An action of yours is due within a week" in email.subject + email.body


def test_it_reminds_on_the_due_day_itself(action, django_capture_on_commit_callbacks):
    assert run(days(10), django_capture_on_commit_callbacks) == nothing(due_soon=1)


def test_it_tells_the_owner_and_the_creator_of_an_overdue_action(
    action, answered, django_capture_on_commit_callbacks
):
    assert run(days(11), django_capture_on_commit_callbacks) == nothing(overdue=1)
    assert told(Kind.ACTION_OVERDUE) == ["alice", "bob"]
    assert told(Kind.ACTION_DUE_SOON) == []
    assert {n.url for n in Notification.objects.filter(kind=Kind.ACTION_OVERDUE)} == {
        reverse("action_plan", args=[answered.pk])
    }
    assert sorted(e.to[0] for e in mail.outbox) == ["alice@example.com", "bob@example.com"]


def test_an_owner_who_created_the_action_is_told_once(
    answered, bob, django_capture_on_commit_callbacks
):
    plan(answered, bob, bob, due_on=days(1))
    assert run(days(2), django_capture_on_commit_callbacks) == nothing(overdue=1)
    assert told(Kind.ACTION_OVERDUE) == ["bob"]


def test_running_twice_the_same_day_sends_nothing_twice(
    action, accepted, django_capture_on_commit_callbacks
):
    assert run(days(16), django_capture_on_commit_callbacks) == nothing(overdue=1, expiring=1)
    notifications, emails = Notification.objects.count(), len(mail.outbox)
    assert run(days(16), django_capture_on_commit_callbacks) == nothing()
    assert Notification.objects.count() == notifications and len(mail.outbox) == emails
    # Overdue is said once per due date, not every day.
    assert run(days(17), django_capture_on_commit_callbacks) == nothing()


def test_a_moved_due_date_reminds_again(
    action, answered, alice, bob, django_capture_on_commit_callbacks
):
    assert run(days(5), django_capture_on_commit_callbacks) == nothing(due_soon=1)
    services.edit_action(
        action=action, user=alice, title=action.title, owner=bob, due_on=days(12),
        item_keys=[f.item_key for f in action.findings.all()], findings=findings_of(answered),
    )  # fmt: skip
    assert run(days(5), django_capture_on_commit_callbacks) == nothing(due_soon=1)
    assert told(Kind.ACTION_DUE_SOON) == ["bob", "bob"]
    assert set(Reminder.objects.values_list("on_date", flat=True)) == {days(10), days(12)}


@pytest.mark.parametrize("status", [Status.DONE, Status.CANCELLED])
def test_done_and_cancelled_actions_are_not_reminded(
    action, alice, status, django_capture_on_commit_callbacks
):
    services.move(action=action, user=alice, role="owner", status=status)
    assert run(days(5), django_capture_on_commit_callbacks) == nothing()
    assert run(days(11), django_capture_on_commit_callbacks) == nothing()


def test_an_action_in_progress_is_reminded(action, bob, django_capture_on_commit_callbacks):
    services.move(action=action, user=bob, role="editor", status=Status.IN_PROGRESS)
    assert run(days(11), django_capture_on_commit_callbacks) == nothing(overdue=1)


def test_an_ex_member_is_not_told_about_the_teams_plan(
    action, bob, django_capture_on_commit_callbacks
):
    Membership.objects.filter(user=bob).delete()
    assert run(days(11), django_capture_on_commit_callbacks) == nothing(overdue=1)
    assert told(Kind.ACTION_OVERDUE) == ["alice"]
    assert [e.to for e in mail.outbox] == [["alice@example.com"]]


def test_a_deactivated_account_is_not_told(action, bob, django_capture_on_commit_callbacks):
    bob.is_active = False
    bob.save()
    assert run(days(11), django_capture_on_commit_callbacks) == nothing(overdue=1)
    assert told(Kind.ACTION_OVERDUE) == ["alice"]


def test_a_reminder_nobody_can_be_told_of_waits_for_a_new_owner(
    action, answered, alice, bob, vera, django_capture_on_commit_callbacks
):
    Membership.objects.filter(user=bob).delete()
    assert run(days(5), django_capture_on_commit_callbacks) == nothing()
    assert not Reminder.objects.exists()
    services.edit_action(
        action=action, user=alice, title=action.title, owner=vera, due_on=action.due_on,
        item_keys=[f.item_key for f in action.findings.all()], findings=findings_of(answered),
    )  # fmt: skip
    assert run(days(5), django_capture_on_commit_callbacks) == nothing(due_soon=1)
    assert told(Kind.ACTION_DUE_SOON) == ["vera"]


def test_a_retired_deployment_gets_no_reminders(
    action, accepted, django_capture_on_commit_callbacks
):
    Deployment.objects.filter(pk=action.deployment_id).update(lifecycle=Lifecycle.RETIRED)
    assert run(days(11), django_capture_on_commit_callbacks) == nothing()
    assert run(days(31), django_capture_on_commit_callbacks) == nothing()
    # Its acceptance still lapses: the plan says so if it is brought back.
    accepted.refresh_from_db()
    assert accepted.treatment == Treatment.UNDECIDED and accepted.lapsed_on == days(30)


# Acceptances expiring and expired ----------------------------------------------------------


def test_it_tells_the_proposer_and_the_accepter_of_an_acceptance_expiring_in_two_weeks(
    accepted, answered, django_capture_on_commit_callbacks
):
    assert run(days(15), django_capture_on_commit_callbacks) == nothing()  # 15 days left
    assert run(days(16), django_capture_on_commit_callbacks) == nothing(expiring=1)
    assert told(Kind.ACCEPTANCE_EXPIRING) == ["bob", "rita"]
    assert {n.url for n in Notification.objects.filter(kind=Kind.ACCEPTANCE_EXPIRING)} == {
        reverse("action_plan", args=[answered.pk])
    }
    assert sorted(e.to[0] for e in mail.outbox) == ["bob@example.com", "rita@example.com"]


def test_a_proposal_not_yet_accepted_is_not_said_to_expire(
    answered, bob, django_capture_on_commit_callbacks
):
    accept(answered, bob, None, findings_of(answered)[0])
    assert run(days(20), django_capture_on_commit_callbacks) == nothing()


def test_an_expired_acceptance_is_undecided_again_and_the_owners_are_told(
    accepted, answered, django_capture_on_commit_callbacks
):
    assert run(days(30), django_capture_on_commit_callbacks) == nothing(expiring=1)  # last day
    assert run(days(31), django_capture_on_commit_callbacks) == nothing(expired=1)
    accepted.refresh_from_db()
    assert accepted.treatment == Treatment.UNDECIDED
    assert accepted.lapsed_on == days(30) and accepted.proposed_by is None
    assert told(Kind.ACCEPTANCE_EXPIRED) == ["alice", "bob", "rita"]
    (url,) = {n.url for n in Notification.objects.filter(kind=Kind.ACCEPTANCE_EXPIRED)}
    assert url == reverse("action_plan", args=[answered.pk])
    assert Reminder.objects.filter(kind="expired", subject=accepted.pk, on_date=days(30)).exists()
    emails = len(mail.outbox)
    assert run(days(31), django_capture_on_commit_callbacks) == nothing()
    assert run(days(32), django_capture_on_commit_callbacks) == nothing()
    assert len(mail.outbox) == emails


def test_an_expired_acceptance_is_not_told_to_a_former_accepter_who_left(
    accepted, rita, django_capture_on_commit_callbacks
):
    Membership.objects.filter(user=rita).delete()
    assert run(days(31), django_capture_on_commit_callbacks) == nothing(expired=1)
    assert told(Kind.ACCEPTANCE_EXPIRED) == ["alice", "bob"]


def test_a_proposal_that_lapsed_unaccepted_is_not_announced_as_an_expired_acceptance(
    answered, bob, django_capture_on_commit_callbacks
):
    finding = accept(answered, bob, None, findings_of(answered)[0])
    assert run(days(31), django_capture_on_commit_callbacks) == nothing()
    finding.refresh_from_db()
    assert finding.treatment == Treatment.UNDECIDED  # expire_acceptances' doing
    assert told(Kind.ACCEPTANCE_EXPIRED) == []


# Concurrency and cost -----------------------------------------------------------------------


def test_a_reminder_another_run_recorded_meanwhile_is_skipped_and_the_rest_sent(
    answered, alice, bob, monkeypatch, django_capture_on_commit_callbacks
):
    first = plan(answered, alice, bob, due_on=days(3))
    plan(answered, alice, bob, due_on=days(4), key_index=1)
    real_links = reminders._links

    def concurrent_run_records_the_first(ids):
        # Another run inserts its row after this one read what to send.
        Reminder.objects.create(kind="due_soon", subject=first.pk, on_date=first.due_on)
        return real_links(ids)

    monkeypatch.setattr(reminders, "_links", concurrent_run_records_the_first)
    assert run(TODAY, django_capture_on_commit_callbacks) == nothing(due_soon=1)
    assert Notification.objects.filter(kind=Kind.ACTION_DUE_SOON).count() == 1
    assert Reminder.objects.count() == 2


def many_subjects(team, user, n):
    """n deployments (no assessment: the link is the deployment's page), each with an
    action due tomorrow, an overdue one and an acceptance expiring in five days."""
    for i in range(n):
        deployment = Deployment.objects.create(team=team, name=f"Bot {i}", model_name="m")
        for due_on in (days(1), days(-1)):
            Action.objects.create(
                deployment=deployment, title="Test", owner=user, owner_name=user.username,
                due_on=due_on, created_by=user, created_by_name=user.username,
            )  # fmt: skip
        Finding.objects.create(
            deployment=deployment, item_key="FAIR-1", treatment=Treatment.ACCEPT,
            justification="Low use", expires_on=days(5), proposed_by=user,
            accepted_by=user, accepted_at=timezone.now(),
        )  # fmt: skip


def queries_of_a_run(capture) -> int:
    with CaptureQueriesContext(connection) as queries, capture(execute=False):
        reminders.send(TODAY)
    return len(queries)


@pytest.mark.parametrize("n", [2, 5])
def test_the_reads_are_fixed_and_each_reminder_costs_four_queries(
    team, bob, n, django_capture_on_commit_callbacks
):
    many_subjects(team, bob, n)
    # Savepoint of the run, expired, due soon, overdue, expiring, members, links, release;
    # then per reminder (three per deployment): savepoint, its row, release, notifications.
    assert queries_of_a_run(django_capture_on_commit_callbacks) == 8 + 4 * 3 * n
    assert Notification.objects.count() == 3 * n
    # Nothing left to send: the same six queries whatever the number of subjects.
    assert queries_of_a_run(django_capture_on_commit_callbacks) == 6
    deployment = Deployment.objects.first()
    assert {x.url for x in Notification.objects.filter(title=deployment.name)} == {
        services.plan_link(deployment)
    }


# The command ---------------------------------------------------------------------------------


def test_the_command_runs_as_of_the_date_given_and_prints_the_counts(
    action, django_capture_on_commit_callbacks
):
    Action.objects.filter(pk=action.pk).update(due_on=days(-5))  # a missed run catching up
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", "--date", days(-2).isoformat(), stdout=out)
    assert out.getvalue().splitlines() == [
        "Action due soon: 0",
        "Action overdue: 1",
        "Acceptance expiring: 0",
        "Acceptance expired: 0",
    ]
    assert told(Kind.ACTION_OVERDUE) == ["alice", "bob"]


def test_the_command_runs_as_of_today_by_default(action, django_capture_on_commit_callbacks):
    out = StringIO()
    call_command("send_reminders", stdout=out)
    assert "Action due soon: 0" in out.getvalue()  # due in ten days


@pytest.mark.parametrize("value", ["tomorrow", "2025-02-30", "31/12/2025"])
def test_the_command_refuses_a_malformed_date(value):
    with pytest.raises(CommandError, match="--date takes a date, YYYY-MM-DD"):
        call_command("send_reminders", "--date", value)
    assert not Reminder.objects.exists()


def test_the_command_refuses_a_later_day(accepted):
    with pytest.raises(CommandError, match="after today"):
        call_command("send_reminders", "--date", days(31).isoformat())
    accepted.refresh_from_db()
    assert accepted.is_accepted


def test_a_user_of_no_team_is_never_told(answered, alice, django_capture_on_commit_callbacks):
    stranger = make_user("stranger")
    Action.objects.create(
        deployment=answered.deployment, title="Stray", owner=stranger, owner_name="stranger",
        due_on=days(1), created_by=stranger, created_by_name="stranger",
    )  # fmt: skip
    assert run(TODAY, django_capture_on_commit_callbacks) == nothing()
    assert not Notification.objects.filter(recipient=stranger).exists()
