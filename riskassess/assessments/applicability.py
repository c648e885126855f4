"""Which items apply, given a checklist's profile answers (contracts.md §6-§7). Pure: no Django.

A condition maps profile question keys to lists of their option keys. It holds
when, for every question it names, at least one chosen option is in that
question's list. A question not yet answered counts as holding: when in doubt,
the item is asked and the critical flag is raised.

Profile answers are given as {question key: frozenset of chosen option keys};
a missing key or an empty set is an unanswered question.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Condition = Mapping[str, Sequence[str]]
Profile = Mapping[str, frozenset[str]]


def holds(condition: Condition | None, profile: Profile) -> bool:
    """Whether a condition holds for the profile; a missing condition holds."""
    if not condition:
        return True
    for question, options in condition.items():
        chosen = profile.get(question) or frozenset()
        if chosen and not chosen.intersection(options):
            return False
    return True


@dataclass(frozen=True)
class Skip:
    """Why an item is skipped by rule: whose condition failed, and the condition."""

    source: str  # "category" or "item"
    condition: Condition


def skipped_by(
    category_condition: Condition | None, item_condition: Condition | None, profile: Profile
) -> Skip | None:
    """None when the item applies; else the failing condition, the category's first."""
    if not holds(category_condition, profile):
        return Skip("category", category_condition)
    if not holds(item_condition, profile):
        return Skip("item", item_condition)
    return None


def is_critical(flag: bool | Condition | None, profile: Profile) -> bool:
    """An item's `critical`: true, false, or a condition evaluated on the profile."""
    if isinstance(flag, bool) or flag is None:
        return bool(flag)
    return holds(flag, profile)
