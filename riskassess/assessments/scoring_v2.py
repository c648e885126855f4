"""Scoring method ``weighted-exposure-v2`` (contracts.md §7). Pure: no Django, no database.

The arithmetic of v1 (scoring.py) over the items that apply, plus what an
impact assessment needs: the profile's impact total and tier, and an overall
level read from the level matrix at (impact tier, control level), never below
"high" when a critical item escalated. Items skipped by rule
(applicability.py) are left out of scores, completeness and escalation, like a
"not applicable" answer that needs no justification; their answers are kept
by the caller and count for nothing here. Framework coverage says, for each
requirement, what the answers of its mapped items show.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cached_property

from riskassess.assessments import applicability, scoring
from riskassess.assessments.applicability import Condition, Profile, Skip

# The contract's defaults live with the file format that names them (contracts.md §6).
from riskassess.checklist.spec_v2 import DEFAULT_MATRIX, DEFAULT_TIERS, TIERS  # noqa: F401

METHOD = "weighted-exposure-v2"
DEFAULT_THRESHOLDS = scoring.Thresholds()
STATUSES = ("met", "not met", "partly", "not assessed", "not applicable", "not covered")


@dataclass(frozen=True)
class Question:
    """A profile question: its options' impact points, and whether several may be chosen."""

    key: str
    impacts: Mapping[str, float]
    multiple: bool = False


@dataclass(frozen=True)
class Item:
    """A v1 item input with what v2 adds: its conditions, its critical rule, its frameworks."""

    base: scoring.ItemInput
    applies_if: Condition | None = None
    critical: bool | Condition = False
    frameworks: Mapping[str, Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Requirement:
    framework: str
    id: str


@dataclass(frozen=True)
class Result:
    control: scoring.Result  # v1 over the items that apply: its level is the control level
    impact_total: Fraction
    impacts: dict[str, Fraction]  # what each question adds (its worst case when unanswered)
    tier: str
    level: str | None
    completeness: Fraction
    provisional: bool
    skipped: dict[str, Skip]  # item key -> why it is skipped
    critical: dict[str, bool]  # item key -> critical, as evaluated on the profile
    # What coverage is computed from: only reports ask for it, so it is worked out
    # on first use (coverage below), not on every questionnaire page and dashboard row.
    requirements: tuple[Requirement, ...] = ()
    items: tuple[Item, ...] = ()

    @cached_property
    def coverage(self) -> dict[Requirement, tuple[str, tuple[str, ...]]]:
        """Requirement -> (status, mapped item keys), for every requirement (contracts.md §7)."""
        return _coverage(self.requirements, self.items, self.skipped)

    @property
    def control_level(self) -> str | None:
        return self.control.level

    # What a v1 result answers, so that callers of either method read one shape.
    @property
    def score(self) -> Fraction | None:
        return self.control.score

    @property
    def rounded(self) -> float | None:
        return self.control.rounded

    @property
    def categories(self) -> tuple[scoring.CategoryResult, ...]:
        return self.control.categories

    @property
    def escalated_by(self) -> tuple[str, ...]:
        return self.control.escalated_by


def _exact(value) -> Fraction:
    return Fraction(str(value))


def question_impact(question: Question, chosen: frozenset[str]) -> Fraction:
    """The chosen option's impact (the highest chosen, for several); unanswered, the worst."""
    options = chosen & set(question.impacts) if chosen else frozenset()
    pool = options or question.impacts.keys()
    return max((_exact(question.impacts[key]) for key in pool), default=Fraction(0))


def tier_of(total: Fraction, tiers: Mapping[str, float] = DEFAULT_TIERS) -> str:
    for tier in ("very_high", "high", "moderate"):
        if total >= _exact(tiers[tier]):
            return tier
    return "limited"


def _coverage(
    requirements: Sequence[Requirement], items: Sequence[Item], skipped: Mapping[str, Skip]
) -> dict[Requirement, tuple[str, tuple[str, ...]]]:
    mapped: dict[Requirement, list[Item]] = {r: [] for r in requirements}
    for item in items:
        for framework, ids in item.frameworks.items():
            for requirement_id in ids:
                requirement = Requirement(framework, requirement_id)
                if requirement not in mapped:
                    raise ValueError(f"item {item.base.key!r}: unknown requirement {requirement}")
                mapped[requirement].append(item)
    result = {}
    for requirement, its_items in mapped.items():
        keys = tuple(i.base.key for i in its_items)
        scored = [
            _exact(i.base.risk)
            for i in its_items
            if i.base.key not in skipped and i.base.answered and not i.base.not_applicable
        ]
        if scored:
            if all(risk == 0 for risk in scored):
                status = "met"
            elif any(risk == 1 for risk in scored):
                status = "not met"
            else:
                status = "partly"
        elif not its_items:
            status = "not covered"
        elif all(i.base.key in skipped or i.base.not_applicable for i in its_items):
            status = "not applicable"
        else:
            status = "not assessed"
        result[requirement] = (status, keys)
    return result


def score(
    categories: Sequence[tuple[scoring.CategoryInput, Condition | None]],
    items: Sequence[Item],
    questions: Sequence[Question],
    profile: Profile,
    *,
    thresholds: scoring.Thresholds = DEFAULT_THRESHOLDS,
    tiers: Mapping[str, float] = DEFAULT_TIERS,
    matrix: Mapping[str, Mapping[str, str]] = DEFAULT_MATRIX,
    requirements: Sequence[Requirement] = (),
) -> Result:
    """Score one format-2 assessment. `profile` maps question keys to chosen option keys."""
    if duplicates := [k for k, n in Counter(q.key for q in questions).items() if n > 1]:
        raise ValueError(f"duplicate profile keys: {', '.join(duplicates)}")
    conditions = {category.key: condition for category, condition in categories}
    skipped: dict[str, Skip] = {}
    critical: dict[str, bool] = {}
    applying: list[scoring.ItemInput] = []
    for item in items:
        key = item.base.key
        if item.base.category not in conditions:
            raise ValueError(f"item {key!r}: unknown category {item.base.category!r}")
        critical[key] = applicability.is_critical(item.critical, profile)
        skip = applicability.skipped_by(conditions[item.base.category], item.applies_if, profile)
        if skip is not None:
            skipped[key] = skip
            continue
        applying.append(replace(item.base, critical=critical[key]))

    known = set(requirements)
    for item in items:
        for framework, ids in item.frameworks.items():
            for requirement_id in ids:
                if Requirement(framework, requirement_id) not in known:
                    raise ValueError(
                        f"item {item.base.key!r}: unknown requirement "
                        f"{Requirement(framework, requirement_id)}"
                    )
    control = scoring.score([c for c, _ in categories], applying, thresholds)
    impacts = {q.key: question_impact(q, profile.get(q.key) or frozenset()) for q in questions}
    total = sum(impacts.values(), Fraction(0))
    tier = tier_of(total, tiers)
    level = None
    if control.level is not None:
        level = matrix[tier][control.level]
        if control.escalated_by:
            level = max(level, "high", key=scoring.LEVELS.index)

    answered_profile = sum(bool(profile.get(q.key)) for q in questions)
    required = sum(c.required for c in control.categories)
    answered_required = sum(c.answered_required for c in control.categories)
    denominator = len(questions) + required
    completeness = (
        Fraction(answered_profile + answered_required, denominator) if denominator else Fraction(1)
    )
    return Result(
        control=control,
        impact_total=total,
        impacts=impacts,
        tier=tier,
        level=level,
        completeness=completeness,
        provisional=completeness < 1,
        skipped=skipped,
        critical=critical,
        requirements=tuple(requirements),
        items=tuple(items),
    )
