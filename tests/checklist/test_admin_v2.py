"""The admin edits every format-2 field (contracts.md §6) with the loader's rules (rules_v2.py).

`v2` is test_format2's sample file loaded as a draft: P-USERS (staff, public,
minors) and P-OUTPUT (text, image); category misuse applies if P-OUTPUT is
text or image; MIS-01 applies if P-USERS is public or minors, is critical if
minors, and is tagged nist-ai-rmf MG-2.2; MIS-02 is tagged GV-1.1.
"""

import copy

import pytest

from riskassess import yamlfiles
from riskassess.checklist.exporting import export_checklist, export_yaml
from riskassess.checklist.models import (
    Category,
    Checklist,
    Framework,
    Item,
    ProfileQuestion,
    Status,
)
from riskassess.checklist.services import load_checklist, set_status
from riskassess.checklist.spec import ChecklistFileError, parse, validate
from riskassess.checklist.spec_v2 import DEFAULT_MATRIX, DEFAULT_TIERS
from tests.checklist.support import add_option, form_data, url
from tests.checklist.test_format2 import FILE


def load_v2() -> Checklist:
    return load_checklist(validate(copy.deepcopy(FILE)), status=Status.DRAFT)[0]


@pytest.fixture
def v2(db) -> Checklist:
    return load_v2()


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


def page(client, model, obj) -> dict:
    """The change page of `obj`, as a browser would post it back unchanged."""
    return form_data(client.get(url(model, "change", obj.pk)))


def errors_of(response) -> list[str]:
    """Every error the change page shows: the form's fields, then the inlines."""
    assert response.status_code == 200, "the post was accepted"
    found = [e for errors in response.context["adminform"].form.errors.values() for e in errors]
    for inline in response.context["inline_admin_formsets"]:
        found += list(inline.formset.non_form_errors())
        found += [e for form in inline.formset.errors for es in form.values() for e in es]
    return found


def field_errors(response, name: str) -> list[str]:
    assert response.status_code == 200, "the post was accepted"
    return response.context["adminform"].form.errors.get(name, [])


def rows_of(data: dict, prefix: str, field: str) -> dict:
    """Each inline row's index by the value of `field`, from a page's data."""
    count = data[f"{prefix}-TOTAL_FORMS"]
    return {data[f"{prefix}-{i}-{field}"]: i for i in range(count)}


def item(v2, key: str = "MIS-01") -> Item:
    return Item.objects.get(checklist=v2, key=key)


def question(v2, key: str = "P-USERS") -> ProfileQuestion:
    return ProfileQuestion.objects.get(checklist=v2, key=key)


def nist(v2) -> Framework:
    return Framework.objects.get(checklist=v2, key="nist-ai-rmf")


def reloads_identically(checklist: Checklist) -> None:
    checklist.refresh_from_db()
    first = export_yaml(checklist)
    again, counts = load_checklist(parse(first))
    assert again.pk == checklist.pk and set(counts) == {"unchanged"}
    assert export_yaml(again) == first


# --- What is shown -------------------------------------------------------------------------


def test_a_format_2_checklist_page_shows_tiers_matrix_profile_and_frameworks(admin_client, v2):
    response = admin_client.get(url(Checklist, "change", v2.pk))
    fields = response.context["adminform"].form.fields
    assert {"impact_tiers", "level_matrix"} <= set(fields)
    inlines = {
        inline.formset.prefix: inline for inline in response.context["inline_admin_formsets"]
    }
    assert list(inlines) == ["options", "categories", "profile", "frameworks"]
    # Added on their own pages, with their options or requirements; changed and deleted here.
    assert not inlines["profile"].has_add_permission and inlines["profile"].has_delete_permission
    assert not inlines["frameworks"].has_add_permission
    assert url(ProfileQuestion, "change", question(v2).pk) in response.text
    assert f"{url(ProfileQuestion, 'add')}?checklist={v2.pk}" in response.text
    assert f"{url(Framework, 'add')}?checklist={v2.pk}" in response.text
    # The tiers as stored, in YAML.
    assert yamlfiles.load(fields["impact_tiers"].prepare_value(v2.impact_tiers)) == {
        "moderate": 2,
        "high": 4,
        "very_high": 5,
    }


@pytest.mark.parametrize(
    "model, shown",
    [
        (Category, {"applies_if"}),
        (Item, {"applies_if", "critical_if", "scope", "frameworks"}),
    ],
)
def test_format_2_rows_show_their_fields_and_format_1_rows_do_not(
    admin_client, v2, draft, model, shown
):
    v2_row = model.objects.filter(checklist=v2).first()
    v1_row = model.objects.filter(checklist=draft).first()
    v2_form = admin_client.get(url(model, "change", v2_row.pk)).context["adminform"].form
    v1_form = admin_client.get(url(model, "change", v1_row.pk)).context["adminform"].form
    assert shown <= set(v2_form.fields)
    assert not shown & set(v1_form.fields)


def test_a_format_1_checklist_page_is_unchanged(admin_client, draft):
    response = admin_client.get(url(Checklist, "change", draft.pk))
    assert not {"impact_tiers", "level_matrix", "format"} & set(
        response.context["adminform"].form.fields
    )
    prefixes = [inline.formset.prefix for inline in response.context["inline_admin_formsets"]]
    assert prefixes == ["options", "categories"]
    assert "Format 2" not in response.text
    data = page(admin_client, Checklist, draft)
    data["name"] = "Renamed"
    assert admin_client.post(url(Checklist, "change", draft.pk), data).status_code == 302
    assert Checklist.objects.get(pk=draft.pk).name == "Renamed"


@pytest.mark.parametrize("model", [ProfileQuestion, Framework])
@pytest.mark.parametrize("view", ["changelist", "add", "change"])
def test_the_profile_and_framework_pages_render(admin_client, v2, model, view):
    args = [model.objects.filter(checklist=v2).first().pk] if view == "change" else []
    assert admin_client.get(url(model, view, *args)).status_code == 200


def test_questions_and_frameworks_are_added_only_to_format_2_drafts(admin_client, v2, draft):
    response = admin_client.get(url(ProfileQuestion, "add"))
    assert list(response.context["adminform"].form.fields["checklist"].queryset) == [v2]


# --- Tiers and matrix ----------------------------------------------------------------------


def test_it_saves_tiers_and_matrix_and_records_who(admin_client, staff, v2):
    data = page(admin_client, Checklist, v2)
    matrix = copy.deepcopy(DEFAULT_MATRIX)
    matrix["limited"]["critical"] = "critical"
    data["impact_tiers"] = "{moderate: 1, high: 2.5, very_high: 7}"
    data["level_matrix"] = yamlfiles.dump(matrix)
    assert admin_client.post(url(Checklist, "change", v2.pk), data).status_code == 302
    v2.refresh_from_db()
    assert v2.impact_tiers == {"moderate": 1, "high": 2.5, "very_high": 7}
    assert v2.level_matrix == matrix
    record = v2.history.latest()
    assert record.impact_tiers == v2.impact_tiers and record.history_user == staff


def test_empty_tiers_and_matrix_take_the_contracts_values(admin_client, v2):
    data = page(admin_client, Checklist, v2)
    data["impact_tiers"] = data["level_matrix"] = ""
    assert admin_client.post(url(Checklist, "change", v2.pk), data).status_code == 302
    v2.refresh_from_db()
    assert (v2.impact_tiers, v2.level_matrix) == (DEFAULT_TIERS, DEFAULT_MATRIX)


@pytest.mark.parametrize(
    "field, text, message",
    [
        (
            "impact_tiers",
            "{moderate: 4, high: 4, very_high: 5}",
            "impact_tiers: must satisfy 0 < moderate < high < very_high "
            "(got moderate 4, high 4, very_high 5)",
        ),
        ("impact_tiers", "{moderate: 1, high: 2}", "impact_tiers.very_high: is required"),
        ("impact_tiers", "{moderate: 1, high: x, very_high: 3}", "must be a number (got 'x')"),
        ("impact_tiers", "[1, 2, 3]", "impact_tiers: must be a mapping (got list)"),
        (
            "impact_tiers",
            "{moderate: 1, high: 2, very_high: .inf}",
            "impact_tiers.very_high: must be a finite number (got inf)",
        ),
        ("impact_tiers", "{moderate: [1", "malformed YAML"),
        ("level_matrix", "{limited: {low: low}}", "level_matrix.moderate: is required"),
        (
            "level_matrix",
            yamlfiles.dump({**DEFAULT_MATRIX, "high": {**DEFAULT_MATRIX["high"], "low": "worst"}}),
            "level_matrix.high.low: must be one of low, medium, high, critical",
        ),
        (
            "level_matrix",
            yamlfiles.dump(
                {**DEFAULT_MATRIX, "high": {**DEFAULT_MATRIX["high"], "critical": "medium"}}
            ),
            "level_matrix.high: must never go down as the control level rises",
        ),
    ],
)
def test_it_refuses_bad_tiers_or_matrix_on_the_field(admin_client, v2, field, text, message):
    data = page(admin_client, Checklist, v2)
    data[field] = text
    response = admin_client.post(url(Checklist, "change", v2.pk), data)
    assert any(message in error for error in field_errors(response, field)), errors_of(response)
    v2.refresh_from_db()
    assert v2.impact_tiers == {"moderate": 2, "high": 4, "very_high": 5}
    assert v2.level_matrix == DEFAULT_MATRIX


def test_the_admin_says_what_the_loader_says(admin_client, v2):
    """One rule: the same bad condition gets the same words from the file loader and the admin."""
    bad = {"P-USERS": ["aliens"]}
    data = copy.deepcopy(FILE)
    data["categories"][0]["items"][0]["applies_if"] = bad
    with pytest.raises(ChecklistFileError) as caught:
        validate(data)
    [loader] = caught.value.errors
    form = page(admin_client, Item, item(v2))
    form["applies_if"] = yamlfiles.dump(bad)
    [admin] = field_errors(admin_client.post(url(Item, "change", item(v2).pk), form), "applies_if")
    assert loader == f"categories[misuse].items[MIS-01].{admin}"


# --- Conditions, scope and tags of categories and items ----------------------------------------


def test_it_saves_a_categorys_condition(admin_client, v2):
    category = Category.objects.get(checklist=v2, key="misuse")
    data = page(admin_client, Category, category)
    data["applies_if"] = "P-USERS: [public]\nP-OUTPUT: [image]"
    assert admin_client.post(url(Category, "change", category.pk), data).status_code == 302
    category.refresh_from_db()
    assert category.applies_if == {"P-USERS": ["public"], "P-OUTPUT": ["image"]}
    assert category.history.latest().applies_if == category.applies_if


def test_it_saves_an_items_format_2_fields(admin_client, v2):
    target = item(v2)
    data = page(admin_client, Item, target)
    data.update(
        applies_if='{"P-OUTPUT": ["image"]}',  # JSON is YAML too
        critical_if="",
        scope="base_model",
        frameworks="nist-ai-rmf: [GV-1.1, MG-2.2]",
    )
    assert admin_client.post(url(Item, "change", target.pk), data).status_code == 302
    target.refresh_from_db()
    assert target.applies_if == {"P-OUTPUT": ["image"]} and target.critical_if is None
    assert (target.scope, target.frameworks) == (
        "base_model",
        {"nist-ai-rmf": ["GV-1.1", "MG-2.2"]},
    )
    reloads_identically(v2)


@pytest.mark.parametrize("text", ["", "null", "  {}  "])
def test_empty_tags_are_none(admin_client, v2, text):
    target = item(v2)
    data = page(admin_client, Item, target)
    data.update(frameworks=text, applies_if=text.replace("{}", ""))
    assert admin_client.post(url(Item, "change", target.pk), data).status_code == 302
    target.refresh_from_db()
    assert (target.frameworks, target.applies_if) == ({}, None)
    reloads_identically(v2)


@pytest.mark.parametrize(
    "field, text, message",
    [
        ("applies_if", "{P-NOPE: [x]}", "applies_if.P-NOPE: is not a profile key"),
        (
            "applies_if",
            "{P-USERS: [aliens]}",
            "applies_if.P-USERS: 'aliens' is not an option; allowed: minors, public, staff",
        ),
        ("applies_if", "{P-USERS: []}", "applies_if.P-USERS: must be a non-empty list"),
        ("applies_if", "{}", "applies_if: must map at least one profile key"),
        ("applies_if", "[P-USERS]", "applies_if: must map at least one profile key"),
        ("critical_if", "true", "critical_if: must map at least one profile key"),
        ("critical_if", "{P-OUTPUT: [video]}", "critical_if.P-OUTPUT: 'video' is not an option"),
        ("scope", "everything", "scope: must be one of deployment, base_model"),
        (
            "frameworks",
            "{nist-ai-rmf: [ZZ-9]}",
            "frameworks.nist-ai-rmf: 'ZZ-9' is not a requirement of nist-ai-rmf",
        ),
        ("frameworks", "{iso: [A.1]}", "frameworks.iso: is not a framework of this checklist"),
        ("frameworks", "{nist-ai-rmf: [[GV-1.1]]}", "a list is not a requirement of nist-ai-rmf"),
        ("frameworks", "[GV-1.1]", "frameworks: must map framework keys to lists"),
        ("frameworks", "nist-ai-rmf: [GV-1.1", "malformed YAML"),
    ],
)
def test_it_refuses_a_bad_item_field_naming_the_key(admin_client, v2, field, text, message):
    target = item(v2)
    data = page(admin_client, Item, target)
    data[field] = text
    response = admin_client.post(url(Item, "change", target.pk), data)
    assert any(message in error for error in field_errors(response, field)), errors_of(response)
    target.refresh_from_db()
    assert target.applies_if == {"P-USERS": ["public", "minors"]}
    assert (target.scope, target.frameworks) == ("deployment", {"nist-ai-rmf": ["MG-2.2"]})


def test_an_item_is_critical_by_the_flag_or_a_condition_not_both(admin_client, v2):
    target = item(v2)
    data = page(admin_client, Item, target)
    data["critical"] = "on"
    response = admin_client.post(url(Item, "change", target.pk), data)
    message = "Tick 'critical' or give a condition in critical_if, not both."
    assert field_errors(response, "critical_if") == [message]
    # Nor in the category's rows of items, which do not show the condition.
    category = target.category
    data = page(admin_client, Category, category)
    data[f"items-{rows_of(data, 'items', 'key')['MIS-01']}-critical"] = "on"
    assert message in errors_of(admin_client.post(url(Category, "change", category.pk), data))
    assert Item.objects.get(pk=target.pk).critical is False


def test_an_item_key_may_not_be_a_profile_key(admin_client, v2):
    target = item(v2)
    data = page(admin_client, Item, target)
    data["key"] = "P-USERS"
    response = admin_client.post(url(Item, "change", target.pk), data)
    assert field_errors(response, "key") == ["profile[P-USERS]: is also an item key"]


def test_an_item_added_in_its_categorys_page_may_not_take_a_profile_key(admin_client, v2):
    category = Category.objects.get(checklist=v2, key="misuse")
    data = page(admin_client, Category, category)
    add_option(data, "items", key="P-OUTPUT", question="New?", weight=3, order=9, active="on")
    response = admin_client.post(url(Category, "change", category.pk), data)
    assert "profile[P-OUTPUT]: is also an item key" in errors_of(response)
    assert not Item.objects.filter(checklist=v2, key="P-OUTPUT").exists()


# --- Published versions, and the file afterwards -------------------------------------------------


@pytest.fixture
def published(v2) -> Checklist:
    return set_status(checklist=v2, status=Status.PUBLISHED)


@pytest.mark.parametrize("model", [ProfileQuestion, Framework, Item, Category, Checklist])
def test_a_published_versions_format_2_rows_are_read_only(admin_client, published, model):
    row = published if model is Checklist else model.objects.filter(checklist=published).first()
    response = admin_client.get(url(model, "change", row.pk))
    assert response.context["has_change_permission"] is False
    assert response.context["adminform"].form.fields == {}
    for inline in response.context["inline_admin_formsets"]:
        assert not (inline.has_add_permission or inline.has_change_permission)
        assert not inline.has_delete_permission
    assert admin_client.post(url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert "Add a profile question" not in response.text


def test_a_published_version_refuses_format_2_edits(admin_client, v2):
    # The draft's pages, filled in, then posted once it is published.
    posts = [(Checklist, v2, {"impact_tiers": "{moderate: 1, high: 2, very_high: 3}"})]
    posts.append((Item, item(v2), {"applies_if": "{P-USERS: [staff]}"}))
    posts.append((ProfileQuestion, question(v2), {"question": "Reworded?"}))
    posts.append((Framework, nist(v2), {"name": "Renamed"}))
    filled = [
        (model, row, {**page(admin_client, model, row), **change}) for model, row, change in posts
    ]
    before = export_yaml(v2)
    set_status(checklist=v2, status=Status.PUBLISHED)
    for model, row, data in filled:
        assert admin_client.post(url(model, "change", row.pk), data).status_code == 403
    assert export_yaml(Checklist.objects.get(pk=v2.pk)) == before


def test_an_edited_checklist_exports_and_loads_back_identically(admin_client, v2):
    """Each kind of edit, end to end: the exported file loads back with nothing to change."""
    data = page(admin_client, Checklist, v2)
    data["impact_tiers"] = "{moderate: 3, high: 7, very_high: 11}"
    admin_client.post(url(Checklist, "change", v2.pk), data)
    data = page(admin_client, Item, item(v2, "MIS-02"))
    data.update(applies_if="{P-OUTPUT: [image]}", critical="", critical_if="{P-USERS: [minors]}")
    admin_client.post(url(Item, "change", item(v2, "MIS-02").pk), data)
    data = page(admin_client, ProfileQuestion, question(v2, "P-OUTPUT"))
    add_option(data, "options", key="audio", label="Audio", impact=0.5, order=2)
    admin_client.post(url(ProfileQuestion, "change", question(v2, "P-OUTPUT").pk), data)

    v2.refresh_from_db()
    exported = export_checklist(v2)
    assert exported["impact_tiers"] == {"moderate": 3, "high": 7, "very_high": 11}
    assert exported["profile"][1]["options"][2] == {"key": "audio", "label": "Audio", "impact": 0.5}
    mis_02 = exported["categories"][0]["items"][1]
    assert mis_02["applies_if"] == {"P-OUTPUT": ["image"]}
    assert mis_02["critical"] == {"P-USERS": ["minors"]}
    reloads_identically(v2)
    # And as the next version, from the exported file.
    copy_data = {**exported, "version": 2}
    loaded, _ = load_checklist(validate(copy_data), status=Status.DRAFT)
    assert export_checklist(loaded) == copy_data
