"""/deployments/: the deployments of the user's teams, filtered, paginated, in fixed queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from riskassess.deployments.models import Lifecycle
from riskassess.deployments.views import PAGE_SIZE
from tests.deployments.factories import add_revision, make_assessment, make_deployment

LIST = reverse("deployments:list")


def test_it_needs_a_login(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_lists_only_the_users_teams_deployments(client, vera, team, charlie, other_team):
    make_deployment(team, "Alpha bot")
    make_deployment(other_team, "Bravo secret bot")
    client.force_login(vera)
    body = client.get(LIST).content.decode()
    assert "Alpha bot" in body
    assert "Bravo secret bot" not in body


def test_it_shows_the_latest_assessments_status_and_the_latest_revisions_level(client, vera, team):
    deployment = make_deployment(team)
    earlier = timezone.now() - timedelta(days=30)
    first = make_assessment(deployment, submitted=True, created_at=earlier)
    add_revision(first, level="critical", at=earlier)
    make_assessment(deployment, title="Re-assessment")  # a newer draft
    client.force_login(vera)
    (row,) = client.get(LIST).context["rows"]
    assert row.latest.title == "Re-assessment" and row.latest.state.label == "Draft"
    # The draft is not scored here: the level is the latest revision's.
    assert row.level == "critical"


def test_a_deployment_never_submitted_says_so(client, vera, team):
    make_assessment(make_deployment(team))
    client.force_login(vera)
    response = client.get(LIST)
    assert response.context["rows"][0].level is None
    assert "Not submitted" in response.content.decode()
    assert "never assessed" in response.content.decode()


def test_it_filters_by_team_and_stage(client, alice, team, other_team):
    other_team.memberships.create(user=alice, role="viewer")
    make_deployment(team, "Alpha planned", lifecycle=Lifecycle.PLANNED)
    make_deployment(team, "Alpha live")
    make_deployment(other_team, "Bravo live")
    client.force_login(alice)

    def names(query):
        return [row.deployment.name for row in client.get(LIST, query).context["rows"]]

    assert names({"team": team.pk}) == ["Alpha live", "Alpha planned"]
    assert names({"lifecycle": "planned"}) == ["Alpha planned"]
    assert names({"team": other_team.pk, "lifecycle": "production"}) == ["Bravo live"]


def test_a_foreign_team_filter_is_dropped_not_applied(client, vera, team, other_team):
    make_deployment(team, "Alpha bot")
    make_deployment(other_team, "Bravo bot")
    client.force_login(vera)
    response = client.get(LIST, {"team": other_team.pk})
    assert [r.deployment.name for r in response.context["rows"]] == ["Alpha bot"]


def test_it_paginates(client, vera, team):
    for n in range(PAGE_SIZE + 1):
        make_deployment(team, f"Bot {n:02d}")
    client.force_login(vera)
    assert len(client.get(LIST).context["rows"]) == PAGE_SIZE
    assert len(client.get(LIST, {"page": 2}).context["rows"]) == 1


def fill(team, count: int) -> None:
    """`count` deployments, each with a submitted assessment and a newer draft."""
    for n in range(count):
        deployment = make_deployment(team, f"Bot {n:02d}")
        add_revision(make_assessment(deployment, submitted=True), level="medium")
        make_assessment(deployment, title=f"Bot {n:02d} again")


@pytest.mark.parametrize("count", [2, PAGE_SIZE + 5])
def test_it_takes_the_same_queries_whatever_the_data_size(
    client, vera, team, count, django_assert_num_queries
):
    fill(team, count)
    client.force_login(vera)
    # Session, user, the user's teams (for the filter), the count, the page of
    # deployments (with their summaries as subqueries), their latest assessments.
    with django_assert_num_queries(6):
        response = client.get(LIST)
    assert len(response.context["rows"]) == min(count, PAGE_SIZE)
