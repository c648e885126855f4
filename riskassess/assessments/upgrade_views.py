"""Moving a draft to a newer checklist version: a preview, then the move (editors)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from riskassess.accounts.models import Role
from riskassess.assessments import upgrade
from riskassess.assessments.access import get_assessment_for_user
from riskassess.assessments.lifecycle_forms import UpgradeForm


@require_http_methods(["GET", "POST"])
def assessment_upgrade(request: HttpRequest, assessment_id) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id, Role.EDITOR)
    if not assessment.is_editable:
        messages.error(request, "Only a draft can move to another checklist version.")
        return redirect("assessment_edit", assessment.pk)
    target = upgrade.newer_version(assessment)
    if target is None:
        messages.info(request, "This assessment already uses the newest published version.")
        return redirect("assessment_edit", assessment.pk)
    if request.method == "POST":
        form = UpgradeForm(request.POST)
        if form.is_valid():
            try:
                moves = upgrade.apply(
                    assessment, target_id=form.cleaned_data["target"], user=request.user
                )
            except upgrade.UpgradeError as error:
                messages.error(request, f"Not moved: {error}")
                return redirect("assessment_upgrade", assessment.pk)
            messages.success(
                request,
                f"Moved to version {moves.target.version}: {len(moves.carried)} answers carried, "
                f"{len(moves.to_confirm)} to confirm, {len(moves.new)} new questions.",
            )
            return redirect("questionnaire_start", assessment.pk)
        messages.error(request, "Not moved: the preview was incomplete. Look at it again.")
        return redirect("assessment_upgrade", assessment.pk)
    context = {
        "assessment": assessment,
        "plan": upgrade.plan(assessment, target),
        "form": UpgradeForm(initial={"target": target.pk}),
    }
    return render(request, "assessments/upgrade.html", context)
