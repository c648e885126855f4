"""Forms of the deployment pages and the base model catalogue: every input goes through one.

Team, timestamps and history are never form fields: posting them changes nothing.
"""

from __future__ import annotations

from django import forms
from django.core.validators import URLValidator
from django.utils.text import capfirst

from riskassess.accounts.models import Role
from riskassess.deployments.models import BaseModel, Deployment, Lifecycle
from riskassess.deployments.services import (
    EDITABLE,
    duplicate_message,
    eligible_owners,
    find_duplicate,
    may_set_lifecycle,
)

MODEL_CARD_SCHEMES = ["https", "http"]


def name_the_limits(form: forms.BaseForm) -> None:
    """Over-long text gets an error naming the field and its limit (as the assessment forms).

    The browser's maxlength is dropped: it silently cuts pasted text.
    """
    for field in form.fields.values():
        if isinstance(field, forms.CharField) and field.max_length:
            field.widget.attrs.pop("maxlength", None)
            field.error_messages["max_length"] = (
                f"{capfirst(field.label)} can be at most %(limit_value)d characters "
                "(this one has %(show_value)d)."
            )


class CatalogueChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: BaseModel) -> str:
        return f"{obj} (superseded)" if obj.superseded_by_id else str(obj)


class DeploymentForm(forms.ModelForm):
    """A deployment's details. Only owners retire a deployment or bring one back."""

    base_model = CatalogueChoiceField(
        queryset=BaseModel.objects.all(),
        required=False,
        label="Base model",
        empty_label="Not in the catalogue: type it below",
        help_text="The foundation model it is built on, from the shared catalogue.",
    )
    review_months = forms.IntegerField(
        label="Review interval (months)",
        min_value=1,
        max_value=60,
        help_text="How often it is re-assessed: the next review is due this long after "
        "the latest submission.",
    )

    class Meta:
        model = Deployment
        fields = EDITABLE
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "context": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "base_model_text": "As typed before the catalogue had it. Once an entry is "
            "picked above, that entry is shown; this text is kept.",
        }

    def __init__(self, *args, role: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.role = role
        owner = self.fields["owner"]
        owner.queryset = eligible_owners(self.instance.team)
        owner.required = True
        owner.empty_label = "Choose an owner"
        owner.help_text = "An editor or owner of the team, who answers for it."
        owner.error_messages["invalid_choice"] = (
            "The owner must be an editor or owner of the deployment's team."
        )

        lifecycle = self.fields["lifecycle"]
        lifecycle.label = "Stage"
        if not Role.allows(role, Role.OWNER):
            if self.instance.lifecycle == Lifecycle.RETIRED:
                lifecycle.disabled = True
                lifecycle.help_text = "Retired. Only an owner of the team can bring it back."
            else:
                lifecycle.choices = [c for c in Lifecycle.choices if c[0] != Lifecycle.RETIRED]
                lifecycle.help_text = "Only an owner of the team can retire it."
        self.fields["model_name"].widget.attrs["placeholder"] = "e.g. support-assistant 2.1"
        self.fields["base_model_text"].widget.attrs["placeholder"] = "e.g. Llama 3.1 70B Instruct"
        name_the_limits(self)

    def clean_lifecycle(self) -> str:
        new = self.cleaned_data["lifecycle"]
        if not may_set_lifecycle(self.role, self.instance.lifecycle, new):
            raise forms.ValidationError(
                "Only an owner of the team can retire a deployment or bring one back."
            )
        return new

    def clean(self) -> dict:
        data = super().clean()
        named = data.get("base_model") or data.get("base_model_text", "").strip()
        if not named and "base_model_text" not in self.errors:
            self.add_error("base_model_text", "Pick the base model from the catalogue, or type it.")
        return data


class BaseModelForm(forms.ModelForm):
    """A catalogue entry, on the site and in the admin: duplicates and odd addresses refused."""

    class Meta:
        model = BaseModel
        fields = ["provider", "name", "version", "release_date", "licence", "model_card"]
        widgets = {"release_date": forms.DateInput(attrs={"type": "date"})}
        help_texts = {
            "name": "For example “Llama 3.1 70B Instruct”.",
            "version": "As the provider names it; leave empty when it has none.",
            "model_card": "Its web address. Kept as text and shown as a link for your "
            "browser: riskassess never fetches it.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.duplicate: BaseModel | None = None
        if "model_card" in self.fields:
            self.fields["model_card"].widget.attrs["placeholder"] = "https://…"
        name_the_limits(self)

    def clean_model_card(self) -> str:
        address = self.cleaned_data["model_card"].strip()
        if address:
            # Only web addresses: a `javascript:` one would run when clicked.
            validate = URLValidator(
                schemes=MODEL_CARD_SCHEMES,
                message="Enter the model card's web address, starting with https:// or http://.",
            )
            validate(address)
        return address

    def clean(self) -> dict:
        data = super().clean()
        if all(name in data for name in ("provider", "name", "version")):
            existing = find_duplicate(
                data["provider"], data["name"], data["version"], exclude_pk=self.instance.pk
            )
            if existing is not None:
                self.duplicate = existing
                # On the field, so that Django's generic message for the constraint
                # (which names the constraint, not the model) is not added as well.
                self.add_error("name", duplicate_message(existing))
        newer = data.get("superseded_by")
        if newer is not None and self.instance.pk and newer.pk == self.instance.pk:
            self.add_error("superseded_by", "A base model cannot be superseded by itself.")
        return data
