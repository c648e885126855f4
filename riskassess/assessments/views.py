"""Placeholder: dashboard and assessment lifecycle views (being written)."""

from django.http import HttpResponse


def dashboard(request, **kw):
    return HttpResponse("todo")


assessment_new = assessment_home = assessment_edit = dashboard
assessment_submit = assessment_reopen = assessment_delete = dashboard
