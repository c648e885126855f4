"""The dashboard: the user's teams' deployments, what each needs, filtered, sorted, searched.

Each row reads what is stored (summary.py): the latest revision's level, the
next review date, and the current assessment with its stored scoring, so a
page costs the same few queries whatever the number of deployments and
assessments (tests/deployments/test_dashboard.py counts them at two sizes;
bench/dashboard.py measures it with 2,000 deployments and 10,000 assessments).
Every filter and sort is a column with an index.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.core.paginator import Paginator
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from riskassess.accounts.models import Role, Team
from riskassess.deployments import selectors
from riskassess.deployments.lines import lines
from riskassess.deployments.models import LEVEL_RANK, BaseModel, Lifecycle

PAGE_SIZE = 25
SEARCH_MAX = 100

LEVELS = [
    ("critical", "Critical"),
    ("high", "High"),
    ("medium", "Medium"),
    ("low", "Low"),
    ("none", "Never submitted"),
]
DUE = [
    ("now", "Due now or overdue"),
    ("overdue", "Overdue"),
    ("30", "Due within 30 days"),
    ("90", "Due within 90 days"),
    ("never", "Never assessed"),
]
ACTIONS = [("overdue", "With overdue actions"), ("open", "With open actions")]
# Open or in progress (actions.models.ACTIVE): this app cannot import the one above it.
ACTIVE_ACTIONS = ("open", "in_progress")
# name -> (label, ordering). Ties are broken by name, then id: pages never overlap.
SORTS = {
    "due": ("Next review, soonest first", [F("review_due").asc(nulls_last=True)]),
    "level": ("Level, worst first", [F("level_rank").desc()]),
    "name": ("Name", []),
    "team": ("Team", [Lower("team__name")]),
    "base": ("Base model", [Lower("base_model__provider"), Lower("base_model__name")]),
    "submitted": ("Latest submission first", [F("last_submitted_at").desc(nulls_last=True)]),
}


class DashboardForm(forms.Form):
    """GET filters; a value that is not one of the choices (a foreign team) is dropped."""

    q = forms.CharField(required=False, max_length=SEARCH_MAX, label="Search")
    team = forms.ChoiceField(required=False)
    level = forms.ChoiceField(required=False, choices=[("", "All levels"), *LEVELS])
    lifecycle = forms.ChoiceField(
        required=False, label="Stage", choices=[("", "All stages"), *Lifecycle.choices]
    )
    base = forms.ChoiceField(required=False, label="Base model")
    due = forms.ChoiceField(required=False, label="Review", choices=[("", "Any date"), *DUE])
    actions = forms.ChoiceField(
        required=False, label="Actions", choices=[("", "Any actions"), *ACTIONS]
    )
    sort = forms.ChoiceField(
        required=False, choices=[(key, label) for key, (label, _) in SORTS.items()]
    )

    def __init__(self, *args, teams, base_models, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "All teams")] + [(str(t.pk), t.name) for t in teams]
        self.fields["base"].choices = [("", "All base models")] + [
            (str(b.pk), str(b)) for b in base_models
        ]

    @property
    def filtered(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return any(
            data.get(name) for name in ("q", "team", "level", "lifecycle", "base", "due", "actions")
        )


def filtered(deployments: QuerySet, chosen: dict, today) -> QuerySet:
    """`deployments` narrowed by the form's valid choices."""
    if chosen.get("q"):
        text = chosen["q"]
        deployments = deployments.filter(
            Q(name__icontains=text)
            | Q(model_name__icontains=text)
            | Q(base_model_text__icontains=text)
            | Q(base_model__name__icontains=text)
            | Q(base_model__provider__icontains=text)
        )
    if chosen.get("team"):
        deployments = deployments.filter(team_id=chosen["team"])
    if chosen.get("level"):
        deployments = deployments.filter(level_rank=LEVEL_RANK.get(chosen["level"], 0))
    if chosen.get("lifecycle"):
        deployments = deployments.filter(lifecycle=chosen["lifecycle"])
    if chosen.get("base"):
        deployments = deployments.filter(base_model_id=chosen["base"])
    due = chosen.get("due")
    if due == "now":
        deployments = deployments.filter(review_due__lte=today)
    elif due == "overdue":
        # Never assessed counts as due now, not overdue (review.py).
        deployments = deployments.filter(review_due__lt=today, last_submitted_at__isnull=False)
    elif due in ("30", "90"):
        deployments = deployments.filter(review_due__lte=today + timedelta(days=int(due)))
    elif due == "never":
        deployments = deployments.exclude(lifecycle=Lifecycle.RETIRED).filter(
            last_submitted_at__isnull=True
        )
    if chosen.get("actions"):
        # The actions app's rows, through its reverse relation (Action.deployment,
        # indexed): a lookup by name, so this app still imports nothing above it.
        wanted = Q(actions__status__in=ACTIVE_ACTIONS)
        if chosen["actions"] == "overdue":
            wanted &= Q(actions__due_on__lt=today)
        deployments = deployments.filter(
            pk__in=deployments.model.objects.filter(wanted).values("pk")
        )
    return deployments


def dashboard(request: HttpRequest) -> HttpResponse:
    teams = list(Team.objects.for_user(request.user).annotate_role(request.user).order_by("name"))
    # Only the base models the user's deployments are built on: the filter's choices.
    base_models = BaseModel.objects.filter(
        pk__in=selectors.listed(request.user).values("base_model")
    )
    form = DashboardForm(request.GET, teams=teams, base_models=base_models)
    form.is_valid()  # invalid values (an unknown or foreign team) are simply not applied
    chosen = form.cleaned_data
    today = timezone.localdate()
    sort = chosen.get("sort") or "due"

    deployments = filtered(selectors.listed(request.user), chosen, today)
    deployments = deployments.order_by(*SORTS[sort][1], Lower("name"), "pk")
    # The page is sorted and cut on the keys alone, then its rows are read by key:
    # a deep page sorts narrow rows, not whole ones (docs/performance.md).
    keys = deployments.values_list("pk", flat=True)
    page = Paginator(keys, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.rows(selectors.in_order(list(page.object_list)), today=today)
    context = {
        "page": page,
        "rows": rows,
        "lines": list(zip(rows, lines(rows), strict=True)),
        "filters": form,
        "sort": sort,
        "filtered": form.filtered,
        "has_teams": bool(teams),
        "can_create": any(Role.allows(t.role, Role.EDITOR) for t in teams),
    }
    return render(request, "deployments/dashboard.html", context)


def deployment_list(request: HttpRequest) -> HttpResponse:
    """The deployments list is the dashboard (kept for old links and bookmarks)."""
    query = request.GET.urlencode()
    return redirect(f"{reverse('dashboard')}?{query}" if query else reverse("dashboard"))
