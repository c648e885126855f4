"""Assigning questions, marking them done, and My work. Thin: the getter checks access
(404 outsider, 403 too weak a role), a form checks input, a service acts."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from riskassess.accounts.models import Role
from riskassess.actions.models import Status
from riskassess.actions.selectors import my_actions
from riskassess.assessments.access import get_assessment_for_user
from riskassess.assessments.models import Assessment
from riskassess.checklist.models import Category, Item
from riskassess.work import selectors, services
from riskassess.work.forms import AssignForm, DoneForm
from riskassess.work.models import Assignment


def _target(assessment: Assessment, item_key: str, category_key: str) -> dict:
    """What is being assigned, for the page: 404 if the checklist has no such thing."""
    if item_key and not category_key:
        item = (
            Item.objects.select_related("category")
            .filter(checklist_id=assessment.checklist_id, key=item_key)
            .first()
        )
        if item is not None:
            return {
                "kind": "item",
                "key": item.key,
                "label": item.question,
                "category_key": item.category.key,
                "back": services.questionnaire_link(assessment.pk, item.category.key, item.key),
            }
    elif category_key and not item_key:
        category = Category.objects.filter(
            checklist_id=assessment.checklist_id, key=category_key
        ).first()
        if category is not None:
            return {
                "kind": "category",
                "key": category.key,
                "label": category.name,
                "category_key": category.key,
                "back": services.questionnaire_link(assessment.pk, category.key),
            }
    raise Http404("No such item or category in this checklist.")


@require_http_methods(["GET", "POST"])
def assign(request: HttpRequest, assessment_id) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id, Role.EDITOR)
    source = request.POST if request.method == "POST" else request.GET
    target = _target(assessment, source.get("item", ""), source.get("category", ""))
    initial = {target["kind"]: target["key"]}
    context = {
        "assessment": assessment,
        "target": target,
        "current": selectors.open_by_target(assessment).get((target["kind"], target["key"])),
    }
    if not assessment.is_editable:
        context["notice"] = services.Locked.message
        return render(request, "work/assign.html", context, status=409)
    if request.method == "GET":
        context["form"] = AssignForm(assessment=assessment, initial=initial)
        return render(request, "work/assign.html", context)

    form = AssignForm(request.POST, assessment=assessment, initial=initial)
    context["form"] = form
    if not form.is_valid():
        return render(request, "work/assign.html", context, status=400)
    data = form.cleaned_data
    try:
        assignment = services.assign(
            assessment=assessment,
            assignee=data["assignee"],
            user=request.user,
            item_key=data["item"],
            category_key=data["category"],
            answer_by=data["answer_by"],
            note=data["note"],
        )
    except services.Locked as exc:
        context["notice"] = str(exc)
        return render(request, "work/assign.html", context, status=409)
    except services.Refused as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        return render(request, "work/assign.html", context, status=400)
    what = target["key"] if target["kind"] == "item" else f"“{target['label']}”"
    messages.success(request, f"Assigned {what} to {assignment.assignee.get_username()}.")
    return redirect(target["back"])


@require_POST
def assignment_done(request: HttpRequest, assessment_id, assignment_id) -> HttpResponse:
    # Any member may reach it (the assignee may be one no longer able to answer);
    # the service lets only the assignee or an editor close it.
    assessment = get_assessment_for_user(request.user, assessment_id)
    assignment = get_object_or_404(Assignment, pk=assignment_id, assessment=assessment)
    form = DoneForm(request.POST)
    back = form.cleaned_data["next"] if form.is_valid() else ""
    done = services.mark_done(assignment=assignment, user=request.user, role=assessment.role)
    if done:
        messages.success(request, f"Marked {assignment.target_key} done.")
    else:
        messages.info(request, f"{assignment.target_key} was already done.")
    return redirect(back or "my_work")


@require_GET
def my_work(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "assigned": selectors.assigned_to(user),
        "actions": my_actions(user),
        "statuses": Status.choices,
        "reviews": selectors.reviews_waiting(user),
        "mentions": selectors.mentions(user),
        "page": selectors.notifications_page(user, request.GET.get("page")),
    }
    return render(request, "work/my_work.html", context)
