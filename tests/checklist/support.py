"""What the checklist admin tests share: admin URLs, and a change form posted back as is."""

from django.urls import reverse

from riskassess.checklist.models import Checklist


def url(model, view: str, *args) -> str:
    return reverse(f"admin:checklist_{model._meta.model_name}_{view}", args=args)


def form_data(response) -> dict:
    """The change form's current values as a browser posts them back (extra rows left out)."""
    forms = [response.context["adminform"].form]
    data = {"_save": "Save"}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        initial = formset.initial_form_count()
        data[f"{formset.prefix}-TOTAL_FORMS"] = initial
        data[f"{formset.prefix}-INITIAL_FORMS"] = initial
        forms += formset.forms[:initial]
    for form in forms:
        for field in form:
            value = field.value()
            if value is True:
                data[field.html_name] = "on"
            elif value is not None and value is not False:
                data[field.html_name] = value
    return data


def add_option(data: dict, prefix: str, **fields) -> None:
    index = data[f"{prefix}-TOTAL_FORMS"]
    data[f"{prefix}-TOTAL_FORMS"] = index + 1
    data.update({f"{prefix}-{index}-{name}": value for name, value in fields.items()})


def run_action(client, action: str, *checklists):
    return client.post(
        url(Checklist, "changelist"),
        {"action": action, "_selected_action": [c.pk for c in checklists]},
    )
