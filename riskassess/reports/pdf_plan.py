"""What the PDF prints of the action plan (templates/reports/pdf/_plan.html).

From the report's "treatments", "actions" and "projection" (actions/report.py,
actions/projection.py): a draft's are the live plan, a revision's the plan
frozen when it was submitted. A report without "treatments" (a revision
submitted before plans existed) gets {"plan": None} and prints no section.

"Overdue" is judged on one day, printed beside the count: for a draft, the day
the report was generated; for a revision, the day it was submitted, since its
frozen plan says nothing of what was done after. Every user text is bounded as
elsewhere (pdf_text), the plan's together by an allowance of its own, and the
number of actions printed is capped.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from riskassess import present
from riskassess.actions.models import ACTIVE, Status
from riskassess.reports.pdf_text import SPENT_CHARS, Allowance, one_line, printable

PLAN_CHARS = 40_000  # justifications and descriptions of one report, together
MAX_ACTIONS = 200  # action rows printed, over all findings
TREATMENT_LABELS = {"undecided": "Undecided", "mitigate": "Mitigate", "accept": "Accept"}


def _local_day(moment: str) -> date:
    parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return parsed.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def _day(value: str | None) -> str:
    return present.day(date.fromisoformat(value)) if value else present.DASH


def reference_day(report: dict) -> tuple[date, bool]:
    """(the day overdue is judged on, whether it is a frozen revision's plan)."""
    submitted = report["assessment"].get("submitted_at")
    if (report.get("record") or {}).get("revision") and submitted:
        return _local_day(submitted), True
    return _local_day(report["generated_at"]), False


def _overdue(action: dict, on: date) -> bool:
    return action["status"] in ACTIVE and action["due_on"] < on.isoformat()


def overdue_ids(report: dict, on: date | None = None) -> list[str]:
    """The plan's actions still to be done past their due date on `on` (default today)."""
    on = on or timezone.localdate()
    return sorted(a["id"] for a in report.get("actions", ()) if _overdue(a, on))


def cache_part(report: dict) -> str:
    """What a draft's PDF cache key needs beside the fingerprint: its overdue actions as
    of today, which change from one day to the next while its content does not. "" for
    a revision (judged on its submission day) and for a plan with none overdue."""
    if "treatments" not in report or reference_day(report)[1]:
        return ""
    ids = overdue_ids(report)
    return "-overdue-" + hashlib.sha256(",".join(ids).encode()).hexdigest()[:16] if ids else ""


class _Texts(Allowance):
    def bounded(self, text, *, lines: int, chars: int) -> str:
        printed = printable(text, lines=lines, chars=min(chars, max(self.left, SPENT_CHARS)))
        self.left -= len(printed)
        return printed


def _printed_action(action: dict, key: str, on: date, texts: _Texts) -> dict:
    status = action["status"]
    label = Status(status).label if status in Status.values else status
    if status == Status.DONE and action.get("done_at"):
        label += f" {present.day(action['done_at'])}"
    others = [k for k in action["items"] if k != key]
    return {
        "title": one_line(action["title"]),
        "description": texts.bounded(action.get("description"), lines=3, chars=400),
        "owner": one_line(action["owner"]),
        "due_text": _day(action["due_on"]),
        "status": status,
        "status_text": label,
        "overdue": _overdue(action, on),
        "also": printable(", ".join(others), lines=1, chars=120) if others else "",
        "evidence": one_line((action.get("evidence") or {}).get("name")),
    }


def _treatment(row: dict, texts: _Texts) -> dict:
    """The treatment's badge (tone and label) and the acceptance in words."""
    acceptance = row.get("acceptance")
    shown = {"tone": row["treatment"], "label": TREATMENT_LABELS.get(row["treatment"], "")}
    shown.update(acceptance_text="", justification="", lapsed_text="")
    if row.get("lapsed_on"):
        shown["lapsed_text"] = (
            f"An acceptance expired on {_day(row['lapsed_on'])}: undecided again."
        )
    if row["treatment"] != "accept" or not acceptance:
        return shown
    until = _day(acceptance["expires_on"])
    proposed = f"proposed by {one_line(acceptance['proposed_by'])}"
    if acceptance.get("proposed_at"):
        proposed += f" on {present.day(acceptance['proposed_at'])}"
    if acceptance["status"] == "accepted":
        who = one_line(acceptance.get("accepted_by") or "")
        role = one_line(acceptance.get("accepted_role") or "")
        text = f"Risk accepted until {until} by {who}" + (f" ({role})" if role else "")
        if acceptance.get("accepted_at"):
            text += f" on {present.day(acceptance['accepted_at'])}"
        shown.update(tone="accepted", label=f"Accepted until {until}", acceptance_text=text)
        shown["acceptance_text"] += f"; {proposed}."
    else:
        text = f"Acceptance {proposed}, until {until}: not accepted yet (an owner or a "
        text += "reviewer decides)."
        shown.update(tone="proposed", label="Acceptance proposed", acceptance_text=text)
    shown["justification"] = texts.bounded(acceptance.get("justification"), lines=8, chars=1200)
    return shown


def _counts(treatments: list[dict], actions: list[dict], on: date) -> dict:
    def treated(name: str, status: str | None = None) -> int:
        return sum(
            1
            for t in treatments
            if t["treatment"] == name
            and (status is None or (t.get("acceptance") or {}).get("status") == status)
        )

    return {
        "findings": len(treatments),
        "undecided": treated("undecided"),
        "mitigate": treated("mitigate"),
        "accepted": treated("accept", "accepted"),
        "proposed": treated("accept", "proposed"),
        **{status: sum(1 for a in actions if a["status"] == status) for status in Status.values},
        "overdue": sum(1 for a in actions if _overdue(a, on)),
    }


def _projection(report: dict) -> dict | None:
    """The projected score in words, labelled as such; None when there is none to give."""
    projection = report.get("projection")
    if not projection:
        return None
    actions, items = len(projection["actions"]), len(projection["assumes"])
    if not items:
        return {"assumes": False}
    one = actions == 1
    sentence = (
        f"if the {actions} open mitigation{'' if one else 's'} {'is' if one else 'are'} "
        f"completed and the {items} item{'' if items == 1 else 's'} "
        f"{'it addresses' if one else 'they address'} {'is' if items == 1 else 'are'} "
        "then answered “yes”, the score would be"
    )
    control = projection.get("control_level")
    return {
        "assumes": True,
        "sentence": sentence,
        "short": f"if the {actions} open mitigation{'' if one else 's'} "
        f"{'is' if one else 'are'} completed and {'its' if items == 1 else 'their'} "
        f"item{'' if items == 1 else 's'} answered “yes”",
        "score_text": present.score(projection["score"]),
        "level": projection["level"],
        "level_text": present.level(projection["level"]).lower(),
        "control_text": present.level(control).lower() if control else "",
        "items_text": printable(", ".join(projection["assumes"]), lines=1, chars=600),
    }


def context(report: dict) -> dict:
    """The plan's part of the template's context: {"plan": None} for a report without one."""
    if "treatments" not in report:
        return {"plan": None}
    on, frozen = reference_day(report)
    texts = _Texts(PLAN_CHARS)
    items = {i["key"]: i for i in report["items"]}
    names = {c["key"]: c["name"] for c in report["categories"]}
    actions = {a["id"]: a for a in report.get("actions", ())}
    rows, undecided, printed, left_out, reached = [], [], 0, 0, set()
    for treatment in report["treatments"]:
        key = treatment["item"]
        item = items.get(key) or {}
        ids = [i for i in treatment["actions"] if i in actions]
        reached.update(ids)
        shown = ids[: max(MAX_ACTIONS - printed, 0)]
        printed += len(shown)
        left_out += len(ids) - len(shown)
        row = {
            "key": one_line(key),
            "category_name": one_line(names.get(item.get("category"), "")),
            "question": printable(item.get("question"), lines=6),
            "answer_label": one_line(item.get("answer_label")),
            "exposure_text": present.number(item.get("exposure")),
            "weight": item.get("weight"),
            "critical": bool(item.get("critical")),
            **_treatment(treatment, texts),
            "actions": [_printed_action(actions[i], key, on, texts) for i in shown],
            "long": len(shown) > 6,
        }
        # Nothing decided, nothing planned: a line in the list after the others.
        plain = row["tone"] == "undecided" and not ids and not row["lapsed_text"]
        (undecided if plain else rows).append(row)
    # Still to be done, on items that are no longer findings of this report.
    elsewhere = [
        a for a in report.get("actions", ()) if a["id"] not in reached and a["status"] in ACTIVE
    ]
    kept = elsewhere[: max(MAX_ACTIONS - printed, 0)]
    left_out += len(elsewhere) - len(kept)
    return {
        "plan": {
            "frozen": frozen,
            "on_text": present.day(on),
            "counts": _counts(report["treatments"], list(actions.values()), on),
            "projection": _projection(report),
            "rows": rows,
            "undecided": undecided,
            "elsewhere": [
                {
                    **_printed_action(a, "", on, texts),
                    "items": printable(", ".join(a["items"]), lines=1, chars=120),
                }
                for a in kept
            ],
            "left_out": left_out,
        }
    }
