"""An assessment's lifecycle: its statuses, the moves between them, and who may make each.

One table (TRANSITIONS) says which move starts from which status, where it
leads and which role it needs; one function (`transition`) makes a move: it
locks the row, checks the table and the actor's role, freezes or unfreezes
what must be, records the event, and announces it with one signal after the
commit. Views, services, templates and reports ask the state (`is_editable`,
`STATES[...]`) instead of comparing status strings, so a new status is added
here and nowhere else.

Reviews: a team that requires one submits "for review"; the revision is frozen
as for any submission, and the team's reviewer approves it (a sign-off bound
to its fingerprint) or sends it back with notes. The decision is a Review row
of the revision (review.py), as immutable as the revision itself.

Archiving is not a status: an archived assessment keeps its status (a draft
stays a draft, a submitted one stays submitted) and is, in addition, hidden
from the dashboard and read-only until restored.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from riskassess.accounts.models import Membership, Role
from riskassess.assessments import signals, summary
from riskassess.assessments.models import Assessment, Event, Revision, Status


@dataclass(frozen=True)
class State:
    status: str
    label: str
    # Answers and details can change.
    editable: bool
    # Its report is a revision's frozen report, not built from live answers.
    frozen: bool
    # Bootstrap colour of its badge.
    tone: str
    # For messages: "it is …".
    phrase: str
    archived: bool = False
    # Part of a review (in review or approved): the Review tab is shown even
    # after the team stops requiring reviews.
    reviewed: bool = False


STATES = {
    Status.DRAFT: State(
        Status.DRAFT, "Draft", editable=True, frozen=False, tone="secondary", phrase="a draft"
    ),
    Status.IN_REVIEW: State(
        Status.IN_REVIEW, "In review", editable=False, frozen=True, tone="warning",
        phrase="in review", reviewed=True,
    ),
    Status.SUBMITTED: State(
        Status.SUBMITTED, "Submitted", editable=False, frozen=True, tone="success",
        phrase="submitted",
    ),
    Status.APPROVED: State(
        Status.APPROVED, "Approved", editable=False, frozen=True, tone="success",
        phrase="approved", reviewed=True,
    ),
}  # fmt: skip
ARCHIVED = {
    status: State(
        status,
        f"{state.label}, archived",
        False,
        state.frozen,
        "dark",
        "archived",
        archived=True,
        reviewed=state.reviewed,
    )
    for status, state in STATES.items()
}


def state_of(assessment: Assessment) -> State:
    table = ARCHIVED if assessment.archived_at else STATES
    return table[assessment.status]


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]  # the statuses it may start from
    target: str | None  # the status it leads to; None leaves the status as it is
    role: str  # the weakest role that may make it
    event: str  # the Event.Kind it records
    archived: bool = False  # whether it starts from an archived assessment
    needs_revision: bool = False  # only an assessment that was submitted at least once
    never_submitted: bool = False  # only an assessment that never was
    verb: str = ""  # for messages: "submitted", "reopened", …
    # None: either way; True: only when the team requires a review; False: only when not.
    review: bool | None = None
    # Made by the team's reviewer (Role.reviews), not by rank: see Role.allows.
    decides_review: bool = False


TRANSITIONS = {
    t.name: t
    for t in [
        # Without a review: the submission is final.
        Transition(
            "submit", frozenset({Status.DRAFT}), Status.SUBMITTED, Role.OWNER,
            Event.Kind.SUBMITTED, verb="submitted", review=False,
        ),
        # With one: the revision is frozen and waits for the reviewer.
        Transition(
            "submit_for_review", frozenset({Status.DRAFT}), Status.IN_REVIEW, Role.OWNER,
            Event.Kind.REVIEW_REQUESTED, verb="submitted for review", review=True,
        ),
        Transition(
            "approve", frozenset({Status.IN_REVIEW}), Status.APPROVED, Role.REVIEWER,
            Event.Kind.APPROVED, verb="approved", decides_review=True,
        ),
        # Back to an editable draft with the reviewer's notes; the next
        # submission is a new revision, reviewed again.
        Transition(
            "request_changes", frozenset({Status.IN_REVIEW}), Status.DRAFT, Role.REVIEWER,
            Event.Kind.CHANGES_REQUESTED, verb="sent back", decides_review=True,
        ),
        Transition(
            "withdraw", frozenset({Status.IN_REVIEW}), Status.DRAFT, Role.OWNER,
            Event.Kind.WITHDRAWN, verb="withdrawn from review",
        ),
        Transition(
            "reopen", frozenset({Status.SUBMITTED, Status.APPROVED}), Status.DRAFT, Role.OWNER,
            Event.Kind.REOPENED, verb="reopened",
        ),
        Transition(
            "archive", frozenset(STATES), None, Role.OWNER, Event.Kind.ARCHIVED,
            needs_revision=True, verb="archived",
        ),
        Transition(
            "restore", frozenset(STATES), None, Role.OWNER, Event.Kind.RESTORED,
            archived=True, verb="restored",
        ),
        # Deleting removes the record, so it records no event; only a draft that
        # was never submitted can go (a submitted one is archived instead).
        Transition(
            "delete", frozenset({Status.DRAFT}), None, Role.OWNER, "",
            never_submitted=True, verb="deleted",
        ),
    ]
}  # fmt: skip


class NotAllowed(Exception):
    """The move does not start from the assessment's state; the message says why."""


class NotPermitted(NotAllowed):
    """The actor's role in the team is too weak for the move."""


class NotReady(NotAllowed):
    """Submitting needs every required item answered (and the statement confirmed)."""


def refusal(assessment: Assessment, name: str, *, has_revision: bool | None = None) -> str | None:
    """Why `name` cannot start from this assessment's state, or None when it can.

    Role is not checked here (the caller's access check, and `transition`, do).
    `has_revision` may be passed when known, to save the query.
    """
    move = TRANSITIONS[name]
    if bool(assessment.archived_at) != move.archived:
        return (
            "it is archived; restore it first" if assessment.archived_at else "it is not archived"
        )
    if assessment.status not in move.sources:
        return f"it is {state_of(assessment).phrase}"
    if move.review is not None and assessment.team.review_required != move.review:
        return (
            "its team requires a review: submit it for review"
            if assessment.team.review_required
            else "its team does not require a review: submit it"
        )
    if move.needs_revision or move.never_submitted:
        if has_revision is None:
            has_revision = assessment.revisions.exists()
        if move.needs_revision and not has_revision:
            return "it was never submitted (a draft that never was can be deleted instead)"
        if move.never_submitted and has_revision:
            return "it has submitted revisions, which stay on record (archive it instead)"
    return None


def role_may(move: Transition, role: str | None) -> bool:
    if role is None:
        return False
    return Role.reviews(role) if move.decides_review else Role.allows(role, move.role)


def allowed(assessment: Assessment, name: str, role: str | None, **known) -> bool:
    """Whether a member with `role` may make the move now (for showing buttons)."""
    return role_may(TRANSITIONS[name], role) and refusal(assessment, name, **known) is None


def obstacles(assessment: Assessment, name: str, user) -> list[str]:
    """Why `user` cannot make the move now although the state and role allow it:
    segregation of duties (review.py) and the conditions other apps add through
    signals.transition_check (open review threads, …). Empty: nothing in the way."""
    from riskassess.assessments import review

    reasons = review.conflicts(assessment, user) if name == "approve" else []
    for _receiver, reason in signals.transition_check.send(
        sender=Assessment, assessment=assessment, transition=name, user=user
    ):
        if reason:
            reasons.append(reason)
    return reasons


def _role_of(assessment: Assessment, user) -> str | None:
    return (
        Membership.objects.filter(team_id=assessment.team_id, user=user)
        .values_list("role", flat=True)
        .first()
    )


def record(assessment: Assessment, kind: str, user, note: str = "", data=None, at=None) -> Event:
    return Event.objects.create(
        assessment=assessment,
        kind=kind,
        user=user,
        username=user.get_username(),
        note=note[:500],
        data=data,
        at=at or timezone.now(),
    )


@transaction.atomic
def transition(
    assessment: Assessment,
    name: str,
    *,
    user,
    note: str = "",
    attested: bool = False,
    text: str = "",
) -> Assessment:
    """Make the move `name` as `user`; raise NotAllowed, NotPermitted or NotReady.

    `text`: an approval's sign-off statement, or the notes of a request for
    changes (which also go, shortened, into the event's note).

    Returns the assessment as it is after the move (a fresh, locked copy).
    """
    move = TRANSITIONS[name]
    # Lock only the assessment row: every change of it and its answers takes this lock.
    locked = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("team", "checklist")
        .get(pk=assessment.pk)
    )
    role = _role_of(locked, user)
    if not role_may(move, role):
        who = "the team's reviewers" if move.decides_review else f"{Role(move.role).label.lower()}s"
        raise NotPermitted(f"Only {who} can do this.")
    why = refusal(locked, name)
    if why:
        raise NotAllowed(f"This assessment cannot be {move.verb}: {why}.")
    reasons = obstacles(locked, name, user)
    if reasons:
        raise NotReady(" ".join(reasons))

    revision: Revision | None = None
    data = None
    if name in ("submit", "submit_for_review"):
        # Imported here: revisions builds the report, which reads scoring and data.
        from riskassess.assessments import revisions

        revision = revisions.freeze(
            locked, user=user, attested=attested, for_review=name == "submit_for_review"
        )
        data = revisions.event_data(revision)
        locked.snapshot = revision.snapshot
        locked.submitted_at = revision.submitted_at
    elif name in ("approve", "request_changes", "withdraw"):
        from riskassess.assessments import review

        decision = review.decide(locked, name, user=user, role=role, text=text or note)
        revision = decision.revision
        data = review.event_data(decision)
    if name in ("reopen", "request_changes", "withdraw"):
        # The revision keeps what was submitted; the draft goes on from its answers.
        locked.snapshot = None
        locked.submitted_at = None
    elif name == "archive":
        locked.archived_at = timezone.now()
    elif name == "restore":
        locked.archived_at = None
    elif name == "delete":
        title, pk, deployment_id = locked.title, locked.pk, locked.deployment_id
        locked.delete()
        summary.after_delete(deployment_id)
        _announce(pk, name, user, None)
        locked.title = title
        return locked

    if move.target is not None:
        locked.status = move.target
    locked._history_user = user
    locked.save()
    if name in ("submit", "submit_for_review", "reopen", "request_changes", "withdraw"):
        # Scored from what is now the record: the snapshot, or the draft's answers again.
        summary.store(locked, locked.snapshot)
    if name in ("submit", "submit_for_review"):
        summary.refresh_deployment(locked.deployment)
    at = (revision.submitted_at if name.startswith("submit") else None) if revision else None
    record(locked, move.event, user, note, data, at=at)
    _announce(locked.pk, name, user, revision.pk if revision else None)
    return locked


def _announce(assessment_id, name: str, user, revision_id) -> None:
    # After the commit: receivers read committed data, and a slow one (the PDF
    # is rendered ahead, reports/receivers.py) must not hold the row lock.
    transaction.on_commit(
        lambda: signals.assessment_transitioned.send(
            sender=Assessment,
            assessment_id=assessment_id,
            transition=name,
            user=user,
            revision_id=revision_id,
        )
    )
