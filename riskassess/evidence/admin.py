"""Evidence in the admin: a read-only list for superusers, never the files' contents."""

from django.contrib import admin

from riskassess.evidence.models import Evidence


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "assessment", "item_key", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["kind", "assessment__team"]
    list_select_related = ["assessment", "uploaded_by"]
    fields = [
        "assessment", "item_key", "kind", "original_name", "size", "content_type", "sha256",
        "url", "title", "as_of", "expires_on", "uploaded_by_name", "uploaded_at",
    ]  # fmt: skip
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
