"""Every main page (pages.PAGES) in a real browser, under the real Content-Security-Policy.

One visit per page checks three things, and a failure lists every problem found:
- axe-core finds no serious or critical violation, on a desktop and on a 390 px phone;
- on the phone nothing is wider than the screen (the page never scrolls sideways;
  wide tables scroll inside their own box) and the results chart fits, legibly;
- the console shows no error: Chromium reports every CSP violation there.
"""

import pytest
from django.urls import reverse

from riskassess.assessments.access import get_assessment_for_user
from riskassess.reports import pdf, pdf_store
from riskassess.reports.build import build_report
from tests.browser import axe
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.pages import PAGES, V2_PAGES, add_v2

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Chart text drawn smaller than this (in CSS px) is hard to read.
LEGIBLE_PX = 10
# Elements that may be wider than the screen because they scroll inside their own box.
SCROLL_BOXES = ".table-responsive, .chart-wrap"
TEXT_SIZE = "el => parseFloat(getComputedStyle(el.querySelector('text')).fontSize)"
# What sticks out: not what a scroll box clips, but what escapes it (absolutely positioned).
TOO_WIDE = """([width, boxes]) => [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > width + 0.5)
    .filter(el => !el.parentElement.closest(boxes)
                  || ['absolute', 'fixed'].includes(getComputedStyle(el).position))
    .slice(0, 6)
    .map(el => el.tagName.toLowerCase() + [...el.classList].map(c => '.' + c).join(''))"""


def accessibility_problems(page, where: str) -> list[str]:
    found = axe.blocking(axe.violations(page))
    return [f"axe at {where}:\n{axe.describe(found)}"] if found else []


def desktop_and_phone_problems(page, state: str = "") -> list[str]:
    """axe at the page's desktop width, then at 390 px with the width checks."""
    where = f", {state}" if state else ""
    problems = accessibility_problems(page, f"desktop width{where}")
    page.set_viewport_size(PHONE)
    page.wait_for_function(f"innerWidth === {PHONE['width']}")
    problems += accessibility_problems(page, f"{PHONE['width']} px{where}")
    return problems + width_problems(page)


def width_problems(page) -> list[str]:
    problems = []
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        culprits = page.evaluate(TOO_WIDE, [PHONE["width"], SCROLL_BOXES])
        problems.append(f"the page is {width} px wide at {PHONE['width']} px: {culprits}")
    # The results chart: one of its two drawings (wide, narrow) is shown, as the column allows.
    chart = page.locator(".chart-wrap svg").locator("visible=true")
    if page.locator(".chart-wrap").count() and chart.count() != 1:
        problems.append(f"{chart.count()} charts are shown, not one")
    elif chart.count():
        box = chart.bounding_box()
        if box["x"] < 0 or box["x"] + box["width"] > PHONE["width"]:
            problems.append(f"the chart does not fit the screen: {box}")
        # Its text scales with the drawing: font-size is in units of the viewBox.
        units = chart.evaluate(TEXT_SIZE)
        scale = box["width"] / chart.evaluate("el => el.viewBox.baseVal.width")
        if units * scale < LEGIBLE_PX:
            problems.append(f"the chart's text is {units * scale:.1f} px high")
    return problems


@pytest.mark.parametrize("spec", PAGES, ids=str)
def test_page_is_accessible_fits_a_phone_and_logs_no_error(open_page, world, spec):
    user = world.users[spec.user] if spec.user else None
    page = open_page(spec.url(world), user=user, viewport=DESKTOP)
    assert page.response.status == spec.status
    problems = desktop_and_phone_problems(page)
    # The not-found page is itself a 404 response, which Chromium logs.
    logged = [p for p in page.problems if not (spec.status == 404 and "404" in p)]
    problems += [f"console: {text}" for text in logged]
    assert not problems, f"{spec.name} at {spec.url(world)}:\n" + "\n".join(problems)


@pytest.fixture
def v2_world(world):
    return add_v2(world)


@pytest.mark.parametrize("spec", V2_PAGES, ids=str)
def test_a_format_2_report_page_is_accessible_and_fits_a_phone(open_page, v2_world, spec):
    """The profile, the level matrix, the skipped items and every coverage table, unfolded."""
    page = open_page(spec.url(v2_world), user=v2_world.users[spec.user], viewport=DESKTOP)
    assert page.response.status == spec.status
    for name in ("Profile and impact", "Skipped by rule", "Framework coverage"):
        assert page.get_by_role("heading", name=name).count() == 1, name
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    assert page.locator(".coverage-table tbody tr").count() == 72 + 48 + 38 + 24
    problems = desktop_and_phone_problems(page, "details open")
    problems += [f"console: {text}" for text in page.problems]
    assert not problems, f"{spec.name} at {spec.url(v2_world)}:\n" + "\n".join(problems)


def test_the_team_pages_refused_review_interval_is_accessible(open_page, world):
    """The team page's review interval form after a refused value: shown, kept, announced."""
    page = open_page(reverse("team", args=[world.team.pk]), user=world.users["alice"])
    page.fill("#id_review_months", "61")
    with page.expect_navigation():
        page.get_by_role("button", name="Save interval").click()
    field = page.get_by_label("Review interval for new deployments")
    assert field.input_value() == "61"
    assert field.get_attribute("aria-invalid") == "true"
    assert page.locator("#review-error").is_visible()
    problems = desktop_and_phone_problems(page, "value refused")
    problems += [f"console: {text}" for text in page.problems if "400" not in text]
    assert not problems, "\n".join(problems)
    world.team.refresh_from_db()
    assert world.team.review_months == 12


def test_the_pdf_being_prepared_page_is_accessible_and_becomes_the_download(
    open_page, world, settings, run_task_worker
):
    """With the database task queue: the 202 page passes axe at both widths, and once
    the worker has stored the PDF, the page's own Refresh (a header: no script, no meta
    refresh) downloads it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    alice = world.users["alice"]
    page = open_page(reverse("report_pdf", args=[world.submitted.pk]), user=alice)
    assert page.response.status == 202
    assert page.get_by_role("heading", name="The PDF is being prepared").count() == 1
    problems = desktop_and_phone_problems(page)
    problems += [f"console: {text}" for text in page.problems]
    assert not problems, "\n".join(problems)

    run_task_worker()
    report = build_report(get_assessment_for_user(alice, world.submitted.pk))
    stored = pdf_store.load(pdf.cache_key(report))
    assert stored is not None and stored.startswith(b"%PDF")
    with page.expect_download(timeout=15_000) as download:
        pass  # the Refresh header loads the URL again within three seconds
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as saved:
        assert saved.read() == stored
