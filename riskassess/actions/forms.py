"""The action plan's forms: an action, a treatment, an acceptance and its decision, a status."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from riskassess.accounts.fields import MemberField as TeamMemberField
from riskassess.actions.models import TEXT_MAX, TITLE_MAX, Status, Treatment
from riskassess.evidence.models import Evidence
from riskassess.notifications.services import is_site_path

NOT_MEMBER = "Choose a member of this team as the owner."
PAST = "The due date cannot be in the past."


class MemberField(TeamMemberField):
    """Any active member of the team. Anything else, a non-member's id included, gets the
    same message: the form reveals no account outside the team."""

    default_error_messages = {"invalid_choice": NOT_MEMBER}


def members(team_id):
    return (
        get_user_model()
        .objects.filter(is_active=True, memberships__team_id=team_id)
        .order_by("username")
    )


class EvidenceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.item_key}: {obj.name}"


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.Select) and not isinstance(widget, forms.SelectMultiple):
            widget.attrs.setdefault("class", "form-select")
        elif not isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            widget.attrs.setdefault("class", "form-control")


class ActionForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX)
    description = forms.CharField(
        required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    owner = MemberField(queryset=None, empty_label="Choose a member",
                        help_text="Any member of the team; they update its status.")  # fmt: skip
    due_on = forms.DateField(label="Due on", widget=forms.DateInput(attrs={"type": "date"}))
    items = forms.MultipleChoiceField(
        label="Findings it addresses",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose findings of this assessment."},
    )
    evidence = EvidenceField(
        queryset=None,
        required=False,
        empty_label="None",
        help_text="Optional: evidence of this assessment the action relates to.",
    )

    def __init__(self, *args, assessment, findings: list[tuple[str, str]], action=None, **kw):
        super().__init__(*args, **kw)
        self.action = action
        self.fields["owner"].queryset = members(assessment.team_id)
        self.fields["items"].choices = findings
        self.fields["evidence"].queryset = (
            Evidence.objects.filter(assessment__deployment_id=assessment.deployment_id)
            .select_related("assessment")
            .order_by("item_key", "uploaded_at")
        )
        _style(self)
        if action is None:
            self.fields["due_on"].widget.attrs["min"] = timezone.localdate().isoformat()

    def clean_title(self) -> str:
        return self.cleaned_data["title"].strip()

    def clean_due_on(self):
        value = self.cleaned_data["due_on"]
        unchanged = self.action is not None and value == self.action.due_on
        if value < timezone.localdate() and not unchanged:
            raise forms.ValidationError(PAST)
        return value


class TreatmentForm(forms.Form):
    treatment = forms.ChoiceField(
        choices=[(Treatment.UNDECIDED, "Undecided"), (Treatment.MITIGATE, "Mitigate")],
        widget=forms.RadioSelect,
    )


class ProposalForm(forms.Form):
    justification = forms.CharField(
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Why the team can live with this risk; an owner or a reviewer decides.",
    )
    expires_on = forms.DateField(
        label="Accepted until", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, latest, **kw):
        super().__init__(*args, **kw)
        _style(self)
        self.fields["expires_on"].help_text = f"After today, and no later than {latest:%-d %B %Y}."
        self.fields["expires_on"].widget.attrs["max"] = latest.isoformat()


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("decline", "Decline")])


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)
    next = forms.CharField(required=False, max_length=500)

    def clean_next(self) -> str:
        value = self.cleaned_data["next"]
        return value if is_site_path(value) else ""
