"""The admin's pages of a format-2 checklist's profile questions and frameworks (admin_v2.py).

Their options and requirements are edited as inlines, with the loader's rules
(rules_v2.py); none that a condition or a framework tag names is removed or
renamed. `v2` is described in test_admin_v2.py.
"""

import pytest
from django.contrib.messages import get_messages

from riskassess.checklist.exporting import export_checklist
from riskassess.checklist.models import (
    Category,
    Checklist,
    Framework,
    Item,
    ProfileOption,
    ProfileQuestion,
    Requirement,
)
from tests.checklist.support import add_option, form_data, url
from tests.checklist.test_admin_v2 import (
    errors_of,
    field_errors,
    load_v2,
    nist,
    page,
    question,
    reloads_identically,
    rows_of,
)


@pytest.fixture
def v2(db) -> Checklist:
    return load_v2()


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


# --- The profile ---------------------------------------------------------------------------


def test_it_saves_a_question_and_its_options_and_records_who(admin_client, staff, v2):
    target = question(v2)
    data = page(admin_client, ProfileQuestion, target)
    rows = rows_of(data, "options", "key")
    data.update(question="Who uses it?", guidance="Anyone who can log in.", multiple="on")
    data[f"options-{rows['public']}-impact"] = 2.5
    add_option(data, "options", key="agents", label="Other AI agents", impact=1, order=3)
    response = admin_client.post(url(ProfileQuestion, "change", target.pk), data)
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.question, target.multiple) == ("Who uses it?", True)
    assert dict(target.options.values_list("key", "impact")) == {
        "staff": 0,
        "public": 2.5,
        "minors": 3,
        "agents": 1,
    }
    assert target.history.latest().history_user == staff
    assert ProfileOption.history.filter(key="agents").get().history_user == staff
    reloads_identically(v2)


def test_it_adds_a_question_with_its_options_on_its_own_page(admin_client, v2):
    response = admin_client.get(f"{url(ProfileQuestion, 'add')}?checklist={v2.pk}")
    data = form_data(response)
    assert data["checklist"] == str(v2.pk)
    assert response.context["inline_admin_formsets"][0].formset.total_form_count() == 2
    data.update(key="P-DATA", question="Does it see personal data?", order=2)
    add_option(data, "options", key="no", label="No", impact=0, order=0)
    add_option(data, "options", key="yes", label="Yes", impact=2, order=1)
    assert admin_client.post(url(ProfileQuestion, "add"), data).status_code == 302
    added = question(v2, "P-DATA")
    assert list(added.options.values_list("key", flat=True)) == ["no", "yes"]
    assert export_checklist(v2)["profile"][2]["key"] == "P-DATA"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"key": "P_USERS"}, "key: must be letters, digits and '-' (got 'P_USERS')"),
        ({"key": "MIS-02"}, "profile[MIS-02]: is also an item key"),
        ({"key": "P-USERS"}, "P-USERS is already used in this checklist."),
    ],
)
def test_it_refuses_a_bad_question_key(admin_client, v2, change, message):
    # Named by no condition, P-OUTPUT could be renamed: only the new key is wrong.
    Category.objects.filter(checklist=v2).update(applies_if=None)
    target = question(v2, "P-OUTPUT")
    data = page(admin_client, ProfileQuestion, target)
    data.update(change)
    response = admin_client.post(url(ProfileQuestion, "change", target.pk), data)
    assert any(message in error for error in field_errors(response, "key")), errors_of(response)


def test_it_refuses_a_negative_impact_on_the_option(admin_client, v2):
    target = question(v2)
    data = page(admin_client, ProfileQuestion, target)
    data[f"options-{rows_of(data, 'options', 'key')['staff']}-impact"] = -1
    response = admin_client.post(url(ProfileQuestion, "change", target.pk), data)
    assert "impact: must be a number of 0 or more (got -1.0)" in errors_of(response)
    assert target.options.get(key="staff").impact == 0


def test_it_refuses_a_question_with_fewer_than_two_options(admin_client, v2):
    target = question(v2, "P-OUTPUT")
    # No condition names P-OUTPUT's option image alone... category misuse names both: untie it.
    Category.objects.filter(checklist=v2).update(applies_if=None)
    data = page(admin_client, ProfileQuestion, target)
    data[f"options-{rows_of(data, 'options', 'key')['image']}-DELETE"] = "on"
    response = admin_client.post(url(ProfileQuestion, "change", target.pk), data)
    assert "profile[P-OUTPUT].options: must be a list of at least two options" in errors_of(
        response
    )
    assert target.options.count() == 2


@pytest.mark.parametrize("how", ["delete", "rename"])
def test_it_refuses_to_take_away_an_option_that_conditions_name(admin_client, v2, how):
    target = question(v2)
    data = page(admin_client, ProfileQuestion, target)
    row = rows_of(data, "options", "key")["minors"]
    if how == "delete":
        data[f"options-{row}-DELETE"] = "on"
    else:
        data[f"options-{row}-key"] = "children"
    response = admin_client.post(url(ProfileQuestion, "change", target.pk), data)
    assert errors_of(response) == [
        "Profile option minors of P-USERS is named by item MIS-01 (applies_if), item MIS-01 "
        "(critical_if): change those first, then remove or rename it."
    ]
    assert target.options.filter(key="minors").exists()


def test_it_deletes_an_option_no_condition_names(admin_client, v2):
    target = question(v2)
    data = page(admin_client, ProfileQuestion, target)
    data[f"options-{rows_of(data, 'options', 'key')['staff']}-DELETE"] = "on"
    assert admin_client.post(url(ProfileQuestion, "change", target.pk), data).status_code == 302
    assert set(target.options.values_list("key", flat=True)) == {"public", "minors"}


def test_it_refuses_to_rename_a_question_that_conditions_name(admin_client, v2):
    target = question(v2, "P-OUTPUT")
    data = page(admin_client, ProfileQuestion, target)
    data["key"] = "P-MEDIA"
    response = admin_client.post(url(ProfileQuestion, "change", target.pk), data)
    assert field_errors(response, "key") == [
        "Profile question P-OUTPUT is named by category misuse (applies_if): "
        "change those first, then remove or rename it."
    ]


def test_the_checklist_page_refuses_to_delete_a_named_question(admin_client, v2):
    data = page(admin_client, Checklist, v2)
    data[f"profile-{rows_of(data, 'profile', 'key')['P-USERS']}-DELETE"] = "on"
    response = admin_client.post(url(Checklist, "change", v2.pk), data)
    assert "Profile question P-USERS is named by item MIS-01 (applies_if)" in errors_of(response)[0]
    assert ProfileQuestion.objects.filter(checklist=v2, key="P-USERS").exists()


def test_the_checklist_page_deletes_an_unnamed_question_but_not_the_last(admin_client, v2):
    Category.objects.filter(checklist=v2).update(applies_if=None)
    data = page(admin_client, Checklist, v2)
    data[f"profile-{rows_of(data, 'profile', 'key')['P-OUTPUT']}-DELETE"] = "on"
    assert admin_client.post(url(Checklist, "change", v2.pk), data).status_code == 302
    assert list(v2.profile.values_list("key", flat=True)) == ["P-USERS"]

    Item.objects.filter(checklist=v2).update(applies_if=None, critical_if=None)
    data = page(admin_client, Checklist, v2)
    data["profile-0-DELETE"] = "on"
    response = admin_client.post(url(Checklist, "change", v2.pk), data)
    assert "profile: must be a non-empty list of questions" in errors_of(response)


def test_the_delete_page_refuses_a_named_question(admin_client, v2):
    target = question(v2)
    response = admin_client.post(url(ProfileQuestion, "delete", target.pk), {"post": "yes"})
    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("Profile question P-USERS is named by item MIS-01 (applies_if)")
    assert ProfileQuestion.objects.filter(pk=target.pk).exists()
    # No bulk delete either: it would not ask what names the rows.
    bulk = {"action": "delete_selected", "_selected_action": [target.pk], "post": "yes"}
    admin_client.post(url(ProfileQuestion, "changelist"), bulk)
    assert ProfileQuestion.objects.filter(pk=target.pk).exists()


def test_the_delete_page_deletes_an_unnamed_question(admin_client, v2):
    Category.objects.filter(checklist=v2).update(applies_if=None)
    target = question(v2, "P-OUTPUT")
    admin_client.post(url(ProfileQuestion, "delete", target.pk), {"post": "yes"})
    assert not ProfileQuestion.objects.filter(pk=target.pk).exists()


# --- Frameworks ----------------------------------------------------------------------------


def test_it_saves_a_framework_and_its_requirements(admin_client, v2):
    target = nist(v2)
    data = page(admin_client, Framework, target)
    rows = rows_of(data, "requirements", "rid")
    data.update(name="NIST AI RMF", version="1.1")
    data[f"requirements-{rows['GV-1.1']}-title"] = "Legal requirements are managed"
    add_option(data, "requirements", rid="MP-1.1", title="Context is established", order=2)
    assert admin_client.post(url(Framework, "change", target.pk), data).status_code == 302
    target.refresh_from_db()
    assert (target.name, target.version) == ("NIST AI RMF", "1.1")
    assert list(target.requirements.values_list("rid", flat=True)) == ["GV-1.1", "MG-2.2", "MP-1.1"]
    exported = export_checklist(v2)["frameworks"][0]["requirements"]
    assert exported[0] == {"id": "GV-1.1", "title": "Legal requirements are managed"}
    reloads_identically(v2)


def test_it_refuses_a_bad_requirement_id(admin_client, v2):
    target = nist(v2)
    data = page(admin_client, Framework, target)
    add_option(data, "requirements", rid="MP 1.1", title="Context", order=2)
    response = admin_client.post(url(Framework, "change", target.pk), data)
    assert "id: must be an identifier (got 'MP 1.1')" in errors_of(response)


def test_it_refuses_a_framework_without_requirements(admin_client, v2):
    Item.objects.filter(checklist=v2).update(frameworks={})
    target = nist(v2)
    data = page(admin_client, Framework, target)
    for row in range(data["requirements-TOTAL_FORMS"]):
        data[f"requirements-{row}-DELETE"] = "on"
    response = admin_client.post(url(Framework, "change", target.pk), data)
    assert "frameworks[nist-ai-rmf].requirements: must be a non-empty list" in errors_of(response)
    assert target.requirements.count() == 2


@pytest.mark.parametrize("how", ["delete", "rename"])
def test_it_refuses_to_take_away_a_requirement_that_tags_name(admin_client, v2, how):
    target = nist(v2)
    data = page(admin_client, Framework, target)
    row = rows_of(data, "requirements", "rid")["MG-2.2"]
    if how == "delete":
        data[f"requirements-{row}-DELETE"] = "on"
    else:
        data[f"requirements-{row}-rid"] = "MG-2.3"
    response = admin_client.post(url(Framework, "change", target.pk), data)
    assert errors_of(response) == [
        "Requirement MG-2.2 of nist-ai-rmf is named by item MIS-01 (frameworks): "
        "change those first, then remove or rename it."
    ]
    assert target.requirements.filter(rid="MG-2.2").exists()


def test_it_refuses_to_rename_or_delete_a_framework_that_tags_name(admin_client, v2):
    target = nist(v2)
    data = page(admin_client, Framework, target)
    data["key"] = "nist"
    response = admin_client.post(url(Framework, "change", target.pk), data)
    assert field_errors(response, "key") == [
        "Framework nist-ai-rmf is named by item MIS-01 (frameworks), item MIS-02 (frameworks): "
        "change those first, then remove or rename it."
    ]
    data = page(admin_client, Checklist, v2)
    data["frameworks-0-DELETE"] = "on"
    response = admin_client.post(url(Checklist, "change", v2.pk), data)
    assert errors_of(response)[0].startswith("Framework nist-ai-rmf is named by item MIS-01")
    admin_client.post(url(Framework, "delete", target.pk), {"post": "yes"})
    assert Framework.objects.filter(pk=target.pk).exists()

    Item.objects.filter(checklist=v2).update(frameworks={})
    admin_client.post(url(Framework, "delete", target.pk), {"post": "yes"})
    assert not Framework.objects.filter(pk=target.pk).exists()
    assert not Requirement.objects.filter(framework_id=target.pk).exists()


def test_it_adds_a_framework_on_its_own_page_with_an_unused_key(admin_client, v2):
    data = form_data(admin_client.get(f"{url(Framework, 'add')}?checklist={v2.pk}"))
    data.update(key="iso-42001", name="ISO/IEC 42001", order=1)
    add_option(data, "requirements", rid="A.2.2", title="AI policy", order=0)
    assert admin_client.post(url(Framework, "add"), data).status_code == 302
    added = Framework.objects.get(checklist=v2, key="iso-42001")
    assert list(added.requirements.values_list("rid", flat=True)) == ["A.2.2"]

    data = page(admin_client, Framework, added)
    data["key"] = "nist-ai-rmf"
    response = admin_client.post(url(Framework, "change", added.pk), data)
    assert field_errors(response, "key") == ["nist-ai-rmf is already used in this checklist."]
    reloads_identically(v2)
