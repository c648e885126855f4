import pytest
from django.urls import reverse

from riskassess.checklist.models import Status
from riskassess.checklist.services import load_checklist
from riskassess.checklist.spec import validate
from tests.checklist.test_loader import small_data


def test_it_lists_published_checklists(client, alice, checklist):
    client.force_login(alice)
    response = client.get(reverse("checklist:list"))
    assert response.status_code == 200
    assert b"Foundation model deployment risks" in response.content


def test_it_hides_drafts_from_members_but_not_from_staff(client, alice, staff):
    load_checklist(validate(small_data()), status=Status.DRAFT)
    client.force_login(alice)
    assert b"Tiny checklist" not in client.get(reverse("checklist:list")).content
    assert client.get(reverse("checklist:detail", args=["tiny", 1])).status_code == 404
    client.force_login(staff)
    assert b"Tiny checklist" in client.get(reverse("checklist:list")).content


def test_it_shows_every_category_and_item(client, alice, checklist):
    client.force_login(alice)
    response = client.get(reverse("checklist:detail", args=[checklist.slug, checklist.version]))
    body = response.content.decode()
    for item in checklist.items.all():
        assert item.key in body
    assert "Inequity and fairness" in body and "§5.4" in body


def test_it_needs_a_login(client, checklist):
    response = client.get(reverse("checklist:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def _detail_queries(client, django_assert_num_queries, slug, version) -> None:
    # session, user, the checklist, its categories, items, options
    with django_assert_num_queries(6):
        assert client.get(reverse("checklist:detail", args=[slug, version])).status_code == 200


def big_checklist(items: int = 200):
    """A published checklist like the small one, with `items` more items in its category."""
    data = small_data()
    data["slug"] = "big"
    data["categories"][0]["items"] += [
        {"key": f"X-{n:03}", "question": f"Question {n}?"} for n in range(items)
    ]
    return load_checklist(validate(data))[0]


@pytest.mark.django_db
def test_the_detail_page_queries_do_not_grow_with_items(client, alice, django_assert_num_queries):
    small = load_checklist(validate(small_data()))[0]
    big = big_checklist()
    client.force_login(alice)
    _detail_queries(client, django_assert_num_queries, small.slug, 1)
    _detail_queries(client, django_assert_num_queries, big.slug, 1)
