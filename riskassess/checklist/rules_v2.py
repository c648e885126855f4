"""The rules of checklist format 2 (contracts.md §6): one copy, for the file loader and the admin.

Each rule takes the loader's checker (spec._Checker: `fail(where, message)` and
its readers `mapping` and `number`) and reports every problem through it, each
naming its key, then returns the value as it is kept. spec_v2 calls them while
it reads a file; admin_v2 calls them on what an administrator typed, against
the checklist's current rows, and shows the problems on the field. So a value
the admin accepts is one the loader accepts, and the messages are the same.

A rule needs what it checks against passed in (`options`: each profile key's
option keys; `requirements`: each framework key's requirement ids), whether
that comes from the file or from the database.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from riskassess.yamlfiles import shown

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
# Profile keys: letters, digits, hyphens (contracts.md §6).
PROFILE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
REQUIREMENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.()/-]*$")

# Each profile key mapped to its option keys; each framework key to its requirement ids.
Choices = Mapping[str, Iterable[str]]


# The profile ----------------------------------------------------------------------------


def profile_listed(check, raw: Any) -> bool:
    if not isinstance(raw, list) or not raw:
        check.fail("profile", "must be a non-empty list of questions")
        return False
    return True


def profile_key(check, key: Any, where: str) -> bool:
    if not isinstance(key, str) or not PROFILE_KEY.match(key) or len(key) > 50:
        check.fail(where, f"must be letters, digits and '-' (got {shown(key)})")
        return False
    return True


def options_listed(check, raw: Any, where: str) -> bool:
    """A question's options: the admin passes the rows it would keep."""
    if not isinstance(raw, list) or len(raw) < 2:
        check.fail(where, "must be a list of at least two options")
        return False
    return True


def impact(check, value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        check.fail(where, f"must be a number of 0 or more (got {shown(value)})")
        return 0
    return value


def keys_apart(check, profile_keys: Iterable[str], item_keys: set[str]) -> None:
    """Profile keys are unique across the profile and the items."""
    for key in profile_keys:
        if key in item_keys:
            check.fail(f"profile[{key}]", "is also an item key")


# Impact tiers and the level matrix --------------------------------------------------------


def tiers(check, raw: Any) -> dict[str, float]:
    """Omitted (None), the contract's values."""
    if raw is None:
        return dict(DEFAULT_TIERS)
    if check.mapping(raw, "impact_tiers", set(DEFAULT_TIERS), set(DEFAULT_TIERS)) is None:
        return dict(DEFAULT_TIERS)
    result = {name: check.number(raw, name, "impact_tiers", 0) for name in DEFAULT_TIERS}
    for name, value in result.items():
        # JSON has no infinity: the database would refuse to store it, with a 500.
        if isinstance(value, float) and math.isinf(value):
            check.fail(f"impact_tiers.{name}", f"must be a finite number (got {shown(value)})")
    if not 0 < result["moderate"] < result["high"] < result["very_high"]:
        got = ", ".join(f"{name} {shown(value)}" for name, value in result.items())
        check.fail("impact_tiers", f"must satisfy 0 < moderate < high < very_high (got {got})")
    return result


def matrix(check, raw: Any) -> dict[str, dict[str, str]]:
    """Omitted (None), the contract's values."""
    if raw is None:
        return {tier: dict(row) for tier, row in DEFAULT_MATRIX.items()}
    if check.mapping(raw, "level_matrix", set(TIERS), set(TIERS)) is None:
        return DEFAULT_MATRIX
    result: dict[str, dict[str, str]] = {}
    for tier in TIERS:
        row = raw.get(tier)
        where = f"level_matrix.{tier}"
        if check.mapping(row, where, set(LEVELS), set(LEVELS)) is None:
            return DEFAULT_MATRIX
        result[tier] = {}
        for level in LEVELS:
            value = row.get(level)
            if value not in LEVELS:
                check.fail(f"{where}.{level}", f"must be one of {', '.join(LEVELS)}")
                return DEFAULT_MATRIX
            result[tier][level] = value
    rank = LEVELS.index
    for tier in TIERS:
        cells = [rank(result[tier][level]) for level in LEVELS]
        if cells != sorted(cells):
            check.fail(f"level_matrix.{tier}", "must never go down as the control level rises")
    for level in LEVELS:
        cells = [rank(result[tier][level]) for tier in TIERS]
        if cells != sorted(cells):
            check.fail(f"level_matrix (column {level})", "must never go down as the tier rises")
    return result


# Frameworks -------------------------------------------------------------------------------


def requirements_listed(check, raw: Any, where: str) -> bool:
    """A framework's requirements: the admin passes the rows it would keep."""
    if not isinstance(raw, list) or not raw:
        check.fail(where, "must be a non-empty list")
        return False
    return True


def requirement_id(check, rid: Any, where: str) -> bool:
    if not isinstance(rid, str) or not REQUIREMENT_ID.match(rid) or len(rid) > 50:
        check.fail(where, f"must be an identifier (got {shown(rid)})")
        return False
    return True


def _among(value: Any, keys: Iterable[str]) -> bool:
    # Keys are text; a list or mapping in their place is simply not one (`in` a set
    # would raise TypeError on it).
    return isinstance(value, str) and value in keys


# Parts of categories and items --------------------------------------------------------------


def condition(check, raw: Any, where: str, options: Choices) -> dict[str, list[str]] | None:
    """A condition: profile keys mapped to lists of their option keys."""
    if not isinstance(raw, dict) or not raw:
        check.fail(where, "must map at least one profile key to a list of its options")
        return None
    result = {}
    for key, chosen in raw.items():
        here = f"{where}.{shown(key) if not isinstance(key, str) else key}"
        if key not in options:
            check.fail(here, "is not a profile key")
            continue
        if not isinstance(chosen, list) or not chosen:
            check.fail(here, "must be a non-empty list of option keys")
            continue
        unknown = [o for o in chosen if not _among(o, options[key])]
        if unknown:
            allowed = ", ".join(sorted(options[key]))
            check.fail(here, f"{shown(unknown[0])} is not an option; allowed: {allowed}")
            continue
        result[key] = list(chosen)
    return result


def critical(check, value: Any, where: str, options: Choices) -> bool | dict[str, list[str]]:
    """An item's `critical` in a file: true, false or a condition."""
    if isinstance(value, bool):
        return value
    if isinstance(value, dict):
        return condition(check, value, where, options) or False
    check.fail(where, f"must be true, false or a condition (got {shown(value)})")
    return False


def scope(check, value: Any, where: str) -> str:
    if value not in SCOPES:
        check.fail(where, f"must be one of {', '.join(SCOPES)}")
        return "deployment"
    return value


def tags(check, raw: Any, where: str, requirements: Choices) -> dict[str, list[str]]:
    """An item's framework tags; None (omitted) is none."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        check.fail(where, "must map framework keys to lists of requirement ids")
        return {}
    result = {}
    for key, ids in raw.items():
        here = f"{where}.{key if isinstance(key, str) else shown(key)}"
        if key not in requirements:
            check.fail(here, "is not a framework of this checklist")
            continue
        if not isinstance(ids, list) or not ids:
            check.fail(here, "must be a non-empty list of requirement ids")
            continue
        unknown = [i for i in ids if not _among(i, requirements[key])]
        if unknown:
            check.fail(here, f"{shown(unknown[0])} is not a requirement of {key}")
            continue
        result[key] = [str(i) for i in ids]
    return result


# What refers to a profile option or a requirement ------------------------------------------
# Removing or renaming what a condition or a tag names would leave a checklist the
# loader refuses, so the admin asks these first. `uses` are (name, mapping) pairs:
# each condition or tag mapping of the checklist with the name to show for it.


def conditions_naming(uses: Iterable[tuple[str, Any]], key: str, option: str | None = None):
    """The names of the conditions that name profile `key` (or that option of it)."""
    return [
        name
        for name, mapping in uses
        if isinstance(mapping, dict)
        and key in mapping
        and (option is None or option in (mapping[key] or ()))
    ]


def tags_naming(uses: Iterable[tuple[str, Any]], framework: str, rid: str | None = None):
    """The names of the tag mappings that name `framework` (or that requirement of it)."""
    return conditions_naming(uses, framework, rid)
