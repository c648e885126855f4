"""A team's "review required" setting and its reviewer role, on the team page (issue 14)."""

import pytest
from django.test import Client
from django.urls import reverse

from riskassess.accounts.models import Membership, Role, Team
from tests.conftest import make_user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(user, team, **data):
    return client_for(user).post(reverse("team", args=[team.pk]), data)


def test_an_owner_turns_review_on_and_off(team, alice):
    client = client_for(alice)
    url = reverse("team", args=[team.pk])
    response = client.post(url, {"action": "review_required", "review_required": "on"})
    assert response.status_code == 302
    assert Team.objects.get(pk=team.pk).review_required
    page = client.get(response["Location"]).content.decode()
    assert "no reviewer yet" in page
    post(alice, team, action="review_required")
    assert not Team.objects.get(pk=team.pk).review_required
    # Recorded in the team's history.
    assert team.history.filter(review_required=True).exists()


@pytest.mark.parametrize("who", ["bob", "vera"])
def test_only_owners_change_it(team, who, request):
    user = request.getfixturevalue(who)
    assert post(user, team, action="review_required", review_required="on").status_code == 403
    assert not Team.objects.get(pk=team.pk).review_required


def test_an_outsider_gets_404(team, charlie):
    assert post(charlie, team, action="review_required", review_required="on").status_code == 404


def test_members_read_the_setting(team, vera):
    team.review_required = True
    team.save()
    page = client_for(vera).get(reverse("team", args=[team.pk])).content.decode()
    assert "Submissions wait for a reviewer" in page and "review-required-form" not in page


def test_an_owner_adds_a_reviewer(team, alice):
    make_user("rita")
    response = post(alice, team, action="add", username="rita", role=Role.REVIEWER)
    assert response.status_code == 302
    assert Membership.objects.get(user__username="rita").role == Role.REVIEWER
