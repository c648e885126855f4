"""The PDF report: the report data (build.py) as HTML, laid out by WeasyPrint in-process.

WeasyPrint is a browser (docs/security.md, "The PDF renderer is a browser"), so:

- Nothing is fetched. The stylesheet is parsed here from a file in this package,
  the chart is inline SVG, and the URL fetcher serves ``data:`` URIs only: a
  ``file:``, ``http(s):``, protocol-relative or relative URL is refused and
  logged. There is no base URL, so a relative reference has nothing to resolve
  against.
- User text reaches the HTML only as autoescaped element content (never in an
  attribute that WeasyPrint reads as a URL or a style), and presentational
  hints are off. Long unbroken tokens get zero-width spaces (`breakable`), so a
  10,000-character "word" costs milliseconds, not seconds.
- Rendering has a time limit (settings.PDF_RENDER_TIMEOUT seconds, default 30)
  when it runs in the main thread; see `time_limit`.

Speed: the CSS is parsed once per process and the font configuration built once
per thread; a report whose data has not changed comes from Django's cache, keyed
by its fingerprint (which ignores `generated_at`). The printed "data as of" time
is derived from the report's own content, so a cached copy stays accurate; the
"PDF rendered" time is that of the render that produced the cached file.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import math
import re
import signal
import threading
import time
import unicodedata
from collections import defaultdict
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from urllib.request import DataHandler, Request

import weasyprint
from django.conf import settings
from django.core.cache import cache as django_cache
from django.template.loader import render_to_string
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcherResponse

from riskassess.reports import chart
from riskassess.reports.chart import bar_chart

logger = logging.getLogger(__name__)

TEMPLATE = "reports/pdf/report.html"
STYLESHEET = Path(__file__).with_name("report-pdf.css")
UA_STYLESHEET = Path(__file__).with_name("report-ua.css")
TEMPLATE_DIR = Path(settings.BASE_DIR) / "templates" / "reports" / "pdf"
DEFAULT_TIMEOUT = 30.0
MAX_DATA_URI = 2 * 1024 * 1024
GENERATOR = f"riskassess (WeasyPrint {weasyprint.__version__})"

# A token longer than LONG_TOKEN characters gets a break opportunity every CHUNK.
LONG_TOKEN = 40
CHUNK = 20
ZWSP = "\u200b"
LONG_ITEM = 1500  # characters of comment and mitigation
_LONG_TOKEN_RE = re.compile(rf"\S{{{LONG_TOKEN + 1},}}")
_REGIONAL_INDICATORS = range(0x1F1E6, 0x1F200)


# WeasyPrint logs every layout step at INFO: keep that out of the server log
# unless the logging settings ask for it.
if logging.getLogger("weasyprint.progress").level == logging.NOTSET:
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class PDFRenderTimeout(Exception):
    """Rendering took longer than settings.PDF_RENDER_TIMEOUT seconds."""


class RefusedURL(ValueError):
    """The renderer asked for a URL outside what the report may load."""


# --- Break opportunities -------------------------------------------------------------------


def _can_break_before(token: str, index: int) -> bool:
    """Never split a character from its combining marks, a ZWJ sequence or a flag pair."""
    char, previous = token[index], token[index - 1]
    if unicodedata.category(char) in ("Mn", "Mc", "Me", "Cf", "Sk"):
        return False
    if previous in ("\u200d", ZWSP):
        return False
    return not (ord(char) in _REGIONAL_INDICATORS and ord(previous) in _REGIONAL_INDICATORS)


def _split_token(match: re.Match) -> str:
    token = match.group()
    out, run = [], 0
    for index, char in enumerate(token):
        if run >= CHUNK and _can_break_before(token, index):
            out.append(ZWSP)
            run = 0
        out.append(char)
        run += 1
    return "".join(out)


def breakable(text) -> str:
    """Text with a zero-width space every CHUNK characters inside tokens over LONG_TOKEN.

    Runs on the raw text, before autoescaping, and returns a plain (unsafe) str
    so that the template still escapes it.
    """
    if text is None:
        return ""
    return _LONG_TOKEN_RE.sub(_split_token, str(text))


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
    """The report's HTML, with the report's own user-agent stylesheet (report-ua.css).

    WeasyPrint's user-agent sheet covers all of HTML; its universal
    pseudo-element rules alone cost about 5 % of a render. `_ua_stylesheets` is
    WeasyPrint's hook for the sheet (tests/reports/test_pdf.py checks it is still
    called, so an upgrade that renames it fails a test instead of going slow).
    """

    def _ua_stylesheets(self, forms=False):
        return [_ua_stylesheet()]


@cache
def layout_version() -> str:
    """Changes with the stylesheet, the templates or WeasyPrint: part of the cache key."""
    digest = hashlib.sha256(weasyprint.__version__.encode())
    sources = [
        Path(__file__),
        Path(chart.__file__),
        STYLESHEET,
        UA_STYLESHEET,
        TEMPLATE_DIR.parent / "_chart.svg",
    ]
    for path in [*sources, *sorted(TEMPLATE_DIR.glob("*.html"))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


# --- Time limit ----------------------------------------------------------------------------


def _timeout_seconds() -> float:
    return float(getattr(settings, "PDF_RENDER_TIMEOUT", DEFAULT_TIMEOUT) or 0)


@contextmanager
def time_limit(seconds: float):
    """Raise PDFRenderTimeout when the block runs longer than `seconds`.

    Uses SIGALRM, so it only works in the main thread of a process (gunicorn's
    sync workers, the management commands, the test runner); in other threads it
    does nothing and the request timeout of the server is the limit. WeasyPrint
    catches exceptions around some steps (images, SVG), so once fired the alarm
    repeats every 0.1 s until the exception gets out, and is raised at the end
    in any case.
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


# --- The HTML ------------------------------------------------------------------------------


def _when(value: str | None) -> str:
    if not value:
        return "—"
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%-d %b %Y, %H:%M UTC")


def as_of(report: dict) -> str | None:
    """The latest moment recorded in the report's data: last answer, submission or event.

    Part of the fingerprinted content, unlike `generated_at`, so it is the same
    in every copy of the same data, cached or not.
    """
    moments = [report["assessment"].get("created_at"), report["assessment"].get("submitted_at")]
    moments += [item.get("answered_at") for item in report["items"]]
    moments += [event.get("at") for event in report.get("events", ())]
    parsed = [datetime.fromisoformat(m.replace("Z", "+00:00")) for m in moments if m]
    parsed = [m if m.tzinfo else m.replace(tzinfo=UTC) for m in parsed]
    return max(parsed).astimezone(UTC).isoformat() if parsed else None


def _number(value: float | None) -> str:
    """0.5 -> "0.5", 1 -> "1.0", 0.25 -> "0.25": one decimal at least, two at most."""
    if value is None:
        return "—"
    text = f"{value:.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _percent(fraction: float) -> str:
    # Floor, so that an incomplete assessment never shows 100%.
    return f"{math.floor(fraction * 100 + 1e-9):d}%"


def _tone(risk: float | None, *, answered: bool = True, not_applicable: bool = False) -> str:
    """The colour class of an answer, from its risk: the class names are fixed strings."""
    if not answered:
        return "none"
    if not_applicable:
        return "na"
    if risk <= 0:
        return "low"
    if risk <= 0.5:
        return "medium"
    return "high" if risk < 1 else "critical"


def _levels(thresholds: dict) -> list[dict]:
    medium, high, critical = (f"{thresholds[k]:g}" for k in ("medium", "high", "critical"))
    return [
        {"level": "low", "range": f"0 ≤ S < {medium}"},
        {"level": "medium", "range": f"{medium} ≤ S < {high}"},
        {"level": "high", "range": f"{high} ≤ S < {critical}"},
        {"level": "critical", "range": f"{critical} ≤ S ≤ 100"},
    ]


def _citation_arxiv(citation: str) -> str | None:
    match = re.search(r"arXiv:\s*(\d{4}\.\d{4,5})", citation)
    return match.group(1) if match else None


def _item_detail(item: dict) -> str:
    """The lines printed under an item's question, one string joined by newlines.

    The template prints it as one paragraph with `white-space: pre-line` (newlines
    kept), which WeasyPrint lays out several times faster than a paragraph per line
    with the answer in a badge. The first line, the figures, is styled through
    `::first-line`. Plain text: the template escapes it.
    """
    risk = _number(item["risk"])
    if item["exposure"] is None:
        exposure = "Exposure —"
    else:
        exposure = f"Exposure {item['weight']} \u00d7 {risk} = {_number(item['exposure'])}"
    figures = [
        item["answer_label"] or "Not answered",
        f"Weight {item['weight']}",
        f"Risk {risk}",
        exposure,
    ]
    if item["reference"]:
        figures.append(item["reference"])
    if not item["required"]:
        figures.append("optional")
    lines = [" · ".join(figures)]
    if item["comment"]:
        label = "Justification" if item["not_applicable"] else "Comment"
        if item["answered_by"]:
            label += f" ({item['answered_by']})"
        lines.append(f"{label}: {breakable(item['comment'])}")
    if (
        item["mitigation"]
        and item["answer"] is not None
        and not item["not_applicable"]
        and (item["risk"] or 0) > 0
    ):
        lines.append(f"Recommended mitigation: {breakable(item['mitigation'])}")
    return "\n".join(lines)


def report_context(report: dict) -> dict:
    """Everything the template shows, precomputed: the template only prints values."""
    overall = report["overall"]
    details = report["assessment"]
    status = details.get("status")
    # Anything not submitted is a draft, "unsaved" too: a report of an answers file (`assess`).
    draft = status != "submitted"
    mark = " — ".join(m for m in (draft and "DRAFT", overall["provisional"] and "PROVISIONAL") if m)
    escalated = set(overall["escalated_by"])
    items_by_category: dict[str, list[dict]] = defaultdict(list)
    for item in report["items"]:
        items_by_category[item["category"]].append(
            {
                **item,
                "tone": _tone(
                    item["risk"],
                    answered=item["answer"] is not None,
                    not_applicable=item["not_applicable"],
                ),
                "escalated": item["key"] in escalated,
                # Kept on one page unless that would leave most of a page empty.
                "long": len(item["comment"]) + len(item["mitigation"]) > LONG_ITEM,
                "detail": _item_detail(item),
            }
        )
    categories = [
        {
            **category,
            "anchor": f"category-{number}",
            "score_text": _score(category["score"]),
            "completeness_text": _percent(category["completeness"]),
            "items": items_by_category[category["key"]],
        }
        for number, category in enumerate(report["categories"], start=1)
    ]
    names = {c["key"]: c["name"] for c in categories}
    escalations = [
        {**item, "category_name": names.get(item["category"], item["category"])}
        for item in report["items"]
        if item["key"] in escalated
    ]
    findings = [
        {**f, "exposure_text": _number(f["exposure"]), "tone": _tone(f["exposure"] / f["weight"])}
        for f in report["top_findings"]
    ]
    scale = [
        {**option, "risk_text": "excluded" if option["not_applicable"] else _number(option["risk"])}
        for option in report["method"]["scale"]
    ]
    events = [{**event, "when": _when(event["at"])} for event in report.get("events", ())]
    arxiv = _citation_arxiv(report["method"]["citation"])
    latest = as_of(report)
    return {
        "report": report,
        "assessment": details,
        "overall": overall,
        "overall_score_text": _score(overall["score"]),
        "overall_completeness_text": _percent(overall["completeness"]),
        "draft": draft,
        "unsaved": status == "unsaved",
        "mark": mark,
        "categories": categories,
        "escalations": escalations,
        "findings": findings,
        "levels": _levels(report["method"]["thresholds"]),
        "thresholds": report["method"]["thresholds"],
        "scale": scale,
        "arxiv": arxiv,
        # The checklist's own source, unless it only repeats the citation's arXiv paper.
        "checklist_source": None
        if arxiv and arxiv in (report["checklist"].get("source") or "")
        else report["checklist"].get("source"),
        "events": events,
        "chart": bar_chart(report),
        "as_of": latest,
        "as_of_text": _when(latest),
        "generated_text": _when(report["generated_at"]),
        "submitted_text": _when(details.get("submitted_at")),
        "author": f"{details['team']} · riskassess" if details.get("team") else "riskassess",
        "generator": GENERATOR,
        "item_count": len(report["items"]),
        "answered_count": sum(1 for i in report["items"] if i["answer"] is not None),
        "na_count": sum(1 for i in report["items"] if i["not_applicable"]),
    }


def render_report_html(report: dict) -> str:
    return render_to_string(TEMPLATE, report_context(report))


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


def _render_pdf(report: dict) -> bytes:
    with time_limit(_timeout_seconds()), cyclic_gc_paused():
        html = ReportHTML(string=render_report_html(report), base_url=None, url_fetcher=FETCHER)
        return html.write_pdf(
            stylesheets=list(_stylesheets()),
            font_config=_font_config(),
            presentational_hints=False,
            attachments=[],
            pdf_identifier=bytes.fromhex(report["fingerprint"][:32]),
        )


def cache_key(report: dict) -> str:
    return f"riskassess:report-pdf:{layout_version()}:{report['fingerprint']}"


def render_report_pdf(report: dict) -> bytes:
    """The report as PDF bytes, from the cache when the same data was rendered before.

    The key is the report's fingerprint (SHA-256 of its content, which includes
    the assessment id and team) plus the layout version, so different data or a
    new layout never gets an old file. Callers check access before calling.
    """
    key = cache_key(report)
    pdf = django_cache.get(key)
    if pdf is None:
        pdf = _render_pdf(report)
        django_cache.set(key, pdf)
    return pdf
