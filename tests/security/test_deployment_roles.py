"""Deployments and the catalogue, for members whose role is too weak: 403, nothing changed.

vera only views `team`, bob edits it, alice owns it (tests/conftest.py). Editing a
deployment, re-assessing it and answering a profile need the editor role;
retiring a deployment needs the owner; adding to the base model catalogue needs
the `deployments.edit_catalogue` permission (superusers have every permission),
whatever the user's role in any team.
"""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from riskassess.deployments.models import BaseModel, Deployment, Lifecycle
from tests.conftest import make_user
from tests.security.deployment_support import (
    EDITOR_CASES,
    EDITOR_IDS,
    READ_CASES,
    READ_IDS,
    edit_form,
    reassess_form,
    state,
)
from tests.security.support import logged_in

# The format-2 checklist of the profile URLs, loaded once for the module (conftest.py).
pytestmark = pytest.mark.usefixtures("_v2_checklist_id")


@pytest.mark.parametrize(("url", "method"), EDITOR_CASES, ids=EDITOR_IDS)
def test_a_viewer_gets_403_on_every_editor_action_and_changes_nothing(request, url, method, vera):
    record = request.getfixturevalue(url.mine)
    client = logged_in(vera)
    before = state()
    response = url.send(client, method, record)
    assert response.status_code == 403
    assert state() == before


@pytest.mark.parametrize(("url", "method"), EDITOR_CASES, ids=EDITOR_IDS)
def test_an_editor_may_make_the_same_request(request, url, method, bob):
    """The control: an editor, not only the owner, gets past the role check."""
    record = request.getfixturevalue(url.mine)
    before = state()
    response = url.send(logged_in(bob), method, record)
    assert response.status_code in (200, 302), response.content[:300]
    assert (state() != before) == (method == "post")


@pytest.mark.parametrize(("url", "method"), READ_CASES, ids=READ_IDS)
def test_a_viewer_reads_what_needs_no_editor(request, url, method, vera):
    record = request.getfixturevalue(url.mine)
    before = state()
    response = url.send(logged_in(vera), method, record)
    assert response.status_code == 200
    assert state() == before


def test_the_profiles_403_says_why_beside_the_question(vera, alpha_v2):
    response = logged_in(vera).post(
        reverse("profile_save", args=[alpha_v2.pk, "P-USERS"]),
        {"P-USERS-choice": "minors", "P-USERS-version": "0"},
    )
    assert response.status_code == 403
    assert response["HX-Reswap"] == "none"
    assert "You have view access" in response.content.decode()


def test_a_demoted_editor_is_refused_when_confirming_a_re_assessment(
    alice, bob, team, alpha_deployment
):
    """The preview was shown to an editor; by the time they confirm, they only view."""
    client = logged_in(bob)
    url = reverse("deployment_reassess", args=[alpha_deployment.pk])
    assert client.get(url).status_code == 200
    logged_in(alice).post(
        reverse("team", args=[team.pk]), {"action": "role", "username": "bob", "role": "viewer"}
    )
    before = state()
    assert client.post(url, reassess_form(alpha_deployment)).status_code == 403
    assert state() == before


# What an editor still may not do to a deployment ---------------------------------------------


def post_edit(user, deployment, **changes):
    url = reverse("deployments:edit", args=[deployment.pk])
    return logged_in(user).post(url, {**edit_form(deployment), **changes})


def test_only_an_owner_retires_a_deployment(alice, bob, alpha_deployment):
    before = state()
    response = post_edit(bob, alpha_deployment, lifecycle=Lifecycle.RETIRED)
    assert response.status_code == 200  # the form again, saying why
    assert "Only an owner of the team can retire it" in response.content.decode()
    assert state() == before
    assert post_edit(alice, alpha_deployment, lifecycle=Lifecycle.RETIRED).status_code == 302
    assert Deployment.objects.get(pk=alpha_deployment.pk).lifecycle == Lifecycle.RETIRED


@pytest.mark.parametrize("who", ["vera", "charlie"], ids=["a-viewer", "an-outsider"])
def test_the_owner_must_be_an_editor_or_owner_of_the_team(request, bob, alpha_deployment, who):
    owner = request.getfixturevalue(who)
    before = state()
    response = post_edit(bob, alpha_deployment, owner=owner.pk)
    assert response.status_code == 200
    assert "The owner must be an editor or owner of the deployment" in response.content.decode()
    assert state() == before


def test_a_retired_deployment_is_not_re_assessed_by_url(alice, bob, alpha_deployment):
    """The page offers no button for a retired deployment; the URL refuses as well."""
    Deployment.objects.filter(pk=alpha_deployment.pk).update(lifecycle=Lifecycle.RETIRED)
    url = reverse("deployment_reassess", args=[alpha_deployment.pk])
    for user in (bob, alice):
        client = logged_in(user)
        before = state()
        response = client.post(url, reassess_form(alpha_deployment), follow=True)
        assert "Not re-assessed: It is retired" in response.content.decode()
        assert state() == before
        assert "Not re-assessed: It is retired" in client.get(url, follow=True).content.decode()


def test_the_team_and_what_the_server_keeps_cannot_be_posted(
    alice, alpha_deployment, other_team, charlie
):
    kept = Deployment.objects.filter(pk=alpha_deployment.pk).values().get()
    forged = {
        "team": other_team.pk,
        "id": "00000000-0000-4000-8000-00000000beef",
        "created_at": "2000-01-01T00:00:00Z",
        "latest_level": "low",
        "review_due": "2999-01-01",
    }
    assert post_edit(alice, alpha_deployment, **forged).status_code == 302
    now = Deployment.objects.filter(pk=alpha_deployment.pk).values().get()
    assert now["name"] == "Renamed by an attacker"  # the form was saved
    changed = {k for k in kept if kept[k] != now[k]}
    assert changed <= {"name", "updated_at"}, changed
    assert not Deployment.objects.filter(team=other_team, name="Renamed by an attacker").exists()


# The base model catalogue: adding needs the catalogue permission ----------------------------

NEW_BASE = {"provider": "Acme", "name": "Sneaky 1B", "version": "", "licence": "", "model_card": ""}


@pytest.fixture
def plain_staff(db):
    """Staff, but without the catalogue permission."""
    user = make_user("sam")
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def cataloguer(db):
    """Not staff, in no team: the catalogue editor permission only."""
    user = make_user("cora")
    user.user_permissions.add(Permission.objects.get(codename="edit_catalogue"))
    return user


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("who", ["alice", "bob", "vera", "charlie", "plain_staff"])
def test_adding_to_the_catalogue_without_the_permission_is_403(request, who, method):
    client = logged_in(request.getfixturevalue(who))
    before = state()
    url = reverse("deployments:base_model_new")
    response = client.get(url) if method == "get" else client.post(url, NEW_BASE)
    assert response.status_code == 403
    assert state() == before


@pytest.mark.parametrize("who", ["cataloguer", "staff"], ids=["permission", "superuser"])
def test_a_catalogue_editor_adds_an_entry(request, who):
    """The control: the same form, from a user with the permission."""
    client = logged_in(request.getfixturevalue(who))
    url = reverse("deployments:base_model_new")
    assert client.get(url).status_code == 200
    response = client.post(url, NEW_BASE)
    base = BaseModel.objects.get(name="Sneaky 1B")
    assert response.status_code == 302
    assert response["Location"] == reverse("deployments:base_model", args=[base.pk])


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_anonymous_user_is_sent_to_log_in_and_adds_nothing(db, client, method):
    url = reverse("deployments:base_model_new")
    before = state()
    response = client.get(url) if method == "get" else client.post(url, NEW_BASE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert state() == before
