"""A version's status: publish, retire, un-retire, duplicate; and what retiring means."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from riskassess.assessments import answersfile, services
from riskassess.assessments.lifecycle_forms import NewAssessmentForm
from riskassess.checklist.models import Checklist, Option, Status
from tests.checklist.support import run_action, url
from tests.conftest import DETAILS, new_assessment


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def status_of(checklist) -> str:
    return Checklist.objects.get(pk=checklist.pk).status


def duplicate_url(checklist) -> str:
    return reverse("admin:checklist_checklist_duplicate", args=[checklist.pk])


# The actions --------------------------------------------------------------------------------


def test_publish_makes_a_draft_published_and_records_who_and_why(client, staff, draft):
    client.force_login(staff)
    response = run_action(client, "publish", draft)
    assert status_of(draft) == Status.PUBLISHED
    assert messages_of(response) == [
        "Published foundation-model-risks v2. It is read-only from now on; new assessments "
        "start on the newest published version of each checklist."
    ]
    record = draft.history.latest()
    assert (record.status, record.history_change_reason) == ("published", "Draft → Published")
    assert record.history_user == staff


def test_publish_refuses_a_draft_that_is_not_a_valid_checklist(client, staff, draft):
    client.force_login(staff)
    Option.objects.filter(checklist=draft, item=None, not_applicable=False).update(active=False)
    response = run_action(client, "publish", draft)
    assert status_of(draft) == Status.DRAFT
    [message] = messages_of(response)
    assert message.startswith("Left as it was: foundation-model-risks v2 cannot be published: ")
    assert "scale: needs at least one option that is not 'not applicable'" in message


def test_publish_leaves_a_published_version_alone(client, staff, checklist):
    client.force_login(staff)
    response = run_action(client, "publish", checklist)
    assert messages_of(response) == [
        "Left as it was: foundation-model-risks v1 is published, not draft."
    ]


def test_retire_then_unretire(client, staff, checklist):
    client.force_login(staff)
    response = run_action(client, "retire", checklist)
    assert status_of(checklist) == Status.RETIRED
    assert messages_of(response)[0].startswith("Retired foundation-model-risks v1. No new")
    response = run_action(client, "unretire", checklist)
    assert status_of(checklist) == Status.PUBLISHED
    assert messages_of(response)[-1].startswith("Published foundation-model-risks v1 again.")
    reasons = [h.history_change_reason for h in checklist.history.order_by("history_id")]
    assert reasons[-2:] == ["Published → Retired", "Retired → Published"]


def test_retire_leaves_a_draft_alone(client, staff, draft):
    client.force_login(staff)
    response = run_action(client, "retire", draft)
    assert status_of(draft) == Status.DRAFT
    assert messages_of(response) == [
        "Left as it was: foundation-model-risks v2 is draft, not published."
    ]


def test_the_status_is_not_a_field_of_the_change_form(client, staff, draft):
    client.force_login(staff)
    response = client.get(url(Checklist, "change", draft.pk))
    assert "status" not in response.context["adminform"].form.fields
    assert "change_note" in response.context["adminform"].form.fields


def test_a_drafts_change_note_is_saved_and_then_frozen_with_it(client, staff, draft):
    client.force_login(staff)
    draft.change_note = "INQ-01 reworded."
    draft.save()
    run_action(client, "publish", draft)
    response = client.get(url(Checklist, "change", draft.pk))
    assert "change_note" not in response.context["adminform"].form.fields
    assert "INQ-01 reworded." in response.text


# The banner and its button -----------------------------------------------------------------


def test_the_banner_says_how_many_assessments_use_a_published_version(
    client, staff, alice, team, checklist
):
    new_assessment(alice, team, checklist)
    new_assessment(alice, team, checklist, title="Second")
    client.force_login(staff)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(Checklist, "change", checklist.pk))
    assert "Published — read-only.</strong> 2 assessments use this version." in response.text
    counts = [q["sql"] for q in queries.captured_queries if "assessments_assessment" in q["sql"]]
    assert len(counts) == 1
    assert f'action="{duplicate_url(checklist)}"' in response.text
    assert "Duplicate as a new draft version" in response.text


def test_the_banner_of_a_retired_version_says_no_new_assessments_start_on_it(
    client, staff, retired
):
    client.force_login(staff)
    response = client.get(url(Checklist, "change", retired.pk))
    assert "Retired — read-only.</strong> 0 assessments use this version." in response.text
    assert "No new assessments start on it." in response.text


def test_a_draft_has_no_banner(client, staff, draft):
    client.force_login(staff)
    response = client.get(url(Checklist, "change", draft.pk))
    assert "— read-only." not in response.text
    assert duplicate_url(draft) not in response.text


def test_the_button_duplicates_the_version_and_opens_the_draft(client, staff, checklist):
    client.force_login(staff)
    response = client.post(duplicate_url(checklist))
    copy = Checklist.objects.get(slug=checklist.slug, version=2)
    assert copy.status == Status.DRAFT
    assert response.url == url(Checklist, "change", copy.pk)
    assert messages_of(response) == ["Created draft foundation-model-risks v2."]


def test_the_button_needs_post_and_a_csrf_token(staff, checklist):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert client.get(duplicate_url(checklist)).status_code == 405
    assert client.post(duplicate_url(checklist)).status_code == 403
    assert Checklist.objects.count() == 1


def test_the_button_is_for_staff_only(client, alice, checklist):
    client.force_login(alice)
    response = client.post(duplicate_url(checklist))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert Checklist.objects.count() == 1


# What retiring means: no new assessment starts on the version ------------------------------


def test_the_new_assessment_form_does_not_offer_a_retired_version(alice, retired):
    offered = NewAssessmentForm(user=alice).checklists
    assert [(c.slug, c.version) for c in offered] == [("foundation-model-risks", 2)]


def test_a_new_assessment_posted_for_a_retired_version_is_refused(client, alice, team, retired):
    client.force_login(alice)
    data = {**DETAILS, "team": team.pk, "checklist": retired.pk}
    response = client.post(reverse("assessment_new"), data)
    assert response.status_code == 200
    [error] = response.context["form"].errors["checklist"]
    assert error.startswith("That checklist version is no longer offered")
    # The only version offered is v2, so the field is hidden: the page still says why.
    assert "no longer offered" in response.content.decode()
    assert not retired.assessments.exists()


def test_with_every_version_retired_no_assessment_can_start(alice, checklist):
    Checklist.objects.filter(pk=checklist.pk).update(status=Status.RETIRED)
    assert NewAssessmentForm(user=alice).checklists == []


def test_an_answers_file_naming_a_retired_version_is_refused(retired):
    with pytest.raises(answersfile.AnswersFileError) as caught:
        answersfile.parse("version: 1\nassessment: {title: Bot}\nanswers: {INQ-01: yes}\n")
    assert str(caught.value) == (
        "version: foundation-model-risks has no published version 1; published: v2"
    )


def test_a_draft_already_on_a_retired_version_can_still_be_answered(alice, team, checklist):
    assessment = new_assessment(alice, team, checklist)
    Checklist.objects.filter(pk=checklist.pk).update(status=Status.RETIRED)
    saved = services.save_answer(
        assessment=assessment,
        item_key="INQ-01",
        option_key="yes",
        comment="",
        expected_version=0,
        user=alice,
    )
    assert (saved.changed, saved.answer["option"]) == (True, "yes")
