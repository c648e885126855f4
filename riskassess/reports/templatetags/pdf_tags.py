"""Template filters for the PDF report (templates/reports/pdf/)."""

from django import template

from riskassess.reports import pdf_context

register = template.Library()

# Not is_safe: the result is plain text and the template escapes it as usual.
register.filter("breakable", pdf_context.breakable)
