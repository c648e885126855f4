from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from riskassess.checklist import rules
from riskassess.checklist.models import Checklist, Status
from riskassess.checklist.services import load_checklist
from riskassess.checklist.spec import ChecklistFileError, parse
from riskassess.yamlfiles import MAX_FILE_BYTES

DATA = Path(__file__).resolve().parents[2] / "data"
DEFAULT_FILE = DATA / "foundation-model-risks.yaml"  # version 1, format 1
V2_FILE = DATA / "foundation-model-risks-v2.yaml"  # version 2, format 2: the current one
# Without a path, both versions load, oldest first: assessments started on
# version 1 keep it, and new ones start on the newest published version, 2.
SHIPPED = (DEFAULT_FILE, V2_FILE)


class Command(BaseCommand):
    help = (
        "Create or update a checklist from a YAML file (when PATH is omitted, both shipped "
        "versions of the default foundation-model checklist, 1 then 2). Loading the same "
        "file twice changes nothing. "
        "A published or retired version is read-only: a file that differs from it is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?")
        parser.add_argument(
            "--status",
            choices=[s.value for s in Status],
            help=(
                "Set the checklist's status (new checklists default to published; an "
                "existing one moves only draft → published ⇄ retired)."
            ),
        )
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="Do nothing when this slug and version are already loaded (keeps admin edits).",
        )

    def handle(self, *args, path: str | None, status: str | None, if_missing: bool, **options):
        for one in [path] if path else [str(shipped) for shipped in SHIPPED]:
            self._load(one, status, if_missing)

    def _load(self, path: str, status: str | None, if_missing: bool) -> None:
        try:
            with Path(path).open("rb") as handle:
                # One byte over the limit is enough for the parser to refuse the file;
                # reading no further keeps /dev/zero from filling memory.
                raw = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        try:
            spec = parse(raw)
        except ChecklistFileError as exc:
            problems = "\n  ".join(exc.errors)
            raise CommandError(f"{path} is not a valid checklist:\n  {problems}") from None
        if if_missing:
            existing = Checklist.objects.filter(slug=spec.slug, version=spec.version).first()
            if existing is not None:
                self.stdout.write(f"{existing} is already loaded; left as it is.")
                return
        try:
            checklist, counts = load_checklist(spec, status=status)
        except rules.Frozen as exc:
            problems = "\n  ".join(exc.shown_changes())
            raise CommandError(
                f"{path}: {exc.headline}; what differs:\n  {problems}\n"
                "To change it, give the file a new version number (with --status draft "
                "to review it in the admin before publishing)."
            ) from None
        except rules.TransitionRefused as exc:
            raise CommandError(str(exc)) from None
        summary = ", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "nothing"
        self.stdout.write(f"{checklist} [{checklist.slug}, {checklist.status}]: {summary}.")
