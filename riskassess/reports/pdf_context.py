"""What the PDF report's template prints, prepared from the report data (build.py).

The template only prints values: every number is formatted, every colour class
chosen and every item's lines joined here, so the layout code (pdf.py) and the
template stay simple. User text is returned as plain str, for the template to
escape, after `printable` has bounded what it may cost to lay out: blank lines
collapsed, lines, characters and combining marks capped, and break
opportunities in long tokens.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime

import weasyprint

from riskassess import present
from riskassess.reports import pdf_audit, pdf_plan, pdf_v2
from riskassess.reports.chart import bar_chart
from riskassess.reports.pdf_text import ZWSP, Allowance, breakable, one_line, printable

# ZWSP and breakable for the `breakable` template filter (templatetags/pdf_tags.py)
# and the tests, which have them from here.
__all__ = ["ZWSP", "breakable", "printable", "report_context"]

GENERATOR = f"riskassess (WeasyPrint {weasyprint.__version__})"
LONG_ITEM = 1500  # characters of an item's printed lines


# --- The HTML ------------------------------------------------------------------------------


# Numbers, percentages and times as the pages show them (riskassess/present.py).
_when = present.when
_number = present.number
_score = present.score
_percent = present.percent


def revision_text(report: dict) -> str | None:
    """ "Revision 2 of 3, submitted … by alice; superseded on …", or None for a draft."""
    record, revision = report.get("record") or {}, report.get("revision") or {}
    if not record.get("revision"):
        return None
    text = f"Revision {record['revision']} of {record['revisions']}"
    text += f", submitted {_when(report['assessment'].get('submitted_at'))}"
    if revision.get("submitted_by"):
        text += f" by {revision['submitted_by']}"
    if record.get("superseded_at"):
        text += f"; superseded on {_when(record['superseded_at'])}"
    return text


def as_of(report: dict) -> str | None:
    """The latest moment recorded in the report's data: last answer, submission or event.

    Part of the fingerprinted content, unlike `generated_at`, so it is the same
    in every copy of the same data, cached or not.
    """
    moments = [report["assessment"].get("created_at"), report["assessment"].get("submitted_at")]
    moments += [item.get("answered_at") for item in report["items"]]
    moments += [event.get("at") for event in report.get("events", ())]
    parsed = [datetime.fromisoformat(m.replace("Z", "+00:00")) for m in moments if m]
    parsed = [m if m.tzinfo else m.replace(tzinfo=UTC) for m in parsed]
    return max(parsed).astimezone(UTC).isoformat() if parsed else None


def _tone(risk: float | None, *, answered: bool = True, not_applicable: bool = False) -> str:
    """The colour class of an answer, from its risk: the class names are fixed strings."""
    if not answered:
        return "none"
    if not_applicable:
        return "na"
    if risk <= 0:
        return "low"
    if risk <= 0.5:
        return "medium"
    return "high" if risk < 1 else "critical"


def _levels(thresholds: dict) -> list[dict]:
    medium, high, critical = (f"{thresholds[k]:g}" for k in ("medium", "high", "critical"))
    return [
        {"level": "low", "range": f"0 ≤ S < {medium}"},
        {"level": "medium", "range": f"{medium} ≤ S < {high}"},
        {"level": "high", "range": f"{high} ≤ S < {critical}"},
        {"level": "critical", "range": f"{critical} ≤ S ≤ 100"},
    ]


def _citation_arxiv(citation: str) -> str | None:
    match = re.search(r"arXiv:\s*(\d{4}\.\d{4,5})", citation)
    return match.group(1) if match else None


def _item_detail(
    item: dict, allowance: Allowance, extra: tuple[str, ...] = (), expired: frozenset = frozenset()
) -> str:
    """The lines printed under an item's question, one string joined by newlines.

    The template prints it as one paragraph with `white-space: pre-line` (newlines
    kept, as in a comment's own text): WeasyPrint lays the answers out about a
    quarter faster than with a paragraph per line, the answer in a badge and the
    key in a span (docs/performance.md). The first line, the figures, is styled
    through `::first-line`. Plain text: the template escapes it.
    """
    risk = _number(item["risk"])
    if item["exposure"] is None:
        exposure = "Exposure —"
    else:
        exposure = f"Exposure {item['weight']} \u00d7 {risk} = {_number(item['exposure'])}"
    figures = [
        one_line(item["answer_label"]) or "Not answered",
        f"Weight {item['weight']}",
        f"Risk {risk}",
        exposure,
    ]
    if item["reference"]:
        figures.append(one_line(item["reference"]))
    if not item["required"]:
        figures.append("optional")
    figures += extra
    lines = [" · ".join(figures)]
    if item["comment"]:
        label = "Justification" if item["not_applicable"] else "Comment"
        if item["answered_by"]:
            label += f" ({one_line(item['answered_by'])})"
        lines.append(f"{label}: {allowance.printable(item['comment'])}")
    if (
        item["mitigation"]
        and item["answer"] is not None
        and not item["not_applicable"]
        and (item["risk"] or 0) > 0
    ):
        lines.append(f"Recommended mitigation: {printable(item['mitigation'])}")
    lines += pdf_audit.evidence_lines(item, expired, allowance)
    return "\n".join(lines)


def _printed_item(item: dict) -> dict:
    """The item's texts as printed in the summary tables (questions, mitigations, labels)."""
    return {
        **item,
        "question": printable(item["question"]),
        "mitigation": printable(item["mitigation"]),
        "answer_label": one_line(item["answer_label"]),
    }


def report_context(report: dict) -> dict:
    """Everything the template shows, precomputed: the template only prints values."""
    overall = report["overall"]
    details = report["assessment"]
    status = details.get("status")
    # Anything not submitted is a draft, "unsaved" too: a report of an answers file (`assess`).
    draft = status != "submitted"
    superseded = (report.get("record") or {}).get("current") is False
    marks = (
        draft and "DRAFT",
        superseded and "SUPERSEDED",
        overall["provisional"] and "PROVISIONAL",
    )
    mark = " — ".join(m for m in marks if m)
    escalated = set(overall["escalated_by"])
    allowance = Allowance()
    context = allowance.printable(details.get("context"))
    # Format 2: the profile, the skipped items, the coverage ({"v2": None} for format 1).
    second = pdf_v2.context(report)
    reasons = second["v2"]["reasons"] if second["v2"] else {}
    items_by_category: dict[str, list[dict]] = defaultdict(list)
    expired = frozenset(pdf_audit.expired_ids(report))
    for item in report["items"]:
        skipped = item["key"] in reasons
        if skipped:
            detail = pdf_v2.skipped_detail(item, reasons[item["key"]], allowance)
            tone = pdf_v2.SKIPPED_TONE
        else:
            detail = _item_detail(item, allowance, pdf_v2.item_figures(item), expired)
            tone = _tone(
                item["risk"],
                answered=item["answer"] is not None,
                not_applicable=item["not_applicable"],
            )
        items_by_category[item["category"]].append(
            {
                **item,
                "question": printable(item["question"]),
                "tone": tone,
                "skipped": skipped,
                "escalated": item["key"] in escalated,
                # Kept on one page unless that would leave most of a page empty.
                "long": len(detail) > LONG_ITEM,
                "detail": detail,
            }
        )
    category_skips = pdf_v2.category_reasons(report, reasons)
    applying = [item for item in report["items"] if item["key"] not in reasons]
    categories = [
        {
            **category,
            "skip_reason": category_skips.get(category["key"]),
            "name": one_line(category["name"]),
            "reference": one_line(category["reference"]),
            "anchor": f"category-{number}",
            "score_text": _score(category["score"]),
            "completeness_text": _percent(category["completeness"]),
            "items": items_by_category[category["key"]],
        }
        for number, category in enumerate(report["categories"], start=1)
    ]
    names = {c["key"]: c["name"] for c in categories}
    escalations = [
        {**_printed_item(item), "category_name": names.get(item["category"], item["category"])}
        for item in report["items"]
        if item["key"] in escalated
    ]
    findings = [
        {
            **_printed_item(f),
            "category_name": one_line(f["category_name"]),
            "exposure_text": _number(f["exposure"]),
            "tone": _tone(f["exposure"] / f["weight"]),
        }
        for f in report["top_findings"]
    ]
    scale = [
        {
            **option,
            "label": one_line(option["label"]),
            "risk_text": "excluded" if option["not_applicable"] else _number(option["risk"]),
        }
        for option in report["method"]["scale"]
    ]
    events = [
        {
            **event,
            "when": _when(event["at"]),
            "user": one_line(event["user"]),
            "note": printable(event["note"], lines=10),
        }
        for event in report.get("events", ())
    ]
    arxiv = _citation_arxiv(report["method"]["citation"])
    latest = as_of(report)
    checklist = report["checklist"]
    source = checklist.get("source") or ""
    return {
        "report": report,
        # Printed; the raw title and team are the document's metadata only.
        "assessment": {
            **details,
            "title": one_line(details["title"]),
            "model": one_line(details["model"]),
            "base_model": one_line(details["base_model"]),
            "team": one_line(details.get("team")),
            "context": context,
        },
        "document_title": details["title"],
        "running_title": printable(details["title"], lines=1, chars=80, marker="…"),
        "checklist_name": one_line(checklist["name"]),
        "overall": overall,
        "overall_score_text": _score(overall["score"]),
        "overall_completeness_text": _percent(overall["completeness"]),
        "draft": draft,
        "unsaved": status == "unsaved",
        "mark": mark,
        "categories": categories,
        "escalations": escalations,
        "findings": findings,
        "levels": _levels(report["method"]["thresholds"]),
        "thresholds": report["method"]["thresholds"],
        "scale": scale,
        "arxiv": arxiv,
        # The checklist's own source, unless it only repeats the citation's arXiv paper.
        "checklist_source": None if arxiv and arxiv in source else printable(source, lines=3),
        "events": events,
        "chart": bar_chart(report),
        "as_of": latest,
        "as_of_text": _when(latest),
        "generated_text": _when(report["generated_at"]),
        "submitted_text": _when(details.get("submitted_at")),
        "revision_text": revision_text(report),
        "superseded": superseded,
        "attestation": printable((report.get("revision") or {}).get("attestation"), lines=5),
        "author": f"{details['team']} · riskassess" if details.get("team") else "riskassess",
        "generator": GENERATOR,
        # Format 2: the items that apply, as in the category rows (a skipped item's kept
        # answer counts for nothing).
        "item_count": len(applying),
        "answered_count": sum(1 for i in applying if i["answer"] is not None),
        "na_count": sum(1 for i in applying if i["not_applicable"]),
        **second,
        **pdf_audit.review_context(report),
        # The action plan ({"plan": None} for a report without one).
        **pdf_plan.context(report),
    }
