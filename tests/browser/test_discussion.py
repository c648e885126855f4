"""An item's discussion in a real browser, under the real CSP: the reviewer opens a thread
from the questionnaire, an editor replies and resolves it; the page passes axe and fits
a phone with a long unbroken comment."""

import pytest
from django.urls import reverse

from riskassess.accounts.models import Membership, Role, User
from riskassess.discussion.models import Thread
from tests.browser import axe
from tests.browser.conftest import PHONE
from tests.browser.pages import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
QUESTION = "Which evaluation set was used? <b>not bold</b> https://example.com/" + "x" * 200


def test_a_reviewer_asks_an_editor_answers_and_resolves(open_page, world):
    rita = User.objects.create_user("rita", password=PASSWORD)
    Membership.objects.create(team=world.team, user=rita, role=Role.REVIEWER)
    questionnaire = reverse("questionnaire", args=[world.draft.pk, "inequity"])
    item_page = reverse("item_discussion", args=[world.draft.pk, "INQ-01"])

    # The reviewer follows the item's link from the questionnaire and opens a thread.
    reviewer = open_page(questionnaire, user=rita)
    reviewer.locator("#discussion-INQ-01").get_by_role("link", name="Discuss INQ-01").click()
    reviewer.wait_for_url(f"**{item_page}")
    assert axe.blocking(axe.violations(reviewer)) == []
    reviewer.get_by_label("Your comment").fill(f"{QUESTION}\n@bob can you check?")
    reviewer.get_by_role("button", name="Start thread").click()
    thread = Thread.objects.get()
    reviewer.wait_for_url(f"**{item_page}#thread-{thread.pk}")
    body = reviewer.locator(f"#thread-{thread.pk}").get_by_test_id("comment-body").first
    assert body.inner_text() == f"{QUESTION}\n@bob can you check?"  # shown as typed
    assert thread.by_reviewer and thread.mentions.get().user == world.users["bob"]

    # The questionnaire lists it at the top, and on the item.
    reviewer.goto(reviewer.url.split("/a/")[0] + questionnaire)
    assert "1 open review thread" in reviewer.get_by_test_id("review-threads").inner_text()
    assert "1 open thread" in reviewer.locator("#discussion-INQ-01").inner_text()
    assert axe.blocking(axe.violations(reviewer)) == []

    # The editor replies on a phone; a reviewer's thread is the reviewer's to resolve.
    editor = open_page(item_page, user=world.users["bob"], viewport=PHONE)
    card = editor.locator(f"#thread-{thread.pk}")
    card.get_by_label("Reply").fill("The public benchmark, v2.")
    card.get_by_role("button", name="Reply").click()
    editor.wait_for_url(f"**{item_page}#thread-{thread.pk}")
    assert card.get_by_test_id("comment-body").nth(1).inner_text() == "The public benchmark, v2."
    assert "the reviewer resolves it" in card.inner_text()
    assert card.get_by_role("button", name="Resolve thread").count() == 0
    assert editor.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert axe.blocking(axe.violations(editor)) == []

    # The reviewer reads the reply and resolves the thread.
    reviewer.goto(reviewer.url.split("#")[0].rsplit("/a/", 1)[0] + item_page)
    settled = reviewer.locator(f"#thread-{thread.pk}")
    settled.get_by_role("button", name="Resolve thread").click()
    reviewer.wait_for_url(f"**{item_page}#thread-{thread.pk}")
    assert "Resolved by rita" in settled.inner_text()
    thread.refresh_from_db()
    assert thread.resolved_by_name == "rita"
    assert axe.blocking(axe.violations(reviewer)) == []
    assert reviewer.problems == [] and editor.problems == []
