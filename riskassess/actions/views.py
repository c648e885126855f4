"""The Action plan tab, its findings and actions. Thin: the getter checks access (404
outsider, 403 too weak a role), a form checks input, a service acts.

Every plan URL hangs from an assessment, and an action or a finding is looked up
within that assessment's deployment: another deployment's ids are 404 here.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from riskassess.accounts.models import Role
from riskassess.actions import exports, selectors, services
from riskassess.actions.forms import (
    ActionForm,
    DecisionForm,
    ProposalForm,
    StatusForm,
    TreatmentForm,
)
from riskassess.actions.models import Action, Finding, Status
from riskassess.actions.report import plan_parts
from riskassess.assessments.access import get_assessment_for_user
from riskassess.assessments.reportdata import finding_keys
from riskassess.reports.build import build_report


def _plan_url(assessment) -> str:
    return reverse("action_plan", args=[assessment.pk])


def _findings(report) -> list[tuple[str, str]]:
    """(key, label) of the report's findings, highest exposure first, for the forms."""
    items = {i["key"]: i for i in report["items"]}
    return [(k, f"{k} — {items[k]['question']}") for k in finding_keys(report["items"])]


@require_GET
def plan(request: HttpRequest, assessment_id) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id)
    report = build_report(assessment)
    previous = selectors.previous_revision(assessment.deployment_id, report)
    rows = selectors.plan_rows(assessment.deployment_id, report, selectors.previous_items(previous))
    context = {
        "assessment": assessment,
        "tab": "plan",
        "report": report,
        "rows": rows,
        "counts": selectors.summary(rows),
        "projection": report.get("projection"),
        "previous": previous,
        "changes": selectors.plan_changes(assessment.deployment_id),
        "can_plan": services.can_plan(assessment.role),
        "statuses": Status.choices,
    }
    return render(request, "actions/plan.html", context)


@require_GET
def plan_export(request: HttpRequest, assessment_id, fmt: str) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id)
    if fmt not in exports.FORMATS:
        raise Http404("No such format.")
    report = build_report(assessment)
    live = plan_parts(assessment.deployment_id, finding_keys(report["items"]))
    return exports.response(assessment, report, live, fmt)


def _finding_context(assessment, report, item_key: str) -> dict:
    item = next((i for i in report["items"] if i["key"] == item_key), None)
    if item is None:
        raise Http404("This assessment has no such item.")
    finding = Finding.objects.filter(
        deployment_id=assessment.deployment_id, item_key=item_key
    ).first()
    actions = (
        list(finding.actions.select_related("owner").order_by("due_on", "created_at"))
        if finding
        else []
    )
    return {
        "assessment": assessment,
        "tab": "plan",
        "item": item,
        "is_finding": item_key in finding_keys(report["items"]),
        "finding": finding,
        "actions": actions,
        "history": selectors.finding_history(assessment.deployment_id, item_key),
        "changes": list(finding.history.select_related("history_user")[:50]) if finding else [],
        "can_plan": services.can_plan(assessment.role),
        "can_accept": services.can_accept(assessment.role),
        "statuses": Status.choices,
    }


@require_http_methods(["GET", "POST"])
def finding(request: HttpRequest, assessment_id, item_key: str) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id)
    report = build_report(assessment)
    context = _finding_context(assessment, report, item_key)
    latest = services.latest_expiry(assessment.team)
    keys = finding_keys(report["items"])
    treatment_form = TreatmentForm(
        initial={"treatment": context["finding"].effective if context["finding"] else "undecided"}
    )
    proposal_form = ProposalForm(latest=latest)
    decision_form = DecisionForm()
    status = 200
    if request.method == "POST":
        step = request.POST.get("step", "")
        deployment_id = assessment.deployment_id
        try:
            if step == "treatment":
                treatment_form = TreatmentForm(request.POST)
                if treatment_form.is_valid():
                    services.decide(
                        deployment_id=deployment_id, item_key=item_key, user=request.user,
                        treatment=treatment_form.cleaned_data["treatment"], findings=keys,
                    )  # fmt: skip
                    messages.success(request, f"{item_key}: treatment saved.")
                    return redirect(request.path)
            elif step == "propose":
                proposal_form = ProposalForm(request.POST, latest=latest)
                if proposal_form.is_valid():
                    services.propose_acceptance(
                        deployment_id=deployment_id, item_key=item_key, user=request.user,
                        findings=keys, **proposal_form.cleaned_data,
                    )  # fmt: skip
                    messages.success(
                        request, f"{item_key}: acceptance proposed; an owner or a reviewer decides."
                    )
                    return redirect(request.path)
            elif step == "decide":
                decision_form = DecisionForm(request.POST)
                if decision_form.is_valid() and context["finding"] is not None:
                    accept = decision_form.cleaned_data["decision"] == "accept"
                    services.decide_acceptance(
                        finding=context["finding"], user=request.user, accept=accept
                    )
                    verb = "accepted" if accept else "declined: the finding is undecided again"
                    messages.success(request, f"{item_key}: risk {verb}.")
                    return redirect(request.path)
                decision_form.add_error(None, "No acceptance of this finding is waiting.")
            else:
                return HttpResponse("Unknown step.", status=400, content_type="text/plain")
        except services.Refused as exc:
            form = {"treatment": treatment_form, "propose": proposal_form}.get(step, decision_form)
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        status = 400
    context.update(
        treatment_form=treatment_form,
        proposal_form=proposal_form,
        decision_form=decision_form,
        latest=latest,
    )
    return render(request, "actions/finding.html", context, status=status)


def _action_page(request, assessment, report, action=None) -> HttpResponse:
    # A risk accepted (or proposed for acceptance) takes no action until it is set back
    # to mitigate (treatments.py): not offered, rather than refused after the post.
    accepted = set(
        Finding.objects.filter(
            deployment_id=assessment.deployment_id,
            treatment="accept",
            expires_on__gte=timezone.localdate(),
        ).values_list("item_key", flat=True)
    )
    findings = [(key, label) for key, label in _findings(report) if key not in accepted]
    if action is not None:
        # The findings it already addresses stay choosable, answered since or not.
        known = {k for k, _ in findings}
        findings += [(f.item_key, f.item_key) for f in action.findings.all()
                     if f.item_key not in known]  # fmt: skip
    initial = {}
    if action is None and request.GET.get("item"):
        initial["items"] = [request.GET["item"]]
    elif action is not None:
        initial = {
            "title": action.title, "description": action.description,
            "owner": action.owner_id, "due_on": action.due_on, "evidence": action.evidence_id,
            "items": [f.item_key for f in action.findings.all()],
        }  # fmt: skip
    data = request.POST if request.method == "POST" else None
    form = ActionForm(data, assessment=assessment, findings=findings, action=action,
                      initial=initial)  # fmt: skip
    context = {"assessment": assessment, "tab": "plan", "form": form, "action": action}
    if request.method == "GET":
        return render(request, "actions/action_form.html", context)
    if form.is_valid():
        fields = dict(form.cleaned_data)
        fields["item_keys"] = fields.pop("items")
        try:
            if action is None:
                services.create_action(
                    deployment_id=assessment.deployment_id, user=request.user,
                    findings=[k for k, _ in findings], **fields,
                )  # fmt: skip
                messages.success(request, f"Action “{fields['title']}” planned.")
            else:
                services.edit_action(
                    action=action, user=request.user, findings=[k for k, _ in findings], **fields
                )
                messages.success(request, f"Action “{fields['title']}” saved.")
            return redirect(_plan_url(assessment))
        except services.Refused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
    return render(request, "actions/action_form.html", context, status=400)


@require_http_methods(["GET", "POST"])
def action_new(request: HttpRequest, assessment_id) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id, Role.EDITOR)
    return _action_page(request, assessment, build_report(assessment))


def _action(assessment, action_id) -> Action:
    return get_object_or_404(
        Action.objects.prefetch_related("findings"),
        pk=action_id,
        deployment_id=assessment.deployment_id,
    )


@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, assessment_id, action_id) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id, Role.EDITOR)
    action = _action(assessment, action_id)
    return _action_page(request, assessment, build_report(assessment), action)


@require_POST
def action_status(request: HttpRequest, assessment_id, action_id) -> HttpResponse:
    # Any member may reach it (the owner may be a viewer); the service lets only the
    # action's owner or an editor move it.
    assessment = get_assessment_for_user(request.user, assessment_id)
    action = _action(assessment, action_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Choose a status.", status=400, content_type="text/plain")
    if not services.can_move(action, request.user, assessment.role):
        raise PermissionDenied("Only the action's owner or an editor changes its status.")
    status = form.cleaned_data["status"]
    if services.move(action=action, user=request.user, role=assessment.role, status=status):
        label = Status(status).label.lower()
        note = " Its findings are flagged to be answered again." if status == Status.DONE else ""
        messages.success(request, f"“{action.title}” is now {label}.{note}")
    else:
        messages.info(request, f"“{action.title}” already was {Status(status).label.lower()}.")
    return redirect(form.cleaned_data["next"] or _plan_url(assessment))
