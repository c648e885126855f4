"""The compare page in a real browser: it fits a phone, passes axe-core, and reads in words.

The deployment: revision 1 all "yes", revision 2 with a critical item answered "no",
then a re-assessment on checklist version 2 (added, removed, reworded and skipped items).
Screenshots go to pytest's tmp_path, to look at with --basetemp.
"""

import pytest

from riskassess.assessments import reassess, services
from riskassess.assessments.data import assessment_data
from tests.browser.axe import blocking, describe, violations
from tests.browser.conftest import DESKTOP, PHONE
from tests.conftest import answer_all, set_profile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def save(assessment, user, key: str, option: str) -> None:
    current = assessment.answers.filter(item__key=key).values_list("version", flat=True).first()
    services.save_answer(
        assessment=assessment,
        item_key=key,
        option_key=option,
        comment="",
        expected_version=current or 0,
        user=user,
    )


@pytest.fixture
def deployment(assessment, alice, v2_checklist):
    answer_all(assessment, alice, "yes")
    services.submit(assessment=assessment, user=alice)
    services.reopen(assessment=assessment, user=alice)
    save(assessment, alice, "INQ-07", "no")
    services.submit(assessment=assessment, user=alice)
    draft = reassess.start(assessment.deployment, user=alice)
    questions = assessment_data(draft)["profile"]
    set_profile(draft, alice, **{q["key"]: q["options"][0]["key"] for q in questions})
    return assessment.deployment


def fits_and_passes(page) -> None:
    assert page.response.status == 200
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    found = blocking(violations(page))
    assert found == [], describe(found)
    assert page.problems == []  # no CSP violation, no script error


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_compare_page_fits_and_passes_axe(open_page, deployment, vera, viewport, tmp_path):
    page = open_page(f"/d/{deployment.pk}/compare/", user=vera, viewport=viewport)
    for summary in page.locator("details summary").all()[:2]:
        summary.click()  # an earlier wording, opened as a reader would
    width = "phone" if viewport is PHONE else "desktop"
    page.screenshot(path=tmp_path / f"compare-{width}.png", full_page=True)
    fits_and_passes(page)
    # The re-assessment's draft against revision 2: the reading in words, not colour alone.
    assert page.inner_text("[data-testid='reading-word']").strip() in {
        "↓ Better",
        "↑ Worse",
        "↕ Mixed",
        "= Unchanged",
        "Not comparable",
    }
    assert page.locator("[data-testid='group-added'] li").count() > 0


def test_choosing_two_revisions_in_the_form_compares_them(open_page, deployment, vera, tmp_path):
    page = open_page(f"/d/{deployment.pk}/compare/", user=vera, viewport=PHONE)
    first, second = deployment.assessments.get(revisions__number=2).revisions.order_by("number")
    page.select_option("#id_before", f"r-{first.pk}")
    page.select_option("#id_after", f"r-{second.pk}")
    page.click("main button[type='submit']")
    page.wait_for_selector("[data-testid='group-answer_changed']")
    page.screenshot(path=tmp_path / "compare-revisions-phone.png", full_page=True)
    assert page.inner_text("[data-testid='reading-word']").strip() == "↑ Worse"
    assert "INQ-07" in page.inner_text("[data-testid='group-answer_changed']")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert blocking(violations(page)) == []


def test_two_version_2_revisions_show_profile_and_coverage_on_a_phone(
    open_page, v2_assessment, alice, vera, tmp_path
):
    questions = assessment_data(v2_assessment)["profile"]
    set_profile(v2_assessment, alice, **{q["key"]: q["options"][0]["key"] for q in questions})
    answer_all(v2_assessment, alice, "yes")
    services.submit(assessment=v2_assessment, user=alice)
    services.reopen(assessment=v2_assessment, user=alice)
    set_profile(v2_assessment, alice, **{"P-DECISIONS": "automated", "P-USERS": "public"})
    save(v2_assessment, alice, "INQ-01", "no")
    services.submit(assessment=v2_assessment, user=alice)
    page = open_page(f"/d/{v2_assessment.deployment_id}/compare/", user=vera, viewport=PHONE)
    page.screenshot(path=tmp_path / "compare-v2-phone.png", full_page=True)
    fits_and_passes(page)
    assert "P-DECISIONS" in page.inner_text("[data-testid='profile-changes']")
    assert page.locator("[data-testid='coverage-changes'] section").count() > 0
