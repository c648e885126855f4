"""Work the reports app does when something happens to an assessment."""

import logging

from django.conf import settings
from django.dispatch import receiver

from riskassess.assessments.models import Assessment
from riskassess.assessments.signals import assessment_transitioned
from riskassess.reports import pdf
from riskassess.reports.build import build_report

logger = logging.getLogger(__name__)
PRERENDERED = ("submit", "submit_for_review", "approve")


@receiver(assessment_transitioned, dispatch_uid="reports.prerender_submitted_pdf")
def prerender_submitted_pdf(sender, assessment_id, transition, **kwargs) -> None:
    """Render a just-submitted assessment's PDF into the cache.

    A submitted report does not change until it is reopened, and it is the one
    reviewers, legal and regulators download: rendering it once here, in the
    request that submits (about a second, once per assessment), makes every
    download of it a cache hit of about 10 ms. The submission is already
    committed, so a failure here is logged and the next download renders instead.
    """
    # Submitted for review, or approved: the PDF (its status, its sign-off) is new too.
    if transition not in PRERENDERED or not settings.PDF_PRERENDER_ON_SUBMIT:
        return
    try:
        assessment = Assessment.objects.select_related("team", "checklist").get(pk=assessment_id)
        pdf.render_report_pdf(build_report(assessment))
    except Exception:
        logger.exception("Could not render the PDF of submitted assessment %s ahead", assessment_id)
