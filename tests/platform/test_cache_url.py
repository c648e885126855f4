"""CACHE_URL: the cache backend from one URL, malformed values refused at startup."""

import socket
import subprocess
import sys
import uuid

import pytest
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured

from riskassess import env
from riskassess import settings as project_settings

WEEK = 7 * 24 * 3600
REDIS = ("127.0.0.1", 6379)


def cache_from(monkeypatch, url: str) -> dict:
    monkeypatch.setenv("X_CACHE", url)
    return env.env_cache("X_CACHE", "locmem://", timeout=WEEK, max_entries=1000)


def test_it_keeps_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("X_CACHE", raising=False)
    config = env.env_cache("X_CACHE", "file:///srv/cache", timeout=WEEK, max_entries=1000)
    assert config["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert config["LOCATION"] == "/srv/cache"
    assert (config["TIMEOUT"], config["OPTIONS"]) == (WEEK, {"MAX_ENTRIES": 1000})


def test_the_settings_default_is_todays_file_cache_under_var():
    # tests/settings.py swaps in a local-memory cache; the project's own default is this.
    default = project_settings.CACHES["default"]
    assert default["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert default["LOCATION"] == str(project_settings.VAR_DIR / "cache")


def test_it_reads_a_local_memory_cache(monkeypatch):
    config = cache_from(monkeypatch, "locmem://")
    assert config["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert config["OPTIONS"] == {"MAX_ENTRIES": 1000}


def test_it_reads_a_file_cache_with_an_absolute_directory(monkeypatch):
    config = cache_from(monkeypatch, "file:///var/cache/risk%20assess")
    assert config["LOCATION"] == "/var/cache/risk assess"


@pytest.mark.parametrize(
    "url", ["redis://cache.internal:6380/2", "redis://:s3cret@cache.internal", "rediss://h/0"]
)
def test_it_reads_a_redis_cache_with_bounded_waits(monkeypatch, url):
    config = cache_from(monkeypatch, url)
    assert config["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert config["LOCATION"] == url
    assert config["TIMEOUT"] == WEEK
    # Redis evicts by its own policy: Django's MAX_ENTRIES would reach redis-py as a bad option.
    assert "MAX_ENTRIES" not in config["OPTIONS"]
    assert config["OPTIONS"]["socket_connect_timeout"] <= 2


@pytest.mark.parametrize(
    "url, message",
    [
        ("memcached://cache:11211", "is not a cache URL: use locmem://, file:///"),
        ("cache.internal:6379", "is not a cache URL"),
        ("file://var/cache", "a file cache needs an absolute directory"),
        ("file:///", "a file cache needs an absolute directory"),
        ("redis://:6379/0", "a Redis cache needs a host"),
        ("redis://cache:port/0", "the port must be 1-65535"),
        ("redis://cache:70000/0", "the port must be 1-65535"),
        ("redis://cache:0/0", "the port must be 1-65535"),
        ("redis://cache:6379/zero", "the Redis database is a number"),
        ("redis://cache:6379/0?timeout=1", "no query or fragment"),
        ("locmem:///tmp", "a local-memory cache is just locmem://"),
    ],
)
def test_it_refuses_a_malformed_cache_url_naming_the_variable(monkeypatch, url, message):
    with pytest.raises(ImproperlyConfigured, match=f"^X_CACHE=.*{message}"):
        cache_from(monkeypatch, url)


def test_it_never_prints_a_redis_password(monkeypatch):
    with pytest.raises(ImproperlyConfigured) as refused:
        cache_from(monkeypatch, "redis://user:s3cret@cache:port/0")
    assert "s3cret" not in str(refused.value)
    assert "redis://user:***@cache:port/0" in str(refused.value)


def test_it_refuses_a_malformed_cache_url_at_startup():
    environ = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "riskassess.settings"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**environ, "DEBUG": "1", "CACHE_URL": "redis://"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "CACHE_URL='redis://': a Redis cache needs a host" in result.stderr


def _redis_reachable() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(
    not _redis_reachable(),
    reason="no Redis server on 127.0.0.1:6379 (apt-get install redis-server; .ci/run starts it)",
)
def test_it_stores_and_reads_through_a_configured_redis_cache(monkeypatch, settings):
    config = cache_from(monkeypatch, "redis://127.0.0.1:6379/15")
    settings.CACHES = {**settings.CACHES, "redis": config}
    cache = caches["redis"]
    key = f"riskassess-test:{uuid.uuid4().hex}"
    try:
        cache.set(key, {"pdf": b"%PDF-1.7 \xe2\x9c\x93"}, 60)
        assert cache.get(key) == {"pdf": b"%PDF-1.7 \xe2\x9c\x93"}
    finally:
        cache.delete(key)
        cache.close()
