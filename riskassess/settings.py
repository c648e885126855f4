"""riskassess settings, all read from the environment (see README, "Configuration").

Development (``DEBUG=1``) works with no other variable set. Production refuses
to start without a real ``SECRET_KEY`` and ``ALLOWED_HOSTS``.
"""

from datetime import timedelta
from pathlib import Path

import xstatic.pkg.bootstrap
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from riskassess.env import (
    env_bool,
    env_cache,
    env_choice,
    env_database,
    env_email,
    env_import_path,
    env_int,
    env_list,
    env_site_url,
    env_str,
    env_timezone,
)
from riskassess.env_storage import env_storages

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
# The default SQLite file and collected static files live here (git ignores it).
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if SECRET_KEY is None:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random string in production "
            "(or DEBUG=1 for development, which uses an insecure built-in key)."
        )
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"  # noqa: S105
elif not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured("SECRET_KEY is too weak for production: use 50+ random characters.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is not set: list the host names the app serves.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "riskassess.errors.csrf_failure"

INSTALLED_APPS = [
    "riskassess.accounts",
    "riskassess.checklist",
    "riskassess.deployments",
    "riskassess.assessments",
    "riskassess.reports",
    "riskassess.evidence",
    "riskassess.actions",
    "riskassess.discussion",
    "riskassess.notifications",
    "riskassess.work",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "axes",
    "django_htmx",
    # Django's task interface (the django-tasks backport of Django 6's django.tasks)
    # and its database queue (riskassess/reports/tasks.py).
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A NUL byte in a URL: 400 before sessions, views or queries see it.
    "riskassess.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # request.htmx: a fragment for htmx, the whole page otherwise.
    "django_htmx.middleware.HtmxMiddleware",
    # Records the request's user on every audited change.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Pages show a team's data: Cache-Control: private, no-store unless a view says otherwise.
    "riskassess.middleware.PrivateNoStoreMiddleware",
    # Last, as django-axes asks: it turns lockouts into a response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Counts failed logins and refuses locked-out accounts and addresses first.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "riskassess.urls"
WSGI_APPLICATION = "riskassess.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # unread_count for the navigation's badge: a query only if a page shows it.
                "riskassess.notifications.context.unread",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'riskassess.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_timezone("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Bootstrap comes from the installed xstatic package: no CDN, no vendored copy.
    ("bootstrap", xstatic.pkg.bootstrap.BASE_DIR),
]
# Evidence files (riskassess/evidence): private, outside STATIC_ROOT and any served
# URL, downloaded only through an access-checked view; a deployment may name another
# backend for "evidence" below. Limits: one file, and all the files of one assessment.
EVIDENCE_ROOT = Path(env_str("EVIDENCE_ROOT", str(VAR_DIR / "evidence")))
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 20 * 1024 * 1024, minimum=1)
EVIDENCE_MAX_TOTAL_BYTES = env_int(
    "EVIDENCE_MAX_TOTAL_BYTES", 200 * 1024 * 1024, minimum=EVIDENCE_MAX_BYTES
)
# Rendered PDFs (riskassess/reports/pdf_store.py), named by their report's
# fingerprint: every app server reads the file one of them rendered.
REPORTS_ROOT = Path(env_str("REPORTS_ROOT", str(VAR_DIR / "reports")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Private directories by default; S3-compatible object storage when STORAGE_URL
    # says so (riskassess/env_storage.py, README "Running on several servers").
    **env_storages("STORAGE_URL", evidence_root=EVIDENCE_ROOT, reports_root=REPORTS_ROOT),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Django's cache: rendered PDFs by report fingerprint, and recently failed PDF
# renders (reports/pdf.py, pdf_limits.py). Both only save work: an empty or lost
# cache changes no answer. The default file cache is shared by one machine's
# workers; several app servers share a Redis one (CACHE_URL).
CACHES = {
    "default": env_cache(
        "CACHE_URL", (VAR_DIR / "cache").as_uri(), timeout=7 * 24 * 3600, max_entries=1000
    )
}

# Background tasks through Django's task interface (riskassess/reports/tasks.py):
# "database" queues them in the database for `manage.py db_worker` (make serve starts
# one; run more on other machines), "immediate" runs them in the request that asks.
TASK_BACKEND = env_choice(
    "TASK_BACKEND", "immediate" if DEBUG else "database", ("immediate", "database")
)
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
        }[TASK_BACKEND]
    }
}

# Render a report's PDF when the assessment is submitted (a task), so that
# reviewers' downloads find it stored (riskassess/reports/receivers.py).
PDF_PRERENDER_ON_SUBMIT = env_bool("PDF_PRERENDER_ON_SUBMIT", True)
# Bounds on PDF renders (riskassess/reports/pdf.py, pdf_limits.py): seconds one
# render may take (0: no limit); seconds a failed or timed-out render of a report
# is remembered, so its downloads get the "could not be prepared" page at once
# instead of taking a worker again (0: not remembered); renders at once per process.
PDF_RENDER_TIMEOUT = env_int("PDF_RENDER_TIMEOUT", 30, minimum=0)
PDF_FAILURE_TTL = env_int("PDF_FAILURE_TTL", 600, minimum=0)
PDF_MAX_CONCURRENT_RENDERS = env_int("PDF_MAX_CONCURRENT_RENDERS", 1, minimum=1)
# A tagged PDF carries its structure (headings, tables, reading order) for screen
# readers; it costs about 2 % of render time (docs/performance.md).
PDF_TAGGED = env_bool("PDF_TAGGED", True)

# Source maps are for developers; compressing them made collectstatic take 30 s.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail (riskassess/notifications): one message per notification, sent after the
# change commits; a failure is logged, never shown to the user who caused it.
EMAIL_BACKEND = env_import_path(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "EMAIL_USE_TLS and EMAIL_USE_SSL are both on: use one (TLS: STARTTLS, often port "
        "587; SSL: implicit TLS, often port 465)."
    )
# Seconds an SMTP connection may take: sending happens in the request that caused it.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_email("DEFAULT_FROM_EMAIL", "riskassess <riskassess@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Links in e-mails: this address plus the page's path (no path of its own).
SITE_URL = env_site_url("SITE_URL", "http://127.0.0.1:8000")

# Sessions and cookies: short-lived, never readable by scripts. Database sessions
# that refuse a malformed cookie before it reaches a query (riskassess/sessions.py).
SESSION_ENGINE = "riskassess.sessions"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # "preload" only matters once the domain is submitted to the browsers' list.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    # Load balancers probe /healthz over plain HTTP on the app's own port, without
    # X-Forwarded-Proto, and count a redirect as a failure. Anonymous callers get
    # only ok / not ok there; staff details need the session cookie, sent only
    # over HTTPS (SESSION_COOKIE_SECURE).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    if env_bool("SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy: our own scripts, styles and images only; nothing inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}

# Login throttling (django-axes): after 5 failures, an account and an address
# are each locked out for 15 minutes. Unknown usernames count like real ones,
# so the lockout reveals nothing about which accounts exist.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
# By default failures are counted per account *and* address together: behind a
# proxy, or on one office network, many users share an address, and locking the
# address alone locks them all out because of one person's typos; locking the
# account alone lets anyone lock a colleague out. LOGIN_LOCKOUT_BY=separate
# locks an account, and separately an address (stricter against guessing one
# password from many addresses, at that price). The address is the client's as
# the trusted proxies report it (TRUSTED_PROXY_COUNT, accounts/clientip.py).
LOGIN_LOCKOUT_BY = env_choice("LOGIN_LOCKOUT_BY", "combined", ("combined", "separate"))
AXES_LOCKOUT_PARAMETERS = (
    [["username", "ip_address"]] if LOGIN_LOCKOUT_BY == "combined" else ["username", "ip_address"]
)
AXES_CLIENT_IP_CALLABLE = "riskassess.accounts.clientip.client_ip"
# How many reverse proxies in front of the app append to X-Forwarded-For; 0
# (the default) believes no header and uses the connection's address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# LOG_FORMAT=json: one JSON object per line (riskassess/logformat.py) for a log
# collector; text (the default) is the message alone, as it always was.
LOG_FORMAT = env_choice("LOG_FORMAT", "text", ("text", "json"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(message)s"},
        "json": {"()": "riskassess.logformat.JSONFormatter"},
    },
    "filters": {"quiet_health_probes": {"()": "riskassess.logformat.QuietHealthProbes"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Tracebacks go to the log; users see templates/500.html.
    "loggers": {
        "django.request": {
            "handlers": ["console"],
            "level": "ERROR",
            "propagate": False,
            # A load balancer polls /healthz every few seconds: a failing check is
            # logged once when it starts failing (riskassess/health.py), not per poll.
            "filters": ["quiet_health_probes"],
        },
        # WeasyPrint narrates every render at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # django-axes logs every login at INFO; failures and lockouts still show.
        "axes": {"level": "WARNING"},
    },
}
