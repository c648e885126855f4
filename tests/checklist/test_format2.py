"""Checklist files of format 2 (contracts.md §6): validated whole, loaded, exported identically."""

import copy

import pytest

from riskassess import yamlfiles
from riskassess.checklist.exporting import export_checklist, export_yaml
from riskassess.checklist.management.commands.load_checklist import DEFAULT_FILE
from riskassess.checklist.models import Checklist, Item, ProfileQuestion
from riskassess.checklist.services import load_checklist
from riskassess.checklist.spec import ChecklistFileError, parse, validate
from riskassess.checklist.spec_v2 import DEFAULT_MATRIX, DEFAULT_TIERS

FILE = {
    "slug": "fm2",
    "name": "Format 2 sample",
    "version": 1,
    "format": 2,
    "method": "weighted-exposure-v2",
    "profile": [
        {
            "key": "P-USERS",
            "question": "Who can use the system?",
            "options": [
                {"key": "staff", "label": "Our own staff", "impact": 0},
                {"key": "public", "label": "The public", "impact": 2},
                {"key": "minors", "label": "The public, possibly minors", "impact": 3},
            ],
        },
        {
            "key": "P-OUTPUT",
            "question": "What does it produce?",
            "multiple": True,
            "options": [
                {"key": "text", "label": "Text", "impact": 1},
                {"key": "image", "label": "Images", "impact": 1.5},
            ],
        },
    ],
    "impact_tiers": {"moderate": 2, "high": 4, "very_high": 5},
    "frameworks": [
        {
            "key": "nist-ai-rmf",
            "name": "NIST AI Risk Management Framework",
            "version": "1.0",
            "requirements": [
                {"id": "GV-1.1", "title": "Legal requirements are understood"},
                {"id": "MG-2.2", "title": "Mechanisms sustain the value of the system"},
            ],
        }
    ],
    "scale": [
        {"key": "yes", "label": "Yes", "risk": 0},
        {"key": "no", "label": "No", "risk": 1},
        {"key": "na", "label": "Not applicable", "not_applicable": True},
    ],
    "categories": [
        {
            "key": "misuse",
            "name": "Misuse",
            "applies_if": {"P-OUTPUT": ["text", "image"]},
            "items": [
                {
                    "key": "MIS-01",
                    "question": "Is access gated?",
                    "applies_if": {"P-USERS": ["public", "minors"]},
                    "critical": {"P-USERS": ["minors"]},
                    "frameworks": {"nist-ai-rmf": ["MG-2.2"]},
                },
                {
                    "key": "MIS-02",
                    "question": "Is the base model's licence read?",
                    "scope": "base_model",
                    "critical": True,
                    "frameworks": {"nist-ai-rmf": ["GV-1.1"]},
                },
            ],
        }
    ],
}


def broken(**changes) -> dict:
    data = copy.deepcopy(FILE)
    for path, value in changes.items():
        target = data
        *parents, last = path.split("__")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[last] = value
    return data


def problems(data) -> list[str]:
    with pytest.raises(ChecklistFileError) as caught:
        validate(data)
    return caught.value.errors


def test_a_format_2_file_is_read_with_its_profile_conditions_and_tags():
    spec = validate(copy.deepcopy(FILE))
    assert spec.format == 2 and spec.method == "weighted-exposure-v2"
    assert [q.key for q in spec.profile] == ["P-USERS", "P-OUTPUT"]
    assert spec.profile[1].multiple and not spec.profile[0].multiple
    assert spec.impact_tiers == {"moderate": 2, "high": 4, "very_high": 5}
    assert spec.level_matrix == DEFAULT_MATRIX  # omitted: the contract's values
    item = spec.categories[0].items[0]
    assert item.applies_if == {"P-USERS": ["public", "minors"]}
    assert item.critical == {"P-USERS": ["minors"]} and item.scope == "deployment"
    assert spec.categories[0].items[1].scope == "base_model"
    assert spec.categories[0].applies_if == {"P-OUTPUT": ["text", "image"]}


def test_omitted_tiers_take_the_contracts_values():
    data = copy.deepcopy(FILE)
    del data["impact_tiers"]
    assert validate(data).impact_tiers == DEFAULT_TIERS


@pytest.mark.parametrize(
    "changes, message",
    [
        (
            {"categories__0__items__0__applies_if": {"P-NOPE": ["x"]}},
            "P-NOPE: is not a profile key",
        ),
        (
            {"categories__0__items__0__applies_if": {"P-USERS": ["aliens"]}},
            "'aliens' is not an option; allowed: minors, public, staff",
        ),
        ({"categories__0__applies_if": {"P-USERS": []}}, "must be a non-empty list of option keys"),
        ({"categories__0__applies_if": {}}, "must map at least one profile key"),
        ({"categories__0__items__0__critical": "sometimes"}, "must be true, false or a condition"),
        ({"categories__0__items__1__scope": "everything"}, "scope: must be one of deployment"),
        (
            {"categories__0__items__1__frameworks": {"nist-ai-rmf": ["ZZ-9"]}},
            "'ZZ-9' is not a requirement of nist-ai-rmf",
        ),
        ({"categories__0__items__1__frameworks": {"iso": ["A.1"]}}, "is not a framework"),
        ({"profile__0__options__0__impact": -1}, "impact: must be a number of 0 or more"),
        ({"profile__1__options": [{"key": "text", "label": "Text"}]}, "at least two options"),
        ({"profile__0__key": "MIS-01"}, "profile[MIS-01]: is also an item key"),
        ({"impact_tiers": {"moderate": 4, "high": 4, "very_high": 5}}, "0 < moderate < high"),
        ({"method": "weighted-exposure-v1"}, "must be weighted-exposure-v2"),
        ({"format": 3}, "format: must be 1 or 2"),
    ],
)
def test_a_broken_format_2_file_is_refused_naming_the_key(changes, message):
    errors = problems(broken(**changes))
    assert any(message in error for error in errors), errors


def test_a_level_matrix_that_goes_down_is_refused():
    matrix = copy.deepcopy(DEFAULT_MATRIX)
    matrix["high"]["critical"] = "medium"  # down along its row, and below moderate's cell
    errors = problems(broken(level_matrix=matrix))
    assert "level_matrix.high: must never go down as the control level rises" in errors
    assert "level_matrix (column critical): must never go down as the tier rises" in errors


def test_every_problem_is_listed_at_once():
    errors = problems(
        broken(
            categories__0__items__0__applies_if={"P-NOPE": ["x"]},
            categories__0__items__1__scope="everything",
            profile__0__options__0__impact=-1,
        )
    )
    assert len(errors) == 3


def test_a_format_1_file_with_format_2_fields_is_refused():
    data = copy.deepcopy(FILE)
    del data["format"], data["method"]
    errors = problems(data)
    assert any("checklist.profile: unknown field" in e for e in errors), errors


def test_it_loads_and_exports_byte_for_byte_the_same(db):
    checklist, _ = load_checklist(validate(copy.deepcopy(FILE)))
    first = export_yaml(checklist)
    again, counts = load_checklist(parse(first))
    assert again.pk == checklist.pk and set(counts) == {"unchanged"}
    assert export_yaml(again) == first
    data = yamlfiles.load(first)
    assert data["format"] == 2 and data["profile"][1]["multiple"] is True
    assert data["categories"][0]["items"][0]["critical"] == {"P-USERS": ["minors"]}
    assert data["categories"][0]["items"][1]["scope"] == "base_model"
    item = Item.objects.get(checklist=checklist, key="MIS-01")
    assert item.critical is False and item.critical_if == {"P-USERS": ["minors"]}
    assert ProfileQuestion.objects.get(checklist=checklist, key="P-OUTPUT").options.count() == 2


def test_a_reload_updates_and_removes_profile_rows(db):
    load_checklist(validate(copy.deepcopy(FILE)), status="draft")
    data = copy.deepcopy(FILE)
    data["profile"][0]["options"] = data["profile"][0]["options"][:2]
    data["categories"][0]["items"][0]["applies_if"] = {"P-USERS": ["public"]}
    data["categories"][0]["items"][0]["critical"] = False
    checklist, _ = load_checklist(validate(data))
    exported = export_checklist(checklist)
    assert [o["key"] for o in exported["profile"][0]["options"]] == ["staff", "public"]
    assert exported["categories"][0]["items"][0]["critical"] is False


def test_format_1_files_export_as_before(db, default_spec):
    checklist, _ = load_checklist(default_spec)
    data = export_checklist(checklist)
    assert "format" not in data and "profile" not in data
    assert Checklist.objects.get(pk=checklist.pk).format == 1


def test_an_assessment_starts_on_a_format_2_checklist(alice, team, checklist):
    """Offered in the New assessment form, and named by an answers file, as format 1 is."""
    from riskassess.assessments import answersfile
    from riskassess.assessments.lifecycle_forms import NewAssessmentForm

    loaded, _ = load_checklist(validate(copy.deepcopy(FILE)))
    offered = NewAssessmentForm(user=alice).checklists
    assert {c.slug for c in offered} == {checklist.slug, loaded.slug}
    parsed = answersfile.parse("checklist: fm2\nassessment: {title: X}\nanswers: {MIS-01: yes}\n")
    assert parsed.checklist == loaded


V2_FILE = DEFAULT_FILE.with_name("foundation-model-risks-v2.yaml")


def test_the_default_checklist_v2_meets_the_brief():
    """Issue 12's floor: 80+ items in five categories, a profile, NIST on every item, 55+/72."""
    spec = parse(V2_FILE.read_bytes())
    items = [item for category in spec.categories for item in category.items]
    assert spec.slug == "foundation-model-risks" and spec.version == 2 and spec.format == 2
    assert len(spec.categories) == 5 and len(items) >= 80
    assert len(spec.profile) >= 15
    nist = next(f for f in spec.frameworks if f.key == "nist-ai-rmf")
    assert len(nist.requirements) == 72
    assert all(item.frameworks.get("nist-ai-rmf") for item in items)
    covered = {rid for item in items for rid in item.frameworks["nist-ai-rmf"]}
    assert len(covered) >= 55


def test_the_default_checklist_v2_loads_and_exports_byte_for_byte(db):
    checklist, _ = load_checklist(parse(V2_FILE.read_bytes()), status="draft")
    first = export_yaml(checklist)
    again, counts = load_checklist(parse(first))
    assert set(counts) == {"unchanged"} and export_yaml(again) == first


def test_reloading_the_published_v2_file_is_a_no_op_on_any_database(db):
    """A published version compares with the file: JSON columns must not reorder it."""
    raw = V2_FILE.read_bytes()
    checklist, _ = load_checklist(parse(raw))
    assert checklist.status == "published"
    again, counts = load_checklist(parse(raw))
    assert again.pk == checklist.pk and set(counts) == {"unchanged"}
    assert export_yaml(Checklist.objects.get(pk=checklist.pk)) == export_yaml(checklist)
