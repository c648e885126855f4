"""/healthz: ok / not ok for a load balancer, the details for staff only."""

import logging

import pytest
from django.db import OperationalError
from django.test import Client

from riskassess import health

URL = "/healthz"


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    root = tmp_path / "evidence"
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root},
        },
    }
    return root


@pytest.fixture(autouse=True)
def fresh_health_state():
    # Which checks were failing is remembered per process, to log only changes.
    health._failing.clear()
    yield
    health._failing.clear()


@pytest.fixture
def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def database_down(monkeypatch):
    def unreachable():
        raise OperationalError('connection to server at "db.internal" failed: refused')

    monkeypatch.setitem(health.CHECKS, "database", unreachable)


@pytest.fixture
def storage_read_only(settings, tmp_path):
    # A directory under a regular file can never be created, even by root.
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": blocker / "evidence"},
        },
    }


def test_it_says_ok_and_nothing_more_to_anonymous_callers(client, db, evidence_root):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    # The storage check wrote a file and deleted it.
    assert [p for p in evidence_root.rglob("*") if p.is_file()] == []


def test_an_anonymous_probe_costs_one_query(client, db, django_assert_num_queries):
    # The database check's SELECT 1; no session lookup without a cookie.
    with django_assert_num_queries(1):
        assert client.get(URL).status_code == 200


def test_it_answers_head(client, db):
    assert client.head(URL).status_code == 200


def test_it_refuses_post_as_a_method_not_allowed(db):
    # With CSRF enforced, as in production: 405, not the CSRF failure page.
    client = Client(enforce_csrf_checks=True)
    assert client.post(URL).status_code == 405
    assert client.put(URL).status_code == 405


def test_a_database_failure_is_503_without_details_for_anonymous(client, db, database_down):
    response = client.get(URL)
    assert response.status_code == 503
    assert response.json() == {"status": "not ok"}
    assert b"db.internal" not in response.content


def test_a_database_failure_is_detailed_for_staff(staff_client, database_down):
    response = staff_client.get(URL)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ok"
    assert body["checks"]["database"]["ok"] is False
    assert body["checks"]["database"]["error"].startswith("OperationalError: connection to")
    assert body["checks"]["storage"]["ok"] is True


def test_staff_see_each_check_and_no_queue_when_tasks_run_in_the_request(staff_client):
    body = staff_client.get(URL).json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "storage"}
    assert all(check["ok"] and check["ms"] >= 0 for check in body["checks"].values())
    assert body["task_queue"] == {
        "backend": "ImmediateBackend",
        "depth": None,
        "oldest_age_seconds": None,
    }


def test_staff_see_the_database_queues_depth_and_oldest_task(staff_client, settings):
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from riskassess.reports import tasks

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert staff_client.get(URL).json()["task_queue"]["depth"] == 0
    first = tasks.render_pdf.enqueue("00000000-0000-4000-8000-000000000000")
    tasks.render_pdf.enqueue("00000000-0000-4000-8000-000000000001")
    done = tasks.render_pdf.enqueue("00000000-0000-4000-8000-000000000002")
    DBTaskResult.objects.filter(pk=done.id).update(status="SUCCESSFUL")
    DBTaskResult.objects.filter(pk=first.id).update(
        enqueued_at=timezone.now() - timedelta(minutes=5)
    )
    body = staff_client.get(URL).json()
    assert body["status"] == "ok"
    queue = body["task_queue"]
    assert queue["backend"] == "database" and queue["depth"] == 2
    assert 299 <= queue["oldest_age_seconds"] < 400
    # A backlog is no reason to leave the pool, and anonymous probes see none of it.
    assert Client().get(URL).json() == {"status": "ok"}


def test_a_member_who_is_not_staff_sees_no_details(alice):
    client = Client()
    client.force_login(alice)
    assert client.get(URL).json() == {"status": "ok"}


def test_an_unwritable_storage_is_503(client, staff_client, storage_read_only):
    response = client.get(URL)
    assert response.status_code == 503
    assert response.json() == {"status": "not ok"}
    checks = staff_client.get(URL).json()["checks"]
    assert checks["storage"]["ok"] is False
    assert checks["database"]["ok"] is True


def test_security_headers_are_still_sent(client, db):
    response = client.get(URL)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]


def test_it_is_not_redirected_to_https_unlike_the_pages(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(URL).status_code == 200
    assert client.get("/").status_code == 301


def test_a_failing_check_is_logged_once_not_per_probe(client, db, database_down, caplog):
    request_log = logging.getLogger("django.request")
    request_log.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO):
            client.get(URL)
            client.get(URL)
    finally:
        request_log.removeHandler(caplog.handler)
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "Health check database failing: OperationalError: connection to server at "
        '"db.internal" failed: refused'
    ]


def test_a_recovered_check_is_logged_once(client, db, monkeypatch, caplog):
    failing = {"now": True}

    def flaky():
        if failing["now"]:
            raise OperationalError("refused")

    monkeypatch.setitem(health.CHECKS, "database", flaky)
    client.get(URL)
    caplog.clear()
    failing["now"] = False
    with caplog.at_level(logging.INFO, logger="riskassess.health"):
        assert client.get(URL).status_code == 200
        client.get(URL)
    assert [r.getMessage() for r in caplog.records] == ["Health check database ok again"]
