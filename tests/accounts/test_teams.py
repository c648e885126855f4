from django.test import Client
from django.urls import reverse

from riskassess.accounts.models import Membership, Role
from tests.conftest import make_user

TEAMS = reverse("teams")


def team_url(team) -> str:
    return reverse("team", args=[team.pk])


def act(client, team, **data):
    return client.post(team_url(team), data)


def role_of(team, user) -> str | None:
    membership = Membership.objects.filter(team=team, user=user).first()
    return membership.role if membership else None


def test_it_lists_the_users_teams_with_role_and_member_count(
    client, alice, bob, vera, charlie, django_assert_num_queries
):
    client.force_login(alice)
    # session, user, the teams with role and member count,
    # the nav's unread count (notifications/context.py)
    with django_assert_num_queries(4):
        response = client.get(TEAMS)
    rows = [(t.name, t.role, t.member_count) for t in response.context["teams"]]
    assert rows == [("Alpha", Role.OWNER, 3)]


def test_it_needs_a_login_for_the_team_list(client):
    response = client.get(TEAMS)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_sweeps_access_to_the_team_page(client, team, alice, bob, vera, charlie):
    path = team_url(team)
    client.logout()
    assert client.get(path).url.startswith(reverse("login"))
    for user, get_status, post_status in [
        (charlie, 404, 404),
        (vera, 200, 403),
        (bob, 200, 403),
        (alice, 200, 400),  # an empty POST: no action
    ]:
        client.force_login(user)
        assert client.get(path).status_code == get_status, user
        assert client.post(path).status_code == post_status, user


def test_it_shows_members_read_only_to_non_owners(client, team, alice, vera):
    client.force_login(vera)
    response = client.get(team_url(team))
    body = response.content.decode()
    assert "alice" in body and "vera" in body
    assert 'name="action"' not in body


def test_it_refuses_member_changes_from_an_editor(client, team, alice, bob, vera):
    client.force_login(bob)
    response = act(client, team, action="remove", username="vera")
    assert response.status_code == 403
    assert role_of(team, vera) == Role.VIEWER


def test_it_adds_a_member_by_username(client, team, alice):
    dana = make_user("dana")
    client.force_login(alice)
    response = act(client, team, action="add", username="dana", role="editor")
    assert response.status_code == 302
    assert role_of(team, dana) == Role.EDITOR


def test_it_refuses_an_unknown_username(client, team, alice):
    client.force_login(alice)
    response = act(client, team, action="add", username="nobody", role="viewer")
    assert response.status_code == 400
    assert "There is no account with the username nobody" in response.content.decode()


def test_it_refuses_adding_an_existing_member(client, team, alice, bob):
    client.force_login(alice)
    response = act(client, team, action="add", username="bob", role="owner")
    assert "bob is already a member of Alpha" in response.content.decode()
    assert role_of(team, bob) == Role.EDITOR


def test_it_refuses_an_invalid_role(client, team, alice, bob):
    client.force_login(alice)
    response = act(client, team, action="role", username="bob", role="admin")
    assert response.status_code == 400
    assert role_of(team, bob) == Role.EDITOR


def test_it_changes_a_role(client, team, alice, bob):
    client.force_login(alice)
    act(client, team, action="role", username="bob", role="owner")
    assert role_of(team, bob) == Role.OWNER


def test_it_does_not_touch_members_of_other_teams(client, team, alice, charlie):
    client.force_login(alice)
    response = act(client, team, action="remove", username="charlie")
    assert response.status_code == 400
    assert "charlie is not a member of Alpha" in response.content.decode()
    assert Membership.objects.filter(user=charlie).exists()


def test_it_removes_a_member(client, team, alice, vera):
    client.force_login(alice)
    response = act(client, team, action="remove", username="vera")
    assert response.status_code == 302
    assert role_of(team, vera) is None


def test_it_refuses_to_demote_the_last_owner(client, team, alice, bob):
    client.force_login(alice)
    response = act(client, team, action="role", username="alice", role="viewer")
    assert "alice is the last owner of Alpha" in response.content.decode()
    assert role_of(team, alice) == Role.OWNER


def test_it_refuses_to_remove_the_last_owner(client, team, alice):
    client.force_login(alice)
    response = act(client, team, action="remove", username="alice")
    assert "alice is the last owner of Alpha and cannot be removed" in response.content.decode()
    assert role_of(team, alice) == Role.OWNER


def test_it_lets_an_owner_leave_when_another_owner_remains(client, team, alice, bob):
    Membership.objects.filter(user=bob).update(role=Role.OWNER)
    client.force_login(alice)
    response = act(client, team, action="remove", username="alice")
    assert response.url == TEAMS
    assert role_of(team, alice) is None


def test_it_enforces_csrf(team, alice, vera):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = act(client, team, action="remove", username="vera")
    assert response.status_code == 403
    assert role_of(team, vera) == Role.VIEWER
