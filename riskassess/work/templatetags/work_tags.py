"""Assignments on the questionnaire, which cannot import this app.

The questionnaire's templates include work/_item_assignment.html and
work/_category_assignment.html; these tags give them the target's open
assignment. The first ask of a page reads all the assessment's open
assignments at once (selectors.open_by_target), so a page costs one query
whatever its number of items.
"""

from django import template

from riskassess.work import selectors

register = template.Library()


@register.simple_tag
def item_assignment(assessment, item_key: str) -> dict:
    return selectors.target_context(assessment, "item", item_key)


@register.simple_tag
def category_assignment(assessment, category_key: str) -> dict:
    return selectors.target_context(assessment, "category", category_key)
