"""The dashboard and an assessment's lifecycle: start, details, submit, reopen, archive, delete.

Every view fetches through get_assessment_for_user: outsiders get 404, members
whose role is too weak get 403. State changes are POST only.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from riskassess.accounts.models import Role, Team
from riskassess.assessments import revisions, services, upgrade, workflow
from riskassess.assessments.access import get_assessment_for_user
from riskassess.assessments.data import assessment_data, score_data
from riskassess.assessments.lifecycle_forms import (
    ArchiveForm,
    DashboardFilterForm,
    DetailsForm,
    NewAssessmentForm,
    ReopenForm,
    SubmitForm,
)
from riskassess.assessments.models import Assessment
from riskassess.assessments.scoring import Result

PAGE_SIZE = 25


@dataclass(frozen=True)
class Row:
    """One line of the assessments list: the assessment and its stored scoring (summary.py)."""

    assessment: Assessment
    score: float | None
    level: str | None
    completeness: float | None  # a fraction: the template shows it through the presenter
    provisional: bool


def _row(assessment: Assessment) -> Row:
    return Row(
        assessment=assessment,
        score=assessment.summary_score,
        level=assessment.summary_level or None,
        completeness=assessment.summary_completeness,
        provisional=assessment.summary_provisional,
    )


def _missing_required(result: Result) -> int:
    return sum(c.required - c.answered_required for c in result.categories)


def assessment_list(request: HttpRequest) -> HttpResponse:
    """Every assessment of the user's teams, most recently changed first (the dashboard
    lists deployments); scores are the stored ones, so no row is scored here."""
    teams = list(Team.objects.for_user(request.user).annotate_role(request.user))
    filters = DashboardFilterForm(request.GET, teams=teams)
    filters.is_valid()  # invalid values (an unknown or foreign team) are simply not applied
    chosen = filters.cleaned_data

    assessments = Assessment.objects.for_user(request.user).for_dashboard()
    if chosen.get("team"):
        assessments = assessments.filter(team_id=chosen["team"])
    if chosen.get("status"):
        assessments = assessments.filter(status=chosen["status"])
    archived = chosen.get("archived")
    if archived == "only":
        assessments = assessments.filter(archived_at__isnull=False)
    elif archived != "all":
        assessments = assessments.filter(archived_at__isnull=True)

    # Sorted and cut on the keys alone, then the page's rows read by key: a deep
    # page sorts narrow rows (docs/performance.md, "Dashboard at scale").
    page = Paginator(assessments.values_list("pk", flat=True), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    keys = list(page.object_list)
    found = {a.pk: a for a in Assessment.objects.filter(pk__in=keys).for_dashboard()}
    context = {
        "page": page,
        "rows": [_row(found[pk]) for pk in keys if pk in found],
        "filters": filters,
        "filtered": bool(chosen.get("team") or chosen.get("status") or archived),
        "has_teams": bool(teams),
        "can_create": any(Role.allows(t.role, Role.EDITOR) for t in teams),
    }
    return render(request, "assessments/assessment_list.html", context)


def assessment_new(request: HttpRequest) -> HttpResponse:
    # ?deployment=<id> (the deployment page's button) preselects it and pre-fills the details.
    form = NewAssessmentForm(
        request.POST or None, user=request.user, deployment=request.GET.get("deployment")
    )
    if not form.teams:
        context = {"form": None, "no_team": True}
        return render(request, "assessments/assessment_form.html", context, status=403)
    if not form.checklists:
        context = {"form": None, "no_checklist": True}
        return render(request, "assessments/assessment_form.html", context)
    if request.method == "POST" and form.is_valid():
        assessment = services.create_assessment(user=request.user, **form.cleaned_data)
        messages.success(request, "Assessment created. Answer the questions category by category.")
        return redirect("questionnaire_start", assessment.pk)
    return render(request, "assessments/assessment_form.html", {"form": form})


def assessment_home(request: HttpRequest, assessment_id) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id)
    return redirect("results", assessment.pk)


def _lifecycle_context(assessment: Assessment) -> dict:
    """What the Details tab offers: the moves the member may make now, and the record."""
    timeline = revisions.timeline(assessment)
    has_revision = bool(timeline)
    role = assessment.role
    can = {
        name: workflow.allowed(assessment, name, role, has_revision=has_revision)
        for name in workflow.TRANSITIONS
    }
    can["submit"] = can["submit"] or can["submit_for_review"]
    missing = None
    if can["submit"]:
        missing = _missing_required(score_data(assessment_data(assessment)))
    return {
        "can": can,
        "missing": missing,
        "revisions": timeline,
        "submit_form": SubmitForm(statement=assessment.team.attestation) if can["submit"] else None,
        "reopen_form": ReopenForm() if can["reopen"] else None,
        "archive_form": ArchiveForm() if can["archive"] else None,
        "upgrade": upgrade.newer_version(assessment) if assessment.is_editable else None,
    }


def assessment_edit(request: HttpRequest, assessment_id) -> HttpResponse:
    needed = Role.EDITOR if request.method == "POST" else Role.VIEWER
    assessment = get_assessment_for_user(request.user, assessment_id, needed)
    can_edit = Role.allows(assessment.role, Role.EDITOR) and assessment.is_editable

    form = DetailsForm(instance=assessment) if can_edit else None
    if request.method == "POST":
        if not assessment.is_editable:
            messages.error(request, services.Locked.message)
            return redirect("assessment_edit", assessment.pk)
        # A copy, so that the page header keeps the saved title while errors are shown.
        form = DetailsForm(request.POST, instance=copy.copy(assessment))
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in DetailsForm.Meta.fields}
            try:
                services.update_details(assessment=assessment, user=request.user, **fields)
                messages.success(request, "Details saved.")
            except services.Locked:
                messages.error(request, services.Locked.message)
            return redirect("assessment_edit", assessment.pk)

    context = {
        "assessment": assessment,
        "form": form,
        "is_owner": Role.allows(assessment.role, Role.OWNER),
        "events": list(assessment.events.all()),
        **_lifecycle_context(assessment),
    }
    return render(request, "assessments/assessment_form.html", context)


def _refused(request: HttpRequest, assessment: Assessment, verb: str, error: Exception):
    messages.error(request, f"Not {verb}: {error}")
    return redirect("assessment_edit", assessment.pk)


@require_POST
def assessment_submit(request: HttpRequest, assessment_id) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id, Role.OWNER)
    form = SubmitForm(request.POST, statement=assessment.team.attestation)
    if not form.is_valid():
        return _refused(request, assessment, "submitted", form.errors["attest"][0])
    try:
        services.submit(
            assessment=assessment,
            user=request.user,
            attested=bool(form.cleaned_data.get("attest")),
        )
    except services.NotReady as e:
        return _refused(request, assessment, "submitted", e)
    except services.Locked:
        messages.error(request, "This assessment is already submitted.")
        return redirect("assessment_edit", assessment.pk)
    if assessment.team.review_required:
        messages.success(
            request,
            "Submitted for review. Its answers are locked and kept as a revision until a "
            "reviewer approves it or asks for changes.",
        )
        return redirect("assessment_review", assessment.pk)
    messages.success(
        request, "Submitted. Its answers and scores are locked and kept as a revision."
    )
    return redirect("results", assessment.pk)


@require_POST
def assessment_reopen(request: HttpRequest, assessment_id) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id, Role.OWNER)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"Not reopened: {error}")
        return redirect("assessment_edit", assessment.pk)
    try:
        services.reopen(assessment=assessment, user=request.user, note=form.cleaned_data["note"])
    except services.NotAllowed as e:
        return _refused(request, assessment, "reopened", e)
    messages.success(
        request,
        "Reopened as a new draft. The submitted revision stays on record, unchanged.",
    )
    return redirect("results", assessment.pk)


@require_POST
def assessment_archive(request: HttpRequest, assessment_id) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id, Role.OWNER)
    form = ArchiveForm(request.POST)
    if not form.is_valid():
        return _refused(request, assessment, "archived", next(iter(form.errors.values()))[0])
    try:
        services.archive(assessment=assessment, user=request.user, note=form.cleaned_data["note"])
    except services.NotAllowed as e:
        return _refused(request, assessment, "archived", e)
    messages.success(
        request,
        "Archived. It is hidden from the dashboard, and stays readable and downloadable here.",
    )
    return redirect("assessment_edit", assessment.pk)


@require_POST
def assessment_restore(request: HttpRequest, assessment_id) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id, Role.OWNER)
    try:
        services.restore(assessment=assessment, user=request.user)
    except services.NotAllowed as e:
        return _refused(request, assessment, "restored", e)
    messages.success(request, "Restored from the archive.")
    return redirect("assessment_edit", assessment.pk)


def assessment_delete(request: HttpRequest, assessment_id) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id, Role.OWNER)
    refusal = workflow.refusal(assessment, "delete")
    if request.method == "POST":
        if refusal:
            return _refused(request, assessment, "deleted", f"it cannot be deleted: {refusal}.")
        try:
            title = services.delete_draft(assessment=assessment, user=request.user)
        except services.NotAllowed as e:
            return _refused(request, assessment, "deleted", e)
        messages.success(request, f"Deleted the assessment “{title}”.")
        return redirect("dashboard")
    context = {
        "assessment": assessment,
        "answer_count": assessment.answers.count(),
        "refusal": refusal,
        "can_archive": workflow.allowed(assessment, "archive", assessment.role),
        "archive_form": ArchiveForm(),
    }
    return render(request, "assessments/assessment_confirm_delete.html", context)
