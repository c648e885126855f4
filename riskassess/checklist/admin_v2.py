"""The format-2 parts of the checklist admin (contracts.md §6).

Only a format-2 checklist's pages show its profile, impact tiers, level matrix
and frameworks, and its categories' and items' conditions, scope and tags; so
format 1 is edited as before, and a published version is read-only here too.
Every value is checked by rules_v2, the loader's own rules, run by the loader's
checker against the checklist's rows as stored now: the admin accepts what the
loader accepts, in the same words. JSON columns are edited as YAML (or JSON).
"""

from __future__ import annotations

import copy

import yaml
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.text import capfirst

from riskassess import yamlfiles
from riskassess.checklist import rules_v2
from riskassess.checklist.admin_versions import VersionRowAdmin, VersionRowInline, version_of
from riskassess.checklist.models import (
    Checklist,
    Framework,
    Item,
    ProfileOption,
    ProfileQuestion,
    Requirement,
)

# The loader's own checker (private to spec.py): with it the messages are the loader's.
from riskassess.checklist.spec import _Checker

YAML_HELP = (
    "In YAML or JSON, empty for none. A condition maps profile keys to lists of their options, "
    "e.g. {P-USERS: [public, minors]}: it holds when, for every key named, a chosen option is "
    "in its list. Framework tags map framework keys to requirement ids: {nist-ai-rmf: [MG-2.2]}."
)


def is_format_2(obj) -> bool:
    return obj is not None and version_of(obj).format == 2


def _apply(rule, *args):
    """Run one rule of rules_v2 with the loader's checker; its problems become form errors."""
    check = _Checker()
    value = rule(check, *args)
    if check.errors:
        raise ValidationError(check.errors)
    return value


class Current:
    """A format-2 checklist as stored now: what its conditions and tags may name, and do."""

    def __init__(self, checklist: Checklist):
        questions = checklist.profile.prefetch_related("options")
        self.options = {q.key: {o.key for o in q.options.all()} for q in questions}
        frameworks = checklist.frameworks.prefetch_related("requirements")
        self.requirements = {f.key: {r.rid for r in f.requirements.all()} for f in frameworks}
        # (name, mapping) pairs, for rules_v2.conditions_naming and tags_naming.
        self.conditions = [
            (f"category {key} (applies_if)", applies_if)
            for key, applies_if in checklist.categories.values_list("key", "applies_if")
        ]
        self.tags = []
        for key, applies_if, critical_if, tags in checklist.items.values_list(
            "key", "applies_if", "critical_if", "frameworks"
        ):
            self.conditions.append((f"item {key} (applies_if)", applies_if))
            self.conditions.append((f"item {key} (critical_if)", critical_if))
            self.tags.append((f"item {key} (frameworks)", tags))

    def refusal(self, model, key: str, child: str | None = None) -> str | None:
        """Why a stored row may not be deleted or renamed: the conditions or tags naming it.

        `key` is a profile question's or framework's; `child` one of its options or requirements.
        """
        if model in (ProfileQuestion, ProfileOption):
            names = rules_v2.conditions_naming(self.conditions, key, child)
        else:
            names = rules_v2.tags_naming(self.tags, key, child)
        if not names:
            return None
        what = f"{model._meta.verbose_name.capitalize()} {child or key}"
        what += f" of {key}" if child else ""
        return (
            f"{what} is named by {', '.join(names)}: change those first, then remove or rename it."
        )


# --- Fields -------------------------------------------------------------------------------


class YamlField(forms.Field):
    """A JSON column edited as YAML text; empty text is the column's empty value."""

    def __init__(self, *, empty=None, **kwargs):
        self.empty = empty
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 4, "cols": 60}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, str):  # what was typed, shown again with its error
            return value
        if value in (None, {}):
            return ""
        # Innermost lists and mappings on one line each, as the shipped files write them.
        return yaml.safe_dump(value, sort_keys=False, allow_unicode=True, default_flow_style=None)

    def to_python(self, value):
        try:
            value = yamlfiles.load(value) if value and str(value).strip() else None
        except yamlfiles.FileFormatError as exc:
            raise ValidationError(str(exc)) from None
        # `null` too: a column that is not nullable (Item.frameworks) would fail with a 500.
        return copy.copy(self.empty) if value is None else value


class Format2RowAdmin:
    """For a checklist's, category's or item's admin: a "Format 2" fieldset on format 2 only."""

    format_2_fields: list = []
    format_2_help = YAML_HELP
    format_2_position: int | None = None  # among the fieldsets; None: last

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if is_format_2(obj):
            section = {"fields": self.format_2_fields, "description": self.format_2_help}
            position = len(fieldsets) if self.format_2_position is None else self.format_2_position
            fieldsets.insert(position, ("Format 2", section))
        return fieldsets

    def formfield_for_dbfield(self, db_field, request: HttpRequest, **kwargs):
        if isinstance(db_field, models.JSONField):
            default = db_field.get_default()
            return YamlField(empty=default, required=False, label=capfirst(db_field.verbose_name))
        if db_field.name == "scope":
            # Text, not a choice field: rules_v2.scope gives the message, not Django's.
            return forms.CharField(widget=forms.Select(choices=db_field.choices))
        return super().formfield_for_dbfield(db_field, request, **kwargs)


# --- Checklists, categories and items --------------------------------------------------------


class ChecklistForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Shown in the file's order: PostgreSQL's jsonb keeps its own.
        tiers, matrix = self.initial.get("impact_tiers"), self.initial.get("level_matrix")
        if isinstance(tiers, dict) and set(tiers) == set(rules_v2.DEFAULT_TIERS):
            self.initial["impact_tiers"] = {name: tiers[name] for name in rules_v2.DEFAULT_TIERS}
        if isinstance(matrix, dict) and set(matrix) == set(rules_v2.TIERS):
            self.initial["level_matrix"] = {
                tier: {level: matrix[tier].get(level) for level in rules_v2.LEVELS}
                for tier in rules_v2.TIERS
            }

    def clean_impact_tiers(self):
        # Empty, the contract's values, as for a file that leaves them out.
        return _apply(rules_v2.tiers, self.cleaned_data["impact_tiers"])

    def clean_level_matrix(self):
        return _apply(rules_v2.matrix, self.cleaned_data["level_matrix"])


class RowForm(forms.ModelForm):
    """A category or an item of a format-2 checklist: conditions, scope and tags."""

    def _checklist(self) -> Checklist | None:
        if isinstance(self.instance, Item):
            category = self.cleaned_data.get("category")
            if category is None and self.instance.category_id:
                category = self.instance.category
            return category.checklist if category is not None else None
        return self.instance.checklist if self.instance.checklist_id else None

    def clean(self):
        data = super().clean()
        checklist = self._checklist()
        if checklist is None or checklist.format != 2:
            return data
        if isinstance(self.instance, Item) and "key" in self.changed_data and data.get("key"):
            profile = checklist.profile.values_list("key", flat=True)
            self._check("key", rules_v2.keys_apart, profile, {data["key"]})
        # A file's `critical` is one or the other; a page without critical_if (the
        # category's item rows) must not tick the flag of an item that has one either.
        condition = data.get("critical_if", getattr(self.instance, "critical_if", None))
        if data.get("critical") and condition:
            field = "critical_if" if "critical_if" in self.fields else "critical"
            self.add_error(field, "Tick 'critical' or give a condition in critical_if, not both.")
        if not {"applies_if", "critical_if", "scope", "frameworks"} & set(data):
            return data
        current = Current(checklist)
        for name in ("applies_if", "critical_if"):
            if data.get(name) is not None:
                self._check(name, rules_v2.condition, data[name], name, current.options)
        if "scope" in data:
            self._check("scope", rules_v2.scope, data["scope"], "scope")
        if "frameworks" in data:
            tags = data["frameworks"]
            self._check("frameworks", rules_v2.tags, tags, "frameworks", current.requirements)
        return data

    def _check(self, name: str, rule, *args) -> None:
        # A valid value comes back from its rule as it went in: nothing to replace.
        try:
            _apply(rule, *args)
        except ValidationError as exc:
            self.add_error(name, exc)


class ChecklistFormat2Admin(Format2RowAdmin):
    """ChecklistAdmin's format-2 share: tiers and matrix, the profile and frameworks inlines."""

    form = ChecklistForm
    format_2_fields = ["format", "impact_tiers", "level_matrix"]
    format_2_position = 2  # after the thresholds

    format_2_help = (
        "Impact tiers: thresholds on the impact total, 0 < moderate < high < very_high. The "
        "level matrix: the overall level for each impact tier and control level, never going "
        "down along a row or a column. In YAML or JSON; empty, the values of the contract."
    )

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        # A checklist changes format by loading a file of the other format.
        return [*super().get_readonly_fields(request, obj), "format"]

    def get_inlines(self, request: HttpRequest, obj):
        inlines = list(super().get_inlines(request, obj))
        return [*inlines, ProfileQuestionInline, FrameworkInline] if is_format_2(obj) else inlines


# --- Profile questions and frameworks, their options and requirements ----------------------------


class NamedRowForm(forms.ModelForm):
    """A profile question or a framework: not renamed while a condition or tag names it."""

    def clean(self):
        data = super().clean()
        original, key = self.instance.key if self.instance.pk else None, data.get("key")
        if not (original and key and key != original):
            return data
        model = type(self.instance)
        refusal = Current(self.instance.checklist).refusal(model, original)
        # Without its checklist on the form, Django skips the unique constraint: a 500.
        clash = model.objects.filter(checklist_id=self.instance.checklist_id, key=key)
        if refusal is None and "checklist" not in self.fields and clash.exists():
            refusal = f"{key} is already used in this checklist."
        if refusal:
            self.add_error("key", refusal)
        return data


class ProfileQuestionForm(NamedRowForm):
    def clean_key(self):
        _apply(rules_v2.profile_key, self.cleaned_data["key"], "key")
        return self.cleaned_data["key"]

    def clean(self):
        data = super().clean()
        checklist = data.get("checklist") or getattr(self.instance, "checklist", None)
        if checklist is not None and data.get("key") and "key" in self.changed_data:
            items = set(checklist.items.values_list("key", flat=True))
            try:
                _apply(rules_v2.keys_apart, [data["key"]], items)
            except ValidationError as exc:
                self.add_error("key", exc)
        return data


class ProfileOptionForm(forms.ModelForm):
    def clean_impact(self):
        return _apply(rules_v2.impact, self.cleaned_data["impact"], "impact")


class RequirementForm(forms.ModelForm):
    def clean_rid(self):
        _apply(rules_v2.requirement_id, self.cleaned_data["rid"], "id")
        return self.cleaned_data["rid"]


# How many rows the loader requires, by model; a checklist may have no frameworks.
LISTED = {
    ProfileQuestion: lambda check, rows, parent: rules_v2.profile_listed(check, rows),
    ProfileOption: lambda check, rows, parent: rules_v2.options_listed(
        check, rows, f"profile[{parent.key}].options"
    ),
    Requirement: lambda check, rows, parent: rules_v2.requirements_listed(
        check, rows, f"frameworks[{parent.key}].requirements"
    ),
}


class GuardedFormSet(forms.BaseInlineFormSet):
    """Questions or frameworks of a checklist, options of a question, requirements of a framework.

    As many as the loader requires stay, and none that a condition or tag names is
    deleted or renamed (the loader would refuse the checklist's file afterwards).
    """

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.cleaned_data and not self._should_delete_form(f)]
        if self.model in LISTED:
            _apply(LISTED[self.model], kept, self.instance)
        field = "rid" if self.model is Requirement else "key"
        taken = [
            form.initial[field]
            for form in self.initial_forms
            if self._should_delete_form(form)
            or form.cleaned_data.get(field, form.initial[field]) != form.initial[field]
        ]
        if not taken or self.instance.pk is None:
            return
        if isinstance(self.instance, Checklist):
            current = Current(self.instance)
            refusals = [current.refusal(self.model, key) for key in taken]
        else:
            # The question or framework as stored: its key may be changing in this same post.
            parent = type(self.instance).objects.select_related("checklist")
            parent = parent.get(pk=self.instance.pk)
            current = Current(parent.checklist)
            refusals = [current.refusal(self.model, parent.key, key) for key in taken]
        if any(refusals):
            raise ValidationError([refusal for refusal in refusals if refusal])


class ChildInline(VersionRowInline):
    formset = GuardedFormSet
    ordering = ["order", "pk"]

    def get_extra(self, request: HttpRequest, obj=None, **kwargs) -> int:
        # A new question needs two options, a new framework a requirement: offer the rows.
        return self.extra_when_new if obj is None else 0


class ProfileOptionInline(ChildInline):
    model = ProfileOption
    form = ProfileOptionForm
    fields = ["key", "label", "impact", "order"]
    extra_when_new = 2


class RequirementInline(ChildInline):
    model = Requirement
    form = RequirementForm
    fields = ["rid", "title", "order"]
    extra_when_new = 1


class ParentInline(VersionRowInline):
    """Questions or frameworks on their checklist's page; change_form.html links their add pages."""

    formset = GuardedFormSet
    ordering = ["order", "pk"]
    extra = 0
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj) -> bool:
        return False


class ProfileQuestionInline(ParentInline):
    model = ProfileQuestion
    form = ProfileQuestionForm
    fields = ["key", "question", "guidance", "multiple", "order"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2})}}
    verbose_name_plural = "profile questions (each question's options are on its own page)"


class FrameworkInline(ParentInline):
    model = Framework
    form = NamedRowForm
    fields = ["key", "name", "version", "source", "order"]
    verbose_name_plural = "frameworks (each framework's requirements are on its own page)"


class ParentAdmin(VersionRowAdmin):
    """The own page of a profile question or a framework, with its options or requirements."""

    list_filter = ["checklist"]
    list_select_related = ["checklist"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return ["checklist"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "checklist":
            field.queryset = field.queryset.filter(format=2)
        return field

    def get_actions(self, request: HttpRequest) -> dict:
        # Bulk delete would not ask what still names the rows.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request: HttpRequest, object_id: str, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        # A read-only row is refused by Django itself, with a 403.
        if obj is not None and self.has_delete_permission(request, obj):
            refusal = Current(obj.checklist).refusal(self.model, obj.key)
            others = list(self.model.objects.filter(checklist=obj.checklist).exclude(pk=obj.pk))
            if refusal is None and self.model in LISTED:
                try:
                    _apply(LISTED[self.model], others, obj.checklist)
                except ValidationError as exc:
                    refusal = f"{obj.key} cannot be deleted: {exc.messages[0]}"
            if refusal:
                self.message_user(request, refusal, messages.ERROR)
                change = f"admin:checklist_{self.model._meta.model_name}_change"
                return HttpResponseRedirect(reverse(change, args=[obj.pk]))
        return super().delete_view(request, object_id, extra_context)


@admin.register(ProfileQuestion)
class ProfileQuestionAdmin(ParentAdmin):
    form = ProfileQuestionForm
    list_display = ["key", "question", "checklist", "multiple", "order"]
    search_fields = ["key", "question"]
    fields = ["checklist", "key", "question", "guidance", "multiple", "order"]
    inlines = [ProfileOptionInline]


@admin.register(Framework)
class FrameworkAdmin(ParentAdmin):
    form = NamedRowForm
    list_display = ["key", "name", "checklist", "version", "order"]
    search_fields = ["key", "name"]
    fields = ["checklist", "key", "name", "version", "source", "order"]
    inlines = [RequirementInline]
