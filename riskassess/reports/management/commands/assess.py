"""`manage.py assess ANSWERS`: score an answers file, write nothing to the database.

contracts.md §4. A deployment pipeline gates a release on the exit status:
0 done, 1 the overall level is at or above --fail-on, 2 invalid input (one
line on standard error naming the problem). What else stops the report
from being produced (an unreadable file, an unwritable output path, a
database without checklists, a PDF renderer failure) also exits 2 with one
line: 1 is kept for the finding a pipeline gates on.
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from riskassess.assessments import answersfile
from riskassess.assessments.scoring import LEVELS
from riskassess.reports import exports
from riskassess.reports.build import Report, report_from_data
from riskassess.yamlfiles import MAX_FILE_BYTES

GATES = ("medium", "high", "critical")
SHOW_MISSING = 5


def _usage_error(parser: CommandParser, message: str) -> None:
    """argparse's error, as one line with exit status 2 (not usage text and then the error)."""
    if parser.called_from_command_line:
        parser.exit(2, f"{parser.prog}: error: {message} (see --help)\n")
    raise CommandError(f"Error: {message}", returncode=2)


def refuse(message: str) -> CommandError:
    return CommandError(message, returncode=2)


def read_answers(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            # One byte over the limit is enough for yamlfiles to refuse the file;
            # reading no further keeps /dev/zero or a huge upload from filling memory.
            return f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise refuse(f"cannot read {path}: {exc.strerror or exc}") from None


def report_details(parsed: answersfile.AnswersFile) -> dict:
    """The report's "assessment" part for a file: no row exists, so no id, team or dates.

    The id is "" rather than null so that it stays a string, as in every other
    report; the status "unsaved" tells readers of the JSON or PDF that the
    report comes from a file, not from a stored assessment.
    """
    return {
        "id": "",
        "title": parsed.details["title"],
        "model": parsed.details["model"],
        "base_model": parsed.details["base_model"],
        "context": parsed.details["context"],
        "team": "",
        "status": "unsaved",
        "created_at": None,
        "submitted_at": None,
    }


def summary(report: dict) -> list[str]:
    """A few lines for a person reading the pipeline's log."""
    overall, checklist = report["overall"], report["checklist"]
    lines = [
        f"{report['assessment']['title']}: {checklist['name']} "
        f"({checklist['slug']} v{checklist['version']}), {report['method']['name']}"
    ]
    if overall["level"] is None:
        score = "not assessed (no applicable answers)"
    else:
        score = f"{overall['score']:.1f} {overall['level']}"
    # Rounded down, as on the dashboard: 99.6% is not shown as complete.
    percent = (
        100 * overall["answered_required"] // overall["required"] if overall["required"] else 100
    )
    lines.append(
        f"Overall: {score}; completeness {percent}% "
        f"({overall['answered_required']} of {overall['required']} required items answered)"
        + ("; PROVISIONAL" if overall["provisional"] else "")
    )
    if report.get("impact"):
        impact = report["impact"]
        lines.append(
            f"Impact: {impact['total']} points, {impact['tier'].replace('_', ' ')} tier; "
            f"control level {overall['control_level'] or 'none'} -> overall "
            f"{overall['level'] or 'none'} (level matrix)"
        )
    width = min(max((len(c["name"]) for c in report["categories"]), default=0), 40)
    for category in report["categories"]:
        if category["level"] is None:
            result = f"{'-':>5}  {'not assessed':<8}"
        else:
            result = f"{category['score']:>5.1f}  {category['level']:<8}"
        line = f"  {category['name'][:width]:<{width}}  {result}  "
        line += f"{category['answered']}/{category['total']} answered"
        if category["not_applicable"]:
            line += f", {category['not_applicable']} not applicable"
        if category["escalated_by"]:
            line += f"; escalated by {', '.join(category['escalated_by'])}"
        lines.append(line.rstrip())
    if overall["escalated_by"]:
        lines.append(
            f"Escalated to at least high by {', '.join(overall['escalated_by'])} "
            "(critical items answered with the highest risk)"
        )
    if overall["provisional"]:
        missing = overall["required"] - overall["answered_required"]
        lines.append(
            f"Provisional: {missing} required item{'s' if missing != 1 else ''} unanswered"
        )
    return lines


class Command(BaseCommand):
    help = (
        "Score an answers file (YAML or JSON) against a checklist in the database and "
        "write the report, without writing to the database. Exit status: 0 done, 1 the "
        "overall level is at or above --fail-on, 2 invalid input."
    )
    # System checks may print warnings: standard error carries the one-line refusal or nothing.
    requires_system_checks = []

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.error = partial(_usage_error, parser)
        return parser

    def add_arguments(self, parser):
        parser.add_argument(
            "answers", metavar="ANSWERS", help="The answers file (contracts.md §3)."
        )
        parser.add_argument(
            "--pdf", dest="pdf_out", metavar="OUT.pdf", help="Write the PDF report."
        )
        parser.add_argument(
            "--json", dest="json_out", metavar="OUT.json", help="Write the JSON report."
        )
        parser.add_argument(
            "--fail-on",
            choices=GATES,
            metavar="LEVEL",
            help="Exit with status 1 when the overall level is LEVEL or higher "
            "(medium, high or critical). When nothing is assessed there is no level, "
            "which counts as below every LEVEL.",
        )
        parser.add_argument(
            "--allow-incomplete",
            action="store_true",
            help="Score a file with unanswered required items (the report is provisional) "
            "instead of refusing it.",
        )

    def handle(
        self,
        *args,
        answers: str,
        pdf_out: str | None,
        json_out: str | None,
        fail_on: str | None,
        allow_incomplete: bool,
        **options,
    ):
        path = Path(answers)
        raw = read_answers(path)
        try:
            # Format 2 too: a pipeline can gate on its level before the web app asks it.
            parsed = answersfile.parse(raw, default_title=path.name)
        except answersfile.AnswersFileError as exc:
            raise refuse(f"{path}: {exc}") from None
        except DatabaseError as exc:
            first_line = (str(exc).splitlines() or [type(exc).__name__])[0]
            raise refuse(
                f"cannot read the checklists from the database ({first_line}); "
                "has `manage.py migrate` been run?"
            ) from None
        built = answersfile.build(parsed)
        if built.missing and not allow_incomplete:
            count, shown = len(built.missing), ", ".join(built.missing[:SHOW_MISSING])
            more = ", …" if count > SHOW_MISSING else ""
            raise refuse(
                f"{path}: {count} required item{'s' if count != 1 else ''} unanswered "
                f"({shown}{more}); answer them, or pass --allow-incomplete for a provisional report"
            )

        # With its data beside it: a format-2 PDF words the profile's conditions with it.
        report = Report(report_from_data(built.data, report_details(parsed)), built.data)
        # Everything is rendered before anything is written, so that a failing
        # renderer leaves no half set of outputs behind.
        outputs = []
        if json_out:
            outputs.append((json_out, exports.to_json(report)))
        if pdf_out:
            # WeasyPrint logs every rendering step at INFO, even on import: on
            # standard error, where a pipeline expects one line or nothing.
            logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
            from riskassess.reports import pdf

            try:
                outputs.append((pdf_out, pdf.render_report_pdf(report)))
            except NotImplementedError as exc:
                raise refuse("--pdf: PDF reports are not available in this installation") from exc
            except Exception as exc:
                # A timeout or a renderer failure must not exit 1, which means "level too
                # high" to a pipeline. --traceback shows the chained original.
                reason = (str(exc).splitlines() or [""])[0]
                raise refuse(
                    f"--pdf: the PDF could not be rendered ({type(exc).__name__}: {reason})"
                ) from exc
        for target, body in outputs:
            try:
                Path(target).write_bytes(body)
            except OSError as exc:
                raise refuse(f"cannot write {target}: {exc.strerror or exc}") from None

        lines = summary(report)
        lines += [f"Wrote {target}" for target, _ in outputs]
        level = report["overall"]["level"]
        if fail_on and level is None:
            lines.append(
                f"No overall level (nothing assessed): counted as below --fail-on {fail_on}"
            )
        self.stdout.write("\n".join(lines))
        if fail_on and level is not None and LEVELS.index(level) >= LEVELS.index(fail_on):
            raise CommandError(
                f"overall level {level} is at or above --fail-on {fail_on}", returncode=1
            )
