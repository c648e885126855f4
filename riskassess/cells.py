"""Spreadsheet cells that stay data: every CSV and XLSX export writes through these.

A spreadsheet runs a cell that starts with "=", "+", "-", "@", a tab or a carriage
return as a formula; a report holds text typed by users (titles, comments,
action descriptions), so each such cell gets the leading apostrophe spreadsheets
themselves use, and XLSX cells are written as strings or numbers, never as
formulas or links.
"""

from __future__ import annotations

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A UTF-8 byte order mark: spreadsheets then read a CSV's accents right.
BOM = "\ufeff"


def cell(value) -> str:
    """A CSV cell: None empty, booleans yes/no, formulas neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def write(sheet, row: int, col: int, value, fmt=None) -> None:
    """An XLSX cell: numbers as numbers, everything else as text (never a formula or a URL)."""
    if value is None:
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        sheet.write_string(row, col, "yes" if value else "no", fmt)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value, fmt)
    else:
        sheet.write_string(row, col, str(value), fmt)
