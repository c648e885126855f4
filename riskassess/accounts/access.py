"""Membership checks shared by every app's access-checked getters."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from riskassess.accounts.models import Role, Team


def require_role(membership_role: str, needed: str) -> None:
    """Refuse (403) a member whose role is weaker than `needed`."""
    if not Role.allows(membership_role, needed):
        raise PermissionDenied(f"This needs the {Role(needed).label.lower()} role in the team.")


def get_team_for_user(user, team_id, needed: str = Role.VIEWER) -> Team:
    """The team if `user` is a member with at least `needed`.

    404 for outsiders (the team's existence is not revealed), 403 for weaker roles.
    """
    if not user.is_authenticated:
        raise Http404
    team = get_object_or_404(
        Team.objects.filter(memberships__user=user).annotate_role(user), pk=team_id
    )
    require_role(team.role, needed)
    return team
