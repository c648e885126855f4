"""The profile step's form: one Django Form per profile question (contracts.md §6).

Each question posts `<KEY>-choice` (one value, or several for a `multiple`
question) and `<KEY>-version`, the version the page showed, so that a stale
page gets a conflict instead of overwriting someone else's choice.
"""

from __future__ import annotations

from django import forms


class ProfileQuestionForm(forms.Form):
    def __init__(self, question: dict, *args, **kwargs):
        super().__init__(*args, prefix=question["key"], **kwargs)
        self.question = question
        choices = [(option["key"], option["label"]) for option in question["options"]]
        if question["multiple"]:
            self.fields["choice"] = forms.MultipleChoiceField(
                choices=choices, required=False, widget=forms.CheckboxSelectMultiple
            )
        else:
            self.fields["choice"] = forms.ChoiceField(
                choices=choices, required=False, widget=forms.RadioSelect
            )
        self.fields["version"] = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
        self.fields["version"].error_messages["required"] = (
            "This page is out of date: reload it and choose again."
        )

    @classmethod
    def stored(cls, question: dict, version: int) -> ProfileQuestionForm:
        answers = question["answers"]
        choice = answers if question["multiple"] else (answers[0] if answers else None)
        return cls(question, initial={"choice": choice, "version": version})

    def chosen(self) -> list[str]:
        """The chosen option keys, in the question's order (call after is_valid)."""
        value = self.cleaned_data.get("choice") or []
        picked = set(value) if isinstance(value, list) else {value}
        return [option["key"] for option in self.question["options"] if option["key"] in picked]

    def posted_version(self) -> int:
        return self.cleaned_data["version"]
