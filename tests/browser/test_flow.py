"""The whole flow in a real browser, under the real Content-Security-Policy."""

import pytest
from django.urls import reverse

from riskassess.accounts.models import Membership, Role, Team, User
from riskassess.assessments.access import get_assessment_for_user
from riskassess.assessments.models import Answer, Assessment
from riskassess.reports.build import build_report

PASSWORD = "correct horse battery staple"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def owner(checklist):
    user = User.objects.create_user("olivia", password=PASSWORD)
    Membership.objects.create(team=Team.objects.create(name="Support"), user=user, role=Role.OWNER)
    return user


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context()
    page = context.new_page()
    # Chromium reports every CSP violation and script error on the console.
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.url_for = lambda name, *args: live_server.url + reverse(name, args=args)
    yield page
    context.close()


def test_a_team_member_answers_a_category_and_sees_the_score(page, owner, checklist):
    page.goto(page.url_for("login"))
    page.fill("#id_username", "olivia")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    page.click("text=New assessment")
    page.fill("#id_title", "Support assistant")
    page.fill("#id_model_name", "support-bot 2.3")
    page.fill("#id_base_model", "an open-weights chat model")
    page.fill("#id_context", "Public-facing, EU customers")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#q-form")
    assessment = Assessment.objects.get(title="Support assistant")

    keys = list(checklist.items.filter(category__key="inequity").values_list("key", flat=True))
    for n, key in enumerate(keys):
        page.click(f"label[for='{key}-opt-{'partly' if n % 3 == 0 else 'yes'}']")
        page.wait_for_selector(f"#item-{key} .q-state[data-state='saved']")
    page.wait_for_function(
        "document.querySelector('#q-global-state').innerText === 'All changes saved'"
    )
    assert page.inner_text("[data-step='inequity'] [data-count='answered']") == str(len(keys))
    assert page.inner_text("#q-progress-text").startswith(f"{len(keys)} of ")

    page.reload()
    for n, key in enumerate(keys):
        option = "partly" if n % 3 == 0 else "yes"
        assert page.is_checked(f"#{key}-opt-{option}"), key
    assert Answer.objects.filter(assessment=assessment).count() == len(keys)

    page.click(".nav-tabs >> text=Results")
    expected = build_report(get_assessment_for_user(owner, assessment.pk))["overall"]["score"]
    assert page.inner_text("[data-testid='overall-score']") == f"{expected:.1f}"
    assert "provisional" in page.inner_text(".alert-warning").lower()
    assert page.problems == []
