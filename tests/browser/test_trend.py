"""A deployment's trend chart in a real browser: it fits a phone, passes axe-core, and the
drawing shown is the one for the width.

Screenshots go to pytest's tmp_path, to look at with --basetemp.
"""

from datetime import UTC, datetime, timedelta

import pytest

from riskassess.assessments.models import Revision
from tests.browser.axe import blocking, describe, violations
from tests.browser.conftest import DESKTOP, PHONE
from tests.deployments.factories import add_revision, make_assessment, make_deployment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START = datetime(2024, 1, 8, 10, tzinfo=UTC)
LEVELS = [(20.0, "low"), (35.0, "medium"), (58.5, "high"), (81.0, "critical")]


def deployment_with(team, alice, revisions: int):
    """Two assessments whose revisions interleave in time; one with no score, one provisional."""
    deployment = make_deployment(team, owner=alice, name=f"Support bot, {revisions} revisions")
    first = make_assessment(deployment, title="Launch review", submitted=True)
    second = make_assessment(deployment, title="Re-assessment on v2", submitted=True)
    for n in range(revisions):
        score, level = LEVELS[n % len(LEVELS)]
        if n == 2:
            score, level = None, ""
        made = add_revision(
            (first, second)[n % 2], at=START + timedelta(days=9 * n), level=level, score=score
        )
        if n == 3:
            Revision.objects.filter(pk=made.pk).update(provisional=True)
    return deployment


def fits_and_passes(page) -> None:
    assert page.response.status == 200
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    found = blocking(violations(page))
    assert found == [], describe(found)
    assert page.problems == []  # no CSP violation, no script error


@pytest.mark.parametrize("revisions", [1, 9, 60])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_chart_fits_and_passes_axe(open_page, team, alice, vera, viewport, revisions, tmp_path):
    deployment = deployment_with(team, alice, revisions)
    page = open_page(f"/deployments/{deployment.pk}/", user=vera, viewport=viewport)
    width = "phone" if viewport is PHONE else "desktop"
    page.screenshot(path=tmp_path / f"trend-{revisions}-{width}.png", full_page=True)
    chart_card = page.locator("section[aria-labelledby='trend-h']")
    chart_card.screenshot(path=tmp_path / f"trend-{revisions}-{width}-card.png")
    fits_and_passes(page)
    shown = page.locator("svg.ra-trend:visible")
    assert shown.count() == 1
    assert ("narrow" if viewport is PHONE else "wide") in shown.get_attribute("aria-labelledby")
    box = shown.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    scored = revisions - (revisions > 2)  # the third revision has no score: a dashed line
    assert shown.locator("circle.trend-point").count() == scored
    assert page.locator("[data-testid='trend-row']").count() == revisions
