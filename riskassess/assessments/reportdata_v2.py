"""What a format-2 report adds (contracts.md §8, schema `riskassess.report/2`).

reportdata.report_from_data builds the /1 report and, for format-2 data,
passes it here before it is fingerprinted. Every /1 field keeps its meaning;
the overall level becomes the level matrix's (impact tier by control level),
and the control level is kept beside it. A skipped item keeps its answer and
counts for nothing: no risk, no exposure, no finding.
"""

from __future__ import annotations

from collections import Counter

from riskassess.assessments import scoring_v2

SCHEMA = "riskassess.report/2"


def _number(value):
    value = float(value)
    return int(value) if value.is_integer() else value


def apply(report: dict, data: dict, result: scoring_v2.Result, top_findings) -> None:
    """Make `report` a /2 report; `top_findings` is reportdata's (passed: it imports this)."""
    report["schema"] = SCHEMA
    report["method"]["name"] = scoring_v2.METHOD
    raw = {item["key"]: item for item in data["items"]}
    for item in report["items"]:
        key = item["key"]
        skip = result.skipped.get(key)
        item["applies"] = skip is None
        item["skipped_by"] = (
            {"source": skip.source, "condition": dict(skip.condition)} if skip else None
        )
        item["critical"] = result.critical[key]
        item["frameworks"] = raw[key]["frameworks"]
        item["scope"] = raw[key]["scope"]
        if skip is not None:
            item["risk"] = item["exposure"] = None
    # Skipped items have no exposure now, so they are no findings.
    names = {c["key"]: c["name"] for c in report["categories"]}
    report["top_findings"] = top_findings(report["items"], names)
    report["profile"] = [
        {
            "key": q["key"],
            "question": q["question"],
            "answers": list(q["answers"]),
            "labels": [o["label"] for o in q["options"] if o["key"] in q["answers"]],
            "impact": _number(result.impacts[q["key"]]),
        }
        for q in data["profile"]
    ]
    report["impact"] = {"total": _number(result.impact_total), "tier": result.tier}
    report["overall"]["control_level"] = result.control_level
    report["overall"]["level"] = result.level
    report["coverage"] = _coverage(data, result)


def _coverage(data: dict, result: scoring_v2.Result) -> list[dict]:
    coverage = []
    for framework in data["frameworks"]:
        requirements = []
        for requirement in framework["requirements"]:
            status, items = result.coverage[
                scoring_v2.Requirement(framework["key"], requirement["id"])
            ]
            requirements.append(
                {
                    "id": requirement["id"],
                    "title": requirement["title"],
                    "status": status,
                    "items": list(items),
                }
            )
        counts = Counter(r["status"] for r in requirements)
        coverage.append(
            {
                "framework": framework["key"],
                "name": framework["name"],
                "version": framework["version"],
                "counts": {status: counts.get(status, 0) for status in scoring_v2.STATUSES},
                "requirements": requirements,
            }
        )
    return coverage
