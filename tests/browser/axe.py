"""axe-core, from the copy the axe-playwright-python package ships (requirements-dev.txt).

The page's CSP (script-src 'self') would refuse an injected <script> tag, but
page.evaluate() runs through the DevTools protocol, which CSP does not govern: the
pages are audited under their real policy, with no bypass_csp.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

BLOCKING = ("serious", "critical")


@cache
def axe_source() -> str:
    return (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


def violations(page) -> list[dict]:
    """axe's violations on the page as it is now, every rule axe runs by default."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return results["violations"]


def blocking(found: list[dict]) -> list[dict]:
    return [v for v in found if v["impact"] in BLOCKING]


def describe(found: list[dict], limit: int = 6) -> str:
    """One paragraph per rule: its id, impact, help, and the first few elements with why."""
    lines = []
    for v in found:
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} elements): {v['help']}")
        for node in v["nodes"][:limit]:
            why = " ".join(node.get("failureSummary", "").split())
            why = re.sub(r"^Fix (any|all) of the following: ", "", why)
            lines.append(f"    {' '.join(node['target'])}: {why[:240]}")
        if len(v["nodes"]) > limit:
            lines.append(f"    … and {len(v['nodes']) - limit} more")
    return "\n".join(lines)
