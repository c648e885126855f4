"""A real task worker process drains a real database queue (issue 16), on the test
database of the run: SQLite, and PostgreSQL in CI.

The web side (this process, the test client) queues the render; `manage.py
db_worker --batch`, started as a separate process with production settings
(DEBUG off, TASK_BACKEND=database), renders the PDF into the shared storage and
exits; the web side then serves that file without rendering anything.
"""

import os
import subprocess
import sys
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from riskassess.assessments import services
from riskassess.reports import pdf
from tests.conftest import answer_all, new_assessment

pytestmark = pytest.mark.django_db(transaction=True)


def database_url() -> str:
    """The URL of the database this test runs on, for the worker process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return "sqlite:///" + os.path.abspath(db["NAME"])
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{quote(db['USER'])}{password}@{db['HOST']}{port}/{db['NAME']}"


def run_worker(tmp_path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "riskassess.settings",
        "DEBUG": "0",
        "SECRET_KEY": "worker-test-" + "y" * 60,
        "ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": database_url(),
        "TASK_BACKEND": "database",
        "REPORTS_ROOT": str(django_settings.STORAGES["reports"]["OPTIONS"]["location"]),
        "EVIDENCE_ROOT": str(tmp_path / "evidence"),
        "CACHE_URL": "locmem://",
    }
    command = [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"]
    return subprocess.run(  # noqa: S603 (our own command, no shell)
        [*command, "--no-reload"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_a_worker_process_renders_the_queued_pdf_and_the_web_serves_it(
    client, alice, team, checklist, settings, monkeypatch, tmp_path
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.PDF_PRERENDER_ON_SUBMIT = False
    assessment = new_assessment(alice, team, checklist)
    answer_all(assessment, alice)
    services.submit(assessment=assessment, user=alice)

    client.force_login(alice)
    url = reverse("report_pdf", args=[assessment.pk])
    assert client.get(url).status_code == 202
    assert DBTaskResult.objects.get().status == "READY"

    finished = run_worker(tmp_path)
    assert finished.returncode == 0, finished.stderr[-2000:]
    task = DBTaskResult.objects.get()
    assert task.status == "SUCCESSFUL", task.traceback
    assert task.worker_ids  # claimed by the worker process, not run here

    def no_render(report):
        raise AssertionError("rendered in the web process")

    monkeypatch.setattr(pdf, "_render_pdf", no_render)
    response = client.get(url)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
