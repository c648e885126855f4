"""Re-assessment: a new draft of a deployment, carried over from its latest revision.

ISO/IEC 42001 asks for assessments at planned intervals and after significant
changes; the EU AI Act's deployer assessment must be updated when its elements
change. A re-assessment starts where the last submission ended: on the newest
published version of that checklist, with the upgrade's carry-over rules
(upgrade.py) applied to the revision's frozen data, not to live rows:

- an item whose question and options are unchanged keeps its answer and comment;
- an item whose wording or scale changed is carried "to confirm" (offered beside
  the old wording, not counted until an editor confirms or changes it);
- an item new in the version starts unanswered;
- an answer to an item the version no longer has is listed in the summary;
- profile answers (format 2) go across by question key, with the options the
  version still offers.

`plan` only reads; `start` creates the draft in one transaction, with one
"re-assessment" event that keeps the summary. Evidence is carried by the
evidence app, through signals.reassessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from riskassess.assessments import services, signals, summary, upgrade, workflow
from riskassess.assessments.models import Answer, Assessment, Event, ProfileAnswer, Revision
from riskassess.checklist.models import Checklist, ProfileQuestion
from riskassess.checklist.selectors import checklist_trees
from riskassess.deployments.models import Deployment, Lifecycle


class ReassessError(ValueError):
    """The re-assessment cannot start; the message says why."""


@dataclass
class Plan(upgrade.Plan):
    """The upgrade's plan (upgrade.Plan), from a revision's frozen data rather than live rows."""

    revision: Revision | None = None

    def summary(self) -> dict:
        """What the re-assessment's event keeps."""
        return {
            **super().summary(),
            "from_revision": self.revision.number,
            "from_assessment": str(self.revision.assessment_id),
            "profile_carried": self.profile_carried,
            "profile_dropped": self.profile_dropped,
        }


def latest_revision(deployment: Deployment) -> Revision | None:
    return (
        Revision.objects.filter(assessment__deployment=deployment)
        .select_related("assessment")
        .order_by("-submitted_at", "-number")
        .first()
    )


def target_for(revision: Revision) -> Checklist:
    """The newest published version of the revision's checklist."""
    slug = revision.snapshot["checklist"]["slug"]
    target = Checklist.objects.published().filter(slug=slug).order_by("-version").first()
    if target is None:
        raise ReassessError(f"No published version of the checklist {slug} is left to use.")
    return target


def _options(options) -> list[tuple]:
    return [(o["key"], o["label"], o["risk"], o["not_applicable"]) for o in options]


def _label(item: dict) -> str | None:
    return next((o["label"] for o in item["options"] if o["key"] == item["answer"]), None)


def plan(deployment: Deployment) -> Plan:
    """What a re-assessment of `deployment` would carry; reads only."""
    if deployment.lifecycle == Lifecycle.RETIRED:
        # As for a new assessment: a retired deployment is not assessed again.
        raise ReassessError("It is retired: an owner brings it back on its Edit page first.")
    revision = latest_revision(deployment)
    if revision is None:
        raise ReassessError(
            "It has no submitted assessment to start from: start a new assessment instead."
        )
    target = target_for(revision)
    tree = checklist_trees([target.pk])[target.pk]
    new_items = {item.key: item for category in tree for item in category.item_list}
    # The version the revision was scored with (its assessment may have moved since).
    source = Checklist.objects.get(pk=revision.snapshot["checklist"]["id"])
    result = Plan(source=source, target=target, revision=revision)
    old_keys = set()
    for item in revision.snapshot["items"]:
        old_keys.add(item["key"])
        if item["answer"] is None and not item["comment"]:
            continue
        row = {"key": item["key"], "question": item["question"], "answer_label": _label(item)}
        new = new_items.get(item["key"])
        if new is None or not new.active:
            result.removed.append({**row, "comment": item["comment"]})
            continue
        new_options = [
            {"key": o.key, "label": o.label, "risk": o.risk, "not_applicable": o.not_applicable}
            for o in new.option_list
        ]
        changes = []
        if new.question != item["question"]:
            changes.append("wording")
        if _options(new_options) != _options(item["options"]):
            changes.append("answer options")
        if changes:
            result.to_confirm.append(
                {**row, "question": new.question, "old_question": item["question"],
                 "changes": changes}
            )  # fmt: skip
        else:
            result.carried.append(row)
    result.new = [
        {"key": key, "question": item.question}
        for key, item in new_items.items()
        if item.active and key not in old_keys
    ]
    asked = set(ProfileQuestion.objects.filter(checklist=target).values_list("key", flat=True))
    for question in revision.snapshot.get("profile", []):
        if question["answers"]:
            kept = question["key"] in asked
            (result.profile_carried if kept else result.profile_dropped).append(question["key"])
    return result


@transaction.atomic
def start(deployment: Deployment, *, user, expected_revision: int | None = None) -> Assessment:
    """A new draft of `deployment` carried over from its latest revision; ReassessError if not.

    `expected_revision` is the revision number the preview showed: if another
    submission landed since, the preview is out of date and nothing is made.
    """
    moves = plan(deployment)
    if expected_revision is not None and moves.revision.number != expected_revision:
        raise ReassessError("A newer revision was submitted since the preview: look at it again.")
    snapshot = moves.revision.snapshot
    assessment = services.create_assessment(
        user=user,
        team=deployment.team,
        checklist=moves.target,
        deployment=deployment,
        title=moves.revision.assessment.title,
        model_name=deployment.model_name,
        base_model=deployment.base_model_name,
        context=deployment.context or moves.revision.assessment.context,
    )
    now = timezone.now()
    note = (
        f"from revision {moves.revision.number} (v{snapshot['checklist']['version']} → "
        f"v{moves.target.version}): {len(moves.carried)} carried, "
        f"{len(moves.to_confirm)} to confirm, {len(moves.new)} new, "
        f"{len(moves.removed)} removed"
    )
    _carry_answers(assessment, moves, user, now, note)
    _carry_profile(assessment, moves, user, now, note)
    # Evidence (the evidence app) comes across by reference, with its original dates.
    signals.reassessed.send(
        sender=Assessment, assessment=assessment, revision=moves.revision, user=user
    )
    summary.store(assessment)
    workflow.record(assessment, Event.Kind.REASSESSED, user, note, moves.summary(), at=now)
    return assessment


def _carry_answers(assessment: Assessment, moves: Plan, user, now, note: str) -> None:
    tree = checklist_trees([moves.target.pk])[moves.target.pk]
    items = {item.key: item for category in tree for item in category.item_list}
    old = {item["key"]: item for item in moves.revision.snapshot["items"]}
    confirm = {row["key"]: row for row in moves.to_confirm}
    rows = []
    for key in [row["key"] for row in moves.carried] + list(confirm):
        item, was = items[key], old[key]
        option = next((o for o in item.option_list if o.key == was["answer"]), None)
        answer = Answer(
            assessment=assessment, item=item, option=option, comment=was["comment"],
            updated_by=user,
        )  # fmt: skip
        if key in confirm:
            answer.to_confirm = True
            answer.carried = {
                "checklist_version": moves.revision.snapshot["checklist"]["version"],
                "question": confirm[key]["old_question"],
                "answer_label": _label(was),
                "changes": confirm[key]["changes"],
            }
        rows.append(answer)
    bulk_create_with_history(
        rows, Answer, default_user=user, default_date=now,
        default_change_reason=f"re-assessment: {note}"[:100],
    )  # fmt: skip


def _carry_profile(assessment: Assessment, moves: Plan, user, now, note: str) -> None:
    if not moves.profile_carried:
        return
    questions = {
        q.key: q
        for q in ProfileQuestion.objects.filter(checklist=moves.target).prefetch_related("options")
    }
    old = {q["key"]: q["answers"] for q in moves.revision.snapshot.get("profile", [])}
    rows = []
    for key in moves.profile_carried:
        offered = {o.key for o in questions[key].options.all()}
        choices = [choice for choice in old[key] if choice in offered]
        rows.append(
            ProfileAnswer(
                assessment=assessment, question=questions[key], choices=choices, updated_by=user
            )
        )
    bulk_create_with_history(
        rows, ProfileAnswer, default_user=user, default_date=now,
        default_change_reason=f"re-assessment: {note}"[:100],
    )  # fmt: skip
