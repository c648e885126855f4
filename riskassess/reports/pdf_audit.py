"""What the PDF prints of the audit record: the review sign-off and each item's evidence.

Plain text for the template to escape, bounded like every other user text
(pdf_text). Evidence is listed, never embedded: a file by its name, size and
SHA-256, a link by its title and URL printed as text (not a link, and never
fetched). Whether a piece has expired is judged on the day the PDF is made.
"""

from __future__ import annotations

from django.template.defaultfilters import filesizeformat

from riskassess import present
from riskassess.reports.pdf_text import Allowance, one_line, printable

STATUS_WORDS = {
    "in_review": "in review, not approved yet",
    "approved": "approved",
    "changes_requested": "changes requested, not approved",
    "withdrawn": "withdrawn from review, not approved",
    "not_requested": "not approved (no review was required)",
}


def review_context(report: dict) -> dict:
    """The cover's status words and, for an approved revision, its sign-off block."""
    review = (report.get("record") or {}).get("review") or {}
    status = review.get("status")
    signoff = None
    if status == "approved":
        signoff = {
            "by": one_line(review["by"]),
            "role": one_line(review["role"]),
            "at": present.when(review["at"]),
            "statement": printable(review["text"], lines=12),
            "fingerprint": review["fingerprint"],
            # Always the report's own: an approval is bound to exactly this content.
            "matches": review["fingerprint"] == report.get("fingerprint"),
        }
    return {
        "review_status": STATUS_WORDS.get(status, "not approved"),
        "approved": status == "approved",
        "signoff": signoff,
    }


def expired_ids(report: dict) -> set[str]:
    """The evidence build.py found expired on the day the report was generated."""
    return {piece["id"] for piece in report.get("evidence_expired", ())}


def evidence_lines(item: dict, expired: set[str], allowance: Allowance) -> list[str]:
    lines = []
    for piece in item.get("evidence", ()):
        dates = f"as of {piece['as_of']}"
        if piece.get("expires_on"):
            late = piece["id"] in expired
            dates += f", {'EXPIRED on' if late else 'expires'} {piece['expires_on']}"
        who = one_line(piece.get("uploaded_by") or "")
        if piece["kind"] == "file":
            facts = f"{filesizeformat(piece['size'])}, SHA-256 {piece['sha256']}"
            lines.append(f"Evidence: {one_line(piece['name'])} ({facts}; {dates}; added by {who})")
        else:
            url = allowance.printable(piece.get("url", ""))
            name = one_line(piece["name"])
            lines.append(f"Evidence link: {name} <{url}> ({dates}; added by {who})")
    return lines
