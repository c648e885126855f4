"""The New assessment form with a deployment: preselected from its page, picked from the
user's teams' deployments, or a new one; anything else refused without revealing it."""

import pytest
from django.urls import reverse

from riskassess.assessments.models import Assessment
from riskassess.deployments.models import Deployment, Lifecycle
from tests.deployments.factories import make_base_model, make_checklist, make_deployment

NEW = reverse("assessment_new")
DETAILS = {"title": "Q3 review", "model_name": "bot 2.4", "base_model": "Llama", "context": "EU"}


@pytest.fixture
def checklist(db):
    return make_checklist()


@pytest.fixture
def deployment(team, alice):
    return make_deployment(
        team,
        "Support bot",
        owner=alice,
        base_model=make_base_model(),
        model_name="support-bot 2.3",
        context="EU customers, in English and Spanish",
    )


@pytest.fixture
def foreign(other_team, charlie):
    return make_deployment(other_team, "Bravo secret bot")


def preselect(deployment_id) -> str:
    return f"{NEW}?deployment={deployment_id}"


def test_the_deployment_page_preselects_it_and_prefills_the_details(
    client, bob, deployment, checklist
):
    client.force_login(bob)
    form = client.get(preselect(deployment.pk)).context["form"]
    assert form.preselected == deployment
    assert form.initial["deployment"] == deployment.pk
    assert form.initial["team"] == deployment.team_id
    assert (form.initial["title"], form.initial["model_name"]) == ("Support bot", "support-bot 2.3")
    assert form.initial["base_model"] == "Meta Llama 3.1 70B Instruct"
    assert form.initial["context"] == "EU customers, in English and Spanish"


def test_it_assesses_the_deployment_with_the_assessments_own_copy_of_the_details(
    client, bob, team, deployment, checklist
):
    client.force_login(bob)
    data = {**DETAILS, "deployment": deployment.pk, "team": team.pk, "checklist": checklist.pk}
    assert client.post(NEW, data).status_code == 302
    assessment = Assessment.objects.get()
    assert assessment.deployment == deployment
    assert (assessment.title, assessment.model_name) == ("Q3 review", "bot 2.4")
    # The deployment itself is not changed by the assessment's details.
    deployment.refresh_from_db()
    assert (deployment.name, deployment.model_name) == ("Support bot", "support-bot 2.3")
    assert Deployment.objects.count() == 1


def test_details_left_empty_are_taken_from_the_deployment(client, bob, deployment, checklist):
    client.force_login(bob)
    client.post(NEW, {"deployment": deployment.pk, "checklist": checklist.pk})
    assessment = Assessment.objects.get()
    assert (assessment.team, assessment.title) == (deployment.team, "Support bot")
    assert assessment.base_model == "Meta Llama 3.1 70B Instruct"


def test_without_a_deployment_the_details_make_a_new_one(client, bob, team, checklist):
    client.force_login(bob)
    client.post(NEW, {**DETAILS, "team": team.pk, "checklist": checklist.pk})
    deployment = Assessment.objects.get().deployment
    assert (deployment.name, deployment.base_model_text, deployment.owner) == (
        "Q3 review",
        "Llama",
        bob,
    )


def test_without_a_deployment_the_details_are_required(client, bob, team, checklist):
    client.force_login(bob)
    response = client.post(NEW, {"team": team.pk, "checklist": checklist.pk})
    assert set(response.context["form"].errors) == {"title", "model_name", "base_model", "context"}
    assert not Assessment.objects.exists()


@pytest.mark.parametrize(
    "value", ["foreign", "00000000-0000-4000-8000-000000000000", "not-a-uuid", "1"]
)
def test_a_preselected_deployment_that_is_not_the_users_is_refused_alike(
    client, bob, foreign, checklist, value
):
    client.force_login(bob)
    response = client.get(preselect(foreign.pk if value == "foreign" else value))
    assert response.status_code == 200
    body = response.content.decode()
    assert "That deployment is not one you can assess." in body
    assert "Bravo" not in body and "secret" not in body
    assert response.context["form"].preselected is None


def test_posting_another_teams_deployment_is_refused(client, bob, team, foreign, checklist):
    client.force_login(bob)
    data = {**DETAILS, "deployment": foreign.pk, "team": team.pk, "checklist": checklist.pk}
    response = client.post(NEW, data)
    assert response.status_code == 200
    assert response.context["form"].errors["deployment"] == [
        "That deployment is not one you can assess. Pick one of your teams' deployments, "
        "or a new deployment."
    ]
    assert "Bravo" not in response.content.decode()
    assert not Assessment.objects.exists()


def test_a_deployment_of_a_team_the_user_only_views_is_refused(
    client, bob, team, other_team, foreign, checklist
):
    other_team.memberships.create(user=bob, role="viewer")
    client.force_login(bob)
    data = {**DETAILS, "deployment": foreign.pk, "team": team.pk, "checklist": checklist.pk}
    response = client.post(NEW, data)
    assert "deployment" in response.context["form"].errors
    assert not Assessment.objects.exists()


def test_a_team_other_than_the_deployments_is_refused(
    client, bob, team, other_team, deployment, checklist
):
    other_team.memberships.create(user=bob, role="editor")
    client.force_login(bob)
    data = {
        **DETAILS,
        "deployment": deployment.pk,
        "team": other_team.pk,
        "checklist": checklist.pk,
    }
    response = client.post(NEW, data)
    assert "belongs to the team Alpha" in response.context["form"].errors["team"][0]
    assert not Assessment.objects.exists()


def test_a_retired_deployment_is_not_offered(client, bob, team, checklist):
    retired = make_deployment(team, "Old bot", lifecycle=Lifecycle.RETIRED)
    client.force_login(bob)
    form = client.get(NEW).context["form"]
    assert retired not in form.fields["deployment"].queryset
