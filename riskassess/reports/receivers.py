"""Work the reports app does when something happens to an assessment."""

import logging

from django.conf import settings
from django.dispatch import receiver
from django_tasks import TaskResultStatus

from riskassess.assessments.signals import assessment_transitioned
from riskassess.reports import tasks

logger = logging.getLogger(__name__)
PRERENDERED = ("submit", "submit_for_review", "approve")


@receiver(assessment_transitioned, dispatch_uid="reports.prerender_submitted_pdf")
def prerender_submitted_pdf(sender, assessment_id, transition, **kwargs) -> None:
    """Render a just-submitted assessment's PDF into storage, as a task.

    A submitted report does not change until it is reopened, and it is the one
    reviewers, legal and regulators download: rendering it once, now, makes every
    download of it a stored file. With a task queue a worker renders it and the
    submit request returns at once; with the immediate backend it is rendered
    here (about a second, once per assessment). The submission is already
    committed (the signal is sent on commit), so a failure is logged and the next
    download renders instead.
    """
    # Submitted for review, or approved: the PDF (its status, its sign-off) is new too.
    if transition not in PRERENDERED or not settings.PDF_PRERENDER_ON_SUBMIT:
        return
    try:
        result = tasks.render_pdf.enqueue(str(assessment_id))
    except Exception:
        logger.exception("Could not queue the PDF of submitted assessment %s", assessment_id)
        return
    # The immediate backend ran it already and kept any error in the result.
    if result.status == TaskResultStatus.FAILED:
        logger.error("Could not render the PDF of submitted assessment %s ahead", assessment_id)
