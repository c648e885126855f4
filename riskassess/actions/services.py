"""Planning, editing and closing actions (rules.py says who may); the treatments and
accepted risks are in treatments.py, re-exported here with the shared rules so
callers have one module to ask.

Nothing here changes an answer or a score: marking an action done only flags
its items to be answered again (selectors.reanswer_keys).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from riskassess.accounts.models import Membership
from riskassess.actions.models import TEXT_MAX, TITLE_MAX, Action, Status, Treatment
from riskassess.actions.rules import (  # noqa: F401 - the plan's API, re-exported
    ACCEPTING_ROLES,
    Refused,
    can_accept,
    can_move,
    can_plan,
    check_keys,
    clear_acceptance,
    finding_row,
    locked_deployment,
    plan_link,
    require_planner,
    role_in,
    save_finding,
)
from riskassess.actions.treatments import (  # noqa: F401 - the plan's API, re-exported
    decide,
    decide_acceptance,
    expire_acceptances,
    latest_expiry,
    propose_acceptance,
)
from riskassess.notifications.models import Kind
from riskassess.notifications.services import notify


def _check_action(*, title, description, owner, due_on, team_id, evidence, deployment_id):
    if not title.strip():
        raise Refused("title", "Give the action a title.")
    if len(title) > TITLE_MAX or len(description) > TEXT_MAX:
        raise Refused(None, "The title or description is too long.")
    if owner is None or not owner.is_active:
        raise Refused("owner", "Choose a member of this team as the owner.")
    if not Membership.objects.filter(team_id=team_id, user_id=owner.pk).exists():
        raise Refused("owner", "Choose a member of this team as the owner.")
    if evidence is not None and evidence.assessment.deployment_id != deployment_id:
        raise Refused("evidence", "Choose evidence of this deployment.")


def create_action(
    *,
    deployment_id,
    user,
    title: str,
    owner,
    due_on: date,
    item_keys,
    findings,
    description: str = "",
    evidence=None,
) -> Action:
    """Plan an action against one or more findings; each becomes "mitigate" if undecided."""
    keys = check_keys(item_keys, findings)
    if due_on < timezone.localdate():
        raise Refused("due_on", "The due date cannot be in the past.")
    with transaction.atomic():
        deployment = locked_deployment(deployment_id)
        require_planner(deployment.team_id, user)
        _check_action(
            title=title, description=description, owner=owner, due_on=due_on,
            team_id=deployment.team_id, evidence=evidence, deployment_id=deployment.pk,
        )  # fmt: skip
        rows = [finding_row(deployment, key, user) for key in keys]
        accepted = [
            f.item_key for f in rows if f.treatment == Treatment.ACCEPT and not f.is_expired
        ]
        if accepted:
            raise Refused(
                "items",
                f"The risk of {', '.join(accepted)} is accepted: set it to mitigate first.",
            )
        for finding in rows:
            if finding.treatment != Treatment.MITIGATE:
                clear_acceptance(finding)
                finding.treatment = Treatment.MITIGATE
                finding.lapsed_on = None
                save_finding(finding, user)
        action = Action(
            deployment=deployment,
            title=title.strip(),
            description=description,
            owner=owner,
            owner_name=owner.get_username(),
            due_on=due_on,
            evidence=evidence,
            evidence_name=evidence.name if evidence is not None else "",
            created_by=user,
            created_by_name=user.get_username(),
        )
        action._history_user = user
        action.save()
        action.findings.set(rows)
        notify(
            [owner],
            kind=Kind.ACTION_ASSIGNED,
            actor=user,
            url=plan_link(deployment),
            title=deployment.name,
        )
    return action


def edit_action(
    *,
    action: Action,
    user,
    title: str,
    owner,
    due_on: date,
    item_keys,
    findings,
    description: str = "",
    evidence=None,
) -> Action:
    """Change an action's details; a due date in the past is refused unless it is unchanged."""
    keys = sorted(set(item_keys))
    with transaction.atomic():
        deployment = locked_deployment(action.deployment_id)
        require_planner(deployment.team_id, user)
        current = Action.objects.select_for_update().get(pk=action.pk)
        kept = {f.item_key for f in current.findings.all()}
        # A finding this action already addresses may have been answered since.
        check_keys(keys, set(findings) | kept)
        if due_on != current.due_on and due_on < timezone.localdate():
            raise Refused("due_on", "The due date cannot be in the past.")
        _check_action(
            title=title, description=description, owner=owner, due_on=due_on,
            team_id=deployment.team_id, evidence=evidence, deployment_id=deployment.pk,
        )  # fmt: skip
        rows = [finding_row(deployment, key, user) for key in keys]
        for finding in rows:
            if finding.item_key not in kept and finding.treatment == Treatment.ACCEPT:
                raise Refused("items", f"The risk of {finding.item_key} is accepted.")
            if finding.treatment == Treatment.UNDECIDED:
                finding.treatment = Treatment.MITIGATE
                finding.lapsed_on = None
                save_finding(finding, user)
        new_owner = owner.pk != current.owner_id
        current.title = title.strip()
        current.description = description
        current.owner = owner
        current.owner_name = owner.get_username()
        current.due_on = due_on
        current.evidence = evidence
        current.evidence_name = evidence.name if evidence is not None else ""
        current.updated_at = timezone.now()
        current._history_user = user
        current.save()
        current.findings.set(rows)
        if new_owner:
            notify(
                [owner],
                kind=Kind.ACTION_ASSIGNED,
                actor=user,
                url=plan_link(deployment),
                title=deployment.name,
            )
    return current


def move(*, action: Action, user, role: str | None, status: str) -> bool:
    """Set the action's status; False if it already was. Done records when; a done or
    cancelled action may be reopened. PermissionDenied for anyone but its owner or an editor."""
    if status not in Status.values:
        raise Refused("status", "Choose open, in progress, done or cancelled.")
    if not can_move(action, user, role):
        raise PermissionDenied("Only the action's owner or an editor changes its status.")
    with transaction.atomic():
        deployment = locked_deployment(action.deployment_id)
        current = Action.objects.select_for_update().get(pk=action.pk)
        # Checked again under the lock: the role may have changed since the page.
        if not can_move(current, user, role_in(deployment.team_id, user)):
            raise PermissionDenied("Only the action's owner or an editor changes its status.")
        if current.status == status:
            return False
        current.status = status
        current.done_at = timezone.now() if status == Status.DONE else None
        current.updated_at = timezone.now()
        current._history_user = user
        current.save(update_fields=["status", "done_at", "updated_at"])
        if status == Status.DONE and current.created_by_id:
            notify(
                [current.created_by_id],
                kind=Kind.ACTION_DONE,
                actor=user,
                url=plan_link(deployment),
                title=deployment.name,
            )
    action.status, action.done_at = current.status, current.done_at
    return True
