"""Assessments in the admin: read-only, for their audit trail.

Answers change only through the app, where access and version checks apply.
"""

from django.contrib import admin

from riskassess.adminbase import AuditedAdmin
from riskassess.assessments.models import Answer, Assessment, Event


class ReadOnlyAdmin(AuditedAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["title", "team", "status", "checklist", "updated_at"]
    list_filter = ["status", "team", "checklist"]
    search_fields = ["title", "model_name", "base_model"]
    list_select_related = ["team", "checklist"]
    exclude = ["snapshot"]


@admin.register(Answer)
class AnswerAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "item", "option", "version", "updated_by", "updated_at"]
    list_filter = ["assessment__team", "option__key"]
    search_fields = ["item__key", "assessment__title", "comment"]
    list_select_related = ["assessment", "item", "option", "updated_by"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["assessment", "kind", "username", "at", "note"]
    list_filter = ["kind"]
    list_select_related = ["assessment"]
    exclude = ["data"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
