"""Evidence on pages of the apps below this one, which cannot import it.

The questionnaire's item template includes evidence/_item_evidence.html; this
tag gives it the item's evidence. The first item of a page reads the whole
assessment's evidence at once (selectors.by_item), so a page costs the same
queries whatever its number of items.
"""

from django import template
from django.urls import reverse

from riskassess.evidence import selectors

register = template.Library()


@register.simple_tag
def evidence_of(assessment, item_key: str) -> dict:
    return selectors.item_context(assessment, item_key)


@register.simple_tag
def evidence_forms(assessment, items) -> list[tuple[str, str]]:
    """(form id, action) of each item's add form, when the user may add: none otherwise."""
    if not selectors.can_change(assessment):
        return []
    keys = [item["key"] if isinstance(item, dict) else item.key for item in items]
    return [
        (selectors.add_form_id(key), reverse("evidence_add", args=[assessment.pk, key]))
        for key in keys
    ]
