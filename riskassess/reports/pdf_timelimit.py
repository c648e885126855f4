"""The PDF render's time limit: settings.PDF_RENDER_TIMEOUT seconds (default 30, 0 for
none), enforced with SIGALRM when the render runs in the main thread (`time_limit`)."""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager

from django.conf import settings

from riskassess.reports.pdf_limits import PDFUnavailable

__all__ = ["PDFRenderTimeout", "time_limit", "timeout_seconds"]

DEFAULT_TIMEOUT = 30.0


class PDFRenderTimeout(PDFUnavailable):
    """Rendering took longer than settings.PDF_RENDER_TIMEOUT seconds."""


def timeout_seconds() -> float:
    return float(getattr(settings, "PDF_RENDER_TIMEOUT", DEFAULT_TIMEOUT) or 0)


# Where the time limit's alarm does not raise: context managers' exits, logging,
# and this package's own code around the render (see `time_limit`). The names are
# prefixes: "riskassess.reports.pdf" is pdf.py and every pdf_* module beside it,
# among them pdf_engine (the collector's pause, pydyf's zlib put back),
# pdf_limits (the log filter) and this module's own exit.
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
