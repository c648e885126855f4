"""What a comparison adds when both reports are `riskassess.report/2` (contracts.md §8):
the profile answers that changed, with their impact, and each framework's coverage.

comparison.compare calls these only when both sides have a profile and a
coverage: between a /1 and a /2 report there is nothing to match them with, and
the change of the impact tier is in the overall part. Pure, like comparison.py.
"""

from __future__ import annotations

from riskassess.assessments.scoring_v2 import STATUSES

# comparison imports this module too; its helpers are looked up when called.
from riskassess.reports import comparison as base

SCHEMA = "riskassess.report/2"


def is_v2(report: dict) -> bool:
    return report.get("schema") == SCHEMA


def _answers(question: dict | None) -> dict | None:
    if question is None:
        return None
    return {
        "answers": list(question["answers"]),
        "labels": list(question["labels"]),
        "impact": question["impact"],
    }


def profile(before: dict, after: dict, include_unchanged: bool) -> list[dict]:
    """The profile questions whose answers or impact changed (all with `include_unchanged`).

    `impact` is what the question adds to the impact total: an unanswered
    question counts its worst option, so answering one can lower the total.
    """
    rows = []
    for old, new in base.matched(before.get("profile") or [], after.get("profile") or []):
        either = new or old
        impact = base.whole(base.delta(old and old["impact"], new and new["impact"], 4))
        same = bool(old and new) and set(old["answers"]) == set(new["answers"])
        row = {
            "key": either["key"],
            "question": either["question"],
            "status": base.status(old, new, same),
            "before": _answers(old),
            "after": _answers(new),
            "impact_delta": impact,
        }
        if include_unchanged or row["status"] != base.UNCHANGED or impact:
            rows.append(row)
    return rows


def _counts(framework: dict | None) -> dict | None:
    """Counts in the contract's order: a report read back from PostgreSQL's jsonb has lost it."""
    if framework is None:
        return None
    return {status: framework["counts"].get(status, 0) for status in STATUSES}


def coverage(before: dict, after: dict, include_unchanged: bool) -> list[dict]:
    """Every framework of either side, with its counts before and after and the
    requirements whose status changed (all of them with `include_unchanged`)."""
    rows = []
    for old, new in base.matched(
        before.get("coverage") or [], after.get("coverage") or [], key="framework"
    ):
        either = new or old
        requirements = []
        for old_req, new_req in base.matched(
            old["requirements"] if old else [], new["requirements"] if new else [], key="id"
        ):
            was = old_req and old_req["status"]
            now = new_req and new_req["status"]
            if include_unchanged or was != now:
                requirements.append(
                    {
                        "id": (new_req or old_req)["id"],
                        "title": (new_req or old_req)["title"],
                        "before": was,
                        "after": now,
                    }
                )
        same = bool(old and new) and old["version"] == new["version"]
        same = same and all(r["before"] == r["after"] for r in requirements)
        rows.append(
            {
                "framework": either["framework"],
                "name": either["name"],
                "version": {
                    "before": old and old["version"],
                    "after": new and new["version"],
                },
                "status": base.status(old, new, same),
                "counts": {"before": _counts(old), "after": _counts(new)},
                "requirements": requirements,
            }
        )
    return rows
