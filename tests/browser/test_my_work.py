"""Assigning a question in a real browser, under the real CSP, and finding it on the
assignee's My work page, with the navigation's unread badge; both pages pass axe and fit
a 390 px phone."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from riskassess.work.models import Assignment
from tests.browser import axe
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def problems_at_both_widths(page, where: str) -> list[str]:
    """axe's serious and critical violations at desktop and phone width, and sideways scroll."""
    problems = []
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.wait_for_function(f"innerWidth === {viewport['width']}")
        found = axe.blocking(axe.violations(page))
        if found:
            problems.append(f"axe on {where} at {name} width:\n{axe.describe(found)}")
    if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
        problems.append(f"{where} scrolls sideways at {PHONE['width']} px")
    page.set_viewport_size(DESKTOP)
    return problems + [f"console on {where}: {text}" for text in page.problems]


def test_an_assigned_item_shows_on_the_assignees_my_work(open_page, world):
    answer_by = date.today() + timedelta(days=7)
    questionnaire = reverse("questionnaire", args=[world.draft.pk, "inequity"])
    page = open_page(questionnaire, user=world.users["bob"])
    page.locator("#item-INQ-01").get_by_role("link", name="Assign INQ-01").click()
    page.wait_for_url(f"**{reverse('assign', args=[world.draft.pk])}?item=INQ-01")
    problems = problems_at_both_widths(page, "the assign page")

    page.get_by_label("Assign to").select_option(label="alice")
    page.get_by_label("Answer by").fill(answer_by.isoformat())
    page.get_by_label("Note").fill("Please check the evaluation set.")
    page.get_by_role("button", name="Assign").click()
    page.wait_for_url(f"**{questionnaire}#item-INQ-01")
    line = page.locator("#item-INQ-01 [data-testid='assignment']").inner_text()
    assert f"Assigned to alice, answer by {answer_by.day} {answer_by:%b}" in line
    assert Assignment.objects.get().assignee == world.users["alice"]

    mine = open_page(reverse("my_work"), user=world.users["alice"])
    nav = mine.get_by_role("navigation").first
    assert nav.get_by_role("link", name="My work, 1 unread").count() == 1
    assert nav.get_by_test_id("unread-badge").inner_text() == "1"
    assigned = mine.locator("[data-testid='assigned']")
    assert "INQ-01" in assigned.inner_text()
    assert "Customer-support assistant for the EU launch" in assigned.inner_text()
    notes = mine.locator("[data-testid='notifications']").inner_text()
    assert "bob assigned you a question in" in notes
    problems += problems_at_both_widths(mine, "My work")
    assert not problems, "\n".join(problems)

    # Opening the notification reads it and goes to the item.
    mine.get_by_role("button", name="Unread: bob assigned you a question in").click()
    mine.wait_for_url(f"**{questionnaire}#item-INQ-01")
    assert mine.get_by_role("navigation").first.get_by_test_id("unread-badge").count() == 0


def test_the_notification_settings_page_turns_e_mails_off(open_page, world):
    alice = world.users["alice"]
    page = open_page(reverse("notification_settings"), user=alice)
    problems = problems_at_both_widths(page, "the notification settings")
    assert not problems, "\n".join(problems)
    page.get_by_label("Send me e-mails").uncheck()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**{reverse('notification_settings')}")
    assert "E-mails are off." in page.content()
    assert alice.notification_preference.emails is False
