"""Actions that change assessments. Each runs in one transaction.

Answers use optimistic concurrency: the client sends the `version` it last
saw. If someone else saved the item since, and the two saves disagree, the
second writer gets a Conflict with both values and nothing is overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from riskassess.accounts.models import Team
from riskassess.assessments import summary, workflow
from riskassess.assessments.models import COMMENT_MAX, Answer, Assessment, Event, ProfileAnswer
from riskassess.checklist.models import Checklist, Item, ProfileQuestion
from riskassess.deployments.models import Deployment


class AnswerError(ValueError):
    """A refused answer; `field` is "option" or "comment"."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


class Locked(Exception):
    """The assessment is not an editable draft: submitted (an owner can reopen it) or archived."""

    message = "This assessment is submitted and locked. An owner can reopen it to make changes."


class Conflict(Exception):
    """Someone else saved this item since the writer last saw it."""

    def __init__(self, current: dict):
        self.current = current
        super().__init__("Someone else changed this answer since you loaded it.")


# The lifecycle's refusals, under the names callers have always used.
NotAllowed = workflow.NotAllowed
NotPermitted = workflow.NotPermitted
NotReady = workflow.NotReady


@dataclass(frozen=True)
class Loaded:
    """Data the caller read (assessment_data) after the assessment row, whose updated_at
    was `seen_at`: a save may patch and score it rather than read it all again."""

    seen_at: object
    data: dict


@dataclass(frozen=True)
class Saved:
    answer: dict  # {"option", "comment", "version", "answered_by", "answered_at"}
    changed: bool
    # The assessment's data and its scoring after the change (None when nothing
    # changed): the caller shows progress from them rather than reading it all again.
    data: dict | None = None
    result: object = None


def _save_as(obj, user, **kwargs) -> None:
    """Save an audited row with `user` as the author of its history record.

    The history middleware knows the user only inside a request; services are
    also called from commands and tests, so they name the user themselves.
    """
    obj._history_user = user
    obj.save(**kwargs)


def _lock_editable(assessment: Assessment) -> Assessment:
    """The assessment's row, locked, or Locked when it is not an editable draft.

    Locking the row orders an answer's save against submit and reopen.
    """
    locked = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("checklist")  # the stored summary scores it
        .get(pk=assessment.pk)
    )
    if not locked.is_editable:
        raise Locked
    return locked


def _touch(locked: Assessment, loaded: Loaded | None = None) -> tuple[dict, object]:
    """An answer changed: the "last change" time and the stored summary move with it, in
    the answer's transaction (the answer's own history records the change). Returns the
    assessment's data and its scoring.

    `loaded` is the data the caller read before the lock, with this change applied:
    used when nothing else changed since (every change moves updated_at under this
    lock), else read again.
    """
    data = loaded.data if loaded is not None and loaded.seen_at == locked.updated_at else None
    return summary.store(locked, data, updated_at=timezone.now())


def _record(assessment: Assessment, kind: str, user, note: str = "", data=None) -> None:
    workflow.record(assessment, kind, user, note, data)


@transaction.atomic
def create_assessment(
    *, user, team, checklist: Checklist, deployment: Deployment | None = None, **details
) -> Assessment:
    """A draft assessment of `deployment`, or of a new deployment made from `details`.

    `details` (title, model_name, base_model, context) are the assessment's own
    copy; a new deployment takes them as its name, model, base model (as typed)
    and context, with `user` as its owner.
    """
    if deployment is None:
        deployment = Deployment(
            team=team,
            name=details.get("title", ""),
            model_name=details.get("model_name", ""),
            base_model_text=details.get("base_model", ""),
            context=details.get("context", ""),
            owner=user,
            review_months=team.review_months,
        )
        _save_as(deployment, user)
    elif deployment.team_id != team.pk:
        raise ValueError("A deployment's assessments belong to its own team.")
    else:
        # One new assessment of a deployment at a time: the newest is its current one.
        Deployment.objects.select_for_update().filter(pk=deployment.pk).first()
    assessment = Assessment(
        team=team, deployment=deployment, checklist=checklist, created_by=user, **details
    )
    summary.make_current(assessment)
    _save_as(assessment, user)
    summary.store(assessment)
    _record(assessment, Event.Kind.CREATED, user)
    return assessment


def _answer_state(answer: Answer | None) -> dict:
    if answer is None:
        return {"option": None, "comment": "", "version": 0, "answered_by": "", "answered_at": None}
    return {
        # An answer to confirm is not yet anyone's answer: saving any option confirms it.
        "option": answer.option.key if answer.option_id and not answer.to_confirm else None,
        "comment": answer.comment,
        "version": answer.version,
        "answered_by": answer.updated_by.get_username() if answer.updated_by else "",
        "answered_at": answer.updated_at.isoformat(),
    }


def _validate(item: Item, option_key: str | None, comment: str, options: dict):
    if "\x00" in comment:
        raise AnswerError(
            "comment", "The comment contains a NUL character, which cannot be stored."
        )
    if not comment.isascii():
        try:
            comment.encode("utf-8")
        except UnicodeEncodeError:
            # A lone surrogate (JSON can carry "\ud800") would fail in the database: a 500.
            raise AnswerError(
                "comment", "The comment contains an invalid character (an unpaired surrogate)."
            ) from None
    if len(comment) > COMMENT_MAX:
        raise AnswerError(
            "comment",
            f"The comment is {len(comment):,} characters long; the limit is {COMMENT_MAX:,}.",
        )
    if option_key is None:
        return None
    option = options.get(option_key)
    if option is None:
        allowed = ", ".join(options) or "none"
        raise AnswerError(
            "option", f"{option_key!r} is not an answer to {item.key}; allowed: {allowed}."
        )
    if option.not_applicable and not comment.strip():
        raise AnswerError(
            "comment", f"'{option.label}' needs a justification: say in the comment why."
        )
    return option


def save_answer(
    *,
    assessment: Assessment,
    item_key: str,
    option_key: str | None,
    comment: str,
    expected_version: int,
    user,
) -> Saved:
    """Save one item's answer if it changed; raise AnswerError, Locked or Conflict otherwise.

    An empty `option_key` with a comment keeps the comment and leaves the item
    unanswered, so that text typed before choosing an option is never lost.
    """
    item = (
        Item.objects.filter(checklist_id=assessment.checklist_id, key=item_key)
        .select_related("checklist")
        .first()
    )
    if item is None:
        raise AnswerError("item", f"{item_key!r} is not an item of this assessment's checklist.")
    own = list(item.options.filter(active=True))
    scale = item.checklist.options.filter(item=None, active=True)
    options = {option.key: option for option in (own or scale)}
    option = _validate(item, option_key or None, comment, options)

    try:
        with transaction.atomic():
            locked = _lock_editable(assessment)
            answer = (
                # Lock the answer row only: PostgreSQL refuses to lock the nullable
                # side of the outer joins that select_related makes.
                Answer.objects.select_for_update(of=("self",))
                .select_related("option", "updated_by")
                .filter(assessment=assessment, item=item)
                .first()
            )
            if answer is None and not item.active:
                raise AnswerError("item", f"{item.key} has been retired from the checklist.")
            current = _answer_state(answer)
            unchanged = current["option"] == (option.key if option else None) and (
                current["comment"] == comment
            )
            if unchanged:
                return Saved(answer=current, changed=False)
            if current["version"] != expected_version:
                raise Conflict(current)
            if answer is None:
                answer = Answer(assessment=assessment, item=item, version=0)
            answer.option = option
            answer.comment = comment
            answer.to_confirm = False
            answer.version += 1
            answer.updated_by = user
            _save_as(answer, user)
            data, result = _touch(locked)
    except IntegrityError:
        # Two first answers to the same item at once: the other one won.
        answer = Answer.objects.select_related("option", "updated_by").get(
            assessment=assessment, item=item
        )
        raise Conflict(_answer_state(answer)) from None
    return Saved(answer=_answer_state(answer), changed=True, data=data, result=result)


def _profile_state(row: ProfileAnswer | None) -> dict:
    if row is None:
        return {"choices": [], "version": 0, "answered_by": "", "answered_at": None}
    return {
        "choices": list(row.choices),
        "version": row.version,
        "answered_by": row.updated_by.get_username() if row.updated_by else "",
        "answered_at": row.updated_at.isoformat(),
    }


def _profile_choices(question: ProfileQuestion, option_keys: list[str]) -> list[str]:
    """The chosen keys in the question's order; AnswerError names what is wrong."""
    known = [option.key for option in question.options.all()]
    unknown = [key for key in option_keys if key not in known]
    if unknown:
        raise AnswerError(
            "option",
            f"{unknown[0]!r} is not an option of {question.key}; allowed: {', '.join(known)}.",
        )
    chosen = [key for key in known if key in option_keys]
    if len(chosen) > 1 and not question.multiple:
        raise AnswerError("option", f"{question.key} takes one option, not {len(chosen)}.")
    return chosen


def save_profile(
    *,
    assessment: Assessment,
    question_key: str,
    option_keys: list[str],
    expected_version: int,
    user,
    loaded: Loaded | None = None,
) -> Saved:
    """Save the options chosen for one profile question (an empty list: unanswered).

    The same rules as save_answer: Locked for a locked assessment, Conflict
    when someone else saved a different choice since `expected_version`.
    `Saved.answer` is {"choices", "version", "answered_by", "answered_at"}.
    """
    question = ProfileQuestion.objects.filter(
        checklist_id=assessment.checklist_id, key=question_key
    ).first()
    if question is None:
        raise AnswerError(
            "question", f"{question_key!r} is not a profile question of this checklist."
        )
    chosen = _profile_choices(question, option_keys)
    try:
        with transaction.atomic():
            locked = _lock_editable(assessment)
            row = (
                ProfileAnswer.objects.select_for_update(of=("self",))
                .select_related("updated_by")
                .filter(assessment=assessment, question=question)
                .first()
            )
            current = _profile_state(row)
            if current["choices"] == chosen:
                return Saved(answer=current, changed=False)
            if current["version"] != expected_version:
                raise Conflict(current)
            if row is None:
                row = ProfileAnswer(assessment=assessment, question=question, version=0)
            row.choices = chosen
            row.version += 1
            row.updated_by = user
            _save_as(row, user)
            if loaded is not None:
                for asked in loaded.data.get("profile", []):
                    if asked["key"] == question.key:
                        asked["answers"] = chosen
            data, result = _touch(locked, loaded)
    except IntegrityError:
        row = ProfileAnswer.objects.select_related("updated_by").get(
            assessment=assessment, question=question
        )
        raise Conflict(_profile_state(row)) from None
    return Saved(answer=_profile_state(row), changed=True, data=data, result=result)


@transaction.atomic
def update_details(*, assessment: Assessment, user, **details) -> Assessment:
    """Change title, model, base model or context while the assessment is a draft.

    The row is locked first, so a submit that lands between loading the page
    and saving it is neither overwritten nor undone.
    """
    assessment = Assessment.objects.select_for_update(of=("self",)).get(pk=assessment.pk)
    if not assessment.is_editable:
        raise Locked
    for name, value in details.items():
        setattr(assessment, name, value)
    _save_as(assessment, user)
    return assessment


def submit(*, assessment: Assessment, user, attested: bool = False) -> Assessment:
    """Freeze the assessment into a new revision; needs all required answers (NotReady).

    When the team asks for a statement, `attested` says the submitter confirmed it.
    """
    # A team that requires a review submits for one: the same freeze, then a reviewer's decision.
    # Read now, not from the caller's copy of the team: the setting may have just changed.
    required = Team.objects.values_list("review_required", flat=True).get(pk=assessment.team_id)
    name = "submit_for_review" if required else "submit"
    try:
        return workflow.transition(assessment, name, user=user, attested=attested)
    except (NotReady, NotPermitted):
        raise
    except NotAllowed as refused:
        raise Locked from refused


def reopen(*, assessment: Assessment, user, note: str = "") -> Assessment:
    """Back to a draft, going on from the last revision's answers; the revision stays."""
    return workflow.transition(assessment, "reopen", user=user, note=note)


def archive(*, assessment: Assessment, user, note: str = "") -> Assessment:
    return workflow.transition(assessment, "archive", user=user, note=note)


def restore(*, assessment: Assessment, user) -> Assessment:
    return workflow.transition(assessment, "restore", user=user)


def delete_draft(*, assessment: Assessment, user) -> str:
    """Delete a draft that was never submitted; returns its title."""
    return workflow.transition(assessment, "delete", user=user).title
