"""Who hears of what: review moves and discussion comments become notifications, and
e-mails that say only what happened (issue 14)."""

import pytest
from django.core import mail
from django.urls import reverse

from riskassess.accounts.models import Membership, Role
from riskassess.assessments import services, workflow
from riskassess.discussion import services as discussion
from riskassess.notifications.models import Kind, Notification
from tests.conftest import answer_all, make_user

SECRET = "Our eval set leaks customer names"


@pytest.fixture
def rita(team):
    user = make_user("rita")
    user.email = "rita@example.org"
    user.save()
    Membership.objects.create(team=team, user=user, role=Role.REVIEWER)
    return user


@pytest.fixture
def in_review(team, assessment, alice, bob, rita, django_capture_on_commit_callbacks):
    team.review_required = True
    team.save()
    for user in (alice, bob):
        user.email = f"{user.username}@example.org"
        user.save()
    answer_all(assessment, bob, "partly")
    with django_capture_on_commit_callbacks(execute=True):
        services.submit(assessment=assessment, user=alice)
    return assessment


def kinds(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_submitting_for_review_tells_the_reviewers_only(in_review, alice, bob, rita):
    assert kinds(rita) == [Kind.REVIEW_REQUESTED]
    assert kinds(alice) == kinds(bob) == []
    note = Notification.objects.get(recipient=rita)
    assert note.url == reverse("assessment_review", args=[in_review.pk])
    assert [m.to for m in mail.outbox] == [["rita@example.org"]]


@pytest.mark.parametrize(
    ("name", "kind"),
    [("approve", Kind.APPROVED), ("request_changes", Kind.CHANGES_REQUESTED)],
)
def test_a_decision_tells_the_submitter_and_owners(
    in_review, alice, bob, rita, vera, name, kind, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(in_review, name, user=rita, text=SECRET)
    assert kinds(alice) == [kind]  # the submitter, an owner
    assert kinds(bob) == kinds(vera) == []
    assert kinds(rita) == [Kind.REVIEW_REQUESTED]  # not told of their own decision
    (message,) = mail.outbox
    assert message.to == ["alice@example.org"]
    # Only what happened, the title and a link: never the reviewer's words.
    assert SECRET not in message.subject + message.body
    assert in_review.title in message.body


def test_a_comment_tells_the_mentioned_and_the_participants(
    assessment, alice, bob, rita, vera, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        thread = discussion.open_thread(
            assessment=assessment, item_key="INQ-01", body="Which benchmark?", user=rita
        )
        discussion.reply(thread=thread, body=f"@alice {SECRET}", user=bob)
    assert kinds(rita) == [Kind.THREAD_REPLY]
    assert kinds(alice) == [Kind.MENTION]
    assert kinds(bob) == kinds(vera) == []
    assert Notification.objects.get(recipient=alice).url == thread.url
    assert all(SECRET not in m.body for m in mail.outbox)


def test_a_failing_notification_never_breaks_the_move(
    in_review, rita, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    from riskassess.notifications import receivers

    def broken(*args, **kwargs):
        raise RuntimeError("mail server on fire")

    monkeypatch.setattr(receivers, "notify", broken)
    with django_capture_on_commit_callbacks(execute=True):
        approved = workflow.transition(in_review, "approve", user=rita, text="Fine.")
    assert approved.status == "approved"
    assert "Could not notify of approve" in caplog.text
