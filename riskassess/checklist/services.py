"""Load a checklist file into the catalogue, export it back (contracts.md §2), move its status.

A published or retired version is read-only (rules.py): loading a file over it
only compares, and its status changes only along rules.TRANSITIONS.
"""

from __future__ import annotations

from collections import Counter

from django.db import models, transaction

from riskassess import yamlfiles
from riskassess.checklist import rules
from riskassess.checklist.diff import differences
from riskassess.checklist.models import Category, Checklist, Item, Option, Status
from riskassess.checklist.spec import ChecklistSpec, OptionSpec, validate


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
            {
                "label": spec.label,
                "risk": spec.risk,
                "not_applicable": spec.not_applicable,
                "order": order,
                "active": True,
            },
            counts,
        )
    keys = [spec.key for spec in specs]
    _remove_missing(
        Option.objects.filter(checklist=checklist, item=item).exclude(key__in=keys), counts
    )


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
    }
    if existing is None:
        values["status"] = status or Status.PUBLISHED
    checklist = _upsert(Checklist, {"slug": spec.slug, "version": spec.version}, values, counts)
    _load_options(checklist, None, spec.scale, counts)

    item_order = 0
    for order, cat_spec in enumerate(spec.categories):
        category = _upsert(
            Category,
            {"checklist": checklist, "key": cat_spec.key},
            {
                "name": cat_spec.name,
                "description": cat_spec.description,
                "reference": cat_spec.reference,
                "weight": cat_spec.weight,
                "order": order,
                "active": True,
            },
            counts,
        )
        for item_spec in cat_spec.items:
            item = _upsert(
                Item,
                {"checklist": checklist, "key": item_spec.key},
                {
                    "category": category,
                    "question": item_spec.question,
                    "guidance": item_spec.guidance,
                    "mitigation": item_spec.mitigation,
                    "reference": item_spec.reference,
                    "weight": item_spec.weight,
                    "critical": item_spec.critical,
                    "required": item_spec.required,
                    "order": item_order,
                    "active": True,
                },
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


def _number(value: float) -> int | float:
    """25.0 -> 25: the file keeps whole numbers whole, as people write them."""
    return int(value) if float(value).is_integer() else value


def _option_data(option: Option | OptionSpec) -> dict:
    data = {"key": option.key, "label": option.label}
    if option.not_applicable:
        data["not_applicable"] = True
    else:
        data["risk"] = float(option.risk)
    return data


# The rows and the specs have the same attribute names, so one set of functions
# writes both: a published version and a file compare exactly (spec_data).


def _head(checklist: Checklist | ChecklistSpec) -> dict:
    return {
        "slug": checklist.slug,
        "name": checklist.name,
        "version": checklist.version,
        "description": checklist.description,
        "source": checklist.source,
        "thresholds": {name: _number(value) for name, value in checklist.thresholds.items()},
    }


def _item_data(item, options: list[dict] | None) -> dict:
    data = {
        "key": item.key,
        "question": item.question,
        "guidance": item.guidance,
        "mitigation": item.mitigation,
        "reference": item.reference,
        "weight": item.weight,
        "critical": item.critical,
        "required": item.required,
    }
    if options:
        data["options"] = options
    return data


def _category_data(category, items: list[dict]) -> dict:
    return {
        "key": category.key,
        "name": category.name,
        "reference": category.reference,
        "weight": _number(category.weight),
        "description": category.description,
        "items": items,
    }


def export_checklist(checklist: Checklist) -> dict:
    """The checklist as file data (active rows only), in the order of contracts.md §2."""
    options = list(Option.objects.filter(checklist=checklist, active=True))
    scale = [_option_data(o) for o in options if o.item_id is None]
    own: dict[int, list[dict]] = {}
    for option in options:
        if option.item_id is not None:
            own.setdefault(option.item_id, []).append(_option_data(option))
    items_by_category: dict[int, list[Item]] = {}
    for item in Item.objects.filter(checklist=checklist, active=True).order_by("order", "pk"):
        items_by_category.setdefault(item.category_id, []).append(item)

    categories = []
    for category in checklist.categories.filter(active=True).order_by("order", "pk"):
        items = [_item_data(i, own.get(i.pk)) for i in items_by_category.get(category.pk, [])]
        if not items:
            # Every item retired: a category without items is not a valid file entry.
            continue
        categories.append(_category_data(category, items))
    return {**_head(checklist), "scale": scale, "categories": categories}


def spec_data(spec: ChecklistSpec) -> dict:
    """A validated file as export_checklist would write it, to compare the two."""
    categories = [
        _category_data(
            category,
            [
                _item_data(item, [_option_data(o) for o in item.options or []])
                for item in category.items
            ],
        )
        for category in spec.categories
    ]
    return {**_head(spec), "scale": [_option_data(o) for o in spec.scale], "categories": categories}


def export_yaml(checklist: Checklist) -> str:
    return yamlfiles.dump(export_checklist(checklist))


@transaction.atomic
def duplicate_as_draft(checklist: Checklist) -> Checklist:
    """Copy a checklist into a new draft version (the next free version number of its slug)."""
    data = export_checklist(checklist)
    newest = Checklist.objects.filter(slug=checklist.slug).aggregate(v=models.Max("version"))["v"]
    data["version"] = newest + 1
    copy, _ = load_checklist(validate(data), status=Status.DRAFT)
    return copy
