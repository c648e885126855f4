"""What a checklist file of format 2 adds (contracts.md §6), validated into plain specs.

spec.validate calls this for a file with `format: 2`: the profile, the impact
tiers, the level matrix and the frameworks are read first, because the
categories' and items' conditions and framework tags refer to them. Problems
go to the same checker as the rest of the file, so a file is refused with
every problem listed at once, each naming its key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from riskassess.yamlfiles import shown

METHOD = "weighted-exposure-v2"
LEVELS = ("low", "medium", "high", "critical")
TIERS = ("limited", "moderate", "high", "very_high")
DEFAULT_TIERS = {"moderate": 3, "high": 6, "very_high": 9}
DEFAULT_MATRIX = {
    "limited": {"low": "low", "medium": "low", "high": "medium", "critical": "high"},
    "moderate": {"low": "low", "medium": "medium", "high": "high", "critical": "critical"},
    "high": {"low": "medium", "medium": "high", "high": "critical", "critical": "critical"},
    "very_high": {"low": "high", "medium": "critical", "high": "critical", "critical": "critical"},
}
SCOPES = ("deployment", "base_model")
TOP_KEYS = {"format", "method", "profile", "impact_tiers", "level_matrix", "frameworks"}
CATEGORY_KEYS = {"applies_if"}
ITEM_KEYS = {"applies_if", "scope", "frameworks"}
# Profile keys: letters, digits, hyphens (contracts.md §6).
_PROFILE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
_REQUIREMENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.()/-]*$")


@dataclass
class ProfileOptionSpec:
    key: str
    label: str
    impact: float


@dataclass
class ProfileQuestionSpec:
    key: str
    question: str
    guidance: str
    multiple: bool
    options: list[ProfileOptionSpec]


@dataclass
class RequirementSpec:
    id: str
    title: str


@dataclass
class FrameworkSpec:
    key: str
    name: str
    version: str
    source: str
    requirements: list[RequirementSpec] = field(default_factory=list)


class Format2:
    """Reads the file-level parts of format 2, then checks conditions and tags against them."""

    def __init__(self, check, top: dict):
        self.check = check
        method = top.get("method", METHOD)
        if method != METHOD:
            check.fail("method", f"must be {METHOD} in a format 2 file (got {shown(method)})")
        self.profile = self._profile(top.get("profile"))
        self.options = {q.key: {o.key for o in q.options} for q in self.profile}
        self.tiers = self._tiers(top.get("impact_tiers"))
        self.matrix = self._matrix(top.get("level_matrix"))
        self.frameworks = self._frameworks(top.get("frameworks", []))
        self.requirements = {f.key: {r.id for r in f.requirements} for f in self.frameworks}

    # File-level parts ---------------------------------------------------------------------

    def _profile(self, raw: Any) -> list[ProfileQuestionSpec]:
        check = self.check
        if not isinstance(raw, list) or not raw:
            check.fail("profile", "must be a non-empty list of questions")
            return []
        questions, seen = [], set()
        for index, entry in enumerate(raw):
            here = f"profile[{index}]"
            data = check.mapping(
                entry, here, {"key", "question", "guidance", "multiple", "options"},
                {"key", "question", "options"},
            )  # fmt: skip
            if data is None:
                continue
            key = data.get("key")
            if not isinstance(key, str) or not _PROFILE_KEY.match(key) or len(key) > 50:
                check.fail(f"{here}.key", f"must be letters, digits and '-' (got {shown(key)})")
                continue
            here = f"profile[{key}]"
            if key in seen:
                check.fail(here, "duplicate profile key")
            seen.add(key)
            options = self._profile_options(data.get("options"), f"{here}.options")
            questions.append(
                ProfileQuestionSpec(
                    key=key,
                    question=check.text(data, "question", here, 1000, required=True),
                    guidance=check.text(data, "guidance", here, 5000, required=False),
                    multiple=check.boolean(data, "multiple", here, False),
                    options=options,
                )
            )
        return questions

    def _profile_options(self, raw: Any, where: str) -> list[ProfileOptionSpec]:
        check = self.check
        if not isinstance(raw, list) or len(raw) < 2:
            check.fail(where, "must be a list of at least two options")
            return []
        options, seen = [], set()
        for index, entry in enumerate(raw):
            data = check.mapping(entry, f"{where}[{index}]", {"key", "label", "impact"}, {"key"})
            if data is None:
                continue
            key = check.key(data, f"{where}[{index}]")
            here = f"{where}[{key}]"
            if key in seen:
                check.fail(here, "duplicate option key")
            seen.add(key)
            impact = data.get("impact", 0)
            if isinstance(impact, bool) or not isinstance(impact, int | float) or impact < 0:
                check.fail(f"{here}.impact", f"must be a number of 0 or more (got {shown(impact)})")
                impact = 0
            label = check.text(data, "label", here, 200, required=True)
            options.append(ProfileOptionSpec(key=key, label=label, impact=impact))
        return options

    def _tiers(self, raw: Any) -> dict[str, float]:
        if raw is None:
            return dict(DEFAULT_TIERS)
        check = self.check
        if check.mapping(raw, "impact_tiers", set(DEFAULT_TIERS), set(DEFAULT_TIERS)) is None:
            return dict(DEFAULT_TIERS)
        tiers = {name: check.number(raw, name, "impact_tiers", 0) for name in DEFAULT_TIERS}
        if not 0 < tiers["moderate"] < tiers["high"] < tiers["very_high"]:
            got = ", ".join(f"{name} {shown(value)}" for name, value in tiers.items())
            check.fail("impact_tiers", f"must satisfy 0 < moderate < high < very_high (got {got})")
        return tiers

    def _matrix(self, raw: Any) -> dict[str, dict[str, str]]:
        if raw is None:
            return {tier: dict(row) for tier, row in DEFAULT_MATRIX.items()}
        check = self.check
        if check.mapping(raw, "level_matrix", set(TIERS), set(TIERS)) is None:
            return DEFAULT_MATRIX
        matrix: dict[str, dict[str, str]] = {}
        for tier in TIERS:
            row = raw.get(tier)
            where = f"level_matrix.{tier}"
            if check.mapping(row, where, set(LEVELS), set(LEVELS)) is None:
                return DEFAULT_MATRIX
            matrix[tier] = {}
            for level in LEVELS:
                value = row.get(level)
                if value not in LEVELS:
                    check.fail(f"{where}.{level}", f"must be one of {', '.join(LEVELS)}")
                    return DEFAULT_MATRIX
                matrix[tier][level] = value
        rank = LEVELS.index
        for tier in TIERS:
            cells = [rank(matrix[tier][level]) for level in LEVELS]
            if cells != sorted(cells):
                check.fail(f"level_matrix.{tier}", "must never go down as the control level rises")
        for level in LEVELS:
            cells = [rank(matrix[tier][level]) for tier in TIERS]
            if cells != sorted(cells):
                check.fail(f"level_matrix (column {level})", "must never go down as the tier rises")
        return matrix

    def _frameworks(self, raw: Any) -> list[FrameworkSpec]:
        check = self.check
        if not isinstance(raw, list):
            check.fail("frameworks", "must be a list")
            return []
        frameworks, seen = [], set()
        for index, entry in enumerate(raw):
            here = f"frameworks[{index}]"
            data = check.mapping(
                entry, here, {"key", "name", "version", "source", "requirements"},
                {"key", "name", "requirements"},
            )  # fmt: skip
            if data is None:
                continue
            key = check.key(data, here)
            here = f"frameworks[{key}]"
            if key in seen:
                check.fail(here, "duplicate framework key")
            seen.add(key)
            framework = FrameworkSpec(
                key=key,
                name=check.text(data, "name", here, 200, required=True),
                version=check.text(data, "version", here, 50, required=False),
                source=check.text(data, "source", here, 500, required=False),
            )
            ids: set[str] = set()
            requirements = data.get("requirements")
            if not isinstance(requirements, list) or not requirements:
                check.fail(f"{here}.requirements", "must be a non-empty list")
                requirements = []
            for number, requirement in enumerate(requirements):
                where = f"{here}.requirements[{number}]"
                row = check.mapping(requirement, where, {"id", "title"}, {"id", "title"})
                if row is None:
                    continue
                rid = row.get("id")
                if not isinstance(rid, str) or not _REQUIREMENT_ID.match(rid) or len(rid) > 50:
                    check.fail(f"{where}.id", f"must be an identifier (got {shown(rid)})")
                    continue
                if rid in ids:
                    check.fail(f"{here}.requirements[{rid}]", "duplicate requirement id")
                ids.add(rid)
                title = check.text(row, "title", f"{here}.requirements[{rid}]", 500, required=True)
                framework.requirements.append(RequirementSpec(id=rid, title=title))
            frameworks.append(framework)
        return frameworks

    # Parts of categories and items ----------------------------------------------------------

    def condition(self, raw: Any, where: str) -> dict[str, list[str]] | None:
        """A condition: profile keys mapped to lists of their option keys."""
        check = self.check
        if not isinstance(raw, dict) or not raw:
            check.fail(where, "must map at least one profile key to a list of its options")
            return None
        result = {}
        for key, options in raw.items():
            here = f"{where}.{shown(key) if not isinstance(key, str) else key}"
            if key not in self.options:
                check.fail(here, "is not a profile key")
                continue
            if not isinstance(options, list) or not options:
                check.fail(here, "must be a non-empty list of option keys")
                continue
            unknown = [o for o in options if o not in self.options[key]]
            if unknown:
                allowed = ", ".join(sorted(self.options[key]))
                check.fail(here, f"{shown(unknown[0])} is not an option; allowed: {allowed}")
                continue
            result[key] = list(options)
        return result

    def critical(self, item: dict, where: str) -> bool | dict[str, list[str]]:
        value = item.get("critical", False)
        if isinstance(value, bool):
            return value
        if isinstance(value, dict):
            return self.condition(value, f"{where}.critical") or False
        self.check.fail(
            f"{where}.critical", f"must be true, false or a condition (got {shown(value)})"
        )
        return False

    def scope(self, item: dict, where: str) -> str:
        value = item.get("scope", "deployment")
        if value not in SCOPES:
            self.check.fail(f"{where}.scope", f"must be one of {', '.join(SCOPES)}")
            return "deployment"
        return value

    def tags(self, item: dict, where: str) -> dict[str, list[str]]:
        raw = item.get("frameworks")
        if raw is None:
            return {}
        check = self.check
        if not isinstance(raw, dict):
            check.fail(f"{where}.frameworks", "must map framework keys to lists of requirement ids")
            return {}
        tags = {}
        for key, ids in raw.items():
            here = f"{where}.frameworks.{key if isinstance(key, str) else shown(key)}"
            if key not in self.requirements:
                check.fail(here, "is not a framework of this checklist")
                continue
            if not isinstance(ids, list) or not ids:
                check.fail(here, "must be a non-empty list of requirement ids")
                continue
            unknown = [i for i in ids if i not in self.requirements[key]]
            if unknown:
                check.fail(here, f"{shown(unknown[0])} is not a requirement of {key}")
                continue
            tags[key] = [str(i) for i in ids]
        return tags

    def check_keys(self, item_keys: set[str]) -> None:
        """Profile keys are unique across the profile and the items."""
        for question in self.profile:
            if question.key in item_keys:
                self.check.fail(f"profile[{question.key}]", "is also an item key")
