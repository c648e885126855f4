"""Assigning an item or a category: editors assign, to a member who can answer, on a draft."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from riskassess.accounts.models import Membership, Role
from riskassess.assessments import workflow
from riskassess.notifications.models import Kind, Notification
from riskassess.work import services
from riskassess.work.models import Assignment
from tests.conftest import answer_all

ITEM, CATEGORY = "INQ-01", "inequity"
TOMORROW = date.today() + timedelta(days=1)


def post(client, assessment, **data):
    return client.post(reverse("assign", args=[assessment.pk]), data)


def test_the_form_preselects_the_item_and_lists_who_can_answer(
    client_for, alice, bob, vera, rita, assign_url
):
    response = client_for(bob).get(assign_url(item=ITEM))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'name="item" value="{ITEM}"' in html
    assert f'<option value="{alice.pk}">alice</option>' in html
    assert f'<option value="{bob.pk}">bob</option>' in html
    assert f'value="{vera.pk}"' not in html and f'value="{rita.pk}"' not in html


def test_an_editor_assigns_an_item_and_is_sent_back_to_it(client_for, assessment, alice, bob):
    response = post(
        client_for(bob), assessment, item=ITEM, assignee=alice.pk, answer_by=TOMORROW,
        note="Ask legal first",
    )  # fmt: skip
    back = reverse("questionnaire", args=[assessment.pk, CATEGORY]) + f"#item-{ITEM}"
    assert response.status_code == 302 and response["Location"] == back
    assignment = Assignment.objects.get()
    assert (assignment.item_key, assignment.category_key) == (ITEM, "")
    assert (assignment.assignee, assignment.assigned_by_name) == (alice, "bob")
    assert (assignment.answer_by, assignment.note) == (TOMORROW, "Ask legal first")
    assert assignment.done_at is None


def test_assigning_notifies_the_assignee_with_a_link_to_the_item(
    client_for, assessment, alice, bob, django_capture_on_commit_callbacks
):
    alice.email = "alice@example.org"
    alice.save()
    with django_capture_on_commit_callbacks(execute=True):
        post(client_for(bob), assessment, item=ITEM, assignee=alice.pk, note="Secret plan")
    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind) == (alice, Kind.ASSIGNED)
    assert notification.url == f"/a/{assessment.pk}/q/{CATEGORY}/#item-{ITEM}"
    (message,) = mail.outbox
    assert "bob assigned you a question in “Support bot”" in message.body
    assert "Secret plan" not in message.body  # the note stays on the site


def test_a_category_is_assigned_the_same_way(client_for, assessment, bob):
    response = post(client_for(bob), assessment, category=CATEGORY, assignee=bob.pk)
    assert response["Location"] == reverse("questionnaire", args=[assessment.pk, CATEGORY])
    assignment = Assignment.objects.get()
    assert (assignment.item_key, assignment.category_key) == ("", CATEGORY)
    assert not Notification.objects.exists()  # assigning yourself tells nobody


def test_reassigning_replaces_the_open_assignment(give, assessment, alice, bob):
    first = give(alice)
    second = give(bob)
    assert list(Assignment.objects.all()) == [second]
    kinds = [h.history_type for h in Assignment.history.filter(id=first.pk)]
    assert kinds == ["-", "+"]  # newest first: created, then removed by the reassignment


def test_an_item_and_a_category_are_separate_targets(give, alice, bob):
    give(alice)
    give(bob, category_key=CATEGORY)
    assert Assignment.objects.open().count() == 2


def test_the_database_refuses_an_assignment_of_both_or_neither(assessment, alice):
    for item_key, category_key in [(ITEM, CATEGORY), ("", "")]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Assignment.objects.create(
                assessment=assessment, item_key=item_key, category_key=category_key,
                assignee=alice, assigned_by_name="alice",
            )  # fmt: skip


def test_a_past_answer_by_date_is_refused(client_for, assessment, bob):
    yesterday = date.today() - timedelta(days=1)
    response = post(client_for(bob), assessment, item=ITEM, assignee=bob.pk, answer_by=yesterday)
    assert response.status_code == 400
    assert "The answer-by date cannot be in the past." in response.content.decode()
    assert not Assignment.objects.exists()


def test_today_is_not_in_the_past(client_for, assessment, bob):
    response = post(client_for(bob), assessment, item=ITEM, assignee=bob.pk, answer_by=date.today())
    assert response.status_code == 302


@pytest.mark.parametrize("who", ["vera", "rita", "charlie"])
def test_only_a_member_who_can_answer_is_assigned(
    client_for, assessment, bob, vera, rita, charlie, who
):
    assignee = {"vera": vera, "rita": rita, "charlie": charlie}[who]
    response = post(client_for(bob), assessment, item=ITEM, assignee=assignee.pk)
    assert response.status_code == 400
    assert "Choose a member of this team who can answer" in response.content.decode()
    assert not Assignment.objects.exists()


def test_a_non_member_reads_exactly_like_an_id_nobody_has(client_for, assessment, bob, charlie):
    client = client_for(bob)
    pages = [
        post(client, assessment, item=ITEM, assignee=value).content.decode()
        for value in (charlie.pk, 987654, "x", "99999999999999999999999", "-1")
    ]
    errors = [page.split('role="alert">')[1].split("<")[0] for page in pages]
    assert len(set(errors)) == 1 and "charlie" not in pages[0]


def test_a_note_over_500_characters_is_refused(client_for, assessment, bob):
    response = post(client_for(bob), assessment, item=ITEM, assignee=bob.pk, note="n" * 501)
    assert response.status_code == 400
    assert "at most 500 characters" in response.content.decode()


def test_an_item_the_checklist_does_not_have_is_refused(client_for, assessment, bob, assign_url):
    client = client_for(bob)
    assert client.get(assign_url(item="NOPE-99")).status_code == 404
    assert client.get(reverse("assign", args=[assessment.pk])).status_code == 404
    assert post(client, assessment, item="NOPE-99", assignee=bob.pk).status_code == 404


def test_a_submitted_assessment_cannot_be_assigned(client_for, assessment, alice, bob):
    answer_all(assessment, alice)
    workflow.transition(assessment, "submit", user=alice, attested=True)
    response = post(client_for(bob), assessment, item=ITEM, assignee=bob.pk)
    assert response.status_code == 409
    assert "not an editable draft" in response.content.decode()
    assert not Assignment.objects.exists()


def test_the_service_checks_the_membership_again(give, assessment, bob):
    Membership.objects.filter(user=bob).update(role=Role.VIEWER)
    with pytest.raises(services.Refused, match="who can answer"):
        give(bob)
