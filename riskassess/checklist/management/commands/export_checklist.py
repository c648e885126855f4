from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from riskassess.checklist.exporting import export_yaml
from riskassess.checklist.models import Checklist


class Command(BaseCommand):
    help = "Write a checklist as YAML (the newest version unless --version is given)."

    def create_parser(self, prog_name, subcommand, **kwargs):
        # contracts.md names the option --version; Django's own --version (the
        # Django release) gives way to it for this command.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--version", dest="checklist_version", type=int)
        parser.add_argument("-o", "--output", help="File to write (default: standard output).")

    def handle(self, *args, slug: str, checklist_version: int | None, output: str | None, **kw):
        checklists = Checklist.objects.filter(slug=slug).order_by("-version")
        if checklist_version is not None:
            checklists = checklists.filter(version=checklist_version)
        checklist = checklists.first()
        if checklist is None:
            known = (
                ", ".join(f"{s} v{v}" for s, v in Checklist.objects.values_list("slug", "version"))
                or "none loaded"
            )
            wanted = slug if checklist_version is None else f"{slug} v{checklist_version}"
            raise CommandError(f"no checklist {wanted}; available: {known}")
        text = export_yaml(checklist)
        if output:
            try:
                Path(output).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"cannot write {output}: {exc.strerror}") from None
        else:
            self.stdout.write(text, ending="")
