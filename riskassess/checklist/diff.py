"""What differs between two checklists in file form (contracts.md §2), named by key.

Used to say why a file may not be loaded over a published version. Paths read
like the file validator's messages, e.g.
``categories[inequity].items[INQ-01].weight: 3 → 5``. Plain data in, plain
lines out: no database.
"""

from __future__ import annotations

import json
from typing import Any

# Values longer than this are reported as "changed" rather than printed whole.
_SHOW_MAX = 40


def _show(value: Any) -> str:
    """The value as a file would write it, or "" when it is too long to print."""
    if isinstance(value, (dict, list)) or (isinstance(value, str) and len(value) > _SHOW_MAX):
        return ""
    return json.dumps(value, ensure_ascii=False)


def _keyed(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(entry, dict) and "key" in entry for entry in value
    )


def differences(old: Any, new: Any, where: str = "") -> list[str]:
    """Every difference from `old` to `new`, in the order of the file."""
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for name in [*old, *(name for name in new if name not in old)]:
            here = f"{where}.{name}" if where else str(name)
            if name not in new:
                found.append(f"{here}: removed")
            elif name not in old:
                found.append(f"{here}: added")
            else:
                found += differences(old[name], new[name], here)
        return found
    if _keyed(old) and _keyed(new):
        return _list_differences(old, new, where)
    if old == new:
        return []
    before, after = _show(old), _show(new)
    if before and after:
        return [f"{where}: {before} → {after}"]
    return [f"{where}: changed"]


def _list_differences(old: list[dict], new: list[dict], where: str) -> list[str]:
    before = {entry["key"]: entry for entry in old}
    after = {entry["key"]: entry for entry in new}
    found = []
    kept_before = [key for key in before if key in after]
    kept_after = [key for key in after if key in before]
    if kept_before != kept_after:
        found.append(f"{where}: order changed")
    for key, entry in before.items():
        if key not in after:
            found.append(f"{where}[{key}]: removed")
        else:
            found += differences(entry, after[key], f"{where}[{key}]")
    found += [f"{where}[{key}]: added" for key in after if key not in before]
    return found
