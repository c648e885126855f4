"""Bad input: a clear 4xx message naming the problem, never a 500, and nothing lost.

JSON endpoints answer 400 with an "error" text; forms show the field's error.
The answer bob saved before (INQ-01: yes, "Model card read", version 1) stays
exactly as it was.
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from riskassess.assessments.models import Answer, Assessment
from tests.security.support import DETAILS, db_state, logged_in, page_text, stored

KEPT = ("yes", "Model card read", 1)
LONG_COMMENT = "x" * 10_001
LONG_TITLE = "t" * 201


# Autosave (JSON) -------------------------------------------------------------------------

AUTOSAVE_BODIES = {
    "option-outside-the-options": {"option": "maybe", "comment": "", "version": 1},
    # "sampled" is an option of the second checklist's MIS-02, never of this checklist.
    "option-of-another-checklist": {"option": "sampled", "comment": "", "version": 1},
    "comment-over-10000": {"option": "no", "comment": LONG_COMMENT, "version": 1},
    "nul-in-comment": {"option": "no", "comment": "before\x00after", "version": 1},
    "lone-surrogate-in-comment": {"option": "no", "comment": "bad \ud800", "version": 1},
    "option-as-a-list": {"option": ["no"], "comment": "", "version": 1},
    "option-as-an-object": {"option": {"key": "no"}, "comment": "", "version": 1},
    "comment-as-a-number": {"option": "no", "comment": 5, "version": 1},
    "version-as-a-string": {"option": "no", "comment": "", "version": "1"},
    "version-as-a-float": {"option": "no", "comment": "", "version": 1.0},
    "version-negative": {"option": "no", "comment": "", "version": -1},
    "version-missing": {"option": "no", "comment": ""},
    "malformed-json": '{"option": "no", "comment": "", "version": 1',
    "json-array": '["no", "", 1]',
    "json-null": "null",
    "json-string": '"no"',
    "empty-body": "",
    "not-utf8": b"\xff\xfe\x00",
}


def send(client, assessment, body, key="INQ-01"):
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(
        reverse("answer_save", args=[assessment.pk, key]), raw, content_type="application/json"
    )


@pytest.mark.parametrize("body", AUTOSAVE_BODIES.values(), ids=AUTOSAVE_BODIES.keys())
def test_autosave_refuses_bad_input_with_a_400_and_keeps_the_answer(
    bob, assessment, second_checklist, body
):
    before = db_state()
    response = send(logged_in(bob), assessment, body)
    assert response.status_code == 400
    result = response.json()
    assert result["ok"] is False
    assert isinstance(result["error"], str) and len(result["error"]) > 10
    assert stored(assessment) == KEPT
    assert db_state() == before


def test_autosave_names_the_limit_of_an_over_long_comment(bob, assessment):
    body = AUTOSAVE_BODIES["comment-over-10000"]
    result = send(logged_in(bob), assessment, body).json()
    assert result["field"] == "comment"
    assert "10,001 characters long; the limit is 10,000" in result["error"]


def test_autosave_refuses_an_item_of_another_checklist(bob, assessment, second_checklist):
    before = db_state()
    body = {"option": "yes", "comment": "", "version": 0}
    response = send(logged_in(bob), assessment, body, key="OTH-01")
    assert response.status_code == 400
    assert response.json()["field"] == "item"
    assert "not an item of this assessment's checklist" in response.json()["error"]
    assert db_state() == before


def test_autosave_refuses_a_body_over_64_kib(bob, assessment):
    body = json.dumps({"option": "no", "comment": "x" * 70_000, "version": 1})
    response = send(logged_in(bob), assessment, body)
    assert response.status_code == 400
    assert "64 KiB" in response.json()["error"]
    assert stored(assessment) == KEPT


# The questionnaire form ------------------------------------------------------------------

QUESTIONNAIRE_POSTS = {
    "option-outside-the-options": (
        {"INQ-01-option": "maybe", "INQ-01-comment": "Model card read"},
        "'maybe' is not an answer to INQ-01; allowed: yes, partly, no, unknown, na.",
    ),
    "option-of-another-checklist": (
        {"INQ-01-option": "sampled", "INQ-01-comment": "Model card read"},
        "'sampled' is not an answer to INQ-01; allowed: yes, partly, no, unknown, na.",
    ),
    "comment-over-10000": (
        {"INQ-01-option": "yes", "INQ-01-comment": LONG_COMMENT},
        "The comment is 10,001 characters long; the limit is 10,000.",
    ),
    "nul-in-comment": (
        {"INQ-01-option": "no", "INQ-01-comment": "before\x00after"},
        "The comment contains a NUL character, which cannot be stored.",
    ),
    "version-not-a-number": (
        {"INQ-01-option": "no", "INQ-01-comment": "", "INQ-01-version": "one"},
        "This page is out of date: reload it and answer again.",
    ),
}


@pytest.mark.parametrize(
    ("fields", "message"), QUESTIONNAIRE_POSTS.values(), ids=QUESTIONNAIRE_POSTS.keys()
)
def test_the_questionnaire_refuses_bad_input_with_the_fields_error(
    bob, assessment, second_checklist, fields, message
):
    before = db_state()
    data = {"INQ-01-version": "1", **fields}
    response = logged_in(bob).post(reverse("questionnaire", args=[assessment.pk, "inequity"]), data)
    assert response.status_code == 400
    assert message in page_text(response).replace("&#x27;", "'")
    assert stored(assessment) == KEPT
    assert db_state() == before


def test_the_questionnaire_ignores_an_item_of_another_checklist(bob, assessment, second_checklist):
    before = db_state()
    data = {"OTH-01-option": "yes", "OTH-01-comment": "", "OTH-01-version": "0"}
    response = logged_in(bob).post(reverse("questionnaire", args=[assessment.pk, "inequity"]), data)
    assert response.status_code == 302
    assert db_state() == before
    assert not Answer.objects.filter(item__key="OTH-01").exists()


# Titles in the new and details forms -----------------------------------------------------

TITLE_CASES = {
    "title-over-200": (LONG_TITLE, "Title can be at most 200 characters (this one has 201)."),
    "nul-in-title": ("before\x00after", "Null characters are not allowed."),
}


@pytest.mark.parametrize(("title", "message"), TITLE_CASES.values(), ids=TITLE_CASES.keys())
def test_new_refuses_a_bad_title_with_the_fields_error(alice, team, checklist, title, message):
    data = {**DETAILS, "title": title, "team": team.pk, "checklist": checklist.pk}
    response = logged_in(alice).post(reverse("assessment_new"), data)
    # The form is shown again with the error (this form answers 200, like the details form).
    assert response.status_code == 200
    assert response.context["form"].errors["title"] == [message]
    assert message in response.content.decode()
    assert not Assessment.objects.exists()


@pytest.mark.parametrize(("title", "message"), TITLE_CASES.values(), ids=TITLE_CASES.keys())
def test_edit_refuses_a_bad_title_and_keeps_the_old_one(bob, assessment, title, message):
    before = db_state()
    data = {**DETAILS, "title": title}
    response = logged_in(bob).post(reverse("assessment_edit", args=[assessment.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors["title"] == [message]
    assert db_state() == before


# Import ----------------------------------------------------------------------------------

IMPORT_FILES = {
    "title-over-200": (
        f"assessment: {{title: {LONG_TITLE}, model: m, base_model: b, context: c}}\n"
        "answers: {INQ-01: yes}\n",
        "assessment.title: 201 characters; the limit is 200",
    ),
    "nul-in-title": (
        '{"assessment": {"title": "a\\u0000b", "model": "m", "base_model": "b", "context": "c"}, '
        '"answers": {"INQ-01": "yes"}}',
        "assessment.title: contains a NUL character",
    ),
    "comment-over-10000": (
        "assessment: {title: X, model: m, base_model: b, context: c}\n"
        f"answers: {{INQ-01: {{answer: yes, comment: {LONG_COMMENT}}}}}\n",
        "answers.INQ-01.comment: 10,001 characters; the limit is 10,000",
    ),
    "nul-in-comment": (
        '{"assessment": {"title": "X", "model": "m", "base_model": "b", "context": "c"}, '
        '"answers": {"INQ-01": {"answer": "yes", "comment": "a\\u0000b"}}}',
        "answers.INQ-01.comment: contains a NUL character",
    ),
    "option-outside-the-options": (
        "assessment: {title: X, model: m, base_model: b, context: c}\nanswers: {INQ-01: maybe}\n",
        "answers.INQ-01: 'maybe' is not an option; allowed: yes, partly, no, unknown, na",
    ),
    "option-as-a-list": (
        "assessment: {title: X, model: m, base_model: b, context: c}\nanswers: {INQ-01: [yes]}\n",
        "answers.INQ-01: must be one option or {answer, comment}, not a list",
    ),
    "item-of-another-checklist": (
        "assessment: {title: X, model: m, base_model: b, context: c}\nanswers: {OTH-01: yes}\n",
        "answers.OTH-01: unknown item",
    ),
    "answers-as-a-list": (
        "assessment: {title: X, model: m, base_model: b, context: c}\nanswers: [INQ-01]\n",
        "answers: must be a mapping of item keys to options",
    ),
    "version-as-a-string": (
        (
            "version: '1'\n"
            "assessment: {title: X, model: m, base_model: b, context: c}\n"
            "answers: {INQ-01: yes}\n"
        ),
        "version: must be a whole number such as 1",
    ),
    "malformed-yaml": ("assessment: {title: X\nanswers: [\n", "line"),
    "malformed-json": (
        '{"assessment": {"title": "X", "model": "m", "base_model": "b", "context": "c"}, '
        '"answers": {',
        "malformed JSON: line 1",
    ),
    "empty-file": ("", "empty"),
    "nul-byte-in-file": (
        "assessment: {title: X, model: m, base_model: b, context: c}\x00\nanswers: {}\n",
        "NUL",
    ),
}


def upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("answers.yaml", text.encode(), content_type="application/yaml")


@pytest.mark.parametrize(("text", "message"), IMPORT_FILES.values(), ids=IMPORT_FILES.keys())
def test_import_refuses_a_bad_file_naming_the_problem(
    alice, team, assessment, second_checklist, text, message
):
    before = db_state()
    data = {"team": team.pk, "file": upload(text)}
    response = logged_in(alice).post(reverse("assessment_import"), data)
    assert response.status_code == 400
    errors = response.context["form"].errors["file"]
    assert len(errors) == 1 and message in errors[0], errors
    assert db_state() == before


@pytest.mark.parametrize(("title", "message"), TITLE_CASES.values(), ids=TITLE_CASES.keys())
def test_import_refuses_a_bad_title_field(alice, team, checklist, title, message):
    before = db_state()
    data = {"team": team.pk, "title": title, "file": upload("answers: {INQ-01: yes}\n")}
    response = logged_in(alice).post(reverse("assessment_import"), data)
    assert response.status_code == 400
    assert response.context["form"].errors["title"] == [message]
    assert db_state() == before


def test_import_refuses_an_empty_request(alice, team, checklist):
    response = logged_in(alice).post(reverse("assessment_import"), {})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"team", "file"}
    assert not Assessment.objects.exists()
