"""Re-assessing a deployment: a preview of what carries over, then the new draft (editors)."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from riskassess.accounts.models import Role
from riskassess.assessments import reassess
from riskassess.deployments.access import get_deployment_for_user


class ReassessForm(forms.Form):
    """The revision the preview showed: a newer submission since makes the preview stale."""

    revision = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


def _back(deployment) -> str:
    return reverse("deployments:detail", args=[deployment.pk])


@require_http_methods(["GET", "POST"])
def deployment_reassess(request: HttpRequest, deployment_id) -> HttpResponse:
    deployment = get_deployment_for_user(request.user, deployment_id, Role.EDITOR)
    try:
        moves = reassess.plan(deployment)
    except reassess.ReassessError as error:
        messages.error(request, f"Not re-assessed: {error}")
        return redirect(_back(deployment))
    if request.method == "POST":
        form = ReassessForm(request.POST)
        if not form.is_valid():
            messages.error(
                request, "Not re-assessed: the preview was incomplete. Look at it again."
            )
            return redirect("deployment_reassess", deployment.pk)
        try:
            assessment = reassess.start(
                deployment, user=request.user, expected_revision=form.cleaned_data["revision"]
            )
        except reassess.ReassessError as error:
            messages.error(request, f"Not re-assessed: {error}")
            return redirect("deployment_reassess", deployment.pk)
        messages.success(
            request,
            f"Re-assessment started from revision {moves.revision.number}: "
            f"{len(moves.carried)} answers carried, {len(moves.to_confirm)} to confirm, "
            f"{len(moves.new)} new questions.",
        )
        return redirect("questionnaire_start", assessment.pk)
    context = {
        "deployment": deployment,
        "plan": moves,
        "form": ReassessForm(initial={"revision": moves.revision.number}),
        "back": _back(deployment),
    }
    return render(request, "assessments/reassess.html", context)
