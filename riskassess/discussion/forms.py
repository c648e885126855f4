"""Every input of the discussion goes through one of these forms.

A comment's text is plain text: stripped, its line breaks made \\n (browsers
send \\r\\n, which would count twice against the limit), at most BODY_MAX
characters. `next` is where to go back to after the POST: a path on this
site, or nothing (the item's discussion page).
"""

from __future__ import annotations

from django import forms
from django.utils.http import url_has_allowed_host_and_scheme

from riskassess.discussion.models import BODY_MAX

NEXT_MAX = 1000


def safe_next(value: str) -> str:
    """`value` if it is a path on this site ("/a/…"), else ""."""
    value = value.strip()
    if not value.startswith("/") or value.startswith("//"):
        return ""
    if not url_has_allowed_host_and_scheme(value, allowed_hosts=None):
        return ""
    return value


class BodyField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()


class NextForm(forms.Form):
    next = forms.CharField(required=False, max_length=NEXT_MAX)

    def clean_next(self) -> str:
        return safe_next(self.cleaned_data["next"])


class CommentForm(NextForm):
    """The first comment of a new thread, or a reply."""

    body = BodyField(
        label="Comment",
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Write a comment first: it cannot be empty.",
            "max_length": f"A comment can be at most {BODY_MAX:,} characters: "
            "this one has %(show_value)d.",
            "null_characters_not_allowed": "A comment cannot contain NUL characters.",
        },
    )


class ActionForm(NextForm):
    """Resolve or reopen: nothing but where to go back to."""
