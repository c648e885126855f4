"""State changes: POST only, and never without the CSRF token.

A client that enforces CSRF checks, logged in, posts to every endpoint that
accepts POST without a token: 403 and nothing changes. GET, HEAD and the other
methods change nothing either, whatever the role.
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from riskassess.assessments.models import Assessment
from tests.security.support import (
    ASSESSMENT_ENDPOINTS,
    DETAILS,
    PASSWORD,
    TEAM_ACTIONS,
    db_state,
    logged_in,
)

NEW_PASSWORD = "a different long passphrase 42"


def other_posts(team, checklist) -> dict:
    """The POST endpoints that are not an assessment's: (user fixture or None, url, data)."""
    upload = SimpleUploadedFile("a.yaml", b"assessment: {title: X}\nanswers: {INQ-01: yes}\n")
    return {
        "login": (None, reverse("login"), {"username": "alice", "password": PASSWORD}),
        "admin-login": (None, "/admin/login/", {"username": "root", "password": PASSWORD}),
        "logout": ("alice", reverse("logout"), {}),
        "password-change": (
            "alice",
            reverse("password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        ),
        "team": ("alice", reverse("team", args=[team.pk]), TEAM_ACTIONS["add-outsider-as-owner"]),
        "new": (
            "alice",
            reverse("assessment_new"),
            {**DETAILS, "team": team.pk, "checklist": checklist.pk},
        ),
        "import": ("alice", reverse("assessment_import"), {"team": team.pk, "file": upload}),
    }


OTHER_POSTS = ["login", "admin-login", "logout", "password-change", "team", "new", "import"]
POST_ENDPOINTS = [e for e in ASSESSMENT_ENDPOINTS if e.post]


def assert_csrf_refusal(response) -> None:
    assert response.status_code == 403
    if response["Content-Type"].startswith("application/json"):
        assert response.json()["csrf"] is True
    else:
        assert "The security token of this page has expired" in response.content.decode()


@pytest.mark.parametrize("name", OTHER_POSTS)
def test_a_post_without_a_csrf_token_is_refused(
    request, alice, bob, vera, charlie, staff, team, checklist, name
):
    user, url, data = other_posts(team, checklist)[name]
    client = Client(enforce_csrf_checks=True)
    if user:
        client.force_login(request.getfixturevalue(user))
    before = db_state()
    response = client.post(url, data)
    assert_csrf_refusal(response)
    assert db_state() == before
    # Logged in exactly as before: no login happened, and no logout either.
    assert ("_auth_user_id" in client.session) == bool(user)


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS, ids=str)
def test_a_post_to_an_assessment_without_a_csrf_token_is_refused(request, alice, endpoint):
    assessment = request.getfixturevalue(endpoint.target)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    before = db_state()
    response = endpoint.send(client, "post", assessment.pk)
    assert_csrf_refusal(response)
    assert db_state() == before


def test_a_token_from_another_session_is_refused(alice, charlie, assessment):
    """A token an attacker got from their own session is worth nothing in the victim's."""
    attacker = Client(enforce_csrf_checks=True)
    attacker.force_login(charlie)
    attacker.get(reverse("dashboard"))
    token = attacker.cookies["csrftoken"].value
    victim = Client(enforce_csrf_checks=True)
    victim.force_login(alice)
    victim.get(reverse("dashboard"))
    before = db_state()
    response = victim.post(
        reverse("answer_save", args=[assessment.pk, "INQ-01"]),
        json.dumps({"option": "no", "comment": "", "version": 1}),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert_csrf_refusal(response)
    assert db_state() == before


# GET and the other methods ---------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ASSESSMENT_ENDPOINTS, ids=str)
def test_a_get_changes_nothing(request, alice, endpoint):
    assessment = request.getfixturevalue(endpoint.target)
    client = logged_in(alice)
    before = db_state()
    # The POST body as a query string too: GET must not act on it.
    response = client.get(endpoint.url(assessment.pk), endpoint.data or {})
    assert response.status_code in (200, 302, 405)
    assert db_state() == before


def test_a_get_to_logout_keeps_the_session(alice):
    client = logged_in(alice)
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("dashboard")).status_code == 200


@pytest.mark.parametrize("query", TEAM_ACTIONS.values(), ids=TEAM_ACTIONS.keys())
def test_a_get_to_the_team_page_changes_nothing(alice, bob, vera, charlie, team, query):
    before = db_state()
    assert logged_in(alice).get(reverse("team", args=[team.pk]), query).status_code == 200
    assert db_state() == before


def test_a_get_to_new_creates_nothing(alice, team, checklist):
    query = {**DETAILS, "team": team.pk, "checklist": checklist.pk}
    assert logged_in(alice).get(reverse("assessment_new"), query).status_code == 200
    assert not Assessment.objects.exists()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
@pytest.mark.parametrize("endpoint", ASSESSMENT_ENDPOINTS, ids=str)
def test_other_methods_change_nothing_even_where_the_role_check_keys_on_post(
    request, vera, endpoint, method
):
    """Views ask for the editor role only on POST: a viewer's PUT must not write."""
    assessment = request.getfixturevalue(endpoint.target)
    client = logged_in(vera)
    before = db_state()
    body = json.dumps(endpoint.data or {})
    response = getattr(client, method)(
        endpoint.url(assessment.pk), body, content_type="application/json"
    )
    assert response.status_code in (200, 302, 403, 405)
    assert db_state() == before


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_on_the_team_page_change_nothing(vera, alice, team, method):
    before = db_state()
    response = getattr(logged_in(vera), method)(
        reverse("team", args=[team.pk]),
        "action=role&username=vera&role=owner",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (200, 405)
    assert db_state() == before
