"""The action plan's part of a report (contracts: the JSON report's "treatments" and
"actions"), added through the assessments app's report_sections signal.

A draft's report shows the live plan; a submission freezes it into its
revision, so the record says what was planned at that time while the live
plan moves on. Like every report part, this is plain data: names as text,
dates as ISO strings.
"""

from __future__ import annotations

from django.dispatch import receiver

from riskassess.actions.models import Action, Finding, Treatment
from riskassess.assessments import signals


def _iso(value):
    return value.isoformat() if value is not None else None


def acceptance_row(finding: Finding) -> dict | None:
    if finding.effective != Treatment.ACCEPT:
        return None
    return {
        "status": "accepted" if finding.accepted_at else "proposed",
        "justification": finding.justification,
        "expires_on": _iso(finding.expires_on),
        "proposed_by": finding.proposed_by_name,
        "proposed_at": _iso(finding.proposed_at),
        "accepted_by": finding.accepted_by_name or None,
        "accepted_role": finding.accepted_role or None,
        "accepted_at": _iso(finding.accepted_at),
    }


def action_row(action: Action, keys: list[str]) -> dict:
    return {
        "id": str(action.pk),
        "title": action.title,
        "description": action.description,
        "owner": action.owner_name,
        "due_on": action.due_on.isoformat(),
        "status": action.status,
        "items": keys,
        "evidence": (
            {"id": str(action.evidence_id), "name": action.evidence_name}
            if action.evidence_id or action.evidence_name
            else None
        ),
        "created_by": action.created_by_name,
        "created_at": _iso(action.created_at),
        "done_at": _iso(action.done_at),
    }


def treatment_row(key: str, finding: Finding | None, action_ids: list[str]) -> dict:
    if finding is None:
        return {"item": key, "treatment": str(Treatment.UNDECIDED), "acceptance": None,
                "lapsed_on": None, "actions": action_ids}  # fmt: skip
    # An accepted risk that lapsed keeps its expiry date: why it is undecided again.
    lapsed = finding.lapsed
    return {
        "item": key,
        "treatment": str(finding.effective),
        "acceptance": acceptance_row(finding),
        "lapsed_on": _iso(lapsed),
        "actions": action_ids,
    }


def plan_parts(deployment_id, findings: list[str]) -> dict:
    """ "treatments" (one per finding, in the findings' order) and "actions" (every action
    addressing one of them, and every action still open or in progress).

    Three queries whatever the plan holds (none skipped for an empty list, so a
    report's queries are the same with no finding and with many): the
    deployment's findings, its actions, and the links between them. A
    deployment has at most one Finding row per checklist item, so reading them
    all is cheap.
    """
    rows = {f.item_key: f for f in Finding.objects.filter(deployment_id=deployment_id)}
    links: dict = {}
    for action_id, key in Action.findings.through.objects.filter(
        action__deployment_id=deployment_id
    ).values_list("action_id", "finding__item_key"):
        links.setdefault(action_id, []).append(key)
    wanted = set(findings)
    by_item: dict[str, list[str]] = {}
    action_rows = []
    for action in Action.objects.filter(deployment_id=deployment_id).order_by(
        "due_on", "created_at", "pk"
    ):
        keys = sorted(links.get(action.pk, []))
        if not (wanted & set(keys)) and not action.is_active:
            continue
        for key in keys:
            by_item.setdefault(key, []).append(str(action.pk))
        action_rows.append(action_row(action, keys))
    treatments = [treatment_row(key, rows.get(key), by_item.get(key, [])) for key in findings]
    return {"treatments": treatments, "actions": action_rows}


@receiver(signals.report_sections, dispatch_uid="actions_plan_parts")
def _plan(sender, assessment, findings, **kwargs):
    return plan_parts(assessment.deployment_id, findings)
