from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from riskassess.checklist import wording
from riskassess.checklist.selectors import (
    checklist_tree,
    checklist_versions,
    format_2_parts,
    visible_checklists,
)
from riskassess.checklist.spec_v2 import DEFAULT_MATRIX, DEFAULT_TIERS, LEVELS, TIERS


def checklist_list(request: HttpRequest) -> HttpResponse:
    context = {"checklists": checklist_versions(request.user)}
    return render(request, "checklist/checklist_list.html", context)


def checklist_detail(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    checklist = get_object_or_404(visible_checklists(request.user), slug=slug, version=version)
    categories = checklist_tree(checklist)
    context = {"checklist": checklist, "categories": categories}
    if checklist.format == 2:
        context.update(_format_2(checklist, categories))
    return render(request, "checklist/checklist_detail.html", context)


def _format_2(checklist, categories) -> dict:
    """The profile, the tiers and matrix, and each condition and tag in words, for reading."""
    parts = format_2_parts([checklist.pk])[checklist.pk]
    profile = wording.profile_data(parts["profile"])
    names = {f.key: f.name for f in parts["frameworks"]}
    for category in categories:
        category.applies_text = wording.describe(category.applies_if, profile)
        for item in category.item_list:
            item.applies_text = wording.describe(item.applies_if, profile)
            item.critical_text = wording.describe(item.critical_if, profile)
            item.tags = [(names.get(key, key), ids) for key, ids in (item.frameworks or {}).items()]
    tiers = checklist.impact_tiers or DEFAULT_TIERS
    matrix = checklist.level_matrix or DEFAULT_MATRIX
    return {
        "profile": profile,
        "frameworks": parts["frameworks"],
        # Each tier with the impact total it starts at, and its row of the matrix.
        "tiers": [
            {
                "name": tier.replace("_", " ").capitalize(),
                "from": tiers.get(tier, 0),
                "row": [matrix[tier][level] for level in LEVELS],
            }
            for tier in TIERS
        ],
        "levels": LEVELS,
    }
