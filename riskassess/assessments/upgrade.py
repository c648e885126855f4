"""Move a draft to the newest published version of its checklist, after a preview.

Answers go across by item key. Where the question, the options and their risks
are the same, the answer and comment are carried as they are. Where the
wording or the scale changed, the old answer is carried "to confirm": offered
beside the old and new wording, not scored until an editor confirms or changes
it. Items new in the version start unanswered; answers to items it no longer
has are listed, and kept in the History entry of the move (their rows go: an
answer belongs to an item of the assessment's checklist version).

`plan` only reads; `apply` makes the move in one transaction with one event.
The re-assessment of a deployment (a later issue) reuses `plan`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from riskassess.assessments import summary, workflow
from riskassess.assessments.models import Answer, Assessment, Event
from riskassess.checklist.models import Checklist, Item, Option, ProfileOption, ProfileQuestion
from riskassess.checklist.selectors import checklist_trees


class UpgradeError(ValueError):
    """The move cannot be made (any more); the message says why."""


@dataclass
class Plan:
    source: Checklist
    target: Checklist
    carried: list[dict] = field(default_factory=list)  # {"key", "question", "answer_label"}
    to_confirm: list[dict] = field(default_factory=list)  # + "old_question", "changes"
    new: list[dict] = field(default_factory=list)  # {"key", "question"}
    removed: list[dict] = field(default_factory=list)  # {"key", "question", "answer_label", …}
    # Format 2 targets: the profile's questions, the answered ones that go
    # across by key, and the answered ones the target no longer asks.
    profile_questions: int = 0
    profile_carried: list[str] = field(default_factory=list)
    profile_dropped: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        """What the History keeps of the move."""
        return {
            "from_version": self.source.version,
            "to_version": self.target.version,
            "carried": [row["key"] for row in self.carried],
            "to_confirm": [row["key"] for row in self.to_confirm],
            "new": [row["key"] for row in self.new],
            "removed": self.removed,
        }


def newer_version(assessment: Assessment) -> Checklist | None:
    """The newest published version of the assessment's checklist, if newer than its own."""
    return (
        Checklist.objects.published()
        .filter(slug=assessment.checklist.slug, version__gt=assessment.checklist.version)
        .order_by("-version")
        .first()
    )


def _options(item: Item) -> list[tuple]:
    return [(o.key, o.label, o.risk, o.not_applicable) for o in item.option_list]


def _changes(old: Item, new: Item) -> list[str]:
    changes = []
    if old.question != new.question:
        changes.append("wording")
    if _options(old) != _options(new):
        changes.append("answer options")
    return changes


def _label(answer: Answer, item: Item) -> str | None:
    option = next((o for o in item.option_list if o.pk == answer.option_id), None)
    return option.label if option else None


def _items(tree) -> dict[str, Item]:
    return {item.key: item for category in tree for item in category.item_list}


def plan(assessment: Assessment, target: Checklist) -> Plan:
    """What moving `assessment` to `target` would do; reads only."""
    trees = checklist_trees([assessment.checklist_id, target.pk])
    old_items, new_items = _items(trees[assessment.checklist_id]), _items(trees[target.pk])
    answers = {a.item_id: a for a in assessment.answers.all()}
    result = Plan(source=assessment.checklist, target=target)
    for key, old in old_items.items():
        answer = answers.get(old.pk)
        if answer is None:
            continue
        row = {"key": key, "question": old.question, "answer_label": _label(answer, old)}
        new = new_items.get(key)
        if new is None or not new.active:
            result.removed.append({**row, "comment": answer.comment})
        elif changes := _changes(old, new):
            result.to_confirm.append(
                {**row, "question": new.question, "old_question": old.question, "changes": changes}
            )
        else:
            result.carried.append(row)
    result.new = [
        {"key": key, "question": item.question}
        for key, item in new_items.items()
        if item.active and key not in old_items
    ]
    asked = set(ProfileQuestion.objects.filter(checklist=target).values_list("key", flat=True))
    answered = assessment.profile.values_list("question__key", flat=True)
    result.profile_questions = len(asked)
    for key in answered:
        (result.profile_carried if key in asked else result.profile_dropped).append(key)
    return result


@transaction.atomic
def apply(assessment: Assessment, *, target_id: int, user) -> Plan:
    """Move the draft to checklist version `target_id` (the preview's); raise UpgradeError."""
    locked = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("checklist", "team")
        .get(pk=assessment.pk)
    )
    if not locked.is_editable:
        raise UpgradeError("Only a draft can move to another checklist version.")
    target = newer_version(locked)
    if target is None or target.pk != target_id:
        raise UpgradeError(
            "The newest published version has changed since the preview: look at it again."
        )
    moves = plan(locked, target)
    new_items = _items(checklist_trees([target.pk])[target.pk])
    keep = {row["key"] for row in moves.carried} | {row["key"] for row in moves.to_confirm}
    confirm = {row["key"]: row for row in moves.to_confirm}
    for answer in locked.answers.select_related("item", "option"):
        key = answer.item.key
        if key not in keep:
            answer.delete()
            continue
        new = new_items[key]
        old_option = answer.option
        answer.item = new
        answer.option = _same_option(new, old_option)
        if key in confirm:
            answer.to_confirm = True
            answer.carried = {
                "checklist_version": moves.source.version,
                "question": confirm[key]["old_question"],
                "answer_label": old_option.label if old_option else None,
                "changes": confirm[key]["changes"],
            }
        answer._history_user = user
        answer.save()
    dropped = _move_profile(locked, target, user)
    locked.checklist = target
    locked._history_user = user
    locked.save()
    summary.store(locked)
    moved = moves.summary()
    if dropped:
        moved["profile_removed"] = dropped
    workflow.record(locked, Event.Kind.UPGRADED, user, _note(moves), moved)
    return moves


def _move_profile(assessment: Assessment, target: Checklist, user) -> list[dict]:
    """Profile answers go across by question key, with the options the target still has.

    Returns the answers that could not go (no such question in the target),
    for the History: their rows go, as answers to removed items do.
    """
    questions = {q.key: q for q in ProfileQuestion.objects.filter(checklist=target)}
    offered: dict[str, set[str]] = {}
    options = ProfileOption.objects.filter(question__checklist=target)
    for question_key, key in options.values_list("question__key", "key"):
        offered.setdefault(question_key, set()).add(key)
    dropped = []
    for row in assessment.profile.select_related("question"):
        new = questions.get(row.question.key)
        if new is None:
            dropped.append({"key": row.question.key, "choices": row.choices})
            row.delete()
            continue
        row.question = new
        row.choices = [key for key in row.choices if key in offered.get(new.key, set())]
        row._history_user = user
        row.save()
    return dropped


def _same_option(item: Item, old: Option | None) -> Option | None:
    if old is None:
        return None
    return next((o for o in item.option_list if o.key == old.key), None)


def _note(moves: Plan) -> str:
    return (
        f"v{moves.source.version} → v{moves.target.version}: {len(moves.carried)} carried, "
        f"{len(moves.to_confirm)} to confirm, {len(moves.new)} new, "
        f"{len(moves.removed)} removed"
    )
