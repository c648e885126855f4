"""The dashboard and an assessment's lifecycle: start, details, submit, reopen, delete.

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

from riskassess.accounts.models import Membership, Role, Team
from riskassess.assessments import services
from riskassess.assessments.access import get_assessment_for_user
from riskassess.assessments.data import assessment_data, assessment_data_many, score_data
from riskassess.assessments.lifecycle_forms import (
    DashboardFilterForm,
    DetailsForm,
    NewAssessmentForm,
    ReopenForm,
)
from riskassess.assessments.models import Assessment
from riskassess.assessments.scoring import Result

PAGE_SIZE = 25


@dataclass(frozen=True)
class Row:
    """One dashboard line: the assessment and its scoring, ready to render."""

    assessment: Assessment
    score: float | None
    level: str | None
    completeness: int  # percent, rounded down so that 99.6% never shows as 100%
    provisional: bool


def _row(assessment: Assessment, result: Result) -> Row:
    return Row(
        assessment=assessment,
        score=result.rounded,
        level=result.level,
        completeness=int(result.completeness * 100),
        provisional=result.provisional,
    )


def _missing_required(result: Result) -> int:
    return sum(c.required - c.answered_required for c in result.categories)


def _allows(role: str, needed: str) -> bool:
    return Membership(role=role).allows(needed)


def dashboard(request: HttpRequest) -> HttpResponse:
    teams = list(Team.objects.for_user(request.user).annotate_role(request.user))
    filters = DashboardFilterForm(request.GET, teams=teams)
    filters.is_valid()  # invalid values (an unknown or foreign team) are simply not applied
    chosen = filters.cleaned_data

    assessments = Assessment.objects.for_user(request.user).for_dashboard()
    if chosen.get("team"):
        assessments = assessments.filter(team_id=chosen["team"])
    if chosen.get("status"):
        assessments = assessments.filter(status=chosen["status"])

    page = Paginator(assessments, PAGE_SIZE).get_page(request.GET.get("page"))
    # Scored for this page only: a fixed number of queries however many there are.
    on_page = list(page.object_list)
    data = assessment_data_many(on_page)
    context = {
        "page": page,
        "rows": [_row(a, score_data(data[a.pk])) for a in on_page],
        "filters": filters,
        "filtered": bool(chosen.get("team") or chosen.get("status")),
        "has_teams": bool(teams),
        "can_create": any(_allows(t.role, Role.EDITOR) for t in teams),
    }
    return render(request, "assessments/dashboard.html", context)


def assessment_new(request: HttpRequest) -> HttpResponse:
    form = NewAssessmentForm(request.POST or None, user=request.user)
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


def assessment_edit(request: HttpRequest, assessment_id) -> HttpResponse:
    needed = Role.EDITOR if request.method == "POST" else Role.VIEWER
    assessment = get_assessment_for_user(request.user, assessment_id, needed)
    can_edit = _allows(assessment.role, Role.EDITOR) and not assessment.is_locked

    form = DetailsForm(instance=assessment) if can_edit else None
    if request.method == "POST":
        if assessment.is_locked:
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

    is_owner = _allows(assessment.role, Role.OWNER)
    missing = None
    if is_owner and not assessment.is_locked:
        missing = _missing_required(score_data(assessment_data(assessment)))
    context = {
        "assessment": assessment,
        "form": form,
        "is_owner": is_owner,
        "missing": missing,
        "reopen_form": ReopenForm() if is_owner and assessment.is_locked else None,
        "events": list(assessment.events.all()),
    }
    return render(request, "assessments/assessment_form.html", context)


@require_POST
def assessment_submit(request: HttpRequest, assessment_id) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id, Role.OWNER)
    try:
        services.submit(assessment=assessment, user=request.user)
    except services.NotReady as e:
        messages.error(request, f"Not submitted: {e}")
        return redirect("assessment_edit", assessment.pk)
    except services.Locked:
        messages.error(request, "This assessment is already submitted.")
        return redirect("assessment_edit", assessment.pk)
    messages.success(request, "Submitted. Its answers and scores are now locked.")
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
    except services.NotReady as e:
        messages.error(request, f"Not reopened: {e}")
        return redirect("assessment_edit", assessment.pk)
    except services.Locked:
        messages.error(request, f"Not reopened: {services.Locked.message}")
        return redirect("assessment_edit", assessment.pk)
    messages.success(request, "Reopened. Answers can change again; it is scored as a draft.")
    return redirect("results", assessment.pk)


def assessment_delete(request: HttpRequest, assessment_id) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id, Role.OWNER)
    if request.method == "POST":
        title = assessment.title
        assessment.delete()
        messages.success(request, f"Deleted the assessment “{title}”.")
        return redirect("dashboard")
    context = {"assessment": assessment, "answer_count": assessment.answers.count()}
    return render(request, "assessments/assessment_confirm_delete.html", context)
