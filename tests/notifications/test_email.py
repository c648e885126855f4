"""The e-mail: what happened, the title and a link; never answers, comments or evidence;
not sent to whoever turned e-mails off; a failure is logged, never raised."""

import logging

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from riskassess.assessments import services as assessment_services
from riskassess.notifications.models import Preference

ANSWER_COMMENT = "Our red-team found prompt injection in the billing flow"


class FailingBackend(LocmemBackend):
    """Refuses every message, as an unreachable SMTP server would."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server unreachable")


class FailsForBob(LocmemBackend):
    def send_messages(self, messages):
        if any("bob@example.org" in m.to for m in messages):
            raise OSError("mailbox full")
        return super().send_messages(messages)


def test_the_e_mail_says_what_happened_with_an_absolute_link(
    tell, bob, with_emails, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://risk.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        (notification,) = tell([bob])
    (message,) = mail.outbox
    assert message.to == ["bob@example.org"]
    assert message.subject == "alice assigned you a question in “Support bot” · riskassess"
    assert "alice assigned you a question in “Support bot”." in message.body
    assert f"https://risk.example.org{notification.url}" in message.body
    assert "https://risk.example.org/account/notifications/" in message.body
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert message.from_email == settings.DEFAULT_FROM_EMAIL


def test_the_e_mail_carries_no_answer_or_comment(
    tell, assessment, alice, bob, with_emails, django_capture_on_commit_callbacks
):
    assessment_services.save_answer(
        assessment=assessment,
        item_key="INQ-01",
        option_key="no",
        comment=ANSWER_COMMENT,
        expected_version=0,
        user=alice,
    )
    with django_capture_on_commit_callbacks(execute=True):
        tell([bob])
    (message,) = mail.outbox
    assert ANSWER_COMMENT not in message.body + message.subject
    assert "billing" not in message.body


def test_a_title_cannot_break_the_subject_line(
    tell, bob, with_emails, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        tell([bob], title="Two\nlines\r\nBcc: x@evil.example")
    (message,) = mail.outbox
    assert "\n" not in message.subject and "\r" not in message.subject
    assert message.recipients() == ["bob@example.org"]


def test_it_sends_one_e_mail_per_recipient(
    tell, bob, vera, with_emails, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        tell([bob, vera])
    assert sorted(m.to[0] for m in mail.outbox) == ["bob@example.org", "vera@example.org"]


def test_no_e_mail_to_whoever_turned_them_off(
    tell, bob, vera, with_emails, django_capture_on_commit_callbacks
):
    Preference.objects.create(user=bob, emails=False)
    Preference.objects.create(user=vera, emails=True)
    with django_capture_on_commit_callbacks(execute=True):
        tell([bob, vera])
    assert [m.to for m in mail.outbox] == [["vera@example.org"]]
    assert bob.notifications.count() == 1  # still listed on My work


def test_no_e_mail_without_an_address_or_to_a_deactivated_account(
    tell, bob, vera, with_emails, django_capture_on_commit_callbacks
):
    bob.email = ""
    bob.save()
    vera.is_active = False
    vera.save()
    with django_capture_on_commit_callbacks(execute=True):
        tell([bob, vera])
    assert mail.outbox == []


def test_a_failing_mail_server_is_logged_and_never_raised(
    tell, bob, with_emails, settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.notifications.test_email.FailingBackend"
    with (
        caplog.at_level(logging.ERROR, logger="riskassess.notifications"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        (notification,) = tell([bob])
    assert notification.pk and mail.outbox == []
    (record,) = [r for r in caplog.records if r.name == "riskassess.notifications"]
    assert "bob@example.org" in record.getMessage()
    assert "SMTP server unreachable" in record.exc_text


def test_one_refused_message_does_not_stop_the_others(
    tell, bob, vera, with_emails, settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.notifications.test_email.FailsForBob"
    with django_capture_on_commit_callbacks(execute=True):
        tell([bob, vera])
    assert [m.to for m in mail.outbox] == [["vera@example.org"]]
    assert "Could not e-mail a notification to bob@example.org" in caplog.text


@pytest.mark.parametrize("backend", ["no.such.Backend", "tests.notifications.nothing.Here"])
def test_an_unusable_backend_is_logged_too(
    tell, bob, with_emails, settings, caplog, backend, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = backend
    with django_capture_on_commit_callbacks(execute=True):
        tell([bob])
    assert "Could not send notification e-mails" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_failure_does_not_break_the_request_that_caused_it(
    assessment, bob, with_emails, settings, caplog, client_for
):
    """Through a real view, whose transaction commits (and sends) inside the request."""
    settings.EMAIL_BACKEND = "tests.notifications.test_email.FailingBackend"
    response = client_for(assessment.created_by).post(
        f"/a/{assessment.pk}/assign/", {"item": "INQ-01", "assignee": bob.pk}
    )
    assert response.status_code == 302
    assert bob.assignments.count() == 1 and bob.notifications.count() == 1
    assert "Could not e-mail a notification to bob@example.org" in caplog.text
