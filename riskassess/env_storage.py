"""STORAGES entries for the private files, from one URL in the environment.

Two kinds of private file are kept through Django's storage API: evidence files
(riskassess/evidence) and rendered PDFs (riskassess/reports/pdf_store.py). On one
machine both live in private directories; on several app servers they must live
where every server reads them, so STORAGE_URL names an S3-compatible bucket:

    s3://bucket[/prefix]?endpoint_url=https://s3.example.org&region_name=eu-west-1

with `endpoint_url` (for MinIO, Ceph, Scaleway… leave it out for AWS),
`region_name` and `addressing_style` (path or virtual) as optional parameters.
Evidence goes under `<prefix>/evidence/`, PDFs under `<prefix>/reports/`.
Credentials never go in the URL: boto3 reads AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY (or an instance role) itself. The S3 backend needs boto3,
which is not installed by default: `pip install -r requirements-s3.txt`.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from django.core.exceptions import ImproperlyConfigured

FILE_SYSTEM = "django.core.files.storage.FileSystemStorage"
S3 = "storages.backends.s3.S3Storage"
S3_PARAMETERS = ("endpoint_url", "region_name", "addressing_style")
USAGE = "use file:// (private directories) or s3://bucket[/prefix]?endpoint_url=https://…"


def _private_directory(location: Path) -> dict:
    return {
        "BACKEND": FILE_SYSTEM,
        "OPTIONS": {
            "location": location,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }


def env_storages(name: str, *, evidence_root: Path, reports_root: Path) -> dict[str, dict]:
    """The "evidence" and "reports" entries of STORAGES, from the URL in `name`."""
    value = (os.environ.get(name) or "").strip()
    if value in ("", "file://"):
        return {
            "evidence": _private_directory(evidence_root),
            "reports": _private_directory(reports_root),
        }
    try:
        parts = urlsplit(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a storage URL: {USAGE}.") from None
    if parts.scheme != "s3":
        raise ImproperlyConfigured(f"{name}={value!r}: unknown scheme; {USAGE}.")
    if "@" in parts.netloc:
        raise ImproperlyConfigured(
            f"{name}: no credentials in the URL; set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY instead."
        )
    bucket = parts.hostname or ""
    if not bucket or parts.port is not None or parts.fragment:
        raise ImproperlyConfigured(f"{name}={value!r}: {USAGE}.")
    parameters = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = sorted(set(parameters) - set(S3_PARAMETERS))
    if unknown:
        raise ImproperlyConfigured(
            f"{name}: unknown parameter {', '.join(unknown)}; known: {', '.join(S3_PARAMETERS)}."
        )
    endpoint = parameters.get("endpoint_url")
    if endpoint is not None and urlsplit(endpoint).scheme not in ("http", "https"):
        raise ImproperlyConfigured(f"{name}: endpoint_url must be an http(s) URL.")
    if parameters.get("addressing_style", "path") not in ("path", "virtual"):
        raise ImproperlyConfigured(f"{name}: addressing_style must be path or virtual.")
    if importlib.util.find_spec("boto3") is None:
        raise ImproperlyConfigured(
            f"{name} names S3 storage, which needs boto3: pip install -r requirements-s3.txt."
        )
    prefix = parts.path.strip("/")

    def s3(folder: str) -> dict:
        return {
            "BACKEND": S3,
            "OPTIONS": {
                "bucket_name": bucket,
                "location": f"{prefix}/{folder}" if prefix else folder,
                # Never overwrite: an evidence name is unique, a PDF's name is its content.
                "file_overwrite": False,
                # The bucket's own policy decides access (keep it private); no ACL sent,
                # which buckets with ACLs disabled would refuse.
                "default_acl": None,
                **parameters,
            },
        }

    return {"evidence": s3("evidence"), "reports": s3("reports")}
