"""/deployments/: the deployments of the user's teams, filtered, paginated, in fixed queries."""

import math
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from riskassess.assessments import services
from riskassess.deployments.dashboard import PAGE_SIZE
from riskassess.deployments.models import Lifecycle
from tests.deployments.factories import (
    add_revision,
    make_assessment,
    make_base_model,
    make_deployment,
)

LIST = reverse("dashboard")


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
@pytest.mark.parametrize(
    "query",
    [
        {},
        {"sort": "level", "level": "medium", "q": "bot", "lifecycle": "production"},
        {"sort": "base"},
    ],
    ids=["default", "filtered", "by-base-model"],
)
def test_it_takes_the_same_queries_whatever_the_data_size(
    client, vera, team, count, query, django_assert_num_queries
):
    fill(team, count)
    client.force_login(vera)
    # Session, user, the user's teams (for the filter), the base models they use
    # (for the filter), the count, the page's keys, its deployments (their level and
    # review date are stored on them), their current assessments,
    # the nav's unread count (notifications/context.py).
    with django_assert_num_queries(9):
        response = client.get(LIST, query)
    assert len(response.context["rows"]) == min(count, PAGE_SIZE)


def test_it_never_scores_a_row(client, vera, team, monkeypatch):
    """Levels, completeness and review dates are read as stored, whatever the page."""
    fill(team, 3)

    def refuse(data):
        raise AssertionError("the dashboard scored an assessment")

    monkeypatch.setattr("riskassess.assessments.data.score_data", refuse)
    monkeypatch.setattr("riskassess.assessments.summary.score_data", refuse)
    client.force_login(vera)
    assert client.get(LIST, {"sort": "level"}).status_code == 200


def names(client, query):
    response = client.get(LIST, query)
    assert response.status_code == 200
    return [row.deployment.name for row in response.context["rows"]]


def test_it_filters_by_latest_level_including_never_submitted(client, vera, team):
    for name, level in [("Critical bot", "critical"), ("Low bot", "low"), ("New bot", None)]:
        deployment = make_deployment(team, name)
        assessment = make_assessment(deployment, submitted=level is not None)
        if level:
            add_revision(assessment, level=level)
    client.force_login(vera)
    assert names(client, {"level": "critical"}) == ["Critical bot"]
    assert names(client, {"level": "low"}) == ["Low bot"]
    assert names(client, {"level": "none"}) == ["New bot"]


def test_the_level_is_the_latest_revisions_across_assessments(client, vera, team):
    deployment = make_deployment(team, "Bot")
    earlier = timezone.now() - timedelta(days=40)
    add_revision(
        make_assessment(deployment, submitted=True, created_at=earlier), level="low", at=earlier
    )
    add_revision(make_assessment(deployment, submitted=True), level="high")
    client.force_login(vera)
    assert names(client, {"level": "high"}) == ["Bot"]
    assert names(client, {"level": "low"}) == []


def test_it_sorts_by_level_worst_first_then_name(client, vera, team):
    for name, level in [
        ("B", "low"),
        ("A", "critical"),
        ("C", "medium"),
        ("D", None),
        ("E", "critical"),
    ]:
        deployment = make_deployment(team, name)
        if level:
            add_revision(make_assessment(deployment, submitted=True), level=level)
    client.force_login(vera)
    assert names(client, {"sort": "level"}) == ["A", "E", "C", "B", "D"]


def test_it_sorts_by_next_review_soonest_first_and_retired_last(client, vera, team):
    now = timezone.now()
    due_later = make_deployment(team, "Reviewed last month")
    add_revision(make_assessment(due_later, submitted=True), at=now - timedelta(days=30))
    overdue = make_deployment(team, "Reviewed two years ago")
    add_revision(make_assessment(overdue, submitted=True), at=now - timedelta(days=730))
    make_deployment(team, "Retired", lifecycle=Lifecycle.RETIRED)
    make_deployment(team, "Never assessed")
    client.force_login(vera)
    assert names(client, {}) == [
        "Reviewed two years ago",  # due a year ago
        "Never assessed",  # due since it was created, today
        "Reviewed last month",  # due in eleven months
        "Retired",  # never due
    ]
    assert names(client, {"due": "overdue"}) == ["Reviewed two years ago"]
    assert names(client, {"due": "now"}) == ["Reviewed two years ago", "Never assessed"]
    assert names(client, {"due": "never"}) == ["Never assessed"]
    assert names(client, {"due": "30"}) == ["Reviewed two years ago", "Never assessed"]


def test_an_overdue_row_is_marked_and_says_overdue(client, vera, team):
    deployment = make_deployment(team, "Old bot")
    add_revision(
        make_assessment(deployment, submitted=True), at=timezone.now() - timedelta(days=800)
    )
    client.force_login(vera)
    body = client.get(LIST).content.decode()
    row = body[body.index('class="ra-overdue"') :]
    assert "Old bot" in row[: row.index("</tr>")]
    assert "Overdue" in row[: row.index("</tr>")]


def test_it_searches_names_models_and_base_models(client, vera, team):
    base = make_base_model(provider="Mistral", name="Large 2")
    make_deployment(team, "Claims triage", model_name="triage 1.2")
    make_deployment(team, "Support bot", model_name="helpdesk 3", base_model=base)
    make_deployment(team, "HR screener", base_model_text="Qwen 72B")
    client.force_login(vera)
    assert names(client, {"q": "TRIAGE"}) == ["Claims triage"]
    assert names(client, {"q": "helpdesk"}) == ["Support bot"]
    assert names(client, {"q": "mistral"}) == ["Support bot"]
    assert names(client, {"q": "qwen"}) == ["HR screener"]
    assert names(client, {"q": "nothing like it"}) == []


def test_it_filters_by_base_model_offering_only_those_in_use(client, vera, team, other_team):
    used = make_base_model(name="Used")
    unused = make_base_model(name="Unused")
    foreign = make_base_model(name="Foreign only")
    make_deployment(team, "On used", base_model=used)
    make_deployment(team, "Typed")
    make_deployment(other_team, "Elsewhere", base_model=foreign)
    client.force_login(vera)
    response = client.get(LIST, {"base": used.pk})
    assert [r.deployment.name for r in response.context["rows"]] == ["On used"]
    offered = [value for value, _ in response.context["filters"].fields["base"].choices]
    assert str(used.pk) in offered
    assert str(unused.pk) not in offered and str(foreign.pk) not in offered
    # A base model the user's deployments do not use is not applied, so reveals nothing.
    assert names(client, {"base": foreign.pk}) == ["On used", "Typed"]


def test_it_sorts_by_team_and_base_model(client, alice, team, other_team):
    other_team.memberships.create(user=alice, role="viewer")
    make_deployment(other_team, "Zed", base_model=make_base_model(provider="Aleph", name="A"))
    make_deployment(team, "Yak", base_model=make_base_model(provider="Zeta", name="Z"))
    client.force_login(alice)
    by_team = names(client, {"sort": "team"})
    assert by_team == sorted(
        by_team, key=lambda n: {"Zed": other_team.name, "Yak": team.name}[n].lower()
    )
    assert names(client, {"sort": "base"}) == ["Zed", "Yak"]


def test_an_unknown_sort_falls_back_to_the_due_date(client, vera, team):
    make_deployment(team, "Bot")
    client.force_login(vera)
    response = client.get(LIST, {"sort": "password"})
    assert response.status_code == 200 and response.context["sort"] == "due"


def test_it_shows_the_current_drafts_stored_completeness(client, alice, team, assessment):
    """The current assessment's completeness is the stored one (assessments/summary.py)."""
    item = assessment.checklist.items.filter(active=True).first()
    services.save_answer(
        assessment=assessment, item_key=item.key, option_key="no", comment="",
        expected_version=0, user=alice,
    )  # fmt: skip
    client.force_login(alice)
    body = client.get(LIST).content.decode()
    assessment.refresh_from_db()
    assert assessment.summary_completeness is not None
    link = reverse("assessment", args=[assessment.pk])
    assert f'href="{link}">Open<span class="visually-hidden"> the current assessment of' in body
    shown = f"{math.floor(assessment.summary_completeness * 100)}% answered"
    assert body.count(shown) == 2  # in its column, and under the name on a phone


def test_the_old_deployments_address_goes_to_the_dashboard_with_its_filters(client, vera, team):
    client.force_login(vera)
    response = client.get(reverse("deployments:list"), {"lifecycle": "planned"})
    assert response.status_code == 302
    assert response.url == f"{LIST}?lifecycle=planned"
