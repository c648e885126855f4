import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from riskassess.accounts.models import Role
from riskassess.assessments.access import get_assessment_for_user
from riskassess.reports import exports, pdf
from riskassess.reports.build import build_report
from riskassess.reports.chart import bar_chart

logger = logging.getLogger(__name__)


def results(request: HttpRequest, assessment_id) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id, Role.VIEWER)
    report = build_report(assessment)
    context = {
        "assessment": assessment,
        "report": report,
        "chart": bar_chart(report),
        "can_edit": assessment.role in (Role.EDITOR, Role.OWNER) and not assessment.is_locked,
    }
    return render(request, "reports/results.html", context)


def _download(request: HttpRequest, assessment_id, render, content_type: str, extension: str):
    """A report download for any member: built, rendered, sent as an attachment."""
    assessment = get_assessment_for_user(request.user, assessment_id, Role.VIEWER)
    report = build_report(assessment)
    response = HttpResponse(render(report), content_type=content_type)
    name = slugify(report["assessment"]["title"])[:60] or "assessment"
    date = report["generated_at"][:10]
    response["Content-Disposition"] = f'attachment; filename="{name}-{date}.{extension}"'
    return response


@require_GET
@never_cache
def report_pdf(request: HttpRequest, assessment_id) -> HttpResponse:
    try:
        return _download(request, assessment_id, pdf.render_report_pdf, "application/pdf", "pdf")
    except pdf.PDFRenderTimeout:
        # _download checked access before rendering started: the user may see this page.
        logger.error("PDF of assessment %s stopped by the render time limit", assessment_id)
        context = {"assessment_id": assessment_id, "limit": f"{pdf.timeout_seconds():g}"}
        response = render(request, "reports/pdf_timeout.html", context, status=503)
        response["Retry-After"] = "120"
        return response


@require_GET
@never_cache
def report_json(request: HttpRequest, assessment_id) -> HttpResponse:
    return _download(request, assessment_id, exports.to_json, "application/json", "json")


@require_GET
@never_cache
def report_csv(request: HttpRequest, assessment_id) -> HttpResponse:
    return _download(request, assessment_id, exports.to_csv, "text/csv; charset=utf-8", "csv")
