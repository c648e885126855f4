"""The report as JSON (contracts.md §5), and as CSV and XLSX for spreadsheets.

CSV and XLSX carry the same rows: one per item, each naming the assessment,
its revision, its status and whether the report is provisional, so a row
copied into another sheet still says where it came from; categories are named
as on screen. The CSV is UTF-8 with a byte-order mark, which spreadsheet
programs need to read "§" and "—" as such. Cells a spreadsheet would run as
formulas are neutralised in both.

A format-2 report (schema riskassess.report/2; a /1 report's files do not
change) keeps the CSV one table, one row per item, under one header row:

- the record columns gain "Impact total", "Impact tier" and "Profile", the
  profile the rows were scored with, as `KEY=option,option; KEY=…` (profile
  keys and option keys are letters, digits and hyphens; an empty choice,
  `KEY=`, is a question not answered, counted at its worst). Like the
  assessment's name, it is on every row, so a row still says what it was
  scored under; the profile is not leading rows, which would make the file
  two tables no CSV reader parses as one.
- the item columns gain "Applies" (yes/no), "Skipped because" (the rule in
  words, present_v2.py), "Scope" (deployment or base_model) and one
  "Framework: KEY" column per framework, its requirement ids joined by "; ".
  "Critical" is the flag as evaluated on the profile. A skipped item keeps
  its answer key and label; its risk and exposure are empty.

The XLSX has the same Items rows and, for /2, a "Profile" sheet (question,
answers, impact points, then the total and the tier) and a "Coverage" sheet
(framework, requirement id, title, status, items); its Summary adds the impact,
the control level, the level matrix's cell and each framework's counts.
"""

from __future__ import annotations

import csv
import io
import json

import xlsxwriter

from riskassess import present
from riskassess.cells import BOM
from riskassess.cells import cell as _cell
from riskassess.cells import write as _write
from riskassess.reports import present_v2

ITEM_COLUMNS = [
    ("key", "Item"),
    ("category_name", "Category"),
    ("question", "Question"),
    ("weight", "Weight"),
    ("critical", "Critical"),
    ("required", "Required"),
    ("answer", "Answer key"),
    ("answer_label", "Answer"),
    ("risk", "Risk"),
    ("exposure", "Exposure"),
    ("comment", "Comment"),
    ("mitigation", "Recommended mitigation"),
    ("reference", "Reference"),
]
RECORD_COLUMNS = ["Assessment", "Assessment id", "Revision", "Status", "Provisional"]
# Format 2 (riskassess.report/2) only: after RECORD_COLUMNS, and after the item
# columns (then one "Framework: KEY" column per framework).
V2_RECORD_COLUMNS = ["Impact total", "Impact tier", "Profile"]
V2_ITEM_COLUMNS = ["Applies", "Skipped because", "Scope"]
# Kept for callers that list the item columns.
CSV_COLUMNS = ITEM_COLUMNS


def to_json(report: dict) -> bytes:
    return json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8")


def revision_label(report: dict) -> str:
    """ "2 of 3", "draft after 2", "draft" or "unsaved": which record the rows come from."""
    record = report.get("record") or {}
    if record.get("revision"):
        return f"{record['revision']} of {record['revisions']}"
    if report["assessment"].get("status") == "unsaved":
        return "unsaved"
    count = record.get("revisions") or 0
    return f"draft after {count}" if count else "draft"


def _record(report: dict) -> list:
    details = report["assessment"]
    record = [
        details["title"],
        details["id"],
        revision_label(report),
        details["status"],
        report["overall"]["provisional"],
    ]
    if present_v2.is_v2(report):
        record += [report["impact"]["total"], report["impact"]["tier"], profile_text(report)]
    return record


def profile_text(report: dict) -> str:
    """The profile in one cell: "P-STAGE=production; P-OUTPUT=text,image; P-USERS=" (unanswered)."""
    return "; ".join(f"{q['key']}={','.join(q['answers'])}" for q in report["profile"])


def _v2_item(item: dict, reasons: dict[str, str], frameworks: list[str]) -> list:
    return [
        item["applies"],
        reasons.get(item["key"], ""),
        item["scope"],
        *("; ".join(item["frameworks"].get(key, ())) for key in frameworks),
    ]


def _rows(report: dict) -> list[list]:
    names = {c["key"]: c["name"] for c in report["categories"]}
    record = _record(report)
    rows = [
        [*record, *({**item, "category_name": names[item["category"]]}[k] for k, _ in ITEM_COLUMNS)]
        for item in report["items"]
    ]
    if present_v2.is_v2(report):
        reasons = present_v2.skip_reasons(report, present_v2.data_of(report))
        frameworks = [f["framework"] for f in report["coverage"]]
        for row, item in zip(rows, report["items"], strict=True):
            row += _v2_item(item, reasons, frameworks)
    return rows


def _header(report: dict | None = None) -> list[str]:
    header = [*RECORD_COLUMNS, *(title for _, title in ITEM_COLUMNS)]
    if report is not None and present_v2.is_v2(report):
        header[len(RECORD_COLUMNS) : len(RECORD_COLUMNS)] = V2_RECORD_COLUMNS
        header += V2_ITEM_COLUMNS
        header += [f"Framework: {f['framework']}" for f in report["coverage"]]
    return header


def to_csv(report: dict) -> str:
    """One row per item, starting with a byte-order mark (for /2, see the module's docstring)."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(_header(report))
    for row in _rows(report):
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def _summary(report: dict) -> list[tuple[str, object]]:
    details, overall = report["assessment"], report["overall"]
    revision = report.get("revision") or {}
    return [
        ("Assessment", details["title"]),
        ("Assessment id", details["id"]),
        ("Team", details["team"]),
        ("Model", details["model"]),
        ("Base model", details["base_model"]),
        ("Revision", revision_label(report)),
        ("Status", details["status"]),
        (
            "Submitted",
            present.when(details.get("submitted_at")) if details.get("submitted_at") else "",
        ),
        ("Submitted by", revision.get("submitted_by", "")),
        ("Checklist", f"{report['checklist']['name']} v{report['checklist']['version']}"),
        ("Method", report["method"]["name"]),
        ("Overall score", overall["score"]),
        ("Overall level", present.level(overall["level"])),
        ("Completeness", present.percent(overall["completeness"])),
        ("Provisional", overall["provisional"]),
        *_v2_summary(report),
        ("Fingerprint", report["fingerprint"]),
    ]


def _v2_summary(report: dict) -> list[tuple[str, object]]:
    """What a /2 report's Summary adds: how the level came about, skips, coverage counts."""
    shown = present_v2.presentation(report)
    if shown is None:
        return []
    story = shown["story"]
    rows = [
        ("Impact total", report["impact"]["total"]),
        ("Impact tier", present.tier(report["impact"]["tier"])),
        ("Control level", present.level(report["overall"]["control_level"])),
        ("Level matrix", story["matrix_sentence"] or story["control_sentence"]),
    ]
    if story["raised_sentence"]:
        rows.append(("Raised", story["raised_sentence"]))
    rows.append(("Skipped by rule", shown["skipped_count"]))
    rows += [
        (f"Coverage: {f['name']}", f"{f['total']} requirements: {f['summary']}")
        for f in shown["coverage"]
    ]
    return rows


def _profile_sheet(sheet, report: dict, bold, wrap) -> None:
    headers = ["Question key", "Question", "Answers", "Answer keys", "Impact points"]
    for col, title in enumerate(headers):
        sheet.write_string(0, col, title, bold)
    rows = present_v2.profile_rows(report)
    for row, (shown, question) in enumerate(zip(rows, report["profile"], strict=True), start=1):
        values = [
            shown["key"], shown["question"], shown["answer_text"],
            ", ".join(question["answers"]), shown["impact"],
        ]  # fmt: skip
        for col, value in enumerate(values):
            _write(sheet, row, col, value, wrap if col in (1, 2) else None)
    end = len(rows) + 2
    sheet.write_string(end, 0, "Impact total", bold)
    _write(sheet, end, 4, report["impact"]["total"])
    sheet.write_string(end + 1, 0, "Impact tier", bold)
    _write(sheet, end + 1, 4, present.tier(report["impact"]["tier"]))
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 2, 55)
    sheet.set_column(3, 4, 16)


def _coverage_sheet(sheet, report: dict, bold, wrap) -> None:
    headers = ["Framework", "Requirement", "Title", "Status", "Items"]
    for col, title in enumerate(headers):
        sheet.write_string(0, col, title, bold)
    row = 0
    for framework in report["coverage"]:
        for requirement in framework["requirements"]:
            row += 1
            values = [
                framework["name"], requirement["id"], requirement["title"],
                requirement["status"], ", ".join(requirement["items"]) or None,
            ]  # fmt: skip
            for col, value in enumerate(values):
                _write(sheet, row, col, value, wrap if col in (2, 4) else None)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(row, 1), len(headers) - 1)
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 1, 14)
    sheet.set_column(2, 2, 60)
    sheet.set_column(3, 3, 14)
    sheet.set_column(4, 4, 40)


def to_xlsx(report: dict) -> bytes:
    """A workbook with a Summary sheet (the record, the overall result, the categories)
    and an Items sheet (the CSV's rows)."""
    out = io.BytesIO()
    # No temp files (constant_memory would need them); strings_to_formulas off: a
    # cell is never a formula, whatever it starts with.
    workbook = xlsxwriter.Workbook(
        out,
        {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    bold = workbook.add_format({"bold": True})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})

    summary = workbook.add_worksheet("Summary")
    summary.set_column(0, 0, 18)
    summary.set_column(1, 1, 70)
    for row, (label, value) in enumerate(_summary(report)):
        summary.write_string(row, 0, label, bold)
        _write(summary, row, 1, value)
    start = len(_summary(report)) + 1
    headers = ["Category", "Weight", "Score", "Level", "Answered", "Not applicable", "Total"]
    for col, title in enumerate(headers):
        summary.write_string(start, col, title, bold)
    for row, category in enumerate(report["categories"], start=start + 1):
        values = [
            category["name"], category["weight"], category["score"],
            present.level(category["level"]), category["answered"],
            category["not_applicable"], category["total"],
        ]  # fmt: skip
        for col, value in enumerate(values):
            _write(summary, row, col, value)

    items = workbook.add_worksheet("Items")
    for col, title in enumerate(_header(report)):
        items.write_string(0, col, title, bold)
    for row, values in enumerate(_rows(report), start=1):
        for col, value in enumerate(values):
            _write(
                items, row, col, value, wrap if isinstance(value, str) and len(value) > 60 else None
            )
    items.freeze_panes(1, 0)
    question = len(_record(report)) + 2
    items.set_column(question, question, 60)
    if present_v2.is_v2(report):
        _profile_sheet(workbook.add_worksheet("Profile"), report, bold, wrap)
        _coverage_sheet(workbook.add_worksheet("Coverage"), report, bold, wrap)
    workbook.close()
    return out.getvalue()
