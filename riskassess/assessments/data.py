"""An assessment as plain data: what it is scored with, and the scoring of it.

`assessment_data` is the one place that turns the database into the
structure below; the questionnaire, the dashboard, the results page and every
report read it. A submitted assessment's data is its frozen snapshot, so it is
the same today as on the day it was submitted.

    {"checklist": {"id", "slug", "version", "name", "source", "thresholds"},
     "categories": [{"key", "name", "reference", "description", "weight"}],
     "items": [{"key", "category", "question", "guidance", "mitigation",
                "reference", "weight", "critical", "required",
                "options": [{"key", "label", "risk", "not_applicable"}],
                "answer": option key or None, "comment", "version",
                "answered_by", "answered_at",
                "to_confirm": bool, "carried": {...} or None}]}

An answer carried over from an earlier checklist version whose wording or
scale changed (upgrade.py) is `to_confirm`: its option is offered, not
counted, so "answer" is None until an editor confirms or changes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from riskassess.assessments import data_v2, scoring
from riskassess.assessments.models import Answer, Assessment, ProfileAnswer
from riskassess.checklist.models import Checklist
from riskassess.checklist.selectors import trees_and_parts


def _option(option) -> dict:
    return {
        "key": option.key,
        "label": option.label,
        "risk": option.risk,
        "not_applicable": option.not_applicable,
    }


def build_data(
    checklist: Checklist,
    tree: list,
    answers: dict[int, Answer],
    *,
    parts: dict | None = None,
    profile: dict[str, list[str]] | None = None,
) -> dict:
    """Data from a checklist tree (checklist_trees) and answers keyed by item id.

    The answers may be unsaved Answer objects: the `assess` command scores an
    answers file this way without writing to the database. A format-2
    checklist also needs its `parts` (selectors.format_2_parts) and the
    profile answers, question key -> chosen option keys (data_v2.py).
    """
    categories, items = [], []
    for category in tree:
        # Retired rows drop out of new work but stay where they were answered.
        kept = [item for item in category.item_list if item.active or item.pk in answers]
        if not kept or not (category.active or any(item.pk in answers for item in kept)):
            continue
        categories.append(
            {
                "key": category.key,
                "name": category.name,
                "reference": category.reference,
                "description": category.description,
                "weight": category.weight,
            }
        )
        for item in kept:
            answer = answers.get(item.pk)
            options = {option.pk: option for option in item.option_list}
            chosen = options.get(answer.option_id) if answer and answer.option_id else None
            to_confirm = bool(answer and answer.to_confirm)
            items.append(
                {
                    "key": item.key,
                    "category": category.key,
                    "question": item.question,
                    "guidance": item.guidance,
                    "mitigation": item.mitigation,
                    "reference": item.reference,
                    "weight": item.weight,
                    "critical": item.critical,
                    "required": item.required,
                    "options": [_option(option) for option in item.option_list],
                    "answer": chosen.key if chosen and not to_confirm else None,
                    "comment": answer.comment if answer else "",
                    "version": answer.version if answer else 0,
                    "answered_by": answer.updated_by.get_username()
                    if answer and answer.updated_by
                    else "",
                    "answered_at": (
                        answer.updated_at.isoformat() if answer and answer.updated_at else None
                    ),
                    "to_confirm": to_confirm,
                    "carried": {**answer.carried, "proposed": chosen.key if chosen else None}
                    if to_confirm and answer.carried
                    else None,
                }
            )
    data = {
        "checklist": {
            "id": checklist.pk,
            "slug": checklist.slug,
            "version": checklist.version,
            "name": checklist.name,
            "source": checklist.source,
            "thresholds": checklist.thresholds,
        },
        "categories": categories,
        "items": items,
    }
    if checklist.format == 2:
        # Only format 2 adds keys: a format 1 assessment's data, and so its
        # report and fingerprint, stay exactly what they were.
        data_v2.extend(data, checklist, tree, parts or {}, profile or {})
    return data


def assessment_data_many(assessments: Iterable[Assessment]) -> dict[UUID, dict]:
    """Data for several assessments in a fixed number of queries (none for submitted ones;
    for drafts on published checklist versions, only their answers and profile answers).

    The assessments must have been fetched with select_related("checklist").
    """
    result: dict[UUID, dict] = {}
    drafts = []
    for assessment in assessments:
        if assessment.snapshot is not None:
            result[assessment.pk] = assessment.snapshot
        else:
            drafts.append(assessment)
    if not drafts:
        return result
    # The checklists' trees and format-2 parts: from memory for published versions.
    trees, parts = trees_and_parts(a.checklist for a in drafts)
    answers: dict[UUID, dict[int, Answer]] = {a.pk: {} for a in drafts}
    for answer in Answer.objects.filter(assessment__in=drafts).select_related("updated_by"):
        answers[answer.assessment_id][answer.item_id] = answer
    # Format 2 only: the profile answers (one more query whatever the number of
    # drafts; none when all are format 1).
    second = [a for a in drafts if a.checklist.format == 2]
    profiles: dict[UUID, dict[str, list[str]]] = {a.pk: {} for a in second}
    if second:
        rows = ProfileAnswer.objects.filter(assessment__in=second).values_list(
            "assessment_id", "question__key", "choices"
        )
        for assessment_id, key, choices in rows:
            profiles[assessment_id][key] = choices
    for assessment in drafts:
        result[assessment.pk] = build_data(
            assessment.checklist,
            trees[assessment.checklist_id],
            answers[assessment.pk],
            parts=parts.get(assessment.checklist_id),
            profile=profiles.get(assessment.pk),
        )
    return result


def assessment_data(assessment: Assessment) -> dict:
    return assessment_data_many([assessment])[assessment.pk]


def chosen_option(item: dict) -> dict | None:
    """The option the item was answered with, or None."""
    if item["answer"] is None:
        return None
    return next((o for o in item["options"] if o["key"] == item["answer"]), None)


def assume_best(data: dict, keys) -> dict:
    """The data with the items `keys` answered with their lowest-risk option ("yes" on
    the default scale), for a projection: a copy; `data` is not changed.

    Only the answer changes: an item a format-2 rule skips stays skipped, since
    applicability follows the profile, not the answers.
    """
    wanted = set(keys)
    items = []
    for item in data["items"]:
        scored = [o for o in item["options"] if not o["not_applicable"]]
        if item["key"] in wanted and scored:
            best = min(scored, key=lambda o: o["risk"])
            item = {**item, "answer": best["key"]}
        items.append(item)
    return {**data, "items": items}


def score_data(data: dict) -> scoring.Result:
    """Score assessment data with its checklist's method (contracts.md §1, §7).

    Format 2 gives a scoring_v2.Result, which answers the same questions
    (score, level, completeness, categories …) and more.
    """
    if data_v2.is_v2(data):
        return data_v2.score(data)
    categories = [
        scoring.CategoryInput(key=c["key"], weight=c["weight"]) for c in data["categories"]
    ]
    items = [item_input(item) for item in data["items"]]
    thresholds = scoring.Thresholds(**data["checklist"]["thresholds"])
    return scoring.score(categories, items, thresholds)


def item_input(item: dict) -> scoring.ItemInput:
    """An item of the data and its answer, as the scoring reads them."""
    option = chosen_option(item)
    return scoring.ItemInput(
        key=item["key"],
        category=item["category"],
        weight=item["weight"],
        critical=item["critical"],
        required=item["required"],
        answered=option is not None,
        not_applicable=bool(option and option["not_applicable"]),
        risk=option["risk"] if option else None,
    )
