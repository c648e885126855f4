"""Deciding a finding's treatment, accepting a risk, and planning and closing actions.

Every rule is checked here, with the deployment's row locked, whatever the
form said: a membership can change between the page and the post. Who may do
what:

- editors and owners decide treatments, propose acceptances, create and edit
  actions;
- an owner or a reviewer who did not propose it accepts (or declines) a risk;
- an action's owner, or an editor, moves its status.

Nothing here changes an answer or a score: marking an action done only flags
its items to be answered again (selectors.reanswer_flags).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from riskassess.accounts.models import Membership, Role, Team
from riskassess.actions.models import TEXT_MAX, TITLE_MAX, Action, Finding, Status, Treatment
from riskassess.deployments.models import Deployment
from riskassess.deployments.review import add_months
from riskassess.notifications.models import Kind
from riskassess.notifications.services import notify

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


def _locked(deployment_id) -> Deployment:
    return Deployment.objects.select_for_update().select_related("team").get(pk=deployment_id)


def _role(team_id, user) -> str | None:
    return (
        Membership.objects.filter(team_id=team_id, user_id=user.pk)
        .values_list("role", flat=True)
        .first()
    )


def _require_planner(team_id, user) -> None:
    if not can_plan(_role(team_id, user)):
        raise PermissionDenied("Only editors and owners plan the treatment of findings.")


def _finding(deployment: Deployment, item_key: str) -> Finding:
    finding, _ = Finding.objects.select_for_update().get_or_create(
        deployment=deployment, item_key=item_key
    )
    return finding


def _save(finding: Finding, user) -> None:
    finding.updated_at = timezone.now()
    finding._history_user = user
    finding.save()


def _clear_acceptance(finding: Finding) -> None:
    finding.justification = ""
    finding.expires_on = None
    finding.proposed_by = finding.accepted_by = None
    finding.proposed_by_name = finding.accepted_by_name = finding.accepted_role = ""
    finding.proposed_at = finding.accepted_at = None


def _check_keys(item_keys, findings) -> list[str]:
    keys = sorted(set(item_keys))
    if not keys:
        raise Refused("items", "Choose at least one finding this action addresses.")
    unknown = [k for k in keys if k not in set(findings)]
    if unknown:
        raise Refused("items", f"Not a finding of this assessment: {', '.join(unknown)}.")
    return keys


# Treatments ----------------------------------------------------------------------


def decide(*, deployment_id, item_key: str, treatment: str, user, findings) -> Finding:
    """Set a finding undecided or to be mitigated (accepting goes through propose_acceptance).

    `findings`: the keys of the assessment's findings, which the item must be one of.
    """
    if treatment not in (Treatment.UNDECIDED, Treatment.MITIGATE):
        raise Refused("treatment", "Choose undecided or mitigate; a risk is accepted by proposal.")
    _check_keys([item_key], findings)
    with transaction.atomic():
        deployment = _locked(deployment_id)
        _require_planner(deployment.team_id, user)
        finding = _finding(deployment, item_key)
        if finding.treatment != treatment or finding.lapsed_on:
            _clear_acceptance(finding)
            finding.treatment = treatment
            finding.lapsed_on = None
            _save(finding, user)
    return finding


def latest_expiry(team: Team, today: date | None = None) -> date:
    return add_months(today or timezone.localdate(), team.acceptance_months)


def propose_acceptance(
    *, deployment_id, item_key: str, justification: str, expires_on: date, user, findings
) -> Finding:
    """An editor proposes to accept the risk; an owner or a reviewer then accepts it."""
    _check_keys([item_key], findings)
    justification = justification.strip()
    if not justification:
        raise Refused("justification", "Say why this risk can be accepted.")
    if len(justification) > TEXT_MAX:
        raise Refused("justification", f"The justification is longer than {TEXT_MAX} characters.")
    today = timezone.localdate()
    with transaction.atomic():
        deployment = _locked(deployment_id)
        _require_planner(deployment.team_id, user)
        latest = latest_expiry(deployment.team, today)
        if expires_on <= today:
            raise Refused("expires_on", "The expiry date must be after today.")
        if expires_on > latest:
            raise Refused(
                "expires_on",
                f"{deployment.team.name} accepts a risk for at most "
                f"{deployment.team.acceptance_months} months: choose {latest:%-d %B %Y} "
                "or earlier.",
            )
        finding = _finding(deployment, item_key)
        if Action.objects.active().filter(findings=finding).exists():
            raise Refused(None, "This finding has open actions: close or cancel them first.")
        _clear_acceptance(finding)
        finding.treatment = Treatment.ACCEPT
        finding.justification = justification
        finding.expires_on = expires_on
        finding.proposed_by = user
        finding.proposed_by_name = user.get_username()
        finding.proposed_at = timezone.now()
        finding.lapsed_on = None
        _save(finding, user)
        deciders = Membership.objects.filter(
            team_id=deployment.team_id, role__in=ACCEPTING_ROLES, user__is_active=True
        ).values_list("user_id", flat=True)
        notify(
            list(deciders),
            kind=Kind.ACCEPTANCE_PROPOSED,
            actor=user,
            url=plan_link(deployment),
            title=deployment.name,
        )
    return finding


def decide_acceptance(*, finding: Finding, user, accept: bool) -> Finding:
    """An owner or a reviewer accepts the proposed risk, or declines it (back to undecided)."""
    with transaction.atomic():
        deployment = _locked(finding.deployment_id)
        role = _role(deployment.team_id, user)
        if not can_accept(role):
            raise PermissionDenied("Only an owner or a reviewer of the team accepts a risk.")
        current = Finding.objects.select_for_update().get(pk=finding.pk)
        if not current.is_proposed:
            raise Refused(None, "No acceptance of this finding is waiting for a decision.")
        if current.proposed_by_id == user.pk:
            raise Refused(
                None,
                "You proposed this acceptance: another owner or reviewer must decide it "
                "(segregation of duties).",
            )
        if current.is_expired:
            raise Refused(None, "This proposal's expiry date has passed: propose it again.")
        proposer = current.proposed_by_id
        if accept:
            current.accepted_by = user
            current.accepted_by_name = user.get_username()
            current.accepted_role = role
            current.accepted_at = timezone.now()
        else:
            _clear_acceptance(current)
            current.treatment = Treatment.UNDECIDED
        _save(current, user)
        notify(
            [proposer] if proposer else [],
            kind=Kind.ACCEPTANCE_DECIDED,
            actor=user,
            url=plan_link(deployment),
            title=deployment.name,
        )
    return current


def expire_acceptances(today: date | None = None) -> list[Finding]:
    """Acceptances past their expiry date become undecided (daily); an accepted one is
    flagged with its date (`lapsed_on`)."""
    today = today or timezone.localdate()
    lapsed = []
    with transaction.atomic():
        for finding in Finding.objects.select_for_update().filter(
            treatment=Treatment.ACCEPT, expires_on__lt=today
        ):
            # Only an accepted risk is flagged as lapsed; a proposal nobody accepted
            # in time is simply undecided again.
            flagged = finding.expires_on if finding.accepted_at else finding.lapsed_on
            _clear_acceptance(finding)
            finding.treatment = Treatment.UNDECIDED
            finding.lapsed_on = flagged
            _save(finding, None)
            lapsed.append(finding)
    return lapsed


# Actions -------------------------------------------------------------------------


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
    keys = _check_keys(item_keys, findings)
    if due_on < timezone.localdate():
        raise Refused("due_on", "The due date cannot be in the past.")
    with transaction.atomic():
        deployment = _locked(deployment_id)
        _require_planner(deployment.team_id, user)
        _check_action(
            title=title, description=description, owner=owner, due_on=due_on,
            team_id=deployment.team_id, evidence=evidence, deployment_id=deployment.pk,
        )  # fmt: skip
        rows = [_finding(deployment, key) for key in keys]
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
                _clear_acceptance(finding)
                finding.treatment = Treatment.MITIGATE
                finding.lapsed_on = None
                _save(finding, user)
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
        deployment = _locked(action.deployment_id)
        _require_planner(deployment.team_id, user)
        current = Action.objects.select_for_update().get(pk=action.pk)
        kept = {f.item_key for f in current.findings.all()}
        # A finding this action already addresses may have been answered since.
        _check_keys(keys, set(findings) | kept)
        if due_on != current.due_on and due_on < timezone.localdate():
            raise Refused("due_on", "The due date cannot be in the past.")
        _check_action(
            title=title, description=description, owner=owner, due_on=due_on,
            team_id=deployment.team_id, evidence=evidence, deployment_id=deployment.pk,
        )  # fmt: skip
        rows = [_finding(deployment, key) for key in keys]
        for finding in rows:
            if finding.item_key not in kept and finding.treatment == Treatment.ACCEPT:
                raise Refused("items", f"The risk of {finding.item_key} is accepted.")
            if finding.treatment == Treatment.UNDECIDED:
                finding.treatment = Treatment.MITIGATE
                finding.lapsed_on = None
                _save(finding, user)
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
        deployment = _locked(action.deployment_id)
        current = Action.objects.select_for_update().get(pk=action.pk)
        # Checked again under the lock: the role may have changed since the page.
        if not can_move(current, user, _role(deployment.team_id, user)):
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
