"""Load a checklist file into the catalogue (contracts.md §2, §6), move its status.

Writing a checklist back as file data is exporting.py.

A published or retired version is read-only (rules.py): loading a file over it
only compares, and its status changes only along rules.TRANSITIONS.
"""

from __future__ import annotations

from collections import Counter

from django.db import models, transaction

from riskassess.checklist import rows, rules
from riskassess.checklist.diff import differences
from riskassess.checklist.exporting import export_checklist, spec_data
from riskassess.checklist.models import (
    Category,
    Checklist,
    Framework,
    Item,
    Option,
    ProfileOption,
    ProfileQuestion,
    Requirement,
    Status,
)
from riskassess.checklist.spec import ChecklistSpec, OptionSpec, validate
from riskassess.checklist.spec_v2 import FrameworkSpec, ProfileQuestionSpec


def _upsert(model, lookup: dict, values: dict, counts: Counter):
    """Create the row or update only the fields that differ, so reloading a file is a no-op."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        counts["created"] += 1
        return model.objects.create(**lookup, **values)
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save()
        counts["updated"] += 1
    else:
        counts["unchanged"] += 1
    return obj


def _remove_missing(queryset: models.QuerySet, counts: Counter) -> None:
    """Delete rows the file no longer has; retire the ones that answers still refer to."""
    for obj in queryset:
        try:
            with transaction.atomic():
                obj.delete()
            counts["deleted"] += 1
        except models.ProtectedError:
            if obj.active:
                obj.active = False
                obj.save(update_fields=["active"])
                counts["retired"] += 1


def _load_options(
    checklist: Checklist, item: Item | None, specs: list[OptionSpec], counts: Counter
):
    for order, spec in enumerate(specs):
        _upsert(
            Option,
            {"checklist": checklist, "item": item, "key": spec.key},
            rows.option_values(spec, order),
            counts,
        )
    keys = [spec.key for spec in specs]
    _remove_missing(
        Option.objects.filter(checklist=checklist, item=item).exclude(key__in=keys), counts
    )


def _load_profile(checklist: Checklist, specs: list[ProfileQuestionSpec], counts: Counter):
    for order, spec in enumerate(specs):
        question = _upsert(
            ProfileQuestion,
            {"checklist": checklist, "key": spec.key},
            rows.question_values(spec, order),
            counts,
        )
        for option_order, option in enumerate(spec.options):
            _upsert(
                ProfileOption,
                {"question": question, "key": option.key},
                rows.profile_option_values(option, option_order),
                counts,
            )
        keys = [option.key for option in spec.options]
        ProfileOption.objects.filter(question=question).exclude(key__in=keys).delete()
    keys = [spec.key for spec in specs]
    ProfileQuestion.objects.filter(checklist=checklist).exclude(key__in=keys).delete()


def _load_frameworks(checklist: Checklist, specs: list[FrameworkSpec], counts: Counter):
    for order, spec in enumerate(specs):
        framework = _upsert(
            Framework,
            {"checklist": checklist, "key": spec.key},
            rows.framework_values(spec, order),
            counts,
        )
        for number, requirement in enumerate(spec.requirements):
            _upsert(
                Requirement,
                {"framework": framework, "rid": requirement.id},
                rows.requirement_values(requirement, number),
                counts,
            )
        ids = [requirement.id for requirement in spec.requirements]
        Requirement.objects.filter(framework=framework).exclude(rid__in=ids).delete()
    keys = [spec.key for spec in specs]
    Framework.objects.filter(checklist=checklist).exclude(key__in=keys).delete()


@transaction.atomic
def load_checklist(spec: ChecklistSpec, *, status: str | None = None) -> tuple[Checklist, Counter]:
    """Create or update the checklist (slug, version) from a validated spec.

    Categories, items and options are matched by key. Those missing from the
    file are deleted, or retired when answers refer to them. A new checklist
    is published unless `status` says otherwise; an existing one keeps its
    status unless `status` moves it (rules.TRANSITIONS).

    A published or retired version is not updated: the same content changes
    nothing, and different content raises rules.Frozen naming every difference.
    """
    existing = (
        Checklist.objects.select_for_update().filter(slug=spec.slug, version=spec.version).first()
    )
    if existing is not None and rules.is_frozen(existing):
        return _compare_frozen(existing, spec, status)

    counts: Counter = Counter()
    values = {
        "name": spec.name,
        "description": spec.description,
        "source": spec.source,
        "threshold_medium": spec.thresholds["medium"],
        "threshold_high": spec.thresholds["high"],
        "threshold_critical": spec.thresholds["critical"],
        "format": spec.format,
        "impact_tiers": spec.impact_tiers,
        "level_matrix": spec.level_matrix,
    }
    if existing is None:
        values["status"] = status or Status.PUBLISHED
    checklist = _upsert(Checklist, {"slug": spec.slug, "version": spec.version}, values, counts)
    if existing is None:
        counts["created"] += rows.create_contents(checklist, spec)
        return checklist, counts
    _load_options(checklist, None, spec.scale, counts)
    _load_profile(checklist, spec.profile, counts)
    _load_frameworks(checklist, spec.frameworks, counts)

    item_order = 0
    for order, cat_spec in enumerate(spec.categories):
        category = _upsert(
            Category,
            {"checklist": checklist, "key": cat_spec.key},
            rows.category_values(cat_spec, order),
            counts,
        )
        for item_spec in cat_spec.items:
            item = _upsert(
                Item,
                {"checklist": checklist, "key": item_spec.key},
                {"category": category, **rows.item_values(item_spec, item_order)},
                counts,
            )
            item_order += 1
            _load_options(checklist, item, item_spec.options or [], counts)

    item_keys = [i.key for c in spec.categories for i in c.items]
    _remove_missing(Item.objects.filter(checklist=checklist).exclude(key__in=item_keys), counts)
    category_keys = [c.key for c in spec.categories]
    _remove_missing(
        Category.objects.filter(checklist=checklist).exclude(key__in=category_keys), counts
    )
    if status is not None and status != checklist.status:
        checklist = set_status(checklist=checklist, status=status)
        counts["status changed"] += 1
    return checklist, counts


def _compare_frozen(
    checklist: Checklist, spec: ChecklistSpec, status: str | None
) -> tuple[Checklist, Counter]:
    """Loading over a published version: refuse any difference, else at most move its status."""
    changes = differences(export_checklist(checklist), spec_data(spec))
    if changes:
        raise rules.Frozen(checklist, changes)
    rows = 1 + len(spec.scale) + len(spec.categories)
    rows += sum(1 + len(item.options or []) for c in spec.categories for item in c.items)
    counts = Counter(unchanged=rows)
    if status is not None and status != checklist.status:
        checklist = set_status(checklist=checklist, status=status)
        counts["status changed"] += 1
    return checklist, counts


@transaction.atomic
def set_status(*, checklist: Checklist, status: str) -> Checklist:
    """Move a version along rules.TRANSITIONS; its history records the move as the reason.

    Publishing freezes a draft for good, so a draft that would not make a valid
    file (e.g. its default scale is left with only "not applicable") is refused
    with ChecklistFileError, as the export is.
    """
    locked = Checklist.objects.select_for_update().get(pk=checklist.pk)
    rules.ensure_transition(locked, status)
    if locked.status == Status.DRAFT:
        validate(export_checklist(locked))
    before = locked.get_status_display()
    locked.status = status
    locked._change_reason = f"{before} → {locked.get_status_display()}"
    locked.save(update_fields=["status", "updated_at"])
    return locked


@transaction.atomic
def duplicate_as_draft(checklist: Checklist) -> Checklist:
    """Copy a checklist into a new draft version (the next free version number of its slug)."""
    data = export_checklist(checklist)
    newest = Checklist.objects.filter(slug=checklist.slug).aggregate(v=models.Max("version"))["v"]
    data["version"] = newest + 1
    copy, _ = load_checklist(validate(data), status=Status.DRAFT)
    return copy
