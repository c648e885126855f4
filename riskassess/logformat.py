"""How log records are written: LOG_FORMAT=json, and quiet health probes (settings.LOGGING).

No Django imports: logging is configured while Django sets itself up.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

# Line breaks that json.dumps leaves as they are (it escapes only U+0000-U+001F):
# a collector that splits lines the way Python's str.splitlines does would cut a
# record in two at them.
_LINE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}
HEALTH_PATH = "/healthz"


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and when present the
    exception's traceback, the stack, and the request's method, path and status.

    Text stays as written (non-ASCII is not escaped); line breaks inside the
    message or traceback are escaped by JSON, so a record is always one line.
    There is no request id: nothing in the app assigns one.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # Django's request loggers (django.request, django.security.*) pass the
        # request; runserver's django.server passes a socket under the same name.
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if isinstance(path, str):
            entry["method"] = getattr(request, "method", None)
            entry["path"] = path
        status = getattr(record, "status_code", None)
        if isinstance(status, int):
            entry["status"] = status
        # Cached on the record, as logging.Formatter does, for other handlers.
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        line = json.dumps(entry, ensure_ascii=False, default=str)
        for char, escaped in _LINE_BREAKS.items():
            line = line.replace(char, escaped)
        return line


class QuietHealthProbes(logging.Filter):
    """Drops django.request's "Service Unavailable: /healthz" line.

    A load balancer asks every few seconds; while a check fails, that would be
    one error line per probe. riskassess/health.py logs a check's failure once
    when it starts, with its cause, and once when it recovers. Any other
    status of /healthz (a 500: a bug in the view) is still logged.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        probed = getattr(request, "path_info", None) == HEALTH_PATH
        return not (probed and getattr(record, "status_code", None) == 503)
