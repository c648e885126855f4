"""An assessment's review: the page a reviewer decides on, and the decisions.

Thin: the getter checks access (404 outsiders, 403 too weak a role), a form
checks the input, workflow.transition makes the move and says why it cannot.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from riskassess.accounts.models import Role
from riskassess.assessments import review, revisions, workflow
from riskassess.assessments.access import get_assessment_for_user
from riskassess.assessments.models import Assessment
from riskassess.assessments.review_forms import ApproveForm, ChangesForm


def _context(assessment: Assessment, user, *, approve=None, changes=None) -> dict:
    pending = review.under_review(assessment)
    can_decide = workflow.allowed(assessment, "approve", assessment.role)
    reviewed = [r for r in revisions.timeline(assessment) if r.review_requested]
    latest = reviewed[-1] if reviewed else None
    return {
        "assessment": assessment,
        "pending": pending,
        "timeline": reviewed,
        # The latest decision, when it was an approval and still stands: the state is one
        # of a review's (in review or approved) and nothing waits for a decision.
        "approved": latest.review if latest and assessment.state.reviewed and not pending else None,
        "can_decide": can_decide,
        "is_reviewer": Role.reviews(assessment.role),
        "obstacles": workflow.obstacles(assessment, "approve", user) if can_decide else [],
        "approve_form": approve or ApproveForm(),
        "changes_form": changes or ChangesForm(),
        "can_withdraw": workflow.allowed(assessment, "withdraw", assessment.role),
        "review_required": assessment.team.review_required,
    }


@require_GET
def review_page(request: HttpRequest, assessment_id) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id)
    return render(request, "assessments/review.html", _context(assessment, request.user))


def _for_reviewer(user, assessment_id) -> Assessment:
    """The assessment, for a member with the reviewer role: outsiders 404, any other role
    403 (an owner outranks a reviewer, but does not decide reviews: Role.reviews)."""
    assessment = get_assessment_for_user(user, assessment_id, Role.REVIEWER)
    if not Role.reviews(assessment.role):
        raise PermissionDenied("Only the team's reviewers decide reviews.")
    return assessment


# Each decision: its form, the form's text field, the context key the form is shown
# under again with its errors, and what the reviewer is told once it is made.
DECISIONS = {
    "approve": (ApproveForm, "statement", "approve",
                "Approved. The sign-off is recorded with the revision's fingerprint."),
    "request_changes": (ChangesForm, "notes", "changes",
                        "Sent back to the team as a draft, with your notes."),
}  # fmt: skip


def _decide(request: HttpRequest, assessment_id, name: str) -> HttpResponse:
    assessment = _for_reviewer(request.user, assessment_id)
    form_class, field, key, done = DECISIONS[name]
    form = form_class(request.POST)
    if form.is_valid():
        text = form.cleaned_data[field]
        try:
            workflow.transition(assessment, name, user=request.user, text=text, note=text)
        except workflow.NotAllowed as refused:
            messages.error(request, f"Not {workflow.TRANSITIONS[name].verb}: {refused}")
        else:
            messages.success(request, done)
            return redirect("assessment_review", assessment.pk)
    context = _context(assessment, request.user, **{key: form})
    return render(request, "assessments/review.html", context, status=400)


@require_POST
def review_approve(request: HttpRequest, assessment_id) -> HttpResponse:
    return _decide(request, assessment_id, "approve")


@require_POST
def review_request_changes(request: HttpRequest, assessment_id) -> HttpResponse:
    return _decide(request, assessment_id, "request_changes")


@require_POST
def review_withdraw(request: HttpRequest, assessment_id) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id, Role.OWNER)
    try:
        workflow.transition(assessment, "withdraw", user=request.user)
    except workflow.NotAllowed as refused:
        messages.error(request, f"Not withdrawn: {refused}")
        return redirect("assessment_review", assessment.pk)
    messages.success(request, "Withdrawn from review: it is a draft again.")
    return redirect("assessment_edit", assessment.pk)
