"""A new checklist version is inserted in bulk (services._create_contents).

It must write what the row-by-row path writes (rows, order, history records, the
counts the command prints) in a few queries per kind of row, not two per row.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
from riskassess.checklist.services import load_checklist
from riskassess.checklist.spec import validate

pytestmark = pytest.mark.django_db

MODELS = [Category, Item, Option, ProfileQuestion, ProfileOption, Framework, Requirement]


def rows(checklist: Checklist) -> dict:
    """Every row under the checklist, as comparable values (no ids, no checklist)."""
    return {
        "categories": list(
            checklist.categories.order_by("order").values_list(
                "key", "name", "weight", "order", "active", "applies_if"
            )
        ),
        "items": list(
            Item.objects.filter(checklist=checklist)
            .order_by("order")
            .values_list(
                "key",
                "category__key",
                "question",
                "weight",
                "critical",
                "critical_if",
                "required",
                "order",
                "active",
                "applies_if",
                "scope",
                "frameworks",
            )
        ),
        "options": sorted(
            Option.objects.filter(checklist=checklist).values_list(
                "item__key", "key", "label", "risk", "not_applicable", "order", "active"
            ),
            key=str,
        ),
        "profile": list(
            ProfileOption.objects.filter(question__checklist=checklist)
            .order_by("question__order", "order")
            .values_list("question__key", "question__multiple", "key", "impact", "order")
        ),
        "requirements": list(
            Requirement.objects.filter(framework__checklist=checklist)
            .order_by("framework__order", "order")
            .values_list("framework__key", "rid", "title", "order")
        ),
    }


def owned(model, checklist: Checklist):
    """The model's rows that belong to the checklist."""
    path = {ProfileOption: "question__", Requirement: "framework__"}.get(model, "")
    return model.objects.filter(**{f"{path}checklist": checklist})


def test_a_new_version_has_the_rows_the_row_by_row_path_writes(v2_spec):
    bulk, counts = load_checklist(v2_spec)
    assert bulk.status == Status.PUBLISHED
    assert export_checklist(bulk) == spec_data(v2_spec)

    # The row-by-row path: a draft with the same slug and another version, holding
    # only the scale, then loaded over with the whole file, creates every row itself.
    data = spec_data(v2_spec)
    data["version"] = v2_spec.version + 1
    first = data["categories"][0]
    item = {k: v for k, v in first["items"][0].items() if k not in ("applies_if", "frameworks")}
    if isinstance(item.get("critical"), dict):
        item["critical"] = True
    first = {k: v for k, v in first.items() if k != "applies_if"}
    bare = {
        **data,
        "profile": data["profile"][:1],
        "frameworks": [],
        "categories": [{**first, "items": [item]}],
    }
    draft, _ = load_checklist(validate(bare), status=Status.DRAFT)
    upserted, _ = load_checklist(validate(data))
    assert upserted.pk == draft.pk

    assert rows(bulk) == rows(upserted)
    # Every row has exactly one "created" history record, as a save would give it.
    for model in MODELS:
        for checklist in (bulk, upserted):
            mine = list(owned(model, checklist).values_list("pk", flat=True))
            created = model.history.filter(history_type="+", id__in=mine)
            assert created.count() == len(mine) > 0, model
    # What the command prints: every row created, the checklist included.
    assert counts == {"created": 1 + sum(owned(m, bulk).count() for m in MODELS)}


def test_a_new_version_takes_a_few_queries_per_kind_of_row(default_spec, v2_spec):
    for spec in (default_spec, v2_spec):
        with CaptureQueriesContext(connection) as queries:
            checklist, counts = load_checklist(spec)
        inserts = [q for q in queries if q["sql"].startswith("INSERT")]
        # One insert per kind of row and one for its history, in batches as large as
        # the database takes (SQLite: 999 parameters): not one per row.
        assert counts["created"] > 5 * len(inserts), (checklist, len(inserts))
        assert len(queries) < 40
