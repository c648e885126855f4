"""When a deployment is next reviewed: a pure function of dates, no ORM, no clock.

The rules (README, "Deployments and base models"):
- never submitted: due now ("never assessed");
- otherwise the latest submission's date plus the review interval in months
  (31 January + 1 month is 28 or 29 February: the month's last day);
- overdue once that date is past (due *on* the day itself is "due today");
- a base model superseded after the latest submission (or superseded on an
  unknown date) brings the date forward to the day it was superseded: the
  deployment needs re-assessing on the newer model. A submission after the
  supersession has taken it into account; the notice stays, the date does not move;
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
class Review:
    state: str  # a Due value
    due: date | None  # None for a retired deployment
    superseded: Superseded | None = None

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
) -> Review:
    """The next review of a deployment. `superseded` is (base model, newer one, on) or None."""
    notice = None
    if superseded is not None:
        old, new, on = superseded
        after_last = last_submitted is None or on is None or on > last_submitted
        notice = Superseded(old=old, new=new, on=on, needs_reassessment=after_last)
    if retired:
        return Review(Due.RETIRED, None, notice)
    if last_submitted is None:
        return Review(Due.NEVER, today, notice)

    due = add_months(last_submitted, review_months)
    if notice is not None and notice.needs_reassessment:
        due = min(due, notice.on or today)
    if due < today:
        state = Due.OVERDUE
    elif due == today:
        state = Due.TODAY
    else:
        state = Due.SCHEDULED
    return Review(state, due, notice)
