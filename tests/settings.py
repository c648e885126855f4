"""Test settings: the real settings, with test-only environment defaults.

pytest-django configures Django before any conftest runs, so the defaults
have to be in place when riskassess.settings is imported.
"""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("SECRET_KEY", "tests-only-" + "x" * 60)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
# Tasks run in the request that enqueues them; the tests of the queue pick another backend.
os.environ.setdefault("TASK_BACKEND", "immediate")

from riskassess.settings import *  # noqa: F403

# Fast hashing: tests create many users and log them in.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The test client speaks plain HTTP.
SECURE_SSL_REDIRECT = False
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Rendered PDFs go to a directory of this test process, not var/reports.
_reports = tempfile.mkdtemp(prefix="riskassess-reports-")
atexit.register(shutil.rmtree, _reports, ignore_errors=True)
STORAGES["reports"]["OPTIONS"]["location"] = _reports
# Each test run starts with an empty cache of its own.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# A file, not SQLite's shared-cache memory database: there a second writer fails
# at once with "table is locked" instead of waiting, unlike in production.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"riskassess-test-{os.getpid()}.sqlite3")
    }

# Submitting renders the PDF ahead (a second per submit); the tests that are about
# it turn it on (tests/reports/test_prerender.py).
PDF_PRERENDER_ON_SUBMIT = False

# E-mails are kept in django.core.mail.outbox, never sent (riskassess/notifications).
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
