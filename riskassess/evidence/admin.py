"""Evidence in the admin: a read-only list for superusers, never the files' contents."""

from django.contrib import admin

from riskassess.adminbase import SuperuserReadOnly
from riskassess.evidence.models import Evidence


@admin.register(Evidence)
class EvidenceAdmin(SuperuserReadOnly, admin.ModelAdmin):
    list_display = ["name", "kind", "assessment", "item_key", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["kind", "assessment__team"]
    list_select_related = ["assessment", "uploaded_by"]
    fields = [
        "assessment", "item_key", "kind", "original_name", "size", "content_type", "sha256",
        "url", "title", "as_of", "expires_on", "uploaded_by_name", "uploaded_at",
    ]  # fmt: skip
    readonly_fields = fields
