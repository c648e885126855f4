"""PDFs off the request path (issue 16): with a task queue, a download of a PDF that is
not stored yet queues a render and gets the "being prepared" page; a worker renders
it into storage; the next load of the page is the download.

The worker here is the real one (`manage.py db_worker --batch`) on the database
queue, run in this process, so that a render can be made to fail. test_worker.py
runs it as a separate process.
"""

import logging

import pytest
from django.core.cache import cache
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from riskassess.assessments import services
from riskassess.assessments.access import get_assessment_for_user
from riskassess.reports import pdf, pdf_store
from riskassess.reports.build import build_report
from tests.conftest import answer_all

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def database_queue(settings):
    cache.clear()
    settings.TASKS = DATABASE_QUEUE


@pytest.fixture
def submitted(alice, team, checklist, settings):
    settings.PDF_PRERENDER_ON_SUBMIT = False
    from tests.conftest import new_assessment

    assessment = new_assessment(alice, team, checklist)
    answer_all(assessment, alice)
    services.submit(assessment=assessment, user=alice)
    return assessment


def no_render(report):
    raise AssertionError("rendered in the request")


def test_a_download_queues_one_render_and_says_the_pdf_is_being_prepared(
    client, alice, submitted, monkeypatch
):
    monkeypatch.setattr(pdf, "_render_pdf", no_render)
    client.force_login(alice)
    url = reverse("report_pdf", args=[submitted.pk])

    first = client.get(url)
    assert first.status_code == 202
    assert first["Refresh"] == "3"
    assert first["Content-Type"].startswith("text/html")
    text = first.content.decode()
    assert "The PDF is being prepared" in text
    assert reverse("report_json", args=[submitted.pk]) in text
    assert reverse("report_csv", args=[submitted.pk]) in text

    # Asking again while it waits queues nothing more.
    again = client.get(url)
    assert again.status_code == 202
    queued = DBTaskResult.objects.all()
    assert queued.count() == 1
    task = queued.get()
    assert task.status == "READY"
    assert task.args_kwargs == {"args": [str(submitted.pk), None], "kwargs": {}}


def test_the_worker_renders_it_into_storage_and_the_next_load_is_the_download(
    client, alice, vera, submitted, monkeypatch, run_task_worker
):
    client.force_login(alice)
    url = reverse("report_pdf", args=[submitted.pk])
    assert client.get(url).status_code == 202
    run_task_worker()
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"

    monkeypatch.setattr(pdf, "_render_pdf", no_render)
    client.force_login(vera)
    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith('attachment; filename="support-bot-')
    report = build_report(get_assessment_for_user(alice, submitted.pk))
    assert download.content == pdf_store.load(pdf.cache_key(report))
    assert download.content.startswith(b"%PDF")


def test_a_revision_pdf_is_queued_with_its_number(client, alice, submitted):
    client.force_login(alice)
    response = client.get(reverse("revision_pdf", args=[submitted.pk, 1]))
    assert response.status_code == 202
    assert reverse("revision_json", args=[submitted.pk, 1]) in response.content.decode()
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["args"] == [str(submitted.pk), 1]


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (RuntimeError("no fonts"), "could not be prepared"),
        (pdf.PDFRenderTimeout("30 s"), "took too long"),
    ],
)
def test_a_failed_render_gives_the_unavailable_page_and_is_not_queued_again(
    client, alice, submitted, monkeypatch, run_task_worker, caplog, error, words
):
    def broken(report):
        raise error

    monkeypatch.setattr(pdf, "_render_pdf", broken)
    client.force_login(alice)
    url = reverse("report_pdf", args=[submitted.pk])
    assert client.get(url).status_code == 202
    run_task_worker()
    assert DBTaskResult.objects.get().status == "FAILED"

    with caplog.at_level(logging.WARNING):
        response = client.get(url)
    assert response.status_code == 503
    text = response.content.decode()
    assert words in text
    assert reverse("report_json", args=[submitted.pk]) in text
    assert f"PDF of assessment {submitted.pk} not rendered: task" in caplog.text
    # The failure stands for a while: no new render is queued for the same report.
    assert client.get(url).status_code == 503
    assert DBTaskResult.objects.count() == 1


def test_outsiders_queue_nothing(client, charlie, submitted):
    client.force_login(charlie)
    assert client.get(reverse("report_pdf", args=[submitted.pk])).status_code == 404
    assert client.get(reverse("revision_pdf", args=[submitted.pk, 1])).status_code == 404
    assert not DBTaskResult.objects.exists()


def test_with_the_cache_lost_a_stored_pdf_is_still_served(
    client, alice, submitted, run_task_worker, monkeypatch
):
    client.force_login(alice)
    url = reverse("report_pdf", args=[submitted.pk])
    client.get(url)
    run_task_worker()
    cache.clear()
    monkeypatch.setattr(pdf, "_render_pdf", no_render)
    assert client.get(url).status_code == 200


def test_submitting_queues_the_render_and_does_not_render_in_the_request(
    settings, alice, team, checklist, monkeypatch, django_capture_on_commit_callbacks
):
    from tests.conftest import new_assessment

    settings.PDF_PRERENDER_ON_SUBMIT = True
    assessment = new_assessment(alice, team, checklist)
    answer_all(assessment, alice)
    monkeypatch.setattr(pdf, "_render_pdf", no_render)
    with django_capture_on_commit_callbacks(execute=True):
        services.submit(assessment=assessment, user=alice)
    task = DBTaskResult.objects.get()
    assert task.status == "READY"
    assert task.args_kwargs["args"] == [str(assessment.pk)]


def test_while_a_render_waits_asking_again_builds_no_report(
    client, alice, submitted, monkeypatch, django_assert_max_num_queries
):
    from riskassess.reports import views

    client.force_login(alice)
    url = reverse("report_pdf", args=[submitted.pk])
    assert client.get(url).status_code == 202

    def no_report(*args, **kwargs):
        raise AssertionError("the report was built again")

    monkeypatch.setattr(views, "build_report", no_report)
    # The session and user, the access check, the task's status, the page's unread
    # notification count: no report queries.
    with django_assert_max_num_queries(5):
        again = client.get(url)
    assert again.status_code == 202 and again["Refresh"] == "3"
    assert DBTaskResult.objects.count() == 1
