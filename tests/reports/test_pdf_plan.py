"""The PDF's "Action plan": counts, the projection labelled as such, each finding's treatment
and actions; nothing for a report made before plans existed."""

import copy
import io
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from pypdf import PdfReader

from riskassess.accounts.models import Membership, Role
from riskassess.actions import services
from riskassess.actions.models import Finding
from riskassess.reports import pdf, pdf_context, pdf_plan
from riskassess.reports.build import build_report
from tests.conftest import answer_all, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


@pytest.fixture
def answered(assessment, alice):
    """alice's draft with every item answered "no": every item is a finding."""
    answer_all(assessment, alice, "no")
    return assessment


def findings_of(assessment) -> list[str]:
    return [t["item"] for t in build_report(assessment)["treatments"]]


def plan(assessment, user, keys, **extra):
    return services.create_action(
        deployment_id=assessment.deployment_id,
        user=user,
        title=extra.pop("title", "Red-team the model"),
        owner=extra.pop("owner", user),
        due_on=extra.pop("due_on", timezone.localdate() + timedelta(days=30)),
        item_keys=keys,
        findings=findings_of(assessment),
        **extra,
    )


def accept(assessment, key, proposer, decider):
    services.propose_acceptance(
        deployment_id=assessment.deployment_id, item_key=key, justification="Internal use only",
        expires_on=timezone.localdate() + timedelta(days=90), user=proposer,
        findings=findings_of(assessment),
    )  # fmt: skip
    finding = Finding.objects.get(deployment_id=assessment.deployment_id, item_key=key)
    services.decide_acceptance(finding=finding, user=decider, accept=True)


@pytest.fixture
def planned(answered, alice, bob, team):
    """Two actions (one owned by bob, on two findings), and a risk accepted by rita."""
    rita = make_user("rita")
    Membership.objects.create(team=team, user=rita, role=Role.REVIEWER)
    keys = findings_of(answered)
    plan(answered, alice, keys[:2], title="Red-team the model", owner=bob)
    plan(answered, alice, keys[:1], title="Publish a usage policy")
    accept(answered, keys[-1], bob, rita)
    return answered


def flat_pages(body: bytes) -> list[str]:
    """Each page's text on one line (line breaks fall wherever the layout puts them)."""
    reader = PdfReader(io.BytesIO(body))
    return [
        re.sub(r"\s+", " ", page.extract_text().replace(pdf_context.ZWSP, "")).strip()
        for page in reader.pages
    ]


def plan_pages(pages: list[str]) -> str:
    """The text of the section, from its heading to the appendix."""
    start = next(i for i, page in enumerate(pages) if "Action plan What the team" in page)
    end = next(i for i, page in enumerate(pages) if "Appendix: methodology Scoring" in page)
    return " ".join(pages[start:end])


def test_the_pdf_prints_the_plan_with_actions_owners_and_acceptances(planned):
    report = build_report(planned)
    text = plan_pages(flat_pages(pdf.render_report_pdf(report)))
    first = report["treatments"][0]["item"]
    assert f"MITIGATE {first}" in text
    assert "Red-team the model" in text and "Publish a usage policy" in text
    assert "Action Owner Due Status" in text and "Red-team the model Also for" in text
    assert " bob " in text and "Overdue on" in text
    until = timezone.localdate() + timedelta(days=90)
    assert f"ACCEPTED UNTIL {until:%-d %b %Y}".upper() in text
    assert "by rita (reviewer)" in text and "proposed by bob" in text
    assert "Justification: Internal use only" in text
    assert "Undecided, nothing planned" in text
    # The projection, labelled as one, beside the score that does not move.
    projected = f"{report['projection']['score']:.1f}"
    assert "Projection, not the score: if the 2 open mitigations are completed" in text
    assert f"the score would be {projected} / 100" in text
    assert f"The score of this report stays {report['overall']['score']:.1f}" in text


def test_the_summary_the_outline_and_the_links(planned):
    report = build_report(planned)
    body = pdf.render_report_pdf(report)
    summary = next(p for p in flat_pages(body) if "Executive summary" in p[:40])
    projected = f"{report['projection']['score']:.1f}"
    assert f"Projection, not the score: {projected} / 100" in summary
    assert "if the 2 open mitigations are completed and their items answered" in summary
    reader = PdfReader(io.BytesIO(body))
    top = [entry.title for entry in reader.outline if not isinstance(entry, list)]
    assert top.index("Action plan") == top.index("Answers by category") + 1
    # Internal links only (the contents): no URI anywhere.
    for page in reader.pages:
        for annotation in page.get("/Annots", []) or []:
            action = annotation.get_object().get("/A") or {}
            assert action.get("/S") != "/URI"


def old_report(report: dict) -> dict:
    """The report as a revision submitted before plans existed stores it."""
    old = copy.deepcopy(dict(report))
    del old["treatments"], old["actions"]
    old["projection"] = None
    return old


def test_a_report_without_a_plan_has_no_section(planned):
    report = old_report(build_report(planned))
    assert pdf_plan.context(report) == {"plan": None}
    html = pdf.render_report_html(report)
    assert 'id="plan"' not in html
    assert "Projection, not the score" not in html


def test_a_plan_without_findings_says_so(assessment, alice):
    answer_all(assessment, alice, "yes")
    html = pdf.render_report_html(build_report(assessment))
    assert 'id="plan"' in html
    assert "No finding: no item that applies is answered with a risk above zero" in html
    assert "No projection: no finding has an open or in-progress mitigation." in html


def test_a_draft_judges_overdue_on_the_day_it_is_made(planned):
    report = build_report(planned)
    report["actions"][0]["due_on"] = (timezone.localdate() - timedelta(days=1)).isoformat()
    shown = pdf_plan.context(report)["plan"]
    assert shown["counts"]["overdue"] == 1 and not shown["frozen"]
    assert shown["on_text"] == f"{timezone.localdate():%-d %b %Y}"
    assert pdf_plan.overdue_ids(report) == [report["actions"][0]["id"]]


def test_a_revision_judges_overdue_on_the_day_it_was_submitted(planned):
    report = build_report(planned)
    report["record"] = {"revision": 1, "revisions": 1, "current": True}
    report["assessment"]["submitted_at"] = "2020-01-15T10:00:00Z"
    shown = pdf_plan.context(report)["plan"]
    assert shown["frozen"] and shown["on_text"] == "15 Jan 2020"
    assert shown["counts"]["overdue"] == 0  # every due date is after that day
    assert pdf_plan.cache_part(report) == ""


def test_the_draft_pdf_key_changes_with_the_plan(answered, alice):
    before = pdf.cache_key(build_report(answered))
    plan(answered, alice, findings_of(answered)[:1])
    assert pdf.cache_key(build_report(answered)) != before


def test_the_printed_actions_are_capped(planned, monkeypatch):
    monkeypatch.setattr(pdf_plan, "MAX_ACTIONS", 1)
    shown = pdf_plan.context(build_report(planned))["plan"]
    assert sum(len(row["actions"]) for row in shown["rows"]) == 1
    assert shown["left_out"] == 2


def test_a_lapsed_acceptance_and_an_action_on_a_former_finding_are_printed(answered, alice):
    report = build_report(answered)
    lapsed = report["treatments"][0]
    lapsed.update(lapsed_on="2026-01-31")
    report["actions"].append(
        {"id": "x", "title": "Close the old gap", "description": "", "owner": "alice",
         "due_on": "2020-01-01", "status": "in_progress", "items": ["OLD-01"],
         "evidence": None, "created_by": "alice", "created_at": None, "done_at": None}
    )  # fmt: skip
    shown = pdf_plan.context(report)["plan"]
    row = next(r for r in shown["rows"] if r["key"] == lapsed["item"])
    assert row["lapsed_text"] == "An acceptance expired on 31 Jan 2026: undecided again."
    assert row["label"] == "Undecided" and row["actions"] == []
    (other,) = shown["elsewhere"]
    assert (other["title"], other["items"], other["overdue"]) == (
        "Close the old gap",
        "OLD-01",
        True,
    )
    assert shown["counts"]["in_progress"] == shown["counts"]["overdue"] == 1
    html = pdf.render_report_html(report)
    assert "Still open, on items that are no longer findings" in html
