"""A published version is read-only in every admin page; a draft stays editable (rules.py).

`checklist` is the default checklist, published; `draft` is the same content as a draft.
"""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError

from riskassess.checklist.models import Category, Checklist, Item, Option
from tests.checklist.support import form_data, url

MODELS = [Checklist, Category, Item, Option]


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def first(model, checklist):
    """A row of `model` in `checklist`: the checklist itself, or its first category/item/option."""
    if model is Checklist:
        return checklist
    return model.objects.filter(checklist=checklist).order_by("pk").first()


def test_it_refuses_an_edit_of_a_published_item(client, staff, checklist):
    client.force_login(staff)
    item = Item.objects.get(checklist=checklist, key="INQ-01")
    data = {
        "category": item.category_id,
        "key": "INQ-01",
        "question": "Reworded?",
        "weight": 5,
        "order": item.order,
        "active": "on",
        "options-TOTAL_FORMS": 0,
        "options-INITIAL_FORMS": 0,
    }
    response = client.post(url(Item, "change", item.pk), data)
    assert response.status_code == 403
    item.refresh_from_db()
    assert (item.question.startswith("Have you obtained"), item.weight) == (True, 3)


@pytest.mark.parametrize("model", MODELS)
def test_the_change_page_of_a_published_row_is_read_only(client, staff, checklist, model):
    client.force_login(staff)
    response = client.get(url(model, "change", first(model, checklist).pk))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert response.context["adminform"].form.fields == {}
    assert 'name="_save"' not in response.text
    for inline in response.context["inline_admin_formsets"]:
        assert not (inline.has_add_permission or inline.has_change_permission)
        assert not inline.has_delete_permission


@pytest.mark.parametrize("model", MODELS)
def test_the_delete_page_of_a_published_row_is_refused(client, staff, checklist, model):
    client.force_login(staff)
    row = first(model, checklist)
    response = client.post(url(model, "delete", row.pk), {"post": "yes"})
    assert response.status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("model", [Checklist, Category, Item])
def test_bulk_delete_refuses_a_selection_with_a_published_row(
    client, staff, checklist, draft, model
):
    client.force_login(staff)
    # One of each: the published row makes the whole selection refused.
    rows = [first(model, draft).pk, first(model, checklist).pk]
    response = client.post(
        url(model, "changelist"),
        {"action": "delete_selected", "_selected_action": rows, "post": "yes"},
    )
    assert response.status_code == 302
    assert model.objects.filter(pk__in=rows).count() == 2
    [message] = messages_of(response)
    assert message.startswith("Nothing was deleted: ")
    assert "published or retired version, which is read-only" in message


def test_bulk_delete_still_deletes_draft_rows(client, staff, checklist, draft):
    client.force_login(staff)
    rows = list(Item.objects.filter(checklist=draft)[:2].values_list("pk", flat=True))
    client.post(
        url(Item, "changelist"),
        {"action": "delete_selected", "_selected_action": rows, "post": "yes"},
    )
    assert not Item.objects.filter(pk__in=rows).exists()


def test_it_refuses_an_inline_edit_of_a_published_categorys_items(client, staff, checklist, draft):
    client.force_login(staff)
    # The draft's page posted back, aimed at the published category: the same form, refused.
    category = Category.objects.get(checklist=draft, key="inequity")
    data = form_data(client.get(url(Category, "change", category.pk)))
    published = Category.objects.get(checklist=checklist, key="inequity")
    data["checklist"] = checklist.pk
    data["items-0-question"] = "Reworded?"
    data["items-0-weight"] = 5
    response = client.post(url(Category, "change", published.pk), data)
    assert response.status_code == 403
    assert Item.objects.get(checklist=checklist, key="INQ-01").weight == 3


def test_it_refuses_an_edit_of_a_published_scale_option(client, staff, checklist):
    client.force_login(staff)
    option = Option.objects.get(checklist=checklist, item=None, key="partly")
    data = {"key": "partly", "label": "Somewhat", "risk": 0.4, "order": 1, "active": "on"}
    response = client.post(url(Option, "change", option.pk), data)
    assert response.status_code == 403
    option.refresh_from_db()
    assert (option.label, option.risk) == ("Partly", 0.5)


def test_it_refuses_a_change_of_a_published_checklist(client, staff, checklist):
    client.force_login(staff)
    data = {"name": "Renamed", "slug": checklist.slug, "version": 1, "threshold_medium": 30}
    response = client.post(url(Checklist, "change", checklist.pk), data)
    assert response.status_code == 403
    checklist.refresh_from_db()
    assert (checklist.name, checklist.threshold_medium) == ("Foundation model deployment risks", 25)


def test_it_refuses_a_history_revert_of_a_published_item(client, staff, checklist):
    # django-simple-history's revert page saves what is posted: an edit like any other.
    client.force_login(staff)
    item = Item.objects.get(checklist=checklist, key="INQ-01")
    Item.objects.filter(pk=item.pk).update(question="Reworded?")
    revert = url(Item, "simple_history", item.pk, item.history.earliest().history_id)
    assert client.get(revert).status_code == 200
    data = {"category": item.category_id, "key": item.key, "question": item.question}
    response = client.post(revert, {**data, "weight": 3, "order": item.order, "active": "on"})
    assert response.status_code == 403
    assert Item.objects.get(pk=item.pk).question == "Reworded?"


@pytest.mark.parametrize(
    "model, data",
    [
        (Category, lambda c: {"checklist": c.pk, "key": "new", "name": "New", "weight": 1}),
        (Item, lambda c: {"category": c.categories.first().pk, "key": "NEW-1", "question": "Q?"}),
        (Option, lambda c: {"checklist": c.pk, "key": "maybe", "label": "Maybe", "risk": 0.3}),
    ],
)
def test_it_refuses_to_add_a_row_to_a_published_version(client, staff, checklist, model, data):
    client.force_login(staff)
    before = model.objects.count()
    post = {**data(checklist), "order": 0, "active": "on", "weight": 3}
    post |= {"options-TOTAL_FORMS": 0, "options-INITIAL_FORMS": 0}
    post |= {"items-TOTAL_FORMS": 0, "items-INITIAL_FORMS": 0}
    response = client.post(url(model, "add"), post)
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert model.objects.count() == before


def test_the_add_pages_offer_only_drafts(client, staff, checklist, draft):
    client.force_login(staff)
    response = client.get(url(Item, "add"))
    categories = response.context["adminform"].form.fields["category"].queryset
    assert set(categories) == set(draft.categories.all())
    response = client.get(url(Category, "add"))
    assert list(response.context["adminform"].form.fields["checklist"].queryset) == [draft]


def test_a_draft_item_stays_editable(client, staff, checklist, draft):
    client.force_login(staff)
    item = Item.objects.get(checklist=draft, key="INQ-01")
    data = form_data(client.get(url(Item, "change", item.pk)))
    data.update(question="Reworded?", weight=5)
    response = client.post(url(Item, "change", item.pk), data)
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.question, item.weight) == ("Reworded?", 5)
    assert Item.objects.get(checklist=checklist, key="INQ-01").weight == 3


def test_the_models_refuse_to_validate_a_change_to_a_published_version(checklist):
    item = Item.objects.get(checklist=checklist, key="INQ-01")
    item.weight = 5
    with pytest.raises(
        ValidationError, match="foundation-model-risks v1 is published and read-only"
    ):
        item.full_clean()
    for row in (item.category, Option.objects.filter(checklist=checklist).first()):
        with pytest.raises(ValidationError, match="read-only"):
            row.full_clean()
