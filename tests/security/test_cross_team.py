"""Another team's records: every URL answers 404, changes nothing, and reveals nothing.

charlie (owner of `other_team`) attacks alice's team; alice attacks charlie's
assessment with real and guessed ids. A random UUID and a foreign one must be
answered byte for byte alike (apart from CSRF tokens, which change on every
render), so that no response tells an outsider that an id exists.
"""

import pytest
from django.urls import reverse

from riskassess.accounts.models import Team
from riskassess.assessments.models import Assessment
from tests.security.support import (
    ENDPOINT_METHOD_IDS,
    ENDPOINT_METHODS,
    TEAM_ACTIONS,
    db_state,
    logged_in,
    normalised,
    random_id,
    template_names,
)

FOREIGN_MARKERS = ["Bravo", "bravo-secret", "unreleased", "no evaluation at all"]


def target(request, endpoint):
    return request.getfixturevalue(endpoint.target)


@pytest.mark.parametrize(("endpoint", "method"), ENDPOINT_METHODS, ids=ENDPOINT_METHOD_IDS)
def test_an_outsider_gets_404_on_every_assessment_url_and_changes_nothing(
    request, endpoint, method, charlie
):
    assessment = target(request, endpoint)
    client = logged_in(charlie)
    before = db_state()
    response = endpoint.send(client, method, assessment.pk)
    # A method the endpoint refuses to everyone is 405 before any lookup: see the
    # member control below and the random-id comparison, which show it reveals nothing.
    assert response.status_code == (404 if endpoint.allows(method) else 405)
    assert db_state() == before
    for marker in ["Alpha", "alice", "Model card read"]:
        assert marker not in response.content.decode()


@pytest.mark.parametrize(("endpoint", "method"), ENDPOINT_METHODS, ids=ENDPOINT_METHOD_IDS)
def test_the_same_request_from_the_owner_is_not_refused(request, endpoint, method):
    """The control: the requests above are valid, so only access stopped charlie.

    Made by the owner, or by the member the endpoint is for (a review decision: the reviewer).
    """
    assessment = target(request, endpoint)
    actor = request.getfixturevalue(endpoint.actor)
    response = endpoint.send(logged_in(actor), method, assessment.pk)
    if endpoint.allows(method):
        assert response.status_code in (200, 302), response.content[:300]
    else:
        assert response.status_code == 405


@pytest.mark.parametrize(("endpoint", "method"), ENDPOINT_METHODS, ids=ENDPOINT_METHOD_IDS)
def test_a_random_id_is_answered_exactly_like_a_foreign_one(endpoint, method, alice, foreign):
    client = logged_in(alice)
    real = endpoint.send(client, method, foreign.pk)
    guessed = endpoint.send(client, method, random_id())
    assert real.status_code == guessed.status_code
    assert real.status_code in (404, 405)
    assert real.get("Content-Type") == guessed.get("Content-Type")
    assert template_names(real) == template_names(guessed)
    assert normalised(real) == normalised(guessed)
    assert Assessment.objects.get(pk=foreign.pk).title == "Bravo unreleased model"


@pytest.mark.parametrize(("endpoint", "method"), ENDPOINT_METHODS, ids=ENDPOINT_METHOD_IDS)
def test_an_anonymous_request_is_answered_alike_for_a_foreign_and_a_random_id(
    client, endpoint, method, foreign
):
    guess = random_id()
    real = endpoint.send(client, method, foreign.pk)
    guessed = endpoint.send(client, method, guess)
    assert real.status_code == guessed.status_code
    assert real.status_code in (302, 401, 405)
    # The login link carries the requested path, so the id itself may appear.
    assert normalised(real).replace(str(foreign.pk), "ID") == normalised(guessed).replace(
        str(guess), "ID"
    )
    assert real.get("Location", "").replace(str(foreign.pk), "ID") == guessed.get(
        "Location", ""
    ).replace(str(guess), "ID")


# The team page ---------------------------------------------------------------------------


def test_an_outsider_gets_404_on_the_team_page(team, alice, charlie):
    response = logged_in(charlie).get(reverse("team", args=[team.pk]))
    assert response.status_code == 404
    assert "alice" not in response.content.decode()


@pytest.mark.parametrize("data", TEAM_ACTIONS.values(), ids=TEAM_ACTIONS.keys())
def test_an_outsider_posting_to_the_team_page_gets_404_and_changes_nothing(
    team, alice, bob, vera, charlie, data
):
    before = db_state()
    response = logged_in(charlie).post(reverse("team", args=[team.pk]), data)
    assert response.status_code == 404
    assert db_state() == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_random_team_id_is_answered_exactly_like_a_foreign_one(
    alice, other_team, charlie, method
):
    client = logged_in(alice)
    data = TEAM_ACTIONS["add-outsider-as-owner"] if method == "post" else None
    real = getattr(client, method)(reverse("team", args=[other_team.pk]), data)
    guessed = getattr(client, method)(reverse("team", args=[random_id()]), data)
    assert real.status_code == guessed.status_code == 404
    assert template_names(real) == template_names(guessed)
    assert normalised(real) == normalised(guessed)


# Lists and counts ------------------------------------------------------------------------


def assert_nothing_foreign(response, other_team) -> None:
    body = response.content.decode()
    assert response.status_code == 200
    for marker in [*FOREIGN_MARKERS, str(other_team.pk)]:
        assert marker not in body, marker


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"team": "OTHER"},
        {"team": "OTHER", "status": "draft"},
        {"team": "OTHER", "page": "2"},
        {"status": "draft"},
    ],
    ids=["all", "foreign-team", "foreign-team-drafts", "foreign-team-page-2", "drafts"],
)
def test_the_dashboard_lists_and_counts_only_the_users_teams(
    alice, assessment, foreign, team, other_team, query
):
    query = {k: (str(other_team.pk) if v == "OTHER" else v) for k, v in query.items()}
    response = logged_in(alice).get(reverse("assessment_list"), query)
    assert_nothing_foreign(response, other_team)
    rows = response.context["rows"]
    assert {row.assessment.team_id for row in rows} == {team.pk}
    assert response.context["page"].paginator.count == Assessment.objects.filter(team=team).count()


def test_the_outsiders_dashboard_does_not_list_the_team(charlie, assessment, foreign, other_team):
    response = logged_in(charlie).get(reverse("assessment_list"), {"team": str(assessment.team_id)})
    assert [row.assessment.pk for row in response.context["rows"]] == [foreign.pk]
    assert "Alpha" not in response.content.decode()


@pytest.mark.parametrize("name", ["teams", "assessment_new", "assessment_import"])
def test_team_lists_and_choices_name_only_the_users_teams(alice, foreign, other_team, name):
    response = logged_in(alice).get(reverse(name))
    assert_nothing_foreign(response, other_team)


def test_the_team_list_counts_only_the_teams_members(alice, bob, vera, charlie, team):
    response = logged_in(alice).get(reverse("teams"))
    teams = list(response.context["teams"])
    assert [(t.name, t.member_count) for t in teams] == [("Alpha", 3)]
    assert Team.objects.count() == 2
