"""The action plan as CSV and XLSX: one row per finding and action.

A finding with several actions has a row for each, a finding without one a
single row with the action columns empty; an open or in-progress action whose
items are no longer findings (answered "yes" since, say) still has to be closed,
so it follows, one row per item, treatment "not a finding". Rows name the
assessment, as the report's own exports do, so a row copied elsewhere still
says where it came from.

The plan is the live one (actions.report.plan_parts), even beside a submitted
revision's report, whose frozen plan is in its JSON export: these files are
for working through the plan today. "Overdue" is worked out on the day the
file is made. Cells are guarded like the report's exports, with their helpers
(reports/exports.py): a text a spreadsheet would run as a formula is written
as text.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import xlsxwriter
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.text import slugify

from riskassess import present
from riskassess.actions.models import ACTIVE, Status, Treatment
from riskassess.cells import BOM
from riskassess.cells import cell as _cell
from riskassess.cells import write as _write

FORMATS = ("csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_A_FINDING = "not a finding"

HEADER = [
    "Assessment",
    "Assessment id",
    "Item",
    "Category",
    "Question",
    "Answer",
    "Exposure",
    "Critical",
    "Treatment",
    "Acceptance status",
    "Justification",
    "Proposed by",
    "Accepted by",
    "Accepted role",
    "Accepted until",
    "Lapsed on",
    "Action",
    "Action description",
    "Owner",
    "Due on",
    "Status",
    "Overdue",
    "Done at",
    "Evidence",
    "Action id",
]
ACTION_COLUMNS = HEADER.index("Action")


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _finding_columns(item: dict | None, key: str, names: dict) -> list:
    if item is None:  # not in this report's items: an item of another checklist version
        return [key, "", "", "", None, None]
    return [
        key,
        names.get(item["category"], item["category"]),
        item["question"],
        item["answer_label"],
        item["exposure"],
        item["critical"],
    ]


def _treatment_columns(treatment: dict | None) -> list:
    if treatment is None:
        return [NOT_A_FINDING, "", "", "", "", "", None, None]
    acceptance = treatment.get("acceptance") or {}
    return [
        Treatment(treatment["treatment"]).label,
        acceptance.get("status", ""),
        acceptance.get("justification", ""),
        acceptance.get("proposed_by", ""),
        acceptance.get("accepted_by") or "",
        acceptance.get("accepted_role") or "",
        _date(acceptance.get("expires_on")),
        _date(treatment.get("lapsed_on")),
    ]


def _action_columns(action: dict | None, today: date) -> list:
    if action is None:
        return [""] * (len(HEADER) - ACTION_COLUMNS)
    due = _date(action["due_on"])
    evidence = action.get("evidence") or {}
    return [
        action["title"],
        action["description"],
        action["owner"],
        due,
        Status(action["status"]).label,
        action["status"] in ACTIVE and due < today,
        present.when(action["done_at"]) if action.get("done_at") else "",
        evidence.get("name", ""),
        action["id"],
    ]


def rows(report: dict, plan: dict, today: date | None = None) -> list[list]:
    """The rows under HEADER, as Python values: dates (ISO text in the CSV, dates in the
    XLSX), numbers, booleans (yes/no) and text."""
    today = today or timezone.localdate()
    details = report["assessment"]
    record = [details["title"], details.get("id") or ""]
    items = {i["key"]: i for i in report["items"]}
    names = {c["key"]: c["name"] for c in report["categories"]}
    actions = {a["id"]: a for a in plan.get("actions", ())}
    out, reached = [], set()
    for treatment in plan.get("treatments", ()):
        key = treatment["item"]
        finding = [
            *record,
            *_finding_columns(items.get(key), key, names),
            *_treatment_columns(treatment),
        ]
        ids = [i for i in treatment["actions"] if i in actions]
        reached.update(ids)
        for action_id in ids or [None]:
            out.append([*finding, *_action_columns(actions.get(action_id), today)])
    # Actions still to be done whose items are not findings of this report.
    for action in plan.get("actions", ()):
        if action["id"] in reached or action["status"] not in ACTIVE:
            continue
        for key in action["items"] or [""]:
            out.append(
                [
                    *record,
                    *_finding_columns(items.get(key), key, names),
                    *_treatment_columns(None),
                    *_action_columns(action, today),
                ]
            )
    return out


def _text(value) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return _cell(value)


def to_csv(report: dict, plan: dict, today: date | None = None) -> str:
    """HEADER, then `rows`: UTF-8 with a byte-order mark, like the report's CSV."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in rows(report, plan, today):
        writer.writerow([_text(value) for value in row])
    return out.getvalue()


def to_xlsx(report: dict, plan: dict, today: date | None = None) -> bytes:
    """One sheet, "Action plan": the CSV's rows, dates as dates, filterable."""
    out = io.BytesIO()
    # As the report's XLSX: never a formula or a URL, whatever a cell starts with.
    workbook = xlsxwriter.Workbook(
        out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    bold = workbook.add_format({"bold": True})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
    sheet = workbook.add_worksheet("Action plan")
    for col, title in enumerate(HEADER):
        sheet.write_string(0, col, title, bold)
    found = rows(report, plan, today)
    for row, values in enumerate(found, start=1):
        for col, value in enumerate(values):
            if isinstance(value, date):  # due, accepted until, lapsed on
                sheet.write_datetime(row, col, value, day)
            else:
                long = isinstance(value, str) and len(value) > 60
                _write(sheet, row, col, value, wrap if long else None)
    sheet.freeze_panes(1, 3)
    sheet.autofilter(0, 0, max(len(found), 1), len(HEADER) - 1)
    widths = {"Question": 60, "Justification": 40, "Action": 40, "Action description": 40}
    for col, title in enumerate(HEADER):
        sheet.set_column(col, col, widths.get(title, 16))
    workbook.close()
    return out.getvalue()


def filename(report: dict, fmt: str) -> str:
    """ "support-bot-action-plan-2026-05-01.csv": the report downloads' pattern."""
    name = slugify(report["assessment"]["title"])[:60] or "assessment"
    return f"{name}-action-plan-{report['generated_at'][:10]}.{fmt}"


def response(assessment, report: dict, plan: dict, fmt: str) -> HttpResponse:
    """The plan (`plan_parts`' treatments and actions) as an attachment, never cached."""
    if fmt == "csv":
        response = HttpResponse(to_csv(report, plan), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(to_xlsx(report, plan), content_type=XLSX)
    else:
        raise ValueError(f"No such format: {fmt!r}")
    response["Content-Disposition"] = f'attachment; filename="{filename(report, fmt)}"'
    add_never_cache_headers(response)
    return response
