"""The upgrade to revisions, run with data on a real database (SQLite and PostgreSQL in CI).

Before it, a submission kept its data in its "submitted" Event and the report
was built on demand. After it, each submission is a Revision whose report is
the one printed then: the current submission's fingerprint is the one its PDF
showed, and nothing anyone entered is lost.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from riskassess.assessments.reportdata import report_from_data

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("assessments", "0003_revisions")
AFTER = ("assessments", "0004_revisions_from_submissions")


# Apps built on the assessments' latest tables: taken out while assessments go back.
ABOVE = {"evidence", "discussion", "notifications", "work", "actions"}


def migrate(target):
    """Every app at its latest migration but assessments, which goes to `target`, and
    the apps built on them (ABOVE), which go back to before their first migration."""
    executor = MigrationExecutor(connection)
    targets = [
        node
        for node in executor.loader.graph.leaf_nodes()
        if node[0] != "assessments" and node[0] not in ABOVE
    ]
    targets += [(app, None) for app in sorted(ABOVE)]
    targets.append(target)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def option(key: str, risk: float) -> dict:
    return {"key": key, "label": key.title(), "risk": risk, "not_applicable": False}


def data_with(answer: str) -> dict:
    """Assessment data as a submission kept it (assessments/data.py), one item."""
    return {
        "checklist": {
            "id": 1, "slug": "c", "version": 1, "name": "C", "source": "",
            "thresholds": {"medium": 25, "high": 50, "critical": 75},
        },
        "categories": [
            {"key": "inequity", "name": "Inequity", "reference": "", "description": "", "weight": 1}
        ],
        "items": [
            {
                "key": "INQ-01", "category": "inequity", "question": "Evaluated?",
                "guidance": "", "mitigation": "Evaluate.", "reference": "§5.1", "weight": 3,
                "critical": False, "required": True,
                "options": [option("yes", 0), option("no", 1)],
                "answer": answer, "comment": f"said {answer}", "version": 1,
                "answered_by": "alice", "answered_at": "2026-01-01T10:00:00+00:00",
            }
        ],
    }  # fmt: skip


def details(assessment, title, submitted_at) -> dict:
    return {
        "id": str(assessment.pk),
        "title": title,
        "model": assessment.model_name,
        "base_model": assessment.base_model,
        "context": assessment.context,
        "team": "Alpha",
        "status": "submitted",
        "created_at": assessment.created_at.isoformat(),
        "submitted_at": submitted_at.isoformat(),
    }


def rows(events):
    return [
        {"kind": e.kind, "user": e.username, "at": e.at.isoformat(), "note": e.note} for e in events
    ]


@pytest.fixture
def legacy():
    """The database as the previous release left it: submitted, reopened, renamed, resubmitted."""
    apps = migrate(BEFORE)
    User = apps.get_model("accounts", "User")
    Team = apps.get_model("accounts", "Team")
    Checklist = apps.get_model("checklist", "Checklist")
    Assessment = apps.get_model("assessments", "Assessment")
    HistoricalAssessment = apps.get_model("assessments", "HistoricalAssessment")
    Event = apps.get_model("assessments", "Event")

    alice = User.objects.create(username="alice")
    team = Team.objects.create(name="Alpha")
    checklist = Checklist.objects.create(slug="c", name="C", status="published")
    t0 = timezone.now() - timedelta(days=30)
    first, second = data_with("no"), data_with("yes")
    assessment = Assessment.objects.create(
        team=team, checklist=checklist, title="Old title", model_name="m", base_model="b",
        context="ctx", status="submitted", snapshot=second, submitted_at=t0 + timedelta(days=20),
    )  # fmt: skip
    draft = Assessment.objects.create(
        team=team, checklist=checklist, title="Never submitted", model_name="m",
        base_model="b", context="ctx",
    )  # fmt: skip

    def event(kind, days, data=None, note=""):
        return Event.objects.create(
            assessment=assessment, kind=kind, user=alice, username="alice",
            at=t0 + timedelta(days=days), data=data, note=note,
        )  # fmt: skip

    def history(title, status, days, submitted_at=None):
        HistoricalAssessment.objects.create(
            id=assessment.pk, team_id=team.pk, checklist_id=checklist.pk, title=title,
            model_name="m", base_model="b", context="ctx", status=status,
            created_at=assessment.created_at, submitted_at=submitted_at,
            history_date=t0 + timedelta(days=days), history_type="~", history_user=alice,
        )  # fmt: skip

    event("created", 0)
    history("Old title", "submitted", 9.9, submitted_at=t0 + timedelta(days=9.9))
    event("submitted", 10, data=first)
    event("reopened", 15, note="scope changed")
    history("Old title", "draft", 15)
    history("New title", "draft", 16)
    Assessment.objects.filter(pk=assessment.pk).update(title="New title")
    history("New title", "submitted", 20, submitted_at=assessment.submitted_at)
    event("submitted", 20, data=second)
    assessment.refresh_from_db()
    events = list(Event.objects.filter(assessment=assessment).order_by("at", "pk"))
    # What the previous release printed: the report built on demand from the
    # assessment, with every event, for the current submission; and for the first
    # one, the report as it stood that day.
    printed_now = report_from_data(
        second, details(assessment, "New title", assessment.submitted_at), events=rows(events)
    )["fingerprint"]
    printed_then = report_from_data(
        first, details(assessment, "Old title", t0 + timedelta(days=9.9)), events=rows(events[:2])
    )["fingerprint"]
    yield {
        "assessment": assessment.pk, "draft": draft.pk, "printed_now": printed_now,
        "printed_then": printed_then, "first": first, "second": second,
    }  # fmt: skip
    # Every app at its latest migration again, as the other tests expect.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_each_submission_becomes_a_revision_that_keeps_its_printed_fingerprint(legacy):
    apps = migrate(AFTER)
    Revision = apps.get_model("assessments", "Revision")
    revisions = list(Revision.objects.filter(assessment_id=legacy["assessment"]).order_by("number"))
    assert [r.number for r in revisions] == [1, 2]
    assert [r.snapshot for r in revisions] == [legacy["first"], legacy["second"]]
    assert revisions[1].fingerprint == legacy["printed_now"]
    assert revisions[0].fingerprint == legacy["printed_then"]
    assert revisions[0].report["assessment"]["title"] == "Old title"
    assert revisions[1].report["assessment"]["title"] == "New title"
    assert [r.submitted_by_name for r in revisions] == ["alice", "alice"]
    assert (revisions[0].level, revisions[1].level) == ("critical", "low")
    assert not Revision.objects.filter(assessment_id=legacy["draft"]).exists()


def test_the_events_keep_a_summary_and_reversing_gives_the_data_back(legacy):
    apps = migrate(AFTER)
    Event = apps.get_model("assessments", "Event")
    kept = [e.data for e in Event.objects.filter(kind="submitted").order_by("at")]
    assert [d["revision"] for d in kept] == [1, 2]
    assert kept[1]["fingerprint"] == legacy["printed_now"]

    apps = migrate(BEFORE)
    Event = apps.get_model("assessments", "Event")
    restored = [e.data for e in Event.objects.filter(kind="submitted").order_by("at")]
    assert restored == [legacy["first"], legacy["second"]]
