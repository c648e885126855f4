"""Rendered PDFs in shared storage (STORAGES["reports"]), named by their cache key.

A PDF's key (pdf.cache_key) is its report's fingerprint plus what else it prints,
so the same key always means the same file: any app server serves a file that
another one, or a task worker, rendered, and an unchanged report is never
rendered again. The default storage is a private directory (REPORTS_ROOT); several
servers share an S3-compatible bucket (STORAGE_URL, riskassess/env_storage.py).

Storage only saves work, like a cache: a file that cannot be read is a miss and
is rendered again; one that cannot be written is logged and served anyway.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages

logger = logging.getLogger(__name__)


def reports_storage() -> Storage:
    return storages["reports"]


def name_of(key: str) -> str:
    """The file's name: a digest of the key (keys hold characters no storage likes)."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return f"pdf/{digest[:2]}/{digest}.pdf"


def load(key: str) -> bytes | None:
    storage = reports_storage()
    name = name_of(key)
    try:
        with storage.open(name, "rb") as stored:
            return stored.read()
    except FileNotFoundError:
        return None
    except Exception:
        logger.exception("Could not read the stored PDF %s", name)
        return None


def save(key: str, pdf: bytes) -> None:
    """Store the PDF under its key, unless a server already did (same key, same file)."""
    storage = reports_storage()
    name = name_of(key)
    try:
        if not storage.exists(name):
            stored = storage.save(name, ContentFile(pdf))
            # Two servers rendering the same report at once: the storage gave the
            # second file another name. The first one is the same PDF; drop ours.
            if stored != name:
                storage.delete(stored)
    except Exception:
        logger.exception("Could not store the PDF %s", name)
