"""Load a checklist file into the catalogue, export it back (contracts.md §2), move its status.

A published or retired version is read-only (rules.py): loading a file over it
only compares, and its status changes only along rules.TRANSITIONS.
"""

from __future__ import annotations

from collections import Counter

from django.db import models, transaction

from riskassess import yamlfiles
from riskassess.checklist import rules, spec_v2
from riskassess.checklist.diff import differences
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


def _load_profile(checklist: Checklist, specs: list[ProfileQuestionSpec], counts: Counter):
    for order, spec in enumerate(specs):
        question = _upsert(
            ProfileQuestion,
            {"checklist": checklist, "key": spec.key},
            {
                "question": spec.question,
                "guidance": spec.guidance,
                "multiple": spec.multiple,
                "order": order,
            },
            counts,
        )
        for option_order, option in enumerate(spec.options):
            _upsert(
                ProfileOption,
                {"question": question, "key": option.key},
                {"label": option.label, "impact": option.impact, "order": option_order},
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
            {"name": spec.name, "version": spec.version, "source": spec.source, "order": order},
            counts,
        )
        for number, requirement in enumerate(spec.requirements):
            _upsert(
                Requirement,
                {"framework": framework, "rid": requirement.id},
                {"title": requirement.title, "order": number},
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
    _load_options(checklist, None, spec.scale, counts)
    _load_profile(checklist, spec.profile, counts)
    _load_frameworks(checklist, spec.frameworks, counts)

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
                "applies_if": cat_spec.applies_if,
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
                    # A condition goes to critical_if; `critical` keeps the plain flag.
                    "critical": item_spec.critical is True,
                    "critical_if": item_spec.critical or None
                    if isinstance(item_spec.critical, dict)
                    else None,
                    "required": item_spec.required,
                    "order": item_order,
                    "active": True,
                    "applies_if": item_spec.applies_if,
                    "scope": item_spec.scope,
                    "frameworks": item_spec.frameworks,
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
    data = {
        "slug": checklist.slug,
        "name": checklist.name,
        "version": checklist.version,
        "description": checklist.description,
        "source": checklist.source,
    }
    if checklist.format == 2:
        data["format"] = 2
        data["method"] = "weighted-exposure-v2"
    data["thresholds"] = {name: _number(value) for name, value in checklist.thresholds.items()}
    return data


def _format_2(
    checklist: Checklist | ChecklistSpec, profile: list[dict], frameworks: list[dict]
) -> dict:
    """The file-level parts of format 2, after the thresholds (contracts.md §6).

    Mappings kept in JSON columns are written in a fixed order (PostgreSQL's
    jsonb does not keep the order they were given in), so that a file exports
    the same from any database and from the file itself.
    """
    if checklist.format != 2:
        return {}
    tiers = checklist.impact_tiers or {}
    matrix = checklist.level_matrix or {}
    return {
        "profile": profile,
        "impact_tiers": {name: _number(tiers[name]) for name in spec_v2.DEFAULT_TIERS},
        "level_matrix": {
            tier: {level: matrix[tier][level] for level in spec_v2.LEVELS}
            for tier in spec_v2.TIERS
        },
        "frameworks": frameworks,
    }


def _ordered(mapping: dict | None, order: list[str]) -> dict | None:
    """A condition or a tag mapping with its keys in the checklist's order (see _format_2)."""
    if not mapping:
        return mapping
    rank = {key: number for number, key in enumerate(order)}
    return {key: mapping[key] for key in sorted(mapping, key=lambda k: (rank.get(k, len(rank)), k))}


def _question_data(question, options) -> dict:
    data = {"key": question.key, "question": question.question}
    if question.guidance:
        data["guidance"] = question.guidance
    data["multiple"] = question.multiple
    data["options"] = [
        {"key": o.key, "label": o.label, "impact": _number(o.impact)} for o in options
    ]
    return data


def _framework_data(framework, requirements) -> dict:
    return {
        "key": framework.key,
        "name": framework.name,
        "version": framework.version,
        "source": framework.source,
        "requirements": [{"id": r_id, "title": title} for r_id, title in requirements],
    }


def _critical(item, profile_order: list[str]) -> bool | dict:
    condition = getattr(item, "critical_if", None)
    if condition is None and isinstance(item.critical, dict):
        condition = item.critical  # a spec's item keeps its condition in `critical`
    return _ordered(condition, profile_order) if condition else bool(item.critical)


def _item_data(
    item, options: list[dict] | None, file_format: int = 1, orders: tuple = ((), ())
) -> dict:
    profile_order, framework_order = orders
    data = {
        "key": item.key,
        "question": item.question,
        "guidance": item.guidance,
        "mitigation": item.mitigation,
        "reference": item.reference,
        "weight": item.weight,
        "critical": _critical(item, profile_order),
        "required": item.required,
    }
    if file_format == 2:
        if item.applies_if:
            data["applies_if"] = _ordered(item.applies_if, profile_order)
        if item.scope != "deployment":
            data["scope"] = item.scope
        if item.frameworks:
            data["frameworks"] = _ordered(item.frameworks, framework_order)
    if options:
        data["options"] = options
    return data


def _category_data(category, items: list[dict], profile_order: list[str] = ()) -> dict:
    data = {
        "key": category.key,
        "name": category.name,
        "reference": category.reference,
        "weight": _number(category.weight),
        "description": category.description,
    }
    if getattr(category, "applies_if", None):
        data["applies_if"] = _ordered(category.applies_if, list(profile_order))
    data["items"] = items
    return data


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

    profile, frameworks = [], []
    if checklist.format == 2:
        questions = checklist.profile.prefetch_related("options").order_by("order", "pk")
        profile = [_question_data(q, q.options.all()) for q in questions]
        for framework in checklist.frameworks.prefetch_related("requirements").order_by("order"):
            rows = [(r.rid, r.title) for r in framework.requirements.all()]
            frameworks.append(_framework_data(framework, rows))
    orders = ([q["key"] for q in profile], [f["key"] for f in frameworks])
    categories = []
    for category in checklist.categories.filter(active=True).order_by("order", "pk"):
        items = [
            _item_data(i, own.get(i.pk), checklist.format, orders)
            for i in items_by_category.get(category.pk, [])
        ]
        if not items:
            # Every item retired: a category without items is not a valid file entry.
            continue
        categories.append(_category_data(category, items, orders[0]))
    return {
        **_head(checklist),
        **_format_2(checklist, profile, frameworks),
        "scale": scale,
        "categories": categories,
    }


def spec_data(spec: ChecklistSpec) -> dict:
    """A validated file as export_checklist would write it, to compare the two."""
    profile = [_question_data(q, q.options) for q in spec.profile]
    frameworks = [
        _framework_data(f, [(r.id, r.title) for r in f.requirements]) for f in spec.frameworks
    ]
    orders = ([q["key"] for q in profile], [f["key"] for f in frameworks])
    categories = [
        _category_data(
            category,
            [
                _item_data(
                    item, [_option_data(o) for o in item.options or []], spec.format, orders
                )
                for item in category.items
            ],
            orders[0],
        )
        for category in spec.categories
    ]
    return {
        **_head(spec),
        **_format_2(spec, profile, frameworks),
        "scale": [_option_data(o) for o in spec.scale],
        "categories": categories,
    }


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
