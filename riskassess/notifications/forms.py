from django import forms

from riskassess.notifications.models import Preference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = Preference
        fields = ["emails"]
        widgets = {"emails": forms.CheckboxInput(attrs={"class": "form-check-input"})}
