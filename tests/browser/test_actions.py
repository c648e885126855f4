"""The action plan in a real browser, under the real CSP: an editor plans an action for a
viewer, the viewer closes it from My work, and the item is flagged to be answered again
until the editor answers it on the questionnaire.

The World (pages.py, add_plan) already has a plan on the draft: INQ-02 overdue, MIS-01
open, ENV-02 done, MIS-02's acceptance proposed; INQ-03 ("No") is undecided, with no
action, and is the finding planned here. No sleeps: waits are on navigations, on the
autosave's response and on the page's state. Screenshots go to pytest's tmp_path, to
look at with --basetemp.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from riskassess.actions.models import Action, Status
from riskassess.assessments.models import Answer
from tests.browser import axe
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
KEY = "INQ-03"
TITLE = "Test the Spanish answers for stereotypes with the fairness panel"
FLAG = "Action completed — re-answer"


def problems_at_both_widths(page, where: str) -> list[str]:
    """axe's serious and critical violations at desktop and phone width, and sideways scroll."""
    problems = []
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.wait_for_function(f"innerWidth === {viewport['width']}")
        found = axe.blocking(axe.violations(page))
        if found:
            problems.append(f"axe on {where} at {name} width:\n{axe.describe(found)}")
        if not page.evaluate("document.documentElement.scrollWidth <= innerWidth"):
            problems.append(f"{where} scrolls sideways at {name} width")
    page.set_viewport_size(DESKTOP)
    page.wait_for_function(f"innerWidth === {DESKTOP['width']}")
    return problems


def test_an_action_is_planned_closed_by_its_owner_and_its_item_answered_again(
    open_page, live_server, world
):
    draft, bob, vera = world.draft, world.users["bob"], world.users["vera"]
    plan_url = reverse("action_plan", args=[draft.pk])
    due = timezone.localdate() + timedelta(days=21)

    # bob opens the Action plan tab from the questionnaire's header.
    page = open_page(reverse("questionnaire", args=[draft.pk, "inequity"]), user=bob)
    page.get_by_role("link", name="Action plan", exact=True).click()
    page.wait_for_url(f"**{plan_url}")
    row = page.locator(f"#finding-{KEY}")
    assert row.get_by_test_id("treatment").inner_text() == "Undecided"
    assert KEY not in page.get_by_test_id("projection").inner_text()

    # "Add an action" on the finding: the form has it chosen already.
    row.get_by_role("link", name=f"Add an action for {KEY}").click()
    page.wait_for_url(f"**{reverse('action_new', args=[draft.pk])}?item={KEY}")
    assert page.get_by_role("checkbox", name=f"{KEY} —").is_checked()
    assert page.locator("input[name=items]:checked").count() == 1
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Owner").select_option(label="vera")  # a viewer can own an action
    page.get_by_label("Due on").fill(due.isoformat())
    page.get_by_role("button", name="Plan the action").click()
    page.wait_for_url(f"**{plan_url}")

    assert page.get_by_role("status").filter(has_text=f"Action “{TITLE}” planned.").count() == 1
    action = Action.objects.get(title=TITLE)
    assert action.owner == vera and action.due_on == due and action.status == Status.OPEN
    assert [f.item_key for f in action.findings.all()] == [KEY]
    planned = row.get_by_test_id("action")
    assert planned.count() == 1
    assert TITLE in planned.inner_text() and "Owner vera" in planned.inner_text()
    # bob, an editor, may move it: its status is the choice of its status form.
    assert planned.get_by_label(f"Status of “{TITLE}”").input_value() == Status.OPEN
    assert row.get_by_test_id("treatment").inner_text() == "Mitigate"
    projection = page.get_by_test_id("projection").inner_text()
    assert "Projection, not the score:" in projection, projection
    assert KEY in projection.split("Assumes", 1)[1], projection
    assert page.problems == []

    # vera, in a browser of her own, closes it from My work.
    mine = open_page(reverse("my_work"), user=vera)
    listed = mine.get_by_test_id("my-actions")
    assert TITLE in listed.inner_text()
    mine.get_by_label(f"Status of “{TITLE}”").select_option(label="Done")
    mine.get_by_role("button", name=f"Set the status of “{TITLE}”").click()
    mine.wait_for_url(f"**{reverse('my_work')}")
    assert mine.get_by_role("status").filter(has_text=f"“{TITLE}” is now done.").count() == 1
    assert mine.get_by_test_id("my-actions").count() == 0  # her only open action is closed
    assert Action.objects.get(pk=action.pk).status == Status.DONE
    assert mine.problems == []

    # bob's plan flags the item, and so does the questionnaire.
    page.reload()
    assert row.get_by_test_id("reanswer").inner_text() == FLAG
    assert row.get_by_label(f"Status of “{TITLE}”").input_value() == Status.DONE
    problems = problems_at_both_widths(page, "the plan with an item to answer again")

    page.goto(live_server.url + reverse("questionnaire", args=[draft.pk, "inequity"]))
    item = page.locator(f"#item-{KEY}")
    assert FLAG in item.get_by_test_id("reanswer").inner_text()
    assert page.is_checked(f"#{KEY}-opt-no")

    # He answers it again as things now stand: saved as he chooses.
    save_url = reverse("answer_save", args=[draft.pk, KEY])
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith(save_url)
    ) as saved:
        page.click(f"label[for='{KEY}-opt-partly']")
    assert saved.value.ok
    page.wait_for_selector(f"#item-{KEY} .q-state[data-state='saved']")
    answer = Answer.objects.select_related("option").get(assessment=draft, item__key=KEY)
    assert answer.option.key == "partly"

    page.reload()
    assert page.is_checked(f"#{KEY}-opt-partly")
    assert item.get_by_test_id("reanswer").count() == 0
    page.goto(live_server.url + plan_url)
    # Still a finding ("Partly"), no longer flagged; ENV-02's flag (add_plan) stays.
    assert "Partly" in row.inner_text()
    assert row.get_by_test_id("reanswer").count() == 0
    assert page.locator("#finding-ENV-02").get_by_test_id("reanswer").count() == 1
    problems += problems_at_both_widths(page, "the plan after the item is answered again")
    problems += [f"console: {text}" for text in page.problems]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("width", [DESKTOP["width"], PHONE["width"]])
def test_the_plan_pages_fit_and_are_screenshotted(open_page, world, tmp_path, width):
    """The plan, a finding with an acceptance waiting, the action form, and the plan's traces
    elsewhere (My work, the deployment's card, a flagged questionnaire item), at each width:
    nothing wider than the screen. The screenshots are to look at, with --basetemp."""
    draft = world.draft
    viewport = {"width": width, "height": DESKTOP["height"]}
    pages = [
        ("plan", reverse("action_plan", args=[draft.pk]), "bob"),
        ("finding", reverse("action_finding", args=[draft.pk, "MIS-02"]), "alice"),
        ("finding-editor", reverse("action_finding", args=[draft.pk, "INQ-02"]), "bob"),
        ("action-new", reverse("action_new", args=[draft.pk]) + f"?item={KEY}", "bob"),
        ("my-work", reverse("my_work"), "bob"),
        ("deployment", reverse("deployments:detail", args=[draft.deployment_id]), "bob"),
        ("questionnaire", reverse("questionnaire", args=[draft.pk, "environment"]), "bob"),
    ]
    problems = []
    for name, url, user in pages:
        page = open_page(url, user=world.users[user], viewport=viewport)
        assert page.response.status == 200, name
        if name == "finding":
            assert page.get_by_role("button", name="Decline").count() == 1
        page.screenshot(path=tmp_path / f"{name}-{width}.png", full_page=True)
        if not page.evaluate("document.documentElement.scrollWidth <= innerWidth"):
            problems.append(f"{name} scrolls sideways at {width} px")
        problems += [f"console on {name}: {text}" for text in page.problems]
    assert not problems, "\n".join(problems)
