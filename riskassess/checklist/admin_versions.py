"""How the admin treats checklist versions: a published one is read-only (rules.py).

Django's admin asks has_change_permission and has_delete_permission per
object. Answering False for the rows of a published or retired version makes
their pages view-only (a POST is refused with 403), takes add and delete away
from their inlines, and makes "delete selected" refuse them; new rows can only
be put into drafts. What remains for a published version is its status
(publish, retire, un-retire) and a copy as a new draft, from ChecklistAdmin.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseNotAllowed
from django.template.response import TemplateResponse
from django.urls import path, reverse

from riskassess.adminbase import AuditedAdmin
from riskassess.checklist import rules, services
from riskassess.checklist.models import Category, Checklist, Item, Status
from riskassess.checklist.spec import ChecklistFileError

READ_ONLY_HINT = "Duplicate the version as a new draft version to change it."


def version_of(obj: Checklist | Category | Item) -> Checklist:
    """The checklist version a catalogue row belongs to (every row has `.checklist`)."""
    return obj if isinstance(obj, Checklist) else obj.checklist


def _frozen_rows(queryset: QuerySet) -> QuerySet:
    prefix = "" if queryset.model is Checklist else "checklist__"
    return queryset.exclude(rules.editable_q(prefix))


@admin.action(permissions=["delete"], description=delete_selected.short_description)
def delete_selected_of_drafts(modeladmin, request: HttpRequest, queryset: QuerySet):
    """Django's "delete selected", refusing the whole selection if any row is read-only.

    Django would show a 403 page; this says which rows and what to do instead.
    """
    frozen = list(_frozen_rows(queryset)[:6])
    if frozen:
        names = ", ".join(str(row) for row in frozen[:5]) + (", …" if len(frozen) > 5 else "")
        modeladmin.message_user(
            request,
            f"Nothing was deleted: {names} belong to a published or retired version, "
            f"which is read-only. {READ_ONLY_HINT}",
            messages.ERROR,
        )
        return None
    return delete_selected(modeladmin, request, queryset)


class VersionRowAdmin(AuditedAdmin):
    """The admin of a model whose rows belong to one checklist version."""

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and rules.is_frozen(version_of(obj)):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and rules.is_frozen(version_of(obj)):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _, name, description = actions["delete_selected"]
            actions["delete_selected"] = (delete_selected_of_drafts, name, description)
        return actions

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        # A new row goes into a draft only; existing rows' pages filter further.
        if field is not None and db_field.related_model in (Checklist, Category, Item):
            prefix = "" if db_field.related_model is Checklist else "checklist__"
            field.queryset = field.queryset.filter(rules.editable_q(prefix))
        return field


class VersionRowInline(admin.TabularInline):
    """An inline of a version's rows; `obj` is the parent row, read-only with its version.

    Django already disables inlines of a view-only parent; saying it here too
    keeps them read-only whatever page they are put on.
    """

    def _parent_frozen(self, obj) -> bool:
        return obj is not None and rules.is_frozen(version_of(obj))

    def has_add_permission(self, request: HttpRequest, obj) -> bool:
        return not self._parent_frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return not self._parent_frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return not self._parent_frozen(obj) and super().has_delete_permission(request, obj)


class VersionLifecycleAdmin(VersionRowAdmin):
    """ChecklistAdmin's share: status actions, duplicating, and the read-only banner."""

    def _names(self, checklists) -> str:
        return ", ".join(f"{c.slug} v{c.version}" for c in checklists)

    def _move(self, request, queryset, *, source: str, target: str, done: str) -> None:
        """Move every selected version that is in `source` to `target`; say what happened."""
        moved, refused = [], []
        for checklist in queryset.order_by("slug", "version"):
            name = f"{checklist.slug} v{checklist.version}"
            if checklist.status != source:
                status = checklist.get_status_display().lower()
                refused.append(f"{name} is {status}, not {Status(source).label.lower()}")
                continue
            try:
                moved.append(services.set_status(checklist=checklist, status=target))
            except (rules.TransitionRefused, ChecklistFileError) as exc:
                refused.append(f"{name} cannot be {target}: {exc}")
        if moved:
            self.message_user(request, done.format(names=self._names(moved)), messages.SUCCESS)
        if refused:
            self.message_user(request, f"Left as it was: {'; '.join(refused)}.", messages.ERROR)

    @admin.action(description="Publish (makes the version read-only)", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._move(
            request,
            queryset,
            source=Status.DRAFT,
            target=Status.PUBLISHED,
            done="Published {names}. It is read-only from now on; new assessments start on "
            "the newest published version of each checklist.",
        )

    @admin.action(description="Retire (no new assessments start on it)", permissions=["change"])
    def retire(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._move(
            request,
            queryset,
            source=Status.PUBLISHED,
            target=Status.RETIRED,
            done="Retired {names}. No new assessments start on it; the assessments "
            "made with it keep it.",
        )

    @admin.action(description="Un-retire (publish again)", permissions=["change"])
    def unretire(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._move(
            request,
            queryset,
            source=Status.RETIRED,
            target=Status.PUBLISHED,
            done="Published {names} again. New assessments start on it if it is the newest "
            "published version of its checklist.",
        )

    def _duplicate(self, request: HttpRequest, checklists) -> list[Checklist]:
        created = []
        for checklist in checklists:
            try:
                created.append(services.duplicate_as_draft(checklist))
            except ChecklistFileError as exc:
                self.message_user(
                    request, f"{checklist} cannot be duplicated: {exc}", messages.ERROR
                )
        if created:
            self.message_user(request, f"Created draft {self._names(created)}.", messages.SUCCESS)
        return created

    @admin.action(description="Duplicate as a new draft version", permissions=["add"])
    def duplicate_as_draft(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._duplicate(request, queryset)

    def duplicate_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The banner's button: the same as the action, then on to the new draft."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_add_permission(request):
            raise PermissionDenied
        checklist = self.get_object(request, unquote(object_id))
        if checklist is None:
            raise Http404
        created = self._duplicate(request, [checklist])
        target = created[0] if created else checklist
        return HttpResponseRedirect(reverse("admin:checklist_checklist_change", args=[target.pk]))

    def get_urls(self):
        duplicate = path(
            "<path:object_id>/duplicate/",
            self.admin_site.admin_view(self.duplicate_view),
            name="checklist_checklist_duplicate",
        )
        # Before Django's own: its "<path:object_id>/" would take this path too.
        return [duplicate, *super().get_urls()]

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ) -> TemplateResponse:
        if obj is not None and rules.is_frozen(obj):
            context["frozen"] = {
                "status": obj.get_status_display(),
                "retired": obj.status == Status.RETIRED,
                # Assessment.checklist's related name: counted without importing
                # the assessments app, which depends on this one.
                "assessments": obj.assessments.count(),
                "duplicate_url": reverse("admin:checklist_checklist_duplicate", args=[obj.pk]),
                "can_duplicate": self.has_add_permission(request),
            }
        return super().render_change_form(request, context, add, change, form_url, obj)
