"""notify(): one notification per distinct recipient, never the actor, e-mailed after the commit."""

import pytest
from django.core import mail
from django.db import transaction

from riskassess.notifications.models import Kind, Notification


def test_it_creates_one_notification_per_distinct_recipient_in_one_insert(
    tell, bob, vera, django_assert_num_queries
):
    with django_assert_num_queries(1):  # one bulk INSERT; the e-mails wait for the commit
        created = tell([bob, vera, bob, vera.pk])
    assert len(created) == 2
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == [
        "bob",
        "vera",
    ]


def test_the_actor_is_never_told_of_their_own_change(tell, alice, bob):
    assert tell([alice]) == []
    tell([alice, bob])
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["bob"]


def test_it_copies_the_title_and_the_actors_name(tell, assessment, bob):
    (notification,) = tell([bob])
    assert (notification.title, notification.actor_name) == ("Support bot", "alice")
    assert notification.kind == Kind.ASSIGNED and notification.read_at is None
    assessment.title = "Renamed"
    assessment.save()
    notification.refresh_from_db()
    assert notification.title == "Support bot"
    assert str(notification) == "alice assigned you a question in “Support bot”"


def test_a_title_given_wins_and_an_actor_is_optional(tell, bob):
    (notification,) = tell([bob], title="Another title", actor=None, assessment=None)
    assert (notification.title, notification.actor_name) == ("Another title", "")
    assert notification.headline == "Someone assigned you a question in"


def test_a_kind_without_a_headline_still_reads_as_a_sentence(tell, bob):
    (notification,) = tell([bob], kind="action_due")
    assert notification.headline == "alice made a change to"


@pytest.mark.parametrize(
    "url",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "a/relative", "/a b", ""],
)
def test_it_refuses_a_link_that_is_not_a_path_on_this_site(tell, bob, url):
    with pytest.raises(ValueError, match="path on this site"):
        tell([bob], url=url)
    assert not Notification.objects.exists()


def test_e_mails_wait_for_the_commit(tell, bob, with_emails, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tell([bob])
    assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert [m.to for m in mail.outbox] == [["bob@example.org"]]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_tells_nobody(tell, bob, with_emails):
    with pytest.raises(RuntimeError), transaction.atomic():
        tell([bob])
        raise RuntimeError("the change failed")
    assert not Notification.objects.exists()
    assert mail.outbox == []
