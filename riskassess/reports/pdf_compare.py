"""A comparison in words (issue 13): the compare page and the PDF section
"Changes since revision N" both word a `riskassess.comparison/1` result
(comparison.py) through here, so they cannot disagree.

- `overall_rows`, `category_rows`, `count_rows`, `item_groups`: the result as
  plain rows of text, numbers formatted by riskassess/present.py. Plain str:
  the page's template escapes them, and `section` bounds them for the PDF.
- `neighbours`: a revision and its predecessor, the revision of the same
  deployment submitted just before it (a revision of the same assessment, or
  of an earlier one: a re-assessment is a new assessment of the deployment).
  A revision's predecessor is fixed once the revision exists, so the PDF's
  cache key names the predecessor's fingerprint and the section never goes
  stale (pdf.cache_key).
- `section`: what the PDF's templates/reports/pdf/_changes.html prints, every
  text through pdf_text (`printable`, `one_line`), the list of items capped.

A reading is never told by colour alone: every change has a word and an arrow.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Subquery

from riskassess import present
from riskassess.assessments.models import Assessment, Revision
from riskassess.reports import comparison
from riskassess.reports.pdf_text import one_line, printable

DASH = present.DASH
# The deployment's revisions in submission order; equal times (never seen) by number, then id.
ORDER = ("submitted_at", "number", "id")
PDF_ITEMS = 100  # items the PDF lists; the rest are on the page and in the JSON

READINGS = {
    comparison.BETTER: ("Better", "The risk is lower: what changed of the overall level, "
                        "control level, impact tier and score went down."),
    comparison.WORSE: ("Worse", "The risk is higher: what changed of the overall level, "
                       "control level, impact tier and score went up."),
    comparison.MIXED: ("Mixed", "Some of the overall level, control level, impact tier and "
                       "score went down and others went up."),
    comparison.UNCHANGED: ("Unchanged", "The overall level, control level, impact tier and "
                           "score are the same."),
    comparison.NOT_COMPARABLE: ("Not comparable", "Nothing is assessed on one side yet, so "
                                "there is no level to compare with."),
}  # fmt: skip

# The change kinds in the order the page and the PDF list them.
KINDS = {
    comparison.ANSWER_CHANGED: "Answer changed",
    comparison.NEWLY_ANSWERED: "Newly answered",
    comparison.NO_LONGER_ANSWERED: "No longer answered",
    comparison.ADDED: "Added by the checklist version",
    comparison.REMOVED: "Removed by the checklist version",
    comparison.SKIPPED_NOW: "Skipped by rule now",
    comparison.APPLIES_NOW: "Applies now",
    comparison.COMMENT_CHANGED: "Comment changed",
    # Listed only with a flag: reworded, critical changed, or counting differently.
    comparison.UNCHANGED: "Same answer, reworded or counted differently",
}
SHORT_KINDS = {
    **KINDS,
    comparison.ADDED: "Added",
    comparison.REMOVED: "Removed",
    comparison.UNCHANGED: "Same answer",
}

# A direction as an arrow and a word: risk goes down (better) or up (worse).
MARKS = {
    comparison.BETTER: ("\u2193", "better"),
    comparison.WORSE: ("\u2191", "worse"),
    comparison.UNCHANGED: ("=", "unchanged"),
    comparison.MIXED: ("\u2195", "mixed"),
    None: ("", "not compared"),
}


def mark(change: str | None) -> dict:
    arrow, word = MARKS[change]
    return {"change": change or "none", "arrow": arrow, "word": word}


def reading(result: dict) -> dict:
    key = result["overall"]["reading"]
    label, sentence = READINGS[key]
    direction = mark(key if key in MARKS else None)
    return {"key": key, "css": key.replace(" ", "-"), "label": label, "sentence": sentence,
            **direction}  # fmt: skip


def notes(result: dict) -> list[str]:
    """What to bear in mind when reading it: provisional sides, a checklist or method change."""
    before, after = result["before"], result["after"]
    found = []
    if result["overall"]["provisional"]:
        sides = [s["label"] for s in (before, after) if s["provisional"]]
        verb = "is" if len(sides) == 1 else "are"
        found.append(
            f"Provisional: {' and '.join(sides)} {verb} not complete, "
            "and unanswered items count in neither score."
        )
    if result["checklist_changed"]:
        found.append(
            f"The checklist changed (version {before['checklist']['version']} → "
            f"{after['checklist']['version']}): part of any change comes from the checklist itself "
            "(new items, new weights), not from the deployment."
        )
    if before["method"] != after["method"]:
        found.append(
            f"Scored by different methods ({before['method']} → {after['method']}): the impact "
            "tier is compared only when both sides have one."
        )
    return found


# --- Overall and categories -------------------------------------------------------------


def _tier(side: dict) -> str:
    if side["impact_tier"] is None:
        return DASH
    return f"{present.tier(side['impact_tier'])} ({present.points(side['impact_total'])})"


def _measure(name: str, pair: dict, text, delta: str = "") -> dict:
    # No delta where either side has no value ("not compared") or none moved ("unchanged").
    delta = "" if delta == DASH or pair.get("change") == comparison.UNCHANGED else delta
    before, after = text(pair["before"]), text(pair["after"])
    return {"measure": name, "before": before, "after": after, "delta": delta,
            **mark(pair.get("change"))}  # fmt: skip


def overall_rows(result: dict) -> list[dict]:
    """Score, control level, overall level, impact tier and completeness: before, after, change."""
    o = result["overall"]
    rows = [
        _measure("Score", o["score"], present.score, present.signed(o["score"]["delta"])),
        _measure("Control level", o["control_level"], present.level),
        _measure("Overall level", o["level"], present.level),
    ]
    sides = (result["before"], result["after"])
    if any(side["impact_tier"] for side in sides):  # neither has one under format 1
        tiers = {**o["impact_tier"], "before": sides[0], "after": sides[1]}
        delta = present.signed(o["impact_total"]["delta"], present.points)
        rows.append(_measure("Impact tier", tiers, _tier, delta))
    completeness = o["completeness"]
    row = _measure("Completeness", completeness, present.percent)
    # Not a measure of risk: more complete is neither better nor worse.
    row.update(delta=present.percent_delta(completeness["delta"]), change="info", arrow="", word="")
    return [*rows, row]


def _category_change(row: dict) -> str | None:
    """One direction for a category, by the reading's rule over its score and level."""
    moves = {row["score"]["change"], row["level"]["change"]} & {comparison.BETTER, comparison.WORSE}
    if len(moves) == 2:
        return comparison.MIXED
    if moves:
        return moves.pop()
    if row["status"] == comparison.UNCHANGED or row["score"]["change"] == comparison.UNCHANGED:
        return comparison.UNCHANGED
    return None


def _scored(score, level) -> str:
    if score is None and level is None:
        return "Not assessed"
    return f"{present.score(score)} {present.level(level).lower()}"


def category_rows(result: dict) -> list[dict]:
    rows = []
    for row in result["categories"]:
        score, level = row["score"], row["level"]
        direction = mark(_category_change(row))
        if row["status"] in (comparison.ADDED, comparison.REMOVED):
            direction = {"change": "none", "arrow": "", "word": row["status"]}
        rows.append(
            {
                "key": row["key"],
                "name": row["name"],
                "status": row["status"],
                "before": DASH
                if row["status"] == comparison.ADDED
                else _scored(score["before"], level["before"]),
                "after": DASH
                if row["status"] == comparison.REMOVED
                else _scored(score["after"], level["after"]),
                "before_level": level["before"],
                "after_level": level["after"],
                "delta": "" if not score["delta"] else present.signed(score["delta"]),
                **direction,
            }
        )
    return rows


def count_rows(result: dict) -> list[dict]:
    """How many items had each change, those with none left out, then the unchanged ones."""
    counts = result["counts"]
    rows = [
        {"kind": kind, "label": label, "count": counts[kind]}
        for kind, label in KINDS.items()
        if kind != comparison.UNCHANGED and counts[kind]
    ]
    rows.append({"kind": comparison.UNCHANGED, "label": "Unchanged", "count": counts["unchanged"]})
    return rows


# --- Items ----------------------------------------------------------------------------------


def side_text(side: dict | None) -> str:
    """An item on one side, in a few words: its answer, or why it has none that counts."""
    if side is None:  # added or removed by the checklist version: the kind says which
        return DASH
    if not side["applies"]:
        kept = side["answer_label"] or ("a comment" if side["comment"] else None)
        return f"skipped by rule (kept: {kept})" if kept else "skipped by rule"
    if side["answer"] is None:
        return "not answered"
    return side["answer_label"] or side["answer"]


def _risk_text(row: dict) -> str:
    before, after = row["before"], row["after"]
    risks = [side["risk"] if side else None for side in (before, after)]
    if risks == [None, None]:
        return ""
    return f"risk {present.number(risks[0])} → {present.number(risks[1])}"


def _risk_mark(row: dict) -> dict:
    # The risk of the option; an item reweighted by the checklist version counts differently
    # with the same risk: its exposure tells.
    delta = row["risk_delta"] or row["exposure_delta"]
    if delta is None:
        return mark(None)
    return mark(comparison.direction(0, delta))


def _flags(row: dict) -> list[str]:
    flags = []
    if row["wording_changed"]:
        flags.append("reworded")
    if row["critical_changed"]:
        flags.append("critical now" if row["after"]["critical"] else "no longer critical")
    if row["change"] == comparison.UNCHANGED and row["exposure_delta"]:
        weights = row["before"]["weight"], row["after"]["weight"]
        if weights[0] != weights[1]:
            flags.append(f"weight {weights[0]} → {weights[1]}")
        else:
            flags.append("option rescored")
    return flags


def item_row(row: dict) -> dict:
    before, after = row["before"], row["after"]
    return {
        "key": row["key"],
        "category": row["category"],
        "question": row["question"],
        "question_before": row["question_before"],
        "change": row["change"],
        "kind": SHORT_KINDS[row["change"]],
        "from_text": side_text(before),
        "to_text": side_text(after),
        "risk_text": _risk_text(row),
        "exposure_text": present.signed(row["exposure_delta"], present.number)
        if row["exposure_delta"]
        else "",
        "risk": _risk_mark(row),
        "flags": _flags(row),
        "comment_before": before["comment"] if before else "",
        "comment_after": after["comment"] if after else "",
        "comment_changed": bool(before and after and before["comment"] != after["comment"]),
    }


def item_groups(result: dict) -> list[dict]:
    """The listed items grouped by change, in KINDS order; empty groups left out."""
    rows = [item_row(row) for row in result["items"]]
    groups = []
    for kind, label in KINDS.items():
        members = [row for row in rows if row["change"] == kind]
        if members:
            groups.append({"kind": kind, "label": label, "items": members})
    return groups


# --- A revision's predecessor ---------------------------------------------------------------


@dataclass(frozen=True)
class Neighbours:
    """A revision (small columns) and the one of its deployment submitted just before it."""

    current: Revision
    previous: Revision | None

    @property
    def same_assessment(self) -> bool:
        previous = self.previous
        return previous is not None and previous.assessment_id == self.current.assessment_id


def deployment_revisions(deployment_filter: dict) -> list[Revision]:
    """Revisions (small columns, with their assessment's title) in submission order."""
    return list(
        Revision.objects.filter(**deployment_filter)
        .select_related("assessment")
        .only(
            "id",
            "number",
            "submitted_at",
            "fingerprint",
            "level",
            "score",
            "assessment__id",
            "assessment__title",
            "assessment__deployment_id",
        )
        .order_by(*ORDER)
    )


def neighbours(assessment_id, number: int) -> Neighbours | None:
    """Revision `number` of the assessment and its predecessor, in one query; None if no such."""
    deployment = Assessment.objects.filter(pk=assessment_id).values("deployment_id")[:1]
    revisions = deployment_revisions({"assessment__deployment_id": Subquery(deployment)})
    for index, revision in enumerate(revisions):
        if str(revision.assessment_id) == str(assessment_id) and revision.number == number:
            return Neighbours(revision, revisions[index - 1] if index else None)
    return None


def of_report(report: dict) -> Neighbours | None:
    """The neighbours of a revision's report; None for any other report (a draft's, a file's).

    Only a frozen revision report carries `revision`; a report of an answers
    file has no assessment id. Queries only for a revision's report.
    """
    number = (report.get("revision") or {}).get("number")
    assessment_id = (report.get("assessment") or {}).get("id")
    if not number or not assessment_id:
        return None
    return neighbours(assessment_id, number)


def title(found: Neighbours) -> str:
    number = found.previous.number
    if found.same_assessment:
        return f"Changes since revision {number}"
    return f"Changes since revision {number} of the previous assessment"


# --- The PDF section ------------------------------------------------------------------------


def _printed_rows(rows: list[dict], *fields: str) -> list[dict]:
    return [{**row, **{name: one_line(row[name]) for name in fields}} for row in rows]


def section(report: dict, found: Neighbours | None) -> dict | None:
    """What _changes.html prints for a revision's report, or None when it has no predecessor.

    Loads the predecessor's frozen report (one query). Deterministic: the same
    revision and predecessor always print the same section.
    """
    if found is None or found.previous is None:
        return None
    previous = found.previous
    before = Revision.objects.only("report").get(pk=previous.pk).report
    result = comparison.compare(
        before,
        report,
        before_label=f"revision {previous.number}",
        after_label=f"revision {found.current.number}",
    )
    items = [item_row(row) for row in result["items"]]
    shown = items[:PDF_ITEMS]
    whose = "" if found.same_assessment else f" of “{previous.assessment.title}”"
    return {
        "title": title(found),
        "lead": printable(
            f"This revision compared with revision {previous.number}{whose}, submitted "
            f"{present.when(previous.submitted_at)} (fingerprint {previous.fingerprint[:16]}…)."
        ),
        "reading": reading(result),
        "notes": [printable(note) for note in notes(result)],
        "overall": overall_rows(result),
        "categories": _printed_rows(category_rows(result), "name"),
        "counts": count_rows(result),
        "total": result["counts"]["total"],
        "items": [
            {
                "key": one_line(row["key"]),
                "kind": row["kind"],
                "change": printable(f"{row['from_text']} → {row['to_text']}", lines=1, chars=300),
                "flags": ", ".join(row["flags"]),
            }
            for row in shown
        ],
        "more": len(items) - len(shown),
    }
