import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from riskassess import env


@pytest.mark.parametrize(
    "raw, expected", [("1", True), ("on", True), ("False", False), ("no", False)]
)
def test_it_reads_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env.env_bool("X_FLAG", default=not expected) is expected


def test_it_refuses_a_malformed_boolean_naming_the_variable(monkeypatch):
    monkeypatch.setenv("X_FLAG", "flase")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG='flase' is not a boolean"):
        env.env_bool("X_FLAG", default=False)


def test_it_refuses_a_malformed_integer(monkeypatch):
    monkeypatch.setenv("X_NUM", "ten")
    with pytest.raises(ImproperlyConfigured, match="X_NUM='ten' is not a whole number"):
        env.env_int("X_NUM", 1)


def test_it_refuses_an_integer_below_the_minimum(monkeypatch):
    monkeypatch.setenv("X_NUM", "10")
    with pytest.raises(ImproperlyConfigured, match="X_NUM=10 must be at least 300"):
        env.env_int("X_NUM", 3600, minimum=300)


def test_it_refuses_an_empty_list_entry(monkeypatch):
    monkeypatch.setenv("X_HOSTS", "a.example,,b.example")
    with pytest.raises(ImproperlyConfigured, match="X_HOSTS"):
        env.env_list("X_HOSTS", [])


def test_it_refuses_an_unknown_time_zone(monkeypatch):
    monkeypatch.setenv("X_TZ", "Mars/Olympus")
    with pytest.raises(ImproperlyConfigured, match="X_TZ='Mars/Olympus' is not a known time zone"):
        env.env_timezone("X_TZ", "UTC")


def test_it_parses_a_postgres_url(monkeypatch):
    monkeypatch.setenv("X_DB", "postgres://u:p@db.internal:5433/ra")
    config = env.env_database("X_DB", "sqlite:///x.sqlite3")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.internal", 5433, "ra")


def test_it_refuses_an_unsupported_database(monkeypatch):
    monkeypatch.setenv("X_DB", "mysql://u@h/db")
    with pytest.raises(
        ImproperlyConfigured, match="X_DB must start with sqlite:/// or postgres://"
    ):
        env.env_database("X_DB", "sqlite:///x.sqlite3")


def test_it_refuses_a_garbled_database_url(monkeypatch):
    monkeypatch.setenv("X_DB", "potsgres://u@h/db")
    with pytest.raises(ImproperlyConfigured, match="X_DB is not a valid database URL"):
        env.env_database("X_DB", "sqlite:///x.sqlite3")


def _import_settings(**environ) -> subprocess.CompletedProcess:
    clean = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "riskassess.settings", **environ}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


def test_it_refuses_to_start_in_production_without_a_secret_key():
    result = _import_settings(DEBUG="0", ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_it_refuses_a_weak_production_secret_key():
    result = _import_settings(DEBUG="0", ALLOWED_HOSTS="example.org", SECRET_KEY="short")
    assert "SECRET_KEY is too weak" in result.stderr


def test_it_refuses_production_without_allowed_hosts():
    result = _import_settings(DEBUG="0", SECRET_KEY="k" * 60)
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_it_starts_in_development_with_no_configuration():
    result = _import_settings(DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_it_reads_a_choice_case_insensitively(monkeypatch):
    monkeypatch.setenv("X_MODE", "Separate")
    assert env.env_choice("X_MODE", "combined", ("combined", "separate")) == "separate"


def test_it_refuses_a_value_that_is_not_a_choice(monkeypatch):
    monkeypatch.setenv("X_MODE", "both")
    with pytest.raises(ImproperlyConfigured, match="X_MODE='both' is not one of: a, b"):
        env.env_choice("X_MODE", "a", ("a", "b"))


def test_it_refuses_a_negative_proxy_count():
    result = _import_settings(DEBUG="1", TRUSTED_PROXY_COUNT="-1")
    assert "TRUSTED_PROXY_COUNT=-1 must be at least 0" in result.stderr


def test_it_refuses_an_unknown_lockout_mode():
    result = _import_settings(DEBUG="1", LOGIN_LOCKOUT_BY="address")
    assert "LOGIN_LOCKOUT_BY='address' is not one of: combined, separate" in result.stderr


def test_it_refuses_an_integer_above_the_maximum(monkeypatch):
    monkeypatch.setenv("X_PORT", "65536")
    with pytest.raises(ImproperlyConfigured, match="X_PORT=65536 must be at most 65535"):
        env.env_int("X_PORT", 25, minimum=1, maximum=65535)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("https://risk.example.org", "https://risk.example.org"),
        ("https://risk.example.org/", "https://risk.example.org"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ],
)
def test_it_reads_a_site_address_without_its_trailing_slash(monkeypatch, raw, expected):
    monkeypatch.setenv("X_SITE", raw)
    assert env.env_site_url("X_SITE", "http://127.0.0.1:8000") == expected


@pytest.mark.parametrize(
    "raw",
    [
        "risk.example.org",
        "javascript:alert(1)",
        "https://",
        "https://risk.example.org/path",
        "https://risk.example.org?x=1",
        "https://risk.example.org#top",
        "https://me:secret@risk.example.org",
        "https://risk.example.org:99999",
    ],
)
def test_it_refuses_a_site_address_that_is_not_one(monkeypatch, raw):
    monkeypatch.setenv("X_SITE", raw)
    with pytest.raises(ImproperlyConfigured, match=r"X_SITE=.* is not a site address"):
        env.env_site_url("X_SITE", "http://127.0.0.1:8000")


@pytest.mark.parametrize("raw", ["noreply@example.org", "riskassess <noreply@example.org>"])
def test_it_reads_an_e_mail_address_with_or_without_a_name(monkeypatch, raw):
    monkeypatch.setenv("X_FROM", raw)
    assert env.env_email("X_FROM", "a@localhost") == raw


@pytest.mark.parametrize("raw", ["noreply", "a@@example.org", "<>"])
def test_it_refuses_a_malformed_e_mail_address(monkeypatch, raw):
    monkeypatch.setenv("X_FROM", raw)
    with pytest.raises(ImproperlyConfigured, match=r"X_FROM=.* is not an e-mail address"):
        env.env_email("X_FROM", "a@localhost")


def test_it_reads_a_dotted_path_and_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("X_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
    assert env.env_import_path("X_BACKEND", "a.B").endswith("smtp.EmailBackend")
    monkeypatch.setenv("X_BACKEND", "smtp")
    with pytest.raises(ImproperlyConfigured, match="X_BACKEND='smtp' is not a dotted Python path"):
        env.env_import_path("X_BACKEND", "a.B")
