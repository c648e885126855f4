"""Another team's deployments: every URL answers 404, changes nothing, and reveals nothing.

test_cross_team.py's sweep for the deployment pages, the comparison, re-assessment
and the profile step of format-2 assessments (deployment_support.URLS). charlie
(owner of `other_team`) attacks alice's team; alice attacks charlie's records
with real and guessed ids, which must be answered byte for byte alike (apart
from CSRF tokens). The base model catalogue is shared by all teams: any member
reads it, but what it shows of deployments is only their own teams' (staff:
also a bare count).
"""

import uuid

import pytest
from django.urls import reverse

from riskassess.accounts.models import Membership, Role
from riskassess.deployments.models import BaseModel, Deployment
from tests.conftest import make_user
from tests.security.deployment_support import (
    ALPHA_MARKERS,
    BRAVO_MARKERS,
    CASE_IDS,
    CASES,
    assert_absent,
    refs,
    state,
)
from tests.security.support import logged_in, normalised, random_id, template_names

# The format-2 checklist of the profile URLs, loaded once for the module (conftest.py).
pytestmark = pytest.mark.usefixtures("_v2_checklist_id")


@pytest.mark.parametrize(("url", "method"), CASES, ids=CASE_IDS)
def test_an_outsider_gets_404_on_every_deployment_url_and_changes_nothing(
    request, url, method, charlie
):
    record = request.getfixturevalue(url.mine)
    client = logged_in(charlie)
    before = state()
    response = url.send(client, method, record)
    # A method the URL refuses to everyone is 405 before any lookup (see the controls).
    assert response.status_code == (404 if url.allows(method) else 405)
    assert state() == before
    assert_absent(response, ALPHA_MARKERS)


@pytest.mark.parametrize(("url", "method"), CASES, ids=CASE_IDS)
def test_the_same_request_from_the_owner_is_not_refused(request, url, method, alice):
    """The control: the requests above are valid, so only access stopped charlie. A write
    is made (the database changes), a read is not."""
    record = request.getfixturevalue(url.mine)
    client = logged_in(alice)
    before = state()
    response = url.send(client, method, record)
    if not url.allows(method):
        assert response.status_code == 405
        return
    assert response.status_code in (200, 302), response.content[:300]
    assert not response.get("Location", "").startswith(reverse("login"))
    assert (state() != before) == (method == "post" and url.writes)


@pytest.mark.parametrize(("url", "method"), CASES, ids=CASE_IDS)
def test_a_random_id_is_answered_exactly_like_a_foreign_one(request, url, method, alice, charlie):
    foreign = request.getfixturevalue(url.theirs)
    client = logged_in(alice)
    before = state()
    real = url.send(client, method, foreign)
    guessed = url.send(client, method, foreign, pk=random_id())
    assert real.status_code == guessed.status_code
    assert real.status_code == (404 if url.allows(method) else 405)
    assert real.get("Content-Type") == guessed.get("Content-Type")
    assert template_names(real) == template_names(guessed)
    assert normalised(real) == normalised(guessed)
    assert_absent(real, BRAVO_MARKERS)
    assert state() == before
    # The foreign id is a real one: its own team is answered.
    own = url.send(logged_in(charlie), method, foreign)
    assert own.status_code in ((200, 302) if url.allows(method) else (405,))


@pytest.mark.parametrize(("url", "method"), CASES, ids=CASE_IDS)
def test_an_anonymous_request_is_answered_alike_for_a_foreign_and_a_random_id(
    client, request, url, method
):
    foreign = request.getfixturevalue(url.theirs)
    guess = random_id()
    before = state()
    real = url.send(client, method, foreign)
    guessed = url.send(client, method, foreign, pk=guess)
    assert real.status_code == guessed.status_code
    # 401: the profile's htmx save answers with a login link, not a redirect.
    assert real.status_code in (302, 401, 405)
    # The login link carries the requested path, so the id itself may appear.
    assert normalised(real).replace(str(foreign.pk), "ID") == normalised(guessed).replace(
        str(guess), "ID"
    )
    assert real.get("Location", "").replace(str(foreign.pk), "ID") == guessed.get(
        "Location", ""
    ).replace(str(guess), "ID")
    assert state() == before


# A comparison's sides: only refs of the deployment compared ---------------------------------


@pytest.mark.parametrize("name", ["compare", "compare_json"])
@pytest.mark.parametrize("side", ["before", "after"])
@pytest.mark.parametrize("kind", ["revision", "draft"])
def test_a_ref_of_another_teams_deployment_is_answered_like_an_unknown_one(
    alice, alpha_deployment, bravo_deployment, name, side, kind
):
    """alice compares her own deployment with a revision or draft of charlie's."""
    url = reverse(name, args=[alpha_deployment.pk])
    ours, theirs = refs(alpha_deployment), refs(bravo_deployment)
    foreign = theirs["before"] if kind == "revision" else theirs["after"]
    unknown = f"{foreign[0]}-{uuid.uuid4()}"  # revisions' and assessments' ids are UUIDs
    client = logged_in(alice)
    assert client.get(url, ours).status_code == 200  # the control: her own refs compare
    real = client.get(url, {**ours, side: foreign})
    guessed = client.get(url, {**ours, side: unknown})
    assert real.status_code == guessed.status_code == 404
    assert normalised(real) == normalised(guessed)
    assert_absent(real, BRAVO_MARKERS)


# Lists: only the user's teams' deployments --------------------------------------------------


@pytest.fixture
def bravo_base(bravo_deployment) -> BaseModel:
    """A catalogue entry that only charlie's deployment is built on."""
    base = BaseModel.objects.create(provider="Obscure AI", name="Frontier-X", version="2")
    Deployment.objects.filter(pk=bravo_deployment.pk).update(base_model=base)
    return base


@pytest.mark.parametrize("name", ["dashboard", "deployments:list"])
@pytest.mark.parametrize(
    "query",
    [
        {},
        {"team": "OTHER"},
        {"team": "OTHER", "lifecycle": "production"},
        {"team": "OTHER", "page": "2"},
        {"base": "BRAVO_BASE"},
        {"q": "secret"},
        {"level": "low"},
        {"due": "30"},
        {"sort": "team"},
        {"sort": "base"},
    ],
    ids=[
        "all",
        "foreign-team",
        "foreign-team-in-production",
        "foreign-team-page-2",
        "foreign-base-model",
        "search-a-foreign-model",
        "level",
        "review-date",
        "by-team",
        "by-base-model",
    ],
)
def test_the_dashboard_lists_only_the_users_teams_deployments(
    alice, alpha_deployment, bravo_deployment, bravo_base, team, other_team, name, query
):
    """The dashboard (`/deployments/` redirects to it, with its query)."""
    given = {"OTHER": str(other_team.pk), "BRAVO_BASE": str(bravo_base.pk)}
    query = {k: given.get(v, v) for k, v in query.items()}
    response = logged_in(alice).get(reverse(name), query, follow=True)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert {row.deployment.team_id for row in rows} <= {team.pk}
    ours = Deployment.objects.filter(team=team).count()
    assert response.context["page"].paginator.count <= ours
    if not set(query) & {"q", "level", "due"}:  # nothing of alice's is filtered out
        assert [row.deployment.pk for row in rows] == [alpha_deployment.pk]
    markers = [*BRAVO_MARKERS, "Frontier-X", str(other_team.pk), str(bravo_deployment.pk)]
    assert_absent(response, [*markers, f'value="{bravo_base.pk}"'])


def test_the_outsiders_dashboard_does_not_show_the_team(
    charlie, alpha_deployment, bravo_deployment, team
):
    response = logged_in(charlie).get(reverse("dashboard"), {"team": str(team.pk)})
    assert [row.deployment.pk for row in response.context["rows"]] == [bravo_deployment.pk]
    assert_absent(response, [*ALPHA_MARKERS, str(alpha_deployment.pk)])


@pytest.mark.parametrize("name", ["assessment_list", "deployments:base_models", "assessment_new"])
def test_other_pages_name_no_foreign_deployment(alice, alpha_deployment, bravo_deployment, name):
    response = logged_in(alice).get(reverse(name))
    assert response.status_code == 200
    assert_absent(response, [*BRAVO_MARKERS, str(bravo_deployment.pk)])


# The base model catalogue: shared, but not the deployments on it ----------------------------


@pytest.fixture
def shared_base(alpha_deployment, bravo_deployment) -> BaseModel:
    """A catalogue entry both teams' deployments are built on."""
    base = BaseModel.objects.create(provider="Mistral", name="Shared 8x22B", version="0.1")
    Deployment.objects.filter(pk__in=[alpha_deployment.pk, bravo_deployment.pk]).update(
        base_model=base
    )
    return base


@pytest.mark.parametrize(
    ("user", "mine", "theirs"),
    [
        ("alice", "alpha_deployment", "bravo_deployment"),
        ("vera", "alpha_deployment", "bravo_deployment"),
        ("charlie", "bravo_deployment", "alpha_deployment"),
    ],
)
def test_any_member_reads_a_base_model_but_sees_only_their_teams_deployments(
    request, shared_base, user, mine, theirs
):
    ours, foreign = request.getfixturevalue(mine), request.getfixturevalue(theirs)
    response = logged_in(request.getfixturevalue(user)).get(
        reverse("deployments:base_model", args=[shared_base.pk])
    )
    assert response.status_code == 200
    assert [row.deployment.pk for row in response.context["rows"]] == [ours.pk]
    assert response.context["all_teams_count"] is None
    assert "Across all teams" not in response.content.decode()
    markers = BRAVO_MARKERS if foreign.team.name == "Bravo" else ALPHA_MARKERS
    assert_absent(response, [*markers, foreign.name, str(foreign.pk)])


def test_staff_outside_every_team_see_a_bare_count(staff, shared_base, alpha_deployment):
    response = logged_in(staff).get(reverse("deployments:base_model", args=[shared_base.pk]))
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert response.context["all_teams_count"] == 2
    assert "<strong>2</strong> deployments built on it" in response.content.decode()
    assert_absent(response, [*ALPHA_MARKERS, *BRAVO_MARKERS])


def test_staff_in_a_team_see_its_deployments_and_only_a_count_of_the_others(
    team, shared_base, alpha_deployment, bravo_deployment
):
    member = make_user("stella")
    member.is_staff = True
    member.save()
    Membership.objects.create(team=team, user=member, role=Role.VIEWER)
    response = logged_in(member).get(reverse("deployments:base_model", args=[shared_base.pk]))
    assert [row.deployment.pk for row in response.context["rows"]] == [alpha_deployment.pk]
    assert response.context["all_teams_count"] == 2
    assert_absent(response, [*BRAVO_MARKERS, str(bravo_deployment.pk)])


@pytest.mark.parametrize(("user", "yours"), [("alice", 1), ("charlie", 1), ("staff", 0)])
def test_the_catalogue_counts_only_the_users_teams_deployments(request, shared_base, user, yours):
    response = logged_in(request.getfixturevalue(user)).get(reverse("deployments:base_models"))
    (listed,) = response.context["page"].object_list
    assert (listed.pk, listed.yours) == (shared_base.pk, yours)
    assert_absent(response, ["Alpha submitted", "Bravo unreleased"])


def test_an_unknown_base_model_is_not_found_and_anonymous_users_are_sent_to_log_in(
    client, alice, shared_base
):
    unknown = shared_base.pk + 1000
    assert logged_in(alice).get(reverse("deployments:base_model", args=[unknown])).status_code == (
        404
    )
    real = client.get(reverse("deployments:base_model", args=[shared_base.pk]))
    guessed = client.get(reverse("deployments:base_model", args=[unknown]))
    assert real.status_code == guessed.status_code == 302
    assert real["Location"].replace(str(shared_base.pk), "ID") == guessed["Location"].replace(
        str(unknown), "ID"
    )
