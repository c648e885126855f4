"""/deployments/<id>/edit/: editors change a deployment; owners alone retire one."""

import pytest
from django.urls import reverse

from riskassess.accounts.models import Membership, Role
from riskassess.deployments.models import Deployment, Lifecycle
from tests.conftest import make_user
from tests.deployments.factories import make_base_model, make_deployment


@pytest.fixture
def deployment(team, alice):
    return make_deployment(team, owner=alice)


def url(deployment) -> str:
    return reverse("deployments:edit", args=[deployment.pk])


def data(deployment, **changes) -> dict:
    fields = {
        "name": deployment.name,
        "description": deployment.description,
        "context": deployment.context,
        "model_name": deployment.model_name,
        "base_model": deployment.base_model_id or "",
        "base_model_text": deployment.base_model_text,
        "owner": deployment.owner_id,
        "lifecycle": deployment.lifecycle,
        "review_months": deployment.review_months,
    }
    return {**fields, **changes}


def test_it_sweeps_access(client, deployment, bob, vera, charlie):
    client.force_login(charlie)
    assert client.get(url(deployment)).status_code == 404
    assert client.post(url(deployment), data(deployment, name="x")).status_code == 404
    client.force_login(vera)
    assert client.get(url(deployment)).status_code == 403
    assert client.post(url(deployment), data(deployment, name="x")).status_code == 403
    client.force_login(bob)
    assert client.get(url(deployment)).status_code == 200
    assert Deployment.objects.get().name == "Support bot"


def test_an_editor_saves_and_the_history_names_them(client, deployment, bob):
    client.force_login(bob)
    response = client.post(url(deployment), data(deployment, name="Support bot EU", owner=bob.pk))
    assert response.status_code == 302
    assert response.url == reverse("deployments:detail", args=[deployment.pk])
    deployment.refresh_from_db()
    assert (deployment.name, deployment.owner) == ("Support bot EU", bob)
    latest = deployment.history.latest()
    assert (latest.name, latest.history_user) == ("Support bot EU", bob)


def test_it_ignores_a_posted_team(client, deployment, bob, other_team):
    client.force_login(bob)
    client.post(url(deployment), data(deployment, team=other_team.pk))
    assert Deployment.objects.get().team_id == deployment.team_id


def test_it_links_a_catalogue_entry_and_keeps_the_text_as_typed(client, deployment, bob):
    base = make_base_model()
    client.force_login(bob)
    client.post(url(deployment), data(deployment, base_model=base.pk))
    deployment.refresh_from_db()
    assert deployment.base_model == base
    assert deployment.base_model_text == "an open 70B model"
    assert deployment.base_model_name == "Meta Llama 3.1 70B Instruct"


def test_it_needs_a_base_model_from_the_catalogue_or_typed(client, deployment, bob):
    client.force_login(bob)
    response = client.post(url(deployment), data(deployment, base_model_text=""))
    assert response.status_code == 200
    assert response.context["form"].errors["base_model_text"] == [
        "Pick the base model from the catalogue, or type it."
    ]


@pytest.mark.parametrize("role", [Role.VIEWER, None])
def test_the_owner_must_be_an_editor_or_owner_of_the_team(client, deployment, bob, vera, role):
    someone = vera if role == Role.VIEWER else make_user("stranger")
    client.force_login(bob)
    response = client.post(url(deployment), data(deployment, owner=someone.pk))
    assert "owner" in response.context["form"].errors
    assert Deployment.objects.get().owner_id == deployment.owner_id


def test_an_editor_cannot_retire_a_deployment(client, deployment, bob):
    client.force_login(bob)
    response = client.post(url(deployment), data(deployment, lifecycle=Lifecycle.RETIRED))
    assert "lifecycle" in response.context["form"].errors
    assert Deployment.objects.get().lifecycle == Lifecycle.PRODUCTION


def test_an_editor_cannot_bring_a_retired_deployment_back(client, team, alice, bob):
    deployment = make_deployment(team, owner=alice, lifecycle=Lifecycle.RETIRED)
    client.force_login(bob)
    client.post(url(deployment), data(deployment, lifecycle=Lifecycle.PRODUCTION, name="New"))
    deployment.refresh_from_db()
    # The stage field is disabled for editors: the rest is saved, the stage is not.
    assert (deployment.name, deployment.lifecycle) == ("New", Lifecycle.RETIRED)


def test_an_owner_retires_a_deployment(client, deployment, alice):
    client.force_login(alice)
    client.post(url(deployment), data(deployment, lifecycle=Lifecycle.RETIRED))
    assert Deployment.objects.get().lifecycle == Lifecycle.RETIRED


@pytest.mark.parametrize("months", [0, 61, "x"])
def test_the_review_interval_is_1_to_60_months(client, deployment, bob, months):
    client.force_login(bob)
    response = client.post(url(deployment), data(deployment, review_months=months))
    assert "review_months" in response.context["form"].errors
    assert Deployment.objects.get().review_months == 12


def test_an_overlong_name_is_refused_naming_the_field_and_limit(client, deployment, bob):
    client.force_login(bob)
    response = client.post(url(deployment), data(deployment, name="x" * 201))
    assert "Name can be at most 200 characters (this one has 201)." in response.content.decode()


def test_a_nul_byte_is_refused_without_a_500(client, deployment, bob):
    client.force_login(bob)
    response = client.post(url(deployment), data(deployment, description="a\x00b"))
    assert response.status_code == 200
    assert "description" in response.context["form"].errors


def test_a_demoted_owner_is_not_offered(client, deployment, alice, bob):
    Membership.objects.filter(user=alice).update(role=Role.VIEWER)
    client.force_login(bob)
    owners = client.get(url(deployment)).context["form"].fields["owner"].queryset
    assert list(owners) == [bob]
