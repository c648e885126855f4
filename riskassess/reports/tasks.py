"""Background tasks of the reports app, through Django's task interface.

Thin wrappers over services: a task takes ids (its arguments are stored as JSON
in the queue), reads the records and calls what a request would call. Who may
ask for a task is checked by the view or receiver that enqueues it, never here.

With settings.TASK_BACKEND "immediate" (make run, the tests) a task runs in the
request that enqueues it; with "database" (make serve) `manage.py db_worker`
runs it, in its own process and main thread, where the PDF time limit
(pdf_timelimit.time_limit, SIGALRM) applies.
"""

from __future__ import annotations

from django_tasks import task

from riskassess.assessments.models import Assessment
from riskassess.reports import pdf
from riskassess.reports.build import build_report


@task()
def render_pdf(assessment_id: str, number: int | None = None) -> None:
    """Render the PDF of an assessment (or of its revision `number`) into storage.

    A render that fails or times out raises, so the task result says FAILED with
    the error; the failure is also remembered (pdf_limits).
    """
    assessment = Assessment.objects.select_related("team", "checklist").get(pk=assessment_id)
    revision = None if number is None else assessment.revisions.get(number=number)
    pdf.render_report_pdf(build_report(assessment, revision=revision))
