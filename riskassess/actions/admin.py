"""Action plans in the admin: read-only for superusers, with each row's history.

Plans change through the app, where every rule (who may accept, dates, owners in
the team) is checked; the admin only shows them and their audit trail.
"""

from django.contrib import admin

from riskassess.actions.models import Action, Finding
from riskassess.adminbase import AuditedAdmin, SuperuserReadOnly


class _ReadOnly(SuperuserReadOnly, AuditedAdmin):
    pass


@admin.register(Finding)
class FindingAdmin(_ReadOnly):
    list_display = ["item_key", "deployment", "treatment", "expires_on", "accepted_by_name"]
    list_filter = ["treatment", "deployment__team"]
    list_select_related = ["deployment"]
    fields = [
        "deployment", "item_key", "treatment", "justification", "expires_on",
        "proposed_by_name", "proposed_at", "accepted_by_name", "accepted_role", "accepted_at",
        "lapsed_on", "updated_at",
    ]  # fmt: skip
    readonly_fields = fields


@admin.register(Action)
class ActionAdmin(_ReadOnly):
    list_display = ["title", "deployment", "owner_name", "due_on", "status"]
    list_filter = ["status", "deployment__team"]
    list_select_related = ["deployment"]
    fields = [
        "deployment", "title", "description", "owner_name", "due_on", "status",
        "evidence_name", "created_by_name", "created_at", "updated_at", "done_at",
    ]  # fmt: skip
    readonly_fields = fields
