import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from riskassess.accounts.models import Membership, Role, Team, User
from tests.conftest import make_user

MODELS = [User, Team, Membership]


def url(model, view: str, *args) -> str:
    return reverse(f"admin:accounts_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS)
def test_it_renders_the_changelist(client, staff, alice, model):
    client.force_login(staff)
    assert client.get(url(model, "changelist")).status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_it_renders_the_add_page(client, staff, model):
    client.force_login(staff)
    assert client.get(url(model, "add")).status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_it_renders_the_change_page(client, staff, alice, model):
    client.force_login(staff)
    obj = model.objects.first()
    assert client.get(url(model, "change", obj.pk)).status_code == 200


def test_it_counts_members_in_the_team_list(client, staff, alice, bob, vera, charlie):
    client.force_login(staff)
    response = client.get(url(Team, "changelist"))
    counts = {team.name: team.member_count for team in response.context["cl"].result_list}
    assert counts == {"Alpha": 3, "Bravo": 1}


def test_it_adds_a_member_through_the_team_page(client, staff, team, alice):
    client.force_login(staff)
    dana = make_user("dana")
    data = {
        "name": "Alpha",
        "review_months": 12,
        "acceptance_months": 12,
        "memberships-TOTAL_FORMS": 1,
        "memberships-INITIAL_FORMS": 0,
        "memberships-0-user": dana.pk,
        "memberships-0-role": Role.EDITOR,
    }
    response = client.post(url(Team, "change", team.pk), data)
    assert response.status_code == 302
    assert Membership.objects.get(team=team, user=dana).role == Role.EDITOR


@pytest.mark.parametrize("model", [Team, Membership])
def test_it_lists_with_as_many_queries_for_more_members(
    client, staff, alice, model, django_assert_num_queries
):
    client.force_login(staff)
    with CaptureQueriesContext(connection) as one_member:
        assert client.get(url(model, "changelist")).status_code == 200

    for n in range(10):
        team = Team.objects.create(name=f"Team {n}")
        Membership.objects.create(team=team, user=make_user(f"user{n}"), role=Role.VIEWER)
    assert Membership.objects.count() == 11
    with django_assert_num_queries(len(one_member.captured_queries)):
        assert client.get(url(model, "changelist")).status_code == 200


def test_it_sends_a_non_staff_user_to_the_admin_login(client, alice):
    client.force_login(alice)
    response = client.get(url(Team, "changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
