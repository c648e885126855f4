"""Forms of the assessment lifecycle: start one, edit its details, reopen it, filter the dashboard.

Only the fields listed here can be set from a request: team, status, snapshot,
author and timestamps are never form fields, so posting them changes nothing.
"""

from django import forms
from django.db.models.functions import Lower
from django.utils.text import capfirst

from riskassess.accounts.models import Team
from riskassess.assessments.models import Assessment, Event, Status
from riskassess.checklist.models import Checklist
from riskassess.deployments.models import Deployment, Lifecycle

DEFAULT_CHECKLIST = "foundation-model-risks"
NOTE_MAX = Event._meta.get_field("note").max_length


def name_the_limits(form: forms.BaseForm) -> None:
    """Over-long text gets an error that names the field and its limit.

    The browser's maxlength is dropped on purpose: it silently cuts pasted
    text, where the server's message tells the user what happened.
    """
    for field in form.fields.values():
        if isinstance(field, forms.CharField) and field.max_length:
            field.widget.attrs.pop("maxlength", None)
            field.error_messages["max_length"] = (
                f"{capfirst(field.label)} can be at most %(limit_value)d characters "
                "(this one has %(show_value)d)."
            )


class DetailsForm(forms.ModelForm):
    class Meta:
        model = Assessment
        fields = ["title", "model_name", "base_model", "context"]
        widgets = {"context": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model_name"].widget.attrs["placeholder"] = "e.g. support-assistant 2.1"
        self.fields["base_model"].widget.attrs["placeholder"] = "e.g. Llama 3.1 70B Instruct"
        name_the_limits(self)


class DeploymentChoiceField(forms.ModelChoiceField):
    """A deployment of the user's teams; anything else, malformed ids included, is one refusal
    that says nothing of whether such a deployment exists."""

    def label_from_instance(self, obj: Deployment) -> str:
        return f"{obj.name} ({obj.team.name})"

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None


NOT_YOUR_DEPLOYMENT = (
    "That deployment is not one you can assess. Pick one of your teams' deployments, "
    "or a new deployment."
)


class NewAssessmentForm(DetailsForm):
    """A new assessment of one of the user's deployments, or of a new one made from its details.

    The details (title, model, base model, context) are the assessment's own
    copy: pre-filled from a deployment preselected by `deployment` (the page's
    ?deployment=), and, left empty, taken from the deployment picked.
    """

    deployment = DeploymentChoiceField(
        queryset=Deployment.objects.none(),
        required=False,
        label="Deployment",
        empty_label="A new deployment (described below)",
        help_text="One of your teams' deployments, assessed again, or a new deployment "
        "recorded from the details below.",
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        empty_label="Choose a team",
        help_text="Its members can see the assessment; editors and owners can answer it.",
    )
    checklist = forms.ModelChoiceField(
        queryset=Checklist.objects.none(),
        empty_label=None,
        help_text="The questionnaire it is answered and scored against.",
    )

    def __init__(self, *args, user, deployment: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        teams = Team.objects.editable_by(user)
        self.teams = list(teams)
        self.fields["team"].queryset = teams
        if len(self.teams) == 1:
            self.fields["team"].initial = self.teams[0].pk

        # Only deployments of teams the user edits, and not retired ones.
        deployments = (
            Deployment.objects.filter(team__in=[t.pk for t in self.teams])
            .exclude(lifecycle=Lifecycle.RETIRED)
            .select_related("team", "base_model")
            .order_by(Lower("name"), "pk")
        )
        self.fields["deployment"].queryset = deployments
        self.fields["deployment"].error_messages["invalid_choice"] = NOT_YOUR_DEPLOYMENT
        # A deployment picked supplies its team and the details left empty (clean()).
        if self.is_bound and self.data.get(self.add_prefix("deployment")):
            for name in ["team", *DetailsForm.Meta.fields]:
                self.fields[name].required = False

        offered = Checklist.objects.current()
        self.checklists = list(offered)
        self.fields["checklist"].queryset = offered
        default = next((c for c in self.checklists if c.slug == DEFAULT_CHECKLIST), None)
        if self.checklists:
            self.fields["checklist"].initial = (default or self.checklists[0]).pk
        if len(self.checklists) == 1:
            self.fields["checklist"].widget = forms.HiddenInput()
        # Hidden or not, a checklist refused on submit (retired while the form was
        # open) must be said in words: crispy prints no error of a hidden field.
        self.fields["checklist"].error_messages["invalid_choice"] = (
            "That checklist version is no longer offered (it was retired or replaced). "
            "The current version is selected now: check it and create the assessment again."
        )
        self.order_fields(["deployment", "team", *DetailsForm.Meta.fields, "checklist"])

        self.preselected: Deployment | None = None
        self.refused = ""
        if not self.is_bound and deployment:
            self._preselect(deployment)

    def _preselect(self, value: str) -> None:
        try:
            chosen = self.fields["deployment"].clean(value)
        except forms.ValidationError:
            self.refused = NOT_YOUR_DEPLOYMENT
            return
        self.preselected = chosen
        self.initial.update(deployment=chosen.pk, team=chosen.team_id, **_details_of(chosen))

    def clean(self) -> dict:
        data = super().clean()
        deployment = data.get("deployment")
        if deployment is not None:
            team = data.get("team")
            if team is not None and team.pk != deployment.team_id:
                self.add_error(
                    "team",
                    f"The deployment “{deployment.name}” belongs to the team "
                    f"{deployment.team.name}: choose that team, or a new deployment.",
                )
            else:
                data["team"] = deployment.team
            for name, value in _details_of(deployment).items():
                if not data.get(name) and name not in self.errors:
                    data[name] = value
        elif data.get("team") is None and "team" not in self.errors:
            self.add_error("team", self.fields["team"].error_messages["required"])
        for name in DetailsForm.Meta.fields:
            if not data.get(name) and name not in self.errors:
                self.add_error(name, self.fields[name].error_messages["required"])
        return data


def _details_of(deployment: Deployment) -> dict:
    """What a new assessment copies from its deployment, as it is now."""
    return {
        "title": deployment.name,
        "model_name": deployment.model_name,
        "base_model": deployment.base_model_name,
        "context": deployment.context,
    }


class ReopenForm(forms.Form):
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional: why it is reopened. It is kept in the history.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name_the_limits(self)


class SubmitForm(forms.Form):
    """Submitting: the team's statement, when it asks for one, must be confirmed."""

    attest = forms.BooleanField(required=False)

    def __init__(self, *args, statement: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.statement = statement.strip()
        if self.statement:
            self.fields["attest"].required = True
            self.fields["attest"].label = self.statement
            self.fields["attest"].error_messages["required"] = "Confirm the statement to submit."
        else:
            del self.fields["attest"]


class UpgradeForm(forms.Form):
    """The version the preview showed: the move is refused if a newer one appeared since."""

    target = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ArchiveForm(forms.Form):
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional: why it is archived. It is kept in the history.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name_the_limits(self)


class DashboardFilterForm(forms.Form):
    """GET filters; a value that is not one of the choices (a foreign team) is dropped."""

    team = forms.ChoiceField(required=False)
    status = forms.ChoiceField(required=False, choices=[("", "All statuses"), *Status.choices])
    archived = forms.ChoiceField(
        required=False,
        label="Archived",
        choices=[("", "Hide archived"), ("only", "Archived only"), ("all", "Include archived")],
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "All teams")] + [(str(t.pk), t.name) for t in teams]
