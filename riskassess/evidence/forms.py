"""The one form for adding evidence: a file or a link, with its dates.

On the questionnaire its fields sit inside the page's answers form, so they
name their own <form> element by its id (`form_id`): the browser posts them
to the evidence view, and Save never carries them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.utils import timezone

from riskassess.evidence.models import TITLE_MAX, URL_MAX

SCHEMES = {"http", "https"}


def check_url(value: str) -> str:
    """An absolute http(s) URL with a host, no spaces or control characters, no
    user name or password in it (`https://bank.example@evil.example`)."""
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in value):
        raise forms.ValidationError("A link cannot contain spaces or control characters.")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError for a malformed port)
    except ValueError:
        raise forms.ValidationError("This is not a valid link.") from None
    if parts.scheme.lower() not in SCHEMES:
        raise forms.ValidationError("Only http:// and https:// links are accepted.")
    if not parts.hostname:
        raise forms.ValidationError("The link has no host name.")
    if parts.username is not None or parts.password is not None:
        raise forms.ValidationError("A link cannot contain a user name or password.")
    return value


class EvidenceForm(forms.Form):
    file = forms.FileField(required=False, label="File")
    url = forms.CharField(required=False, max_length=URL_MAX, label="or a link (http or https)")
    title = forms.CharField(required=False, max_length=TITLE_MAX, label="Link title")
    as_of = forms.DateField(
        required=False,
        label="As of",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The date the evidence shows the facts as of (today if empty).",
    )
    expires_on = forms.DateField(
        required=False, label="Expires on", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, form_id: str = "", **kwargs):
        kwargs.setdefault("initial", {"as_of": timezone.localdate()})
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control form-control-sm"
            if form_id:
                field.widget.attrs["form"] = form_id
        self.fields["url"].widget.attrs["inputmode"] = "url"

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        return check_url(url) if url else ""

    def clean(self):
        data = super().clean()
        upload, url = data.get("file"), data.get("url")
        if self.errors:
            return data
        if upload and url:
            raise forms.ValidationError("Add a file or a link, not both at once.")
        if not upload and not url:
            raise forms.ValidationError("Choose a file, or give a link and its title.")
        if url and not data.get("title", "").strip():
            self.add_error("title", "Give the link a title.")
        as_of, expires = data.get("as_of"), data.get("expires_on")
        if expires and expires < (as_of or timezone.localdate()):
            self.add_error("expires_on", "The expiry date cannot be before the as-of date.")
        return data
