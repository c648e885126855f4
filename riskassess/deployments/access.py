"""The one access-checked getter for deployments; every view and export uses it."""

from django.db.models import F
from django.http import Http404

from riskassess.accounts.access import require_role
from riskassess.accounts.models import Role
from riskassess.deployments.models import BaseModel, Deployment


def get_deployment_for_user(user, deployment_id, needed: str = Role.VIEWER) -> Deployment:
    """The deployment with `.role` (the user's role in its team), in one query.

    Not a member of its team, or no such deployment: 404, so that nobody can
    learn which ids exist. A member whose role is weaker than `needed`: 403.
    """
    if not user.is_authenticated:
        raise Http404
    deployment = (
        Deployment.objects.select_related("team", "base_model", "owner")
        .filter(pk=deployment_id, team__memberships__user=user)
        .annotate(role=F("team__memberships__role"))
        .first()
    )
    if deployment is None:
        raise Http404("No such deployment.")
    require_role(deployment.role, needed)
    return deployment


def get_base_model_for_user(user, base_model_id) -> BaseModel:
    """A catalogue entry. The catalogue is shared by every team (any member may pick an
    entry), so any signed-in user reads it; what it shows of deployments is filtered."""
    if not user.is_authenticated:
        raise Http404
    base = BaseModel.objects.select_related("superseded_by").filter(pk=base_model_id).first()
    if base is None:
        raise Http404("No such base model.")
    return base
