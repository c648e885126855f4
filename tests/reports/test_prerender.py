"""A submitted assessment's PDF is rendered into storage (a task) as it is submitted."""

import logging

import pytest
from django.core.cache import cache
from django.urls import reverse

from riskassess.assessments import services
from riskassess.assessments.access import get_assessment_for_user
from riskassess.checklist.services import load_checklist
from riskassess.checklist.spec import validate
from riskassess.reports import pdf, pdf_store
from riskassess.reports.build import build_report
from tests.checklist.test_loader import small_data
from tests.reports.factories import answer, make_assessment


@pytest.fixture(autouse=True)
def prerender_on(settings):
    cache.clear()
    settings.PDF_PRERENDER_ON_SUBMIT = True


@pytest.fixture
def ready(db, alice, team):
    """A draft with every required item answered, ready to submit."""
    checklist = load_checklist(validate(small_data()))[0]
    assessment = make_assessment(alice, team, checklist, title="Ready to submit")
    answer(assessment, alice, "MIS-01", "yes", "Gated by SSO.")
    answer(assessment, alice, "MIS-02", "sampled", "One conversation in a hundred.")
    return assessment


def cached_pdf(assessment, user):
    """The stored PDF of the assessment's report as it stands, or None."""
    report = build_report(get_assessment_for_user(user, assessment.pk))
    return pdf_store.load(pdf.cache_key(report))


def test_submitting_renders_the_pdf_into_storage(
    client, alice, vera, ready, monkeypatch, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    assert cached_pdf(ready, alice) is None
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("assessment_submit", args=[ready.pk]))
    assert response.status_code == 302 and len(callbacks) == 1
    body = cached_pdf(ready, alice)
    assert body is not None and body.startswith(b"%PDF")

    # A reviewer's download is that file: nothing is rendered again.
    def no_render(report):
        raise AssertionError("rendered again")

    monkeypatch.setattr(pdf, "_render_pdf", no_render)
    client.force_login(vera)
    download = client.get(reverse("report_pdf", args=[ready.pk]))
    assert download.status_code == 200 and download.content == body


def test_nothing_is_rendered_before_the_submission_commits(
    alice, ready, monkeypatch, django_capture_on_commit_callbacks
):
    rendered = []
    monkeypatch.setattr(pdf, "_render_pdf", lambda report: rendered.append(report) or b"%PDF-")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.submit(assessment=ready, user=alice)
    assert rendered == [] and len(callbacks) == 1
    callbacks[0]()
    assert [r["assessment"]["status"] for r in rendered] == ["submitted"]


def test_a_failed_render_is_logged_and_the_submission_stands(
    alice, ready, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broken(report):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(pdf, "_render_pdf", broken)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        services.submit(assessment=ready, user=alice)
    ready.refresh_from_db()
    assert ready.status == "submitted"
    assert f"Could not render the PDF of submitted assessment {ready.pk}" in caplog.text
    assert cached_pdf(ready, alice) is None


def test_the_setting_turns_it_off(settings, alice, ready, django_capture_on_commit_callbacks):
    settings.PDF_PRERENDER_ON_SUBMIT = False
    with django_capture_on_commit_callbacks(execute=True):
        services.submit(assessment=ready, user=alice)
    assert cached_pdf(ready, alice) is None


def test_an_approval_gets_a_pdf_of_its_own_with_the_sign_off(
    alice, team, ready, django_capture_on_commit_callbacks
):
    """The review is not in the fingerprinted content, so it is in the cache key: the PDF
    rendered when the revision went into review is never served as the approved one."""
    import io

    from pypdf import PdfReader

    from riskassess.accounts.models import Membership, Role
    from riskassess.assessments import workflow
    from tests.conftest import make_user

    def text(body):
        return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)

    team.review_required = True
    team.save()
    rita = make_user("rita")
    Membership.objects.create(team=team, user=rita, role=Role.REVIEWER)
    with django_capture_on_commit_callbacks(execute=True):
        services.submit(assessment=ready, user=alice)
    in_review = cached_pdf(ready, alice)
    assert in_review is not None and "in review, not approved yet" in text(in_review)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(ready, "approve", user=rita, text="Signed off for launch.")
    approved = cached_pdf(ready, alice)
    assert approved is not None and approved != in_review
    assert "Signed off for launch." in text(approved)
