"""Placeholder: questionnaire pages and the autosave endpoint (being written)."""

from django.http import HttpResponse


def questionnaire(request, **kw):
    return HttpResponse("todo")


questionnaire_start = answer_save = questionnaire
