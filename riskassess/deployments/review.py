"""When a deployment is next reviewed: a pure function of dates, no ORM, no clock.

The rules (README, "Deployments and base models"):
- never submitted: due now ("never assessed"), and has been since the
  deployment was created (`created`: what the dashboard sorts by);
- otherwise the latest submission's date plus the review interval in months
  (31 January + 1 month is 28 or 29 February: the month's last day);
- overdue once that date is past (due *on* the day itself is "due today");
- a base model superseded after the latest submission (or superseded on an
  unknown date) brings the date forward to the day it was superseded: the
  deployment needs re-assessing on the newer model. A submission after the
  supersession has taken it into account; the notice stays, the date does not move;
- a significant change to the deployment itself (its model version or its base
  model) made after the latest submission brings the date forward to the day of
  the change ("re-assessment needed: model version changed …"). Which came
  first is decided by the caller on full timestamps (both may fall on one day),
  so only a change still to be assessed is passed in;
- a retired deployment is not reviewed.

Callers pass `today` (the local date), so tests use fixed dates and never wait.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date


class Due:
    SCHEDULED = "scheduled"
    TODAY = "today"
    OVERDUE = "overdue"
    NEVER = "never"  # never assessed: due now
    RETIRED = "retired"


@dataclass(frozen=True)
class Superseded:
    """The deployment's base model was replaced: `old` by `new`, on `on` (when known)."""

    old: str
    new: str
    on: date | None
    # The supersession came after the latest submission (or there is none): re-assess.
    needs_reassessment: bool


@dataclass(frozen=True)
class Changed:
    """The deployment itself changed (`what`, in words) on `on`, since its latest submission."""

    what: str
    on: date
    needs_reassessment: bool = True


@dataclass(frozen=True)
class Review:
    state: str  # a Due value
    due: date | None  # None for a retired deployment
    superseded: Superseded | None = None
    changed: Changed | None = None

    @property
    def needs_reassessment(self) -> bool:
        """Something happened since the latest submission that the team must assess."""
        return bool(
            (self.superseded and self.superseded.needs_reassessment)
            or (self.changed and self.changed.needs_reassessment)
        )

    @property
    def overdue(self) -> bool:
        return self.state == Due.OVERDUE

    @property
    def due_now(self) -> bool:
        """Needs doing today or earlier: never assessed, due today or overdue."""
        return self.state in (Due.NEVER, Due.TODAY, Due.OVERDUE)


def add_months(day: date, months: int) -> date:
    """`day` plus `months` calendar months, on the month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_review(
    *,
    today: date,
    last_submitted: date | None,
    review_months: int,
    retired: bool = False,
    superseded: tuple[str, str, date | None] | None = None,
    changed: tuple[str, date] | None = None,
    created: date | None = None,
) -> Review:
    """The next review of a deployment.

    `superseded` is (base model, newer one, on) or None; `changed` is (what
    changed, in words, on) for a change made since the latest submission, or
    None; `created` is when the deployment was made.
    """
    notice = None
    if superseded is not None:
        old, new, on = superseded
        after_last = last_submitted is None or on is None or on > last_submitted
        notice = Superseded(old=old, new=new, on=on, needs_reassessment=after_last)
    change = None
    if changed is not None:
        what, on = changed
        change = Changed(what=what, on=on)
    if retired:
        return Review(Due.RETIRED, None, notice, change)
    if last_submitted is None:
        return Review(Due.NEVER, min(created or today, today), notice, change)

    due = add_months(last_submitted, review_months)
    if notice is not None and notice.needs_reassessment:
        due = min(due, notice.on or today)
    if change is not None:
        due = min(due, change.on)
    if due < today:
        state = Due.OVERDUE
    elif due == today:
        state = Due.TODAY
    else:
        state = Due.SCHEDULED
    return Review(state, due, notice, change)
