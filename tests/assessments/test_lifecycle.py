import pytest
from django.test import Client
from django.urls import reverse

from riskassess.assessments import services
from riskassess.assessments.models import Assessment, Event, Status
from riskassess.checklist.models import Checklist
from riskassess.checklist.models import Status as ChecklistStatus

DETAILS = {
    "title": "Support assistant",
    "model_name": "assistant 1.0",
    "base_model": "Llama 3",
    "context": "Customer support chat.",
}


@pytest.fixture
def assessment(alice, team, checklist):
    return services.create_assessment(user=alice, team=team, checklist=checklist, **DETAILS)


def answer_required(assessment, user) -> None:
    for item in assessment.checklist.items.filter(required=True, active=True):
        services.save_answer(
            assessment=assessment,
            item_key=item.key,
            option_key="yes",
            comment="",
            expected_version=0,
            user=user,
        )


@pytest.fixture
def submitted(assessment, alice):
    answer_required(assessment, alice)
    return services.submit(assessment=assessment, user=alice)


def url(name: str, assessment) -> str:
    return reverse(name, args=[assessment.pk])


def status_for(client, user, method: str, path: str, data=None) -> int:
    client.logout()
    if user is not None:
        client.force_login(user)
    return getattr(client, method)(path, data or {}).status_code


def assert_login_redirect(client, method: str, path: str) -> None:
    client.logout()
    response = getattr(client, method)(path)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# Access sweeps: anonymous → login, outsider → 404, too-weak role → 403, right role → OK.


def test_it_sweeps_access_to_assessment_home(client, assessment, vera, charlie):
    path = url("assessment", assessment)
    assert_login_redirect(client, "get", path)
    assert status_for(client, charlie, "get", path) == 404
    assert status_for(client, vera, "get", path) == 302


def test_it_sweeps_access_to_the_details_page(client, assessment, alice, bob, vera, charlie):
    path = url("assessment_edit", assessment)
    assert_login_redirect(client, "get", path)
    assert_login_redirect(client, "post", path)
    assert status_for(client, charlie, "get", path) == 404
    assert status_for(client, charlie, "post", path, DETAILS) == 404
    assert status_for(client, vera, "get", path) == 200
    assert status_for(client, vera, "post", path, DETAILS) == 403
    assert status_for(client, bob, "post", path, DETAILS) == 302
    assert status_for(client, alice, "get", path) == 200


@pytest.mark.parametrize("name", ["assessment_submit", "assessment_reopen"])
def test_it_sweeps_access_to_lifecycle_actions(client, submitted, alice, bob, vera, charlie, name):
    path = url(name, submitted)
    assert_login_redirect(client, "post", path)
    assert status_for(client, charlie, "post", path) == 404
    assert status_for(client, vera, "post", path) == 403
    assert status_for(client, bob, "post", path) == 403
    assert status_for(client, alice, "post", path) == 302


def test_it_sweeps_access_to_delete(client, assessment, alice, bob, vera, charlie):
    path = url("assessment_delete", assessment)
    assert_login_redirect(client, "get", path)
    assert status_for(client, charlie, "get", path) == 404
    assert status_for(client, charlie, "post", path) == 404
    assert status_for(client, vera, "post", path) == 403
    assert status_for(client, bob, "get", path) == 403
    assert status_for(client, bob, "post", path) == 403
    assert status_for(client, alice, "get", path) == 200
    assert status_for(client, alice, "post", path) == 302


def test_it_sweeps_access_to_new(client, alice, bob, vera, checklist):
    path = reverse("assessment_new")
    assert_login_redirect(client, "get", path)
    assert status_for(client, vera, "get", path) == 403
    assert status_for(client, bob, "get", path) == 200
    assert status_for(client, alice, "get", path) == 200


@pytest.mark.parametrize(
    "name", ["assessment_edit", "assessment_submit", "assessment_reopen", "assessment_delete"]
)
def test_it_enforces_csrf(alice, assessment, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(url(name, assessment), DETAILS).status_code == 403
    assert Assessment.objects.filter(pk=assessment.pk, title=DETAILS["title"]).exists()


def test_it_enforces_csrf_on_new(alice, checklist):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(reverse("assessment_new"), DETAILS).status_code == 403
    assert not Assessment.objects.exists()


# New assessment


def new_data(team, checklist, **extra):
    return {**DETAILS, "team": team.pk, "checklist": checklist.pk, **extra}


def test_it_creates_an_assessment_and_starts_the_questionnaire(client, alice, team, checklist):
    client.force_login(alice)
    response = client.post(reverse("assessment_new"), new_data(team, checklist))
    assessment = Assessment.objects.get()
    assert response.status_code == 302
    assert response.url == url("questionnaire_start", assessment)
    assert (assessment.team, assessment.created_by, assessment.status) == (team, alice, "draft")
    assert assessment.events.get().kind == Event.Kind.CREATED


def test_it_ignores_posted_status_and_snapshot(client, alice, team, checklist):
    client.force_login(alice)
    data = new_data(team, checklist, status="submitted", snapshot='{"items": []}')
    client.post(reverse("assessment_new"), data)
    assessment = Assessment.objects.get()
    assert assessment.status == Status.DRAFT and assessment.snapshot is None


def test_it_refuses_another_teams_id(client, alice, team, other_team, checklist):
    client.force_login(alice)
    response = client.post(reverse("assessment_new"), new_data(other_team, checklist))
    assert response.status_code == 200
    assert "team" in response.context["form"].errors
    assert not Assessment.objects.exists()


def test_it_refuses_a_team_where_the_user_only_views(client, alice, bob, vera, team, checklist):
    # bob edits Alpha, vera views it: "any member is an editor" must not count for vera.
    client.force_login(vera)
    response = client.post(reverse("assessment_new"), new_data(team, checklist))
    assert response.status_code == 403
    assert not Assessment.objects.exists()


def test_it_names_the_field_and_limit_of_an_overlong_title(client, alice, team, checklist):
    client.force_login(alice)
    data = new_data(team, checklist, title="x" * 201)
    response = client.post(reverse("assessment_new"), data)
    assert response.status_code == 200
    assert "Title can be at most 200 characters (this one has 201)." in response.content.decode()
    assert not Assessment.objects.exists()


def test_it_names_the_limit_of_an_overlong_context(client, alice, team, checklist):
    client.force_login(alice)
    response = client.post(reverse("assessment_new"), new_data(team, checklist, context="x" * 5001))
    assert "Deployment context can be at most 5000 characters" in response.content.decode()


def test_it_refuses_a_nul_byte_without_a_500(client, alice, team, checklist):
    client.force_login(alice)
    response = client.post(reverse("assessment_new"), new_data(team, checklist, title="a\x00b"))
    assert response.status_code == 200
    assert not Assessment.objects.exists()


def test_it_defaults_to_the_foundation_model_checklist(client, alice, checklist):
    client.force_login(alice)
    form = client.get(reverse("assessment_new")).context["form"]
    assert form.fields["checklist"].initial == checklist.pk
    assert form.fields["checklist"].widget.is_hidden


def test_it_says_when_no_checklist_is_published(client, alice, checklist):
    Checklist.objects.update(status=ChecklistStatus.DRAFT)
    client.force_login(alice)
    response = client.get(reverse("assessment_new"))
    assert "No checklist is published yet" in response.content.decode()


# Details


def test_it_lets_an_editor_edit_a_draft(client, bob, assessment):
    client.force_login(bob)
    response = client.post(url("assessment_edit", assessment), {**DETAILS, "title": "Renamed"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.title == "Renamed"


def test_it_keeps_team_and_status_when_details_are_posted(client, bob, assessment, other_team):
    client.force_login(bob)
    data = {**DETAILS, "team": other_team.pk, "status": "submitted"}
    client.post(url("assessment_edit", assessment), data)
    assessment.refresh_from_db()
    assert assessment.team_id != other_team.pk and assessment.status == Status.DRAFT


def test_it_shows_a_submitted_assessment_read_only(client, bob, submitted):
    client.force_login(bob)
    response = client.get(url("assessment_edit", submitted))
    assert response.context["form"] is None
    assert "details are locked" in response.content.decode()


def test_it_refuses_to_edit_a_submitted_assessment(client, bob, submitted):
    client.force_login(bob)
    response = client.post(url("assessment_edit", submitted), {**DETAILS, "title": "Changed"})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.title == DETAILS["title"]


def test_it_shows_the_history(client, vera, submitted):
    client.force_login(vera)
    body = client.get(url("assessment_edit", submitted)).content.decode()
    assert "Created</span> by alice" in body and "Submitted</span> by alice" in body


def test_it_explains_why_submit_is_disabled(client, alice, assessment):
    client.force_login(alice)
    body = client.get(url("assessment_edit", assessment)).content.decode()
    required = assessment.checklist.items.filter(required=True, active=True).count()
    assert f"{required} required items unanswered" in body
    assert "disabled" in body


def test_it_hides_owner_actions_from_editors(client, bob, assessment):
    client.force_login(bob)
    body = client.get(url("assessment_edit", assessment)).content.decode()
    assert url("assessment_submit", assessment) not in body


def test_assessment_home_redirects_to_results(client, vera, assessment):
    client.force_login(vera)
    assert client.get(url("assessment", assessment)).url == url("results", assessment)


# Submit, reopen, delete


def test_it_submits_a_complete_assessment(client, alice, assessment):
    answer_required(assessment, alice)
    client.force_login(alice)
    response = client.post(url("assessment_submit", assessment))
    assert response.url == url("results", assessment)
    assessment.refresh_from_db()
    assert assessment.status == Status.SUBMITTED


def test_it_refuses_to_submit_an_incomplete_assessment(client, alice, assessment):
    client.force_login(alice)
    response = client.post(url("assessment_submit", assessment), follow=True)
    assert "required items are still unanswered" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == Status.DRAFT


def test_it_refuses_to_submit_twice(client, alice, submitted):
    client.force_login(alice)
    response = client.post(url("assessment_submit", submitted), follow=True)
    assert "already submitted" in response.content.decode()


@pytest.mark.parametrize("name", ["assessment_submit", "assessment_reopen"])
def test_it_refuses_get_on_lifecycle_actions(client, alice, submitted, name):
    client.force_login(alice)
    assert client.get(url(name, submitted)).status_code == 405


def test_it_reopens_with_a_note(client, alice, submitted):
    client.force_login(alice)
    response = client.post(url("assessment_reopen", submitted), {"note": "New data source"})
    assert response.url == url("results", submitted)
    submitted.refresh_from_db()
    assert submitted.status == Status.DRAFT
    assert submitted.events.last().note == "New data source"


def test_it_refuses_an_overlong_reopen_note(client, alice, submitted):
    client.force_login(alice)
    response = client.post(url("assessment_reopen", submitted), {"note": "x" * 501}, follow=True)
    assert "Note can be at most 500 characters" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_it_refuses_to_reopen_a_draft(client, alice, assessment):
    client.force_login(alice)
    response = client.post(url("assessment_reopen", assessment), follow=True)
    assert "Not reopened: This assessment cannot be reopened: it is a draft." in (
        response.content.decode()
    )


def test_it_asks_before_deleting(client, alice, assessment):
    client.force_login(alice)
    response = client.get(url("assessment_delete", assessment))
    assert "Delete this assessment?" in response.content.decode()
    assert Assessment.objects.filter(pk=assessment.pk).exists()


def test_it_deletes_and_returns_to_the_dashboard(client, alice, assessment):
    client.force_login(alice)
    response = client.post(url("assessment_delete", assessment), follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert "Deleted the assessment" in response.content.decode()
    assert not Assessment.objects.filter(pk=assessment.pk).exists()
