from django.urls import reverse

from riskassess.accounts.models import Membership, Role, Team
from riskassess.assessments import services
from riskassess.assessments.models import Status
from tests.conftest import make_user, set_profile

DASHBOARD = reverse("assessment_list")


def make_assessment(user, team, checklist, title="Support assistant"):
    return services.create_assessment(
        user=user,
        team=team,
        checklist=checklist,
        title=title,
        model_name="assistant 1.0",
        base_model="Llama 3",
        context="Customer support chat.",
    )


def answer(assessment, user, item_key="INQ-01", option="no"):
    services.save_answer(
        assessment=assessment,
        item_key=item_key,
        option_key=option,
        comment="",
        expected_version=0,
        user=user,
    )


def test_it_needs_a_login(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_lists_the_assessments_of_the_users_teams(client, alice, checklist):
    make_assessment(alice, alice.memberships.get().team, checklist, title="Chat helper")
    client.force_login(alice)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert "Chat helper" in response.content.decode()


def test_it_hides_other_teams_assessments(client, alice, team, charlie, other_team, checklist):
    make_assessment(charlie, other_team, checklist, title="Bravo secret")
    client.force_login(alice)
    assert "Bravo secret" not in client.get(DASHBOARD).content.decode()


def test_it_shows_score_level_and_completeness(client, alice, team, checklist):
    assessment = make_assessment(alice, team, checklist)
    answer(assessment, alice)
    client.force_login(alice)
    row = client.get(DASHBOARD).context["rows"][0]
    assert (row.score, row.level) == (100.0, "critical")
    assert 0 < row.completeness < 100 and row.provisional


def test_it_shows_not_assessed_without_answers(client, alice, team, checklist):
    make_assessment(alice, team, checklist)
    client.force_login(alice)
    body = client.get(DASHBOARD).content.decode()
    assert "level-none" in body and "Not assessed" in body
    assert "provisional" in body


def test_it_filters_by_team(client, alice, team, checklist):
    second = Team.objects.create(name="Second")
    Membership.objects.create(team=second, user=alice, role=Role.OWNER)
    make_assessment(alice, team, checklist, title="In Alpha")
    make_assessment(alice, second, checklist, title="In Second")
    client.force_login(alice)
    body = client.get(DASHBOARD, {"team": second.pk}).content.decode()
    assert "In Second" in body and "In Alpha" not in body


def test_it_ignores_a_foreign_team_filter(client, alice, team, charlie, other_team, checklist):
    make_assessment(alice, team, checklist, title="In Alpha")
    make_assessment(charlie, other_team, checklist, title="Bravo secret")
    client.force_login(alice)
    body = client.get(DASHBOARD, {"team": other_team.pk}).content.decode()
    assert "In Alpha" in body and "Bravo secret" not in body


def test_it_ignores_a_malformed_team_filter(client, alice, team, checklist):
    make_assessment(alice, team, checklist, title="In Alpha")
    client.force_login(alice)
    response = client.get(DASHBOARD, {"team": "not-a-uuid", "status": "bogus"})
    assert response.status_code == 200
    assert "In Alpha" in response.content.decode()


def test_it_filters_by_status(client, alice, team, checklist):
    make_assessment(alice, team, checklist, title="Still a draft")
    client.force_login(alice)
    assert "Still a draft" in client.get(DASHBOARD, {"status": Status.DRAFT}).content.decode()
    body = client.get(DASHBOARD, {"status": Status.SUBMITTED}).content.decode()
    assert "Still a draft" not in body and "No assessments match" in body


def test_it_paginates_by_25(client, alice, team, checklist):
    for n in range(27):
        make_assessment(alice, team, checklist, title=f"Assessment {n}")
    client.force_login(alice)
    assert len(client.get(DASHBOARD).context["rows"]) == 25
    assert len(client.get(DASHBOARD, {"page": 2}).context["rows"]) == 2


def test_it_offers_new_assessment_to_editors(client, bob, checklist):
    client.force_login(bob)
    assert reverse("assessment_new") in client.get(DASHBOARD).content.decode()


def test_it_hides_new_assessment_from_viewers(client, vera, checklist):
    client.force_login(vera)
    response = client.get(DASHBOARD)
    assert reverse("assessment_new") not in response.content.decode()
    assert not response.context["can_create"]


def test_it_helps_when_there_are_no_assessments(client, alice):
    client.force_login(alice)
    body = client.get(DASHBOARD).content.decode()
    assert "No assessments yet — start one" in body
    assert reverse("assessment_new") in body


def test_it_tells_a_user_without_a_team(client, db):
    client.force_login(make_user("dana"))
    assert "You are not in a team yet" in client.get(DASHBOARD).content.decode()


def _dashboard_queries(client, django_assert_num_queries) -> None:
    # session, user, the user's teams with roles, the page count, the page's keys,
    # its assessments: their scores are stored (assessments/summary.py), nothing is scored;
    # the nav's unread count (notifications/context.py)
    with django_assert_num_queries(7):
        assert client.get(DASHBOARD).status_code == 200


def test_its_queries_do_not_grow_with_assessments(
    client, alice, team, checklist, django_assert_num_queries
):
    client.force_login(alice)
    for n in range(30):
        assessment = make_assessment(alice, team, checklist, title=f"Assessment {n}")
        answer(assessment, alice, option="yes" if n % 2 else "partly")
        if n == 2:
            _dashboard_queries(client, django_assert_num_queries)
    _dashboard_queries(client, django_assert_num_queries)


def test_format_2_drafts_add_no_query(
    client, alice, team, checklist, v2_checklist, django_assert_num_queries
):
    """Version 2 drafts beside version 1 ones: their stored scores are read like any other."""
    client.force_login(alice)

    def queries():
        with django_assert_num_queries(7):  # +1: the nav's unread count (notifications/context.py)
            page = client.get(DASHBOARD)
        assert page.status_code == 200
        return page

    for n in range(12):
        on = v2_checklist if n % 2 else checklist
        assessment = make_assessment(alice, team, on, title=f"Assessment {n}")
        answer(assessment, alice, option="yes")
        if on == v2_checklist:
            set_profile(assessment, alice, **{"P-USERS": "staff", "P-DECISIONS": "none"})
        if n == 1:
            queries()
    assert "Assessment 11" in queries().content.decode()
