"""The upgrade to action plans, run with data (SQLite and PostgreSQL in CI): existing
teams get the longest acceptance of 12 months, and nothing they had changes."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("accounts", "0005_reviewer_role"), ("actions", None)]
AFTER = [("accounts", "0006_team_acceptance_months"), ("actions", "0001_initial")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1]]).apps


@pytest.fixture(autouse=True)
def back_to_latest():
    """Leave the database as every other test expects it: all migrations applied."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_existing_teams_keep_everything_and_accept_risks_for_at_most_12_months():
    apps = migrate(BEFORE)
    Team = apps.get_model("accounts", "Team")
    kept = Team.objects.create(
        name="Existing", attestation="We checked.", review_months=6, review_required=True
    )
    apps = migrate(AFTER)
    Team = apps.get_model("accounts", "Team")
    team = Team.objects.get(pk=kept.pk)
    assert team.acceptance_months == 12
    assert (team.name, team.attestation, team.review_months, team.review_required) == (
        "Existing", "We checked.", 6, True,
    )  # fmt: skip
    Finding = apps.get_model("actions", "Finding")
    assert Finding.objects.count() == 0
