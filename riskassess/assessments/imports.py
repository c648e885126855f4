"""Start an assessment from an uploaded answers file (contracts.md §3).

The file is checked as `manage.py assess` checks it (answersfile.parse), with
the same one-line messages, but every problem is listed, not only the first,
and the details the New assessment form requires (model, base model, context)
are required here too. Then the assessment, its answers, their history records
and the Imported event are written in one transaction, in a constant number of
queries: a refused or failed import leaves nothing behind.
"""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from simple_history.utils import bulk_create_with_history

from riskassess.accounts.models import Team
from riskassess.assessments import answersfile, services, summary, workflow
from riskassess.assessments.lifecycle_forms import name_the_limits
from riskassess.assessments.models import TITLE_MAX, Answer, Assessment, Event, ProfileAnswer
from riskassess.yamlfiles import MAX_FILE_BYTES

TEMPLATE = "assessments/import.html"
EXAMPLE_FILE = "examples/answers-support-bot.yaml"


class ImportForm(forms.Form):
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        empty_label="Choose a team",
        help_text="Its members can see the assessment; editors and owners can answer it.",
    )
    file = forms.FileField(
        label="Answers file",
        help_text=f"YAML or JSON, at most {MAX_FILE_BYTES // (1024 * 1024)} MiB.",
    )
    title = forms.CharField(
        label="Title",
        required=False,
        max_length=TITLE_MAX,
        help_text="Optional: replaces the title given in the file.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only teams where the user may answer: the queryset is the access check,
        # so a posted team id from anywhere else is "not one of the available choices".
        teams = Team.objects.editable_by(user)
        self.teams = list(teams)
        self.fields["team"].queryset = teams
        if len(self.teams) == 1:
            self.fields["team"].initial = self.teams[0].pk
        self.fields["file"].widget.attrs["accept"] = ".yaml,.yml,.json"
        name_the_limits(self)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(
                f"The file is {upload.size:,} bytes; the limit is "
                f"{MAX_FILE_BYTES // (1024 * 1024)} MiB."
            )
        return upload


@transaction.atomic
def import_answers(
    *, user, team: Team, parsed: answersfile.AnswersFile, title: str, filename: str
) -> Assessment:
    """Create a draft assessment with every answer of a parsed file, in one transaction."""
    details = parsed.details
    assessment = services.create_assessment(
        user=user,
        team=team,
        checklist=parsed.checklist,
        title=title,
        model_name=details["model"],
        base_model=details["base_model"],
        context=details["context"],
    )
    # A new assessment has no answers yet, so there is nothing to conflict
    # with: one INSERT of rows the parser already checked against this tree,
    # and one of their history records, so that the History lists each
    # imported answer as a change by the importing user, at the import's time.
    count = len(parsed.answers)
    note = f"{count} answer{'s' if count != 1 else ''} from {filename}"
    now = timezone.now()
    bulk_create_with_history(
        [
            Answer(
                assessment=assessment, item=item, option=option, comment=comment, updated_by=user
            )
            for item, option, comment in answersfile.answer_rows(parsed)
        ],
        Answer,
        default_user=user,
        default_date=now,
        default_change_reason=f"imported: {note}"[:100],
    )
    if parsed.profile:
        questions = {q.key: q for q in parsed.parts["profile"]}
        bulk_create_with_history(
            [
                ProfileAnswer(
                    assessment=assessment,
                    question=questions[key],
                    choices=choices,
                    updated_by=user,
                )
                for key, choices in parsed.profile.items()
            ],
            ProfileAnswer,
            default_user=user,
            default_date=now,
            default_change_reason=f"imported: {note}"[:100],
        )
    summary.store(assessment)
    workflow.record(assessment, Event.Kind.IMPORTED, user, note, at=now)
    return assessment


@require_http_methods(["GET", "POST"])
def assessment_import(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, user=request.user)
    else:
        form = ImportForm(user=request.user)
    if not form.teams:
        return render(request, TEMPLATE, {"form": None, "no_team": True}, status=403)
    context = {"form": form, "example_file": EXAMPLE_FILE}
    if request.method == "GET":
        return render(request, TEMPLATE, context)

    if form.is_valid():
        upload = form.cleaned_data["file"]
        filename = Path(upload.name or "").name[:100] or "the file"
        override = form.cleaned_data["title"].strip()
        try:
            parsed = answersfile.parse(
                upload.read(MAX_FILE_BYTES + 1),
                default_title=override,
                require_details=True,
                every_problem=True,
            )
        except answersfile.AnswersFileError as exc:
            # One error each, in the file's order: the first is what `assess` reports.
            form.add_error("file", exc.problems)
            if exc.count > 1:
                context["problem_count"] = f"{exc.count:,}"
        else:
            assessment = import_answers(
                user=request.user,
                team=form.cleaned_data["team"],
                parsed=parsed,
                title=override or parsed.details["title"],
                filename=filename,
            )
            missing = len(answersfile.build(parsed).missing)
            message = f"Imported {len(parsed.answers)} answers from {filename}."
            if missing:
                message += (
                    f" {missing} required item{'s are' if missing != 1 else ' is'} still "
                    "unanswered: the results are provisional until they are answered."
                )
            messages.success(request, message)
            return redirect("results", assessment.pk)
    return render(request, TEMPLATE, context, status=400)
