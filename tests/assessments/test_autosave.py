"""The autosave endpoint: one answer as JSON, always answered in JSON."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from riskassess.assessments import services
from riskassess.assessments.data import assessment_data
from riskassess.assessments.models import Answer
from riskassess.checklist.services import load_checklist
from riskassess.checklist.spec import validate
from tests.checklist.test_loader import small_data
from tests.conftest import session_cookie


@pytest.fixture
def answered(assessment, bob):
    """INQ-01 answered "yes" with a comment, at version 1."""
    services.save_answer(
        assessment=assessment,
        item_key="INQ-01",
        option_key="yes",
        comment="Model card read",
        expected_version=0,
        user=bob,
    )
    return assessment


def url(assessment, key="INQ-01"):
    return reverse("answer_save", args=[assessment.pk, key])


def send(client, assessment, payload, key="INQ-01", **headers):
    body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return client.post(url(assessment, key), body, content_type="application/json", **headers)


def stored(assessment, key="INQ-01"):
    answer = Answer.objects.get(assessment=assessment, item__key=key)
    return answer.option.key if answer.option else None, answer.comment, answer.version


def test_it_saves_an_answer(client, bob, assessment):
    client.force_login(bob)
    response = send(client, assessment, {"option": "partly", "comment": "EN only", "version": 0})
    assert response.status_code == 200
    result = response.json()
    assert result["ok"] and result["changed"]
    assert result["answer"]["option"] == "partly" and result["answer"]["version"] == 1
    assert result["answer"]["answered_by"] == "bob"
    assert stored(assessment) == ("partly", "EN only", 1)


def test_it_reports_progress(client, bob, assessment, checklist):
    client.force_login(bob)
    result = send(client, assessment, {"option": "no", "comment": "", "version": 0}).json()
    required = checklist.items.filter(required=True).count()
    assert result["progress"]["overall"] == {"answered": 1, "required": required}
    assert result["progress"]["categories"]["inequity"] == {"answered": 1, "required": 15}
    assert result["progress"]["categories"]["misuse"]["answered"] == 0


def test_saving_the_same_values_again_changes_nothing(client, bob, answered):
    client.force_login(bob)
    result = send(client, answered, {"option": "yes", "comment": "Model card read", "version": 1})
    assert result.json()["changed"] is False
    assert stored(answered) == ("yes", "Model card read", 1)


def test_it_keeps_a_comment_typed_before_an_answer(client, bob, assessment):
    client.force_login(bob)
    response = send(client, assessment, {"option": None, "comment": "Still checking", "version": 0})
    assert response.json()["answer"]["option"] is None
    assert stored(assessment) == (None, "Still checking", 1)


def test_it_keeps_unicode_intact(client, bob, assessment):
    comment = "Tested 👩🏽‍💻 with עברית and e\u0301"
    client.force_login(bob)
    send(client, assessment, {"option": "yes", "comment": comment, "version": 0})
    assert stored(assessment)[1] == comment


def test_it_refuses_an_unknown_option_and_names_the_allowed_ones(client, bob, answered):
    client.force_login(bob)
    response = send(client, answered, {"option": "maybe", "comment": "", "version": 1})
    assert response.status_code == 400
    assert response.json()["field"] == "option"
    assert "allowed: yes, partly, no, unknown, na" in response.json()["error"]
    assert stored(answered) == ("yes", "Model card read", 1)


def test_it_refuses_an_item_of_another_checklist(client, bob, answered):
    other = small_data()
    other["slug"] = "other"
    other["categories"][0]["items"][0]["key"] = "OTH-01"
    load_checklist(validate(other))
    client.force_login(bob)
    response = send(client, answered, {"option": "yes", "comment": "", "version": 0}, key="OTH-01")
    assert response.status_code == 400
    assert response.json()["field"] == "item"
    assert not Answer.objects.filter(item__key="OTH-01").exists()


def test_it_refuses_an_over_long_comment(client, bob, answered):
    client.force_login(bob)
    response = send(client, answered, {"option": "yes", "comment": "x" * 10_001, "version": 1})
    assert response.status_code == 400
    assert response.json()["field"] == "comment"
    assert "10,001 characters long; the limit is 10,000" in response.json()["error"]
    assert stored(answered) == ("yes", "Model card read", 1)


@pytest.mark.parametrize("comment", ["nul \x00 byte", "lone \ud800 surrogate"])
def test_it_refuses_characters_that_cannot_be_stored(client, bob, answered, comment):
    client.force_login(bob)
    response = send(client, answered, {"option": "no", "comment": comment, "version": 1})
    assert response.status_code == 400
    assert response.json()["field"] == "comment"
    assert stored(answered) == ("yes", "Model card read", 1)


def test_not_applicable_needs_a_justification(client, bob, answered):
    client.force_login(bob)
    response = send(client, answered, {"option": "na", "comment": " ", "version": 1})
    assert response.status_code == 400
    assert response.json()["field"] == "comment"
    assert "needs a justification" in response.json()["error"]
    assert stored(answered) == ("yes", "Model card read", 1)


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        b"\xff\xfe",
        "[1, 2]",
        "[" * 60_000,
        '{"option": 1, "comment": "", "version": 1}',
        '{"option": "no", "comment": null, "version": 1}',
        '{"option": "no", "comment": "", "version": "1"}',
        '{"option": "no", "comment": "", "version": true}',
        '{"option": "no", "comment": ""}',
        json.dumps({"option": "no", "comment": "x" * 70_000, "version": 1}),
    ],
    ids=[
        "malformed",
        "not-utf8",
        "not-an-object",
        "too-deep",
        "option-type",
        "comment-type",
        "version-type",
        "version-bool",
        "version-missing",
        "over-64k",
    ],
)
def test_it_refuses_a_malformed_request(client, bob, answered, body):
    client.force_login(bob)
    response = send(client, answered, body)
    assert response.status_code == 400
    assert response.json()["ok"] is False and response.json()["error"]
    assert stored(answered) == ("yes", "Model card read", 1)


def test_it_refuses_an_unknown_item(client, bob, assessment):
    client.force_login(bob)
    response = send(client, assessment, {"option": "yes", "comment": "", "version": 0}, "NOPE-1")
    assert response.status_code == 400
    assert response.json()["field"] == "item"


def test_the_second_writer_gets_a_conflict_with_both_values(client, alice, bob, answered):
    services.save_answer(
        assessment=answered,
        item_key="INQ-01",
        option_key="no",
        comment="Alice view",
        expected_version=1,
        user=alice,
    )
    client.force_login(bob)
    response = send(client, answered, {"option": "partly", "comment": "Bob view", "version": 1})
    assert response.status_code == 409
    result = response.json()
    assert result["conflict"] is True
    theirs = result["theirs"]
    assert (theirs["option"], theirs["option_label"], theirs["comment"]) == (
        "no",
        "No",
        "Alice view",
    )
    assert (theirs["version"], theirs["answered_by"]) == (2, "alice") and theirs["answered_at"]
    assert result["yours"] == {"option": "partly", "comment": "Bob view"}
    assert stored(answered) == ("no", "Alice view", 2)


def test_keeping_mine_after_a_conflict_sends_their_version(client, alice, bob, answered):
    services.save_answer(
        assessment=answered,
        item_key="INQ-01",
        option_key="no",
        comment="",
        expected_version=1,
        user=alice,
    )
    client.force_login(bob)
    response = send(client, answered, {"option": "partly", "comment": "Bob view", "version": 2})
    assert response.status_code == 200
    assert stored(answered) == ("partly", "Bob view", 3)


def test_a_submitted_assessment_is_locked(client, alice, assessment):
    for item in assessment_data(assessment)["items"]:
        services.save_answer(
            assessment=assessment,
            item_key=item["key"],
            option_key="yes",
            comment="",
            expected_version=0,
            user=alice,
        )
    services.submit(assessment=assessment, user=alice)
    client.force_login(alice)
    response = send(client, assessment, {"option": "no", "comment": "", "version": 1})
    assert response.status_code == 409
    assert response.json()["locked"] is True
    assert stored(assessment)[0] == "yes"


def test_a_viewer_gets_403(client, vera, assessment):
    client.force_login(vera)
    response = send(client, assessment, {"option": "yes", "comment": "", "version": 0})
    assert response.status_code == 403
    assert response.json()["ok"] is False
    assert not Answer.objects.exists()


def test_an_outsider_gets_404(client, charlie, assessment):
    client.force_login(charlie)
    response = send(client, assessment, {"option": "yes", "comment": "", "version": 0})
    assert response.status_code == 404
    assert response.json()["ok"] is False
    assert not Answer.objects.exists()


def test_an_unknown_assessment_gets_404(client, bob, assessment):
    assessment.pk = "00000000-0000-4000-8000-000000000000"
    client.force_login(bob)
    response = send(client, assessment, {"option": "yes", "comment": "", "version": 0})
    assert response.status_code == 404
    assert response.json()["ok"] is False


def test_an_expired_session_gets_401_with_a_login_link(client, assessment):
    response = send(client, assessment, {"option": "yes", "comment": "", "version": 0})
    assert response.status_code == 401
    result = response.json()
    assert result["ok"] is False and "session has expired" in result["error"]
    assert result["login_url"] == f"/login/?next=/a/{assessment.pk}/q/"
    assert not Answer.objects.exists()


def test_it_only_accepts_post(client, bob, assessment):
    client.force_login(bob)
    response = client.get(url(assessment))
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_it_needs_a_csrf_token(bob, assessment):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    response = send(client, assessment, {"option": "yes", "comment": "", "version": 0})
    assert response.status_code == 403
    assert response.json()["csrf"] is True
    assert not Answer.objects.exists()


def test_it_accepts_the_token_from_the_cookie_in_a_header(bob, assessment):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    client.get(reverse("questionnaire", args=[assessment.pk, "inequity"]))
    token = client.cookies["csrftoken"].value
    payload = {"option": "yes", "comment": "", "version": 0}
    response = send(client, assessment, payload, headers={"X-CSRFToken": token})
    assert response.status_code == 200


# The script itself, in headless Chromium ------------------------------------------------------


def open_page(browser, live_server, assessment, cookie):
    context = browser.new_context()
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.goto(live_server.url + reverse("questionnaire", args=[assessment.pk, "inequity"]))
    return page


@pytest.mark.browser
def test_the_script_saves_a_choice_and_updates_progress(browser, live_server, bob, assessment):
    page = open_page(browser, live_server, assessment, session_cookie(bob))
    page.click("label[for='INQ-01-opt-partly']")
    page.wait_for_selector("#item-INQ-01 .q-state[data-state='saved']")
    assert page.inner_text("#q-global-state") == "All changes saved"
    assert page.inner_text("#q-progress-text").startswith("1 of ")
    assert page.input_value("input[name='INQ-01-version']") == "1"
    page.context.close()
    assert stored(assessment) == ("partly", "", 1)


@pytest.mark.browser
def test_the_script_keeps_answers_through_an_expired_session(browser, live_server, bob, assessment):
    first, second = session_cookie(bob), session_cookie(bob)
    page = open_page(browser, live_server, assessment, first)
    page.context.clear_cookies(name="sessionid")
    page.click("label[for='INQ-02-opt-no']")
    page.wait_for_selector("#q-session:not([hidden])")
    assert page.inner_text("#item-INQ-02 .q-state") == "Not saved yet: log in again"
    assert page.is_checked("#INQ-02-opt-no")
    # Logged in again (in another tab, say): "Retry now" saves what was kept.
    page.context.add_cookies([{"name": "sessionid", "value": second, "url": live_server.url}])
    page.click("#q-retry")
    page.wait_for_selector("#item-INQ-02 .q-state[data-state='saved']")
    assert page.is_hidden("#q-session")
    page.context.close()
    assert stored(assessment, "INQ-02") == ("no", "", 1)


@pytest.mark.browser
def test_the_script_shows_a_conflict_and_keeps_mine_on_request(
    browser, live_server, alice, bob, answered
):
    cookie = session_cookie(bob)
    page = open_page(browser, live_server, answered, cookie)
    services.save_answer(
        assessment=answered,
        item_key="INQ-01",
        option_key="no",
        comment="Alice view",
        expected_version=1,
        user=alice,
    )
    page.click("label[for='INQ-01-opt-partly']")
    page.wait_for_selector("#INQ-01-conflict:not([hidden])")
    assert page.inner_text("#INQ-01-conflict [data-theirs='comment']") == "Alice view"
    page.click("#INQ-01-conflict [data-action='keep-mine']")
    page.wait_for_selector("#item-INQ-01 .q-state[data-state='saved']")
    page.context.close()
    assert stored(answered) == ("partly", "Model card read", 3)
