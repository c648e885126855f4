"""A form field choosing a member of a team, which reveals no account outside it."""

from django import forms


class MemberField(forms.ModelChoiceField):
    """A user from the queryset the form sets (a team's members). Anything else, another
    team's member's id included, gets the same message: the form reveals no account."""

    default_error_messages = {"invalid_choice": "Choose a member of this team."}

    def to_python(self, value):
        # A number too large for the database would be a 500 there, not a choice.
        if value not in self.empty_values and not (str(value).isdigit() and len(str(value)) < 19):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)

    def label_from_instance(self, obj) -> str:
        full = obj.get_full_name()
        return f"{obj.get_username()} ({full})" if full else obj.get_username()
