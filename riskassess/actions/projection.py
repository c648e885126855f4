"""The projected score: what the assessment would score if every finding with an open
or in-progress mitigation were answered "yes". Pure: report and data in, data out.

It reads the plan from the report itself ("treatments" and "actions"), so a
revision's projection is the one its frozen plan gives, and scores modified
inputs with the scoring module (data.assume_best, then score_data). It is
worked out whenever a report is built and never stored as the score: a
report's `projection` is outside its content and fingerprint.
"""

from __future__ import annotations

from riskassess.actions.models import ACTIVE
from riskassess.assessments.data import assume_best, score_data


def assumed(report: dict) -> tuple[list[str], list[str]]:
    """(item keys, action ids): the findings to mitigate with an action still to be done,
    in the findings' order, and those actions."""
    status = {a["id"]: a["status"] for a in report.get("actions", ())}
    keys, ids = [], []
    for treatment in report.get("treatments", ()):
        if treatment["treatment"] != "mitigate":
            continue
        live = [i for i in treatment["actions"] if status.get(i) in ACTIVE]
        if live:
            keys.append(treatment["item"])
            ids.extend(i for i in live if i not in ids)
    return keys, ids


def projection(report: dict, data: dict | None) -> dict | None:
    """{"score", "level", "control_level", "assumes", "actions"}, or None for a report
    without a plan (submitted before plans existed) or without its data."""
    if data is None or "treatments" not in report:
        return None
    keys, ids = assumed(report)
    result = score_data(assume_best(data, keys))
    return {
        "score": result.rounded,
        "level": result.level,
        # Format 2: the control level the projection assumes (the impact tier does not move).
        "control_level": getattr(result, "control_level", None),
        "assumes": keys,
        "actions": ids,
    }
