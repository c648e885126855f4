"""/healthz: may a load balancer send this app server requests?

Two checks decide: the database answers a trivial query, and the evidence and
PDF storages take a small file and let it be deleted again. Anonymous callers get
`{"status": "ok"}` (200) or `{"status": "not ok"}` (503) and nothing more: no
check names, no errors, no timings. Staff (is_staff) also get each check's
result, its time and its error. The task queue's depth and the age of its
oldest task are reported to staff but never fail the check: a backlog is no
reason to take app servers out of the pool.

The causes stay on the server: a check that starts failing is logged once with
its error, and once again when it recovers, not on every probe
(logformat.QuietHealthProbes keeps django.request quiet about the 503s).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable

from django.contrib.auth.decorators import login_not_required
from django.core.files.base import ContentFile
from django.db import connections
from django.db.models import Count, Min
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from riskassess.evidence.storage import evidence_storage
from riskassess.reports.pdf_store import reports_storage

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_storage() -> None:
    """Write a small file to the evidence and the PDF storage and delete it (any backend)."""
    for storage in (evidence_storage(), reports_storage()):
        name = storage.save(f"healthz-{uuid.uuid4().hex}.tmp", ContentFile(b"ok"))
        storage.delete(name)


def task_queue_status() -> dict:
    """How many tasks wait in the database queue, and the age in seconds of the oldest.

    None for both when tasks run in the request (the immediate backend). Reported
    to staff only; it never makes the status "not ok".
    """
    backend = task_backends["default"]
    if not isinstance(backend, DatabaseBackend):
        return {"backend": type(backend).__name__, "depth": None, "oldest_age_seconds": None}
    waiting = DBTaskResult.objects.ready().filter(backend_name=backend.alias)
    summary = waiting.aggregate(depth=Count("pk"), oldest=Min("enqueued_at"))
    oldest = summary["oldest"]
    age = round((timezone.now() - oldest).total_seconds(), 1) if oldest else None
    return {"backend": "database", "depth": summary["depth"], "oldest_age_seconds": age}


# What decides "ok": each raises when its part is not usable.
CHECKS: dict[str, Callable[[], None]] = {"database": check_database, "storage": check_storage}

_failing: set[str] = set()
_failing_lock = threading.Lock()


def _note(name: str, error: Exception | None) -> None:
    """Log a check's change of state (this process's view), not every probe."""
    with _failing_lock:
        was_failing = name in _failing
        if error is not None and not was_failing:
            _failing.add(name)
        elif error is None and was_failing:
            _failing.discard(name)
        else:
            return
    if error is not None:
        logger.error("Health check %s failing: %s: %s", name, type(error).__name__, error)
    else:
        logger.warning("Health check %s ok again", name)


def run_checks() -> dict[str, dict]:
    results = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        error = None
        try:
            check()
        except Exception as exc:
            error = exc
        result = {"ok": error is None, "ms": round((time.perf_counter() - started) * 1000, 1)}
        if error is not None:
            result["error"] = f"{type(error).__name__}: {error}"[:300]
        _note(name, error)
        results[name] = result
    return results


# GET and HEAD only, which change nothing: exempt from CSRF so that any other
# method gets 405 rather than the CSRF failure page.
@csrf_exempt
@login_not_required
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    results = run_checks()
    ok = all(result["ok"] for result in results.values())
    body: dict = {"status": "ok" if ok else "not ok"}
    # A probe without a session cookie costs no query here. (A staff session is
    # read from the database by LoginRequiredMiddleware, before this view: with
    # the database down, a staff browser gets the error page, a probe does not.)
    if request.user.is_staff:
        body["checks"] = results
        body["task_queue"] = task_queue_status()
    return JsonResponse(body, status=200 if ok else 503)
