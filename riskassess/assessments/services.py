"""Actions that change assessments. Each runs in one transaction.

Answers use optimistic concurrency: the client sends the `version` it last
saw. If someone else saved the item since, and the two saves disagree, the
second writer gets a Conflict with both values and nothing is overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from riskassess.assessments import signals
from riskassess.assessments.data import assessment_data, score_data
from riskassess.assessments.models import COMMENT_MAX, Answer, Assessment, Event, Status
from riskassess.checklist.models import Checklist, Item


class AnswerError(ValueError):
    """A refused answer; `field` is "option" or "comment"."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


class Locked(Exception):
    """The assessment is submitted: answers cannot change until an owner reopens it."""

    message = "This assessment is submitted and locked. An owner can reopen it to make changes."


class Conflict(Exception):
    """Someone else saved this item since the writer last saw it."""

    def __init__(self, current: dict):
        self.current = current
        super().__init__("Someone else changed this answer since you loaded it.")


class NotReady(Exception):
    """Submitting needs every required item answered."""


@dataclass(frozen=True)
class Saved:
    answer: dict  # {"option", "comment", "version", "answered_by", "answered_at"}
    changed: bool


def _save_as(obj, user, **kwargs) -> None:
    """Save an audited row with `user` as the author of its history record.

    The history middleware knows the user only inside a request; services are
    also called from commands and tests, so they name the user themselves.
    """
    obj._history_user = user
    obj.save(**kwargs)


def _record(assessment: Assessment, kind: str, user, note: str = "", data=None) -> None:
    Event.objects.create(
        assessment=assessment,
        kind=kind,
        user=user,
        username=user.get_username(),
        note=note,
        data=data,
    )


@transaction.atomic
def create_assessment(*, user, team, checklist: Checklist, **details) -> Assessment:
    assessment = Assessment(team=team, checklist=checklist, created_by=user, **details)
    _save_as(assessment, user)
    _record(assessment, Event.Kind.CREATED, user)
    return assessment


def _answer_state(answer: Answer | None) -> dict:
    if answer is None:
        return {"option": None, "comment": "", "version": 0, "answered_by": "", "answered_at": None}
    return {
        "option": answer.option.key if answer.option_id else None,
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
            # Locking the assessment row orders this save against submit and reopen.
            locked = Assessment.objects.select_for_update(of=("self",)).get(pk=assessment.pk)
            if locked.status != Status.DRAFT:
                raise Locked
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
            answer.version += 1
            answer.updated_by = user
            _save_as(answer, user)
            # Only the "last change" time moves: no separate audit record for it.
            locked.skip_history_when_saving = True
            locked.save(update_fields=["updated_at"])
    except IntegrityError:
        # Two first answers to the same item at once: the other one won.
        answer = Answer.objects.select_related("option", "updated_by").get(
            assessment=assessment, item=item
        )
        raise Conflict(_answer_state(answer)) from None
    return Saved(answer=_answer_state(answer), changed=True)


@transaction.atomic
def update_details(*, assessment: Assessment, user, **details) -> Assessment:
    """Change title, model, base model or context while the assessment is a draft.

    The row is locked first, so a submit that lands between loading the page
    and saving it is neither overwritten nor undone.
    """
    assessment = Assessment.objects.select_for_update(of=("self",)).get(pk=assessment.pk)
    if assessment.status != Status.DRAFT:
        raise Locked
    for name, value in details.items():
        setattr(assessment, name, value)
    _save_as(assessment, user)
    return assessment


@transaction.atomic
def submit(*, assessment: Assessment, user) -> Assessment:
    """Freeze the assessment with everything it is scored with; needs all required answers."""
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("checklist")
        .get(pk=assessment.pk)
    )
    if assessment.status != Status.DRAFT:
        raise Locked
    data = assessment_data(assessment)
    result = score_data(data)
    if result.provisional:
        missing = sum(c.required - c.answered_required for c in result.categories)
        raise NotReady(
            f"{missing} required item{'s are' if missing != 1 else ' is'} still unanswered."
        )
    assessment.snapshot = data
    assessment.status = Status.SUBMITTED
    assessment.submitted_at = timezone.now()
    _save_as(assessment, user)
    _record(assessment, Event.Kind.SUBMITTED, user, data=data)
    # After the commit: receivers read the submitted data, and a slow one (the PDF is
    # rendered ahead, riskassess.reports.receivers) must not hold the row lock.
    assessment_id = assessment.pk
    transaction.on_commit(
        lambda: signals.assessment_submitted.send(
            sender=Assessment, assessment_id=assessment_id, user=user
        )
    )
    return assessment


@transaction.atomic
def reopen(*, assessment: Assessment, user, note: str = "") -> Assessment:
    """Back to draft: answers can change again and it is scored against the live checklist."""
    assessment = Assessment.objects.select_for_update(of=("self",)).get(pk=assessment.pk)
    if assessment.status != Status.SUBMITTED:
        raise NotReady("Only a submitted assessment can be reopened.")
    assessment.status = Status.DRAFT
    assessment.snapshot = None
    assessment.submitted_at = None
    _save_as(assessment, user)
    _record(assessment, Event.Kind.REOPENED, user, note[:500])
    return assessment
