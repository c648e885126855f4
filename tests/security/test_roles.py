"""Members whose role is too weak: 403 on every write, and the database unchanged.

vera only views `team`; bob edits it but does not own it. Each request below
would succeed for alice (see test_cross_team's owner control).
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.security.support import (
    ASSESSMENT_ENDPOINTS,
    DETAILS,
    TEAM_ACTIONS,
    db_state,
    logged_in,
    stored,
)

ENDPOINTS = {e.name: e for e in ASSESSMENT_ENDPOINTS}
# Every write on an assessment, and the weakest role that may make it.
WRITES = [
    ("answer_save", "post", "editor"),
    ("questionnaire", "post", "editor"),
    ("assessment_edit", "post", "editor"),
    ("assessment_submit", "post", "owner"),
    ("assessment_reopen", "post", "owner"),
    ("assessment_delete", "post", "owner"),
    # The confirmation page is for owners only too.
    ("assessment_delete", "get", "owner"),
    # Review decisions need the reviewer role itself: a stronger role is refused too
    # (Role.reviews); withdrawing is the owner's.
    ("review_approve", "post", "reviewer"),
    ("review_request_changes", "post", "reviewer"),
    ("review_withdraw", "post", "owner"),
]
# Who is too weak for a write needing each role.
TOO_WEAK = {"editor": ["vera"], "reviewer": ["vera", "bob", "alice"], "owner": ["vera", "bob"]}
CASES = [(name, method, user) for name, method, needed in WRITES for user in TOO_WEAK[needed]]


@pytest.mark.parametrize(
    ("name", "method", "user"), CASES, ids=[f"{u}-{m.upper()}-{n}" for n, m, u in CASES]
)
def test_a_member_without_the_role_gets_403_and_changes_nothing(request, name, method, user):
    endpoint = ENDPOINTS[name]
    assessment = request.getfixturevalue(endpoint.target)
    client = logged_in(request.getfixturevalue(user))
    before = db_state()
    response = endpoint.send(client, method, assessment.pk)
    assert response.status_code == 403
    assert db_state() == before
    if endpoint.json:
        assert response.json()["ok"] is False and response.json()["error"]


def test_the_403_page_says_what_is_missing_without_details(vera, assessment):
    response = ENDPOINTS["assessment_edit"].send(logged_in(vera), "post", assessment.pk)
    assert response.status_code == 403
    assert "Your role in this team does not allow this." in response.content.decode()


def test_a_viewer_cannot_start_an_assessment_in_the_team(vera, team, checklist):
    before = db_state()
    data = {**DETAILS, "team": team.pk, "checklist": checklist.pk}
    response = logged_in(vera).post(reverse("assessment_new"), data)
    assert response.status_code == 403
    assert db_state() == before


def test_a_viewer_cannot_import_into_the_team(vera, team, checklist):
    before = db_state()
    upload = SimpleUploadedFile("a.yaml", b"assessment: {title: Sneaky}\nanswers: {INQ-01: yes}\n")
    response = logged_in(vera).post(reverse("assessment_import"), {"team": team.pk, "file": upload})
    assert response.status_code == 403
    assert db_state() == before


@pytest.mark.parametrize("user", ["vera", "bob"])
@pytest.mark.parametrize("data", TEAM_ACTIONS.values(), ids=TEAM_ACTIONS.keys())
def test_only_an_owner_manages_members(request, team, alice, charlie, user, data):
    member = request.getfixturevalue(user)
    before = db_state()
    response = logged_in(member).post(reverse("team", args=[team.pk]), data)
    assert response.status_code == 403
    assert db_state() == before


def test_a_demoted_editor_is_refused_on_the_next_autosave(alice, bob, team, assessment):
    client = logged_in(bob)
    autosave = ENDPOINTS["answer_save"]
    logged_in(alice).post(
        reverse("team", args=[team.pk]), {"action": "role", "username": "bob", "role": "viewer"}
    )
    response = autosave.send(client, "post", assessment.pk)
    assert response.status_code == 403
    assert stored(assessment) == ("yes", "Model card read", 1)
