"""The questionnaire's autosave in a real browser: what a reader on a phone or a keyboard meets.

No sleeps: saves are counted from the browser's requests, waits are on the page's state,
and time is moved by hand (page.clock) where a delay decides what happens.
"""

import pytest
from django.urls import reverse

from riskassess.assessments.models import Answer
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SETTLE_MS = 700  # static/js/questionnaire.js: arrow keys save once the choice settles this long

# Puts an item's options just above the sticky save bar, as a reader scrolling down meets them.
OPTIONS_ABOVE_SAVE_BAR = """key => {
    const bar = document.getElementById('q-savebar').getBoundingClientRect();
    const options = document.getElementById(key + '-options').getBoundingClientRect();
    window.scrollBy(0, options.bottom - (innerHeight - bar.height - 24));
}"""


def saves_of(page, world, key) -> list:
    """The autosave requests the page sends for one item of the draft, as they go out."""
    url = reverse("answer_save", args=[world.draft.pk, key])
    sent = []
    page.on("request", lambda r: r.method == "POST" and r.url.endswith(url) and sent.append(r))
    return sent


def stored(world, key):
    answer = Answer.objects.select_related("option").filter(assessment=world.draft, item__key=key)
    return [(a.option.key if a.option else None, a.comment, a.version) for a in answer]


def assert_clear_of_save_bar(page, *selectors):
    bar = page.locator("#q-savebar").bounding_box()
    for selector in selectors:
        box = page.locator(selector).bounding_box()
        assert box is not None, f"{selector} is not shown"
        assert box["y"] >= 0 and box["y"] + box["height"] <= bar["y"], (selector, box, bar)


def open_questionnaire(open_page, world, **options):
    url = reverse("questionnaire", args=[world.draft.pk, "inequity"])
    return open_page(url, user=world.users["bob"], **options)


def test_not_applicable_without_a_justification_is_kept_explained_and_not_sent(open_page, world):
    page = open_questionnaire(open_page, world, viewport=PHONE)
    sent = saves_of(page, world, "INQ-06")
    page.evaluate(OPTIONS_ABOVE_SAVE_BAR, "INQ-06")

    page.click("label[for='INQ-06-opt-na']")
    page.wait_for_selector("#item-INQ-06 .q-state[data-state='error']")
    # The message is in view, above the sticky save bar, and the choice stays.
    assert "justification" in page.inner_text("#INQ-06-comment-error")
    assert_clear_of_save_bar(page, "#INQ-06-comment", "#INQ-06-comment-error")
    assert page.is_checked("#INQ-06-opt-na")
    assert sent == []

    # Next says what is missing and where, and stays on the page with the choice.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.click(".q-pager-next")
    page.wait_for_selector("#q-alert:not([hidden])")
    alert = page.inner_text("#q-alert")
    assert "INQ-06" in alert and "justification" in alert, alert
    assert page.evaluate("document.activeElement.id") == "INQ-06-comment"
    assert_clear_of_save_bar(page, "#INQ-06-comment", "#INQ-06-comment-error")
    assert page.url.endswith(reverse("questionnaire", args=[world.draft.pk, "inequity"]))
    assert page.is_checked("#INQ-06-opt-na")

    # A reload keeps it too, unsent.
    page.reload()
    page.wait_for_selector("#item-INQ-06 .q-state[data-state='error']")
    assert page.is_checked("#INQ-06-opt-na")
    assert sent == []

    # Once justified, it is saved, the alert goes, and Next goes on.
    page.fill("#INQ-06-comment", "No user-facing text: the model only ranks documents.")
    page.wait_for_selector("#item-INQ-06 .q-state[data-state='saved']")
    assert len(sent) == 1
    assert stored(world, "INQ-06") == [
        ("na", "No user-facing text: the model only ranks documents.", 1)
    ]
    assert page.is_hidden("#q-alert")
    page.click(".q-pager-next")
    page.wait_for_url(f"**{reverse('questionnaire', args=[world.draft.pk, 'misuse'])}")
    assert page.problems == []


def test_arrow_keys_save_once_when_the_choice_settles(open_page, world):
    page = open_questionnaire(open_page, world)
    page.clock.install()  # setTimeout runs only when the test moves the clock
    page.reload()
    sent = saves_of(page, world, "INQ-07")

    page.focus("#INQ-07-opt-yes")
    page.keyboard.press("Space")  # a choice made by the keyboard, at once
    page.wait_for_selector("#item-INQ-07 .q-state[data-state='saved']")
    assert len(sent) == 1

    for _ in range(3):  # Yes → Partly → No → Don't know
        page.keyboard.press("ArrowRight")
    assert page.is_checked("#INQ-07-opt-unknown")
    assert page.get_attribute("#item-INQ-07 .q-state", "data-state") == "dirty"
    assert len(sent) == 1

    page.clock.run_for(SETTLE_MS)
    page.wait_for_selector("#item-INQ-07 .q-state[data-state='saved']")
    assert len(sent) == 2
    assert stored(world, "INQ-07") == [("unknown", "", 2)]
    assert page.problems == []


def test_arrow_keys_save_at_once_when_focus_leaves_the_options(open_page, world):
    page = open_questionnaire(open_page, world)
    page.clock.install()
    page.reload()
    sent = saves_of(page, world, "INQ-07")

    page.focus("#INQ-07-opt-yes")
    for _ in range(2):
        page.keyboard.press("ArrowRight")  # Yes is focused, not chosen: Partly, then No
    page.keyboard.press("Tab")
    page.wait_for_selector("#item-INQ-07 .q-state[data-state='saved']")
    assert len(sent) == 1
    assert stored(world, "INQ-07") == [("no", "", 1)]
    assert page.problems == []
