"""Who reaches the assignment pages: 404 outsiders, 403 too weak a role, login for anonymous."""

import uuid

import pytest
from django.urls import reverse

from riskassess.work.models import Assignment
from tests.conftest import new_assessment

ITEM = "INQ-01"


@pytest.fixture
def open_assignment(give, bob):
    return give(bob)


def requests(assessment_id, assignment_id, assignee_pk):
    assign = reverse("assign", args=[assessment_id])
    return [
        ("get", f"{assign}?item={ITEM}", {}),
        ("post", assign, {"item": ITEM, "assignee": assignee_pk}),
        ("post", reverse("assignment_done", args=[assessment_id, assignment_id]), {}),
    ]


def test_an_outsider_gets_not_found_as_for_a_random_id(
    client_for, charlie, assessment, open_assignment, bob
):
    client = client_for(charlie)
    for ids in [(assessment.pk, open_assignment.pk), (uuid.uuid4(), uuid.uuid4())]:
        codes = [
            getattr(client, m)(url, data).status_code for m, url, data in requests(*ids, bob.pk)
        ]
        assert codes == [404, 404, 404]
    assert Assignment.objects.get().done_at is None


@pytest.mark.parametrize("who", ["vera", "rita"])
def test_a_viewer_or_reviewer_may_not_assign_or_close_others_work(
    client_for, assessment, open_assignment, bob, vera, rita, who
):
    client = client_for({"vera": vera, "rita": rita}[who])
    codes = [
        getattr(client, m)(url, data).status_code
        for m, url, data in requests(assessment.pk, open_assignment.pk, bob.pk)
    ]
    assert codes == [403, 403, 403]
    assert Assignment.objects.get().done_at is None


def test_anonymous_is_sent_to_log_in(client, assessment, open_assignment, bob):
    for method, url, data in requests(assessment.pk, open_assignment.pk, bob.pk):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    response = client.get(reverse("my_work"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_assignment_of_another_assessment_is_not_found(
    client_for, alice, team, checklist, open_assignment
):
    other = new_assessment(alice, team, checklist, title="Another")
    url = reverse("assignment_done", args=[other.pk, open_assignment.pk])
    assert client_for(alice).post(url).status_code == 404
