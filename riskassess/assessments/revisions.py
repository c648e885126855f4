"""Revisions: each submission frozen for good, and the reports read back from them.

`freeze` is called by workflow.transition("submit") inside its transaction. It
scores the draft, builds the report's content once, and stores the content,
its fingerprint and the data it came from in a Revision that nothing updates.
A revision's report is then always that stored content: a printed copy's
fingerprint can be checked against it after any reopening, upgrade or
checklist change (`matching`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone

from riskassess.assessments.data import assessment_data, score_data
from riskassess.assessments.models import Assessment, Event, Revision, Status
from riskassess.assessments.reportdata import (
    UNSIGNED,
    collect_evidence,
    collect_sections,
    report_from_data,
)

# What identifies a report: its SHA-256 (64 hex digits), or the first 32 of them,
# which a riskassess PDF carries as its document ID.
FULL, SHORT = 64, 32


def details_of(assessment: Assessment, *, status: str, submitted_at: datetime | None) -> dict:
    """The report's `assessment` part (contracts.md §5)."""
    return {
        "id": str(assessment.pk),
        "title": assessment.title,
        "model": assessment.model_name,
        "base_model": assessment.base_model,
        "context": assessment.context,
        "team": assessment.team.name,
        "status": status,
        "created_at": assessment.created_at.isoformat(),
        "submitted_at": submitted_at.isoformat() if submitted_at else None,
    }


def event_rows(events) -> list[dict]:
    return [
        {"kind": e.kind, "user": e.username, "at": e.at.isoformat(), "note": e.note} for e in events
    ]


def _missing(result) -> int:
    return sum(c.required - c.answered_required for c in result.categories)


def freeze(assessment: Assessment, *, user, attested: bool, for_review: bool = False) -> Revision:
    """A new revision of a draft (locked by the caller); raises workflow.NotReady.

    Its content says "submitted" either way: submitted for review or as final,
    it is what the team submitted; where its review stands is in `record`.
    """
    from riskassess.assessments.workflow import NotReady

    data = assessment_data(assessment)
    result = score_data(data)
    if result.provisional:
        missing = _missing(result)
        raise NotReady(
            f"{missing} required item{'s are' if missing != 1 else ' is'} still unanswered."
        )
    statement = assessment.team.attestation.strip()
    if statement and not attested:
        raise NotReady(f"Confirm the statement to submit: “{statement}”")
    now = timezone.now()
    number = (
        assessment.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    # The report lists the events up to and including this submission, whose
    # Event row workflow.record writes with the same time.
    events = [*event_rows(assessment.events.all()), _submitted_event(user, now)]
    report = report_from_data(
        data,
        details_of(assessment, status=Status.SUBMITTED, submitted_at=now),
        events=events,
        revision={
            "number": number,
            "submitted_by": user.get_username(),
            "attestation": statement,
        },
        now=now,
        evidence=collect_evidence(assessment),
        sections=collect_sections(assessment),
    )
    revision = Revision(
        assessment=assessment,
        number=number,
        submitted_by=user,
        submitted_by_name=user.get_username(),
        submitted_at=now,
        attestation=statement,
        snapshot=data,
        report={k: v for k, v in report.items() if k not in UNSIGNED},
        fingerprint=report["fingerprint"],
        score=report["overall"]["score"],
        level=report["overall"]["level"] or "",
        provisional=report["overall"]["provisional"],
        review_requested=for_review,
    )
    revision.save()
    return revision


def _submitted_event(user, at: datetime) -> dict:
    return {
        "kind": Event.Kind.SUBMITTED,
        "user": user.get_username(),
        "at": at.isoformat(),
        "note": "",
    }


def event_data(revision: Revision) -> dict:
    """What the "submitted" event keeps of its revision."""
    return {
        "revision": revision.number,
        "score": revision.score,
        "level": revision.level,
        "fingerprint": revision.fingerprint,
    }


def record(revision: Revision, *, count: int, superseded_at: datetime | None) -> dict:
    """Where a revision stands now: not part of its content or fingerprint."""
    from riskassess.assessments import review

    return {
        "revision": revision.number,
        "revisions": count,
        "current": superseded_at is None,
        "superseded_at": superseded_at.isoformat() if superseded_at else None,
        "review": review.record(revision),
    }


def revision_report(
    revision: Revision, *, count: int, superseded_at: datetime | None, now: datetime | None = None
) -> dict:
    """The revision's frozen report, with its fingerprint and where it stands now."""
    report = {
        **revision.report,
        "generated_at": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "record": record(revision, count=count, superseded_at=superseded_at),
        "fingerprint": revision.fingerprint,
    }
    return report


def timeline(assessment: Assessment) -> list[Revision]:
    """The assessment's revisions, oldest first, each with `.superseded_at` (None for the last).

    Loads the small columns only: a revision's snapshot and report are large.
    """
    revisions = list(
        assessment.revisions.defer("snapshot", "report").select_related("review").order_by("number")
    )
    for number, revision in enumerate(revisions):
        following = revisions[number + 1] if number + 1 < len(revisions) else None
        revision.superseded_at = following.submitted_at if following else None
    return revisions


def normalise(text: str) -> str | None:
    """A pasted fingerprint in any case, with spaces or line breaks: its hex digits, or None."""
    digits = "".join(text.split()).lower()
    if len(digits) not in (FULL, SHORT) or any(c not in "0123456789abcdef" for c in digits):
        return None
    return digits


def matching(fingerprint: str, *, user=None):
    """Revisions whose fingerprint is `fingerprint` (64 hex digits) or starts with it (32).

    With `user`, only revisions of that user's teams: a match in another team is
    indistinguishable from no match at all.
    """
    revisions = Revision.objects.select_related("assessment", "assessment__team")
    if user is not None:
        revisions = revisions.for_user(user)
    if len(fingerprint) == FULL:
        revisions = revisions.filter(fingerprint=fingerprint)
    else:
        revisions = revisions.filter(fingerprint__startswith=fingerprint)
    return list(
        revisions.defer("snapshot", "report").select_related("review").order_by("submitted_at")[:10]
    )
