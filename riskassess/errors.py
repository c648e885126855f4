"""Error responses: JSON for the JSON endpoints, a plain page for everything else."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def wants_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json" or "application/json" in request.headers.get(
        "Accept", ""
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    message = "The security token of this page has expired. Reload the page and try again."
    if wants_json(request):
        return JsonResponse({"ok": False, "error": message, "csrf": True}, status=403)
    return render(request, "403_csrf.html", {"message": message}, status=403)
