"""Evidence behind an answer: a file kept in private storage, or a link kept as text.

Evidence hangs from (assessment, item key), like an answer. Files are stored
under a random name (no user text in the path) in the "evidence" storage,
which nothing serves publicly: downloads go through views.evidence_download.
Links are never fetched by the server.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from riskassess.assessments.models import Assessment

NAME_MAX = 200
URL_MAX = 2000
TITLE_MAX = 200


class EvidenceQuerySet(models.QuerySet):
    def for_page(self, assessment) -> "EvidenceQuerySet":
        """All evidence of an assessment, in the order pages list it: one query."""
        return self.filter(assessment=assessment).order_by("item_key", "uploaded_at", "pk")


class Evidence(models.Model):
    class Kind(models.TextChoices):
        FILE = "file", "File"
        LINK = "link", "Link"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # CASCADE: only a never-submitted draft can be deleted (a Revision PROTECTs
    # its assessment), and its evidence goes with it; receivers.py removes the
    # files once the deletion is committed.
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="evidence")
    item_key = models.CharField(max_length=50)
    kind = models.CharField(max_length=4, choices=Kind.choices)
    # Files: the random name in storage, and what the uploader's file was.
    storage_name = models.CharField(max_length=100, blank=True)
    original_name = models.CharField(max_length=NAME_MAX, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    # Links: text, never fetched.
    url = models.CharField(max_length=URL_MAX, blank=True)
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    as_of = models.DateField(default=timezone.localdate)
    expires_on = models.DateField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Kept as text too, so the record stays readable after the account is deleted.
    uploaded_by_name = models.CharField(max_length=150)
    uploaded_at = models.DateTimeField(default=timezone.now)
    # Carried by a re-assessment from this row of the earlier assessment: the same
    # stored file (by reference), uploader and dates. Not "attached in this round".
    carried_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["assessment", "item_key", "uploaded_at", "pk"]
        indexes = [models.Index(fields=["assessment", "item_key"], name="evidence_item")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="file") & ~models.Q(storage_name="") & ~models.Q(sha256="")
                )
                | (models.Q(kind="link") & ~models.Q(url="") & models.Q(storage_name="")),
                name="evidence_kind_fields",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(expires_on__gte=models.F("as_of")),
                name="evidence_expires_after_as_of",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.original_name if self.kind == self.Kind.FILE else self.title

    @property
    def is_file(self) -> bool:
        return self.kind == self.Kind.FILE

    @property
    def is_expired(self) -> bool:
        return self.expires_on is not None and self.expires_on < timezone.localdate()
