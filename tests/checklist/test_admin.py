import io
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from riskassess.checklist import exporting, services
from riskassess.checklist.models import Category, Checklist, Item, Option, Status
from riskassess.checklist.spec import parse, validate
from tests.checklist.support import add_option, form_data, run_action, url

MODELS = [Checklist, Category, Item, Option]


def load_bigger(status: str | None = None) -> Checklist:
    """A second checklist, 6 categories of 30 items, every other item with its own options."""
    scale = [
        {"key": "yes", "label": "Yes", "risk": 0.0},
        {"key": "na", "label": "N/A", "not_applicable": True},
    ]
    categories = []
    for c in range(6):
        items = [{"key": f"C{c}-{i}", "question": f"Question {i}?"} for i in range(30)]
        for item in items[::2]:
            item["options"] = scale
        categories.append({"key": f"c{c}", "name": f"Category {c}", "items": items})
    data = {"slug": "bigger", "name": "Bigger", "scale": scale, "categories": categories}
    return services.load_checklist(validate(data), status=status)[0]


@pytest.mark.parametrize("model", MODELS)
def test_it_renders_the_changelist(client, staff, checklist, model):
    client.force_login(staff)
    assert client.get(url(model, "changelist")).status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_it_renders_the_add_page(client, staff, checklist, model):
    client.force_login(staff)
    assert client.get(url(model, "add")).status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_it_renders_the_change_page(client, staff, checklist, model):
    client.force_login(staff)
    obj = model.objects.first()
    assert client.get(url(model, "change", obj.pk)).status_code == 200


@pytest.mark.parametrize("model", [Checklist, Category, Item, Option])
def test_it_lists_with_as_many_queries_for_a_bigger_catalogue(
    client, staff, checklist, model, django_assert_num_queries
):
    client.force_login(staff)
    with CaptureQueriesContext(connection) as default_only:
        assert client.get(url(model, "changelist")).status_code == 200
    assert (Category.objects.count(), Item.objects.count()) == (4, 60)

    load_bigger()
    assert (Category.objects.count(), Item.objects.count()) == (4 + 6, 60 + 180)
    # Session, user, count, the page's rows, one per list filter: none per row.
    with django_assert_num_queries(len(default_only.captured_queries)):
        assert client.get(url(model, "changelist")).status_code == 200


def test_it_counts_categories_and_items_in_the_checklist_list(client, staff, checklist):
    client.force_login(staff)
    response = client.get(url(Checklist, "changelist"))
    [row] = response.context["cl"].result_list
    assert (row.category_count, row.item_count) == (4, 60)


def test_it_links_each_category_from_its_checklist(client, staff, checklist):
    client.force_login(staff)
    response = client.get(url(Checklist, "change", checklist.pk))
    for category in checklist.categories.all():
        assert url(Category, "change", category.pk) in response.text


def test_it_links_each_item_from_its_category(client, staff, checklist):
    client.force_login(staff)
    category = checklist.categories.first()
    response = client.get(url(Category, "change", category.pk))
    for item in category.items.all():
        assert url(Item, "change", item.pk) in response.text


def test_it_filters_items_by_category_key(client, staff, checklist):
    client.force_login(staff)
    response = client.get(url(Item, "changelist"), {"category_key": "legal"})
    keys = {item.category.key for item in response.context["cl"].result_list}
    assert keys == {"legal"}


def test_it_exports_one_checklist_as_yaml(client, staff, checklist):
    client.force_login(staff)
    response = run_action(client, "export_as_yaml", checklist)
    assert response["Content-Type"] == "application/yaml; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="foundation-model-risks-v1.yaml"'
    )
    assert response.content.decode() == exporting.export_yaml(checklist)
    assert parse(response.content).slug == "foundation-model-risks"


def test_it_exports_several_checklists_as_a_zip(client, staff, checklist):
    client.force_login(staff)
    bigger = load_bigger()
    response = run_action(client, "export_as_yaml", checklist, bigger)
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["bigger-v1.yaml", "foundation-model-risks-v1.yaml"]
    assert archive.read("bigger-v1.yaml").decode() == exporting.export_yaml(bigger)


def test_it_refuses_to_export_a_file_that_would_not_load_back(client, staff, checklist):
    client.force_login(staff)
    # A scale left with only "not applicable" cannot be written as a valid file.
    checklist.options.filter(item=None, not_applicable=False).update(active=False)
    response = run_action(client, "export_as_yaml", checklist)
    assert response.status_code == 302
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert "cannot be exported" in messages[0]


def test_it_duplicates_a_checklist_as_a_draft_of_the_next_version(client, staff, checklist):
    client.force_login(staff)
    response = run_action(client, "duplicate_as_draft", checklist)
    copy = Checklist.objects.get(slug=checklist.slug, version=2)
    assert copy.status == Status.DRAFT
    assert set(copy.items.values_list("key", flat=True)) == set(
        checklist.items.values_list("key", flat=True)
    )
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == ["Created draft foundation-model-risks v2."]


def test_it_refuses_a_default_scale_of_only_not_applicable(client, staff, draft):
    client.force_login(staff)
    data = form_data(client.get(url(Checklist, "change", draft.pk)))
    scored = Option.objects.filter(checklist=draft, item=None, not_applicable=False)
    for index, option in enumerate(Option.objects.filter(checklist=draft, item=None)):
        assert data[f"options-{index}-id"] == option.pk
        if option in scored:
            data[f"options-{index}-DELETE"] = "on"
    response = client.post(url(Checklist, "change", draft.pk), data)
    assert response.status_code == 200
    assert "must have a risk" in response.text
    assert scored.count() == 4


def test_it_saves_the_checklist_change_page_unchanged(client, staff, draft):
    client.force_login(staff)
    data = form_data(client.get(url(Checklist, "change", draft.pk)))
    response = client.post(url(Checklist, "change", draft.pk), data)
    assert response.status_code == 302


def test_it_refuses_an_item_whose_own_options_are_all_not_applicable(client, staff, draft):
    client.force_login(staff)
    item = draft.items.first()
    data = form_data(client.get(url(Item, "change", item.pk)))
    add_option(data, "options", key="na", label="N/A", not_applicable="on", order=0, active="on")
    response = client.post(url(Item, "change", item.pk), data)
    assert response.status_code == 200
    assert "must have a risk" in response.text
    assert not item.options.exists()


def test_it_sets_the_checklist_of_an_option_added_to_an_item(client, staff, draft):
    client.force_login(staff)
    item = draft.items.first()
    data = form_data(client.get(url(Item, "change", item.pk)))
    add_option(data, "options", key="yes", label="Yes", risk=0, order=0, active="on")
    response = client.post(url(Item, "change", item.pk), data)
    assert response.status_code == 302
    assert item.options.get().checklist == draft


def test_it_sets_the_checklist_of_options_of_a_new_item(client, staff, draft):
    client.force_login(staff)
    category = draft.categories.first()
    data = form_data(client.get(url(Item, "add")))
    data.update(category=category.pk, key="NEW-01", question="New?", weight=3, order=99)
    add_option(data, "options", key="yes", label="Yes", risk=0, order=0, active="on")
    response = client.post(url(Item, "add"), data)
    assert response.status_code == 302
    assert Option.objects.get(item__key="NEW-01").checklist == draft


def test_it_refuses_an_option_for_an_item_of_another_checklist(client, staff, draft):
    client.force_login(staff)
    other_item = load_bigger(status=Status.DRAFT).items.first()
    data = {"checklist": draft.pk, "item": other_item.pk, "key": "x", "label": "X", "risk": 0}
    response = client.post(url(Option, "add"), {**data, "order": 0, "active": "on"})
    assert response.status_code == 200
    assert "belongs to another checklist" in response.text


def test_it_refuses_two_own_options_with_one_key(client, staff, draft):
    client.force_login(staff)
    item = draft.items.first()
    data = form_data(client.get(url(Item, "change", item.pk)))
    add_option(data, "options", key="yes", label="Yes", risk=0, order=0, active="on")
    add_option(data, "options", key="yes", label="Sure", risk=0, order=1, active="on")
    response = client.post(url(Item, "change", item.pk), data)
    assert response.status_code == 200
    assert "repeated: yes" in response.text


def test_it_offers_only_categories_of_the_items_checklist(client, staff, draft):
    client.force_login(staff)
    load_bigger(status=Status.DRAFT)
    item = draft.items.first()
    response = client.get(url(Item, "change", item.pk))
    choices = response.context["adminform"].form.fields["category"].queryset
    assert set(choices) == set(draft.categories.all())


def test_it_refuses_to_delete_the_last_scored_option_of_a_scale(client, staff, draft):
    client.force_login(staff)
    scale = Option.objects.filter(checklist=draft, item=None)
    scale.exclude(key__in=["yes", "na"]).delete()
    last = scale.get(key="yes")
    response = client.post(url(Option, "delete", last.pk), {"post": "yes"})
    assert response.status_code == 302
    assert Option.objects.filter(pk=last.pk).exists()


def test_it_sends_a_non_staff_user_to_the_admin_login(client, alice, checklist):
    client.force_login(alice)
    response = client.get(url(Checklist, "changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
