"""The discussion on pages of the apps below this one, which cannot import it.

The questionnaire includes discussion/_review_threads.html at its top and
discussion/_item_threads.html in each item; these tags give them their data.
The first of them reads the whole assessment's threads at once
(selectors.by_item, two queries, kept on the assessment), so a page costs the
same queries whatever its number of items and threads.
"""

from django import template

from riskassess.discussion import selectors

register = template.Library()


@register.simple_tag
def discussion_of(assessment, item_key: str) -> dict:
    return selectors.item_summary(assessment, item_key)


@register.simple_tag
def review_threads(assessment) -> list:
    return selectors.open_review_threads(assessment)
