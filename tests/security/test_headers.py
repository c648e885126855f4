"""Response headers and markup that let the browser enforce the rules.

Every page: a Content-Security-Policy with no inline script, no framing, no
MIME sniffing, a Referrer-Policy. Reports and exports: never stored. Pages:
no inline <script>, no style= attributes, no inline event handlers, so that
CSP (script-src 'self', style-src 'self') costs nothing.
"""

import pytest
from django.urls import reverse

from riskassess.assessments.models import Assessment
from tests.security.support import DOWNLOADS, PAGES, Tags, logged_in, url_for


@pytest.fixture(params=PAGES.values(), ids=PAGES.keys())
def page(request, assessment, team, checklist):
    name, kind, user = request.param
    client = logged_in(request.getfixturevalue(user)) if user else request.getfixturevalue("client")
    return client.get(url_for(name, kind, assessment, team, checklist))


def csp(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    directives = [part.split() for part in policy.split(";") if part.strip()]
    return {d[0]: d[1:] for d in directives}


def test_every_page_has_a_strict_content_security_policy(page):
    assert page.status_code in (200, 404)
    policy = csp(page)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    for sources in policy.values():
        assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources


def test_every_page_refuses_framing_sniffing_and_leaky_referrers(page):
    assert page["X-Frame-Options"] == "DENY"
    assert page["X-Content-Type-Options"] == "nosniff"
    assert page["Referrer-Policy"] == "same-origin"


def test_every_page_has_only_external_scripts(page):
    scripts = [attrs for tag, attrs in Tags(page.content.decode()).tags if tag == "script"]
    assert scripts, "every page loads at least the Bootstrap bundle"
    assert all(attrs.get("src") for attrs in scripts), scripts


def test_no_page_has_inline_styles_or_event_handlers(page):
    tags = Tags(page.content.decode()).tags
    assert [tag for tag, _ in tags if tag == "style"] == []
    assert [(tag, attrs) for tag, attrs in tags if "style" in attrs] == []
    handlers = [(tag, name) for tag, attrs in tags for name in attrs if name.startswith("on")]
    assert handlers == []
    links = [v for _, attrs in tags for k, v in attrs.items() if k in ("href", "src", "action")]
    assert not [v for v in links if v and v.strip().lower().startswith("javascript:")]


@pytest.mark.parametrize("name", DOWNLOADS)
def test_reports_are_never_stored_and_always_downloaded(vera, assessment, name):
    response = logged_in(vera).get(reverse(name, args=[assessment.pk]))
    assert response.status_code == 200
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert "no-store" in cache_control
    assert response["Content-Disposition"].startswith("attachment; ")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name", DOWNLOADS)
def test_a_hostile_title_cannot_break_the_download_header(alice, assessment, name, monkeypatch):
    # Only the header matters here: the PDF itself is not rendered.
    monkeypatch.setattr("riskassess.reports.pdf.render_report_pdf", lambda report: b"%PDF-")
    Assessment.objects.filter(pk=assessment.pk).update(
        title='x"; filename="evil.html"\r\nSet-Cookie: a=b'
    )
    response = logged_in(alice).get(reverse(name, args=[assessment.pk]))
    disposition = response["Content-Disposition"]
    assert disposition.count('"') == 2
    assert "evil.html" not in disposition and "\n" not in disposition
    assert "Set-Cookie" not in str(response.items())


def test_the_autosave_answers_are_json_that_is_not_sniffed(bob, assessment):
    response = logged_in(bob).post(
        reverse("answer_save", args=[assessment.pk, "INQ-01"]),
        '{"option": "no", "comment": "", "version": 1}',
        content_type="application/json",
    )
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_every_page_is_private_and_never_stored(page):
    """Pages show a team's data: no shared or browser cache may keep them (issue 10)."""
    cache_control = {part.strip() for part in page["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control


def test_a_redirect_to_the_login_page_is_not_stored_either(client, assessment):
    response = client.get(reverse("results", args=[assessment.pk]))
    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]
