"""The profile step in a real browser: a change re-renders, on the server, what applies.

No sleeps: waits are on the page's state (the count htmx swaps in).
"""

import pytest
from django.urls import reverse

from riskassess.assessments.data import assessment_data, score_data
from riskassess.assessments.models import ProfileAnswer
from tests.browser.axe import blocking, violations
from tests.browser.conftest import PHONE
from tests.conftest import set_profile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def skipped(assessment) -> int:
    return len(score_data(assessment_data(assessment)).skipped)


def test_a_profile_change_updates_what_applies_without_a_reload(open_page, v2_assessment, alice):
    page = open_page(reverse("profile", args=[v2_assessment.pk]), user=alice)
    before = page.inner_text("[data-testid='skipped-count']")
    assert int(before) == skipped(v2_assessment)
    page.evaluate("window.notReloaded = true")

    page.check("#id_P-DECISIONS-choice_0")  # "No: outputs are not used for decisions about people"
    page.wait_for_selector("#P-DECISIONS-status:has-text('Saved.')")
    expected = skipped(v2_assessment)
    page.wait_for_selector(f"[data-testid='skipped-count']:has-text('{expected}')")
    assert expected > int(before)
    assert page.evaluate("window.notReloaded") is True  # swapped in place, not a new page
    assert ProfileAnswer.objects.get(assessment=v2_assessment).choices == ["none"]
    assert page.input_value("#P-DECISIONS-version") == "1"
    # The steps show the category counts the profile now gives.
    assert "skipped by rule" in page.inner_text("#q-steps")

    page.click("[data-testid='skipped-items'] summary")
    assert "only when" in page.inner_text("[data-testid='skipped-items']")
    assert page.problems == []  # no CSP violation, no script error


def test_the_profile_page_is_accessible_and_fits_a_phone(open_page, v2_assessment, alice, tmp_path):
    page = open_page(reverse("profile", args=[v2_assessment.pk]), user=alice, viewport=PHONE)
    assert page.response.status == 200
    page.screenshot(path=tmp_path / "profile-phone.png")  # to look at, with --basetemp
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert blocking(violations(page)) == []


@pytest.mark.parametrize("viewport", [PHONE, None], ids=["phone", "desktop"])
def test_a_category_page_with_skipped_items_and_the_checklist_page_pass_axe(
    open_page, v2_assessment, alice, viewport, tmp_path
):
    set_profile(v2_assessment, alice, **{"P-DECISIONS": "none", "P-OUTPUT": ["none"]})
    size = {"viewport": viewport} if viewport else {}
    for path in (
        reverse("questionnaire", args=[v2_assessment.pk, "inequity"]),
        reverse("checklist:detail", args=["foundation-model-risks", 2]),
    ):
        page = open_page(path, user=alice, **size)
        assert page.response.status == 200
        for summary in page.locator("details summary").all()[:3]:
            summary.click()  # the skipped items, the profile's questions: open, as a reader would
        page.screenshot(
            path=tmp_path / (path.strip("/").replace("/", "_") + ".png"), full_page=True
        )
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
        assert blocking(violations(page)) == [], path
        assert page.problems == [], path
