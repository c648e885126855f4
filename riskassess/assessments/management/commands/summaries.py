"""`manage.py summaries`: recompute the stored summaries from the records, and say what differed.

Lists read what is stored (assessments/summary.py): each assessment's score,
levels, completeness and provisional flag, which assessment is its
deployment's current one, and each deployment's latest level, submission time
and next review date. Every change that moves them writes them in its own
transaction; this command checks that it was so, and repairs what was not
(after a restore from a backup, say). `--verify` only reports, and exits with
status 1 when anything differs, for a scheduled check.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from riskassess.assessments import summary
from riskassess.assessments.models import Assessment
from riskassess.deployments.models import Deployment

BATCH = 200
SHOWN = 20


def batches(rows):
    """`rows` (ordered by pk) in lists of BATCH, each read by key, not by offset."""
    last = None
    while chunk := list((rows if last is None else rows.filter(pk__gt=last))[:BATCH]):
        yield chunk
        last = chunk[-1].pk


class Command(BaseCommand):
    help = "Recompute (with --verify: only check) the stored assessment and deployment summaries."

    def add_arguments(self, parser):
        parser.add_argument(
            "--verify", action="store_true", help="Change nothing; exit 1 if anything differs."
        )

    def handle(self, *args, verify, **options):
        fix = not verify
        differences = []
        counted = {"assessments": 0, "deployments": 0}
        assessments = Assessment.objects.select_related("checklist").order_by("pk")
        for chunk in batches(assessments):
            with transaction.atomic():
                differences += summary.check_assessments(chunk, fix=fix)
            counted["assessments"] += len(chunk)
        deployments = Deployment.objects.select_related("base_model__superseded_by").order_by("pk")
        for chunk in batches(deployments):
            with transaction.atomic():
                differences += summary.check_current([d.pk for d in chunk], fix=fix)
                differences += summary.check_deployments(chunk, fix=fix)
            counted["deployments"] += len(chunk)

        for difference in differences[:SHOWN]:
            self.stdout.write(f"  {difference}")
        if len(differences) > SHOWN:
            self.stdout.write(f"  … and {len(differences) - SHOWN} more")
        checked = f"{counted['assessments']} assessments and {counted['deployments']} deployments"
        if not differences:
            self.stdout.write(f"Checked {checked}: every stored summary is right.")
        elif verify:
            raise CommandError(
                f"Checked {checked}: {len(differences)} stored values differ from the records. "
                "Run `manage.py summaries` (without --verify) to recompute them."
            )
        else:
            self.stdout.write(f"Checked {checked}: corrected {len(differences)} stored values.")
