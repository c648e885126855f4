"""What a checklist file of format 2 adds (contracts.md §6), validated into plain specs.

spec.validate calls this for a file with `format: 2`: the profile, the impact
tiers, the level matrix and the frameworks are read first, because the
categories' and items' conditions and framework tags refer to them. Problems
go to the same checker as the rest of the file, so a file is refused with
every problem listed at once, each naming its key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from riskassess.checklist import rules_v2
from riskassess.checklist.rules_v2 import DEFAULT_MATRIX as DEFAULT_MATRIX
from riskassess.checklist.rules_v2 import DEFAULT_TIERS as DEFAULT_TIERS
from riskassess.checklist.rules_v2 import LEVELS as LEVELS
from riskassess.checklist.rules_v2 import SCOPES as SCOPES
from riskassess.checklist.rules_v2 import TIERS as TIERS
from riskassess.yamlfiles import shown

METHOD = "weighted-exposure-v2"
TOP_KEYS = {"format", "method", "profile", "impact_tiers", "level_matrix", "frameworks"}
CATEGORY_KEYS = {"applies_if"}
ITEM_KEYS = {"applies_if", "scope", "frameworks"}


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
    """Reads the file-level parts of format 2, then checks conditions and tags against them.

    What is valid is rules_v2's, shared with the admin; this reads the file's shape.
    """

    def __init__(self, check, top: dict):
        self.check = check
        method = top.get("method", METHOD)
        if method != METHOD:
            check.fail("method", f"must be {METHOD} in a format 2 file (got {shown(method)})")
        self.profile = self._profile(top.get("profile"))
        self.options = {q.key: {o.key for o in q.options} for q in self.profile}
        self.tiers = rules_v2.tiers(check, top.get("impact_tiers"))
        self.matrix = rules_v2.matrix(check, top.get("level_matrix"))
        self.frameworks = self._frameworks(top.get("frameworks", []))
        self.requirements = {f.key: {r.id for r in f.requirements} for f in self.frameworks}

    # File-level parts ---------------------------------------------------------------------

    def _profile(self, raw: Any) -> list[ProfileQuestionSpec]:
        check = self.check
        if not rules_v2.profile_listed(check, raw):
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
            if not rules_v2.profile_key(check, key, f"{here}.key"):
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
        if not rules_v2.options_listed(check, raw, where):
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
            impact = rules_v2.impact(check, data.get("impact", 0), f"{here}.impact")
            label = check.text(data, "label", here, 200, required=True)
            options.append(ProfileOptionSpec(key=key, label=label, impact=impact))
        return options

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
            if not rules_v2.requirements_listed(check, requirements, f"{here}.requirements"):
                requirements = []
            for number, requirement in enumerate(requirements):
                where = f"{here}.requirements[{number}]"
                row = check.mapping(requirement, where, {"id", "title"}, {"id", "title"})
                if row is None:
                    continue
                rid = row.get("id")
                if not rules_v2.requirement_id(check, rid, f"{where}.id"):
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
        return rules_v2.condition(self.check, raw, where, self.options)

    def critical(self, item: dict, where: str) -> bool | dict[str, list[str]]:
        return rules_v2.critical(
            self.check, item.get("critical", False), f"{where}.critical", self.options
        )

    def scope(self, item: dict, where: str) -> str:
        return rules_v2.scope(self.check, item.get("scope", "deployment"), f"{where}.scope")

    def tags(self, item: dict, where: str) -> dict[str, list[str]]:
        return rules_v2.tags(
            self.check, item.get("frameworks"), f"{where}.frameworks", self.requirements
        )

    def check_keys(self, item_keys: set[str]) -> None:
        """Profile keys are unique across the profile and the items."""
        rules_v2.keys_apart(self.check, [question.key for question in self.profile], item_keys)
