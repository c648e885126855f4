"""Errors: a generic page for the user, the traceback in the log, nothing in between.

The test client runs with DEBUG off, as production does. A view is made to
raise by replacing a function it calls, so the request goes through the real
URLconf and middleware.
"""

import json
import logging

import pytest
from django.conf import settings
from django.urls import reverse

from tests.security.support import logged_in

SECRET = "secret-detail password=hunter2 /srv/riskassess/var"
LEAKS = ["Traceback", "RuntimeError", "hunter2", "secret-detail", "build_report", 'File "']


def explode(*args, **kwargs):
    raise RuntimeError(SECRET)


@pytest.fixture
def request_log(caplog):
    """What django.request logs (the settings keep it from propagating to the root logger)."""
    logger = logging.getLogger("django.request")
    logger.addHandler(caplog.handler)
    yield caplog
    logger.removeHandler(caplog.handler)


@pytest.fixture
def raising_client(alice):
    client = logged_in(alice)
    client.raise_request_exception = False
    return client


def assert_generic_500(response) -> None:
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    assert "The error has been logged." in body
    for leak in LEAKS:
        assert leak not in body, leak


def test_debug_is_off():
    assert settings.DEBUG is False


def test_a_page_that_raises_shows_the_generic_500_page(raising_client, assessment, monkeypatch):
    monkeypatch.setattr("riskassess.reports.views.build_report", explode)
    response = raising_client.get(reverse("results", args=[assessment.pk]))
    assert_generic_500(response)


def test_the_traceback_goes_to_the_log(raising_client, assessment, monkeypatch, request_log):
    monkeypatch.setattr("riskassess.reports.views.build_report", explode)
    raising_client.get(reverse("results", args=[assessment.pk]))
    [record] = [r for r in request_log.records if r.name == "django.request"]
    assert record.levelno == logging.ERROR
    assert record.exc_info and SECRET in str(record.exc_info[1])


def test_the_500_page_keeps_the_security_headers(raising_client, assessment, monkeypatch):
    monkeypatch.setattr("riskassess.reports.views.build_report", explode)
    response = raising_client.get(reverse("results", args=[assessment.pk]))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_the_autosave_endpoint_that_raises_leaks_nothing(raising_client, assessment, monkeypatch):
    monkeypatch.setattr("riskassess.assessments.services.save_answer", explode)
    response = raising_client.post(
        reverse("answer_save", args=[assessment.pk, "INQ-01"]),
        json.dumps({"option": "no", "comment": "", "version": 1}),
        content_type="application/json",
    )
    assert_generic_500(response)


@pytest.mark.parametrize("path", ["/no/such/page/", "/a/not-a-uuid/results/", "/static/../x"])
def test_an_unknown_url_shows_the_generic_404_page(client, alice, path):
    client.force_login(alice)
    response = client.get(path)
    assert response.status_code == 404
    body = response.content.decode()
    assert "There is nothing here, or you do not have access to it." in body
    for leak in ["Using the URLconf", "riskassess.urls", "Page not found (404)", "admin/"]:
        assert leak not in body, leak


def test_a_foreign_assessment_shows_the_generic_404_page(charlie, assessment):
    response = logged_in(charlie).get(reverse("results", args=[assessment.pk]))
    body = response.content.decode()
    assert "There is nothing here, or you do not have access to it." in body
    assert "No such assessment" not in body


def test_a_missing_role_shows_the_generic_403_page(vera, assessment):
    response = logged_in(vera).post(reverse("assessment_submit", args=[assessment.pk]))
    assert response.status_code == 403
    body = response.content.decode()
    assert "Your role in this team does not allow this." in body
    assert "PermissionDenied" not in body


def test_a_forged_host_header_gets_a_generic_400(client):
    response = client.get(reverse("login"), HTTP_HOST="evil.example")
    assert response.status_code == 400
    body = response.content.decode()
    for leak in ["DisallowedHost", "ALLOWED_HOSTS", "evil.example", "Traceback"]:
        assert leak not in body, leak
