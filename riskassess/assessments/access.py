"""The one access-checked getter for assessments; every view and export uses it."""

from django.db.models import F
from django.http import Http404

from riskassess.accounts.access import require_role
from riskassess.accounts.models import Role
from riskassess.assessments.models import Assessment


def get_assessment_for_user(user, assessment_id, needed: str = Role.VIEWER) -> Assessment:
    """The assessment with `.role` (the user's role in its team), in one query.

    Not a member of its team, or no such assessment: 404, so that nobody can
    learn which ids exist. A member whose role is weaker than `needed`: 403.
    """
    if not user.is_authenticated:
        raise Http404
    assessment = (
        Assessment.objects.select_related("team", "checklist")
        .filter(pk=assessment_id, team__memberships__user=user)
        .annotate(role=F("team__memberships__role"))
        .first()
    )
    if assessment is None:
        raise Http404("No such assessment.")
    require_role(assessment.role, needed)
    return assessment


def get_revision_for_user(user, assessment_id, number: int, needed: str = Role.VIEWER):
    """(assessment, revision) through the assessment's getter: 404 for outsiders and
    for a revision number it does not have, 403 for a weaker role."""
    assessment = get_assessment_for_user(user, assessment_id, needed)
    revision = assessment.revisions.filter(number=number).first()
    if revision is None:
        raise Http404("No such revision.")
    return assessment, revision
