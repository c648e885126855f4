"""Validate a checklist file (contracts.md §2) into plain specs.

Validation finishes before anything touches the database, so a bad file is
refused whole. Messages name the offending key, e.g.
``categories[misuse].items[MIS-04].weight: must be a whole number from 1 to 5 (got 7)``.
A value from the file is quoted through yamlfiles.shown, which shows a few
dozen characters at most, and the first MAX_ERRORS problems are listed, then
how many more there are: a hostile file gets a short answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from riskassess import yamlfiles
from riskassess.checklist import spec_v2
from riskassess.checklist.spec_v2 import FrameworkSpec, ProfileQuestionSpec
from riskassess.yamlfiles import SHOW_MAX, shown

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
MAX_ERRORS = 50


class ChecklistFileError(ValueError):
    """The file is not a valid checklist; `errors` lists every problem found."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


@dataclass
class OptionSpec:
    key: str
    label: str
    risk: float | None
    not_applicable: bool


@dataclass
class ItemSpec:
    key: str
    question: str
    guidance: str
    mitigation: str
    reference: str
    weight: int
    # Format 2: a condition on the profile (contracts.md §6) as well as true or false.
    critical: bool | dict[str, list[str]]
    required: bool
    options: list[OptionSpec] | None
    applies_if: dict[str, list[str]] | None = None
    scope: str = "deployment"
    frameworks: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class CategorySpec:
    key: str
    name: str
    description: str
    reference: str
    weight: float
    items: list[ItemSpec] = field(default_factory=list)
    applies_if: dict[str, list[str]] | None = None


@dataclass
class ChecklistSpec:
    slug: str
    name: str
    version: int
    description: str
    source: str
    thresholds: dict[str, float]
    scale: list[OptionSpec]
    categories: list[CategorySpec]
    # Format 2 (spec_v2.py); a format 1 file leaves these as they are here.
    format: int = 1
    profile: list[ProfileQuestionSpec] = field(default_factory=list)
    impact_tiers: dict[str, float] | None = None
    level_matrix: dict[str, dict[str, str]] | None = None
    frameworks: list[FrameworkSpec] = field(default_factory=list)

    @property
    def method(self) -> str:
        return spec_v2.METHOD if self.format == 2 else "weighted-exposure-v1"


DEFAULT_THRESHOLDS = {"medium": 25, "high": 50, "critical": 75}


def _where(prefix: str, raw: Any, index: int) -> str:
    """Name a list entry by its key when it has one (`items[MIS-04]`), else by position."""
    key = raw.get("key") if isinstance(raw, dict) else None
    return f"{prefix}[{_name(key)}]" if isinstance(key, str) and key else f"{prefix}[{index}]"


def _name(key: Any) -> str:
    """A key from the file as part of a message's path: as it is when short and plain."""
    if isinstance(key, str) and _KEY.match(key) and len(key) <= SHOW_MAX:
        return key
    return shown(key)


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self.more = 0

    def fail(self, where: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(f"{where}: {message}")
        else:
            self.more += 1

    def refusal(self) -> ChecklistFileError:
        more = [f"and {self.more:,} more problems"] if self.more else []
        return ChecklistFileError(self.errors + more)

    def mapping(self, value: Any, where: str, allowed: set[str], required: set[str]) -> dict | None:
        if not isinstance(value, dict):
            self.fail(where, f"must be a mapping (got {type(value).__name__})")
            return None
        for key in value:
            if key not in allowed:
                allowed_list = ", ".join(sorted(allowed))
                self.fail(f"{where}.{_name(key)}", f"unknown field; allowed: {allowed_list}")
        for key in sorted(required - set(value)):
            self.fail(f"{where}.{key}", "is required")
        return value

    def text(self, data: dict, name: str, where: str, limit: int, *, required: bool) -> str:
        value = data.get(name)
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.fail(f"{where}.{name}", "must be text")
            return ""
        value = str(value).strip()
        if required and not value:
            self.fail(f"{where}.{name}", "must not be empty")
        if len(value) > limit:
            self.fail(f"{where}.{name}", f"is longer than {limit} characters ({len(value)})")
        return value

    def key(self, data: dict, where: str, pattern: re.Pattern = _KEY) -> str:
        value = data.get("key")
        if not isinstance(value, str) or not pattern.match(value) or len(value) > 50:
            self.fail(
                f"{where}.key",
                f"must be letters, digits, '-', '_' or '.', at most 50 characters "
                f"(got {shown(value)})",
            )
            # What names the entry in later messages: quoted and cut short, never str()'d whole.
            return _name(value)
        return value

    def boolean(self, data: dict, name: str, where: str, default: bool) -> bool:
        value = data.get(name, default)
        if not isinstance(value, bool):
            self.fail(f"{where}.{name}", f"must be true or false (got {shown(value)})")
            return default
        return value

    def number(self, data: dict, name: str, where: str, default: float) -> float:
        value = data.get(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(f"{where}.{name}", f"must be a number (got {shown(value)})")
            return default
        return value

    def options(self, value: Any, where: str) -> list[OptionSpec]:
        if not isinstance(value, list) or not value:
            self.fail(where, "must be a non-empty list of options")
            return []
        result, seen = [], set()
        for index, raw in enumerate(value):
            here = _where(where, raw, index)
            data = self.mapping(
                raw, here, {"key", "label", "risk", "not_applicable"}, {"key", "label"}
            )
            if data is None:
                continue
            key = self.key(data, here)
            here = f"{where}[{key}]"
            if key in seen:
                self.fail(here, "duplicate option key")
            seen.add(key)
            label = self.text(data, "label", here, 200, required=True)
            na = self.boolean(data, "not_applicable", here, False)
            risk = data.get("risk")
            if na and risk is not None:
                self.fail(f"{here}.risk", "a not_applicable option has no risk")
                risk = None
            elif not na:
                if (
                    isinstance(risk, bool)
                    or not isinstance(risk, (int, float))
                    or not 0 <= risk <= 1
                ):
                    self.fail(
                        f"{here}.risk", f"must be a number from 0.0 to 1.0 (got {shown(risk)})"
                    )
                    risk = 0.0
                risk = float(risk)
            result.append(OptionSpec(key=key, label=label, risk=risk, not_applicable=na))
        if result and all(option.not_applicable for option in result):
            self.fail(where, "needs at least one option that is not 'not applicable'")
        return result


_TOP = {"slug", "name", "version", "description", "source", "thresholds", "scale", "categories"}
_CATEGORY = {"key", "name", "reference", "weight", "description", "items"}
_ITEM = {
    "key",
    "question",
    "guidance",
    "mitigation",
    "reference",
    "weight",
    "critical",
    "required",
    "options",
}


def parse(raw: bytes | str) -> ChecklistSpec:
    """Read and validate a checklist file; raise ChecklistFileError listing every problem."""
    try:
        data = yamlfiles.load(raw)
    except yamlfiles.FileFormatError as exc:
        raise ChecklistFileError([str(exc)]) from None
    return validate(data)


def _format(data: Any, check: _Checker) -> int:
    value = data.get("format", 1) if isinstance(data, dict) else 1
    if value not in (1, 2) or isinstance(value, bool):
        check.fail("format", f"must be 1 or 2 (got {shown(value)})")
        return 1
    return value


def validate(data: Any) -> ChecklistSpec:
    check = _Checker()
    file_format = _format(data, check)
    allowed = _TOP | spec_v2.TOP_KEYS if file_format == 2 else _TOP
    top = check.mapping(data, "checklist", allowed, {"slug", "name", "categories", "scale"})
    if top is None:
        raise check.refusal()
    # Format 2's profile, tiers, matrix and frameworks first: conditions refer to them.
    v2 = spec_v2.Format2(check, top) if file_format == 2 else None
    category_fields = _CATEGORY | spec_v2.CATEGORY_KEYS if v2 else _CATEGORY
    item_fields = _ITEM | spec_v2.ITEM_KEYS if v2 else _ITEM

    slug = top.get("slug")
    if not isinstance(slug, str) or not _SLUG.match(slug) or len(slug) > 100:
        check.fail("slug", f"must be letters, digits, '-' or '_' (got {shown(slug)})")
    version = top.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        check.fail("version", f"must be a whole number of 1 or more (got {shown(version)})")

    thresholds = dict(DEFAULT_THRESHOLDS)
    raw_thresholds = top.get("thresholds", {})
    if check.mapping(raw_thresholds, "thresholds", set(thresholds), set()) is not None:
        for name in thresholds:
            thresholds[name] = check.number(raw_thresholds, name, "thresholds", thresholds[name])
        if not 0 < thresholds["medium"] < thresholds["high"] < thresholds["critical"] <= 100:
            got = ", ".join(f"{name} {shown(value)}" for name, value in thresholds.items())
            check.fail(
                "thresholds", f"must satisfy 0 < medium < high < critical <= 100 (got {got})"
            )

    scale = check.options(top.get("scale"), "scale")
    categories: list[CategorySpec] = []
    category_keys: set[str] = set()
    item_keys: set[str] = set()
    raw_categories = top.get("categories")
    if not isinstance(raw_categories, list) or not raw_categories:
        check.fail("categories", "must be a non-empty list")
        raw_categories = []
    for index, raw in enumerate(raw_categories):
        here = _where("categories", raw, index)
        cat = check.mapping(raw, here, category_fields, {"key", "name", "items"})
        if cat is None:
            continue
        key = check.key(cat, here)
        here = f"categories[{key}]"
        if key in category_keys:
            check.fail(here, "duplicate category key")
        category_keys.add(key)
        weight = check.number(cat, "weight", here, 1)
        if weight <= 0:
            check.fail(f"{here}.weight", f"must be greater than 0 (got {shown(weight)})")
        category = CategorySpec(
            key=key,
            name=check.text(cat, "name", here, 200, required=True),
            description=check.text(cat, "description", here, 5000, required=False),
            reference=check.text(cat, "reference", here, 100, required=False),
            weight=weight,
        )
        if v2 and "applies_if" in cat:
            category.applies_if = v2.condition(cat["applies_if"], f"{here}.applies_if")
        raw_items = cat.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            check.fail(f"{here}.items", "must be a non-empty list")
            raw_items = []
        for item_index, raw_item in enumerate(raw_items):
            item_here = _where(f"{here}.items", raw_item, item_index)
            item = check.mapping(raw_item, item_here, item_fields, {"key", "question"})
            if item is None:
                continue
            item_key = check.key(item, item_here)
            item_here = f"{here}.items[{item_key}]"
            if item_key in item_keys:
                check.fail(item_here, "duplicate item key (item keys are unique in a checklist)")
            item_keys.add(item_key)
            weight = item.get("weight", 3)
            if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 5:
                check.fail(
                    f"{item_here}.weight",
                    f"must be a whole number from 1 to 5 (got {shown(weight)})",
                )
                weight = 3
            options = None
            if "options" in item:
                options = check.options(item["options"], f"{item_here}.options")
            if v2:
                critical = v2.critical(item, item_here)
            else:
                critical = check.boolean(item, "critical", item_here, False)
            category.items.append(
                ItemSpec(
                    key=item_key,
                    question=check.text(item, "question", item_here, 1000, required=True),
                    guidance=check.text(item, "guidance", item_here, 5000, required=False),
                    mitigation=check.text(item, "mitigation", item_here, 5000, required=False),
                    reference=check.text(item, "reference", item_here, 100, required=False),
                    weight=weight,
                    critical=critical,
                    required=check.boolean(item, "required", item_here, True),
                    options=options,
                    applies_if=v2.condition(item["applies_if"], f"{item_here}.applies_if")
                    if v2 and "applies_if" in item
                    else None,
                    scope=v2.scope(item, item_here) if v2 else "deployment",
                    frameworks=v2.tags(item, item_here) if v2 else {},
                )
            )
        categories.append(category)

    name = check.text(top, "name", "checklist", 200, required=True)
    description = check.text(top, "description", "checklist", 5000, required=False)
    source = check.text(top, "source", "checklist", 500, required=False)
    if v2:
        v2.check_keys(item_keys)
    if check.errors:
        raise check.refusal()
    spec = ChecklistSpec(
        slug=slug,
        name=name,
        version=version,
        description=description,
        source=source,
        thresholds=thresholds,
        scale=scale,
        categories=categories,
    )
    if v2:
        spec.format = 2
        spec.profile = v2.profile
        spec.impact_tiers = v2.tiers
        spec.level_matrix = v2.matrix
        spec.frameworks = v2.frameworks
    return spec
