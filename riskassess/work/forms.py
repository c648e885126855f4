"""The assignment form, and the small one behind "Mark done"."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from riskassess.accounts.fields import MemberField
from riskassess.notifications.services import is_site_path
from riskassess.work import services
from riskassess.work.models import NOTE_MAX

KEY_MAX = 50


class AnswererField(MemberField):
    """A member able to answer (the queryset the form sets)."""

    default_error_messages = {"invalid_choice": services.NOT_ABLE}


class AssignForm(forms.Form):
    item = forms.CharField(required=False, max_length=KEY_MAX, widget=forms.HiddenInput)
    category = forms.CharField(required=False, max_length=KEY_MAX, widget=forms.HiddenInput)
    assignee = AnswererField(
        queryset=None,
        label="Assign to",
        empty_label="Choose a member",
        help_text="Editors and owners of the team: the members who can answer.",
    )
    answer_by = forms.DateField(
        required=False,
        label="Answer by",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional; not in the past.",
    )
    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        label="Note",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"Optional, up to {NOTE_MAX} characters. It is not e-mailed.",
    )

    def __init__(self, *args, assessment, **kwargs):
        super().__init__(*args, **kwargs)
        self.assessment = assessment
        self.fields["assignee"].queryset = services.answerers(assessment.team_id)
        for name in ("assignee",):
            self.fields[name].widget.attrs["class"] = "form-select"
        for name in ("answer_by", "note"):
            self.fields[name].widget.attrs["class"] = "form-control"
        self.fields["answer_by"].widget.attrs["min"] = timezone.localdate().isoformat()
        self.fields["note"].widget.attrs["maxlength"] = NOTE_MAX

    def clean_answer_by(self):
        value = self.cleaned_data["answer_by"]
        if value is not None and value < timezone.localdate():
            raise forms.ValidationError(services.PAST)
        return value

    def clean_note(self) -> str:
        return self.cleaned_data["note"].strip()

    def clean(self):
        data = super().clean()
        try:
            data["category_of_target"] = services.target_category(
                self.assessment,
                item_key=data.get("item", ""),
                category_key=data.get("category", ""),
            )
        except services.Refused as exc:
            raise forms.ValidationError(str(exc)) from None
        return data


class DoneForm(forms.Form):
    # Where to go back to: a path on this site, or the default.
    next = forms.CharField(required=False, max_length=500)

    def clean_next(self) -> str:
        value = self.cleaned_data["next"]
        return value if is_site_path(value) else ""
