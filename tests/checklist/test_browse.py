import pytest
from django.urls import reverse

from riskassess.checklist.models import Checklist, Status
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
    # session, user, the checklist, its categories, items, options,
    # the nav's unread count (notifications/context.py)
    with django_assert_num_queries(7):
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


# Versions on the list page -----------------------------------------------------------------


def version_row(body: str, slug: str, version: int) -> str:
    """The list's table row of one version, from its link to the end of the row."""
    start = body.index(f'href="{reverse("checklist:detail", args=[slug, version])}"')
    return body[start : body.index("</tr>", start)]


def test_it_marks_the_current_version_and_shows_each_change_note(client, staff, retired):
    Checklist.objects.filter(pk=retired.pk).update(change_note="First version.")
    Checklist.objects.filter(version=2).update(change_note="INQ-01 reworded.\nMIS-04 added.")
    load_checklist(validate({**small_data(), "slug": retired.slug, "version": 3}), status="draft")
    client.force_login(staff)
    body = client.get(reverse("checklist:list")).content.decode()
    current = version_row(body, retired.slug, 2)
    assert ">Published<" in current and ">Current<" in current
    assert "INQ-01 reworded.<br>MIS-04 added." in current
    old = version_row(body, retired.slug, 1)
    assert ">Retired<" in old and ">Current<" not in old and "First version." in old
    draft = version_row(body, retired.slug, 3)
    assert ">Draft<" in draft and ">Current<" not in draft
    assert body.count("<section") == 1  # one slug, its three versions


def test_members_see_retired_versions_but_not_drafts(client, alice, retired):
    load_checklist(validate({**small_data(), "slug": retired.slug, "version": 3}), status="draft")
    client.force_login(alice)
    body = client.get(reverse("checklist:list")).content.decode()
    assert ">Retired<" in version_row(body, retired.slug, 1)
    # The draft's link and label, not the bare "v3", which a random CSRF token may contain.
    assert reverse("checklist:detail", args=[retired.slug, 3]) not in body
    assert ">v3<" not in body
    assert client.get(reverse("checklist:detail", args=[retired.slug, 1])).status_code == 200


def test_the_detail_page_shows_the_status_and_the_change_note(client, alice, retired):
    Checklist.objects.filter(pk=retired.pk).update(change_note="First version.")
    client.force_login(alice)
    body = client.get(reverse("checklist:detail", args=[retired.slug, 1])).content.decode()
    assert ">Retired<" in body and "no new assessments start on it" in body
    assert "First version." in body


def _list_queries(client, django_assert_num_queries) -> None:
    # session, user, the versions with their counts and current flags,
    # the nav's unread count (notifications/context.py)
    with django_assert_num_queries(4):
        assert client.get(reverse("checklist:list")).status_code == 200


def test_the_list_queries_do_not_grow_with_versions(client, staff, django_assert_num_queries):
    load_checklist(validate(small_data()))
    client.force_login(staff)
    _list_queries(client, django_assert_num_queries)
    for version in (2, 3, 4):
        data = {**small_data(), "version": version}
        load_checklist(validate(data), status="draft" if version == 4 else None)
    big_checklist()
    _list_queries(client, django_assert_num_queries)
