"""Stored summaries (assessments/summary.py): which assessment is each deployment's
current one, and each deployment's latest level, submission time and review date.

Filled here from the records, with these migrations' own models and the pure
review.py. The assessments' scoring summaries need the scoring code, which
follows the models of its day, not of this migration: they are left empty
(completeness None) and filled after `migrate` by summary.fill_missing, run on
post_migrate (apps.py); `manage.py summaries` recomputes them all.
"""

from django.conf import settings
from django.db import migrations, models


LEVEL_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}


def fill(apps, schema_editor):
    from django.utils import timezone

    from riskassess.deployments.review import next_review

    Assessment = apps.get_model("assessments", "Assessment")
    Revision = apps.get_model("assessments", "Revision")
    Deployment = apps.get_model("deployments", "Deployment")
    newest = {}
    for pk, deployment_id in Assessment.objects.order_by("created_at", "pk").values_list(
        "pk", "deployment_id"
    ):
        newest[deployment_id] = pk  # the last one wins
    Assessment.objects.filter(pk__in=list(newest.values())).update(is_current=True)

    latest = {}
    for deployment_id, level, at in Revision.objects.order_by("submitted_at", "pk").values_list(
        "assessment__deployment_id", "level", "submitted_at"
    ):
        latest[deployment_id] = (level, at)
    today = timezone.localdate()
    for deployment in Deployment.objects.select_related("base_model__superseded_by"):
        level, at = latest.get(deployment.pk, ("", None))
        base = deployment.base_model
        superseded = None
        if base is not None and base.superseded_by_id:
            if base.superseded_at is None:
                base.superseded_at = today  # a supersession has a day from now on
                base.save(update_fields=["superseded_at"])
            superseded = ("", "", base.superseded_at)
        review = next_review(
            today=today,
            last_submitted=timezone.localdate(at) if at else None,
            review_months=deployment.review_months,
            retired=deployment.lifecycle == "retired",
            superseded=superseded,
            created=timezone.localdate(deployment.created_at),
        )
        Deployment.objects.filter(pk=deployment.pk).update(
            latest_level=level or "",
            level_rank=LEVEL_RANK.get(level or "", 0),
            last_submitted_at=at,
            review_due=review.due,
        )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_team_review_months'),
        ('assessments', '0009_event_reassessed'),
        ('checklist', '0005_requirement_history'),
        ('deployments', '0002_stored_review'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='assessment',
            name='is_current',
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name='assessment',
            name='summary_completeness',
            field=models.FloatField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='assessment',
            name='summary_control_level',
            field=models.CharField(blank=True, editable=False, max_length=10),
        ),
        migrations.AddField(
            model_name='assessment',
            name='summary_level',
            field=models.CharField(blank=True, editable=False, max_length=10),
        ),
        migrations.AddField(
            model_name='assessment',
            name='summary_provisional',
            field=models.BooleanField(default=True, editable=False),
        ),
        migrations.AddField(
            model_name='assessment',
            name='summary_score',
            field=models.FloatField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='assessment',
            name='summary_tier',
            field=models.CharField(blank=True, editable=False, max_length=100),
        ),
        migrations.AddIndex(
            model_name='assessment',
            index=models.Index(fields=['team', '-updated_at'], name='assessment_team_updated'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='assessment',
            name='is_current',
            field=models.BooleanField(default=True, editable=False),
        ),
        migrations.AddConstraint(
            model_name='assessment',
            constraint=models.UniqueConstraint(condition=models.Q(('is_current', True)), fields=('deployment',), name='one_current_assessment_per_deployment'),
        ),
    ]
