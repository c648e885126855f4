"""Reviews: submit for review, approve with a sign-off, request changes, withdraw (issue 14)."""

import pytest
from django.test import Client
from django.urls import reverse

from riskassess.accounts.models import Membership, Role
from riskassess.assessments import services, workflow
from riskassess.assessments.access import get_assessment_for_user
from riskassess.assessments.models import Event, Review, Revision, Status
from riskassess.assessments.review import conflicts
from riskassess.reports.build import build_report
from tests.conftest import answer_all, make_user

STATEMENT = "Checked against the model card and the evaluation report."


@pytest.fixture
def rita(team):
    """The team's reviewer, who never answered."""
    user = make_user("rita")
    Membership.objects.create(team=team, user=user, role=Role.REVIEWER)
    return user


@pytest.fixture
def reviewed_team(team):
    team.review_required = True
    team.save()
    return team


@pytest.fixture
def in_review(reviewed_team, assessment, alice, rita):
    answer_all(assessment, alice, "partly")
    return services.submit(assessment=assessment, user=alice)


def approve(assessment, user, text=STATEMENT):
    return workflow.transition(assessment, "approve", user=user, text=text)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_team_that_requires_review_submits_for_review_and_the_revision_is_locked(
    in_review, alice
):
    assert in_review.status == Status.IN_REVIEW
    assert not in_review.is_editable
    revision = Revision.objects.get(assessment=in_review)
    assert revision.review_requested and not hasattr(revision, "review")
    assert Event.objects.filter(assessment=in_review, kind=Event.Kind.REVIEW_REQUESTED).exists()
    # Answers cannot change while in review.
    with pytest.raises(services.Locked):
        services.save_answer(
            assessment=in_review, item_key="INQ-01", option_key="yes", comment="",
            expected_version=1, user=alice,
        )  # fmt: skip


def test_without_review_required_submit_is_final_and_submit_for_review_refused(assessment, alice):
    answer_all(assessment, alice)
    with pytest.raises(workflow.NotAllowed, match="does not require a review"):
        workflow.transition(assessment, "submit_for_review", user=alice)
    done = services.submit(assessment=assessment, user=alice)
    assert done.status == Status.SUBMITTED
    assert not Revision.objects.get(assessment=assessment).review_requested


def test_plain_submit_is_refused_when_the_team_requires_review(reviewed_team, assessment, alice):
    answer_all(assessment, alice)
    with pytest.raises(workflow.NotAllowed, match="requires a review"):
        workflow.transition(assessment, "submit", user=alice)


def test_the_reviewer_approves_and_the_sign_off_is_bound_to_the_fingerprint(in_review, rita):
    approved = approve(in_review, rita)
    assert approved.status == Status.APPROVED and not approved.is_editable
    revision = Revision.objects.get(assessment=in_review)
    review = revision.review
    assert review.outcome == Review.Outcome.APPROVED
    assert (review.username, review.role, review.text) == ("rita", "Reviewer", STATEMENT)
    assert review.fingerprint == revision.fingerprint
    event = Event.objects.get(assessment=in_review, kind=Event.Kind.APPROVED)
    assert event.data == {"revision": 1, "outcome": "approved", "fingerprint": revision.fingerprint}
    report = build_report(get_assessment_for_user(rita, in_review.pk))
    assert report["record"]["review"] == {
        "status": "approved", "by": "rita", "role": "Reviewer",
        "at": review.decided_at.isoformat(), "text": STATEMENT,
        "fingerprint": revision.fingerprint,
    }  # fmt: skip
    # The review is not part of the content: the fingerprint is the submission's.
    assert report["fingerprint"] == revision.fingerprint


def test_a_decision_is_written_once(in_review, rita):
    approve(in_review, rita)
    review = Review.objects.get()
    review.text = "changed"
    with pytest.raises(ValueError, match="immutable"):
        review.save()


@pytest.mark.parametrize("text", ["", "   "])
def test_approving_needs_a_statement(in_review, rita, text):
    with pytest.raises(workflow.NotReady, match="sign-off statement"):
        approve(in_review, rita, text)
    assert not Review.objects.exists()


@pytest.mark.parametrize("who", ["alice", "bob", "vera"])
def test_only_the_reviewer_role_decides(in_review, who, request):
    # An owner outranks a reviewer but does not review their own team's work by rank.
    user = request.getfixturevalue(who)
    for name in ("approve", "request_changes"):
        with pytest.raises(workflow.NotPermitted, match="reviewers"):
            workflow.transition(in_review, name, user=user, text="x")
    assert type(in_review).objects.get(pk=in_review.pk).status == Status.IN_REVIEW


def test_a_reviewer_cannot_answer_or_submit(in_review, rita, assessment):
    assert not Role.allows(Role.REVIEWER, Role.EDITOR)
    assert Role.allows(Role.REVIEWER, Role.VIEWER)
    response = client_for(rita).post(reverse("assessment_submit", args=[assessment.pk]))
    assert response.status_code == 403


def test_segregation_of_duties_a_reviewer_who_answered_in_the_round_cannot_approve(
    reviewed_team, assessment, alice, bob
):
    answer_all(assessment, bob, "partly")
    # bob answered this round, then became the team's reviewer.
    Membership.objects.filter(user=bob).update(role=Role.REVIEWER)
    services.submit(assessment=assessment, user=alice)
    reasons = conflicts(assessment, bob)
    assert reasons and "saved answers" in reasons[0] and "segregation of duties" in reasons[0]
    with pytest.raises(workflow.NotReady, match="saved answers"):
        approve(assessment, bob)
    assert not Review.objects.exists()


def test_segregation_of_duties_the_submitter_cannot_approve(reviewed_team, assessment, alice, bob):
    answer_all(assessment, bob, "partly")
    services.submit(assessment=assessment, user=alice)
    Membership.objects.filter(user=alice).update(role=Role.REVIEWER)
    with pytest.raises(workflow.NotReady, match="submitted it"):
        approve(assessment, alice)


def test_segregation_counts_only_the_round_under_review(reviewed_team, assessment, alice, bob):
    """bob answered revision 1; revision 2 was all alice's: bob may approve revision 2."""
    answer_all(assessment, bob, "partly")
    services.submit(assessment=assessment, user=alice)
    rita = make_user("rita")
    Membership.objects.create(team=reviewed_team, user=rita, role=Role.REVIEWER)
    workflow.transition(assessment, "request_changes", user=rita, text="Add the eval report.")
    version = assessment.answers.get(item__key="INQ-01").version
    services.save_answer(
        assessment=assessment, item_key="INQ-01", option_key="yes", comment="fixed",
        expected_version=version, user=alice,
    )  # fmt: skip
    services.submit(assessment=assessment, user=alice)
    Membership.objects.filter(user=bob).update(role=Role.REVIEWER)
    assert conflicts(assessment, bob) == []
    assert approve(assessment, bob).status == Status.APPROVED
    assert Revision.objects.get(assessment=assessment, number=2).review.username == "bob"


def test_request_changes_sends_it_back_with_notes_and_the_next_submission_is_reviewed_again(
    in_review, alice, rita
):
    draft = workflow.transition(
        in_review, "request_changes", user=rita, text="Attach the red-team report to MIS-01."
    )
    assert draft.status == Status.DRAFT and draft.is_editable and draft.snapshot is None
    first = Revision.objects.get(assessment=in_review, number=1)
    assert first.review.outcome == Review.Outcome.CHANGES_REQUESTED
    assert first.review.text == "Attach the red-team report to MIS-01."
    report = build_report(get_assessment_for_user(alice, in_review.pk))
    assert report["record"]["last_review"]["status"] == "changes_requested"
    assert report["record"]["last_review"]["revision"] == 1
    again = services.submit(assessment=draft, user=alice)
    assert again.status == Status.IN_REVIEW
    second = Revision.objects.get(assessment=in_review, number=2)
    assert second.review_requested and not hasattr(second, "review")


def test_request_changes_needs_notes(in_review, rita):
    with pytest.raises(workflow.NotReady, match="what should change"):
        workflow.transition(in_review, "request_changes", user=rita, text=" ")


def test_the_owner_withdraws_before_a_decision(in_review, alice, rita):
    draft = workflow.transition(in_review, "withdraw", user=alice)
    assert draft.status == Status.DRAFT
    assert Revision.objects.get(assessment=in_review).review.outcome == Review.Outcome.WITHDRAWN
    with pytest.raises(workflow.NotAllowed, match="a draft"):
        approve(draft, rita)


def test_reopening_an_approved_revision_starts_a_new_one_needing_its_own_approval(
    in_review, alice, rita
):
    approve(in_review, rita)
    draft = services.reopen(assessment=in_review, user=alice, note="New base model")
    assert draft.status == Status.DRAFT
    again = services.submit(assessment=draft, user=alice)
    assert again.status == Status.IN_REVIEW
    first, second = Revision.objects.filter(assessment=in_review).order_by("number")
    assert first.review.outcome == Review.Outcome.APPROVED  # stays on record
    assert not hasattr(second, "review")
    report = build_report(get_assessment_for_user(alice, in_review.pk), revision=first)
    assert report["record"]["review"]["status"] == "approved"
    assert report["record"]["current"] is False


def test_approval_is_refused_when_a_check_from_another_app_objects(in_review, rita):
    from riskassess.assessments import signals

    def objects(sender, transition, **kwargs):
        return "2 review threads are still open." if transition == "approve" else None

    signals.transition_check.connect(objects, dispatch_uid="test-objects")
    try:
        with pytest.raises(workflow.NotReady, match="threads are still open"):
            approve(in_review, rita)
    finally:
        signals.transition_check.disconnect(dispatch_uid="test-objects")
    assert approve(in_review, rita).status == Status.APPROVED


# --- pages ---------------------------------------------------------------------------------


def test_the_review_page_offers_the_forms_to_the_reviewer_only(in_review, alice, rita, vera):
    url = reverse("assessment_review", args=[in_review.pk])
    page = client_for(rita).get(url).content.decode()
    assert 'data-testid="approve-form"' in page and 'data-testid="changes-form"' in page
    for user in (alice, vera):
        page = client_for(user).get(url).content.decode()
        assert "approve-form" not in page and "Waiting for one of the team" in page
    assert "Withdraw from review" in client_for(alice).get(url).content.decode()


def test_the_review_page_says_why_a_reviewer_cannot_approve(reviewed_team, assessment, alice, bob):
    answer_all(assessment, bob, "partly")
    services.submit(assessment=assessment, user=alice)
    Membership.objects.filter(user=bob).update(role=Role.REVIEWER)
    page = client_for(bob).get(reverse("assessment_review", args=[assessment.pk]))
    text = page.content.decode()
    assert 'data-testid="review-obstacles"' in text and "saved answers" in text
    assert "approve-form" not in text


def test_approving_through_the_page(in_review, rita):
    response = client_for(rita).post(
        reverse("review_approve", args=[in_review.pk]), {"statement": STATEMENT, "confirm": "on"}
    )
    assert response.status_code == 302
    assert Review.objects.get().outcome == Review.Outcome.APPROVED


def test_approving_without_ticking_the_box_keeps_the_statement(in_review, rita):
    response = client_for(rita).post(
        reverse("review_approve", args=[in_review.pk]), {"statement": STATEMENT}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Tick the box to sign off." in text and STATEMENT in text
    assert not Review.objects.exists()


def test_requesting_changes_through_the_page(in_review, rita, alice):
    response = client_for(rita).post(
        reverse("review_request_changes", args=[in_review.pk]), {"notes": "Fix <b>MIS-01</b>"}
    )
    assert response.status_code == 302
    results = client_for(alice).get(reverse("results", args=[in_review.pk])).content.decode()
    assert 'data-testid="review-banner"' in results
    assert "Fix &lt;b&gt;MIS-01&lt;/b&gt;" in results


@pytest.mark.parametrize("name", ["review_approve", "review_request_changes"])
def test_decision_urls_refuse_weak_roles_and_outsiders(in_review, vera, charlie, alice, name):
    url = reverse(name, args=[in_review.pk])
    assert (
        client_for(vera).post(url, {"statement": "x", "confirm": "on", "notes": "x"}).status_code
        == 403
    )
    assert client_for(charlie).post(url, {"statement": "x", "notes": "x"}).status_code == 404
    # An owner outranks a reviewer but is not one: 403 too.
    assert (
        client_for(alice).post(url, {"statement": "x", "confirm": "on", "notes": "x"}).status_code
        == 403
    )
    assert not Review.objects.exists()
    assert Client().post(url).status_code == 302


def test_withdraw_url_needs_an_owner(in_review, bob, charlie):
    url = reverse("review_withdraw", args=[in_review.pk])
    assert client_for(bob).post(url).status_code == 403
    assert client_for(charlie).post(url).status_code == 404
    assert type(in_review).objects.get(pk=in_review.pk).status == Status.IN_REVIEW


def test_review_page_is_404_for_outsiders(in_review, charlie):
    assert (
        client_for(charlie).get(reverse("assessment_review", args=[in_review.pk])).status_code
        == 404
    )
