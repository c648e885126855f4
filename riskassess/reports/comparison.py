"""What changed between two reports of one deployment: schema `riskassess.comparison/1`.

`compare(before, after, before_label=..., after_label=...)` takes two report
dicts (contracts.md §5 and §8: `riskassess.report/1` or `/2`, in any mix, such
as a version-1 revision against a version-2 re-assessment) and returns plain
data: a summary of each side, the overall change and its reading ("better",
"worse", "unchanged", "mixed", "not comparable"), every category, and the items
matched by key. docs/comparison.md documents every field; the page, the JSON
export and the PDF's "Changes since revision N" are all rendered from it.

Pure: no database and no Django, so it can be tested exhaustively and can
compare a report read back from a JSON export. It copies what it shows and
never changes its inputs. Its output depends on its inputs only (no clock), is
ordered like the after report (then what only the before report has, in that
report's order), and holds only JSON types: floats rounded as the report
rounds them, never a Fraction or a Decimal.
"""

from __future__ import annotations

from riskassess.assessments.scoring import LEVELS
from riskassess.assessments.scoring_v2 import TIERS
from riskassess.reports import comparison_v2

SCHEMA = "riskassess.comparison/1"
REPORT_SCHEMAS = ("riskassess.report/1", "riskassess.report/2")

# Directions of one measure. Scores, levels and tiers are all risk: lower is better.
BETTER, WORSE, UNCHANGED = "better", "worse", "unchanged"
# The overall reading adds these two.
MIXED, NOT_COMPARABLE = "mixed", "not comparable"
READINGS = (BETTER, WORSE, UNCHANGED, MIXED, NOT_COMPARABLE)

# What happened to an item, the first that holds in this order (docs/comparison.md).
ADDED, REMOVED = "added", "removed"
SKIPPED_NOW, APPLIES_NOW = "skipped_now", "applies_now"
NEWLY_ANSWERED, NO_LONGER_ANSWERED = "newly_answered", "no_longer_answered"
ANSWER_CHANGED, COMMENT_CHANGED = "answer_changed", "comment_changed"
CHANGES = (
    ADDED,
    REMOVED,
    SKIPPED_NOW,
    APPLIES_NOW,
    NEWLY_ANSWERED,
    NO_LONGER_ANSWERED,
    ANSWER_CHANGED,
    COMMENT_CHANGED,
    UNCHANGED,
)
# Counted beside the changes: an item has one change and may have these flags too.
FLAGS = ("wording_changed", "critical_changed")

# Status of a category, a profile question, a framework or a requirement.
CHANGED = "changed"


def compare(
    before: dict,
    after: dict,
    *,
    before_label: str,
    after_label: str,
    include_unchanged: bool = False,
) -> dict:
    """The comparison of two reports, `after` against `before` (docs/comparison.md).

    Items without any difference are counted but listed only with
    `include_unchanged`; the same goes for profile questions and framework
    requirements. Raises ValueError when either is not a riskassess report.
    """
    _check("before", before)
    _check("after", after)
    rows = _items(before, after)
    listed = [row for row in rows if include_unchanged or _differs(row)]
    both_v2 = comparison_v2.is_v2(before) and comparison_v2.is_v2(after)
    return {
        "schema": SCHEMA,
        "include_unchanged": include_unchanged,
        "before": summary(before, before_label),
        "after": summary(after, after_label),
        "checklist_changed": _checklist(before) != _checklist(after),
        "overall": _overall(before, after),
        "categories": _categories(before, after),
        "counts": _counts(rows),
        "items": listed,
        "profile": comparison_v2.profile(before, after, include_unchanged) if both_v2 else None,
        "coverage": comparison_v2.coverage(before, after, include_unchanged) if both_v2 else None,
    }


def _check(side: str, report) -> None:
    if not isinstance(report, dict) or report.get("schema") not in REPORT_SCHEMAS:
        schema = report.get("schema") if isinstance(report, dict) else type(report).__name__
        raise ValueError(
            f"{side}: not a riskassess report ({schema!r}); expected {' or '.join(REPORT_SCHEMAS)}"
        )


# Numbers and directions -----------------------------------------------------------------------


def delta(before: float | None, after: float | None, digits: int = 1) -> float | None:
    """after - before, rounded; None when either is None. Never -0.0."""
    if before is None or after is None:
        return None
    return round(float(after) - float(before), digits) + 0.0


def whole(value: float | None):
    """Whole numbers as ints, as the report writes impact points (2, not 2.0)."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def direction(before, after, order: tuple | None = None) -> str | None:
    """BETTER, WORSE or UNCHANGED from `before` to `after`, higher being worse.

    Values are numbers, or ranked by `order` (levels, tiers). Both missing is
    UNCHANGED; one missing (not assessed on one side only) is None.
    """
    if order is not None:
        before = order.index(before) if before in order else None
        after = order.index(after) if after in order else None
    if before is None and after is None:
        return UNCHANGED
    if before is None or after is None:
        return None
    return WORSE if after > before else BETTER if after < before else UNCHANGED


def reading(level: dict, signals: list[str | None]) -> str:
    """The overall reading: one word for "is the deployment's risk lower now?".

    Not comparable when only one side has an overall level (nothing assessed on
    the other). Otherwise the signals (the changes of the overall level, the
    control level, the impact tier and the overall score) decide: all that moved
    moved the same way -> that way; some got better and some worse -> mixed;
    none moved -> unchanged. A signal missing on one side (the tier of a /1
    report) does not count.
    """
    if (level["before"] is None) != (level["after"] is None):
        return NOT_COMPARABLE
    moves = {signal for signal in signals if signal in (BETTER, WORSE)}
    if len(moves) == 2:
        return MIXED
    return moves.pop() if moves else UNCHANGED


def pair(before, after, *, order: tuple | None = None, digits: int | None = None) -> dict:
    """{"before", "after", "change"} for a level or tier, or with "delta" too for a number."""
    row = {"before": before, "after": after}
    if digits is not None:
        row["delta"] = delta(before, after, digits)
    row["change"] = direction(before, after, order)
    return row


# The two sides ----------------------------------------------------------------------------------


def _revision(report: dict) -> int | None:
    """The revision number: frozen in a revision's report, else where its record stands."""
    number = (report.get("revision") or {}).get("number")
    if number is None:
        number = (report.get("record") or {}).get("revision")
    return number


def _checklist(report: dict) -> dict:
    checklist = report.get("checklist") or {}
    return {
        "slug": checklist.get("slug"),
        "version": checklist.get("version"),
        "name": checklist.get("name"),
    }


def summary(report: dict, label: str) -> dict:
    """One side: what it is and its overall result, in the report's own terms."""
    assessment = report.get("assessment") or {}
    overall = report["overall"]
    impact = report.get("impact") or {}
    return {
        "label": label,
        "schema": report["schema"],
        "assessment": {
            "id": assessment.get("id"),
            "title": assessment.get("title"),
            "status": assessment.get("status"),
        },
        "revision": _revision(report),
        "checklist": _checklist(report),
        "method": report["method"]["name"],
        "submitted_at": assessment.get("submitted_at"),
        "generated_at": report.get("generated_at"),
        "score": overall["score"],
        # Under /1 the overall level is the control level (contracts.md §8).
        "control_level": overall.get("control_level", overall["level"]),
        "level": overall["level"],
        "impact_total": impact.get("total"),
        "impact_tier": impact.get("tier"),
        "completeness": overall["completeness"],
        "provisional": overall["provisional"],
    }


def _overall(before: dict, after: dict) -> dict:
    old, new = summary(before, ""), summary(after, "")
    level = pair(old["level"], new["level"], order=LEVELS)
    control = pair(old["control_level"], new["control_level"], order=LEVELS)
    tier = pair(old["impact_tier"], new["impact_tier"], order=TIERS)
    score = pair(old["score"], new["score"], digits=1)
    impact = {
        "before": old["impact_total"],
        "after": new["impact_total"],
        "delta": whole(delta(old["impact_total"], new["impact_total"], 4)),
    }
    return {
        "score": score,
        "level": level,
        "control_level": control,
        "impact_tier": tier,
        "impact_total": impact,
        "completeness": {
            "before": old["completeness"],
            "after": new["completeness"],
            "delta": delta(old["completeness"], new["completeness"], 4),
        },
        "provisional": old["provisional"] or new["provisional"],
        "reading": reading(
            level, [level["change"], control["change"], tier["change"], score["change"]]
        ),
    }


# Categories --------------------------------------------------------------------------------------


def matched(before: list[dict], after: list[dict], key: str = "key") -> list[tuple]:
    """(before row or None, after row or None) by key: after's order, then before's leftovers."""
    old = {row[key]: row for row in before}
    new = {row[key] for row in after}
    return [(old.get(row[key]), row) for row in after] + [
        (row, None) for row in before if row[key] not in new
    ]


def status(old, new, same: bool) -> str:
    if old is None:
        return ADDED
    if new is None:
        return REMOVED
    return UNCHANGED if same else CHANGED


def _categories(before: dict, after: dict) -> list[dict]:
    rows = []
    for old, new in matched(before["categories"], after["categories"]):
        either = new or old
        score = pair(old and old["score"], new and new["score"], digits=1)
        level = pair(old and old["level"], new and new["level"], order=LEVELS)
        if old is None or new is None:
            # Added or removed: there is nothing to have changed from or to.
            score["change"] = level["change"] = None
        same = old is not None and new is not None
        same = same and old["score"] == new["score"] and old["level"] == new["level"]
        rows.append(
            {
                "key": either["key"],
                "name": either["name"],
                "status": status(old, new, same),
                "score": score,
                "level": level,
            }
        )
    return rows


# Items -------------------------------------------------------------------------------------------


def _state(item: dict) -> dict:
    """An item on one side. A /1 report has no `applies`: every item of it applies."""
    return {
        "answer": item["answer"],
        "answer_label": item["answer_label"],
        "comment": item.get("comment") or "",
        "risk": item["risk"],
        "exposure": item["exposure"],
        "weight": item["weight"],
        "critical": bool(item["critical"]),
        "applies": item.get("applies", True),
        "skipped_by": _skip(item.get("skipped_by")),
    }


def _skip(skipped_by: dict | None) -> dict | None:
    """The rule that skips an item, its profile keys sorted: a report read back from
    PostgreSQL's jsonb has lost their order, and the output must not depend on it."""
    if skipped_by is None:
        return None
    condition = skipped_by["condition"]
    return {
        "source": skipped_by["source"],
        "condition": {key: list(condition[key]) for key in sorted(condition)},
    }


def change(old: dict | None, new: dict | None) -> str:
    """The first of CHANGES that holds for an item's states before and after."""
    if old is None:
        return ADDED
    if new is None:
        return REMOVED
    if old["applies"] != new["applies"]:
        return SKIPPED_NOW if old["applies"] else APPLIES_NOW
    if old["answer"] is None and new["answer"] is not None:
        return NEWLY_ANSWERED
    if old["answer"] is not None and new["answer"] is None:
        return NO_LONGER_ANSWERED
    if old["answer"] != new["answer"]:
        return ANSWER_CHANGED
    if old["comment"] != new["comment"]:
        return COMMENT_CHANGED
    return UNCHANGED


def _items(before: dict, after: dict) -> list[dict]:
    rows = []
    for old_item, new_item in matched(before["items"], after["items"]):
        either = new_item or old_item
        old = _state(old_item) if old_item else None
        new = _state(new_item) if new_item else None
        both = old is not None and new is not None
        reworded = both and old_item["question"] != new_item["question"]
        rows.append(
            {
                "key": either["key"],
                "category": either["category"],
                "question": either["question"],
                "change": change(old, new),
                "wording_changed": reworded,
                "question_before": old_item["question"] if reworded else None,
                "critical_changed": both and old["critical"] != new["critical"],
                "before": old,
                "after": new,
                "risk_delta": delta(old and old["risk"], new and new["risk"], 4),
                "exposure_delta": delta(old and old["exposure"], new and new["exposure"], 4),
            }
        )
    return rows


def _differs(row: dict) -> bool:
    """Whether an item's row shows any difference: only such rows are listed by default.

    An unchanged answer can still count differently when the checklist
    version reweighted the item: its exposure delta shows it, so it is listed.
    """
    return (
        row["change"] != UNCHANGED
        or row["wording_changed"]
        or row["critical_changed"]
        or bool(row["exposure_delta"])
    )


def _counts(rows: list[dict]) -> dict:
    counts = dict.fromkeys(CHANGES, 0)
    for row in rows:
        counts[row["change"]] += 1
    for flag in FLAGS:
        counts[flag] = sum(1 for row in rows if row[flag])
    counts["total"] = len(rows)
    return counts
