"""The report as JSON (contracts.md §5) and its items as CSV."""

from __future__ import annotations

import csv
import io
import json

# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS = [
    ("key", "Item"),
    ("category", "Category"),
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


def to_csv(report: dict) -> str:
    """One row per item; cells that a spreadsheet would run as formulas are neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([title for _, title in CSV_COLUMNS])
    for item in report["items"]:
        writer.writerow([_cell(item[key]) for key, _ in CSV_COLUMNS])
    return out.getvalue()
