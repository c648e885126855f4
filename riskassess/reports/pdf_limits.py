"""What keeps PDF renders from taking the server: a failure memory and a cap on renders at once.

What a report prints is bounded (pdf_context.printable), so a render of any
report should take seconds. These are for when one does not anyway: a slow
host, a WeasyPrint bug, a layout nobody foresaw.

- **Failure memory.** A render that fails or hits the time limit is remembered
  in Django's cache, under the key of the PDF it would have made, for
  settings.PDF_FAILURE_TTL seconds (default 600; 0 remembers nothing). Until
  then a download of the same report gets `PDFRecentlyFailed` at once, instead
  of another 30 seconds of a worker's time: without it, every reader of one bad
  report took a worker for the whole time limit. The cache is shared by the
  workers (a file cache in production), so one failure is enough for all.
  Changed data or a new layout is a new key, and is rendered.
- **Renders at once.** At most settings.PDF_MAX_CONCURRENT_RENDERS (default 1)
  renders run in one process; a request that finds no free slot within
  SLOT_WAIT seconds gets `PDFBusy`. Gunicorn's sync workers serve one request
  at a time, so there the cap changes nothing; in a threaded server it keeps
  PDF renders from taking every thread.

The web view turns each into a 503 page with links to the JSON and CSV
exports (views.report_pdf).

- **Log lines.** WeasyPrint logs a warning per glyph it draws as a box;
  `glyph_warnings_summed` lets a few through per render and sums up the rest.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

DEFAULT_FAILURE_TTL = 600
DEFAULT_MAX_CONCURRENT = 1
# Long enough for a render that is about to finish to make room, short enough
# that a waiting request does not hold its thread for long.
SLOT_WAIT = 2.0
BUSY_RETRY_AFTER = 10


class PDFUnavailable(Exception):
    """The PDF cannot be given now; the JSON and CSV exports can."""

    retry_after = 120


class PDFRecentlyFailed(PDFUnavailable):
    """A render of this very report failed or timed out a short while ago."""

    def __init__(self, failure: dict):
        self.failure = failure
        self.retry_after = max(int(failure["until"] - time.time()), 1)
        what = "timed out" if failure["timed_out"] else f"failed ({failure['error']})"
        super().__init__(
            f"A render of this report {what} {int(time.time() - failure['at'])} s ago; "
            f"not tried again for {self.retry_after} s."
        )


class PDFBusy(PDFUnavailable):
    """Every render slot of this process is taken."""

    retry_after = BUSY_RETRY_AFTER


class PDFRenderFailed(PDFUnavailable):
    """The renderer raised an error (the original is chained as __cause__)."""


def failure_ttl() -> int:
    return int(getattr(settings, "PDF_FAILURE_TTL", DEFAULT_FAILURE_TTL) or 0)


def cached(key: str):
    """The cache's value for `key`, or None, also when the cache cannot be reached (a
    Redis server down): the cache only saves work, so its failure is a miss, logged."""
    try:
        return cache.get(key)
    except Exception:
        logger.exception("Could not read the cache for %s", key)
        return None


def keep(key: str, value, ttl=None) -> None:
    """Store `value` in the cache if it can be reached; a failure is logged, not raised."""
    try:
        if ttl is None:
            cache.set(key, value)
        else:
            cache.set(key, value, ttl)
    except Exception:
        logger.exception("Could not write the cache for %s", key)


def _failure_key(pdf_key: str) -> str:
    return f"{pdf_key}:failed"


def recent_failure(pdf_key: str) -> dict | None:
    """The remembered failure of the render that would produce `pdf_key`, if any."""
    if failure_ttl() <= 0:
        return None
    failure = cached(_failure_key(pdf_key))
    return failure if failure and failure["until"] > time.time() else None


def remember_failure(pdf_key: str, error: BaseException, *, timed_out: bool) -> None:
    ttl = failure_ttl()
    if ttl <= 0:
        return
    failure = {
        "timed_out": timed_out,
        "error": type(error).__name__,
        "at": time.time(),
        "until": time.time() + ttl,
    }
    # The render's own error matters more than a cache that cannot be written.
    keep(_failure_key(pdf_key), failure, ttl)


_slots_lock = threading.Lock()
_slots: dict[int, threading.BoundedSemaphore] = {}


def max_concurrent() -> int:
    return max(int(getattr(settings, "PDF_MAX_CONCURRENT_RENDERS", DEFAULT_MAX_CONCURRENT)), 1)


def _semaphore() -> threading.BoundedSemaphore:
    # One per value of the setting, so that a test's override takes effect.
    size = max_concurrent()
    with _slots_lock:
        return _slots.setdefault(size, threading.BoundedSemaphore(size))


@contextmanager
def render_slot(wait: float | None = None):
    """Hold one of this process's render slots for the block, or raise PDFBusy."""
    semaphore = _semaphore()
    if not semaphore.acquire(timeout=SLOT_WAIT if wait is None else wait):
        raise PDFBusy(f"{max_concurrent()} PDF render(s) already running in this process.")
    try:
        yield
    finally:
        semaphore.release()


# Warnings of one kind (a missing glyph, or any one repeated message) that a
# render logs before it only counts them.
GLYPH_WARNINGS = 3


class _WarningCounter(logging.Filter):
    """On the "weasyprint" logger during one render: a few missing-glyph warnings and a
    few of any other repeated warning go through, the rest are only counted.

    WeasyPrint logs a warning for every glyph it draws as a box because no
    installed font has it: a comment of 10,000 emoji made 10,000 log lines per
    render. Records of other threads (other renders) are left alone.
    """

    def __init__(self):
        super().__init__()
        self.thread = threading.get_ident()
        self.seen: dict[object, int] = {}
        self.missing: dict[int, int] = {}
        self.dropped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if record.thread != self.thread:
            return True
        glyph = str(record.msg).startswith(".notdef glyph")
        kind = "missing glyph" if glyph else (str(record.msg), str(record.args))
        self.seen[kind] = self.seen.get(kind, 0) + 1
        if glyph and record.args and isinstance(record.args[-1], int):
            codepoint = record.args[-1]
            self.missing[codepoint] = self.missing.get(codepoint, 0) + 1
        if self.seen[kind] <= GLYPH_WARNINGS:
            return True
        self.dropped += 1
        return False


@contextmanager
def glyph_warnings_summed():
    """Install a `_WarningCounter` for the block, then log one line for what it held back."""
    weasyprint_logger = logging.getLogger("weasyprint")
    counter = _WarningCounter()
    weasyprint_logger.addFilter(counter)
    try:
        yield counter
    finally:
        weasyprint_logger.removeFilter(counter)
        if counter.dropped:
            characters = " ".join(f"U+{code:04X}" for code in list(counter.missing)[:8])
            logger.warning(
                "PDF render: %d more WeasyPrint warnings not logged; %d glyphs drawn as boxes "
                "because no installed font has them (%d characters: %s%s)",
                counter.dropped,
                counter.seen.get("missing glyph", 0),
                len(counter.missing),
                characters,
                " …" if len(counter.missing) > 8 else "",
            )
