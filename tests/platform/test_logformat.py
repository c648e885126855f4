"""LOG_FORMAT=json: one JSON object per log record, on one line."""

import json
import logging
import subprocess
import sys

from django.test import RequestFactory

from riskassess.logformat import JSONFormatter, QuietHealthProbes


def record(message: str = "Report %s rendered", *args, **extra) -> logging.LogRecord:
    made = logging.LogRecord(
        "riskassess.reports", logging.WARNING, __file__, 10, message, args or ("r1",), None
    )
    made.__dict__.update(extra)
    return made


def formatted(log_record: logging.LogRecord) -> dict:
    line = JSONFormatter().format(log_record)
    assert len(line.splitlines()) == 1, line
    return json.loads(line)


def test_it_writes_time_level_logger_and_message():
    entry = formatted(record())
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "riskassess.reports"
    assert entry["message"] == "Report r1 rendered"
    assert entry["time"].endswith("+00:00") and "T" in entry["time"]
    assert "exception" not in entry


def test_it_includes_the_exception_with_its_traceback():
    try:
        raise ValueError("layout overflow")
    except ValueError:
        failed = record(exc_info=sys.exc_info())
    entry = formatted(failed)
    assert entry["exception"].startswith("Traceback (most recent call last):")
    assert "ValueError: layout overflow" in entry["exception"]


def test_it_keeps_non_ascii_text_as_written():
    line = JSONFormatter().format(record("Équipe %s — 評価 ✓ مرحبا", "Ωmega"))
    assert "Équipe Ωmega — 評価 ✓ مرحبا" in line
    assert json.loads(line)["message"] == "Équipe Ωmega — 評価 ✓ مرحبا"


def test_line_breaks_in_a_message_stay_inside_one_line():
    message = "first\nsecond\r\nthird\u2028fourth\u2029fifth\x85sixth\x0bseventh"
    entry = formatted(record("%s", message))
    assert entry["message"] == message


def test_it_names_the_request_method_path_and_status_django_passes():
    request = RequestFactory().post("/a/123/pdf/?token=x")
    entry = formatted(record(request=request, status_code=500))
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", "/a/123/pdf/", 500)


def test_it_ignores_a_request_that_is_not_an_http_request():
    # runserver's django.server logger passes the socket under the same name.
    entry = formatted(record(request=object()))
    assert "path" not in entry


def test_it_drops_only_the_503_of_a_health_probe():
    probe = RequestFactory().get("/healthz")
    quiet = QuietHealthProbes()
    assert not quiet.filter(record(request=probe, status_code=503))
    assert quiet.filter(record(request=probe, status_code=500))
    assert quiet.filter(record(request=RequestFactory().get("/a/"), status_code=503))


def _django(code: str, **environ) -> subprocess.CompletedProcess:
    clean = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "riskassess.settings", "DEBUG": "1"}
    # The code is this module's own, fixed text.
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**clean, **environ},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_app_logs_json_lines_with_log_format_json():
    logs = "import logging; logging.getLogger('riskassess.x').warning('a\\nb ✓')"
    result = _django(logs, LOG_FORMAT="json", PYTHONIOENCODING="utf-8")
    assert result.returncode == 0, result.stderr
    [line] = result.stderr.splitlines()
    assert json.loads(line)["message"] == "a\nb ✓"


def test_the_app_logs_the_message_alone_by_default():
    result = _django("import logging; logging.getLogger('riskassess.x').warning('plain')")
    assert result.stderr == "plain\n"


def test_it_refuses_an_unknown_log_format_at_startup():
    result = _django("", LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "LOG_FORMAT='xml' is not one of: text, json." in result.stderr
