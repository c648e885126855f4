"""Format 2's conditions in words, with the profile's own wording (contracts.md §6).

Pure: the profile is given as plain data, [{"key", "question", "options":
[{"key", "label"}, …]}, …], as the assessment data and the checklist page
both have it. Used wherever a reader sees why an item is asked or skipped.
"""

from __future__ import annotations


def describe(condition: dict | None, profile: list[dict]) -> str:
    """{"P-USERS": ["public", "minors"]} -> 'the answer to “Who can use the system?” is
    “The public” or “The public, possibly including minors”'
    """
    if not condition:
        return ""
    questions = {q["key"]: q for q in profile}
    # In the profile's order, not the mapping's: PostgreSQL's jsonb reorders the
    # keys of a stored condition, and a report must read the same on both databases.
    order = {q["key"]: n for n, q in enumerate(profile)}
    parts = []
    for key, options in sorted(condition.items(), key=lambda kv: order.get(kv[0], len(order))):
        question = questions.get(key)
        if question is None:
            parts.append(f"the answer to {key} is {' or '.join(options)}")
            continue
        labels = {o["key"]: o["label"] for o in question["options"]}
        chosen = " or ".join(f"“{labels.get(o, o)}”" for o in options)
        parts.append(f"the answer to “{question['question'].strip()}” is {chosen}")
    return "; and ".join(parts)


def profile_data(questions) -> list[dict]:
    """ProfileQuestion rows with `.option_list` (selectors.format_2_parts) as plain data."""
    return [
        {
            "key": q.key,
            "question": q.question,
            "guidance": q.guidance,
            "multiple": q.multiple,
            "options": [
                {"key": o.key, "label": o.label, "impact": o.impact} for o in q.option_list
            ],
        }
        for q in questions
    ]
