"""/base-models/: the shared catalogue, what its pages show of deployments, and adding to it."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from riskassess.deployments.models import BaseModel
from tests.conftest import make_user
from tests.deployments.factories import (
    add_revision,
    make_assessment,
    make_base_model,
    make_deployment,
)

NEW = reverse("deployments:base_model_new")
LLAMA = {
    "provider": "Meta",
    "name": "Llama 3.1 70B Instruct",
    "version": "",
    "licence": "Llama 3.1",
}


def url(base) -> str:
    return reverse("deployments:base_model", args=[base.pk])


@pytest.fixture
def base(db):
    return make_base_model(model_card="https://example.org/llama-3.1/model-card")


@pytest.fixture
def cataloguer(db):
    """Not staff: a user with the catalogue editor permission only."""
    user = make_user("cora")
    user.user_permissions.add(Permission.objects.get(codename="edit_catalogue"))
    return user


def test_any_signed_in_user_reads_the_catalogue(client, base, charlie):
    assert client.get(url(base)).status_code == 302
    client.force_login(charlie)
    assert (
        "Llama 3.1 70B Instruct" in client.get(reverse("deployments:base_models")).content.decode()
    )
    assert client.get(url(base)).status_code == 200


def test_an_unknown_base_model_is_not_found(client, vera):
    client.force_login(vera)
    assert client.get(reverse("deployments:base_model", args=[999999])).status_code == 404


def test_the_list_counts_only_the_users_teams_deployments(client, base, vera, team, other_team):
    make_deployment(team, base_model=base)
    make_deployment(other_team, "Bravo bot", base_model=base)
    make_deployment(other_team, "Bravo bot 2", base_model=base)
    client.force_login(vera)
    (listed,) = client.get(reverse("deployments:base_models")).context["page"].object_list
    assert listed.yours == 1


def test_the_page_lists_the_viewers_deployments_on_it_with_their_latest_level(
    client, base, vera, team, other_team
):
    mine = make_deployment(team, "Alpha bot", base_model=base)
    add_revision(make_assessment(mine, submitted=True), level="medium")
    make_deployment(other_team, "Bravo secret bot", base_model=base)
    client.force_login(vera)
    response = client.get(url(base))
    assert [(r.deployment.name, r.level) for r in response.context["rows"]] == [
        ("Alpha bot", "medium")
    ]
    assert "Bravo secret bot" not in response.content.decode()
    assert "Across all teams" not in response.content.decode()


def test_staff_see_a_count_across_all_teams_and_no_other_teams_names(
    client, base, staff, team, other_team
):
    make_deployment(team, "Alpha bot", base_model=base)
    make_deployment(other_team, "Bravo secret bot", base_model=base)
    make_deployment(other_team, "Bravo other bot", base_model=make_base_model(name="Other"))
    client.force_login(staff)
    response = client.get(url(base))
    body = response.content.decode()
    assert response.context["all_teams_count"] == 2
    assert "<strong>2</strong> deployments built on it" in body
    for secret in ("Alpha bot", "Bravo secret bot", "Alpha", "Bravo"):
        assert secret not in body


def test_the_model_card_is_a_browser_link_marked_external(client, base, vera):
    client.force_login(vera)
    body = client.get(url(base)).content.decode()
    assert (
        '<a href="https://example.org/llama-3.1/model-card" rel="external noopener noreferrer">'
        in body
    )


def test_an_address_that_is_not_a_web_address_is_shown_as_text_only(client, vera):
    base = make_base_model(model_card="javascript:alert(1)")  # as if saved before validation
    client.force_login(vera)
    body = client.get(url(base)).content.decode()
    assert "javascript:alert(1)" in body
    assert 'href="javascript' not in body


def test_the_page_names_what_superseded_it(client, vera):
    newer = make_base_model(name="Llama 3.1 70B")
    older = make_base_model(name="Llama 3 70B", superseded_by=newer)
    client.force_login(vera)
    assert f'Superseded by <a href="{url(newer)}">Meta Llama 3.1 70B</a>' in (
        client.get(url(older)).content.decode()
    )


# Adding from the site


def test_adding_needs_the_catalogue_permission(client, alice):
    client.force_login(alice)
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, LLAMA).status_code == 403
    assert not BaseModel.objects.exists()


def test_a_catalogue_editor_adds_a_base_model(client, cataloguer):
    client.force_login(cataloguer)
    assert client.get(NEW).status_code == 200
    response = client.post(NEW, {**LLAMA, "model_card": "https://example.org/card"})
    base = BaseModel.objects.get()
    assert response.status_code == 302 and response.url == url(base)
    assert (str(base), base.model_card) == (
        "Meta Llama 3.1 70B Instruct",
        "https://example.org/card",
    )
    assert base.history.get().history_user == cataloguer


def test_a_duplicate_in_another_case_is_refused_with_a_clear_message(client, cataloguer):
    existing = make_base_model()
    client.force_login(cataloguer)
    response = client.post(NEW, {**LLAMA, "provider": "META", "name": "llama 3.1 70b instruct"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "“Meta Llama 3.1 70B Instruct” is already in the catalogue" in body
    assert f'href="{url(existing)}"' in body
    assert BaseModel.objects.count() == 1


def test_another_version_is_not_a_duplicate(client, cataloguer):
    make_base_model()
    client.force_login(cataloguer)
    client.post(NEW, {**LLAMA, "version": "2024-07"})
    assert BaseModel.objects.count() == 2


@pytest.mark.parametrize("address", ["javascript:alert(1)", "file:///etc/passwd", "not a url"])
def test_a_model_card_address_must_be_a_web_address(client, cataloguer, address):
    client.force_login(cataloguer)
    response = client.post(NEW, {**LLAMA, "model_card": address})
    assert "model_card" in response.context["form"].errors
    assert not BaseModel.objects.exists()


def test_an_overlong_name_is_refused_naming_the_field_and_limit(client, cataloguer):
    client.force_login(cataloguer)
    response = client.post(NEW, {**LLAMA, "name": "x" * 201})
    assert "Name can be at most 200 characters (this one has 201)." in response.content.decode()
