"""Read settings from the environment, refusing malformed values.

A typo in a deployment's environment must stop the app with a message that
names the variable, not silently fall back to a default (``DEBUG=flase``
would otherwise mean "off" in one place and "on" in another).
"""

from __future__ import annotations

import os
import re
from email.utils import parseaddr
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_DOTTED = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+")


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_str(name: str, default: str | None = None) -> str | None:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name}={number} must be at most {maximum}.")
    return number


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of: {', '.join(choices)}.")
    return value.lower()


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    items = [part.strip() for part in value.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(
            f"{name}={value!r} has an empty entry: separate values with commas."
        )
    return items


def env_timezone(name: str, default: str) -> str:
    value = env_str(name, default)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a known time zone (e.g. UTC, Europe/Paris)."
        ) from None
    return value


def env_database(name: str, default: str) -> dict:
    value = env_str(name, default)
    try:
        config = dj_database_url.parse(value, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not a valid database URL: {exc}") from None
    supported = ("django.db.backends.sqlite3", "django.db.backends.postgresql")
    if config.get("ENGINE") not in supported:
        raise ImproperlyConfigured(
            f"{name} must start with sqlite:/// or postgres:// (got {value.split(':', 1)[0]}://)."
        )
    if config["ENGINE"].endswith("sqlite3"):
        # SQLite connections are cheap; keeping them open across threads is not.
        config["CONN_MAX_AGE"] = 0
        config["CONN_HEALTH_CHECKS"] = False
        # BEGIN IMMEDIATE takes the write lock when a transaction starts, so two
        # writers queue instead of one failing with "database is locked" half-way,
        # and a version check made inside a transaction cannot go stale.
        config["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    return config


def env_site_url(name: str, default: str) -> str:
    """An http(s) address with a host and no path, query or fragment, without the
    trailing slash: links in e-mails are built as this plus a site-relative path."""
    value = env_str(name, default)
    problem = f"{name}={value!r} is not a site address: use e.g. https://riskassess.example.org"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError for a malformed port)
    except ValueError:
        raise ImproperlyConfigured(problem + ".") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(problem + " (http:// or https:// and a host name).")
    if parts.username is not None or parts.password is not None:
        raise ImproperlyConfigured(problem + " (no user name or password in it).")
    if parts.path not in ("", "/") or parts.query or parts.fragment or "#" in value:
        raise ImproperlyConfigured(problem + " (no path, query or fragment after the host).")
    return f"{parts.scheme}://{parts.netloc}"


def env_email(name: str, default: str) -> str:
    """An e-mail address, alone or with a display name: `riskassess <noreply@x.org>`."""
    value = env_str(name, default)
    _, address = parseaddr(value)
    try:
        validate_email(address)
    except ValidationError:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not an e-mail address (e.g. riskassess <noreply@example.org>)."
        ) from None
    return value


def env_import_path(name: str, default: str) -> str:
    """A dotted Python path such as django.core.mail.backends.smtp.EmailBackend (its
    shape only: importing it here, while settings load, could import settings)."""
    value = env_str(name, default)
    if not _DOTTED.fullmatch(value):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a dotted Python path "
            "(e.g. django.core.mail.backends.smtp.EmailBackend)."
        )
    return value


# Seconds a Redis cache may take to connect or answer: one that hangs must not
# hold a request for long (what the app caches only saves work).
_REDIS_SOCKET_TIMEOUT = 2.0


def _without_password(value: str) -> str:
    """The URL as it can be printed: a Redis URL may carry a password."""
    return re.sub(r"(://[^/@]*?:)[^@]*@", r"\1***@", value)


def env_cache(name: str, default: str, *, timeout: int, max_entries: int) -> dict:
    """One CACHES entry from a URL: `locmem://`, `file:///absolute/directory`, or
    `redis://[:password@]host[:port][/db]` (`rediss://` for TLS).

    `timeout` is every entry's lifetime in seconds; `max_entries` bounds the
    local-memory and file caches (Redis evicts by its own `maxmemory` policy).
    """
    value = env_str(name, default)
    shown = _without_password(value)
    usage = "use locmem://, file:///absolute/directory or redis://host:6379/0"
    try:
        parts = urlsplit(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={shown!r} is not a cache URL: {usage}.") from None
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(f"{name}={shown!r}: the port must be 1-65535.") from None
    scheme = parts.scheme
    if parts.query or parts.fragment or "#" in value:
        raise ImproperlyConfigured(f"{name}={shown!r}: no query or fragment in a cache URL.")
    common = {"TIMEOUT": timeout}
    if scheme == "locmem":
        if parts.path not in ("", "/") or parts.username or port is not None:
            raise ImproperlyConfigured(
                f"{name}={shown!r}: a local-memory cache is just locmem:// (or locmem://name)."
            )
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": parts.hostname or "",
            **common,
            "OPTIONS": {"MAX_ENTRIES": max_entries},
        }
    if scheme == "file":
        directory = unquote(parts.path)
        if parts.netloc or not directory.startswith("/") or directory == "/":
            raise ImproperlyConfigured(
                f"{name}={shown!r}: a file cache needs an absolute directory, three slashes "
                "and the path: file:///var/cache/riskassess."
            )
        return {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": directory,
            **common,
            "OPTIONS": {"MAX_ENTRIES": max_entries},
        }
    if scheme in ("redis", "rediss"):
        if not parts.hostname:
            raise ImproperlyConfigured(
                f"{name}={shown!r}: a Redis cache needs a host: redis://host:6379/0."
            )
        if port == 0:
            raise ImproperlyConfigured(f"{name}={shown!r}: the port must be 1-65535.")
        database = parts.path.strip("/")
        if database and not re.fullmatch(r"[0-9]+", database):
            raise ImproperlyConfigured(
                f"{name}={shown!r}: the Redis database is a number after the host "
                "(redis://host:6379/0)."
            )
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": value,
            **common,
            "OPTIONS": {
                "socket_connect_timeout": _REDIS_SOCKET_TIMEOUT,
                "socket_timeout": _REDIS_SOCKET_TIMEOUT,
            },
        }
    raise ImproperlyConfigured(f"{name}={shown!r} is not a cache URL: {usage}.")
