from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from riskassess.checklist.selectors import checklist_tree, checklist_versions, visible_checklists


def checklist_list(request: HttpRequest) -> HttpResponse:
    context = {"checklists": checklist_versions(request.user)}
    return render(request, "checklist/checklist_list.html", context)


def checklist_detail(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    checklist = get_object_or_404(visible_checklists(request.user), slug=slug, version=version)
    context = {"checklist": checklist, "categories": checklist_tree(checklist)}
    return render(request, "checklist/checklist_detail.html", context)
