"""A format-2 report (riskassess.report/2) on the results page, in the PDF, the CSV and the
XLSX: the profile and impact, the level matrix's cell, the items skipped by rule and the
framework coverage (contracts.md §8); revisions and verification; format 1 unchanged.

Most tests answer the default checklist's version 2 as examples/calibration/
b-public-assistant-no-harm-tests.yaml does: a public text assistant, impact 10
(moderate), whose three critical items answered "no" raise the control level
from low (score 24.5) to high, so the matrix cell is moderate x high -> high.
"""

import csv
import html
import io
import json
import re
from pathlib import Path

import openpyxl
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from riskassess.assessments import answersfile, data_v2, services
from riskassess.assessments.access import get_assessment_for_user
from riskassess.assessments.models import Revision
from riskassess.reports import exports, pdf, present_v2
from riskassess.reports.build import build_report
from tests.conftest import new_assessment, set_profile

CALIBRATION = Path(__file__).resolve().parents[2] / "examples" / "calibration"
PUBLIC = "b-public-assistant-no-harm-tests.yaml"
INTERNAL = "a-internal-tool.yaml"
# Skipped under PUBLIC's profile (P-DECISIONS: none), and critical whatever the profile.
DECISIONS_ITEM = "INQ-07"
DECISIONS_QUESTION = (
    "Are outputs used to make or inform decisions about individual people, and how automatically?"
)
DECISIONS_LABELS = " or ".join(
    f"\u201c{label}\u201d"
    for label in (
        "Outputs are one input to a decision a person makes",
        "The system proposes each decision and a person approves it",
        "Decisions take effect without a person reviewing each one",
    )
)


def decisions_reason(report) -> str:
    """INQ-07's skip reason as data_v2.skip_reason words it, checked to name its question and
    the three options under which it would apply (the exact sentence is that helper's)."""
    item = next(i for i in report["items"] if i["key"] == DECISIONS_ITEM)
    reason = data_v2.skip_reason(item["skipped_by"], report.data)
    assert reason.startswith("It applies only when ") and DECISIONS_QUESTION in reason
    assert DECISIONS_LABELS in reason
    return reason


def answer_file(assessment, user, name: str, overrides: dict | None = None) -> None:
    """Save an answers file's profile and answers into `assessment`, as an editor would."""
    parsed = answersfile.parse((CALIBRATION / name).read_bytes())
    set_profile(assessment, user, **parsed.profile)
    for key, (option, comment) in {**parsed.answers, **(overrides or {})}.items():
        services.save_answer(
            assessment=assessment,
            item_key=key,
            option_key=option,
            comment=comment,
            expected_version=0,
            user=user,
        )


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


@pytest.fixture
def public(v2_assessment, alice):
    """PUBLIC answered, and the skipped INQ-07 answered too (before the profile said no)."""
    answer_file(
        v2_assessment, alice, PUBLIC, {DECISIONS_ITEM: ("no", "Answered before the profile.")}
    )
    return get_assessment_for_user(alice, v2_assessment.pk)


def page_text(client, url: str) -> str:
    """The page's visible text on one line, entities decoded."""
    body = client.get(url).content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def section(text: str, start: str, end: str | None = None) -> str:
    part = text[text.index(start) :]
    return part[: part.index(end)] if end else part


def pdf_text(body: bytes) -> list[str]:
    return [
        " ".join(page.extract_text().replace("\u200b", "").split())
        for page in PdfReader(io.BytesIO(body)).pages
    ]


# The results page --------------------------------------------------------------------------


def test_the_page_names_the_matrix_cell_and_the_escalation_that_raised_the_control_level(
    client, public, vera
):
    client.force_login(vera)
    text = page_text(client, f"/a/{public.pk}/results/")
    profile = section(text, "Profile and impact", "Escalated by critical items")
    assert "Moderate impact \u00d7 high control gap \u2192 high" in profile
    assert (
        "Impact: 10 points, moderate tier (moderate from 4 points, high from 12, very high "
        "from 18)." in profile
    )
    assert (
        "Control level: high, raised from low (the overall score, 24.5) by critical items "
        "INQ-06, MIS-02 and LEG-12, answered with the highest risk." in profile
    )
    # Each profile question with its answer's label and the points it adds; then the total.
    assert "Who can use the system? P-USERS The public 2 points" in profile
    assert "Impact total Moderate tier 10 points" in profile
    # The matrix is not raised above its cell here: nothing says so.
    assert "Raised from" not in profile


def test_an_escalation_above_the_cell_says_so_naming_the_items(client, v2_assessment, alice):
    """A limited impact with a failed critical item: the cell says medium, the level is high."""
    answer_file(v2_assessment, alice, INTERNAL, {"LEG-10": ("no", "")})
    client.force_login(alice)
    report = build_report(get_assessment_for_user(alice, v2_assessment.pk))
    overall = report["overall"]
    assert report["impact"]["tier"] == "limited" and overall["escalated_by"] == ["LEG-10"]
    assert (overall["control_level"], overall["level"]) == ("high", "high")
    text = page_text(client, f"/a/{v2_assessment.pk}/results/")
    assert "Limited impact \u00d7 high control gap \u2192 medium" in text
    assert (
        "Raised from medium to high by critical item LEG-10, answered with the highest risk: "
        "a failed critical item always makes the overall level at least high." in text
    )


def test_an_unanswered_profile_question_counts_at_its_worst(client, v2_assessment, alice):
    set_profile(v2_assessment, alice, **{"P-STAGE": "production", "P-OUTPUT": ["text"]})
    client.force_login(alice)
    text = page_text(client, f"/a/{v2_assessment.pk}/results/")
    row = section(text, "Who can use the system?", "Where is the system offered")
    assert "Not answered \u2014 counted at its worst: 3 points" in row
    assert "What does the system produce that people see or use? P-OUTPUT Generated text" in text
    assert "17 of 19 profile questions are not answered yet; each counts at its worst." in text
    assert "Profile answered 2 / 19" in text


def test_skipped_items_are_listed_with_their_rule_and_a_kept_answer_is_ignored(
    client, public, vera
):
    report = build_report(public)
    skipped = [i["key"] for i in report["items"] if not i["applies"]]
    client.force_login(vera)
    text = page_text(client, f"/a/{public.pk}/results/")
    part = section(text, "Skipped by rule", "Framework coverage")
    assert f"{len(skipped)} items do not apply to this profile" in part
    assert all(f"{key} Skipped" in part for key in skipped)
    reason = decisions_reason(report)
    after = part[part.index(reason) + len(reason) :]
    group = after[: after.index(" applies only when ")]
    assert f"{DECISIONS_ITEM} Skipped Critical" in group
    assert "Answer kept, ignored: No: not done. It counts again if the profile changes back." in (
        group
    )
    # Kept, and ignored: no exposure, so no finding.
    assert DECISIONS_ITEM not in [f["key"] for f in report["top_findings"]]


def test_the_coverage_counts_are_the_jsons_and_what_is_not_covered_is_listed(client, public, vera):
    client.force_login(vera)
    data = json.loads(client.get(f"/a/{public.pk}/report.json").content)
    text = page_text(client, f"/a/{public.pk}/results/")
    part = section(text, "Framework coverage", "Report fingerprint")
    assert len(data["coverage"]) == 4
    for framework in data["coverage"]:
        block = section(part, framework["name"])
        counts = " ".join(f"{n} {status}" for status, n in framework["counts"].items() if n)
        total = len(framework["requirements"])
        heading = f"{framework['name']} {framework['version']} {total} requirements: {counts}"
        assert block.startswith(heading)
        missing = [r for r in framework["requirements"] if r["status"] == "not covered"]
        if missing:
            listed = " ".join(f"{r['id']} {r['title']}" for r in missing)
            assert f"the checklist asks nothing about: {listed}" in block
    nist = next(f for f in data["coverage"] if f["framework"] == "nist-ai-rmf")
    assert len(nist["requirements"]) == 72
    assert "GV-1.2" in part and "All 72 requirements, with their status and items" in part


def test_the_page_takes_the_same_queries_with_no_answers_and_with_all_of_them(
    client, alice, team, v2_checklist
):
    empty = new_assessment(alice, team, v2_checklist, title="empty")
    full = new_assessment(alice, team, v2_checklist, title="full")
    answer_file(full, alice, PUBLIC, {DECISIONS_ITEM: ("no", "kept")})
    client.force_login(alice)
    counts = []
    for assessment in (empty, full):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/a/{assessment.pk}/results/")
        assert response.status_code == 200 and b"Framework coverage" in response.content
        counts.append(len(queries.captured_queries))
    # The same whatever the number of answers, profile choices and skipped items.
    assert counts[0] == counts[1], counts


def test_a_format_1_page_and_files_have_none_of_it(client, assessment, alice):
    client.force_login(alice)
    text = page_text(client, f"/a/{assessment.pk}/results/")
    assert "Profile and impact" not in text and "Framework coverage" not in text
    report = build_report(get_assessment_for_user(alice, assessment.pk))
    assert present_v2.presentation(report) is None
    header = next(csv.reader(io.StringIO(exports.to_csv(report)[1:])))
    assert header == [*exports.RECORD_COLUMNS, *(t for _, t in exports.ITEM_COLUMNS)]
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(report)), read_only=True)
    assert book.sheetnames == ["Summary", "Items"]


# CSV and XLSX ------------------------------------------------------------------------------


def test_the_csv_is_one_table_with_the_profile_and_the_v2_item_columns(public):
    report = build_report(public)
    rows = list(csv.DictReader(io.StringIO(exports.to_csv(report)[1:])))
    assert [r["Item"] for r in rows] == [i["key"] for i in report["items"]]
    profile = dict(part.split("=") for part in rows[0]["Profile"].split("; "))
    assert {k: v.split(",") if v else [] for k, v in profile.items()} == {
        q["key"]: q["answers"] for q in report["profile"]
    }
    assert profile["P-USERS"] == "public" and profile["P-ADAPT"] == "prompt,retrieval"
    record = {(r["Impact total"], r["Impact tier"], r["Profile"]) for r in rows}
    assert record == {("10", "moderate", rows[0]["Profile"])}
    row = next(r for r in rows if r["Item"] == DECISIONS_ITEM)
    # Skipped, critical as evaluated, its answer kept, counting for nothing.
    assert [row[c] for c in ("Applies", "Critical", "Answer key", "Risk")] == [
        "no",
        "yes",
        "no",
        "",
    ]
    assert row["Skipped because"] == decisions_reason(report)
    assert row["Scope"] == "deployment"
    assert row["Framework: nist-ai-rmf"] == "MS-2.11; MS-2.3; MP-5.1"
    assert row["Framework: eu-ai-act"] == "10(2)(f); 27(1)"
    applying = next(r for r in rows if r["Item"] == "INQ-06")
    assert [applying[c] for c in ("Applies", "Skipped because", "Critical")] == ["yes", "", "yes"]
    assert {r["Scope"] for r in rows} == {"deployment", "base_model"}


def test_the_xlsx_has_a_profile_and_a_coverage_sheet(client, public, vera):
    client.force_login(vera)
    response = client.get(f"/a/{public.pk}/report.xlsx")
    report = json.loads(client.get(f"/a/{public.pk}/report.json").content)
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["Summary", "Items", "Profile", "Coverage"]
    profile = list(book["Profile"].iter_rows(values_only=True))
    assert profile[0] == ("Question key", "Question", "Answers", "Answer keys", "Impact points")
    users = next(r for r in profile if r[0] == "P-USERS")
    assert users == ("P-USERS", "Who can use the system?", "The public", "public", 2)
    totals = {r[0]: r[4] for r in profile[len(report["profile"]) + 1 :] if r[0]}
    assert totals == {"Impact total": 10, "Impact tier": "Moderate"}
    coverage = list(book["Coverage"].iter_rows(values_only=True))
    assert coverage[0] == ("Framework", "Requirement", "Title", "Status", "Items")
    expected = [
        (f["name"], r["id"], r["title"], r["status"], ", ".join(r["items"]) or None)
        for f in report["coverage"]
        for r in f["requirements"]
    ]
    assert coverage[1:] == expected
    summary = {r[0]: r[1] for r in book["Summary"].iter_rows(values_only=True) if r[0]}
    assert summary["Level matrix"] == "Moderate impact \u00d7 high control gap \u2192 high"
    figures = [summary[k] for k in ("Impact total", "Impact tier", "Control level")]
    assert figures == [10, "Moderate", "High"]
    items = list(book["Items"].iter_rows(values_only=True))
    assert items[0][5:8] == ("Impact total", "Impact tier", "Profile")
    assert items[0][-4:] == tuple(f"Framework: {f['framework']}" for f in report["coverage"])


# The PDF -------------------------------------------------------------------------------------


def test_the_pdf_key_changes_with_the_wording_the_fingerprint_does_not_cover(public):
    """A checklist edit to an option nobody chose rewords a skip reason, not the report."""
    report = build_report(public)
    before = pdf.cache_key(report)
    decisions = next(q for q in report.data["profile"] if q["key"] == "P-DECISIONS")
    next(o for o in decisions["options"] if o["key"] == "advisory")["label"] = "Advice only"
    assert pdf.cache_key(report) != before
    assert before.split(":")[4] == pdf.cache_key(report).split(":")[4] == report["fingerprint"]


def test_a_bare_report_is_worded_with_what_it_holds(public):
    """A JSON export read back has no data beside it: conditions name option keys."""
    built = build_report(public)
    report = json.loads(exports.to_json(built))
    shown = present_v2.presentation(report)
    # The exact score, and so the level the thresholds give, is the scoring's, from the report.
    exact = present_v2.exact_score(report)
    assert exact == data_v2.score(built.data).score and float(exact) != report["overall"]["score"]
    assert "raised from low (the overall score, 24.5)" in shown["story"]["control_sentence"]
    reason = shown["reasons"][DECISIONS_ITEM]
    assert DECISIONS_QUESTION in reason and DECISIONS_LABELS not in reason
    assert reason.endswith(
        " is \u201cadvisory\u201d or \u201creviewed\u201d or \u201cautomated\u201d."
    )
    # Escalated to high: without the matrix the cell cannot be told.
    assert shown["story"]["cell"] is None and shown["story"]["grid"] is None
    assert shown["story"]["matrix_sentence"].startswith("Moderate impact \u00d7 high control gap")


# Revisions and verification -----------------------------------------------------------------


@pytest.fixture
def submitted(public, alice):
    services.submit(assessment=public, user=alice)
    return get_assessment_for_user(alice, public.pk)


def test_a_revision_shows_its_frozen_report_after_the_profile_changes(client, submitted, alice):
    services.reopen(assessment=submitted, user=alice)
    set_profile(submitted, alice, **{"P-USERS": "minors"})
    client.force_login(alice)
    revision = page_text(client, f"/a/{submitted.pk}/r/1/")
    now = page_text(client, f"/a/{submitted.pk}/results/")
    assert "Revision 1 of 1" in revision
    assert "Moderate impact \u00d7 high control gap \u2192 high" in revision
    assert "Who can use the system? P-USERS The public 2 points" in revision
    reason = decisions_reason(build_report(submitted, revision=submitted.revisions.get()))
    assert reason in revision and "Framework coverage" in revision
    assert "Who can use the system? P-USERS The public, possibly including minors 3 points" in now
    response = client.get(f"/a/{submitted.pk}/r/1/report.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode()[1:])))
    assert "P-USERS=public;" in rows[0]["Profile"] and rows[0]["Revision"] == "1 of 1"
    assert next(r for r in rows if r["Item"] == DECISIONS_ITEM)["Skipped because"] == reason
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/a/{submitted.pk}/r/1/report.xlsx").content), read_only=True
    )
    assert book.sheetnames == ["Summary", "Items", "Profile", "Coverage"]


def test_a_v2_revision_verifies_by_its_fingerprint_and_its_json(client, submitted, vera):
    printed = Revision.objects.get(assessment=submitted, number=1).fingerprint
    client.force_login(vera)
    page = client.post("/verify/", {"fingerprint": printed}).content.decode()
    assert "Match." in page and f"/a/{submitted.pk}/r/1/" in page
    raw = client.get(f"/a/{submitted.pk}/r/1/report.json").content
    assert json.loads(raw)["schema"] == "riskassess.report/2"
    upload = SimpleUploadedFile("r.json", raw, content_type="application/json")
    page = client.post("/verify/", {"report": upload}).content.decode()
    assert "Match." in page and "changed after it was exported" not in page


def test_the_revision_pdf_has_the_profile_the_skips_and_the_coverage_and_verifies(
    client, submitted, vera
):
    client.force_login(vera)
    report = json.loads(client.get(f"/a/{submitted.pk}/r/1/report.json").content)
    body = client.get(f"/a/{submitted.pk}/r/1/report.pdf").content
    pages = pdf_text(body)
    text = " ".join(pages)
    summary = next(p for p in pages if "Executive summary 24.5" in p)
    cell = "Moderate impact \u00d7 high control gap \u2192 high"
    assert f"{cell} (see \u201cProfile and impact\u201d)" in summary
    # Counted over the items that apply, as the category rows are: INQ-07's kept answer is not.
    assert (
        "80 of 80 items that apply are answered; 79 of 79 required items and 19 of 19 " in summary
    )
    assert "profile questions (100%)" in summary and "Overall 24.5 HIGH 80 / 80 0 100%" in summary
    profile = section(text, "Profile and impact Moderate impact", "Escalations These")
    assert "Control level: high, raised from low (the overall score, 24.5)" in profile
    assert "Who can use the system? P-USERS The public 2 points" in profile
    assert "Impact total Moderate tier 10 points" in profile
    skipped = section(
        text, "do not apply to this profile. They are left out", "Answers by category"
    )
    assert decisions_reason(build_report(submitted)) in skipped
    assert "Answer kept, ignored: No: not done" in skipped
    answers = section(text, "Answers by category")
    item = section(answers, f"{DECISIONS_ITEM} \u00b7", "INQ-08 \u00b7")
    assert "Skipped by rule \u00b7 Weight 5" in item
    assert "Answer kept, ignored: No: not done." in item
    appendix = section(text, "Appendix: framework coverage For each", "Appendix: methodology")
    for framework in report["coverage"]:
        counts = " ".join(str(framework["counts"][s]) for s in present_v2.STATUSES)
        block = section(appendix, framework["name"])
        assert f"Requirements {counts} {len(framework['requirements'])}" in block
    assert "Not covered, the checklist asks nothing about: GV-1.2, GV-1.4, GV-1.7." in appendix
    assert report["fingerprint"] in pages[-1]
    upload = SimpleUploadedFile("r.pdf", body, content_type="application/pdf")
    page = client.post("/verify/", {"report": upload}).content.decode()
    assert "Match." in page and f"/a/{submitted.pk}/r/1/" in page
