"""The checklist catalogue in the Django admin: what staff edit (contracts.md §1-2).

Lists count related rows with one subquery each, never a query per row. The
answer-option inlines enforce the rule the file format has: a scale needs at
least one active option that is not "not applicable", or nothing can be scored.
Only drafts are edited here; a published version is read-only (admin_versions.py).
"""

from __future__ import annotations

import io
import zipfile

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, TextField
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.text import Truncator

from riskassess.checklist import exporting
from riskassess.checklist.admin_v2 import ChecklistFormat2Admin, Format2RowAdmin, RowForm
from riskassess.checklist.admin_versions import (
    VersionLifecycleAdmin,
    VersionRowAdmin,
    VersionRowInline,
)
from riskassess.checklist.models import Category, Checklist, Item, Option
from riskassess.checklist.spec import ChecklistFileError, parse

NEEDS_SCORED_OPTION = "At least one active option must have a risk (not be 'not applicable')."


def _count(queryset: QuerySet, field: str) -> Coalesce:
    """How many rows of `queryset` point at the outer row, as a subquery annotation."""
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


# --- Answer options ---------------------------------------------------------------


class OptionFormSet(forms.BaseInlineFormSet):
    """The options of one scale, checked together (unique keys, one scored option)."""

    # The default scale may not be empty; an item without own options uses it.
    may_be_empty = False

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        kept = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not self._should_delete_form(form)
        ]
        # The database's key constraints are conditional (scale vs. own options),
        # which form validation skips: without this a clash would be a 500.
        keys = [data["key"] for data in kept]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        if repeated:
            raise ValidationError(f"Option keys must be unique; repeated: {', '.join(repeated)}.")
        active = [data for data in kept if data.get("active")]
        if not active and self.may_be_empty:
            return
        if all(data.get("not_applicable") for data in active):
            raise ValidationError(NEEDS_SCORED_OPTION)


class ItemOptionFormSet(OptionFormSet):
    may_be_empty = True

    def save_new(self, form, commit=True):
        # Option.checklist is required but not on the form: it is the item's checklist.
        form.instance.checklist_id = self.instance.checklist_id
        return super().save_new(form, commit=commit)


class ScaleOptionInline(VersionRowInline):
    model = Option
    formset = OptionFormSet
    fields = ["key", "label", "risk", "not_applicable", "order", "active"]
    ordering = ["order", "pk"]
    extra = 0
    verbose_name = "option of the default answer scale"
    verbose_name_plural = "default answer scale (used by every item without its own options)"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(item__isnull=True)


class ItemOptionInline(VersionRowInline):
    model = Option
    fk_name = "item"
    formset = ItemOptionFormSet
    fields = ["key", "label", "risk", "not_applicable", "order", "active"]
    ordering = ["order", "pk"]
    extra = 0
    verbose_name = "own answer option"
    verbose_name_plural = "own answer options (leave empty to use the checklist's default scale)"


def _scale_survives(others: QuerySet, *, own: bool, emptied: bool) -> bool:
    """Whether a scale keeps a scored option once one option stops counting.

    `others` are the scale's other active options. An item's own scale may
    become empty (the item then uses the default scale) when the option is
    removed or retired rather than made "not applicable".
    """
    if own and emptied and not others.exists():
        return True
    return others.filter(not_applicable=False).exists()


class OptionAdminForm(forms.ModelForm):
    class Meta:
        model = Option
        fields = ["checklist", "item", "key", "label", "risk", "not_applicable", "order", "active"]

    def clean(self) -> dict:
        data = super().clean()
        checklist = data.get("checklist", self.instance.checklist if self.instance.pk else None)
        item = data.get("item", self.instance.item if self.instance.pk else None)
        if checklist is None:
            return data
        if item is not None and item.checklist_id != checklist.pk:
            raise ValidationError({"item": "This item belongs to another checklist."})
        if data.get("active") and not data.get("not_applicable"):
            return data
        others = Option.objects.filter(checklist=checklist, item=item, active=True)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if not _scale_survives(others, own=item is not None, emptied=not data.get("active")):
            raise ValidationError(NEEDS_SCORED_OPTION)
        return data


@admin.register(Option)
class OptionAdmin(VersionRowAdmin):
    """Options are mostly edited in their checklist's or item's inline; this is for finding them."""

    form = OptionAdminForm
    list_display = [
        "key",
        "label",
        "risk",
        "not_applicable",
        "checklist",
        "item",
        "order",
        "active",
    ]
    list_select_related = ["checklist", "item"]
    list_filter = ["checklist", ("item", admin.EmptyFieldListFilter), "not_applicable", "active"]
    search_fields = ["key", "label", "item__key"]
    raw_id_fields = ["item"]

    def get_readonly_fields(self, request: HttpRequest, obj: Option | None = None) -> list[str]:
        # Moving an option to another scale is a delete plus an add, not an edit.
        return ["checklist", "item"] if obj is not None else []

    def get_actions(self, request: HttpRequest) -> dict:
        # Bulk delete could remove a scale's last scored option unchecked.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request: HttpRequest, object_id: str, extra_context=None):
        option = self.get_object(request, unquote(object_id))
        # A read-only option is refused by Django itself, with a 403.
        if option is None or not self.has_delete_permission(request, option):
            return super().delete_view(request, object_id, extra_context)
        if option.active and not option.not_applicable:
            others = Option.objects.filter(
                checklist_id=option.checklist_id, item_id=option.item_id, active=True
            ).exclude(pk=option.pk)
            if not _scale_survives(others, own=option.item_id is not None, emptied=True):
                self.message_user(request, NEEDS_SCORED_OPTION, messages.ERROR)
                url = reverse("admin:checklist_option_change", args=[option.pk])
                return HttpResponseRedirect(url)
        return super().delete_view(request, object_id, extra_context)


# --- Items --------------------------------------------------------------------------


class CategoryKeyFilter(admin.SimpleListFilter):
    """By category key, so one filter covers that category in every checklist version."""

    title = "category"
    parameter_name = "category_key"

    def lookups(self, request, model_admin):
        keys = Category.objects.order_by("key").values_list("key", flat=True).distinct()
        return [(key, key) for key in keys]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(category__key=self.value())
        return queryset


@admin.register(Item)
class ItemAdmin(Format2RowAdmin, VersionRowAdmin):
    list_display = [
        "key",
        "short_question",
        "category",
        "checklist",
        "weight",
        "critical",
        "required",
        "active",
    ]
    list_select_related = ["category", "checklist"]
    list_filter = ["checklist", CategoryKeyFilter, "critical", "required", "active", "weight"]
    search_fields = ["key", "question", "guidance"]
    fields = [
        "category",
        "checklist",
        "key",
        "question",
        "guidance",
        "mitigation",
        "reference",
        ("weight", "critical", "required"),
        ("order", "active"),
    ]
    readonly_fields = ["checklist"]
    inlines = [ItemOptionInline]
    form = RowForm
    format_2_fields = ["applies_if", "critical_if", "scope", "frameworks"]

    @admin.display(description="question", ordering="question")
    def short_question(self, item: Item) -> str:
        return Truncator(item.question).chars(80)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "category":
            field.queryset = field.queryset.select_related("checklist")
            field.label_from_instance = lambda c: f"{c.checklist}: {c.name} ({c.key})"
        return field

    def get_form(self, request: HttpRequest, obj: Item | None = None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and "category" in form.base_fields:
            # An item stays in its checklist: its answers and own options point there.
            field = form.base_fields["category"]
            field.queryset = field.queryset.filter(checklist_id=obj.checklist_id)
        return form


class ItemFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        # Item.clean only looks in the database: two new rows with one key pass it.
        keys = [
            form.cleaned_data["key"]
            for form in self.forms
            if form.cleaned_data.get("key") and not self._should_delete_form(form)
        ]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        if repeated:
            raise ValidationError(f"Item keys must be unique; repeated: {', '.join(repeated)}.")


class ItemInline(VersionRowInline):
    model = Item
    form = RowForm  # in format 2, an item key may not be a profile key
    formset = ItemFormSet
    fields = ["key", "question", "weight", "critical", "required", "order", "active"]
    ordering = ["order", "pk"]
    extra = 0
    show_change_link = True
    formfield_overrides = {TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 60})}}


# --- Categories ---------------------------------------------------------------------


@admin.register(Category)
class CategoryAdmin(Format2RowAdmin, VersionRowAdmin):
    list_display = ["name", "key", "checklist", "weight", "order", "active", "item_count"]
    list_select_related = ["checklist"]
    list_filter = ["checklist", "active"]
    search_fields = ["key", "name"]
    fields = ["checklist", "key", "name", "description", "reference", ("weight", "order", "active")]
    inlines = [ItemInline]
    form = RowForm
    format_2_fields = ["applies_if"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(item_count=_count(Item.objects, "category"))

    @admin.display(description="items", ordering="item_count")
    def item_count(self, category: Category) -> int:
        return category.item_count

    def get_readonly_fields(self, request: HttpRequest, obj: Category | None = None) -> list[str]:
        # Items copy their category's checklist; moving a category would split them.
        return ["checklist"] if obj is not None else []


class CategoryInline(VersionRowInline):
    model = Category
    fields = ["key", "name", "weight", "order", "active"]
    ordering = ["order", "pk"]
    extra = 0
    show_change_link = True


# --- Checklists ---------------------------------------------------------------------


@admin.register(Checklist)
class ChecklistAdmin(ChecklistFormat2Admin, VersionLifecycleAdmin):
    list_display = [
        "name",
        "slug",
        "version",
        "status",
        "is_current",
        "category_count",
        "item_count",
        "updated_at",
    ]
    list_filter = ["status", "slug"]
    search_fields = ["name", "slug"]
    fieldsets = [
        (
            None,
            {
                "fields": ["name", ("slug", "version"), "status", "description", "source"],
                "description": "The status changes with the list's actions (publish, retire, "
                "un-retire); a published or retired version is read-only.",
            },
        ),
        (
            "Thresholds",
            {
                "description": "Score levels: 0 < medium < high < critical ≤ 100.",
                "fields": [("threshold_medium", "threshold_high", "threshold_critical")],
            },
        ),
        ("Change note", {"fields": ["change_note"]}),
        ("History", {"fields": [("created_at", "updated_at")]}),
    ]
    # Status only moves through the actions, which check rules.TRANSITIONS and
    # refuse to publish a draft that is not a valid checklist.
    readonly_fields = ["status", "created_at", "updated_at"]
    inlines = [ScaleOptionInline, CategoryInline]
    actions = ["export_as_yaml", "duplicate_as_draft", "publish", "retire", "unretire"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .with_current_flag()
            .annotate(
                category_count=_count(Category.objects, "checklist"),
                item_count=_count(Item.objects, "checklist"),
            )
        )

    @admin.display(description="current", boolean=True, ordering="is_current")
    def is_current(self, checklist: Checklist) -> bool:
        return bool(checklist.is_current)

    @admin.display(description="categories", ordering="category_count")
    def category_count(self, checklist: Checklist) -> int:
        return checklist.category_count

    @admin.display(description="items", ordering="item_count")
    def item_count(self, checklist: Checklist) -> int:
        return checklist.item_count

    @admin.action(description="Export as YAML", permissions=["view"])
    def export_as_yaml(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        files = {}
        for checklist in queryset:
            text = exporting.export_yaml(checklist)
            try:
                # Refuse to hand out a file that would not load back.
                parse(text)
            except ChecklistFileError as exc:
                self.message_user(request, f"{checklist} cannot be exported: {exc}", messages.ERROR)
                return None
            files[f"{checklist.slug}-v{checklist.version}.yaml"] = text
        if len(files) == 1:
            [(name, text)] = files.items()
            response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
        else:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for name, text in files.items():
                    archive.writestr(name, text)
            name = "checklists.zip"
            response = HttpResponse(buffer.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
