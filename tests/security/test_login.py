"""Logging in: throttled, and silent about which accounts exist.

django-axes locks an account at one address after AXES_FAILURE_LIMIT (5)
failures (LOGIN_LOCKOUT_BY=combined, the default since issue 10: behind a proxy
or on one office network, locking by address alone locked everyone out), or
an account and, separately, an address (LOGIN_LOCKOUT_BY=separate). The
address is the client's, from X-Forwarded-For only as far as
TRUSTED_PROXY_COUNT says. The test client's login() cannot pass axes (it
needs the request), so these tests post to the login forms as a browser does.
Attempts are stored in the database, which pytest-django rolls back per test.
"""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.security.support import PASSWORD, normalised

LOGIN = reverse("login")
ADMIN_LOGIN = "/admin/login/"
WRONG = "not the password at all"
FAILURE_MESSAGE = "Please enter a correct username and password."


def attempt(client, username, password, *, url=LOGIN, address="10.0.0.1", **headers):
    return client.post(
        url, {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def assert_locked_out(response, client) -> None:
    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert "Too many failed log-in attempts" in response.content.decode()
    assert not is_logged_in(client)


def test_the_limit_is_five_failures():
    assert settings.AXES_FAILURE_LIMIT == 5


def test_the_right_password_logs_in(client, alice):
    """The control: a browser-like login works while nothing is locked."""
    response = attempt(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(client)


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client, alice):
    for _ in range(4):
        response = attempt(client, "alice", WRONG)
        assert response.status_code == 200 and FAILURE_MESSAGE in response.content.decode()
    attempt(client, "alice", WRONG)
    response = attempt(client, "alice", PASSWORD)
    assert_locked_out(response, client)
    assert client.get(reverse("dashboard")).status_code == 302


def test_a_locked_out_account_still_logs_in_from_its_own_address(client, alice):
    """The default: one person's failures at one address do not lock the account elsewhere."""
    for _ in range(5):
        attempt(client, "alice", WRONG, address="10.0.1.1")
    assert_locked_out(attempt(client, "alice", PASSWORD, address="10.0.1.1"), client)
    other = Client()
    assert attempt(other, "alice", PASSWORD, address="10.0.2.1").status_code == 302
    assert is_logged_in(other)


def test_failures_of_other_accounts_at_one_address_lock_nobody_else(client, alice):
    """Many users behind one address (an office, a proxy): others' typos lock only them."""
    for n in range(5):
        attempt(client, f"guess{n}", WRONG, address="10.0.0.9")
    other = Client()
    assert attempt(other, "alice", PASSWORD, address="10.0.0.9").status_code == 302


# Behind the proxy the README recommends (TRUSTED_PROXY_COUNT=1): every request comes
# from the proxy's address, and the client is the last address it appended.
PROXY = "10.9.9.9"


def via_proxy(client, username, password, client_address, forwarded_before=""):
    chain = ", ".join(part for part in (forwarded_before, client_address) if part)
    return attempt(client, username, password, address=PROXY, HTTP_X_FORWARDED_FOR=chain)


@pytest.mark.parametrize("mode", ["combined", "separate"])
def test_behind_a_trusted_proxy_one_attacker_does_not_lock_out_everyone(
    settings, client, alice, mode
):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AXES_LOCKOUT_PARAMETERS = (
        [["username", "ip_address"]] if mode == "combined" else ["username", "ip_address"]
    )
    for n in range(5):
        via_proxy(client, f"guess{n}", WRONG, "203.0.113.7")
    # Everyone else, through the same proxy, still logs in.
    other = Client()
    assert via_proxy(other, "alice", PASSWORD, "198.51.100.4").status_code == 302
    assert is_logged_in(other)


def test_behind_a_trusted_proxy_the_attackers_own_address_is_locked(settings, client, alice):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
    for n in range(5):
        via_proxy(client, f"guess{n}", WRONG, "203.0.113.7")
    assert_locked_out(via_proxy(client, "alice", PASSWORD, "203.0.113.7"), client)


def test_behind_a_trusted_proxy_a_client_cannot_forge_its_address(settings, client, alice):
    """What the client itself writes into X-Forwarded-For stands left of the proxy's entry."""
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(5):
        via_proxy(client, "alice", WRONG, "203.0.113.7", forwarded_before=f"1.2.3.{n}")
    response = via_proxy(client, "alice", PASSWORD, "203.0.113.7", forwarded_before="5.6.7.8")
    assert_locked_out(response, client)


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(client, alice):
    for n in range(5):
        attempt(client, "alice", WRONG, address="10.0.0.9", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}")
    response = attempt(
        client, "alice", PASSWORD, address="10.0.0.9", HTTP_X_FORWARDED_FOR="5.6.7.8"
    )
    assert_locked_out(response, client)


class TestSeparateLockouts:
    """LOGIN_LOCKOUT_BY=separate: an account anywhere, and an address for any account."""

    @pytest.fixture(autouse=True)
    def separate(self, settings):
        settings.AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]

    def test_the_account_lockout_holds_from_another_address(self, client, alice):
        for n in range(5):
            attempt(client, "alice", WRONG, address=f"10.0.1.{n}")
        response = attempt(client, "alice", PASSWORD, address="10.0.2.1")
        assert_locked_out(response, client)

    def test_many_usernames_from_one_address_lock_the_address(self, client, alice):
        for n in range(5):
            attempt(client, f"guess{n}", WRONG, address="10.0.0.9")
        response = attempt(client, "alice", PASSWORD, address="10.0.0.9")
        assert_locked_out(response, client)
        other = Client()
        assert attempt(other, "alice", PASSWORD, address="10.0.0.10").status_code == 302


def test_the_admin_login_is_throttled_too(client, staff):
    for _ in range(5):
        attempt(client, "root", WRONG, url=ADMIN_LOGIN)
    response = attempt(client, "root", PASSWORD, url=ADMIN_LOGIN)
    assert_locked_out(response, client)
    assert client.get("/admin/").status_code == 302


def test_an_unknown_user_gets_the_same_page_as_a_wrong_password(alice):
    # Same length names, so the echoed username is the only difference to blank out.
    wrong = attempt(Client(), "alice", WRONG, address="10.0.3.1")
    unknown = attempt(Client(), "zelda", WRONG, address="10.0.3.2")
    assert wrong.status_code == unknown.status_code == 200
    assert FAILURE_MESSAGE in wrong.content.decode()
    assert normalised(wrong).replace('value="alice"', "") == normalised(unknown).replace(
        'value="zelda"', ""
    )


def test_an_unknown_user_is_locked_out_like_a_real_one(alice):
    pages = {}
    for n, username in enumerate(["alice", "zelda"]):
        client = Client()
        for _ in range(5):
            attempt(client, username, WRONG, address=f"10.0.4.{n}")
        pages[username] = attempt(client, username, PASSWORD, address=f"10.0.4.{n}")
        assert_locked_out(pages[username], client)
    assert normalised(pages["alice"]) == normalised(pages["zelda"])


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_login_does_not_redirect_off_site(client, alice, target):
    response = client.post(
        f"{LOGIN}?next={target}", {"username": "alice", "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response.url == settings.LOGIN_REDIRECT_URL
    assert not re.match(r"^(https?:)?[/\\]{2}", response.url)
