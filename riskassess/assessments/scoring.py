"""Scoring method ``weighted-exposure-v1`` (the contract: docs, section 1).

Each answered, applicable item has an *exposure*, weight (1-5) x risk (0-1). A
category scores 100 x sum(exposure) / sum(weight) over those items; the overall
score is the category-weighted mean of the assessed categories. A critical item
answered with risk 1 lifts its category's and the overall level to at least
"high", leaving scores alone.

Arithmetic is exact (Fraction; floats enter via their decimal text, so 0.3 is
3/10) because levels compare scores with thresholds: in binary floating point
100 x (0.1x4 + 0.2x5 + 0.3x4 + 0.9x1) / 14 is 24.999..., a level below the 25 it
is. Rounding is for display only. Pure on purpose: no Django, no database.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

METHOD = "weighted-exposure-v1"
LEVELS = ("low", "medium", "high", "critical")


def _exact(value: object) -> Fraction:
    # Through str() so that a float means the decimal a person wrote, not its binary neighbour
    # (ints, Fractions and Decimals survive the round trip; bools and NaN are refused).
    return Fraction(str(value))


@dataclass(frozen=True)
class Thresholds:
    medium: float = 25
    high: float = 50
    critical: float = 75

    def __post_init__(self) -> None:
        if not 0 < _exact(self.medium) < _exact(self.high) < _exact(self.critical) <= 100:
            raise ValueError(f"thresholds need 0 < medium < high < critical <= 100: {self}")


@dataclass(frozen=True)
class CategoryInput:
    key: str
    weight: float = 1

    def __post_init__(self) -> None:
        if not _exact(self.weight) > 0:
            raise ValueError(f"category {self.key!r}: weight must be positive, not {self.weight!r}")


@dataclass(frozen=True)
class ItemInput:
    """An item and its answer; ``risk`` is read only when answered and not N/A."""

    key: str
    category: str
    weight: int
    critical: bool = False
    required: bool = True
    answered: bool = False
    not_applicable: bool = False
    risk: float | None = None

    def __post_init__(self) -> None:
        # type() rather than isinstance(): True is an int, but not a weight.
        if type(self.weight) is not int or not 1 <= self.weight <= 5:
            raise ValueError(f"item {self.key!r}: weight must be an int 1-5, not {self.weight!r}")
        if self.not_applicable and not self.answered:
            # N/A is one of the answers; an unanswered N/A item is a caller's mistake.
            raise ValueError(f"item {self.key!r}: not_applicable needs answered=True")
        if _is_scored(self) and (self.risk is None or not 0 <= _exact(self.risk) <= 1):
            raise ValueError(f"item {self.key!r}: risk must be between 0 and 1, not {self.risk!r}")


@dataclass(frozen=True)
class CategoryResult:
    key: str
    score: Fraction | None
    level: str | None
    escalated_by: tuple[str, ...]
    answered: int
    applicable: int
    total: int
    required: int
    answered_required: int

    @property
    def rounded(self) -> float | None:
        return round_score(self.score)


@dataclass(frozen=True)
class Result:
    score: Fraction | None
    level: str | None
    completeness: Fraction
    provisional: bool
    escalated_by: tuple[str, ...]
    categories: tuple[CategoryResult, ...]

    @property
    def rounded(self) -> float | None:
        return round_score(self.score)


def _is_scored(item: ItemInput) -> bool:
    return item.answered and not item.not_applicable


def exposure(item: ItemInput) -> Fraction:
    """Weight x risk: how much the item adds to its category; 0 when unanswered or N/A."""
    return item.weight * _exact(item.risk) if _is_scored(item) else Fraction(0)


def level_of(value: Fraction | float, thresholds: Thresholds) -> str:
    """The level of an exact (unrounded) score; a score at a threshold gets the higher level."""
    value = _exact(value)
    for level in ("critical", "high", "medium"):
        if value >= _exact(getattr(thresholds, level)):
            return level
    return "low"


def round_score(value: Fraction | None) -> float | None:
    """Round half up to one decimal, from the exact value (12.45 -> 12.5, which round() misses)."""
    if value is None:
        return None
    return math.floor(_exact(value) * 10 + Fraction(1, 2)) / 10


def _level(value: Fraction | None, escalated: bool, thresholds: Thresholds) -> str | None:
    if value is None:
        return None
    # Escalation sets a floor: it lifts a lower level to "high" but never lowers "critical".
    floor = "high" if escalated else "low"
    return max(level_of(value, thresholds), floor, key=LEVELS.index)


def _score_category(key: str, items: list[ItemInput], thresholds: Thresholds) -> CategoryResult:
    scored = [item for item in items if _is_scored(item)]
    weight = sum(i.weight for i in scored)
    value = 100 * sum(map(exposure, scored), Fraction(0)) / weight if scored else None
    escalated_by = tuple(i.key for i in scored if i.critical and _exact(i.risk) == 1)
    return CategoryResult(
        key=key,
        score=value,
        level=_level(value, bool(escalated_by), thresholds),
        escalated_by=escalated_by,
        answered=sum(i.answered for i in items),
        applicable=sum(not i.not_applicable for i in items),
        total=len(items),
        required=sum(i.required for i in items),
        answered_required=sum(i.required and i.answered for i in items),
    )


def score(
    categories: Sequence[CategoryInput],
    items: Sequence[ItemInput],
    thresholds: Thresholds = Thresholds(),
) -> Result:
    """Score one assessment: every category in input order, then the overall result."""
    for what, keys in ("category", [c.key for c in categories]), ("item", [i.key for i in items]):
        if duplicates := [key for key, n in Counter(keys).items() if n > 1]:
            raise ValueError(f"duplicate {what} keys: {', '.join(duplicates)}")
    by_category: dict[str, list[ItemInput]] = {c.key: [] for c in categories}
    for item in items:
        if item.category not in by_category:
            raise ValueError(f"item {item.key!r}: unknown category {item.category!r}")
        by_category[item.category].append(item)

    results = tuple(_score_category(c.key, by_category[c.key], thresholds) for c in categories)
    weights = [_exact(c.weight) for c in categories]
    assessed = [(w, r.score) for w, r in zip(weights, results, strict=True) if r.score is not None]
    total_weight = sum(w for w, _ in assessed)
    overall = sum(w * s for w, s in assessed) / total_weight if assessed else None
    escalated_by = tuple(key for r in results for key in r.escalated_by)
    required = sum(r.required for r in results)
    answered_required = sum(r.answered_required for r in results)
    # With nothing required, nothing is missing: the assessment is complete.
    completeness = Fraction(answered_required, required) if required else Fraction(1)
    return Result(
        score=overall,
        level=_level(overall, bool(escalated_by), thresholds),
        completeness=completeness,
        provisional=completeness < 1,
        escalated_by=escalated_by,
        categories=results,
    )
