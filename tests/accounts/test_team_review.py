"""The team's review interval for new deployments, set by its owners on the team page."""

import pytest
from django.test import Client
from django.urls import reverse

from riskassess.accounts.models import Team
from riskassess.assessments.models import Assessment
from tests.conftest import DETAILS, new_assessment

REFUSED = "Enter a whole number of months from 1 to 60."


def team_url(team) -> str:
    return reverse("team", args=[team.pk])


def set_interval(client, team, value):
    return client.post(team_url(team), {"action": "review", "review_months": value})


def interval_of(team) -> int:
    return Team.objects.get(pk=team.pk).review_months


def test_an_owner_sets_the_interval_for_new_deployments(client, team, alice):
    client.force_login(alice)
    response = set_interval(client, team, "6")
    assert response.status_code == 302
    assert response.url == team_url(team)
    assert interval_of(team) == 6
    body = client.get(response.url).content.decode()
    assert "New deployments of Alpha now start with a review every 6 months." in body
    assert 'name="review_months"' in body and 'value="6"' in body


def test_the_change_is_recorded_in_the_teams_history(client, team, alice):
    client.force_login(alice)
    set_interval(client, team, "24")
    latest = Team.history.filter(id=team.pk).latest("history_date")
    assert latest.review_months == 24
    assert latest.history_user == alice
    assert latest.history_type == "~"


def test_saving_the_same_interval_again_records_nothing(client, team, alice):
    client.force_login(alice)
    before = Team.history.filter(id=team.pk).count()
    response = set_interval(client, team, "12")
    assert response.status_code == 302
    assert Team.history.filter(id=team.pk).count() == before
    body = client.get(response.url).content.decode()
    assert "New deployments already start with a review every 12 months." in body


def test_the_owners_page_says_what_it_applies_to(client, team, alice):
    client.force_login(alice)
    body = client.get(team_url(team)).content.decode()
    assert 'value="review"' in body
    assert "Review interval for new deployments" in body
    assert "Applies to deployments created from now on." in body
    assert "Edit deployment" in body


@pytest.mark.parametrize("member", ["bob", "vera"])
def test_other_members_read_the_interval_without_a_form(client, team, alice, bob, vera, member):
    Team.objects.filter(pk=team.pk).update(review_months=6)
    client.force_login({"bob": bob, "vera": vera}[member])
    body = client.get(team_url(team)).content.decode()
    assert "Review interval for new deployments: <strong>6 months</strong>" in body
    assert "Applies to deployments created from now on" in body
    assert 'name="review_months"' not in body
    assert 'value="review"' not in body


@pytest.mark.parametrize("member", ["bob", "vera"])
def test_other_members_cannot_change_it(client, team, alice, bob, vera, member):
    client.force_login({"bob": bob, "vera": vera}[member])
    response = set_interval(client, team, "6")
    assert response.status_code == 403
    assert interval_of(team) == 12


def test_an_outsider_gets_not_found(client, team, alice, charlie):
    client.force_login(charlie)
    assert client.get(team_url(team)).status_code == 404
    assert set_interval(client, team, "6").status_code == 404
    assert interval_of(team) == 12


@pytest.mark.parametrize("value", ["0", "61", "abc", "", "2.5", "-3"])
def test_it_refuses_an_invalid_interval_and_keeps_what_was_typed(client, team, alice, value):
    client.force_login(alice)
    response = set_interval(client, team, value)
    assert response.status_code == 400
    body = response.content.decode()
    assert REFUSED in body
    assert f'value="{value}"' in body  # the field shows what was typed
    assert "is-invalid" in body and 'aria-invalid="true"' in body
    assert interval_of(team) == 12


def test_it_refuses_a_missing_interval(client, team, alice):
    client.force_login(alice)
    response = client.post(team_url(team), {"action": "review"})
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert interval_of(team) == 12


def test_it_enforces_csrf(team, alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = set_interval(client, team, "6")
    assert response.status_code == 403
    assert interval_of(team) == 12


def test_a_new_deployment_starts_with_the_new_interval(client, team, alice, checklist):
    client.force_login(alice)
    set_interval(client, team, "3")
    assessment = new_assessment(alice, Team.objects.get(pk=team.pk), checklist)
    assert assessment.deployment.review_months == 3


def test_a_deployment_started_from_the_new_assessment_form_takes_it(client, team, alice, checklist):
    client.force_login(alice)
    set_interval(client, team, "18")
    data = {**DETAILS, "team": team.pk, "checklist": checklist.pk}
    response = client.post(reverse("assessment_new"), data)
    assert response.status_code == 302
    assert Assessment.objects.get().deployment.review_months == 18


def test_an_existing_deployment_keeps_its_own_interval(client, team, alice, checklist):
    existing = new_assessment(alice, team, checklist).deployment
    own = new_assessment(alice, team, checklist, title="Other bot").deployment
    own.review_months = 30
    own.save()
    client.force_login(alice)
    set_interval(client, team, "6")
    existing.refresh_from_db()
    own.refresh_from_db()
    assert (existing.review_months, own.review_months) == (12, 30)
