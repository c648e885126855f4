"""The `profile:` of an answers file for a format-2 checklist (contracts.md §8).

profile: {P-USERS: public, P-OUTPUT: [text, image]}

Each key is a profile question of the checklist and each value one of its
option keys, or a list of them where the question is `multiple` (a single key
there means a one-element list; a list for a single-choice question is an
error). Problems go to the parser's own collector, each naming its key.
"""

from __future__ import annotations

import re
from typing import Any

from riskassess.yamlfiles import SHOW_MAX, shown

_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def _key(key: Any) -> str:
    """A key as written when it is short and plain, else quoted and cut short."""
    plain = isinstance(key, str) and len(key) <= SHOW_MAX and _PLAIN.fullmatch(key)
    return key if plain else shown(key)


def parse_profile(raw: Any, questions: list, problems) -> dict[str, list[str]]:
    """Question key -> chosen option keys. `questions` have .key, .multiple, .option_list."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.add("profile: must be a mapping of profile questions to options")
        return {}
    by_key = {question.key: question for question in questions}
    chosen: dict[str, list[str]] = {}
    for key, value in raw.items():
        question = by_key.get(key)
        if question is None:
            known = ", ".join(by_key) or "none"
            problems.add(f"profile.{_key(key)}: unknown profile question; known: {known}")
            continue
        allowed = [option.key for option in question.option_list]
        if value is None:
            continue  # left unanswered: it counts as its worst option
        values = value if isinstance(value, list) else [value]
        if isinstance(value, list) and not question.multiple:
            problems.add(
                f"profile.{key}: takes one option, not a list; allowed: {', '.join(allowed)}"
            )
            continue
        keys = []
        for one in values:
            if one not in allowed:
                problems.add(
                    f"profile.{key}: {shown(one)} is not an option; allowed: {', '.join(allowed)}"
                )
                break
            if one not in keys:
                keys.append(one)
        else:
            chosen[key] = keys
    return chosen
