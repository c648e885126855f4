"""`@username` in a comment's text: which of the team's members it names. Pure: no ORM."""

from __future__ import annotations

import re
from collections.abc import Iterable

# A Django username is letters, digits and @.+-_; an "@" right after one of
# those (an e-mail address: "support@bob") starts no mention.
MENTION = re.compile(r"(?<![\w.@+-])@([\w.@+-]+)")
# What may end a sentence right after a name: "ask @bob." names bob.
TRAILING = ".@+-"


def named(body: str) -> set[str]:
    """Every name the text mentions, case-folded, with and without trailing punctuation."""
    names = set()
    for match in MENTION.finditer(body):
        name = match.group(1)
        names.add(name.casefold())
        stripped = name.rstrip(TRAILING)
        if stripped:
            names.add(stripped.casefold())
    return names


def mentioned(body: str, members: Iterable[tuple[int, str]]) -> set[int]:
    """The ids of the members (id, username) the text mentions; unknown names are ignored."""
    names = named(body)
    if not names:
        return set()
    return {user_id for user_id, username in members if username.casefold() in names}
