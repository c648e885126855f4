"""The upgrade to deployments, run with data on a real database (SQLite and PostgreSQL in CI).

Every assessment gets a deployment; assessments of one team with exactly the
same title, model and base model share one; nothing on the assessments
changes, and nothing anyone entered is lost.
"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("assessments", "0006_deployment"),
    ("deployments", "0001_initial"),
    ("accounts", "0004_team_review_months"),
]
AFTER = [("assessments", "0008_deployment_required"), ("accounts", "0004_team_review_months")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def back_to_latest():
    """Leave the database as every other test expects it: all migrations applied."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_each_assessment_gets_a_deployment_and_exact_repeats_share_one():
    apps = migrate(BEFORE)
    User = apps.get_model("accounts", "User")
    Team = apps.get_model("accounts", "Team")
    Membership = apps.get_model("accounts", "Membership")
    Checklist = apps.get_model("checklist", "Checklist")
    Assessment = apps.get_model("assessments", "Assessment")
    Answer = apps.get_model("assessments", "Answer")
    Item = apps.get_model("checklist", "Item")
    Category = apps.get_model("checklist", "Category")

    alice, gone = User.objects.create(username="alice"), User.objects.create(username="gone")
    alpha = Team.objects.create(name="Alpha", review_months=6)
    beta = Team.objects.create(name="Beta")
    Membership.objects.create(team=alpha, user=alice, role="owner")
    checklist = Checklist.objects.create(slug="c", name="C", status="published")
    category = Category.objects.create(checklist=checklist, key="inequity", name="Inequity")
    item = Item.objects.create(checklist=checklist, category=category, key="INQ-01", question="Q?")

    def assessment(team, title, model="bot 1", base="An open 70B model", context="ctx", by=alice):
        return Assessment.objects.create(
            team=team, checklist=checklist, title=title, model_name=model, base_model=base,
            context=context, created_by=by,
        )  # fmt: skip

    first = assessment(alpha, "Support bot", context="first context")
    again = assessment(alpha, "Support bot", context="latest context")  # the same system, again
    other_model = assessment(alpha, "Support bot", model="bot 2")  # a new model: its own
    other_team = assessment(beta, "Support bot", by=alice)  # alice is not in Beta
    orphan = assessment(alpha, "Triage", base="", by=gone)  # gone is no member
    Answer.objects.create(assessment=first, item=item, comment="kept as typed")
    updated = {a.pk: a.updated_at for a in Assessment.objects.all()}

    apps = migrate(AFTER)
    Assessment = apps.get_model("assessments", "Assessment")
    Deployment = apps.get_model("deployments", "Deployment")
    Answer = apps.get_model("assessments", "Answer")

    rows = {a.pk: a for a in Assessment.objects.select_related("deployment")}
    assert Deployment.objects.count() == 4
    shared = rows[first.pk].deployment
    assert rows[again.pk].deployment_id == shared.pk
    assert (shared.name, shared.model_name, shared.base_model_text) == (
        "Support bot",
        "bot 1",
        "An open 70B model",
    )
    assert shared.context == "latest context" and shared.owner_id == alice.pk
    assert shared.team_id == alpha.pk and shared.review_months == 6
    assert shared.base_model_id is None and shared.lifecycle == "production"
    assert rows[other_model.pk].deployment_id not in (shared.pk, rows[other_team.pk].deployment_id)
    assert rows[other_team.pk].deployment.team_id == beta.pk
    assert rows[other_team.pk].deployment.owner_id is None  # alice is no member of Beta
    assert rows[orphan.pk].deployment.owner_id is None
    assert rows[orphan.pk].deployment.base_model_text == ""
    # The assessments themselves are as they were: details, answers, last change.
    assert rows[first.pk].context == "first context" and rows[first.pk].title == "Support bot"
    assert {pk: a.updated_at for pk, a in rows.items()} == updated
    assert Answer.objects.get().comment == "kept as typed"


def test_it_migrates_back_without_losing_an_assessment():
    apps = migrate(BEFORE)
    Team = apps.get_model("accounts", "Team")
    Checklist = apps.get_model("checklist", "Checklist")
    Assessment = apps.get_model("assessments", "Assessment")
    team = Team.objects.create(name="Alpha")
    checklist = Checklist.objects.create(slug="c", name="C", status="published")
    Assessment.objects.create(
        team=team, checklist=checklist, title="T", model_name="m", base_model="b", context="c"
    )
    migrate(AFTER)
    apps = migrate(BEFORE)
    Assessment = apps.get_model("assessments", "Assessment")
    assert Assessment.objects.get().deployment_id is None
    assert apps.get_model("deployments", "Deployment").objects.count() == 0
