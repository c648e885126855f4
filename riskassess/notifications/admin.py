"""Notifications in the admin: a read-only list for superusers, to answer "was I told?"."""

from django.contrib import admin

from riskassess.adminbase import SuperuserReadOnly
from riskassess.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(SuperuserReadOnly, admin.ModelAdmin):
    list_display = ["recipient", "kind", "title", "actor_name", "created_at", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]
    fields = ["recipient", "kind", "assessment", "title", "actor_name", "url", "created_at",
              "read_at"]  # fmt: skip
    readonly_fields = fields
