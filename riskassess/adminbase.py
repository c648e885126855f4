"""What every admin page of an audited model shares."""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin


class AuditedAdmin(SimpleHistoryAdmin):
    """Shows each row's change history, and says what to do when a delete is refused.

    Answers refer to checklist rows with PROTECT, so Django's admin refuses to
    delete a row that any answer uses, in the single delete page and in the
    bulk "delete selected" action alike (both call get_deleted_objects).
    """

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:
            messages.warning(
                request,
                "Answers refer to this, so it cannot be deleted: that would change "
                "assessments already made with it. Deactivate it instead (untick "
                "'Active'): it disappears from new assessments and stays in old ones.",
            )
        return deleted, counts, perms_needed, protected

    def history_form_view(self, request: HttpRequest, object_id, version_id, extra_context=None):
        # django-simple-history saves a POSTed revert after checking view
        # permission only; a revert is a change like any other, so it needs the
        # change permission for that row (read-only admins, published checklists).
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id))
            if obj is None or not self.has_change_permission(request, obj):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class SuperuserReadOnly:
    """A read-only admin page that only superusers see: for records the app alone
    writes, through its rules (evidence, notifications, action plans)."""

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
