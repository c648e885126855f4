import logging
import math
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from riskassess.accounts.models import Role
from riskassess.assessments.access import get_assessment_for_user, get_revision_for_user
from riskassess.reports import (
    exports,
    pdf,
    pdf_compare,
    pdf_limits,
    pdf_queue,
    pdf_store,
    present_v2,
)
from riskassess.reports.build import build_report
from riskassess.reports.chart import bar_chart

logger = logging.getLogger(__name__)


def _checked(request: HttpRequest, assessment_id, number: int | None):
    """The assessment and its revision `number` (None for its current state): access-checked."""
    if number is None:
        return get_assessment_for_user(request.user, assessment_id, Role.VIEWER), None
    return get_revision_for_user(request.user, assessment_id, number)


def _report(request: HttpRequest, assessment_id, number: int | None):
    """The assessment and its report (a revision's, when `number` is given): access-checked."""
    assessment, revision = _checked(request, assessment_id, number)
    return assessment, build_report(assessment, revision=revision)


def _downloads(assessment_id, number: int | None) -> dict[str, str]:
    if number is None:
        names = {"pdf": "report_pdf", "json": "report_json", "csv": "report_csv"}
        urls = {kind: reverse(name, args=[assessment_id]) for kind, name in names.items()}
        urls["xlsx"] = reverse("report_xlsx", args=[assessment_id])
        return urls
    return {
        kind: reverse(f"revision_{kind}", args=[assessment_id, number])
        for kind in ("pdf", "json", "csv", "xlsx")
    }


def _compare_link(assessment, report: dict) -> dict | None:
    """A revision's link to its comparison with the deployment's previous revision (one query)."""
    number = (report.get("record") or {}).get("revision")
    found = pdf_compare.neighbours(assessment.pk, number) if number else None
    if found is None or found.previous is None:
        return None
    query = urlencode({"before": f"r-{found.previous.pk}", "after": f"r-{found.current.pk}"})
    text = f"Compare with revision {found.previous.number}"
    if not found.same_assessment:
        text += " of the previous assessment"
    return {"url": reverse("compare", args=[assessment.deployment_id]) + "?" + query, "text": text}


def results(request: HttpRequest, assessment_id, number: int | None = None) -> HttpResponse:
    assessment, report = _report(request, assessment_id, number)
    context = {
        "assessment": assessment,
        "report": report,
        "chart": bar_chart(report),
        "can_edit": Role.allows(assessment.role, Role.EDITOR) and assessment.is_editable,
        "downloads": _downloads(assessment.pk, number),
        "revision_view": number is not None,
        # Format 2: the profile, the level matrix's cell, the skipped items and the
        # coverage, in words (None for format 1, whose page is unchanged).
        "v2": present_v2.presentation(report),
        "compare": _compare_link(assessment, report),
    }
    return render(request, "reports/results.html", context)


def _attachment(body: bytes, report: dict, content_type: str, extension: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    name = slugify(report["assessment"]["title"])[:60] or "assessment"
    record = report.get("record") or {}
    if record.get("revision"):
        name += f"-revision-{record['revision']}"
    date = report["generated_at"][:10]
    response["Content-Disposition"] = f'attachment; filename="{name}-{date}.{extension}"'
    return response


def _download(
    request: HttpRequest,
    assessment_id,
    render,
    content_type: str,
    extension: str,
    number: int | None = None,
):
    """A report download for any member: built, rendered, sent as an attachment."""
    _, report = _report(request, assessment_id, number)
    return _attachment(render(report), report, content_type, extension)


def _pdf(request: HttpRequest, assessment_id, number: int | None = None) -> HttpResponse:
    """The PDF download: rendered here, or with a task queue, stored or being prepared."""
    assessment, revision = _checked(request, assessment_id, number)
    queued = pdf_queue.queued()
    # While a render of this report is queued or running, the page that asks again
    # costs a cache read and one query, not a report: readers wait on the same
    # web workers that serve everyone else (docs/performance.md, issue 16).
    if queued:
        pending = pdf_queue.pending(assessment.pk, number)
        if pending is not None:
            return _pdf_not_stored(request, assessment.pk, number, pending)
    report = build_report(assessment, revision=revision)
    try:
        if not queued:
            body = pdf.render_report_pdf(report)
        else:
            key = pdf.cache_key(report)
            body = pdf_store.load(key)
            if body is None:
                state = pdf_queue.request_render(key, assessment.pk, number)
                return _pdf_not_stored(request, assessment.pk, number, state)
    except pdf.PDFUnavailable as error:
        # _checked checked access before rendering started: the user may see this page.
        return _pdf_unavailable(request, assessment_id, error)
    return _attachment(body, report, "application/pdf", "pdf")


def _pdf_not_stored(request, assessment_id, number, state) -> HttpResponse:
    """202 "being prepared" (asks again by itself), or the page for a failed render."""
    if isinstance(state, pdf_queue.Failed):
        logger.warning(
            "PDF of assessment %s not rendered: task %s failed", assessment_id, state.task_id
        )
        error = pdf.PDFRenderTimeout() if state.timed_out else pdf.PDFRenderFailed()
        error.retry_after = pdf_limits.failure_ttl() or 60
        return _pdf_unavailable(request, assessment_id, error, logged=True)
    context = {
        "assessment_id": assessment_id,
        "downloads": _downloads(assessment_id, number),
        "refresh": pdf_queue.REFRESH_SECONDS,
    }
    response = render(request, "reports/pdf/preparing.html", context, status=202)
    # The page asks again by itself through this header, not a script or a meta
    # refresh: the CSP allows no inline script, and axe-core fails a meta refresh.
    response["Refresh"] = str(pdf_queue.REFRESH_SECONDS)
    return response


@require_GET
@never_cache
def report_pdf(request: HttpRequest, assessment_id) -> HttpResponse:
    return _pdf(request, assessment_id)


def _pdf_unavailable(
    request: HttpRequest, assessment_id, error: Exception, logged: bool = False
) -> HttpResponse:
    """503 with the reason and links to the JSON and CSV, which are always available.

    `logged`: the failure was logged where it happened (a task worker's render)."""
    limit = f"{pdf.timeout_seconds():g}"
    context = {"assessment_id": assessment_id, "limit": limit, "reason": "failed"}
    retry_after, remembered = error.retry_after, False
    if isinstance(error, pdf.PDFBusy):
        logger.warning("PDF of assessment %s not rendered: %s", assessment_id, error)
        context["reason"] = "busy"
    elif isinstance(error, pdf.PDFRecentlyFailed):
        logger.info("PDF of assessment %s not rendered: %s", assessment_id, error)
        timed_out = error.failure["timed_out"]
        context["failure"] = f"took longer than {limit} seconds" if timed_out else "failed"
        remembered = True
    else:
        if isinstance(error, pdf.PDFRenderTimeout):
            if not logged:
                logger.error("PDF of assessment %s stopped by the render time limit", assessment_id)
            context["reason"] = "timeout"
        else:
            if not logged:
                logger.error("PDF of assessment %s not rendered", assessment_id, exc_info=error)
            context["failure"] = "failed"
        # render_report_pdf remembered the failure: the report is refused until it expires.
        if pdf_limits.failure_ttl():
            retry_after, remembered = pdf_limits.failure_ttl(), True
    if remembered:
        context["retry_minutes"] = math.ceil(retry_after / 60)
    response = render(request, "reports/pdf/unavailable.html", context, status=503)
    response["Retry-After"] = str(retry_after)
    return response


@require_GET
@never_cache
def report_json(request: HttpRequest, assessment_id) -> HttpResponse:
    return _download(request, assessment_id, exports.to_json, "application/json", "json")


@require_GET
@never_cache
def report_csv(request: HttpRequest, assessment_id) -> HttpResponse:
    return _download(request, assessment_id, exports.to_csv, "text/csv; charset=utf-8", "csv")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
@never_cache
def report_xlsx(request: HttpRequest, assessment_id) -> HttpResponse:
    return _download(request, assessment_id, exports.to_xlsx, XLSX, "xlsx")


# A revision's report: the one frozen when it was submitted, marked with where it
# stands now ("revision 1 of 3, superseded on …").


@require_GET
def revision_results(request: HttpRequest, assessment_id, number: int) -> HttpResponse:
    return results(request, assessment_id, number)


@require_GET
@never_cache
def revision_pdf(request: HttpRequest, assessment_id, number: int) -> HttpResponse:
    return _pdf(request, assessment_id, number)


@require_GET
@never_cache
def revision_json(request: HttpRequest, assessment_id, number: int) -> HttpResponse:
    return _download(request, assessment_id, exports.to_json, "application/json", "json", number)


@require_GET
@never_cache
def revision_csv(request: HttpRequest, assessment_id, number: int) -> HttpResponse:
    return _download(
        request, assessment_id, exports.to_csv, "text/csv; charset=utf-8", "csv", number
    )


@require_GET
@never_cache
def revision_xlsx(request: HttpRequest, assessment_id, number: int) -> HttpResponse:
    return _download(request, assessment_id, exports.to_xlsx, XLSX, "xlsx", number)
