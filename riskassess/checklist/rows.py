"""What each row of a checklist holds, from its spec, and a new version inserted in bulk.

services.load_checklist writes a file into the catalogue two ways: row by row,
matching by key, when the version exists (a draft being edited), and in bulk
when it is new. Both take each row's fields from the functions here, so a field
added to the format is written by both or by neither.
"""

from __future__ import annotations

from simple_history.utils import bulk_create_with_history

from riskassess.checklist.models import (
    Category,
    Checklist,
    Framework,
    Item,
    Option,
    ProfileOption,
    ProfileQuestion,
    Requirement,
)
from riskassess.checklist.spec import ChecklistSpec


def option_values(spec, order: int) -> dict:
    return {
        "label": spec.label,
        "risk": spec.risk,
        "not_applicable": spec.not_applicable,
        "order": order,
        "active": True,
    }


def question_values(spec, order: int) -> dict:
    return {
        "question": spec.question,
        "guidance": spec.guidance,
        "multiple": spec.multiple,
        "order": order,
    }


def profile_option_values(spec, order: int) -> dict:
    return {"label": spec.label, "impact": spec.impact, "order": order}


def framework_values(spec, order: int) -> dict:
    return {"name": spec.name, "version": spec.version, "source": spec.source, "order": order}


def requirement_values(spec, order: int) -> dict:
    return {"title": spec.title, "order": order}


def category_values(spec, order: int) -> dict:
    return {
        "name": spec.name,
        "description": spec.description,
        "reference": spec.reference,
        "weight": spec.weight,
        "order": order,
        "active": True,
        "applies_if": spec.applies_if,
    }


def item_values(spec, order: int) -> dict:
    return {
        "question": spec.question,
        "guidance": spec.guidance,
        "mitigation": spec.mitigation,
        "reference": spec.reference,
        "weight": spec.weight,
        # A condition goes to critical_if; `critical` keeps the plain flag.
        "critical": spec.critical is True,
        "critical_if": (spec.critical or None) if isinstance(spec.critical, dict) else None,
        "required": spec.required,
        "order": order,
        "active": True,
        "applies_if": spec.applies_if,
        "scope": spec.scope,
        "frameworks": spec.frameworks,
    }


def _bulk(model, rows: list) -> list:
    """Insert the rows and their "created" history records, a few queries per model."""
    return bulk_create_with_history(rows, model) if rows else []


def create_contents(checklist: Checklist, spec: ChecklistSpec) -> int:
    """Everything under a checklist that was just created, inserted in bulk; the row count.

    Nothing exists yet, so there is nothing to match or remove: row by row would
    cost a lookup, an insert and a history insert per row (about 1,200 queries for
    version 2 of the default checklist), against about 20 here. The rows and their
    history records are the ones the row-by-row path writes.
    """
    questions = _bulk(
        ProfileQuestion,
        [
            ProfileQuestion(checklist=checklist, key=q.key, **question_values(q, order))
            for order, q in enumerate(spec.profile)
        ],
    )
    profile_options = _bulk(
        ProfileOption,
        [
            ProfileOption(question=question, key=o.key, **profile_option_values(o, order))
            for question, q in zip(questions, spec.profile, strict=True)
            for order, o in enumerate(q.options)
        ],
    )
    frameworks = _bulk(
        Framework,
        [
            Framework(checklist=checklist, key=f.key, **framework_values(f, order))
            for order, f in enumerate(spec.frameworks)
        ],
    )
    requirements = _bulk(
        Requirement,
        [
            Requirement(framework=framework, rid=r.id, **requirement_values(r, order))
            for framework, f in zip(frameworks, spec.frameworks, strict=True)
            for order, r in enumerate(f.requirements)
        ],
    )
    categories = _bulk(
        Category,
        [
            Category(checklist=checklist, key=c.key, **category_values(c, order))
            for order, c in enumerate(spec.categories)
        ],
    )
    pairs = [
        (category, i)
        for category, c in zip(categories, spec.categories, strict=True)
        for i in c.items
    ]
    items = _bulk(
        Item,
        [
            Item(checklist=checklist, category=category, key=i.key, **item_values(i, order))
            for order, (category, i) in enumerate(pairs)
        ],
    )

    def options(item, specs) -> list[Option]:
        return [
            Option(checklist=checklist, item=item, key=o.key, **option_values(o, order))
            for order, o in enumerate(specs)
        ]

    all_options = options(None, spec.scale) + [
        option
        for item, (_, i) in zip(items, pairs, strict=True)
        for option in options(item, i.options or [])
    ]
    _bulk(Option, all_options)
    made = (questions, profile_options, frameworks, requirements, categories, items, all_options)
    return sum(len(rows) for rows in made)
