"""Write a checklist back as file data (contracts.md §2, §6): export → load → export is identical.

The catalogue's rows and the validated specs have the same attribute names, so
one set of functions writes both, and a published version compares exactly
with a file (`spec_data`, used by services.load_checklist).
"""

from __future__ import annotations

from riskassess import yamlfiles
from riskassess.checklist import spec_v2
from riskassess.checklist.models import Checklist, Item, Option
from riskassess.checklist.spec import ChecklistSpec, OptionSpec


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
            tier: {level: matrix[tier][level] for level in spec_v2.LEVELS} for tier in spec_v2.TIERS
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
                _item_data(item, [_option_data(o) for o in item.options or []], spec.format, orders)
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
