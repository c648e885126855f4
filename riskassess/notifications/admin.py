"""Notifications in the admin: a read-only list for superusers, to answer "was I told?"."""

from django.contrib import admin

from riskassess.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "title", "actor_name", "created_at", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]
    fields = ["recipient", "kind", "assessment", "title", "actor_name", "url", "created_at",
              "read_at"]  # fmt: skip
    readonly_fields = fields

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
