"""Marking an assignment done: the assignee or any editor; back where it was asked."""

from django.urls import reverse

from riskassess.accounts.models import Membership, Role


def done_url(assignment):
    return reverse("assignment_done", args=[assignment.assessment_id, assignment.pk])


def test_the_assignee_marks_it_done(client_for, give, bob):
    assignment = give(bob)
    response = client_for(bob).post(done_url(assignment))
    assert response.status_code == 302 and response["Location"] == reverse("my_work")
    assignment.refresh_from_db()
    assert assignment.done_at is not None
    assert [h.history_type for h in assignment.history.all()] == ["~", "+"]


def test_any_editor_marks_it_done(client_for, give, alice, bob):
    assignment = give(alice)
    client_for(bob).post(done_url(assignment))
    assignment.refresh_from_db()
    assert assignment.done_at is not None


def test_an_assignee_who_became_a_viewer_still_closes_their_own(client_for, give, bob):
    assignment = give(bob)
    Membership.objects.filter(user=bob).update(role=Role.VIEWER)
    assert client_for(bob).post(done_url(assignment)).status_code == 302
    assignment.refresh_from_db()
    assert assignment.done_at is not None


def test_done_twice_changes_nothing(client_for, give, bob):
    assignment = give(bob)
    client = client_for(bob)
    client.post(done_url(assignment))
    assignment.refresh_from_db()
    first = assignment.done_at
    response = client.post(done_url(assignment), follow=True)
    assert "was already done" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.done_at == first


def test_it_goes_back_to_a_page_on_this_site_and_nowhere_else(client_for, give, bob):
    client = client_for(bob)
    here = give(bob)
    response = client.post(done_url(here), {"next": "/a/x/q/inequity/#item-INQ-01"})
    assert response["Location"] == "/a/x/q/inequity/#item-INQ-01"
    there = give(bob, item_key="INQ-02")
    response = client.post(done_url(there), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("my_work")


def test_a_done_assignment_frees_its_target_for_a_new_one(give, alice, bob):
    first = give(bob)
    first.done_at = first.created_at
    first.save()
    give(alice)
    assert first.assessment.assignments.count() == 2
