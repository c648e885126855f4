"""How numbers, percentages, levels and times are shown: one presenter for the pages and the PDF.

The results page, the dashboard, the questionnaire and the PDF all format
through here (templates through the filters in riskassess_tags), so they
cannot disagree: a completeness of 13.9 % is "13%" everywhere (floored, so
that an incomplete assessment never shows 100 %), a score 43.75 is "43.8", and
a time is "30 Nov 2026, 10:36 UTC" in the configured zone, with the zone.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings

DASH = "—"
LEVEL_LABELS = {"low": "Low", "medium": "Medium", "high": "High", "critical": "Critical"}
# The charts' fixed palette (never from user data); static/css/app.css has the same --ra-* colours.
LEVEL_COLOURS = {
    "low": "#15803d",
    "medium": "#b45309",
    "high": "#c2410c",
    "critical": "#b91c1c",
    None: "#9ca3af",
}


def score(value: float | None) -> str:
    """A 0-100 score to one decimal (the report data is already rounded half-up)."""
    return DASH if value is None else f"{value:.1f}"


def percent(fraction: float | None) -> str:
    """A fraction as a whole percentage, rounded down: 0.139 -> "13%", 0.999 -> "99%"."""
    if fraction is None:
        return DASH
    return f"{math.floor(float(fraction) * 100 + 1e-9):d}%"


MINUS = "\u2212"  # a true minus sign, for deltas


def signed(value: float | None, formatted=score) -> str:
    """A delta with its sign: "+6.5", MINUS + "6.5", "0.0"; `formatted` formats its size."""
    if value is None:
        return DASH
    if value == 0:
        return formatted(0)
    return ("+" if value > 0 else MINUS) + formatted(abs(value))


def percent_delta(value: float | None) -> str:
    """A change of a fraction in whole percentage points: 0.125 -> "+13%", -0.5 -> MINUS "50%"."""
    if value is None:
        return DASH
    points = round(value * 100)
    return "0%" if points == 0 else f"{'+' if points > 0 else MINUS}{abs(points)}%"


def percent_of(part: int, whole: int) -> int:
    """part/whole as a whole percentage, rounded down; 100 when there is nothing to count."""
    return part * 100 // whole if whole else 100


def number(value: float | None) -> str:
    """0.5 -> "0.5", 1 -> "1.0", 0.25 -> "0.25": one decimal at least, two at most."""
    if value is None:
        return DASH
    text = f"{value:.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def level(value: str | None) -> str:
    return LEVEL_LABELS.get(value or "", "Not assessed")


def _moment(value: datetime | str | None) -> datetime | None:
    if not value:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def when(value: datetime | str | None) -> str:
    """A moment in the configured time zone, with the zone: "30 Nov 2026, 10:36 UTC"."""
    moment = _moment(value)
    if moment is None:
        return DASH
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    return local.strftime("%-d %b %Y, %H:%M ") + (local.tzname() or settings.TIME_ZONE)


def day(value: datetime | date | str | None) -> str:
    """A date alone: "30 Nov 2026" (a moment in the configured time zone)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.strftime("%-d %b %Y")
    moment = _moment(value)
    if moment is None:
        return DASH
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).strftime("%-d %b %Y")


# Format 2 (contracts.md §7): impact tiers, framework coverage, profile points.
TIER_LABELS = {
    "limited": "Limited",
    "moderate": "Moderate",
    "high": "High",
    "very_high": "Very high",
}
COVERAGE_LABELS = {
    "met": "Met",
    "not met": "Not met",
    "partly": "Partly met",
    "not assessed": "Not assessed",
    "not applicable": "Not applicable",
    "not covered": "Not covered",
}


def tier(value: str | None) -> str:
    """An impact tier: "very_high" -> "Very high"."""
    return TIER_LABELS.get(value or "", DASH)


def coverage_status(value: str | None) -> str:
    """A framework requirement's coverage status: "not met" -> "Not met"."""
    return COVERAGE_LABELS.get(value or "", DASH)


def point_count(value) -> str:
    """Impact points as a bare number: 2, 1.5 (never "2.0"); exact fractions too."""
    return f"{float(value):g}"


def points(value: float | None) -> str:
    """Impact points: 0 -> "0 points", 1 -> "1 point", 1.5 -> "1.5 points"."""
    if value is None:
        return DASH
    text = point_count(value)
    return f"{text} point" if text == "1" else f"{text} points"
