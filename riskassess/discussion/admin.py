"""Threads in the admin: a read-only list for superusers (by assessment, item, open or
resolved), each with its comments. Nothing is written here: the site's rules
(who may write, when) live in services.py."""

from django.contrib import admin
from django.db.models import F

from riskassess.discussion.models import Comment, Thread


class _SuperuserReadOnly:
    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ResolvedFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("resolved", "Resolved")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


class KeptFilter(admin.SimpleListFilter):
    title = "round"
    parameter_name = "round"

    def lookups(self, request, model_admin):
        return [("live", "Live"), ("kept", "Kept with a revision")]

    def queryset(self, request, queryset):
        if self.value() == "live":
            return queryset.filter(revision__isnull=True)
        if self.value() == "kept":
            return queryset.filter(revision__isnull=False)
        return queryset


class CommentInline(_SuperuserReadOnly, admin.TabularInline):
    model = Comment
    fields = ["author_name", "created_at", "body"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Thread)
class ThreadAdmin(_SuperuserReadOnly, admin.ModelAdmin):
    list_display = [
        "item_key", "assessment", "state", "by_reviewer", "kept_with", "opened_by_name",
        "created_at",
    ]  # fmt: skip
    list_filter = [ResolvedFilter, KeptFilter, "by_reviewer", "assessment__team"]
    list_select_related = ["assessment"]
    search_fields = ["item_key", "assessment__title"]
    fields = [
        "assessment", "item_key", "opened_by_name", "by_reviewer", "created_at",
        "resolved_by_name", "resolved_at", "kept_with",
    ]  # fmt: skip
    readonly_fields = fields
    inlines = [CommentInline]

    def get_queryset(self, request):
        # The revision's number only: a revision row carries its whole report.
        return super().get_queryset(request).annotate(revision_number=F("revision__number"))

    @admin.display(description="state")
    def state(self, thread: Thread) -> str:
        return "Resolved" if thread.is_resolved else "Open"

    @admin.display(description="kept with")
    def kept_with(self, thread: Thread) -> str:
        number = getattr(thread, "revision_number", None)
        return f"revision {number}" if number else "— (live)"
