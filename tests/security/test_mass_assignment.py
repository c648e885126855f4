"""Fields a client must not set: team, status, snapshot, scores, author, version, timestamps.

Posted to the new, details, import, questionnaire and autosave endpoints, they
are ignored (the stored value is what the server decided) or refused (nothing
is stored).
"""

import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from riskassess.assessments.models import Answer, Assessment, Status
from riskassess.checklist.models import Status as ChecklistStatus
from tests.security.support import DETAILS, db_state, logged_in, normalised, stored

FORGED_ID = uuid.UUID("00000000-0000-4000-8000-00000000beef")
# Everything the server decides about an assessment, as an attacker would post it.
FORGED = {
    "id": str(FORGED_ID),
    "status": "submitted",
    "snapshot": '{"items": []}',
    "created_by": "999",
    "author": "charlie",
    "created_at": "2000-01-01T00:00:00Z",
    "updated_at": "2000-01-01T00:00:00Z",
    "submitted_at": "2000-01-01T00:00:00Z",
    "score": "0",
    "level": "low",
    "completeness": "1",
    "version": "7",
}


def new_data(team, checklist, **fields):
    return {**DETAILS, "team": team.pk, "checklist": checklist.pk, **fields}


def upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("answers.yaml", text.encode(), content_type="application/yaml")


def assert_server_decided(assessment: Assessment, team, user) -> None:
    assert assessment.pk != FORGED_ID
    assert assessment.team_id == team.pk
    assert assessment.status == Status.DRAFT
    assert assessment.snapshot is None
    assert assessment.created_by_id == user.pk
    assert assessment.submitted_at is None
    assert assessment.created_at.year > 2000 and assessment.updated_at.year > 2000


# Starting an assessment ------------------------------------------------------------------


def test_new_ignores_every_server_decided_field(alice, team, checklist, charlie):
    data = new_data(team, checklist, **{**FORGED, "created_by": str(charlie.pk)})
    response = logged_in(alice).post(reverse("assessment_new"), data)
    assert response.status_code == 302
    assert_server_decided(Assessment.objects.get(), team, alice)


def test_new_refuses_another_teams_id_exactly_like_a_random_one(alice, team, other_team, checklist):
    client = logged_in(alice)
    foreign = client.post(reverse("assessment_new"), new_data(other_team, checklist))
    guessed = client.post(
        reverse("assessment_new"), {**new_data(team, checklist), "team": str(uuid.uuid4())}
    )
    assert foreign.status_code == guessed.status_code == 200
    assert foreign.context["form"].errors["team"] == guessed.context["form"].errors["team"]
    assert "Select a valid choice" in foreign.context["form"].errors["team"][0]
    assert normalised(foreign) == normalised(guessed)
    assert not Assessment.objects.exists()


def test_new_refuses_an_unpublished_checklist(alice, team, checklist, second_checklist):
    second_checklist.status = ChecklistStatus.DRAFT
    second_checklist.save()
    response = logged_in(alice).post(reverse("assessment_new"), new_data(team, second_checklist))
    assert "checklist" in response.context["form"].errors
    assert not Assessment.objects.exists()


# Editing the details ---------------------------------------------------------------------


def test_edit_changes_only_the_details(bob, charlie, other_team, assessment, second_checklist):
    before = Assessment.objects.get(pk=assessment.pk)
    data = {
        **DETAILS,
        **FORGED,
        "title": "Renamed",
        "team": other_team.pk,
        "checklist": second_checklist.pk,
        "created_by": charlie.pk,
    }
    response = logged_in(bob).post(reverse("assessment_edit", args=[assessment.pk]), data)
    assert response.status_code == 302
    after = Assessment.objects.get(pk=assessment.pk)
    assert after.title == "Renamed"
    for field in ["team_id", "checklist_id", "status", "snapshot", "created_by_id"]:
        assert getattr(after, field) == getattr(before, field), field
    assert (after.created_at, after.submitted_at) == (before.created_at, None)
    assert not Assessment.objects.filter(pk=FORGED_ID).exists()


# Importing a file ------------------------------------------------------------------------


def test_import_ignores_server_decided_form_fields(alice, charlie, team, checklist):
    data = {**FORGED, "created_by": str(charlie.pk), "team": team.pk}
    data["file"] = upload(
        "assessment: {title: Imported, model: m, base_model: b, context: c}\n"
        "answers: {INQ-01: yes}\n"
    )
    response = logged_in(alice).post(reverse("assessment_import"), data)
    assert response.status_code == 302
    imported = Assessment.objects.get()
    assert_server_decided(imported, team, alice)
    assert imported.answers.get().updated_by == alice


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("team: Bravo\nanswers: {INQ-01: yes}\n", "team: unknown field"),
        ("status: submitted\nanswers: {INQ-01: yes}\n", "status: unknown field"),
        (
            (
                "assessment: {title: X, model: m, base_model: b, context: c, status: submitted}\n"
                "answers: {}\n"
            ),
            "assessment.status",
        ),
        (
            (
                "assessment: {title: X, model: m, base_model: b, context: c, team: Bravo}\n"
                "answers: {}\n"
            ),
            "assessment.team",
        ),
        (
            (
                "assessment: {title: X, model: m, base_model: b, context: c, created_by: charlie}\n"
                "answers: {}\n"
            ),
            "assessment.created_by",
        ),
        (
            (
                "assessment: {title: X, model: m, base_model: b, context: c}\n"
                "scores: {overall: 0}\n"
                "answers: {}\n"
            ),
            "scores: unknown field",
        ),
        (
            (
                "assessment: {title: X, model: m, base_model: b, context: c}\n"
                "answers: {INQ-01: {answer: yes, answered_by: charlie}}\n"
            ),
            "answers.INQ-01.answered_by: unknown field",
        ),
        (
            (
                "assessment: {title: X, model: m, base_model: b, context: c}\n"
                "answers: {INQ-01: {answer: yes, version: 9}}\n"
            ),
            "answers.INQ-01.version: unknown field",
        ),
    ],
    ids=[
        "team",
        "status",
        "assessment-status",
        "assessment-team",
        "author",
        "scores",
        "answer-author",
        "answer-version",
    ],
)
def test_import_refuses_server_decided_fields_in_the_file(alice, team, checklist, text, message):
    before = db_state()
    response = logged_in(alice).post(
        reverse("assessment_import"), {"team": team.pk, "file": upload(text)}
    )
    assert response.status_code == 400
    assert message in response.context["form"].errors["file"][0]
    assert db_state() == before


def test_import_refuses_another_teams_id_exactly_like_a_random_one(
    alice, team, other_team, checklist
):
    client = logged_in(alice)
    text = "assessment: {title: X, model: m, base_model: b, context: c}\nanswers: {INQ-01: yes}\n"
    foreign = client.post(
        reverse("assessment_import"), {"team": other_team.pk, "file": upload(text)}
    )
    guessed = client.post(
        reverse("assessment_import"), {"team": str(uuid.uuid4()), "file": upload(text)}
    )
    assert foreign.status_code == guessed.status_code == 400
    assert foreign.context["form"].errors["team"] == guessed.context["form"].errors["team"]
    assert normalised(foreign) == normalised(guessed)
    assert not Assessment.objects.exists()


# Answers ---------------------------------------------------------------------------------


def autosave(client, assessment, payload, key="INQ-01"):
    return client.post(
        reverse("answer_save", args=[assessment.pk, key]),
        json.dumps(payload),
        content_type="application/json",
    )


def test_autosave_ignores_author_target_and_timestamps_in_the_body(
    bob, charlie, assessment, foreign
):
    foreign_before = list(Answer.objects.filter(assessment=foreign).values())
    payload = {
        "option": "no",
        "comment": "checked",
        "version": 1,
        "updated_by": charlie.pk,
        "answered_by": "charlie",
        "answered_at": "2000-01-01T00:00:00Z",
        "assessment": str(foreign.pk),
        "item": "INQ-02",
        "id": 1,
    }
    response = autosave(logged_in(bob), assessment, payload)
    assert response.status_code == 200
    assert response.json()["answer"]["answered_by"] == "bob"
    answer = Answer.objects.get(assessment=assessment, item__key="INQ-01")
    assert (answer.option.key, answer.comment, answer.version) == ("no", "checked", 2)
    assert answer.updated_by == bob and answer.updated_at.year > 2000
    assert stored(assessment, "INQ-02") == ("partly", "English and Spanish only", 1)
    assert list(Answer.objects.filter(assessment=foreign).values()) == foreign_before


@pytest.mark.parametrize("version", [0, 2, 99, 2**40])
def test_autosave_cannot_choose_the_stored_version(bob, assessment, version):
    before = db_state()
    payload = {"option": "no", "comment": "mine", "version": version}
    response = autosave(logged_in(bob), assessment, payload)
    assert response.status_code == 409
    assert response.json()["conflict"] is True
    assert db_state() == before


def test_the_questionnaire_cannot_choose_the_stored_version(bob, assessment):
    before = db_state()
    data = {"INQ-01-option": "no", "INQ-01-comment": "mine", "INQ-01-version": "99"}
    response = logged_in(bob).post(reverse("questionnaire", args=[assessment.pk, "inequity"]), data)
    assert response.status_code == 409
    assert db_state() == before


def test_the_questionnaire_ignores_author_and_status_fields(bob, charlie, assessment):
    data = {
        "INQ-01-option": "no",
        "INQ-01-comment": "checked",
        "INQ-01-version": "1",
        "INQ-01-answered_by": "charlie",
        "INQ-01-updated_by": str(charlie.pk),
        "status": "submitted",
        "snapshot": "{}",
    }
    response = logged_in(bob).post(reverse("questionnaire", args=[assessment.pk, "inequity"]), data)
    assert response.status_code == 302
    answer = Answer.objects.get(assessment=assessment, item__key="INQ-01")
    assert (answer.option.key, answer.version, answer.updated_by) == ("no", 2, bob)
    assessment.refresh_from_db()
    assert (assessment.status, assessment.snapshot) == (Status.DRAFT, None)
