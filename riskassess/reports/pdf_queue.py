"""PDFs off the request path: queue a render, and tell the reader how it stands.

With a task queue (settings.TASK_BACKEND "database"), a download of a report whose
PDF is not stored yet enqueues `tasks.render_pdf` and gets the "being prepared"
page, which asks again every few seconds until the file is stored. With the
immediate backend the view renders in the request, as before (views.report_pdf).

Which task renders which PDF is kept in Django's cache (key -> task id, and the
assessment or revision -> its latest task), so that a page that asks again does not
queue the same render twice, and while a render is under way finds it without
building the report. Nothing correct depends on it: with the cache lost, the next
ask queues another task, which finds the PDF stored, or renders it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django_tasks import TaskResultStatus
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.exceptions import TaskResultDoesNotExist

from riskassess.reports import pdf_limits, tasks

# How often the "being prepared" page asks again (its Refresh header), in seconds.
REFRESH_SECONDS = 3
# A task in one of these states will still store the PDF: nothing to queue.
UNDER_WAY = (TaskResultStatus.READY, TaskResultStatus.RUNNING)


def queued() -> bool:
    """True when renders go to a task queue, False when they run in the request."""
    return not isinstance(tasks.render_pdf.get_backend(), ImmediateBackend)


@dataclass(frozen=True)
class Pending:
    """A render of the PDF is queued or running."""

    task_id: str


@dataclass(frozen=True)
class Failed:
    """The last render of this PDF failed (timed_out: it hit the time limit)."""

    task_id: str
    timed_out: bool


def _marker(key: str) -> str:
    return f"riskassess:pdf-task:{key}"


def _marker_ttl() -> int:
    # A failed render is not queued again for as long as failures are remembered;
    # a queued one is not queued again while it could still be waiting or running.
    return max(pdf_limits.failure_ttl(), 2 * int(settings.PDF_RENDER_TIMEOUT or 30), 60)


def _of_report(assessment_id, number: int | None) -> str:
    # Which task last rendered this assessment's (or revision's) PDF, whatever its key.
    return f"riskassess:pdf-task-of:{assessment_id}:{number}"


def _result(task_id):
    try:
        return tasks.render_pdf.get_result(task_id)
    except TaskResultDoesNotExist:
        return None


def pending(assessment_id, number: int | None) -> Pending | None:
    """The render of this report's PDF that is queued or running, if any: checked
    without building the report (a cache read and one query)."""
    task_id = pdf_limits.cached(_of_report(assessment_id, number))
    result = _result(task_id) if task_id else None
    if result is not None and result.status in UNDER_WAY:
        return Pending(task_id)
    return None


def _timed_out(result) -> bool:
    return any(e.exception_class_path.endswith("PDFRenderTimeout") for e in result.errors)


def request_render(key: str, assessment_id, number: int | None) -> Pending | Failed:
    """Where the render of the PDF `key` stands, queueing one if none is under way."""
    task_id = pdf_limits.cached(_marker(key))
    if task_id:
        result = _result(task_id)
        if result is not None:
            if result.status in UNDER_WAY:
                return Pending(task_id)
            if result.status == TaskResultStatus.FAILED:
                return Failed(task_id, _timed_out(result))
            # SUCCESSFUL, yet the caller found no file: the data changed while it was
            # queued (a new key), or the storage lost it. Queue it again.
    result = tasks.render_pdf.enqueue(str(assessment_id), number)
    pdf_limits.keep(_marker(key), result.id, _marker_ttl())
    pdf_limits.keep(_of_report(assessment_id, number), result.id, _marker_ttl())
    return Pending(result.id)
