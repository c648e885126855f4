"""The catalogue in the admin: staff with `edit_catalogue` maintain it; deployments are for
superusers to read, and a refused delete never names another team's deployment."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from riskassess.deployments.models import BaseModel
from tests.conftest import make_user
from tests.deployments.factories import make_base_model, make_deployment

ADD = reverse("admin:deployments_basemodel_add")
DEPLOYMENTS = reverse("admin:deployments_deployment_changelist")
FIELDS = {"provider": "Mistral AI", "name": "Mistral Large", "version": "2407"}


def staff_user(name: str, *codenames: str):
    user = make_user(name)
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def cataloguer(db):
    return staff_user("cora", "edit_catalogue")


def change_url(base) -> str:
    return reverse("admin:deployments_basemodel_change", args=[base.pk])


def test_a_catalogue_editor_adds_a_base_model_with_its_history(client, cataloguer):
    client.force_login(cataloguer)
    assert client.post(ADD, FIELDS).status_code == 302
    base = BaseModel.objects.get()
    assert base.history.get().history_user == cataloguer


def test_a_catalogue_editor_marks_a_base_model_superseded(client, cataloguer):
    older, newer = make_base_model(name="Llama 3 70B"), make_base_model(name="Llama 3.1 70B")
    client.force_login(cataloguer)
    data = {
        "provider": "Meta",
        "name": "Llama 3 70B",
        "version": "",
        "superseded_by": newer.pk,
        "superseded_at": "2024-07-23",
    }
    assert client.post(change_url(older), data).status_code == 302
    older.refresh_from_db()
    assert older.superseded_by == newer


def test_a_base_model_cannot_supersede_itself(client, cataloguer):
    base = make_base_model()
    client.force_login(cataloguer)
    data = {"provider": "Meta", "name": base.name, "version": "", "superseded_by": base.pk}
    response = client.post(change_url(base), data)
    assert response.status_code == 200
    assert "cannot be superseded by itself" in response.content.decode()


def test_the_admin_refuses_a_duplicate_in_another_case(client, cataloguer):
    make_base_model(provider="Mistral AI", name="Mistral Large", version="2407")
    client.force_login(cataloguer)
    response = client.post(ADD, {**FIELDS, "provider": "mistral ai"})
    assert response.status_code == 200
    assert "is already in the catalogue" in response.content.decode()
    assert BaseModel.objects.count() == 1


def test_staff_without_the_permission_cannot_change_the_catalogue(client, db):
    client.force_login(staff_user("sam"))
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, FIELDS).status_code == 403
    assert not BaseModel.objects.exists()


def test_only_superusers_see_deployments_in_the_admin(client, cataloguer, staff, team):
    deployment = make_deployment(team)
    client.force_login(cataloguer)
    assert client.get(DEPLOYMENTS).status_code == 403
    client.force_login(staff)
    assert client.get(DEPLOYMENTS).status_code == 200
    change = reverse("admin:deployments_deployment_change", args=[deployment.pk])
    # Read-only: deployments change on the site, where the team's roles apply.
    assert client.post(change, {"name": "changed"}).status_code == 403


def test_a_refused_delete_counts_the_deployments_and_names_none(
    client, cataloguer, team, other_team
):
    base = make_base_model()
    make_deployment(team, "Alpha secret bot", base_model=base)
    make_deployment(other_team, "Bravo secret bot", base_model=base)
    client.force_login(cataloguer)
    delete = reverse("admin:deployments_basemodel_delete", args=[base.pk])
    body = client.get(delete).content.decode()
    assert "2 deployments (of any team) built on it" in body
    assert "secret bot" not in body
    client.post(delete, {"post": "yes"})
    assert BaseModel.objects.filter(pk=base.pk).exists()
