"""A format-2 report in words: the profile, how the impact tier and the control
level set the overall level (the level matrix's cell), the items skipped by rule
and why, and the coverage of each framework (contracts.md §8, last point).

`presentation(report)` is plain data, worded once for the results page
(templates/reports/_v2_*.html), the PDF (pdf_v2.py, which bounds what it prints
through pdf_text) and the spreadsheets (exports.py), so that they say the same
thing. It is None for a /1 report: format-1 outputs do not change.

Wording a condition takes the profile's questions and every option's label, and
naming the matrix cell takes the checklist's level matrix: the report holds
neither (only the labels of the chosen options), so both come from the
assessment data the report was built from (build.Report.data; a revision's
frozen snapshot). Given a bare report, such as a JSON export read back, a
condition names the option keys it cannot word, and the cell of an escalated
"high" overall level is not named.
"""

from __future__ import annotations

from fractions import Fraction

from riskassess import present
from riskassess.assessments import data_v2, reportdata_v2, scoring, scoring_v2
from riskassess.assessments.scoring import LEVELS

# Fixed orders: a revision's report and snapshot may come back from a PostgreSQL
# jsonb column, which does not keep the keys of an object in order.
TIERS = scoring_v2.TIERS
STATUSES = scoring_v2.STATUSES
SKIPPED = "Skipped by rule"
IGNORED = "answer kept, ignored"


def is_v2(report: dict) -> bool:
    return report.get("schema") == reportdata_v2.SCHEMA


def data_of(report: dict, data: dict | None = None) -> dict | None:
    """The assessment data a report was built from: given, or carried by a build.Report."""
    return data if data is not None else getattr(report, "data", None)


def listed(words) -> str:
    """["A"] -> "A"; ["A", "B", "C"] -> "A, B and C"."""
    words = list(words)
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def _items(keys) -> str:
    keys = list(keys)
    return f"critical item{'s' if len(keys) != 1 else ''} {listed(keys)}"


def status_class(status: str) -> str:
    """A CSS class for a coverage status: fixed names, "not met" -> "cov-not-met"."""
    return "cov-" + status.replace(" ", "-")


# --- Profile and impact -----------------------------------------------------------------


def profile_rows(report: dict) -> list[dict]:
    rows = []
    for question in report["profile"]:
        answered = bool(question["answers"])
        points = present.points(question["impact"])
        rows.append(
            {
                "key": question["key"],
                "question": question["question"],
                "labels": list(question["labels"]),
                "answered": answered,
                "impact": question["impact"],
                "points": points,
                "answer_text": "; ".join(question["labels"])
                if answered
                else f"Not answered — counted at its worst: {points}",
            }
        )
    return rows


def _checklist(data: dict | None) -> dict:
    return (data or {}).get("checklist") or {}


def matrix_of(data: dict | None) -> dict | None:
    if data is None:
        return None
    return _checklist(data).get("level_matrix") or scoring_v2.DEFAULT_MATRIX


def tiers_of(data: dict | None) -> dict | None:
    if data is None:
        return None
    return _checklist(data).get("impact_tiers") or scoring_v2.DEFAULT_TIERS


def exact_score(report: dict):
    """The overall (control) score as an exact Fraction, from the report's own weights and risks.

    The arithmetic of contracts.md §1 over the items with a risk (skipped, "not
    applicable" and unanswered items have none), so a level can be decided on the
    unrounded value, as the scoring does, without scoring the data again.
    """
    sums: dict[str, tuple[Fraction, int]] = {}
    for item in report["items"]:
        if item["risk"] is not None:
            total, weight = sums.get(item["category"], (Fraction(0), 0))
            sums[item["category"]] = (
                total + item["weight"] * _exact(item["risk"]),
                weight + item["weight"],
            )
    assessed = [
        (_exact(c["weight"]), 100 * sums[c["key"]][0] / sums[c["key"]][1])
        for c in report["categories"]
        if sums.get(c["key"], (0, 0))[1]
    ]
    weight = sum(w for w, _ in assessed)
    return sum(w * score for w, score in assessed) / weight if assessed else None


def _exact(value) -> Fraction:
    return Fraction(str(value))


def _score_level(report: dict) -> str | None:
    """The level the overall score gives by the thresholds alone, before any escalation."""
    exact = exact_score(report)
    thresholds = scoring.Thresholds(**report["method"]["thresholds"])
    return None if exact is None else scoring.level_of(exact, thresholds)


def level_story(report: dict, data: dict | None) -> dict:
    """How the overall level came about, in sentences, and the level matrix with its cell."""
    overall, impact = report["overall"], report["impact"]
    tier, control, level = impact["tier"], overall["control_level"], overall["level"]
    escalated = list(overall["escalated_by"])
    matrix, tiers = matrix_of(data), tiers_of(data)
    cell = matrix[tier][control] if matrix and control else None
    if cell is None and control and (not escalated or level != "high"):
        # Without the matrix: the cell is the level unless an escalation may have raised it.
        cell = level
    total = present.points(impact["total"])
    impact_sentence = f"Impact: {total}, {present.tier(tier).lower()} tier"
    if tiers:
        impact_sentence += (
            f" (moderate from {tiers['moderate']:g} points, high from {tiers['high']:g}, "
            f"very high from {tiers['very_high']:g})"
        )
    impact_sentence += "."
    raised_control = None
    if control is None:
        control_sentence = (
            "Control level: none yet. No category has an applicable answer, "
            "so there is no overall level."
        )
    else:
        control_sentence = f"Control level: {control}"
        if escalated and control == "high":
            alone = _score_level(report)
            if alone and alone != "high":
                raised_control = alone
                control_sentence += (
                    f", raised from {alone} (the overall score, "
                    f"{present.score(overall['score'])}) by {_items(escalated)}, "
                    "answered with the highest risk"
                )
        control_sentence += "."
    matrix_sentence = raised_sentence = None
    if control is not None:
        matrix_sentence = f"{present.tier(tier)} impact \u00d7 {control} control gap \u2192 "
        matrix_sentence += cell if cell else "the level matrix's cell (not in this report)"
        if cell and level != cell:
            raised_sentence = (
                f"Raised from {cell} to {level} by {_items(escalated)}, answered with the "
                "highest risk: a failed critical item always makes the overall level at least high."
            )
    grid = None
    if matrix:
        grid = [
            {
                "tier": name,
                "label": present.tier(name),
                "cells": [
                    {"level": matrix[name][column], "chosen": name == tier and column == control}
                    for column in LEVELS
                ],
            }
            for name in TIERS
        ]
    return {
        "tier": tier,
        "tier_label": present.tier(tier),
        "total": impact["total"],
        "total_text": total,
        "control_level": control,
        "cell": cell,
        "level": level,
        "escalated_by": escalated,
        "raised_control_from": raised_control,
        "impact_sentence": impact_sentence,
        "control_sentence": control_sentence,
        "matrix_sentence": matrix_sentence,
        "raised_sentence": raised_sentence,
        "grid": grid,
        "columns": list(LEVELS),
    }


# --- Skipped by rule -------------------------------------------------------------------


def _bare_wording(report: dict) -> dict:
    """What a bare report gives describe(): each question and the labels of its chosen options."""
    return {
        "profile": [
            {
                "key": q["key"],
                "question": q["question"],
                "options": [
                    {"key": k, "label": label}
                    for k, label in zip(q["answers"], q["labels"], strict=False)
                ],
            }
            for q in report["profile"]
        ]
    }


def skip_reasons(report: dict, data: dict | None) -> dict[str, str]:
    """Item key -> why it is skipped, in words, for every item skipped by rule."""
    # wording.describe puts a condition's keys in the profile's order itself.
    wording = data if data is not None else _bare_wording(report)
    return {
        item["key"]: data_v2.skip_reason(item["skipped_by"], wording)
        for item in report["items"]
        if item.get("skipped_by")
    }


def kept(item: dict) -> bool:
    """Whether a skipped item keeps an answer or a comment: kept, ignored, counted again if
    the profile changes back (contracts.md §7)."""
    return item["answer"] is not None or bool(item["comment"])


def skipped_groups(report: dict, reasons: dict[str, str]) -> list[dict]:
    """The skipped items, grouped by reason in checklist order; a category's rule is one group."""
    names = {c["key"]: c["name"] for c in report["categories"]}
    groups: dict[tuple, dict] = {}
    for item in report["items"]:
        if item["key"] not in reasons:
            continue
        whole = item["skipped_by"]["source"] == "category"
        category = item["category"] if whole else None
        group = groups.setdefault(
            (category, reasons[item["key"]]),
            {
                "category_name": names.get(category) if whole else None,
                "reason": reasons[item["key"]],
                "items": [],
            },
        )
        group["items"].append(
            {
                "key": item["key"],
                "question": item["question"],
                "category_name": names.get(item["category"], item["category"]),
                "critical": item["critical"],
                "kept": kept(item),
                "answer_label": item["answer_label"],
                "comment": item["comment"],
            }
        )
    return list(groups.values())


# --- Framework coverage ----------------------------------------------------------------


def coverage(report: dict) -> list[dict]:
    frameworks = []
    for framework in report["coverage"]:
        requirements = [
            {
                "id": r["id"],
                "title": r["title"],
                "status": r["status"],
                "status_label": present.coverage_status(r["status"]),
                "status_class": status_class(r["status"]),
                "items": list(r["items"]),
                "items_text": ", ".join(r["items"]),
            }
            for r in framework["requirements"]
        ]
        counts = [
            {
                "status": status,
                "label": present.coverage_status(status),
                "class": status_class(status),
                "count": framework["counts"].get(status, 0),
            }
            for status in STATUSES
        ]
        frameworks.append(
            {
                "key": framework["framework"],
                "name": framework["name"],
                "version": framework["version"],
                "total": len(requirements),
                "counts": counts,
                "summary": " · ".join(f"{c['count']} {c['status']}" for c in counts if c["count"]),
                "requirements": requirements,
                "not_covered": [r for r in requirements if r["status"] == "not covered"],
            }
        )
    return frameworks


# --- All of it ---------------------------------------------------------------------------


def presentation(report: dict, data: dict | None = None) -> dict | None:
    """A /2 report in words (see the module's docstring); None for a /1 report."""
    if not is_v2(report):
        return None
    data = data_of(report, data)
    reasons = skip_reasons(report, data)
    profile = profile_rows(report)
    return {
        "profile": profile,
        "answered_profile": sum(row["answered"] for row in profile),
        "unanswered_profile": sum(not row["answered"] for row in profile),
        "story": level_story(report, data),
        "reasons": reasons,
        "skipped": skipped_groups(report, reasons),
        "skipped_count": len(reasons),
        "kept_count": sum(1 for i in report["items"] if i["key"] in reasons and kept(i)),
        "coverage": coverage(report),
        "worded": data is not None,
    }
