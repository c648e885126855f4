"""Every existing assessment gets a deployment: what it assessed becomes a record.

One deployment per assessment, except that assessments of one team whose
title, model and base model are exactly the same become assessments of one
deployment (the same system assessed again). The deployment takes the name
(the title), the model and the base model as typed (kept as text:
`base_model_text`; the catalogue entry is picked later, nothing is guessed),
and the context of its most recent assessment. Its owner is the user who
started the first of them, if still an owner or editor of the team. Nothing
on the assessments changes: each keeps its own copy of the details.
"""

from django.db import migrations

# The roles that may own a deployment (accounts.Role.EDITOR and OWNER, as stored).
OWNER_ROLES = ("editor", "owner")


def forwards(apps, schema_editor):
    Assessment = apps.get_model("assessments", "Assessment")
    Deployment = apps.get_model("deployments", "Deployment")
    Membership = apps.get_model("accounts", "Membership")
    Team = apps.get_model("accounts", "Team")

    members = set(
        Membership.objects.filter(role__in=OWNER_ROLES).values_list("team_id", "user_id")
    )
    review = dict(Team.objects.values_list("pk", "review_months"))
    groups: dict[tuple, list] = {}
    rows = Assessment.objects.filter(deployment__isnull=True).order_by("created_at", "pk")
    for assessment in rows.iterator():
        key = (assessment.team_id, assessment.title, assessment.model_name, assessment.base_model)
        groups.setdefault(key, []).append(assessment)
    for (team_id, title, model_name, base_model), assessments in groups.items():
        first, latest = assessments[0], assessments[-1]
        owner = first.created_by_id if (team_id, first.created_by_id) in members else None
        deployment = Deployment.objects.create(
            team_id=team_id,
            name=title,
            context=latest.context,
            model_name=model_name,
            base_model_text=base_model,
            owner_id=owner,
            lifecycle="production",
            review_months=review.get(team_id, 12),
        )
        # A bulk update: no history rows, and updated_at stays what it was.
        Assessment.objects.filter(pk__in=[a.pk for a in assessments]).update(
            deployment=deployment
        )


def backwards(apps, schema_editor):
    # The assessments keep their own details: dropping the links loses nothing.
    Assessment = apps.get_model("assessments", "Assessment")
    Deployment = apps.get_model("deployments", "Deployment")
    Assessment.objects.update(deployment=None)
    Deployment.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0006_deployment"),
        ("accounts", "0004_team_review_months"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
