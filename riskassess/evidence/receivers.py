"""A deleted evidence row's file is removed from storage once the deletion commits.

Whatever deleted the row (evidence.services.remove, or the cascade from a
deleted draft assessment, in the app, the admin or purge_archived), the file
follows it; a rolled-back deletion keeps it. A failure is logged: an orphan
file is harmless, a row without its file is not.
"""

import logging

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from riskassess.evidence.models import Evidence
from riskassess.evidence.storage import evidence_storage

log = logging.getLogger(__name__)


def delete_file(name: str) -> None:
    """Remove a stored file, unless another row still refers to it (a re-assessment
    carries evidence by reference: both assessments' rows name the same file)."""
    try:
        if Evidence.objects.filter(storage_name=name).exists():
            return
        evidence_storage().delete(name)
    except Exception:
        log.exception("Could not delete the evidence file %s", name)


@receiver(post_delete, sender=Evidence, dispatch_uid="evidence_file_cleanup")
def _delete_file_on_commit(sender, instance: Evidence, **kwargs) -> None:
    if instance.storage_name:
        name = instance.storage_name
        transaction.on_commit(lambda: delete_file(name))
