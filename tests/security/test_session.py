"""Sessions: a new key at login, dead at logout, and no access kept after leaving a team."""

import json
from importlib import import_module

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.security.support import DOWNLOADS, PAGES, PASSWORD, logged_in, stored, url_for

COOKIE = settings.SESSION_COOKIE_NAME
SessionStore = import_module(settings.SESSION_ENGINE).SessionStore


def log_in(client, username="alice", password=PASSWORD):
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 302
    return response


def test_logging_out_ends_the_session_for_a_copied_cookie(alice):
    client = Client()
    log_in(client)
    cookie = client.cookies[COOKIE].value
    client.post(reverse("logout"))
    replay = Client()
    replay.cookies[COOKIE] = cookie
    response = replay.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not SessionStore().exists(cookie)


def test_logging_in_gives_a_new_session_key(alice):
    """Session fixation: a key planted before login is not the one that gets logged in."""
    planted = SessionStore()
    planted["planted"] = True
    planted.create()
    client = Client()
    client.cookies[COOKIE] = planted.session_key
    log_in(client)
    assert client.cookies[COOKIE].value != planted.session_key
    assert not SessionStore().exists(planted.session_key)
    attacker = Client()
    attacker.cookies[COOKIE] = planted.session_key
    assert attacker.get(reverse("dashboard")).status_code == 302


def test_the_session_cookie_is_http_only_same_site_and_secure(alice):
    client = Client()
    log_in(client)
    morsel = client.cookies[COOKIE]
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Lax"
    # Tests run with production's DEBUG off: the cookie is sent over HTTPS only.
    assert morsel["secure"] is True
    assert int(morsel["max-age"]) <= 8 * 3600


def test_a_member_removed_from_the_team_gets_404_on_the_next_request(alice, bob, team, assessment):
    client = logged_in(bob)
    results = reverse("results", args=[assessment.pk])
    assert client.get(results).status_code == 200
    logged_in(alice).post(reverse("team", args=[team.pk]), {"action": "remove", "username": "bob"})
    assert client.get(results).status_code == 404
    assert client.get(reverse("team", args=[team.pk])).status_code == 404
    response = client.post(
        reverse("answer_save", args=[assessment.pk, "INQ-01"]),
        json.dumps({"option": "no", "comment": "", "version": 1}),
        content_type="application/json",
    )
    assert response.status_code == 404
    assert stored(assessment) == ("yes", "Model card read", 1)


def test_changing_the_password_ends_the_other_sessions(alice):
    elsewhere = Client()
    log_in(elsewhere)
    here = Client()
    log_in(here)
    new = "a different long passphrase 42"
    response = here.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    # The session that changed it stays; the other one is logged out.
    assert here.get(reverse("dashboard")).status_code == 200
    assert elsewhere.get(reverse("dashboard")).status_code == 302


def test_a_deactivated_account_is_refused_with_its_open_session(alice, assessment):
    client = logged_in(alice)
    alice.is_active = False
    alice.save()
    assert client.get(reverse("results", args=[assessment.pk])).status_code == 302


# A session cookie nobody issued (issue 10): PostgreSQL refused a NUL byte in the
# key with an error, a 500 on every URL, to anyone. Now it is no session at all.
CRAFTED_KEYS = {
    "nul": "abcdefgh\x00ijklmnop",
    "nul-only": "\x00" * 32,
    "too-long": "a" * 4000,
    "not-the-alphabet": "ABCDEFGH;IJKLMNOP%",
    "non-ascii": "abcdéfghijklmnöp",
}


@pytest.mark.parametrize("key", CRAFTED_KEYS.values(), ids=CRAFTED_KEYS.keys())
def test_a_crafted_session_key_is_no_session_on_every_page(key, assessment, team, checklist):
    for name, kind, user in PAGES.values():
        client = Client()
        client.cookies[COOKIE] = key
        url = url_for(name, kind, assessment, team, checklist)
        response = client.get(url)
        if user is None:
            assert response.status_code == 200, url
        else:
            assert response.status_code == 302, url
            assert response.url.startswith(reverse("login")), url
    for name in DOWNLOADS:
        client = Client()
        client.cookies[COOKIE] = key
        assert client.get(reverse(name, args=[assessment.pk])).status_code == 302


@pytest.mark.parametrize("key", CRAFTED_KEYS.values(), ids=CRAFTED_KEYS.keys())
def test_a_crafted_session_key_cannot_post_or_log_in_with_it(key, alice):
    client = Client()
    client.cookies[COOKIE] = key
    assert client.post(reverse("logout")).status_code == 302
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    # Logged in with a fresh session that the server issued.
    issued = client.cookies[COOKIE].value
    assert issued != key and SessionStore().exists(issued)


def test_a_session_store_never_queries_with_a_malformed_key(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        store = SessionStore("abcdefgh\x00ijklmnop")
        assert store.session_key is None
        assert dict(store.items()) == {}
