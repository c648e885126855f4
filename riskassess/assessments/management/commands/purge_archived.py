"""`manage.py purge_archived`: remove archived assessments for good (staff, from a shell).

An assessment with submitted revisions is a record: the app only archives it.
When a retention period ends, an administrator removes it here. The command
lists what it would remove and removes nothing unless `--yes` is given; each
removal leaves a Purge row (what was removed: title, team, revisions with
their fingerprints, the number of answers; who and why), so the record of the
removal outlives the data.
"""

import getpass
import uuid
from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from riskassess.assessments import summary
from riskassess.assessments.models import Assessment, Purge, Revision
from riskassess.present import when


class Command(BaseCommand):
    help = "List, and with --yes remove, archived assessments with their revisions and answers."

    def add_arguments(self, parser):
        parser.add_argument(
            "ids", nargs="*", help="Archived assessments to remove (all archived ones if none)."
        )
        parser.add_argument(
            "--archived-before",
            metavar="YYYY-MM-DD",
            help="Only assessments archived before this date.",
        )
        parser.add_argument("--reason", default="", help="Why (kept in the purge record).")
        parser.add_argument("--yes", action="store_true", help="Remove them (default: list only).")

    def handle(self, *args, ids, archived_before, reason, yes, **options):
        archived = Assessment.objects.filter(archived_at__isnull=False).select_related("team")
        if ids:
            for value in ids:
                try:
                    uuid.UUID(value)
                except ValueError:
                    raise CommandError(f"not an assessment id: {value!r}") from None
            archived = archived.filter(pk__in=ids)
            missing = set(ids) - {str(a.pk) for a in archived}
            if missing:
                raise CommandError(
                    f"not archived, or no such assessment: {', '.join(sorted(missing))}"
                )
        if archived_before:
            try:
                day = datetime.strptime(archived_before, "%Y-%m-%d").date()
            except ValueError:
                raise CommandError("--archived-before takes a date: YYYY-MM-DD") from None
            cutoff = timezone.make_aware(datetime.combine(day, time.min))
            archived = archived.filter(archived_at__lt=cutoff)
        chosen = list(archived.order_by("archived_at"))
        if not chosen:
            self.stdout.write("No archived assessment matches: nothing to remove.")
            return
        for assessment in chosen:
            self.stdout.write(
                f"{assessment.pk}  {assessment.title} ({assessment.team.name}), archived "
                f"{when(assessment.archived_at)}: {assessment.revisions.count()} revisions, "
                f"{assessment.answers.count()} answers"
            )
        if not yes:
            self.stdout.write(f"{len(chosen)} to remove. Run again with --yes to remove them.")
            return
        by = getpass.getuser()
        for assessment in chosen:
            self._purge(assessment, by=by, reason=reason)
        self.stdout.write(f"Removed {len(chosen)}; each removal is recorded (admin: Purges).")

    @transaction.atomic
    def _purge(self, assessment: Assessment, *, by: str, reason: str) -> None:
        revisions = list(assessment.revisions.defer("snapshot", "report").order_by("number"))
        Purge.objects.create(
            assessment_id=assessment.pk,
            title=assessment.title,
            team=assessment.team.name,
            revisions=[
                {
                    "number": r.number,
                    "submitted_at": r.submitted_at.isoformat(),
                    "fingerprint": r.fingerprint,
                }
                for r in revisions
            ],
            answers=assessment.answers.count(),
            archived_at=assessment.archived_at,
            purged_by=by,
            reason=reason[:500],
        )
        Revision.objects.filter(assessment=assessment).delete()
        deployment_id = assessment.deployment_id
        assessment.delete()
        # Its deployment's latest level and review date may have come from it.
        summary.after_delete(deployment_id)
