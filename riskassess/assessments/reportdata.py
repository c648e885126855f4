"""The report's content as plain data, from assessment data: no database, no Django.

It lives beside the scoring because a submission freezes it: the revision made
at submit (assessments/revisions.py) keeps this content and its fingerprint,
so a report printed that day can be checked for as long as the record exists.
reports/build.py fetches what it needs and calls this; the results page, the
PDF, the JSON and the CSV are all rendered from the result, so they agree
(contracts.md §5).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import UTC, datetime
from fractions import Fraction

from riskassess.assessments import data_v2, reportdata_v2, scoring
from riskassess.assessments.data import chosen_option, score_data

SCHEMA = "riskassess.report/1"
TOP_FINDINGS = 10
CITATION = (
    "Bommasani, R., Hudson, D. A., Adeli, E., et al. (2021). On the Opportunities and "
    "Risks of Foundation Models. Center for Research on Foundation Models, Stanford "
    "University. arXiv:2108.07258."
)


def _number(value: float | int | None):
    """Whole numbers as ints (25, not 25.0) so the JSON reads as people write it."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _category_rows(data: dict, result: scoring.Result) -> list[dict]:
    rows = []
    for category, scored in zip(data["categories"], result.categories, strict=True):
        rows.append(
            {
                "key": category["key"],
                "name": category["name"],
                "reference": category["reference"],
                "weight": _number(category["weight"]),
                "score": scored.rounded,
                "level": scored.level,
                "escalated_by": list(scored.escalated_by),
                "answered": scored.answered,
                "applicable": scored.applicable,
                "not_applicable": scored.total - scored.applicable,
                "total": scored.total,
                "required": scored.required,
                "answered_required": scored.answered_required,
                "completeness": round(
                    scored.answered_required / scored.required if scored.required else 1.0, 4
                ),
            }
        )
    return rows


def _item_rows(data: dict, evidence: dict[str, list[dict]]) -> list[dict]:
    rows = []
    for item in data["items"]:
        option = chosen_option(item)
        scored = option is not None and not option["not_applicable"]
        risk = option["risk"] if scored else None
        rows.append(
            {
                "key": item["key"],
                "category": item["category"],
                "question": item["question"],
                "weight": item["weight"],
                "critical": item["critical"],
                "required": item["required"],
                "answer": item["answer"],
                "answer_label": option["label"] if option else None,
                "not_applicable": bool(option and option["not_applicable"]),
                "risk": risk,
                # Weight x risk: what the item adds to its category's numerator.
                "exposure": float(item["weight"] * Fraction(str(risk))) if scored else None,
                "comment": item["comment"],
                "guidance": item["guidance"],
                "mitigation": item["mitigation"],
                "reference": item["reference"],
                "answered_by": item.get("answered_by", ""),
                "answered_at": item.get("answered_at"),
                # Files (name, size, SHA-256) and links (title, URL as text) behind the
                # answer, with their dates and uploader: never a file's content.
                "evidence": evidence.get(item["key"], []),
            }
        )
    return rows


def _scale(data: dict) -> list[dict]:
    """The answer scale most items use (items with their own options are flagged per item)."""
    counts = Counter(json.dumps(item["options"], sort_keys=True) for item in data["items"])
    if not counts:
        return []
    return json.loads(counts.most_common(1)[0][0])


# Parts of a report that are not its content: when it was generated, the print
# itself, what is worked out from the content whenever the report is built
# (evidence expired today, the action plan's projected score), and `record`
# (where the revision stands now: "revision 1 of 3, superseded on …"), which
# changes as the assessment moves on while the revision's content, and so its
# fingerprint, never does.
UNSIGNED = ("generated_at", "fingerprint", "record", "evidence_expired", "projection")


def top_findings(items: list[dict], names: dict[str, str]) -> list[dict]:
    """The TOP_FINDINGS items of highest exposure, then the heavier; ties keep checklist order."""
    findings = sorted(
        (i for i in items if i["exposure"]), key=lambda i: (-i["exposure"], -i["weight"])
    )[:TOP_FINDINGS]
    return [
        {
            "key": i["key"],
            "category": i["category"],
            "category_name": names[i["category"]],
            "question": i["question"],
            "answer_label": i["answer_label"],
            "weight": i["weight"],
            "critical": i["critical"],
            "exposure": i["exposure"],
            "mitigation": i["mitigation"],
            "reference": i["reference"],
        }
        for i in findings
    ]


def finding_keys(items: list[dict]) -> list[str]:
    """The report's findings: applicable items answered with some risk ("don't know"
    included), highest exposure first, then the heavier; ties keep checklist order."""
    found = [i for i in items if i["risk"]]
    return [i["key"] for i in sorted(found, key=lambda i: (-(i["exposure"] or 0), -i["weight"]))]


def collect_sections(assessment):
    """A function of the report's finding keys giving the parts apps above add to the
    report (signals.report_sections), for report_from_data's `sections`."""
    from riskassess.assessments import signals

    def sections(findings: list[str]) -> dict:
        parts: dict = {}
        for _receiver, found in signals.report_sections.send(
            sender=None, assessment=assessment, findings=findings
        ):
            parts.update(found or {})
        return parts

    return sections


def collect_evidence(assessment) -> dict[str, list[dict]]:
    """The assessment's evidence by item key, from the apps keeping it (signals.report_evidence)."""
    from riskassess.assessments import signals

    rows: dict[str, list[dict]] = {}
    for _receiver, found in signals.report_evidence.send(sender=None, assessment=assessment):
        for key, pieces in (found or {}).items():
            rows.setdefault(key, []).extend(pieces)
    return rows


def fingerprint(report: dict) -> str:
    """SHA-256 of the report's content: the same data gives the same print, whenever generated."""
    content = {k: v for k, v in report.items() if k not in UNSIGNED}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def report_from_data(
    data: dict,
    details: dict,
    *,
    events: list[dict] = (),
    revision: dict | None = None,
    now: datetime | None = None,
    evidence: dict[str, list[dict]] | None = None,
    sections=None,
) -> dict:
    """The report for assessment data (see assessments/data.py) and its descriptive fields.

    `revision` ({"number", "submitted_by", "attestation"}) is given when a
    submission freezes the report, and is part of what the fingerprint covers.
    `evidence` is {item key: [rows]} (collect_evidence), covered too, and so
    are the parts `sections` (collect_sections) gives for the report's findings.
    """
    result = score_data(data)
    categories = _category_rows(data, result)
    items = _item_rows(data, evidence or {})
    names = {c["key"]: c["name"] for c in categories}
    checklist = data["checklist"]
    required = sum(c["required"] for c in categories)
    answered_required = sum(c["answered_required"] for c in categories)
    report = {
        "schema": SCHEMA,
        "generated_at": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "assessment": details,
        "checklist": {
            "slug": checklist["slug"],
            "version": checklist["version"],
            "name": checklist["name"],
            "source": checklist["source"],
        },
        "method": {
            "name": scoring.METHOD,
            "thresholds": {k: _number(v) for k, v in checklist["thresholds"].items()},
            "scale": _scale(data),
            "citation": CITATION,
        },
        "overall": {
            "score": result.rounded,
            "level": result.level,
            "completeness": round(float(result.completeness), 4),
            "provisional": result.provisional,
            "escalated_by": list(result.escalated_by),
            "answered_required": answered_required,
            "required": required,
        },
        "categories": categories,
        "items": items,
        "top_findings": top_findings(items, names),
        "events": list(events),
    }
    if data_v2.is_v2(data):
        reportdata_v2.apply(report, data, result, top_findings)
    if sections is not None:
        for name, part in sections(finding_keys(report["items"])).items():
            if name in report:
                raise ValueError(f"A report section cannot replace the report's {name!r}.")
            report[name] = part
    if revision is not None:
        report["revision"] = revision
    report["fingerprint"] = fingerprint(report)
    return report
