"""Deployment pages and the base model catalogue.

Deployments are fetched through get_deployment_for_user (404 outside the team,
403 for too weak a role); lists show only the user's teams' deployments. The
catalogue is shared by all teams; what its pages show of deployments is not:
a viewer sees their own teams' deployments, staff also a bare count of all.
"""

from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from riskassess.accounts.models import Role
from riskassess.deployments import selectors, services, trend
from riskassess.deployments.access import get_base_model_for_user, get_deployment_for_user
from riskassess.deployments.forms import (
    BaseModelForm,
    DeploymentForm,
)
from riskassess.deployments.lines import lines, review_text
from riskassess.deployments.models import Lifecycle

PAGE_SIZE = 25
CATALOGUE_PAGE_SIZE = 50
CATALOGUE_PERMISSION = "deployments.edit_catalogue"


def web_address(text: str) -> str | None:
    """The model card's address, when it is one a link may point at (never `javascript:`)."""
    return text if text.lower().startswith(("https://", "http://")) else None


def deployment_detail(request: HttpRequest, deployment_id) -> HttpResponse:
    deployment = get_deployment_for_user(request.user, deployment_id)
    can_edit = Role.allows(deployment.role, Role.EDITOR)
    detail = selectors.detail(deployment, today=timezone.localdate())
    revisions = sum(len(a.revision_list) for a in detail.assessments)
    drafts = sum(not a.state.frozen for a in detail.assessments)
    can_assess = can_edit and deployment.lifecycle != Lifecycle.RETIRED
    context = {
        "deployment": deployment,
        "detail": detail,
        "review_text": review_text(detail.review),
        "can_edit": can_edit,
        "can_assess": can_assess,
        # Re-assessment starts from a submitted revision; a comparison needs two sides.
        "can_reassess": can_assess and revisions > 0,
        "can_compare": revisions + drafts >= 2 and revisions > 0,
        # From the revisions already loaded: the chart costs no query.
        "trend": trend.trend_chart(
            trend.Revision(
                assessment_id=a.pk,
                assessment=a.title,
                number=r.number,
                submitted_at=r.submitted_at,
                score=r.score,
                level=r.level,
                provisional=r.provisional,
            )
            for a in detail.assessments
            for r in a.revision_list
        ),
    }
    return render(request, "deployments/deployment_detail.html", context)


@require_http_methods(["GET", "POST"])
def deployment_edit(request: HttpRequest, deployment_id) -> HttpResponse:
    deployment = get_deployment_for_user(request.user, deployment_id, Role.EDITOR)
    # A copy, so that the page header keeps the saved name while errors are shown.
    form = DeploymentForm(
        request.POST or None, instance=copy.copy(deployment), role=deployment.role
    )
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.EDITABLE}
        try:
            services.update_deployment(
                deployment=deployment, user=request.user, role=deployment.role, **fields
            )
        except services.NotAllowed as e:
            messages.error(request, f"Not saved: {e}")
        else:
            messages.success(request, "Deployment saved.")
            return redirect("deployments:detail", deployment.pk)
    context = {"deployment": deployment, "form": form}
    return render(request, "deployments/deployment_form.html", context)


def base_model_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.catalogue(request.user), CATALOGUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "can_add": request.user.has_perm(CATALOGUE_PERMISSION)}
    return render(request, "deployments/base_model_list.html", context)


def base_model_detail(request: HttpRequest, base_model_id: int) -> HttpResponse:
    base = get_base_model_for_user(request.user, base_model_id)
    # Only the viewer's teams' deployments: the catalogue is shared, deployments are not.
    deployments = selectors.listed(request.user).filter(base_model=base)
    page = Paginator(deployments, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.rows(page.object_list, today=timezone.localdate())
    context = {
        "base": base,
        "card_link": web_address(base.model_card),
        "page": page,
        "rows": rows,
        "lines": list(zip(rows, lines(rows), strict=True)),
        "supersedes": list(base.supersedes.all()),
        # Staff see how widely it is used across all teams: a number, never whose.
        "all_teams_count": base.deployments.count() if request.user.is_staff else None,
    }
    return render(request, "deployments/base_model_detail.html", context)


@require_http_methods(["GET", "POST"])
def base_model_new(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(CATALOGUE_PERMISSION):
        raise PermissionDenied("Adding to the catalogue needs the catalogue editor permission.")
    form = BaseModelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            base = services.create_base_model(user=request.user, **form.cleaned_data)
        except services.Duplicate as e:
            form.duplicate = e.existing
            form.add_error("name", str(e))
        else:
            messages.success(request, f"Added “{base}” to the catalogue.")
            return redirect("deployments:base_model", base.pk)
    return render(request, "deployments/base_model_form.html", {"form": form})
