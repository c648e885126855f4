"""The base model catalogue in the admin, and deployments (read-only) for superusers.

Catalogue editors are staff with the `deployments.edit_catalogue` permission:
they add, change and delete base models, each change in its history. They see
nothing of deployments: a deployment belongs to a team, so the admin shows
deployments to superusers only, read-only (they change on the site, where the
team's roles apply), and a refused delete of a base model gives a count of the
deployments built on it, never their names.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest

from riskassess.adminbase import AuditedAdmin
from riskassess.deployments.forms import BaseModelForm
from riskassess.deployments.models import BaseModel, Deployment
from riskassess.deployments.summary import after_base_model_change

CATALOGUE_PERMISSION = "deployments.edit_catalogue"


def _edits_catalogue(request: HttpRequest) -> bool:
    user = request.user
    return user.is_active and user.is_staff and user.has_perm(CATALOGUE_PERMISSION)


@admin.register(BaseModel)
class BaseModelAdmin(AuditedAdmin):
    form = BaseModelForm
    list_display = ["__str__", "provider", "release_date", "licence", "superseded_by"]
    list_select_related = ["superseded_by"]
    list_filter = ["provider"]
    search_fields = ["provider", "name", "version"]
    fields = [
        "provider",
        "name",
        "version",
        "release_date",
        "licence",
        "model_card",
        "superseded_by",
        "superseded_at",
    ]

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return _edits_catalogue(request) or super().has_view_permission(request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"superseded_by", "superseded_at"} & set(form.changed_data):
            # Its deployments' next reviews move: stored, so the dashboard sorts by them.
            after_base_model_change(obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _edits_catalogue(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return _edits_catalogue(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return _edits_catalogue(request)

    def get_deleted_objects(self, objs, request):
        # Past AuditedAdmin's message, which is about checklist rows and answers.
        deleted, counts, perms_needed, protected = super(AuditedAdmin, self).get_deleted_objects(
            objs, request
        )
        if protected:
            # Django would list the deployments by name, whichever team they belong to,
            # and, as nobody deletes deployments here, ask for a permission to delete
            # them first: the refusal is that they are built on it.
            n = len(protected)
            protected = [f"{n} deployment{'s' if n != 1 else ''} (of any team) built on it"]
            perms_needed = set()
            messages.warning(
                request,
                "Deployments are built on this base model, so it cannot be deleted. When a "
                "newer version replaces it, set “superseded by” instead.",
            )
        return deleted, counts, perms_needed, protected


@admin.register(Deployment)
class DeploymentAdmin(AuditedAdmin):
    list_display = ["name", "team", "model_name", "base_model", "lifecycle", "updated_at"]
    list_select_related = ["team", "base_model"]
    list_filter = ["lifecycle", "team"]
    search_fields = ["name", "model_name", "base_model_text"]

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
