import secrets

from django.core.management.base import BaseCommand
from django.db import transaction

from riskassess.accounts.models import Membership, Role, Team, User

DEMO_USERNAME = "demo"
DEMO_TEAM = "Demo team"
ADMIN_HINT = (
    "Administrator login (the admin at /admin/ edits checklists): create one with\n"
    "  DEBUG=1 .venv/bin/python manage.py createsuperuser"
)


class Command(BaseCommand):
    help = "Create a demo team and its owner account (once), printing the password."

    @transaction.atomic
    def handle(self, *args, **options):
        team, _ = Team.objects.get_or_create(name=DEMO_TEAM)
        user = User.objects.filter(username=DEMO_USERNAME).first()
        if user is not None:
            Membership.objects.get_or_create(team=team, user=user, defaults={"role": Role.OWNER})
            self.stdout.write(
                f"Demo login: {DEMO_USERNAME} (password printed when it was created; "
                f"reset it with: DEBUG=1 .venv/bin/python manage.py changepassword {DEMO_USERNAME})"
            )
            self._admin_hint()
            return
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(DEMO_USERNAME, password=password, first_name="Demo")
        Membership.objects.create(team=team, user=user, role=Role.OWNER)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo login created -- username: {DEMO_USERNAME}  password: {password}\n"
                "(shown once; it owns the team '" + DEMO_TEAM + "')"
            )
        )
        self._admin_hint()

    def _admin_hint(self) -> None:
        if User.objects.filter(is_superuser=True, is_active=True).exists():
            self.stdout.write("Administrator login: an administrator account exists (/admin/).")
        else:
            self.stdout.write(ADMIN_HINT)
