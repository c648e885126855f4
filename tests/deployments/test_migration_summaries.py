"""The upgrade to stored summaries, with data, on a real database (SQLite and PostgreSQL in CI).

assessments 0010 marks each deployment's newest assessment current and stores
each deployment's latest level, submission time and next review date from its
revisions; the assessments' scores are stored after `migrate` (post_migrate:
summary.fill_missing), by today's scoring. Nothing anyone entered changes.
"""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from riskassess.assessments import summary
from riskassess.assessments.data import assessment_data, score_data
from riskassess.assessments.models import SUMMARY_FIELDS
from riskassess.assessments.models import Assessment as LiveAssessment
from riskassess.deployments.review import add_months
from tests.conftest import answer_all, new_assessment

pytestmark = pytest.mark.django_db(transaction=True)

# accounts too: its later migrations add Team columns the models of that time do not know.
BEFORE = [
    ("assessments", "0009_event_reassessed"),
    ("deployments", "0001_initial"),
    ("accounts", "0004_team_review_months"),
]
AFTER = [("assessments", "0010_stored_summaries")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def latest():
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture(autouse=True)
def back_to_latest():
    yield
    latest()


def test_the_newest_assessment_is_current_and_deployments_keep_their_latest_revision():
    apps = migrate(BEFORE)
    Team = apps.get_model("accounts", "Team")
    Checklist = apps.get_model("checklist", "Checklist")
    Deployment = apps.get_model("deployments", "Deployment")
    BaseModel = apps.get_model("deployments", "BaseModel")
    Assessment = apps.get_model("assessments", "Assessment")
    Revision = apps.get_model("assessments", "Revision")

    team = Team.objects.create(name="Alpha")
    checklist = Checklist.objects.create(slug="c", name="C", status="published")
    newer = BaseModel.objects.create(provider="Meta", name="Llama 3.1")
    older = BaseModel.objects.create(provider="Meta", name="Llama 3", superseded_by=newer)
    reviewed = Deployment.objects.create(
        team=team, name="Reviewed", model_name="m", review_months=6
    )
    never = Deployment.objects.create(team=team, name="Never", model_name="m")
    retired = Deployment.objects.create(team=team, name="Old", model_name="m", lifecycle="retired")
    on_older = Deployment.objects.create(
        team=team, name="On Llama 3", model_name="m", base_model=older, review_months=60
    )

    def assessment(deployment, title, created):
        row = Assessment.objects.create(
            team=team, deployment=deployment, checklist=checklist, title=title,
            model_name="m", base_model="b", context="c",
        )  # fmt: skip
        Assessment.objects.filter(pk=row.pk).update(created_at=created)
        return row

    first = assessment(reviewed, "First", datetime(2025, 1, 1, tzinfo=UTC))
    second = assessment(reviewed, "Second", datetime(2025, 6, 1, tzinfo=UTC))
    assessment(never, "Only", datetime(2025, 2, 1, tzinfo=UTC))
    on_older_one = assessment(on_older, "On older", datetime(2025, 2, 1, tzinfo=UTC))
    for row, number, at, level in [
        (first, 1, datetime(2025, 1, 10, 12, tzinfo=UTC), "critical"),
        (second, 1, datetime(2025, 6, 10, 12, tzinfo=UTC), "medium"),
        (first, 2, datetime(2025, 3, 10, 12, tzinfo=UTC), "high"),
        (on_older_one, 1, datetime(2025, 2, 10, 12, tzinfo=UTC), "low"),
    ]:
        Revision.objects.create(
            assessment=row, number=number, submitted_by_name="alice", submitted_at=at,
            snapshot={}, report={}, fingerprint="0" * 64, level=level,
        )  # fmt: skip
    titles = {a.pk: (a.title, a.created_at) for a in Assessment.objects.all()}

    apps = migrate(AFTER)
    Assessment = apps.get_model("assessments", "Assessment")
    Deployment = apps.get_model("deployments", "Deployment")
    BaseModel = apps.get_model("deployments", "BaseModel")
    current = set(Assessment.objects.filter(is_current=True).values_list("title", flat=True))
    assert current == {"Second", "Only", "On older"}
    assert {a.pk: (a.title, a.created_at) for a in Assessment.objects.all()} == titles

    row = Deployment.objects.get(pk=reviewed.pk)
    # The latest by submission time: second's, though first has a higher number.
    assert (row.latest_level, row.level_rank) == ("medium", 2)
    assert row.last_submitted_at == datetime(2025, 6, 10, 12, tzinfo=UTC)
    assert row.review_due == add_months(date(2025, 6, 10), 6)
    row = Deployment.objects.get(pk=never.pk)
    assert (row.latest_level, row.level_rank, row.last_submitted_at) == ("", 0, None)
    assert row.review_due == timezone.localdate(row.created_at)  # due since it was made
    assert Deployment.objects.get(pk=retired.pk).review_due is None
    # A supersession with no day gets one, and brings the review forward to it.
    superseded_on = BaseModel.objects.get(pk=older.pk).superseded_at
    assert superseded_on is not None
    assert Deployment.objects.get(pk=on_older.pk).review_due == superseded_on


def test_scores_are_stored_after_migrate_and_it_migrates_back(alice, team, checklist):
    draft = new_assessment(alice, team, checklist)
    answer_all(draft, alice, "no")
    other = new_assessment(alice, team, checklist, title="Other")
    apps = migrate(BEFORE)
    assert apps.get_model("assessments", "Assessment").objects.count() == 2
    latest()
    assert LiveAssessment.objects.filter(summary_completeness__isnull=True).count() == 2
    assert summary.fill_missing() == 2  # what post_migrate runs after `migrate`
    for row in (draft, other):
        row.refresh_from_db()
        expected = summary.values_of(score_data(assessment_data(row)))
        assert {name: getattr(row, name) for name in SUMMARY_FIELDS} == expected
    assert LiveAssessment.objects.get(pk=draft.pk).is_current
    assert LiveAssessment.objects.get(pk=other.pk).is_current  # each its own deployment
    assert draft.answers.count() == len(
        [i for i in assessment_data(draft)["items"] if i["answer"] is not None]
    )


def test_migrate_runs_the_fill_for_real(alice, team, checklist, capsys):
    """`manage.py migrate` at the latest schema stores what is missing (post_migrate)."""
    from django.core.management import call_command

    draft = new_assessment(alice, team, checklist)
    LiveAssessment.objects.filter(pk=draft.pk).update(summary_completeness=None)
    call_command("migrate", verbosity=1)
    draft.refresh_from_db()
    assert draft.summary_completeness == 0.0
    assert "Stored the summaries of 1 assessments" in capsys.readouterr().out
