"""`manage.py send_reminders`: the action plans' daily reminders (a scheduler runs it).

Safe to run again the same day: what was sent is not sent twice (reminders.py).
`--date` runs as of an earlier day (a missed run); a later day is refused: it
would expire acceptances still in force today, and that cannot be undone.
"""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from riskassess.actions import reminders
from riskassess.actions.models import Reminder


class Command(BaseCommand):
    help = (
        "Remind owners of actions due soon or overdue, and of accepted risks expiring or "
        "expired (which become undecided again). Daily; running it again sends nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            dest="day",
            metavar="YYYY-MM-DD",
            help="Run as of this day (today or earlier) instead of today.",
        )

    def handle(self, *args, day=None, **options):
        today = None
        if day is not None:
            try:
                today = datetime.strptime(day, "%Y-%m-%d").date()
            except ValueError:
                raise CommandError(f"--date takes a date, YYYY-MM-DD, not {day!r}") from None
            if today > timezone.localdate():
                raise CommandError(
                    f"--date {day} is after today: it would expire acceptances still in force."
                )
        counts = reminders.send(today)
        for kind in Reminder.Kind:
            self.stdout.write(f"{kind.label}: {counts[kind.value]}")
