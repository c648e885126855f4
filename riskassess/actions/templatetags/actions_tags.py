"""The action plan on pages of apps below this one (the questionnaire, deployments).

The questionnaire's item template includes actions/_item_plan.html; the first
ask of a page reads the assessment's completed actions at once
(selectors.reanswer_keys), so a page costs one query whatever its items.
"""

from django import template

from riskassess.actions import selectors

register = template.Library()


@register.simple_tag
def needs_reanswer(assessment, item_key: str) -> bool:
    """An action on the item was completed after it was last answered."""
    return item_key in selectors.reanswer_keys(assessment)


@register.filter
def plan_counts(deployment) -> dict:
    """The deployment's open and overdue actions: one query."""
    return selectors.counts_by_deployment([deployment.pk]).get(
        deployment.pk, {"open": 0, "overdue": 0}
    )


@register.filter
def plan_carried(deployment) -> dict:
    """What of the deployment's plan a re-assessment finds: open actions, accepted risks."""
    return selectors.carried(deployment.pk)
