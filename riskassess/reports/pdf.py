"""The PDF report: the report data (build.py) as HTML, laid out by WeasyPrint in-process.

WeasyPrint is a browser (docs/security.md, "The PDF renderer is a browser"), so:

- Nothing is fetched. The stylesheet is parsed from a file in this package,
  the chart is inline SVG, and the URL fetcher (pdf_fetch.py) serves ``data:``
  URIs only: a ``file:``, ``http(s):``, protocol-relative or relative URL is
  refused and logged. There is no base URL, so a relative reference has nothing
  to resolve against.
- User text reaches the HTML only as autoescaped element content (never in an
  attribute that WeasyPrint reads as a URL or a style), and presentational
  hints are off.
- What the report prints is bounded (`pdf_text.printable`: lines, characters
  and combining marks per field, comments per report, a break opportunity in
  every long run of characters), so the cost of a render does not depend on
  what editors type beyond that.
- Rendering has a time limit (settings.PDF_RENDER_TIMEOUT seconds, default 30)
  when it runs in the main thread (pdf_timelimit.py). A render that fails is not
  tried again for a while, and renders at once are capped (pdf_limits.py).
- WeasyPrint logs a warning per glyph no font has; a render lets a few through
  and sums up the rest (`pdf_limits.glyph_warnings_summed`).

Where each part lives: the HTML (`render_report_html`; what the template prints is
prepared in pdf_context.py) and the key of each PDF are here; WeasyPrint's setup and
tuning, from the HTML to PDF bytes, in pdf_engine.py; the fetcher in pdf_fetch.py;
the time limit in pdf_timelimit.py; stored PDFs in pdf_store.py; renders queued
for a task worker in tasks.py and pdf_queue.py.

Speed (docs/performance.md): WeasyPrint is tuned in pdf_engine.py, and the markup
is lean (pdf_context, the templates); a report whose data has not changed is the
stored file (pdf_store), named by its key, which holds its fingerprint (which
ignores `generated_at`). The printed "data as of" time is derived from the report's
own content, so a stored copy stays accurate; the "PDF rendered" time is that of
the render that produced the stored file.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from riskassess.reports import pdf_compare, pdf_plan, pdf_store, present_v2
from riskassess.reports.build import Report
from riskassess.reports.pdf_context import report_context
from riskassess.reports.pdf_engine import layout_version, write_pdf
from riskassess.reports.pdf_limits import (
    PDFBusy,
    PDFRecentlyFailed,
    PDFRenderFailed,
    PDFUnavailable,
    recent_failure,
    remember_failure,
    render_slot,
)
from riskassess.reports.pdf_timelimit import PDFRenderTimeout, time_limit, timeout_seconds

__all__ = [
    "PDFBusy",
    "PDFRecentlyFailed",
    "PDFRenderFailed",
    "PDFRenderTimeout",
    "PDFUnavailable",
    "cache_key",
    "layout_version",
    "render_report_html",
    "render_report_pdf",
    "timeout_seconds",
]

TEMPLATE = "reports/pdf/report.html"
TEMPLATE_DIR = Path(settings.BASE_DIR) / "templates" / "reports" / "pdf"


# Characters no font draws and XML forbids: the C0 controls but tab and line
# breaks, DEL, the C1 controls, and XML's two excluded noncharacters. Users can
# type or import them (a form feed pasted from a PDF, say). Printed, each one
# became a .notdef glyph whose entry in the PDF's text map garbled the text layer
# of every line in that font; they are printed as U+FFFD instead.
UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def render_report_html(report: dict, changes: dict | None = None) -> str:
    """The report's HTML; `changes` is a revision's section "Changes since revision N"
    (pdf_compare.section), printed after the summary: given, or carried by the report
    (`with_changes`)."""
    if changes is None:
        changes = getattr(report, "changes", None)
    context = {**report_context(report), "changes": changes}
    return UNPRINTABLE.sub("\ufffd", render_to_string(TEMPLATE, context))


# --- The PDF -------------------------------------------------------------------------------


def with_changes(report: dict, changes: dict | None) -> dict:
    """The report carrying its section "Changes since revision N" beside it, as a
    build.Report carries its data: a copy, the caller's report is left as it is."""
    if changes is None:
        return report
    printed = Report(report, present_v2.data_of(report))
    printed.changes = changes
    return printed


def _render_pdf(report: dict) -> bytes:
    with time_limit(timeout_seconds()):
        return write_pdf(
            render_report_html(report),
            identifier=bytes.fromhex(report["fingerprint"][:32]),
            # Tagged (structure for screen readers) unless the operator trades it for speed.
            tagged=settings.PDF_TAGGED,
        )


def cache_key(report: dict) -> str:
    """The key of the report's PDF in Django's cache (a revision's: one query, see `_key`)."""
    return _key(report, pdf_compare.of_report(report))


def _key(report: dict, neighbours: pdf_compare.Neighbours | None) -> str:
    # A revision's PDF also prints where it stands ("revision 1 of 2, superseded
    # on …"), which is not part of the fingerprinted content: it is in the key too.
    record = report.get("record") or {}
    standing = f"{record.get('revision')}-{record.get('revisions')}-{record.get('superseded_at')}"
    # So does its review (in review, approved by …) and, for any report, which of
    # its evidence has expired by today: both change while the content does not.
    review = record.get("review") or record.get("last_review") or {}
    expired = ",".join(sorted(p["id"] for p in report.get("evidence_expired", ())))
    standing += f"-{review.get('status')}-{review.get('at')}"
    if expired:
        standing += "-" + hashlib.sha256(expired.encode()).hexdigest()[:16]
    # A draft's action plan prints which actions are overdue today (pdf_plan.py).
    standing += pdf_plan.cache_part(report)
    tagged = "t" if settings.PDF_TAGGED else "u"
    key = f"riskassess:report-pdf:{layout_version()}:{tagged}:{report['fingerprint']}:{standing}"
    # A format-2 report is worded with its assessment data too (present_v2.py: the
    # profile's options, the level matrix), which the fingerprint does not cover.
    wording = present_v2.presentation(report)
    if wording is not None:
        canonical = json.dumps(wording, sort_keys=True, ensure_ascii=False, default=str)
        key += ":" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
    # A revision's "Changes since revision N" is the comparison with its predecessor,
    # which never changes once the revision exists: naming the predecessor covers it.
    previous = neighbours.previous if neighbours else None
    if previous is not None:
        key += f":since-{previous.fingerprint[:32]}"
    return key


def render_report_pdf(report: dict) -> bytes:
    """The report as PDF bytes, from storage (pdf_store) when the same data was rendered before.

    The key is the report's fingerprint (SHA-256 of its content, which includes
    the assessment id and team) plus the layout version, so different data or a
    new layout never gets an old file; a revision's key also names its
    predecessor, whose comparison it prints. Callers check access before calling.

    Raises a `PDFUnavailable`: `PDFRecentlyFailed` when a render of the same key
    failed within settings.PDF_FAILURE_TTL, `PDFBusy` when this process already
    runs its PDF_MAX_CONCURRENT_RENDERS, `PDFRenderTimeout`, or `PDFRenderFailed`
    for any other error of the renderer (chained); the last two are remembered.
    """
    # A revision with a predecessor prints what changed since it: found here, so that
    # every caller (the downloads, the render ahead on submit) prints the same PDF.
    neighbours = pdf_compare.of_report(report)
    key = _key(report, neighbours)
    pdf = pdf_store.load(key)
    if pdf is not None:
        return pdf
    failure = recent_failure(key)
    if failure:
        raise PDFRecentlyFailed(failure)
    changes = pdf_compare.section(report, neighbours)
    with render_slot():
        try:
            pdf = _render_pdf(with_changes(report, changes))
        except PDFRenderTimeout as error:
            remember_failure(key, error, timed_out=True)
            raise
        except Exception as error:
            remember_failure(key, error, timed_out=False)
            raise PDFRenderFailed(f"{type(error).__name__}: {error}"[:300]) from error
    pdf_store.save(key, pdf)
    return pdf
