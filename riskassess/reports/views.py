"""Placeholder: the results page (being written)."""

from django.http import HttpResponse


def results(request, **kw):
    return HttpResponse("todo")
