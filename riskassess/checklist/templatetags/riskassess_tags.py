import unicodedata

from django import template
from django.template.defaultfilters import stringfilter
from django.utils.text import Truncator

from riskassess import present

register = template.Library()


@register.inclusion_tag("checklist/_weight.html")
def weight_dots(weight: int) -> dict:
    """Severity weight 1-5 as filled and empty dots, with the number for screen readers."""
    return {"weight": weight, "on": range(weight), "off": range(5 - weight)}


# The presenter (riskassess/present.py): pages format as the PDF does.
register.filter("percent", present.percent)
register.filter("score", present.score)
register.filter("when", present.when)
register.filter("day", present.day)
register.filter("level_label", present.level)
register.filter("number", present.number)
register.filter("tier_label", present.tier)
register.filter("coverage_label", present.coverage_status)
register.filter("points", present.points)


@register.filter
@stringfilter
def shorten(text: str, length: int) -> str:
    """truncatechars, but text within the limit is shown exactly as it was saved.

    Django's truncatechars NFC-normalises every text it is given, even one it
    does not shorten: "e" + U+0301 would be shown as "é", not as what was saved.
    """
    short = Truncator(text).chars(length)
    return text if short == unicodedata.normalize("NFC", text) else short
