"""Re-assessing a deployment in a real browser: preview, new draft, autosave, submit, compare.

The deployment: revision 1 on checklist v1, every item "Yes" but INQ-02 "Partly".
Then v2 of the checklist is published with INQ-02 reworded, so that the
re-assessment carries INQ-02 "to confirm" and everything else as it was.
Screenshots go to pytest's tmp_path, to look at with --basetemp.
"""

import pytest
from django.urls import reverse

from riskassess.assessments import services
from riskassess.assessments.models import Answer
from riskassess.checklist import services as checklist_services
from riskassess.checklist.models import Status as ChecklistStatus
from tests.browser.axe import blocking, describe, violations
from tests.browser.conftest import DESKTOP, PHONE
from tests.conftest import answer_all

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
REWORDED = (
    "Have you tested the deployed system, in every language it serves, for outputs that "
    "stereotype, demean or misrepresent social groups?"
)


@pytest.fixture
def deployment(assessment, alice, checklist):
    answer_all(assessment, alice, "yes")
    services.save_answer(
        assessment=assessment,
        item_key="INQ-02",
        option_key="partly",
        comment="",
        expected_version=1,
        user=alice,
    )
    services.submit(assessment=assessment, user=alice)
    newer = checklist_services.duplicate_as_draft(checklist)
    newer.items.filter(key="INQ-02").update(question=REWORDED)
    checklist_services.set_status(checklist=newer, status=ChecklistStatus.PUBLISHED)
    return assessment.deployment


def stored(assessment, key: str) -> tuple:
    answer = Answer.objects.select_related("option").get(assessment=assessment, item__key=key)
    return (answer.option.key if answer.option else None, answer.to_confirm)


def choose(page, key: str, option: str) -> None:
    """Click an answer and wait for its autosave to be confirmed."""
    page.click(f"label[for='{key}-opt-{option}']")
    page.wait_for_selector(f"#item-{key} .q-state[data-state='saved']")


def test_an_editor_re_assesses_changes_an_answer_and_compares(
    open_page, live_server, deployment, assessment, alice, bob, checklist
):
    old_wording = checklist.items.get(key="INQ-02").question
    items = checklist.items.filter(active=True).count()
    page = open_page(reverse("deployments:detail", args=[deployment.pk]), user=bob)
    page.get_by_role("link", name="Re-assess from the latest revision").click()

    # The preview: what will be carried, and what needs confirming, before anything is made.
    page.wait_for_url(f"**{reverse('deployment_reassess', args=[deployment.pk])}")
    heading = page.inner_text("#reassess-h")
    assert "from revision 1 of “Support bot”, on v2 of" in heading, heading
    summary = page.inner_text("main ul.mb-3")
    assert f"{items - 1} answers carried as they are" in summary, summary
    assert "1 answer to confirm" in summary and "new question" not in summary, summary
    confirm = page.inner_text("[aria-labelledby='confirm-h']")
    assert "INQ-02" in confirm and old_wording in confirm and REWORDED in confirm, confirm
    assert deployment.assessments.count() == 1  # a preview makes nothing

    # Confirmed: the new draft's questionnaire, with the carried answers chosen.
    page.get_by_role("button", name="Start the re-assessment").click()
    page.wait_for_selector("#q-form")
    new = deployment.assessments.exclude(pk=assessment.pk).get()
    assert new.checklist.version == 2
    assert page.url.endswith(reverse("questionnaire", args=[new.pk, "inequity"])), page.url
    assert "1 to confirm" in page.inner_text(".alert-success")
    assert page.is_checked("#INQ-01-opt-yes")
    assert page.is_checked("#INQ-03-opt-yes")
    # INQ-02 was reworded: its old answer is shown beside the old wording, not chosen.
    note = page.inner_text("#item-INQ-02 [data-testid='to-confirm']")
    assert "To confirm." in note and old_wording in note and "Partly" in note, note
    assert REWORDED in page.inner_text("#item-INQ-02 .q-question")
    assert not page.locator("#item-INQ-02 input[type=radio]:checked").count()

    # One answer changed, the one to confirm confirmed: each saved as it is chosen.
    choose(page, "INQ-01", "no")
    choose(page, "INQ-02", "partly")
    page.wait_for_function(
        "document.querySelector('#q-global-state').innerText === 'All changes saved'"
    )
    assert stored(new, "INQ-01") == ("no", False)
    assert stored(new, "INQ-02") == ("partly", False)
    assert page.problems == []

    # The owner submits it on its Details tab.
    details = open_page(reverse("assessment_edit", args=[new.pk]), user=alice)
    details.get_by_role("button", name="Submit revision 1").click()
    details.wait_for_selector("text=Submitted")
    new.refresh_from_db()
    assert new.revisions.count() == 1

    # Compared from the deployment's page: the new revision against the one it came from.
    details.goto(live_server.url + reverse("deployments:detail", args=[deployment.pk]))
    details.get_by_role("link", name="Compare revisions").click()
    details.wait_for_selector("[data-testid='group-answer_changed']")
    assert details.inner_text("[data-testid='reading-word']").strip() == "↑ Worse"
    changed = details.locator("[data-testid='group-answer_changed'] .compare-item")
    assert changed.count() == 1
    assert changed.locator(".item-key").inner_text() == "INQ-01"
    assert changed.locator(".compare-from").inner_text() == "Yes"
    assert changed.locator(".compare-to").inner_text() == "No"
    assert "→" in changed.locator(".compare-line").inner_text()
    assert details.problems == []


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_re_assess_page_fits_and_passes_axe(open_page, deployment, bob, viewport, tmp_path):
    url = reverse("deployment_reassess", args=[deployment.pk])
    page = open_page(url, user=bob, viewport=viewport)
    assert page.response.status == 200
    page.click("details summary")  # the answers carried as they are, opened as a reader would
    width = "phone" if viewport is PHONE else "desktop"
    page.screenshot(path=tmp_path / f"reassess-{width}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    found = blocking(violations(page))
    assert found == [], describe(found)
    assert page.problems == []  # no CSP violation, no script error
