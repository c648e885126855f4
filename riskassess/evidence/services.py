"""Adding and removing evidence: each a keyword-only function, one transaction.

A file is checked by content (content.py), streamed to private storage with
its SHA-256 and size computed on the way, then recorded. Whatever goes wrong
after the first byte is written (a refused text, a full disk, a storage error,
a limit reached by a concurrent upload) removes the file before the error
goes on: nothing is left behind, no row and no file.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Max, Sum
from django.template.defaultfilters import filesizeformat

from riskassess.assessments.models import Assessment
from riskassess.evidence import content
from riskassess.evidence.content import Refused
from riskassess.evidence.models import Evidence
from riskassess.evidence.receivers import delete_file
from riskassess.evidence.storage import evidence_storage


class Locked(Exception):
    message = "This assessment is not an editable draft: its evidence cannot change."


class Frozen(Exception):
    message = (
        "This evidence was part of a submitted revision: it stays with that record "
        "and cannot be removed."
    )


def submitted_before(assessment: Assessment):
    """When the assessment's latest revision was submitted (None: never): evidence
    uploaded up to then belongs to a submitted record."""
    return assessment.revisions.aggregate(latest=Max("submitted_at"))["latest"]


def is_frozen(evidence: Evidence, cutoff) -> bool:
    return cutoff is not None and evidence.uploaded_at <= cutoff


def stored_bytes(assessment_id) -> int:
    total = Evidence.objects.filter(assessment_id=assessment_id).aggregate(total=Sum("size"))
    return total["total"] or 0


def _check_room(assessment_id, size: int) -> None:
    limit = settings.EVIDENCE_MAX_TOTAL_BYTES
    if stored_bytes(assessment_id) + size > limit:
        raise Refused(
            f"This assessment's evidence would exceed its limit of {filesizeformat(limit)} "
            "in all: remove files it no longer needs first."
        )


class _Streamed(File):
    """The upload's chunks as the storage writes them, hashed, counted and checked."""

    def __init__(self, upload, kind: str):
        super().__init__(upload.file, name=upload.name)
        self._upload = upload
        self.sha256 = hashlib.sha256()
        self.count = 0
        self._text = content.TextCheck() if kind in content.TEXT_KINDS else None

    def chunks(self, chunk_size=None):
        self._upload.seek(0)
        for chunk in self._upload.chunks(chunk_size):
            self.count += len(chunk)
            if self.count > settings.EVIDENCE_MAX_BYTES:
                raise Refused(too_large())
            self.sha256.update(chunk)
            if self._text:
                self._text.feed(chunk)
            yield chunk
        if self._text:
            self._text.finish()


def too_large() -> str:
    return f"The file is larger than the limit of {filesizeformat(settings.EVIDENCE_MAX_BYTES)}."


def _editable(assessment: Assessment) -> Assessment:
    """The assessment's row, locked for the transaction, if it is still an editable draft."""
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not locked.is_editable:
        raise Locked(Locked.message)
    return locked


def add_file(
    *,
    assessment: Assessment,
    item_key: str,
    upload,
    as_of: date | None,
    expires_on: date | None,
    user,
) -> Evidence:
    """Store an uploaded file as evidence of an item; Refused or Locked, leaving nothing."""
    if not assessment.is_editable:
        raise Locked(Locked.message)
    if not upload.size:
        raise Refused("The file is empty.")
    if upload.size > settings.EVIDENCE_MAX_BYTES:
        raise Refused(too_large())
    _check_room(assessment.pk, upload.size)
    kind = content.detect(upload)

    storage = evidence_storage()
    # No user text in the path: a random name, the same for every kind.
    name = uuid.uuid4().hex
    streamed = _Streamed(upload, kind)
    try:
        name = storage.save(name, streamed, max_length=100)
        with transaction.atomic():
            _editable(assessment)
            _check_room(assessment.pk, streamed.count)  # again, with the row locked
            return Evidence.objects.create(
                assessment=assessment,
                item_key=item_key,
                kind=Evidence.Kind.FILE,
                storage_name=name,
                original_name=content.safe_name(upload.name, kind),
                size=streamed.count,
                content_type=content.KINDS[kind][0],
                sha256=streamed.sha256.hexdigest(),
                **_common(as_of, expires_on, user),
            )
    except BaseException:
        delete_file(name)
        raise


def add_link(
    *,
    assessment: Assessment,
    item_key: str,
    url: str,
    title: str,
    as_of: date | None,
    expires_on: date | None,
    user,
) -> Evidence:
    """Record a link (checked by forms.EvidenceForm; never fetched) as evidence of an item."""
    with transaction.atomic():
        _editable(assessment)
        return Evidence.objects.create(
            assessment=assessment,
            item_key=item_key,
            kind=Evidence.Kind.LINK,
            url=url,
            title=title,
            **_common(as_of, expires_on, user),
        )


def _common(as_of: date | None, expires_on: date | None, user) -> dict:
    common = {"expires_on": expires_on, "uploaded_by": user, "uploaded_by_name": user.username}
    if as_of is not None:
        common["as_of"] = as_of
    return common


def remove(*, evidence: Evidence, user) -> None:
    """Delete evidence from a draft; its file goes once the deletion commits (receivers.py).

    Evidence uploaded before the latest revision was submitted is part of that
    record and stays (Frozen).
    """
    with transaction.atomic():
        assessment = _editable(evidence.assessment)
        if is_frozen(evidence, submitted_before(assessment)):
            raise Frozen(Frozen.message)
        evidence.delete()
