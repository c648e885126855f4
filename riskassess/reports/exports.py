"""The report as JSON (contracts.md §5), and as CSV and XLSX for spreadsheets.

CSV and XLSX carry the same rows: one per item, each naming the assessment,
its revision, its status and whether the report is provisional, so a row
copied into another sheet still says where it came from; categories are named
as on screen. The CSV is UTF-8 with a byte-order mark, which spreadsheet
programs need to read "§" and "—" as such. Cells a spreadsheet would run as
formulas are neutralised in both.
"""

from __future__ import annotations

import csv
import io
import json

import xlsxwriter

from riskassess import present

# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"

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
# Kept for callers that list the item columns.
CSV_COLUMNS = ITEM_COLUMNS


def to_json(report: dict) -> bytes:
    return json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    # Neutralise formulas; the leading apostrophe is what spreadsheets themselves use.
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


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
    return [
        details["title"],
        details["id"],
        revision_label(report),
        details["status"],
        report["overall"]["provisional"],
    ]


def _rows(report: dict) -> list[list]:
    names = {c["key"]: c["name"] for c in report["categories"]}
    record = _record(report)
    return [
        [*record, *({**item, "category_name": names[item["category"]]}[k] for k, _ in ITEM_COLUMNS)]
        for item in report["items"]
    ]


def _header() -> list[str]:
    return [*RECORD_COLUMNS, *(title for _, title in ITEM_COLUMNS)]


def to_csv(report: dict) -> str:
    """One row per item, starting with a byte-order mark."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(_header())
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
        ("Fingerprint", report["fingerprint"]),
    ]


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
    for col, title in enumerate(_header()):
        items.write_string(0, col, title, bold)
    for row, values in enumerate(_rows(report), start=1):
        for col, value in enumerate(values):
            _write(
                items, row, col, value, wrap if isinstance(value, str) and len(value) > 60 else None
            )
    items.freeze_panes(1, 0)
    items.set_column(len(RECORD_COLUMNS) + 2, len(RECORD_COLUMNS) + 2, 60)
    workbook.close()
    return out.getvalue()


def _write(sheet, row: int, col: int, value, fmt=None) -> None:
    """Numbers as numbers, everything else as text (never as a formula or a URL)."""
    if value is None:
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        sheet.write_string(row, col, "yes" if value else "no", fmt)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value, fmt)
    else:
        sheet.write_string(row, col, str(value), fmt)
