"""Verify a report: paste a fingerprint or upload a PDF or JSON report (any member).

The upload is read into memory up to the size limit and never stored; a
larger one is stopped while it is still arriving. Matches are looked up only
among the revisions of the member's own teams, and a miss says the same
whether or not another team has the report.
"""

from django import forms
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from riskassess.reports import verify

MAX_MB = verify.MAX_BYTES // (1024 * 1024)


class VerifyForm(forms.Form):
    fingerprint = forms.CharField(
        required=False,
        max_length=200,
        label="Fingerprint",
        help_text="As printed at the end of the PDF report or at the bottom of the results page.",
    )
    report = forms.FileField(
        required=False,
        label="Or a report file",
        help_text=f"A PDF or JSON report downloaded from riskassess, at most {MAX_MB} MB. "
        "It is read to find its fingerprint, never kept.",
    )

    def clean(self):
        data = super().clean()
        given = [name for name in ("fingerprint", "report") if data.get(name)]
        if len(given) != 1:
            raise forms.ValidationError(
                "Paste a fingerprint or choose a report file (one of them)."
            )
        try:
            if data.get("report"):
                upload = data["report"]
                if upload.size > verify.MAX_BYTES:
                    raise verify.NotAReport(f"The file is larger than {MAX_MB} MB.")
                data["claim"] = verify.from_file(upload.read(verify.MAX_BYTES + 1))
            else:
                data["claim"] = verify.from_text(data["fingerprint"])
        except verify.NotAReport as error:
            raise forms.ValidationError(str(error)) from None
        return data


class _SizeLimit(FileUploadHandler):
    """Stops an upload past the limit while it arrives, so it is never read whole."""

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > verify.MAX_BYTES + 1:
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


@csrf_exempt  # checked below, after the upload handler is in place (Django's documented way)
def verify_report(request: HttpRequest) -> HttpResponse:
    request.upload_handlers.insert(0, _SizeLimit(request))
    return _verify(request)


@csrf_protect
def _verify(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(request.POST or None, request.FILES or None)
    context = {"form": form, "max_mb": MAX_MB}
    status = 200
    if request.method == "POST":
        if _too_large(request):
            # The size limit stopped the file while it arrived: it is not in the form.
            form = VerifyForm()
            form.errors[forms.forms.NON_FIELD_ERRORS] = form.error_class(
                [f"The file is larger than {MAX_MB} MB: it is not a report."]
            )
            context["form"], status = form, 400
        elif form.is_valid():
            claim = form.cleaned_data["claim"]
            context["claim"] = claim
            context["matches"] = verify.matches(claim, user=request.user)
        else:
            status = 400
    return render(request, "reports/verify.html", context, status=status)


def _too_large(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    # The form's other fields and the multipart framing take a few hundred bytes.
    return length > verify.MAX_BYTES + 64 * 1024
