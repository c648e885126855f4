"""`manage.py verify_report FILE`: which submitted revision a report belongs to.

For auditors with shell access: it searches every team's revisions. FILE is a
PDF or JSON report, or a text file holding a fingerprint; `-` reads standard
input. Exit status: 0 a match, 1 no match (or an edited JSON report), 2 the
file cannot be read or is not a riskassess report.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from riskassess.assessments.revisions import FULL, SHORT
from riskassess.present import when
from riskassess.reports import verify


class Command(BaseCommand):
    help = "Tell which submitted revision a PDF or JSON report (or a fingerprint) belongs to."

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="A PDF or JSON report, or a file with a fingerprint; - for stdin."
        )

    def handle(self, *args, file: str, **options):
        try:
            raw = self._read(file)
            claim = self._claim(raw)
        except (OSError, verify.NotAReport) as error:
            reason = getattr(error, "strerror", None) or error
            raise CommandError(f"{file}: {reason}", returncode=2) from None
        found = verify.matches(claim)
        if not claim.intact:
            self.stderr.write(
                f"{file}: the content was changed after export: it does not give its fingerprint"
            )
        if not found:
            raise CommandError(
                f"{file}: no submitted revision has the fingerprint {claim.fingerprint}",
                returncode=1,
            )
        for revision in found:
            assessment = revision.assessment
            self.stdout.write(
                f"{assessment.title} ({assessment.team.name}, {assessment.pk}): revision "
                f"{revision.number}, submitted {when(revision.submitted_at)} by "
                f"{revision.submitted_by_name}; fingerprint {revision.fingerprint}"
            )
        if not claim.intact:
            raise CommandError("the report was edited", returncode=1)

    def _read(self, file: str) -> bytes:
        if file == "-":
            return sys.stdin.buffer.read(verify.MAX_BYTES + 1)
        with Path(file).open("rb") as handle:
            return handle.read(verify.MAX_BYTES + 1)

    def _claim(self, raw: bytes) -> verify.Claim:
        text = raw.strip()
        if len(text) in (FULL, SHORT) and text.isalnum():
            return verify.from_text(text.decode("ascii", "replace"))
        return verify.from_file(raw)
