"""A deployment list's rows as ready-made text, for the dashboard and the base model page.

The dashboard is the page everyone opens first, and a row rendered through
includes, `{% url %}` and date filters cost more than everything else on it
(docs/performance.md, "Dashboard at scale"). So each row is worked out here,
once, through the same presenter as the other pages (riskassess/present.py),
and the template only places the strings: the markup stays in
templates/deployments/_rows.html.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.urls import reverse

from riskassess import present
from riskassess.deployments.models import Lifecycle
from riskassess.deployments.review import Review

PLACEHOLDER = "00000000-0000-0000-0000-000000000000"
INT_PLACEHOLDER = 987654321

LIFECYCLE_TONES = {
    Lifecycle.PRODUCTION: "success",
    Lifecycle.PLANNED: "light border",
    Lifecycle.RETIRED: "secondary",
}


def url_maker(name: str, placeholder=PLACEHOLDER) -> Callable[[object], str]:
    """reverse(name, args=[key]) for many keys: resolved once, the key swapped in after.

    Only for a URL with one argument that appears nowhere else in it (a UUID, or a
    number of nine digits that no fixed part of a path contains).
    """
    pattern = reverse(name, args=[placeholder])
    marker = str(placeholder)
    return lambda key: pattern.replace(marker, str(key))


@dataclass(frozen=True)
class Line:
    """What one row shows; every string is plain text, escaped by the template."""

    detail_url: str
    overdue: bool
    base_url: str | None
    base_text: str
    base_note: str  # "superseded", "as typed" or ""
    lifecycle_label: str
    lifecycle_tone: str
    current_url: str | None
    current_title: str | None  # None: it has the deployment's name ("Open")
    current_label: str
    current_tone: str
    current_answered: str | None  # "40%", for a draft whose summary is stored
    current_changed_iso: str
    current_changed: str
    level: str | None
    level_label: str
    review: ReviewText


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


@dataclass(frozen=True)
class ReviewText:
    """A next review as deployments/_review.html shows it, on a list row or a deployment."""

    state: str  # a review.Due value
    due_iso: str
    due: str
    notes: tuple[str, ...]  # "Base model superseded", "Model changed"


def review_text(review: Review) -> ReviewText:
    notes = []
    if review.superseded and review.superseded.needs_reassessment:
        notes.append("Base model superseded")
    if review.changed:
        notes.append("Model changed")
    return ReviewText(
        state=review.state,
        due_iso=_iso(review.due),
        due=present.day(review.due) if review.due else "",
        notes=tuple(notes),
    )


def lines(rows) -> list[Line]:
    """The Lines of selectors.Row objects, with four reverse() calls in all."""
    detail = url_maker("deployments:detail")
    base_model = url_maker("deployments:base_model", INT_PLACEHOLDER)
    assessment = url_maker("assessment")
    made = []
    for row in rows:
        d, a, review = row.deployment, row.latest, row.review
        base = d.base_model
        if base is not None:
            base_url, base_text = base_model(base.pk), str(base)
            base_note = "superseded" if base.superseded_by_id else ""
        else:
            base_url, base_text = None, d.base_model_text or present.DASH
            base_note = "as typed" if d.base_model_text else ""
        state = a.state if a is not None else None
        answered = None
        if state is not None and not state.frozen and a.summary_completeness is not None:
            answered = present.percent(a.summary_completeness)
        made.append(
            Line(
                detail_url=detail(d.pk),
                overdue=review.overdue,
                base_url=base_url,
                base_text=base_text,
                base_note=base_note,
                lifecycle_label=d.get_lifecycle_display(),
                lifecycle_tone=LIFECYCLE_TONES.get(d.lifecycle, "secondary"),
                current_url=assessment(a.pk) if a is not None else None,
                current_title=None if a is None or a.title == d.name else a.title,
                current_label=state.label if state else "",
                current_tone=state.tone if state else "",
                current_answered=answered,
                current_changed_iso=a.updated_at.isoformat() if a is not None else "",
                current_changed=present.day(a.updated_at) if a is not None else "",
                level=row.level,
                level_label=present.level(row.level) if row.level else "Not submitted",
                review=review_text(review),
            )
        )
    return made
