"""Forms of a review decision: approve with a sign-off statement, or request changes."""

from django import forms

from riskassess.assessments.lifecycle_forms import name_the_limits
from riskassess.assessments.models import REVIEW_TEXT_MAX
from riskassess.assessments.review import APPROVAL_STATEMENT


class ApproveForm(forms.Form):
    statement = forms.CharField(
        label="Sign-off statement",
        max_length=REVIEW_TEXT_MAX,
        initial=APPROVAL_STATEMENT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Printed on the approved report with your name, role, the date and its "
        "fingerprint.",
    )
    confirm = forms.BooleanField(
        label="I sign off this revision with the statement above.",
        error_messages={"required": "Tick the box to sign off."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name_the_limits(self)


class ChangesForm(forms.Form):
    notes = forms.CharField(
        label="What should change",
        max_length=REVIEW_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The team sees these notes on the assessment until it is submitted again. "
        "Comment on single items in their discussion threads.",
        error_messages={"required": "Say what should change: the notes go to the team."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name_the_limits(self)
