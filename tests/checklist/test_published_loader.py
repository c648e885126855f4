"""load_checklist over a published version: the same file is a no-op, a different one refused."""

import dataclasses
from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from riskassess.checklist import rules
from riskassess.checklist.diff import differences
from riskassess.checklist.exporting import export_checklist, export_yaml
from riskassess.checklist.models import Checklist, Item, Status
from riskassess.checklist.services import load_checklist
from riskassess.checklist.spec import validate

pytestmark = pytest.mark.django_db


def changed(checklist, change) -> dict:
    """The checklist's file data with `change` applied to it."""
    data = export_checklist(checklist)
    change(data)
    return data


def inq01(data: dict) -> dict:
    return data["categories"][0]["items"][0]


def history_size() -> int:
    return sum(model.history.count() for model in (Checklist, Item))


def test_a_changed_file_for_a_published_version_is_refused_naming_what_differs(checklist):
    def reword(data):
        inq01(data).update(question="Reworded?", weight=5)
        data["categories"][0]["items"].append({"key": "INQ-99", "question": "New?"})

    before = history_size()
    with pytest.raises(rules.Frozen) as caught:
        load_checklist(validate(changed(checklist, reword)))
    assert caught.value.changes == [
        "categories[inequity].items[INQ-01].question: changed",
        "categories[inequity].items[INQ-01].weight: 3 → 5",
        "categories[inequity].items[INQ-99]: added",
    ]
    assert str(caught.value) == (
        "foundation-model-risks v1 is published and cannot change: "
        "categories[inequity].items[INQ-01].question: changed; "
        "categories[inequity].items[INQ-01].weight: 3 → 5; "
        "categories[inequity].items[INQ-99]: added"
    )
    item = Item.objects.get(checklist=checklist, key="INQ-01")
    assert (item.weight, Item.objects.filter(key="INQ-99").exists()) == (3, False)
    assert history_size() == before


def test_it_names_twenty_differences_then_how_many_more(checklist):
    def reweigh(data):
        for item in data["categories"][0]["items"] + data["categories"][1]["items"]:
            item["weight"] = 1 if item["weight"] != 1 else 2

    with pytest.raises(rules.Frozen) as caught:
        load_checklist(validate(changed(checklist, reweigh)))
    shown = str(caught.value).split(": ", 1)[1].split("; ")
    assert len(shown) == 21
    assert shown[-1] == f"and {len(caught.value.changes) - 20} more"


def test_a_retired_version_is_read_only_too(retired):
    data = changed(
        retired, lambda d: d.update(thresholds={"medium": 30, "high": 50, "critical": 75})
    )
    with pytest.raises(rules.Frozen, match=r"v1 is retired and cannot change: thresholds.medium"):
        load_checklist(validate(data))


def test_the_same_file_for_a_published_version_changes_nothing(checklist, default_spec):
    stamp, before = Checklist.objects.get(pk=checklist.pk).updated_at, history_size()
    _, counts = load_checklist(default_spec)
    assert set(counts) == {"unchanged"}
    assert Checklist.objects.get(pk=checklist.pk).updated_at == stamp
    assert history_size() == before


def test_its_own_export_loads_back_as_a_no_op(checklist):
    _, counts = load_checklist(validate(yaml.safe_load(export_yaml(checklist))))
    assert set(counts) == {"unchanged"}


def test_a_draft_still_takes_the_changed_file(draft):
    data = changed(draft, lambda d: inq01(d).update(weight=5))
    _, counts = load_checklist(validate(data))
    assert counts["updated"] == 1
    assert Item.objects.get(checklist=draft, key="INQ-01").weight == 5


def test_the_same_file_may_move_the_status_along_the_allowed_transitions(checklist, default_spec):
    loaded, counts = load_checklist(default_spec, status=Status.RETIRED)
    assert (loaded.status, counts["status changed"]) == (Status.RETIRED, 1)
    assert loaded.history.latest().history_change_reason == "Published → Retired"
    assert load_checklist(default_spec, status=Status.PUBLISHED)[0].status == Status.PUBLISHED
    with pytest.raises(rules.TransitionRefused, match="published and cannot become draft"):
        load_checklist(default_spec, status=Status.DRAFT)


def test_a_draft_is_published_by_loading_it_with_status_published(draft, default_spec):
    spec = dataclasses.replace(default_spec, version=2)
    loaded, _ = load_checklist(spec, status=Status.PUBLISHED)
    assert loaded.status == Status.PUBLISHED


def test_a_draft_cannot_be_retired_without_being_published(draft, default_spec):
    with pytest.raises(rules.TransitionRefused, match="v2 is draft and cannot become retired"):
        load_checklist(dataclasses.replace(default_spec, version=2), status=Status.RETIRED)
    assert Checklist.objects.get(pk=draft.pk).status == Status.DRAFT


def test_the_command_lists_what_differs_and_how_to_go_on(checklist, tmp_path):
    path = tmp_path / "edited.yaml"
    data = changed(checklist, lambda d: inq01(d).update(weight=5))
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("load_checklist", str(path), stdout=StringIO())
    assert str(caught.value).splitlines()[:2] == [
        f"{path}: foundation-model-risks v1 is published and cannot change; what differs:",
        "  categories[inequity].items[INQ-01].weight: 3 → 5",
    ]
    assert "give the file a new version number" in str(caught.value)


def test_the_command_refuses_to_unpublish(checklist):
    with pytest.raises(CommandError, match="cannot become draft"):
        call_command("load_checklist", "--status", "draft", stdout=StringIO())


# The differences, as plain data ------------------------------------------------------------

OLD = {
    "name": "A",
    "scale": [{"key": "yes", "risk": 0.0}, {"key": "no", "risk": 1.0}],
    "categories": [
        {"key": "c", "items": [{"key": "I-1", "weight": 3}, {"key": "I-2", "weight": 1}]},
    ],
}


def test_equal_data_has_no_differences():
    assert differences(OLD, OLD) == []


def test_numbers_compare_by_value():
    assert differences({"weight": 1}, {"weight": 1.0}) == []


def test_lists_of_keyed_entries_compare_by_key():
    new = {
        "name": "B",
        "scale": [{"key": "no", "risk": 1.0}, {"key": "yes", "risk": 0.0}],
        "categories": [{"key": "c", "items": [{"key": "I-2", "weight": 1, "options": []}]}],
    }
    assert differences(OLD, new) == [
        'name: "A" → "B"',
        "scale: order changed",
        "categories[c].items[I-1]: removed",
        "categories[c].items[I-2].options: added",
    ]


def test_long_text_is_reported_as_changed_not_printed():
    assert differences({"guidance": "x" * 41}, {"guidance": "y" * 41}) == ["guidance: changed"]
