"""The e-mail settings come from the environment; malformed values stop the app, by name."""

import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.EMAIL_BACKEND, s.EMAIL_PORT, s.EMAIL_TIMEOUT, s.SITE_URL, s.DEFAULT_FROM_EMAIL)"
)


def settings_with(**environ) -> subprocess.CompletedProcess:
    """Import riskassess.settings in a clean process with this environment (DEBUG=1 unless told)."""
    clean = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "riskassess.settings",
        "DEBUG": "1",
        **environ,
    }
    return subprocess.run(  # noqa: S603  (our own interpreter and a constant script)
        [sys.executable, "-c", PRINT_SETTINGS],
        env=clean,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def test_development_prints_e_mails_to_the_console_with_sane_defaults():
    result = settings_with()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.mail.backends.console.EmailBackend", "25", "10", "http://127.0.0.1:8000",
        "riskassess", "<riskassess@localhost>",
    ]  # fmt: skip


def test_production_sends_through_smtp_and_reads_every_setting():
    result = settings_with(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="risk.example.org",
        EMAIL_PORT="587",
        EMAIL_USE_TLS="yes",
        EMAIL_TIMEOUT="5",
        SITE_URL="https://risk.example.org/",
        DEFAULT_FROM_EMAIL="noreply@risk.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend", "587", "5", "https://risk.example.org",
        "noreply@risk.example.org",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"EMAIL_PORT": "smtp"}, "EMAIL_PORT='smtp' is not a whole number"),
        ({"EMAIL_PORT": "70000"}, "EMAIL_PORT=70000 must be at most 65535"),
        ({"EMAIL_PORT": "0"}, "EMAIL_PORT=0 must be at least 1"),
        ({"EMAIL_TIMEOUT": "0"}, "EMAIL_TIMEOUT=0 must be at least 1"),
        (
            {"EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1"},
            "EMAIL_USE_TLS and EMAIL_USE_SSL are both on",
        ),
        ({"EMAIL_USE_SSL": "maybe"}, "EMAIL_USE_SSL='maybe' is not a boolean"),
        (
            {"EMAIL_BACKEND": "smtp please"},
            "EMAIL_BACKEND='smtp please' is not a dotted Python path",
        ),
        ({"DEFAULT_FROM_EMAIL": "riskassess"}, "DEFAULT_FROM_EMAIL='riskassess' is not an e-mail"),
        ({"SITE_URL": "risk.example.org"}, "SITE_URL='risk.example.org' is not a site address"),
        ({"SITE_URL": "ftp://risk.example.org"}, "SITE_URL='ftp://risk.example.org' is not a site"),
        ({"SITE_URL": "https://risk.example.org/app"}, "no path, query or fragment"),
        ({"SITE_URL": "https://u:p@risk.example.org"}, "no user name or password"),
    ],
    ids=lambda v: "-".join(v) if isinstance(v, dict) else "",
)
def test_a_malformed_value_stops_the_app_naming_it(environ, message):
    result = settings_with(**environ)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_production_settings_pass_the_deploy_check():
    environ = {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "x.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=environ,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
