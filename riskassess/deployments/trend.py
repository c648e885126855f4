"""Geometry of a deployment's trend chart, drawn as SVG by templates/deployments/_trend.svg.

Pure, like reports/chart.py: plain rows in, a plain dict out, no ORM; the page
draws it with no JavaScript. Every revision of every assessment of the
deployment is on one timeline, in submission order and evenly spaced: the x
axis counts revisions, not days, so three resubmissions in one afternoon stay
apart beside a gap of a year.

A point is coloured by the level its revision was given, which is not read off
the score alone (a critical item raises it, and in format 2 the impact tier
decides it with the score), so no level bands are drawn: they would contradict
the points. Colours come from the fixed palette in riskassess/present.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from riskassess import present

Y_TICKS = (0, 20, 40, 60, 80, 100)
INSET = 14  # the first and last points stay this far off the plot's edges
LABEL_SPACE = 70  # room one date label needs ("30 Nov 2026" at 11 units), with a gap
LINE = 14  # from one line of x labels to the next
NO_SCORE = "no score"


@dataclass(frozen=True)
class Revision:
    """One submitted revision, as the chart reads it."""

    assessment_id: object
    assessment: str  # its title, which two assessments may share
    number: int
    submitted_at: datetime
    score: float | None
    level: str  # "" when nothing was scored
    provisional: bool = False


@dataclass(frozen=True)
class Layout:
    """A drawing size, in SVG units: the plot is the box inside the margins."""

    name: str
    width: int
    plot_height: int
    left: int = 36
    right: int = 22  # with INSET, room for half the newest label: it centres on its point
    top: int = 12
    bottom: int = 40  # two lines of x labels: the date, and "r2" (see `layout`)

    @property
    def plot_width(self) -> int:
        return self.width - self.left - self.right


# Shown one at a time by the page: WIDE from Bootstrap's sm breakpoint up, NARROW on a phone,
# where WIDE scaled down would shrink its text below a legible size.
WIDE = Layout("wide", width=600, plot_height=200)
NARROW = Layout("narrow", width=340, plot_height=160, left=30)


def ordered(revisions: Iterable[Revision]) -> list[Revision]:
    """Oldest first; revisions submitted at the same moment by their number."""
    return sorted(revisions, key=lambda r: (r.submitted_at, r.number))


def y_of(score: float, layout: Layout) -> float:
    """The y of a score: 100 at the plot's top, 0 at its bottom."""
    return round(layout.top + (100 - score) / 100 * layout.plot_height, 1)


def x_positions(count: int, layout: Layout) -> list[float]:
    """Evenly spaced across the plot; a single revision in its middle."""
    if count == 1:
        return [round(layout.left + layout.plot_width / 2, 1)]
    step = (layout.plot_width - 2 * INSET) / (count - 1)
    return [round(layout.left + INSET + i * step, 1) for i in range(count)]


def labelled(count: int, layout: Layout) -> list[int]:
    """Which revisions get an x label: every k-th, counted back from the newest (always
    labelled), with k the smallest that keeps labels LABEL_SPACE apart."""
    if count <= 1:
        return list(range(count))
    spacing = (layout.plot_width - 2 * INSET) / (count - 1)
    every = max(1, math.ceil(LABEL_SPACE / spacing))
    return sorted(range(count - 1, -1, -every))


def _score_text(revision: Revision) -> str:
    return NO_SCORE if revision.score is None else present.score(revision.score)


def _title(revision: Revision) -> str:
    text = f"{present.day(revision.submitted_at)}, {revision.assessment} revision {revision.number}"
    if revision.score is None:
        text += f": {NO_SCORE}"
    else:
        text += f": {_score_text(revision)} ({present.level(revision.level)})"
    return text + (", provisional" if revision.provisional else "")


def _segments(points: list[dict]) -> list[str]:
    """The line through the scores as polylines, broken where a revision has no score."""
    runs: list[list[dict]] = [[]]
    for point in points:
        if point["y"] is None:
            runs.append([])
        else:
            runs[-1].append(point)
    return [" ".join(f"{p['x']},{p['y']}" for p in run) for run in runs if len(run) > 1]


def layout(revisions: list[Revision], size: Layout) -> dict:
    """The drawing of `revisions` (already ordered) at one size."""
    xs = x_positions(len(revisions), size)
    spacing = (xs[1] - xs[0]) if len(xs) > 1 else size.plot_width
    radius = round(min(5.0, max(2.5, spacing * 0.35)), 1)
    plot_bottom = size.top + size.plot_height
    points = [
        {
            "x": x,
            "y": None if r.score is None else y_of(r.score, size),
            "r": radius,
            "colour": present.LEVEL_COLOURS.get(r.level or None, present.LEVEL_COLOURS[None]),
            "hollow": r.provisional,
            "title": _title(r),
        }
        for x, r in zip(xs, revisions, strict=True)
    ]
    # "r2" alone names a revision only while they all belong to one assessment: with two,
    # their numbers interleave on the timeline and would read as one sequence.
    numbered = len({r.assessment_id for r in revisions}) == 1
    half = LABEL_SPACE / 2
    labels = [
        {
            # Kept whole inside the drawing, should a size's margins ever be too narrow.
            "x": round(min(max(xs[i], half), size.width - half), 1),
            "date": present.day(revisions[i].submitted_at),
            "revision": f"r{revisions[i].number}" if numbered else "",
        }
        for i in labelled(len(revisions), size)
    ]
    return {
        "id": f"trend-{size.name}",
        "width": size.width,
        "height": plot_bottom + (size.bottom if numbered else size.bottom - LINE),
        "plot_left": size.left,
        "plot_right": size.width - size.right,
        "plot_top": size.top,
        "plot_bottom": plot_bottom,
        "plot_width": size.plot_width,
        "plot_height": size.plot_height,
        "tick_x": size.left - 6,
        "ticks": [{"y": y_of(v, size), "text_y": y_of(v, size) + 4, "label": v} for v in Y_TICKS],
        "lines": _segments(points),
        "points": points,
        "labels": labels,
        "label_y": plot_bottom + 16,
        "label_y2": plot_bottom + 16 + LINE,
    }


def trend_chart(revisions: Iterable[Revision]) -> dict | None:
    """The chart at both sizes, its summary and its rows as a table; None without revisions."""
    revisions = ordered(revisions)
    if not revisions:
        return None
    first, last = revisions[0], revisions[-1]
    if len(revisions) == 1:
        span = f"1 revision, submitted {present.day(first.submitted_at)}"
    else:
        span = (
            f"{len(revisions)} revisions from {present.day(first.submitted_at)} "
            f"to {present.day(last.submitted_at)}"
        )
    latest = _score_text(last)
    if last.score is not None:
        latest += f" ({present.level(last.level)})"
    rows = [
        {
            "submitted_at": r.submitted_at,
            "day": present.day(r.submitted_at),
            "assessment": r.assessment,
            "number": r.number,
            "score": _score_text(r),
            "level": r.level,
            "provisional": r.provisional,
        }
        for r in revisions
    ]
    return {
        "count": len(revisions),
        "summary": f"Risk score (0 to 100) of {span}; the latest: {latest}.",
        "rows": rows,
        "wide": layout(revisions, WIDE),
        "narrow": layout(revisions, NARROW),
    }
