from django import template

register = template.Library()


@register.inclusion_tag("checklist/_weight.html")
def weight_dots(weight: int) -> dict:
    """Severity weight 1-5 as filled and empty dots, with the number for screen readers."""
    return {"weight": weight, "on": range(weight), "off": range(5 - weight)}


@register.filter
def percent(value) -> str:
    if value is None:
        return "—"
    return f"{float(value) * 100:.0f}%"
