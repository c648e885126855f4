"""/deployments/<id>/: details, assessments with their revisions, and the next review."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from riskassess.deployments.models import Lifecycle
from riskassess.deployments.review import add_months
from tests.deployments.factories import (
    add_revision,
    make_assessment,
    make_base_model,
    make_deployment,
)


@pytest.fixture
def deployment(team, alice):
    return make_deployment(team, owner=alice)


def url(deployment) -> str:
    return reverse("deployments:detail", args=[deployment.pk])


def test_it_sweeps_access(client, deployment, vera, charlie):
    response = client.get(url(deployment))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    client.force_login(charlie)
    assert client.get(url(deployment)).status_code == 404
    client.force_login(vera)
    assert client.get(url(deployment)).status_code == 200


def test_an_unknown_id_is_not_found(client, vera):
    client.force_login(vera)
    missing = reverse("deployments:detail", args=["00000000-0000-4000-8000-000000000000"])
    assert client.get(missing).status_code == 404


def test_it_lists_assessments_with_their_revisions_and_links(client, vera, deployment):
    assessment = make_assessment(deployment, title="Launch review", submitted=True)
    add_revision(assessment, level="high", score=62.5)
    client.force_login(vera)
    body = client.get(url(deployment)).content.decode()
    assert "Launch review" in body
    assert "Foundation model risks v1" in body
    assert "62.5" in body
    assert reverse("revision_results", args=[assessment.pk, 1]) in body
    assert reverse("revision_pdf", args=[assessment.pk, 1]) in body


def test_a_deployment_never_assessed_is_due_now(client, vera, deployment):
    client.force_login(vera)
    response = client.get(url(deployment))
    assert response.context["detail"].review.state == "never"
    body = response.content.decode()
    assert "Due now" in body and "never assessed" in body


def test_the_next_review_is_the_interval_after_the_latest_submission(client, vera, team):
    deployment = make_deployment(team, review_months=6)
    submitted = timezone.now() - timedelta(days=1)
    add_revision(make_assessment(deployment, submitted=True), at=submitted)
    client.force_login(vera)
    review = client.get(url(deployment)).context["detail"].review
    assert review.state == "scheduled"
    # The rule itself is tested with fixed dates in test_review.py.
    assert review.due == add_months(timezone.localdate(submitted), 6)


def test_a_past_review_date_is_marked_overdue(client, vera, deployment):
    long_ago = datetime(2020, 1, 15, 12, tzinfo=UTC)
    add_revision(make_assessment(deployment, submitted=True), at=long_ago)
    client.force_login(vera)
    body = client.get(url(deployment)).content.decode()
    assert "15 Jan 2021" in body and "Overdue" in body


def test_it_says_when_the_base_model_was_superseded(client, vera, team):
    newer = make_base_model(name="Llama 3.1 70B")
    older = make_base_model(
        name="Llama 3 70B", superseded_by=newer, superseded_at=date(2024, 7, 23)
    )
    deployment = make_deployment(team, base_model=older)
    add_revision(make_assessment(deployment, submitted=True), at=datetime(2024, 3, 1, tzinfo=UTC))
    client.force_login(vera)
    body = client.get(url(deployment)).content.decode()
    assert "Re-assessment needed:" in body
    assert "base model <a" in body and "Meta Llama 3 70B</a> was superseded by" in body
    assert "Meta Llama 3.1 70B</a> on 23 Jul 2024." in body


def test_a_base_model_as_typed_prompts_editors_to_pick_the_catalogue_entry(
    client, bob, vera, deployment
):
    edit = reverse("deployments:edit", args=[deployment.pk])
    client.force_login(bob)
    body = client.get(url(deployment)).content.decode()
    assert "an open 70B model" in body and "(as typed)" in body
    assert f'href="{edit}">Pick its catalogue entry' in body
    client.force_login(vera)
    assert "Pick its catalogue entry" not in client.get(url(deployment)).content.decode()


def test_editors_get_the_new_assessment_button_viewers_do_not(client, bob, vera, deployment):
    button = f"{reverse('assessment_new')}?deployment={deployment.pk}"
    client.force_login(bob)
    assert button in client.get(url(deployment)).content.decode()
    client.force_login(vera)
    assert button not in client.get(url(deployment)).content.decode()


def test_a_retired_deployment_offers_no_new_assessment(client, alice, team):
    deployment = make_deployment(team, lifecycle=Lifecycle.RETIRED)
    client.force_login(alice)
    response = client.get(url(deployment))
    assert "?deployment=" not in response.content.decode()
    assert response.context["detail"].review.state == "retired"


def test_the_assessment_header_links_to_its_deployment(client, vera, deployment):
    assessment = make_assessment(deployment)
    client.force_login(vera)
    body = client.get(reverse("assessment_edit", args=[assessment.pk])).content.decode()
    assert f'href="{url(deployment)}"' in body


def test_it_takes_the_same_queries_whatever_the_number_of_assessments(
    client, vera, deployment, django_assert_max_num_queries
):
    for n in range(6):
        add_revision(make_assessment(deployment, title=f"Review {n}", submitted=True))
    client.force_login(vera)
    # Session, user, the deployment with the role, its assessments, their revisions,
    # its open and overdue actions (riskassess/actions), the nav's unread count
    # (notifications/context.py).
    with django_assert_max_num_queries(7):
        client.get(url(deployment))
