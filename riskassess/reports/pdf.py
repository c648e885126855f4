"""The PDF report: the report data (build.py) as HTML, laid out by WeasyPrint in-process.

WeasyPrint is a browser (docs/security.md, "The PDF renderer is a browser"), so:

- Nothing is fetched. The stylesheet is parsed here from a file in this package,
  the chart is inline SVG, and the URL fetcher serves ``data:`` URIs only: a
  ``file:``, ``http(s):``, protocol-relative or relative URL is refused and
  logged. There is no base URL, so a relative reference has nothing to resolve
  against.
- User text reaches the HTML only as autoescaped element content (never in an
  attribute that WeasyPrint reads as a URL or a style), and presentational
  hints are off.
- What the report prints is bounded (`pdf_text.printable`: lines, characters
  and combining marks per field, comments per report, a break opportunity in
  every long run of characters), so the cost of a render does not depend on
  what editors type beyond that.
- Rendering has a time limit (settings.PDF_RENDER_TIMEOUT seconds, default 30)
  when it runs in the main thread; see `time_limit`. A render that fails is not
  tried again for a while, and renders at once are capped (pdf_limits.py).
- WeasyPrint logs a warning per glyph no font has; a render lets a few through
  and sums up the rest (`pdf_limits.glyph_warnings_summed`).

What the template prints is prepared in pdf_context.py.

Speed (docs/performance.md): the CSS is parsed once per process, the font
configuration built once per thread, the report is parsed by expat and has a
user-agent stylesheet of its own (`ReportHTML`), streams are compressed at zlib
level 6 (`_PDFZlib`), the cyclic garbage collector is paused while WeasyPrint
works, and the markup is lean (pdf_context, the templates); a report whose data
has not changed comes from Django's cache, keyed
by its fingerprint (which ignores `generated_at`). The printed "data as of" time
is derived from the report's own content, so a cached copy stays accurate; the
"PDF rendered" time is that of the render that produced the cached file.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import re
import signal
import threading
import time
import zlib
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from urllib.request import DataHandler, Request
from xml.etree import ElementTree

import cssselect2
import pydyf
import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcherResponse

from riskassess import present
from riskassess.reports import (
    chart,
    comparison,
    comparison_v2,
    pdf_compare,
    pdf_context,
    pdf_plan,
    pdf_text,
    pdf_v2,
    present_v2,
)
from riskassess.reports.build import Report
from riskassess.reports.pdf_context import report_context
from riskassess.reports.pdf_limits import (
    PDFBusy,
    PDFRecentlyFailed,
    PDFRenderFailed,
    PDFUnavailable,
    cached,
    glyph_warnings_summed,
    keep,
    recent_failure,
    remember_failure,
    render_slot,
)

__all__ = [
    "PDFBusy",
    "PDFRecentlyFailed",
    "PDFRenderFailed",
    "PDFRenderTimeout",
    "PDFUnavailable",
    "render_report_pdf",
]

logger = logging.getLogger(__name__)

TEMPLATE = "reports/pdf/report.html"
STYLESHEET = Path(__file__).with_name("report-pdf.css")
UA_STYLESHEET = Path(__file__).with_name("report-ua.css")
TEMPLATE_DIR = Path(settings.BASE_DIR) / "templates" / "reports" / "pdf"
DEFAULT_TIMEOUT = 30.0
MAX_DATA_URI = 2 * 1024 * 1024


# WeasyPrint logs every layout step at INFO: keep that out of the server log
# unless the logging settings ask for it.
if logging.getLogger("weasyprint.progress").level == logging.NOTSET:
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class PDFRenderTimeout(PDFUnavailable):
    """Rendering took longer than settings.PDF_RENDER_TIMEOUT seconds."""


class RefusedURL(ValueError):
    """The renderer asked for a URL outside what the report may load."""


# --- Fetching ------------------------------------------------------------------------------


class DataOnlyFetcher(weasyprint.URLFetcher):
    """Serves ``data:`` URIs and refuses everything else: no files, no network, no redirects.

    The report embeds its stylesheet and chart, so a normal render asks for
    nothing at all; a refusal is logged because it means some markup tried to
    load a resource.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)

    def fetch(self, url, headers=None):
        if not isinstance(url, str) or url[:5].lower() != "data:":
            logger.warning("PDF renderer refused to fetch %r", str(url)[:200])
            raise RefusedURL(f"The PDF renderer only loads data: URIs, not {str(url)[:100]!r}")
        if len(url) > MAX_DATA_URI:
            raise RefusedURL("data: URI too large")
        response = DataHandler().data_open(Request(url))  # noqa: S310 (data: only, checked above)
        return URLFetcherResponse(url, response.read(), headers=dict(response.headers.items()))


FETCHER = DataOnlyFetcher()


# --- Stream compression --------------------------------------------------------------------


class _PDFZlib:
    """zlib as pydyf, WeasyPrint's PDF writer, sees it: level 6 where pydyf asks for 9.

    pydyf compresses every stream at level 9, which costs about 5 % of a render
    (docs/performance.md) and makes the report 2 % smaller than level 6 does.
    WeasyPrint has no option for the level, so pydyf's reference to the zlib
    module is replaced by this one; everything but `compressobj` is zlib's own.
    tests/reports/test_pdf.py checks that a render still goes through here.
    """

    LEVEL = 6

    def __getattr__(self, name):
        return getattr(zlib, name)

    def compressobj(self, level=zlib.Z_DEFAULT_COMPRESSION, *args, **kwargs):
        return zlib.compressobj(min(level, self.LEVEL), *args, **kwargs)


pydyf.zlib = _PDFZlib()


# --- Parsed once ---------------------------------------------------------------------------

_thread_state = threading.local()


def _font_config() -> FontConfiguration:
    """One FontConfiguration per thread: building it is costly, and Pango's font map is
    not meant to be shared between threads."""
    config = getattr(_thread_state, "font_config", None)
    if config is None:
        config = _thread_state.font_config = FontConfiguration()
    return config


@cache
def _stylesheets() -> tuple[weasyprint.CSS, ...]:
    # No @font-face rules, so the parsed sheet holds no font state and is shared by threads.
    return (weasyprint.CSS(string=STYLESHEET.read_text("utf-8"), url_fetcher=FETCHER),)


@cache
def _ua_stylesheet() -> weasyprint.CSS:
    return weasyprint.CSS(string=UA_STYLESHEET.read_text("utf-8"), url_fetcher=FETCHER)


class ReportHTML(weasyprint.HTML):
    """The report's HTML, parsed by the standard library's XML parser, laid out with the
    report's own user-agent stylesheet (report-ua.css).

    - Parsing: the templates write well-formed markup (void elements closed, no
      named entities, user text escaped by Django), so expat can read it. It is
      several times faster than WeasyPrint's HTML5 parser, written in Python:
      about 6 % of a render. Should markup ever reach here that expat refuses,
      it goes to WeasyPrint's own parser, the constructor this one replaces; the
      attributes set here are the ones that constructor sets, and a test renders
      a report through both parsers and compares the pages.
    - Stylesheet: WeasyPrint's user-agent sheet covers all of HTML; its
      universal pseudo-element rules alone cost about 5 % of a render.
      `_ua_stylesheets` is WeasyPrint's hook for the sheet.

    tests/reports/test_pdf.py checks both hooks are still WeasyPrint's, so an
    upgrade that changes them fails a test instead of going slow or wrong.
    """

    def __init__(self, markup: str):
        try:
            # Our template's output: user text in it is escaped by Django, so it can
            # declare no entity and load nothing (expat fetches no external entity).
            root = ElementTree.fromstring(markup)  # noqa: S314
        except ElementTree.ParseError as error:
            logger.info("PDF markup is not well-formed XML (%s); using the HTML5 parser", error)
            super().__init__(string=markup, base_url=None, url_fetcher=FETCHER)
            return
        self.base_url = None
        self.url_fetcher = FETCHER
        self.media_type = "print"
        self.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
        self.etree_element = self.wrapper_element.etree_element

    def _ua_stylesheets(self, forms=False):
        return [_ua_stylesheet()]


@cache
def layout_version() -> str:
    """Changes with the stylesheet, the templates or WeasyPrint: part of the cache key."""
    digest = hashlib.sha256(weasyprint.__version__.encode())
    sources = [
        Path(__file__),
        Path(chart.__file__),
        Path(pdf_context.__file__),
        Path(pdf_plan.__file__),
        Path(pdf_compare.__file__),
        Path(comparison.__file__),
        Path(comparison_v2.__file__),
        Path(pdf_text.__file__),
        Path(pdf_v2.__file__),
        Path(present_v2.__file__),
        Path(present.__file__),  # the level colours the chart draws with
        STYLESHEET,
        UA_STYLESHEET,
        TEMPLATE_DIR.parent / "_chart.svg",
    ]
    # report.html and its parts; unavailable.html is a web page.
    templates = [TEMPLATE_DIR / "report.html", *sorted(TEMPLATE_DIR.glob("_*.html"))]
    for path in [*sources, *templates]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


# --- Time limit ----------------------------------------------------------------------------


def timeout_seconds() -> float:
    return float(getattr(settings, "PDF_RENDER_TIMEOUT", DEFAULT_TIMEOUT) or 0)


# Where the time limit's alarm does not raise: context managers' exits, logging,
# and this package's own code around the render (see `time_limit`).
_CLEANUP_MODULES = ("contextlib", "logging", "threading", "riskassess.reports.pdf")


def _in_cleanup(frame) -> bool:
    module = frame.f_globals.get("__name__", "") if frame is not None else ""
    return module.startswith(_CLEANUP_MODULES)


@contextmanager
def time_limit(seconds: float):
    """Raise PDFRenderTimeout when the block runs longer than `seconds`.

    Uses SIGALRM, so it only works in the main thread of a process (gunicorn's
    sync workers, the management commands, the test runner); in other threads it
    does nothing and the request timeout of the server is the limit. WeasyPrint
    catches exceptions around some steps (images, SVG), so once fired the alarm
    repeats every 0.1 s until the exception gets out, and is raised at the end
    in any case.

    The repeated alarm never raises in the code that cleans up after the block
    (`_CLEANUP_MODULES`): unwinding a large render (freeing its box tree) can
    take longer than 0.1 s, and an exception raised inside a context manager's
    exit skipped the rest of it, which left the alarm repeating, the collector
    paused or a log filter installed in the worker, to fail some later request.
    """
    if (
        seconds <= 0
        or not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    state = {"armed": True, "fired": False}

    def on_alarm(signum, frame):
        if state["armed"]:
            state["fired"] = True
            signal.setitimer(signal.ITIMER_REAL, 0.1)
            if not _in_cleanup(frame):
                raise PDFRenderTimeout(f"Rendering the PDF took longer than {seconds:g} seconds.")

    previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    previous_delay, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        state["armed"] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay:
            spent = time.monotonic() - started
            signal.setitimer(signal.ITIMER_REAL, max(previous_delay - spent, 0.001))
    if state["fired"]:
        raise PDFRenderTimeout(f"Rendering the PDF took longer than {seconds:g} seconds.")


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


@contextmanager
def cyclic_gc_paused():
    """Pause Python's cyclic garbage collector for the block.

    WeasyPrint allocates a few hundred thousand objects per report and keeps
    most of them until the PDF is written, so the collector, triggered every
    700 allocations, rescans the growing box tree over and over: 5 to 10 % of a
    render. Reference counting still frees everything that is not in a cycle;
    the cycles of one render (about 25,000 objects, a few MiB) are collected by
    the first collection after the block.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def with_changes(report: dict, changes: dict | None) -> dict:
    """The report carrying its section "Changes since revision N" beside it, as a
    build.Report carries its data: a copy, the caller's report is left as it is."""
    if changes is None:
        return report
    printed = Report(report, present_v2.data_of(report))
    printed.changes = changes
    return printed


def _render_pdf(report: dict) -> bytes:
    with time_limit(timeout_seconds()), cyclic_gc_paused(), glyph_warnings_summed():
        html = ReportHTML(render_report_html(report))
        return html.write_pdf(
            stylesheets=list(_stylesheets()),
            font_config=_font_config(),
            presentational_hints=False,
            attachments=[],
            pdf_identifier=bytes.fromhex(report["fingerprint"][:32]),
            # Tagged (structure for screen readers) unless the operator trades it for speed.
            pdf_tags=settings.PDF_TAGGED,
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
    """The report as PDF bytes, from the cache when the same data was rendered before.

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
    pdf = cached(key)
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
    keep(key, pdf)
    return pdf
