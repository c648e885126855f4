"""Assessments in the admin: read-only, for their audit trail.

Answers change only through the app, where access and version checks apply.
"""

from django.contrib import admin

from riskassess.adminbase import AuditedAdmin
from riskassess.assessments.models import Answer, Assessment, Event, Purge, Revision


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


class RecordAdmin(admin.ModelAdmin):
    """Records: read in the admin, never added, changed or deleted there (purge_archived
    is the only way a record goes, and it leaves a Purge row)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(RecordAdmin):
    list_display = ["assessment", "kind", "username", "at", "note"]
    list_filter = ["kind"]
    list_select_related = ["assessment"]
    exclude = ["data"]


@admin.register(Revision)
class RevisionAdmin(RecordAdmin):
    list_display = ["assessment", "number", "submitted_by_name", "submitted_at", "level", "score"]
    list_select_related = ["assessment"]
    search_fields = ["fingerprint", "assessment__title"]
    exclude = ["snapshot", "report"]


@admin.register(Purge)
class PurgeAdmin(RecordAdmin):
    list_display = ["title", "team", "purged_by", "purged_at", "answers"]
