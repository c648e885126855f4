"""What format 2 adds to an assessment's data (contracts.md §6-§8), and its scoring.

data.build_data calls `extend` for a format-2 checklist only, so format 1
data stays exactly as it was. The additions:

    data["checklist"] += {"method", "impact_tiers", "level_matrix"}
    data["profile"] = [{"key", "question", "guidance", "multiple",
                        "options": [{"key", "label", "impact"}],
                        "answers": [chosen option keys]}]
    data["frameworks"] = [{"key", "name", "version", "source",
                           "requirements": [{"id", "title"}]}]
    each category += {"applies_if"}
    each item += {"applies_if", "critical_if", "scope", "frameworks"}
"""

from __future__ import annotations

from riskassess.assessments import scoring, scoring_v2
from riskassess.checklist import wording
from riskassess.checklist.models import Checklist


def is_v2(data: dict) -> bool:
    return data["checklist"].get("method") == scoring_v2.METHOD


def extend(data: dict, checklist: Checklist, tree: list, parts: dict, profile: dict) -> None:
    data["checklist"].update(
        method=scoring_v2.METHOD,
        impact_tiers=checklist.impact_tiers,
        level_matrix=checklist.level_matrix,
    )
    data["profile"] = []
    for question in wording.profile_data(parts.get("profile", [])):
        chosen = set(profile.get(question["key"], ()))
        # In the question's order, and only keys it has.
        question["answers"] = [o["key"] for o in question["options"] if o["key"] in chosen]
        data["profile"].append(question)
    data["frameworks"] = [
        {
            "key": framework.key,
            "name": framework.name,
            "version": framework.version,
            "source": framework.source,
            "requirements": [{"id": r.rid, "title": r.title} for r in framework.requirement_list],
        }
        for framework in parts.get("frameworks", [])
    ]
    categories = {category.key: category for category in tree}
    items = {item.key: item for category in tree for item in category.item_list}
    for category in data["categories"]:
        category["applies_if"] = categories[category["key"]].applies_if
    for item in data["items"]:
        row = items[item["key"]]
        item.update(
            applies_if=row.applies_if,
            critical_if=row.critical_if,
            scope=row.scope,
            frameworks=row.frameworks,
        )


def profile_of(data: dict) -> dict[str, frozenset[str]]:
    """The profile answers as the scoring reads them: question key -> chosen option keys."""
    return {q["key"]: frozenset(q["answers"]) for q in data.get("profile", [])}


def score(data: dict) -> scoring_v2.Result:
    """Score format-2 data with weighted-exposure-v2 (contracts.md §7)."""
    # data.py imports this module; the item inputs are built there, once for both methods.
    from riskassess.assessments.data import item_input

    items = [
        scoring_v2.Item(
            base=item_input(item),
            applies_if=item["applies_if"],
            critical=item["critical_if"] or item["critical"],
            frameworks=item["frameworks"],
        )
        for item in data["items"]
    ]
    checklist = data["checklist"]
    return scoring_v2.score(
        [
            (scoring.CategoryInput(key=c["key"], weight=c["weight"]), c["applies_if"])
            for c in data["categories"]
        ],
        items,
        [
            scoring_v2.Question(
                key=q["key"],
                impacts={o["key"]: o["impact"] for o in q["options"]},
                multiple=q["multiple"],
            )
            for q in data["profile"]
        ],
        profile_of(data),
        thresholds=scoring.Thresholds(**checklist["thresholds"]),
        tiers=checklist["impact_tiers"] or scoring_v2.DEFAULT_TIERS,
        matrix=checklist["level_matrix"] or scoring_v2.DEFAULT_MATRIX,
        requirements=[
            scoring_v2.Requirement(f["key"], r["id"])
            for f in data["frameworks"]
            for r in f["requirements"]
        ],
    )


def missing(data: dict) -> list[str]:
    """What still needs an answer: unanswered profile questions, then required items that apply."""
    result = score(data)
    unanswered = [q["key"] for q in data["profile"] if not q["answers"]]
    items = [
        i["key"]
        for i in data["items"]
        if i["required"] and i["answer"] is None and i["key"] not in result.skipped
    ]
    return unanswered + items


def describe(condition: dict | None, data: dict) -> str:
    """A condition in words, with the profile's own wording, for pages and reports."""
    return wording.describe(condition, data.get("profile", []))


def skip_reason(skip: dict | None, data: dict) -> str:
    """Why an item is skipped, from a report item's `skipped_by`, in words."""
    if not skip:
        return ""
    whose = "Its category applies" if skip["source"] == "category" else "It applies"
    return f"{whose} only when {describe(skip['condition'], data)}."
