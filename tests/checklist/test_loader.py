import copy

import pytest
import yaml
from django.db import IntegrityError

from riskassess.checklist.exporting import export_checklist, export_yaml
from riskassess.checklist.management.commands.load_checklist import DEFAULT_FILE
from riskassess.checklist.models import Category, Checklist, Item, Option, Status
from riskassess.checklist.services import load_checklist
from riskassess.checklist.spec import ChecklistFileError, parse, validate

pytestmark = pytest.mark.django_db

SMALL = """
slug: tiny
name: Tiny checklist
version: 1
scale:
  - {key: yes, label: "Yes", risk: 0.0}
  - {key: no, label: "No", risk: 1.0}
  - {key: na, label: "Not applicable", not_applicable: true}
categories:
  - key: misuse
    name: Misuse
    items:
      - key: MIS-01
        question: Is access gated?
        weight: 4
        critical: true
      - key: MIS-02
        question: Is usage monitored?
        options:
          - {key: yes, label: "Yes, continuously", risk: 0}
          - {key: sampled, label: "Sampled", risk: 0.4}
          - {key: no, label: "No", risk: 1}
"""


def small_data() -> dict:
    return yaml.safe_load(SMALL.replace("key: yes", "key: 'yes'").replace("key: no", "key: 'no'"))


def test_it_loads_the_default_checklist_with_four_full_categories(default_spec):
    checklist, _ = load_checklist(default_spec)
    assert checklist.status == Status.PUBLISHED
    keys = list(checklist.categories.values_list("key", flat=True))
    assert keys[:4] == ["inequity", "misuse", "environment", "legal"]
    for category in checklist.categories.all():
        assert category.items.count() >= 12
        assert category.items.filter(critical=True).exists()
        assert category.reference.startswith("§5.")
    assert not Item.objects.filter(checklist=checklist, reference="").exists()


def test_it_reads_unquoted_yes_and_no_option_keys():
    checklist, _ = load_checklist(parse(SMALL))
    scale = Option.objects.filter(checklist=checklist, item=None).values_list("key", flat=True)
    assert list(scale) == ["yes", "no", "na"]


def test_loading_the_same_file_twice_changes_nothing(default_spec):
    checklist, _ = load_checklist(default_spec)
    stamp = Checklist.objects.get(pk=checklist.pk).updated_at
    _, counts = load_checklist(default_spec)
    assert set(counts) == {"unchanged"}
    assert Checklist.objects.get(pk=checklist.pk).updated_at == stamp


def test_it_updates_changed_items_by_key():
    load_checklist(parse(SMALL), status=Status.DRAFT)
    data = small_data()
    data["categories"][0]["items"][0]["question"] = "Is access gated by identity checks?"
    checklist, counts = load_checklist(validate(data))
    assert counts["updated"] == 1
    assert Item.objects.get(checklist=checklist, key="MIS-01").question.endswith("identity checks?")


def test_it_deletes_rows_the_file_no_longer_has():
    load_checklist(parse(SMALL), status=Status.DRAFT)
    data = small_data()
    del data["categories"][0]["items"][1]
    checklist, counts = load_checklist(validate(data))
    assert list(Item.objects.filter(checklist=checklist).values_list("key", flat=True)) == [
        "MIS-01"
    ]
    assert counts["deleted"] == 1
    assert not Option.objects.filter(checklist=checklist, item__isnull=False).exists()


def test_an_item_own_scale_is_kept_apart_from_the_default_scale():
    checklist, _ = load_checklist(parse(SMALL))
    item = Item.objects.get(checklist=checklist, key="MIS-02")
    assert list(item.options.values_list("key", "risk")) == [
        ("yes", 0.0),
        ("sampled", 0.4),
        ("no", 1.0),
    ]


def test_export_then_load_then_export_gives_an_identical_file(default_spec, tmp_path):
    first = export_yaml(load_checklist(default_spec)[0])
    Checklist.objects.all().delete()
    second = export_yaml(load_checklist(parse(first))[0])
    assert first == second


def test_export_is_equivalent_to_the_shipped_file(default_spec):
    exported = export_checklist(load_checklist(default_spec)[0])
    shipped = parse(DEFAULT_FILE.read_bytes())
    assert validate(exported) == shipped


def test_a_new_version_is_a_separate_checklist():
    load_checklist(parse(SMALL))
    data = small_data()
    data["version"] = 2
    load_checklist(validate(data))
    assert list(Checklist.objects.filter(slug="tiny").values_list("version", flat=True)) == [2, 1]


@pytest.mark.parametrize(
    "mutate, message",
    [
        (
            lambda d: d["categories"][0]["items"][0].update(weight=7),
            "categories[misuse].items[MIS-01].weight: must be a whole number from 1 to 5 (got 7)",
        ),
        (
            lambda d: d["categories"][0]["items"][1]["options"][1].update(risk=1.5),
            "items[MIS-02].options[sampled].risk: must be a number from 0.0 to 1.0",
        ),
        (
            lambda d: d["categories"][0]["items"].append({"key": "MIS-01", "question": "Again?"}),
            "categories[misuse].items[MIS-01]: duplicate item key",
        ),
        (
            lambda d: d.update(thresholds={"medium": 60, "high": 50, "critical": 75}),
            "thresholds: must satisfy 0 < medium < high < critical <= 100",
        ),
        (
            lambda d: d.update(scale=[{"key": "na", "label": "N/A", "not_applicable": True}]),
            "scale: needs at least one option that is not 'not applicable'",
        ),
        (
            lambda d: d["categories"][0]["items"][0].update(critcal=True),
            "categories[misuse].items[MIS-01].critcal: unknown field",
        ),
        (
            lambda d: d["categories"][0]["items"][0].update(question=""),
            "categories[misuse].items[MIS-01].question: must not be empty",
        ),
        (
            lambda d: d["categories"][0].update(weight=0),
            "categories[misuse].weight: must be greater than 0",
        ),
        (lambda d: d.pop("categories"), "checklist.categories: is required"),
        (lambda d: d.update(slug="has spaces"), "slug: must be letters, digits"),
    ],
)
def test_it_refuses_a_bad_file_naming_the_key(mutate, message):
    data = copy.deepcopy(small_data())
    mutate(data)
    with pytest.raises(ChecklistFileError) as caught:
        validate(data)
    assert any(message in error for error in caught.value.errors), caught.value.errors


def test_a_refused_file_changes_nothing_in_the_database():
    checklist, _ = load_checklist(parse(SMALL))
    bad = SMALL.replace("Is access gated?", "Is access gated, again?").replace(
        "weight: 4", "weight: 9"
    )
    with pytest.raises(ChecklistFileError):
        load_checklist(parse(bad))
    assert Item.objects.get(checklist=checklist, key="MIS-01").question == "Is access gated?"


def test_a_failure_half_way_through_loading_rolls_everything_back(monkeypatch):
    checklist, _ = load_checklist(parse(SMALL), status=Status.DRAFT)
    data = small_data()
    data["name"] = "Renamed"
    original_create = Item.objects.create

    def fail_on_new_item(**kwargs):
        raise RuntimeError("disk full")

    data["categories"][0]["items"].append({"key": "MIS-03", "question": "New?"})
    monkeypatch.setattr(Item.objects, "create", fail_on_new_item)
    with pytest.raises(RuntimeError):
        load_checklist(validate(data))
    monkeypatch.setattr(Item.objects, "create", original_create)
    assert Checklist.objects.get(pk=checklist.pk).name == "Tiny checklist"


def test_it_refuses_malformed_yaml_with_the_line():
    with pytest.raises(ChecklistFileError, match="malformed YAML: line 3"):
        parse("slug: x\nname: y\ncategories: : [\n")


def test_category_keys_are_unique_per_checklist_in_the_database():
    checklist, _ = load_checklist(parse(SMALL))
    with pytest.raises(IntegrityError):
        Category.objects.create(checklist=checklist, key="misuse", name="Again")


def test_export_leaves_out_a_category_whose_items_are_all_retired():
    data = small_data()
    data["categories"].append(
        {"key": "extra", "name": "Extra", "items": [{"key": "EX-01", "question": "Q?"}]}
    )
    checklist, _ = load_checklist(validate(data))
    Item.objects.filter(checklist=checklist, key="EX-01").update(active=False)
    exported = export_checklist(checklist)
    assert [c["key"] for c in exported["categories"]] == ["misuse"]
    validate(exported)  # still a loadable file
