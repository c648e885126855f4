"""Evidence of an item: list, add, remove, download. Thin: the getter checks
access (404 outsider, 403 too weak a role), a form checks input, a service acts."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from riskassess.accounts.models import Role
from riskassess.assessments.access import get_assessment_for_user
from riskassess.assessments.models import Assessment
from riskassess.checklist.models import Item
from riskassess.evidence import selectors, services
from riskassess.evidence.content import Refused
from riskassess.evidence.forms import EvidenceForm
from riskassess.evidence.models import Evidence
from riskassess.evidence.storage import evidence_storage


def _item(assessment: Assessment, item_key: str) -> Item:
    item = (
        Item.objects.select_related("category")
        .filter(checklist_id=assessment.checklist_id, key=item_key)
        .first()
    )
    if item is None:
        raise Http404("No such item in this checklist.")
    return item


def _back(assessment: Assessment, item: Item) -> str:
    page = reverse("questionnaire", args=[assessment.pk, item.category.key])
    return f"{page}#item-{item.key}"


def _page(request, assessment, item, *, form=None, notice="", status=200) -> HttpResponse:
    context = {
        "assessment": assessment,
        "item": item,
        "back": _back(assessment, item),
        "notice": notice,
        "item_list": [item],
        "ev": selectors.item_context(assessment, item.key, form),
    }
    return render(request, "evidence/item.html", context, status=status)


@require_GET
def item_evidence(request: HttpRequest, assessment_id, item_key: str) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id)
    return _page(request, assessment, _item(assessment, item_key))


class _SizeLimit(FileUploadHandler):
    """Stops a file past EVIDENCE_MAX_BYTES while it arrives: it is never spooled whole."""

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.EVIDENCE_MAX_BYTES:
            self.request.evidence_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


def _too_large(request: HttpRequest) -> bool:
    if getattr(request, "evidence_too_large", False):
        return True
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    # The form's other fields and the multipart framing take a few hundred bytes.
    return length > settings.EVIDENCE_MAX_BYTES + 64 * 1024


@require_POST
@csrf_exempt  # checked below, once the upload handler is in place (Django's documented way)
def evidence_add(request: HttpRequest, assessment_id, item_key: str) -> HttpResponse:
    request.upload_handlers.insert(0, _SizeLimit(request))
    return _add(request, assessment_id, item_key)


@csrf_protect
def _add(request: HttpRequest, assessment_id, item_key: str) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id, Role.EDITOR)
    item = _item(assessment, item_key)
    prefix = selectors.add_form_id(item.key)
    form = EvidenceForm(request.POST, request.FILES, prefix=prefix, form_id=prefix)
    if _too_large(request):
        form = EvidenceForm(prefix=prefix, form_id=prefix)
        form.errors["file"] = form.error_class([services.too_large()])
        return _page(request, assessment, item, form=form, status=400)
    if not form.is_valid():
        return _page(request, assessment, item, form=form, status=400)
    data = form.cleaned_data
    common = {
        "assessment": assessment,
        "item_key": item.key,
        "as_of": data["as_of"],
        "expires_on": data["expires_on"],
        "user": request.user,
    }
    try:
        if data["file"]:
            evidence = services.add_file(upload=data["file"], **common)
        else:
            evidence = services.add_link(url=data["url"], title=data["title"].strip(), **common)
    except services.Locked as exc:
        return _page(request, assessment, item, notice=str(exc), status=409)
    except Refused as exc:
        form.add_error("file", str(exc))
        return _page(request, assessment, item, form=form, status=400)
    messages.success(request, f"Added “{evidence.name}” to {item.key}.")
    return redirect(_back(assessment, item))


def _evidence(assessment: Assessment, evidence_id) -> Evidence:
    return get_object_or_404(Evidence, pk=evidence_id, assessment=assessment)


@require_POST
def evidence_remove(request: HttpRequest, assessment_id, evidence_id) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id, Role.EDITOR)
    evidence = _evidence(assessment, evidence_id)
    item = _item(assessment, evidence.item_key)
    evidence.assessment = assessment
    try:
        services.remove(evidence=evidence, user=request.user)
    except (services.Locked, services.Frozen) as exc:
        return _page(request, assessment, item, notice=str(exc), status=409)
    messages.success(request, f"Removed “{evidence.name}” from {item.key}.")
    return redirect(_back(assessment, item))


@require_GET
def evidence_download(request: HttpRequest, assessment_id, evidence_id) -> HttpResponse:
    """The file, streamed, as an attachment that no browser renders or runs."""
    assessment = get_assessment_for_user(request.user, assessment_id)
    evidence = _evidence(assessment, evidence_id)
    if not evidence.is_file:
        raise Http404("This evidence is a link, not a file.")
    try:
        handle = evidence_storage().open(evidence.storage_name, "rb")
    except FileNotFoundError:
        raise Http404("This file is missing from storage.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
