"""WeasyPrint set up for the report, and tuned: the report's HTML in, PDF bytes out (`write_pdf`).

Speed (docs/performance.md): the CSS is parsed once per process, the font
configuration built once per thread, the report is parsed by expat and has a
user-agent stylesheet of its own (`ReportHTML`), streams are compressed at zlib
level 6 (`_PDFZlib`, swapped into pydyf only while a render runs:
`pydyf_zlib_at_level_6`), and the cyclic garbage collector is paused while
WeasyPrint works (`cyclic_gc_paused`).

What may be fetched is pdf_fetch.py's; the time limit, pdf_timelimit.py's; what
the report says and when it is rendered again, pdf.py's.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import threading
import zlib
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from xml.etree import ElementTree

import cssselect2
import pydyf
import weasyprint
from weasyprint.text.fonts import FontConfiguration

from riskassess import present
from riskassess.reports import (
    chart,
    comparison,
    comparison_v2,
    pdf_compare,
    pdf_context,
    pdf_fetch,
    pdf_plan,
    pdf_text,
    pdf_v2,
    present_v2,
)
from riskassess.reports.pdf_fetch import FETCHER
from riskassess.reports.pdf_limits import glyph_warnings_summed

logger = logging.getLogger(__name__)

STYLESHEET = Path(__file__).with_name("report-pdf.css")
UA_STYLESHEET = Path(__file__).with_name("report-ua.css")


# WeasyPrint logs every layout step at INFO: keep that out of the server log
# unless the logging settings ask for it.
if logging.getLogger("weasyprint.progress").level == logging.NOTSET:
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


# --- Stream compression --------------------------------------------------------------------


class _PDFZlib:
    """zlib as pydyf, WeasyPrint's PDF writer, sees it: level 6 where pydyf asks for 9.

    pydyf compresses every stream at level 9, which costs about 5 % of a render
    (docs/performance.md) and makes the report 2 % smaller than level 6 does.
    WeasyPrint has no option for the level, so pydyf's reference to the zlib
    module is replaced by this one while a render runs (`pydyf_zlib_at_level_6`);
    everything but `compressobj` is zlib's own.
    tests/reports/test_pdf.py checks that a render still goes through here.
    """

    LEVEL = 6

    def __getattr__(self, name):
        return getattr(zlib, name)

    def compressobj(self, level=zlib.Z_DEFAULT_COMPRESSION, *args, **kwargs):
        return zlib.compressobj(min(level, self.LEVEL), *args, **kwargs)


_PDF_ZLIB = _PDFZlib()
# pydyf.zlib is one name for the whole process while renders may run in several
# threads at once: the first render to start swaps it, the last to finish puts
# back what was there, so no render sees level 9 halfway through another's.
_zlib_lock = threading.Lock()
_zlib_renders = 0
_zlib_before = zlib


@contextmanager
def pydyf_zlib_at_level_6():
    """pydyf compresses with `_PDFZlib` in the block, and with what it had before after it.

    Patched here rather than when this module is imported, so that importing the
    report code changes nothing in pydyf for anyone else in the process.
    """
    global _zlib_renders, _zlib_before
    with _zlib_lock:
        if _zlib_renders == 0:
            _zlib_before = pydyf.zlib
            pydyf.zlib = _PDF_ZLIB
        _zlib_renders += 1
    try:
        yield
    finally:
        with _zlib_lock:
            _zlib_renders -= 1
            if _zlib_renders == 0:
                pydyf.zlib = _zlib_before


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
    # pdf.py imports this module; the templates and the code that fills them are its.
    from riskassess.reports import pdf

    digest = hashlib.sha256(weasyprint.__version__.encode())
    sources = [
        Path(pdf.__file__),
        Path(__file__),
        Path(pdf_fetch.__file__),
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
        pdf.TEMPLATE_DIR.parent / "_chart.svg",
    ]
    # report.html and its parts; unavailable.html is a web page.
    templates = [pdf.TEMPLATE_DIR / "report.html", *sorted(pdf.TEMPLATE_DIR.glob("_*.html"))]
    for path in [*sources, *templates]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


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


def write_pdf(markup: str, *, identifier: bytes, tagged: bool) -> bytes:
    """The report's markup (pdf.render_report_html) laid out as PDF bytes.

    `identifier` is the PDF's /ID (16 bytes); `tagged` adds the structure tree
    screen readers use. No time limit here: that is the caller's (pdf_timelimit).
    """
    with cyclic_gc_paused(), glyph_warnings_summed(), pydyf_zlib_at_level_6():
        return ReportHTML(markup).write_pdf(
            stylesheets=list(_stylesheets()),
            font_config=_font_config(),
            presentational_hints=False,
            attachments=[],
            pdf_identifier=identifier,
            pdf_tags=tagged,
        )
