"""The team pages: a user's teams, and one team's members and settings (owners manage them)."""

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render

from riskassess.accounts.access import get_team_for_user
from riskassess.accounts.forms import (
    ACTIONS,
    AcceptanceMonthsForm,
    AddMemberForm,
    AttestationForm,
    ReviewIntervalForm,
    ReviewRequiredForm,
)
from riskassess.accounts.models import Membership, Role, Team

logger = logging.getLogger(__name__)


def teams(request: HttpRequest) -> HttpResponse:
    # Counted before for_user() filters: a filter on the same relation first
    # would narrow the join to the user's own row and count 1 everywhere.
    rows = (
        Team.objects.annotate(member_count=Count("memberships"))
        .for_user(request.user)
        .annotate_role(request.user)
        .order_by("name")
    )
    return render(request, "accounts/teams.html", {"teams": rows})


def team(request: HttpRequest, team_id) -> HttpResponse:
    needed = Role.OWNER if request.method == "POST" else Role.VIEWER
    team = get_team_for_user(request.user, team_id, needed)
    add_form = AddMemberForm(team=team, actor=request.user)
    attestation_form = AttestationForm(team=team, actor=request.user)
    review_form = ReviewIntervalForm(team=team, actor=request.user)
    required_form = ReviewRequiredForm(team=team, actor=request.user)
    acceptance_form = AcceptanceMonthsForm(team=team, actor=request.user)
    errors: list[str] = []
    if request.method == "POST":
        form_class = ACTIONS.get(request.POST.get("action", ""))
        if form_class is None:
            return HttpResponseBadRequest("Unknown action.")
        form = form_class(request.POST, team=team, actor=request.user)
        if form.is_valid():
            try:
                done = form.save()
            except ValidationError as e:
                form.add_error(None, e)
            except OperationalError:
                # A lost race the database broke up (a deadlock or a lock timeout):
                # nothing was changed, and the owner can simply try again.
                logger.warning("Membership change in team %s lost a race", team.pk, exc_info=True)
                form.add_error(
                    None,
                    "Someone changed this team's members at the same moment, so nothing was "
                    "changed. Check the list below and try again.",
                )
            else:
                messages.success(request, done)
                if not Membership.objects.filter(team=team, user=request.user).exists():
                    return redirect("teams")  # the owner removed themselves
                return redirect("team", team.pk)
        errors = [error for field_errors in form.errors.values() for error in field_errors]
        if isinstance(form, AddMemberForm):
            add_form = form  # keep what was typed
        if isinstance(form, AttestationForm):
            attestation_form = form
        if isinstance(form, ReviewIntervalForm):
            review_form = form
        if isinstance(form, ReviewRequiredForm):
            required_form = form
        if isinstance(form, AcceptanceMonthsForm):
            acceptance_form = form

    context = {
        "team": team,
        "memberships": team.memberships.select_related("user").order_by("user__username"),
        "is_owner": team.role == Role.OWNER,
        "add_form": add_form,
        "attestation_form": attestation_form,
        "review_form": review_form,
        "required_form": required_form,
        "acceptance_form": acceptance_form,
        "errors": errors,
        "roles": Role.choices,
    }
    return render(request, "accounts/team.html", context, status=400 if errors else 200)
