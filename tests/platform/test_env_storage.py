"""STORAGE_URL: private directories by default, an S3-compatible bucket when it says so,
and a clear refusal of anything malformed (riskassess/env_storage.py)."""

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from riskassess import env_storage
from riskassess.env_storage import env_storages

EVIDENCE, REPORTS = Path("/srv/ra/evidence"), Path("/srv/ra/reports")


def parse(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("STORAGE_URL", raising=False)
    else:
        monkeypatch.setenv("STORAGE_URL", value)
    return env_storages("STORAGE_URL", evidence_root=EVIDENCE, reports_root=REPORTS)


@pytest.fixture
def boto3_installed(monkeypatch):
    real = env_storage.importlib.util.find_spec
    monkeypatch.setattr(
        env_storage.importlib.util,
        "find_spec",
        lambda name: object() if name == "boto3" else real(name),
    )


@pytest.mark.parametrize("value", [None, "", "file://"])
def test_by_default_both_are_private_directories(monkeypatch, value):
    storages = parse(monkeypatch, value)
    assert storages["evidence"]["OPTIONS"]["location"] == EVIDENCE
    assert storages["reports"]["OPTIONS"]["location"] == REPORTS
    for entry in storages.values():
        assert entry["BACKEND"] == "django.core.files.storage.FileSystemStorage"
        assert entry["OPTIONS"]["file_permissions_mode"] == 0o600
        assert entry["OPTIONS"]["directory_permissions_mode"] == 0o700


def test_an_s3_url_gives_one_bucket_with_a_folder_each(monkeypatch, boto3_installed):
    storages = parse(
        monkeypatch,
        "s3://audit-files/riskassess?endpoint_url=https://s3.example.org&region_name=eu-west-3",
    )
    for folder in ("evidence", "reports"):
        entry = storages[folder]
        assert entry["BACKEND"] == "storages.backends.s3.S3Storage"
        assert entry["OPTIONS"] == {
            "bucket_name": "audit-files",
            "location": f"riskassess/{folder}",
            "file_overwrite": False,
            "default_acl": None,
            "endpoint_url": "https://s3.example.org",
            "region_name": "eu-west-3",
        }


def test_an_s3_url_without_a_prefix_uses_the_folders_at_the_top(monkeypatch, boto3_installed):
    storages = parse(monkeypatch, "s3://audit-files?addressing_style=virtual")
    assert storages["reports"]["OPTIONS"]["location"] == "reports"
    assert storages["reports"]["OPTIONS"]["addressing_style"] == "virtual"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("ftp://files.example.org/x", "unknown scheme"),
        ("s3://", "s3://bucket"),
        ("s3://key:secret@bucket", "no credentials in the URL"),
        ("s3://bucket:9000", "s3://bucket"),
        ("s3://bucket?acl=public-read", "unknown parameter acl"),
        ("s3://bucket?endpoint_url=ftp://x", "endpoint_url must be an http(s) URL"),
        ("s3://bucket?addressing_style=sideways", "addressing_style must be path or virtual"),
    ],
)
def test_a_malformed_url_is_refused_with_the_reason(monkeypatch, boto3_installed, value, message):
    with pytest.raises(ImproperlyConfigured, match="STORAGE_URL") as refused:
        parse(monkeypatch, value)
    assert message in str(refused.value)


def test_s3_without_boto3_says_what_to_install(monkeypatch):
    real = env_storage.importlib.util.find_spec
    monkeypatch.setattr(
        env_storage.importlib.util,
        "find_spec",
        lambda name: None if name == "boto3" else real(name),
    )
    with pytest.raises(ImproperlyConfigured, match=r"requirements-s3\.txt"):
        parse(monkeypatch, "s3://bucket")
