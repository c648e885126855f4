"""Deciding a finding's treatment and accepting a risk (rules.py says who may).

Nothing here changes an answer or a score.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from riskassess.accounts.models import Membership, Team
from riskassess.actions.models import TEXT_MAX, Action, Finding, Treatment
from riskassess.actions.rules import (
    ACCEPTING_ROLES,
    Refused,
    can_accept,
    check_keys,
    clear_acceptance,
    finding_row,
    locked_deployment,
    plan_link,
    require_planner,
    role_in,
    save_finding,
)
from riskassess.deployments.review import add_months
from riskassess.notifications.models import Kind
from riskassess.notifications.services import notify


def decide(*, deployment_id, item_key: str, treatment: str, user, findings) -> Finding:
    """Set a finding undecided or to be mitigated (accepting goes through propose_acceptance).

    `findings`: the keys of the assessment's findings, which the item must be one of.
    """
    if treatment not in (Treatment.UNDECIDED, Treatment.MITIGATE):
        raise Refused("treatment", "Choose undecided or mitigate; a risk is accepted by proposal.")
    check_keys([item_key], findings)
    with transaction.atomic():
        deployment = locked_deployment(deployment_id)
        require_planner(deployment.team_id, user)
        finding = finding_row(deployment, item_key, user)
        if finding.treatment != treatment or finding.lapsed_on:
            clear_acceptance(finding)
            finding.treatment = treatment
            finding.lapsed_on = None
            save_finding(finding, user)
    return finding


def latest_expiry(team: Team, today: date | None = None) -> date:
    return add_months(today or timezone.localdate(), team.acceptance_months)


def propose_acceptance(
    *, deployment_id, item_key: str, justification: str, expires_on: date, user, findings
) -> Finding:
    """An editor proposes to accept the risk; an owner or a reviewer then accepts it."""
    check_keys([item_key], findings)
    justification = justification.strip()
    if not justification:
        raise Refused("justification", "Say why this risk can be accepted.")
    if len(justification) > TEXT_MAX:
        raise Refused("justification", f"The justification is longer than {TEXT_MAX} characters.")
    today = timezone.localdate()
    with transaction.atomic():
        deployment = locked_deployment(deployment_id)
        require_planner(deployment.team_id, user)
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
        finding = finding_row(deployment, item_key, user)
        if Action.objects.active().filter(findings=finding).exists():
            raise Refused(None, "This finding has open actions: close or cancel them first.")
        clear_acceptance(finding)
        finding.treatment = Treatment.ACCEPT
        finding.justification = justification
        finding.expires_on = expires_on
        finding.proposed_by = user
        finding.proposed_by_name = user.get_username()
        finding.proposed_at = timezone.now()
        finding.lapsed_on = None
        save_finding(finding, user)
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
        deployment = locked_deployment(finding.deployment_id)
        role = role_in(deployment.team_id, user)
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
            clear_acceptance(current)
            current.treatment = Treatment.UNDECIDED
        save_finding(current, user)
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
            clear_acceptance(finding)
            finding.treatment = Treatment.UNDECIDED
            finding.lapsed_on = flagged
            save_finding(finding, None)
            lapsed.append(finding)
    return lapsed
