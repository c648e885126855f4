"""Comparing two reports of one deployment (issue 13): the page and its JSON export.

`GET /d/<deployment>/compare/?before=<ref>&after=<ref>` and `compare.json` with
the same query, for any member of the deployment's team (viewer and up). A ref
is `r-<revision id>` (a revision of one of the deployment's assessments: its
frozen report) or `a-<assessment id>` (a draft of the deployment: its live
report). The deployment comes through its access-checked getter, and a ref is
accepted only from the choices of that deployment, so a ref of another
deployment, another team's included, is a 404 like any unknown one.

The comparison itself is comparison.compare (docs/comparison.md); the page words
it through pdf_compare, as the PDF's "Changes since revision N" does. Queries:
the deployment, its assessments, its revisions (small columns), the chosen
revisions' reports, and a draft's report (build_report) per draft compared,
whatever the number of items or revisions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from riskassess import present
from riskassess.accounts.models import Role
from riskassess.assessments.models import Assessment, Revision
from riskassess.deployments.access import get_deployment_for_user
from riskassess.reports import comparison, pdf_compare, present_v2
from riskassess.reports.build import build_report

REVISION, DRAFT = "r", "a"


@dataclass
class Side:
    """One thing of the deployment that can be compared: a revision, or a draft as it is now."""

    ref: str
    choice: str  # as the form lists it
    label: str  # as the comparison names it
    at: datetime  # submitted, or a draft's last change
    assessment: Assessment
    revision: Revision | None = None

    @property
    def url(self) -> str:
        if self.revision is None:
            return reverse("results", args=[self.assessment.pk])
        return reverse("revision_results", args=[self.assessment.pk, self.revision.number])

    @property
    def tag(self) -> str:
        """For the JSON's file name: "r2-2026-03-01", "draft-2026-06-10"."""
        day = self.at.date().isoformat()
        return f"r{self.revision.number}-{day}" if self.revision else f"draft-{day}"


def sides_of(deployment) -> list[Side]:
    """The deployment's revisions and drafts, newest first: two queries."""
    found = deployment.assessments.select_related("team", "checklist").defer("snapshot")
    assessments = {assessment.pk: assessment for assessment in found}
    sides = []
    for revision in pdf_compare.deployment_revisions({"assessment__deployment": deployment}):
        assessment = assessments[revision.assessment_id]
        title = f"“{assessment.title}” revision {revision.number}"
        level = present.level(revision.level or None).lower()
        sides.append(
            Side(
                ref=f"{REVISION}-{revision.pk}",
                choice=f"{title}, {present.day(revision.submitted_at)}, {level}",
                label=title,
                at=revision.submitted_at,
                assessment=assessment,
                revision=revision,
            )
        )
    for assessment in assessments.values():
        if assessment.state.frozen:
            continue
        draft = f"“{assessment.title}” draft"
        archived = " (archived)" if assessment.archived_at else ""
        sides.append(
            Side(
                ref=f"{DRAFT}-{assessment.pk}",
                choice=f"{draft}{archived}, last change {present.when(assessment.updated_at)}",
                label=draft,
                at=assessment.updated_at,
                assessment=assessment,
            )
        )
    return sorted(sides, key=lambda side: side.at, reverse=True)


def defaults(sides: list[Side]) -> tuple[str, str] | None:
    """(before, after): the latest revision and the one before it, or, when a draft changed
    since the latest revision, the latest revision and that draft."""
    revisions = [s for s in sides if s.revision is not None]
    drafts = [s for s in sides if s.revision is None and not s.assessment.archived_at]
    newer = [d for d in drafts if not revisions or d.at > revisions[0].at]
    after = newer[0] if newer else (revisions[0] if revisions else None)
    if after is None:
        return None
    rest = [s for s in revisions if s is not after] or [s for s in sides if s is not after]
    return (rest[0].ref, after.ref) if rest else None


class CompareForm(forms.Form):
    """The two sides, as refs: only the deployment's own are valid choices."""

    before = forms.ChoiceField(label="Before", widget=forms.Select(attrs={"class": "form-select"}))
    after = forms.ChoiceField(label="After", widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, data, *, sides: list[Side]):
        super().__init__(data)
        choices = [(side.ref, side.choice) for side in sides]
        self.fields["before"].choices = choices
        self.fields["after"].choices = choices


def _chosen(request: HttpRequest, deployment_id):
    """(deployment, sides, form) for the request; 404 for a ref not of this deployment."""
    deployment = get_deployment_for_user(request.user, deployment_id, Role.VIEWER)
    sides = sides_of(deployment)
    given = {name: request.GET.get(name, "").strip() for name in ("before", "after")}
    fallback = defaults(sides)
    if fallback is None and not any(given.values()):
        return deployment, sides, None
    data = {
        name: value or (fallback[index] if fallback else "")
        for index, (name, value) in enumerate(given.items())
    }
    form = CompareForm(data, sides=sides)
    if not form.is_valid():
        # Malformed, unknown, or of another deployment: all look the same.
        raise Http404("No such revision or draft of this deployment.")
    return deployment, sides, form


def _reports(sides: list[Side]) -> list[dict]:
    """The two sides' reports: revisions' frozen ones in one query, a draft's built live."""
    wanted = [side.revision.pk for side in sides if side.revision is not None]
    frozen = dict(Revision.objects.filter(pk__in=wanted).order_by().values_list("pk", "report"))
    return [
        frozen[side.revision.pk] if side.revision is not None else build_report(side.assessment)
        for side in sides
    ]


def compared(sides: list[Side]) -> dict:
    before, after = _reports(sides)
    return comparison.compare(
        before, after, before_label=sides[0].label, after_label=sides[1].label
    )


def _pick(sides: list[Side], form: CompareForm) -> list[Side]:
    by_ref = {side.ref: side for side in sides}
    return [by_ref[form.cleaned_data["before"]], by_ref[form.cleaned_data["after"]]]


def _profile_rows(result: dict) -> list[dict]:
    def answers(side):
        if side is None:
            return present.DASH
        return "; ".join(side["labels"]) or "Not answered"

    return [
        {
            **row,
            "before_text": answers(row["before"]),
            "after_text": answers(row["after"]),
            "impact_text": present.signed(row["impact_delta"], present.points),
        }
        for row in result["profile"] or []
    ]


def _coverage_rows(result: dict) -> list[dict]:
    rows = []
    for framework in result["coverage"] or []:
        counts = framework["counts"]
        statuses = [
            {
                "label": present.coverage_status(status),
                "class": present_v2.status_class(status),
                "before": (counts["before"] or {}).get(status, 0),
                "after": (counts["after"] or {}).get(status, 0),
            }
            for status in present_v2.STATUSES
        ]
        requirements = [
            {
                **r,
                "before_label": present.coverage_status(r["before"]),
                "after_label": present.coverage_status(r["after"]),
                "after_class": present_v2.status_class(r["after"] or "not covered"),
            }
            for r in framework["requirements"]
        ]
        rows.append(
            {
                **framework,
                "statuses": [s for s in statuses if s["before"] or s["after"]],
                "requirements": requirements,
            }
        )
    return rows


@require_GET
@never_cache
def compare_page(request: HttpRequest, deployment_id) -> HttpResponse:
    deployment, sides, form = _chosen(request, deployment_id)
    context = {"deployment": deployment, "sides": sides, "form": form}
    if form is not None:
        chosen = _pick(sides, form)
        result = compared(chosen)
        query = urlencode({"before": chosen[0].ref, "after": chosen[1].ref})
        context.update(
            {
                "chosen": chosen,
                "result": result,
                "reading": pdf_compare.reading(result),
                "notes": pdf_compare.notes(result),
                "overall": pdf_compare.overall_rows(result),
                "categories": pdf_compare.category_rows(result),
                "counts": pdf_compare.count_rows(result),
                "groups": pdf_compare.item_groups(result),
                "profile": _profile_rows(result),
                "coverage": _coverage_rows(result),
                "json_url": reverse("compare_json", args=[deployment.pk]) + "?" + query,
            }
        )
    return render(request, "reports/compare.html", context)


@require_GET
@never_cache
def compare_json(request: HttpRequest, deployment_id) -> HttpResponse:
    deployment, sides, form = _chosen(request, deployment_id)
    if form is None:
        raise Http404("This deployment has fewer than two reports to compare.")
    chosen = _pick(sides, form)
    body = json.dumps(compared(chosen), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json")
    name = slugify(deployment.name)[:60] or "deployment"
    filename = f"{name}-comparison-{chosen[0].tag}-to-{chosen[1].tag}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
