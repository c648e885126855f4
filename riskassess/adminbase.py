"""What every admin page of an audited model shares."""

from django.contrib import messages
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
