"""What every write of the action plan checks: who may do what, the locked deployment,
and a finding's row. The writes themselves are in treatments.py (treatments and
accepted risks) and services.py (actions).

Every rule is checked with the deployment's row locked, whatever the form said: a
membership can change between the page and the post. Who may do what:

- editors and owners decide treatments, propose acceptances, create and edit
  actions;
- an owner or a reviewer who did not propose it accepts (or declines) a risk;
- an action's owner, or an editor, moves its status.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from riskassess.accounts.models import Membership, Role
from riskassess.actions.models import Action, Finding
from riskassess.deployments.models import Deployment

# The roles that may accept a risk on the team's behalf (never the proposer).
ACCEPTING_ROLES = (Role.OWNER, Role.REVIEWER)


class Refused(Exception):
    """An input the rules refuse; `field` names the form field it belongs to."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field


def can_plan(role: str | None) -> bool:
    return role is not None and Role.allows(role, Role.EDITOR)


def can_accept(role: str | None) -> bool:
    return role in ACCEPTING_ROLES


def can_move(action: Action, user, role: str | None) -> bool:
    """The action's owner, or an editor or owner of the team."""
    return action.owner_id == user.pk or can_plan(role)


def plan_link(deployment: Deployment) -> str:
    """The plan of the deployment's newest assessment (every member can reach it)."""
    current = deployment.assessments.filter(is_current=True).values_list("pk", flat=True).first()
    if current is None:
        return reverse("deployments:detail", args=[deployment.pk])
    return reverse("action_plan", args=[current])


def locked_deployment(deployment_id) -> Deployment:
    return Deployment.objects.select_for_update().select_related("team").get(pk=deployment_id)


def role_in(team_id, user) -> str | None:
    return (
        Membership.objects.filter(team_id=team_id, user_id=user.pk)
        .values_list("role", flat=True)
        .first()
    )


def require_planner(team_id, user) -> None:
    if not can_plan(role_in(team_id, user)):
        raise PermissionDenied("Only editors and owners plan the treatment of findings.")


def finding_row(deployment: Deployment, item_key: str, user) -> Finding:
    """The finding's row, locked; created (its history naming `user`) on the first
    decision about it. Callers hold the deployment's lock, so two cannot create it."""
    finding = (
        Finding.objects.select_for_update().filter(deployment=deployment, item_key=item_key).first()
    )
    if finding is None:
        finding = Finding(deployment=deployment, item_key=item_key)
        finding._history_user = user
        finding.save()
    return finding


def save_finding(finding: Finding, user) -> None:
    finding.updated_at = timezone.now()
    finding._history_user = user
    finding.save()


def clear_acceptance(finding: Finding) -> None:
    finding.justification = ""
    finding.expires_on = None
    finding.proposed_by = finding.accepted_by = None
    finding.proposed_by_name = finding.accepted_by_name = finding.accepted_role = ""
    finding.proposed_at = finding.accepted_at = None


def check_keys(item_keys, findings) -> list[str]:
    keys = sorted(set(item_keys))
    if not keys:
        raise Refused("items", "Choose at least one finding this action addresses.")
    unknown = [k for k in keys if k not in set(findings)]
    if unknown:
        raise Refused("items", f"Not a finding of this assessment: {', '.join(unknown)}.")
    return keys
