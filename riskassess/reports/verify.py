"""Verify a report: which submitted revision a fingerprint, a PDF or a JSON report belongs to.

Everything here reads bytes it was given and never stores them. The work is
bounded by the size limit and by construction: a PDF is not parsed, only
searched once (a linear scan) for the document ID that riskassess writes into
every report it renders, which is the first half of the report's fingerprint;
a JSON report is parsed with a depth limit, and its fingerprint is computed
again from its content, so an edited export is told apart from a genuine one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from riskassess.assessments import revisions
from riskassess.assessments.reportdata import fingerprint

MAX_BYTES = 20 * 1024 * 1024
MAX_JSON_DEPTH = 64
# The PDF trailer's /ID: riskassess writes the first 16 bytes (32 hex digits)
# of the report's fingerprint there (pdf._render_pdf), and tools that edit a PDF
# keep the first half of the ID, its "permanent identifier". The writer puts it
# as a literal string, (…) with backslash escapes; other tools write <hex>.
_PDF_ID = re.compile(rb"/ID\s*\[\s*(?:<([0-9A-Fa-f]{32})>|\()")
_ESCAPES = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}
_ID_BYTES = 16


def _literal(raw: bytes, start: int) -> bytes | None:
    """The bytes of the PDF literal string that starts after the "(" at `start`.

    Reads at most a few dozen bytes: an ID is 16, and anything longer is not ours.
    """
    out, depth, index = bytearray(), 0, start
    while index < len(raw) and len(out) <= _ID_BYTES:
        byte = raw[index]
        if byte == 0x5C:  # a backslash escape
            index += 1
            if index >= len(raw):
                return None
            escaped = raw[index]
            if 0x30 <= escaped <= 0x37:  # up to three octal digits
                digits = raw[index : index + 3]
                length = next((n for n, d in enumerate(digits) if not 0x30 <= d <= 0x37), 3)
                out.append(int(digits[:length], 8) & 0xFF)
                index += length
                continue
            if escaped not in (0x0A, 0x0D):  # a backslash before a line break continues it
                out.append(_ESCAPES.get(escaped, escaped))
        elif byte == 0x28:
            depth += 1
            out.append(byte)
        elif byte == 0x29:
            if depth == 0:
                return bytes(out)
            depth -= 1
            out.append(byte)
        else:
            out.append(byte)
        index += 1
    return None


class NotAReport(ValueError):
    """The input is not a riskassess report or fingerprint; the message says what it is."""


@dataclass(frozen=True)
class Claim:
    """What a report says it is: its fingerprint (64 hex digits, or the PDF's 32)."""

    fingerprint: str
    source: str  # "fingerprint", "pdf" or "json"
    # For a JSON report: whether its content still gives its fingerprint.
    intact: bool = True
    status: str | None = None  # the report's own status, when it says


def from_text(text: str) -> Claim:
    digits = revisions.normalise(text)
    if digits is None:
        raise NotAReport(
            "A fingerprint is 64 hexadecimal digits (0-9, a-f), as printed at the end of "
            "the PDF report and at the bottom of the results page."
        )
    return Claim(fingerprint=digits, source="fingerprint")


def _depth(value, limit: int) -> int:
    """Nesting depth of parsed JSON, iteratively (no recursion), stopping past `limit`."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return depth
        deepest = max(deepest, depth)
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return deepest


def _bracket_depth(text: str, limit: int) -> bool:
    """True when brackets nest deeper than `limit` (checked before parsing: json recurses)."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def from_json(raw: bytes) -> Claim:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotAReport("The file is not a JSON report: it is not UTF-8 text.") from None
    if _bracket_depth(text, MAX_JSON_DEPTH):
        raise NotAReport(f"The file is not a report: it nests deeper than {MAX_JSON_DEPTH} levels.")
    try:
        report = json.loads(text)
    except (ValueError, RecursionError):
        raise NotAReport("The file is not a JSON report: it is not well-formed JSON.") from None
    if (
        not isinstance(report, dict)
        or not str(report.get("schema", "")).startswith("riskassess.report/")
        or not isinstance(report.get("fingerprint"), str)
    ):
        raise NotAReport(
            "The file is JSON, but not a riskassess report: it has no report schema or fingerprint."
        )
    claimed = revisions.normalise(report["fingerprint"])
    if claimed is None or len(claimed) != revisions.FULL:
        raise NotAReport("The report's fingerprint is not 64 hexadecimal digits.")
    status = (
        report.get("assessment", {}).get("status")
        if isinstance(report.get("assessment"), dict)
        else None
    )
    return Claim(
        fingerprint=claimed,
        source="json",
        intact=fingerprint(report) == claimed,
        status=status if isinstance(status, str) else None,
    )


def _pdf_ids(raw: bytes) -> set[str]:
    found = set()
    for match in _PDF_ID.finditer(raw):
        if match.group(1):
            found.add(match.group(1).decode("ascii").lower())
            continue
        value = _literal(raw, match.end())
        if value is not None and len(value) == _ID_BYTES:
            found.add(value.hex())
        if len(found) > 1:
            break
    return found


def from_pdf(raw: bytes) -> Claim:
    found = _pdf_ids(raw)
    if not found:
        raise NotAReport(
            "The file is a PDF, but not one riskassess rendered: it carries no report ID. "
            "Paste the fingerprint printed at the end of the report instead."
        )
    if len(found) > 1:
        raise NotAReport("The PDF carries several different report IDs: it cannot be matched.")
    return Claim(fingerprint=found.pop(), source="pdf")


def from_file(raw: bytes) -> Claim:
    """A claim from an uploaded report, or NotAReport. `raw` is at most MAX_BYTES."""
    if len(raw) > MAX_BYTES:
        raise NotAReport(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    if raw.startswith(b"%PDF-"):
        return from_pdf(raw)
    if raw.lstrip()[:1] == b"{" or raw.startswith(b"\xef\xbb\xbf{"):
        return from_json(raw)
    raise NotAReport("The file is neither a PDF nor a JSON report of riskassess.")


def matches(claim: Claim, *, user=None):
    """The revisions (of the user's teams, when a user is given) the claim matches."""
    return revisions.matching(claim.fingerprint, user=user)
