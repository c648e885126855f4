"""A full review round in a real browser, under the real CSP: the owner submits for review,
the reviewer sends it back with notes, the owner fixes and submits again, the reviewer
approves with a sign-off (issue 14)."""

import pytest
from django.urls import reverse

from riskassess.accounts.models import Membership, Role, User
from riskassess.assessments import services
from riskassess.assessments.models import Assessment, Review, Status
from tests.browser import axe
from tests.browser.conftest import PHONE
from tests.browser.pages import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_request_changes_fix_and_approve(open_page, world):
    team = world.team
    team.review_required = True
    team.save()
    rita = User.objects.create_user("rita", password=PASSWORD)
    Membership.objects.create(team=team, user=rita, role=Role.REVIEWER)
    alice, bob = world.users["alice"], world.users["bob"]
    assessment = services.create_assessment(
        user=alice, team=team, checklist=world.checklist, title="Claims triage assistant",
        model_name="triage 1.0", base_model="a hosted frontier model", context="Internal",
    )  # fmt: skip
    for item in world.checklist.items.filter(active=True):
        services.save_answer(
            assessment=assessment, item_key=item.key, option_key="partly", comment="",
            expected_version=0, user=bob,
        )  # fmt: skip

    # The owner submits for review on the Details tab.
    owner = open_page(reverse("assessment_edit", args=[assessment.pk]), user=alice)
    owner.get_by_role("button", name="Submit revision 1 for review").click()
    owner.wait_for_url(f"**{reverse('assessment_review', args=[assessment.pk])}")
    assert "Waiting for one of the team" in owner.content()

    # The reviewer sends it back with notes.
    review_url = reverse("assessment_review", args=[assessment.pk])
    reviewer = open_page(review_url, user=rita)
    assert axe.blocking(axe.violations(reviewer)) == []
    reviewer.get_by_label("What should change").fill("MIS-01: attach the red-team report.")
    reviewer.get_by_role("button", name="Send back to the team").click()
    reviewer.wait_for_url(f"**{review_url}")
    assert Assessment.objects.get(pk=assessment.pk).status == Status.DRAFT

    # The owner sees the notes on the results page, fixes an answer and submits again.
    owner.goto(owner.url.split("/a/")[0] + reverse("results", args=[assessment.pk]))
    banner = owner.get_by_test_id("review-banner")
    assert "MIS-01: attach the red-team report." in banner.inner_text()
    answer = assessment.answers.get(item__key="MIS-01")
    services.save_answer(
        assessment=assessment, item_key="MIS-01", option_key="yes", comment="Report attached",
        expected_version=answer.version, user=bob,
    )  # fmt: skip
    owner.goto(owner.url.split("/a/")[0] + reverse("assessment_edit", args=[assessment.pk]))
    owner.get_by_role("button", name="Submit revision 2 for review").click()
    owner.wait_for_url(f"**{review_url}")

    # The reviewer approves with the statement offered, on a phone.
    reviewer.set_viewport_size(PHONE)
    reviewer.goto(reviewer.url)
    assert reviewer.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert axe.blocking(axe.violations(reviewer)) == []
    reviewer.get_by_label("I sign off this revision with the statement above.").check()
    reviewer.get_by_role("button", name="Approve revision 2").click()
    reviewer.wait_for_url(f"**{review_url}")
    decisions = reviewer.get_by_test_id("review-decisions").inner_text()
    assert "Revision 2 — Approved" in decisions and "Revision 1 — Changes requested" in decisions
    review = Review.objects.get(outcome=Review.Outcome.APPROVED)
    assert review.username == "rita" and review.revision.number == 2
    assert Assessment.objects.get(pk=assessment.pk).status == Status.APPROVED
    assert owner.problems == [] and reviewer.problems == []
