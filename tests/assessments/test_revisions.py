"""Revisions: every submission kept for good, verifiable after any later change (issue 11)."""

import dataclasses

import pytest

from riskassess.assessments import revisions, services, workflow
from riskassess.assessments.access import get_assessment_for_user
from riskassess.assessments.models import Assessment, Event, Revision, Status
from riskassess.checklist.models import Item
from riskassess.checklist.models import Status as ChecklistStatus
from riskassess.checklist.selectors import forget_frozen
from riskassess.checklist.services import load_checklist
from riskassess.reports.build import build_report, fingerprint
from tests.conftest import answer_all


def resave(assessment, user, key, option):
    version = assessment.answers.get(item__key=key).version
    services.save_answer(
        assessment=assessment, item_key=key, option_key=option, comment="",
        expected_version=version, user=user,
    )  # fmt: skip


def report_of(assessment, user, revision=None):
    return build_report(get_assessment_for_user(user, assessment.pk), revision=revision)


@pytest.fixture
def submitted(assessment, alice):
    answer_all(assessment, alice, "partly")
    return services.submit(assessment=assessment, user=alice)


def test_submitting_makes_revision_one_with_its_report_and_fingerprint(submitted, alice):
    revision = Revision.objects.get(assessment=submitted)
    report = report_of(submitted, alice)
    assert revision.number == 1 and revision.submitted_by_name == "alice"
    assert report["fingerprint"] == revision.fingerprint == fingerprint(report)
    assert report["revision"] == {"number": 1, "submitted_by": "alice", "attestation": ""}
    assert report["record"] == {
        "revision": 1, "revisions": 1, "current": True, "superseded_at": None,
        "review": {"status": "not_requested"},
    }  # fmt: skip
    assert (revision.score, revision.level) == (report["overall"]["score"], "high")
    event = Event.objects.get(assessment=submitted, kind=Event.Kind.SUBMITTED)
    assert event.data == {
        "revision": 1, "score": revision.score, "level": "high", "fingerprint": revision.fingerprint
    }  # fmt: skip
    assert event.at == revision.submitted_at


def test_the_submitted_report_survives_a_reopening_a_checklist_edit_and_a_resubmission(
    submitted, alice
):
    """The reproduced defect: reopen, edit the checklist, and the submitted report was gone."""
    first = report_of(submitted, alice)
    services.reopen(assessment=submitted, user=alice, note="scope changed")
    # A staff edit of the version's item, below the admin's published-version rule.
    Item.objects.filter(checklist=submitted.checklist, key="INQ-01").update(
        weight=5, question="Reworded"
    )
    # The server keeps published versions in memory (they cannot change through the
    # app): a raw edit is seen after a restart, which this stands for.
    forget_frozen()
    resave(submitted, alice, "INQ-01", "yes")
    services.submit(assessment=submitted, user=alice)

    one = Revision.objects.get(assessment=submitted, number=1)
    again = report_of(submitted, alice, revision=one)
    assert {k: v for k, v in again.items() if k not in ("generated_at", "record")} == {
        k: v for k, v in first.items() if k not in ("generated_at", "record")
    }
    assert fingerprint(again) == first["fingerprint"]
    assert again["record"]["revisions"] == 2 and not again["record"]["current"]
    assert again["record"]["superseded_at"] == (
        Revision.objects.get(assessment=submitted, number=2).submitted_at.isoformat()
    )
    latest = report_of(submitted, alice)
    assert latest["revision"]["number"] == 2 and latest["fingerprint"] != first["fingerprint"]
    assert latest["items"][0]["question"] == "Reworded"


def test_a_revision_cannot_be_changed_or_its_assessment_deleted(submitted):
    revision = Revision.objects.get(assessment=submitted)
    revision.score = 0
    with pytest.raises(ValueError, match="immutable"):
        revision.save()
    with pytest.raises(services.NotAllowed, match="cannot be deleted: it is submitted"):
        services.delete_draft(assessment=submitted, user=submitted.created_by)
    services.reopen(assessment=submitted, user=submitted.created_by)
    with pytest.raises(services.NotAllowed, match="archive it instead"):
        services.delete_draft(assessment=submitted, user=submitted.created_by)
    assert Assessment.objects.filter(pk=submitted.pk).exists()


def test_the_team_statement_must_be_confirmed_and_is_recorded(assessment, alice, team):
    team.attestation = "I confirm these answers are accurate to the best of my knowledge."
    team.save()
    answer_all(assessment, alice, "partly")
    with pytest.raises(services.NotReady, match="Confirm the statement"):
        services.submit(assessment=assessment, user=alice)
    services.submit(assessment=assessment, user=alice, attested=True)
    revision = Revision.objects.get(assessment=assessment)
    assert revision.attestation == team.attestation
    assert report_of(assessment, alice)["revision"]["attestation"] == team.attestation
    # A later change of the statement changes no record.
    team.attestation = "Something else"
    team.save()
    assert Revision.objects.get(pk=revision.pk).attestation.startswith("I confirm")


def test_only_owners_may_submit_even_through_the_service(assessment, alice, bob):
    answer_all(assessment, alice, "partly")
    with pytest.raises(services.NotPermitted):
        services.submit(assessment=assessment, user=bob)
    assert not Revision.objects.exists()


def test_archiving_hides_and_locks_restoring_brings_back(submitted, alice):
    services.archive(assessment=submitted, user=alice, note="replaced by v2 deployment")
    archived = Assessment.objects.get(pk=submitted.pk)
    assert archived.archived_at and archived.status == Status.SUBMITTED
    assert archived.state.archived and not archived.is_editable
    with pytest.raises(services.NotAllowed, match="archived; restore it first"):
        services.reopen(assessment=archived, user=alice)
    services.restore(assessment=archived, user=alice)
    assert Assessment.objects.get(pk=submitted.pk).archived_at is None
    kinds = list(Event.objects.filter(assessment=submitted).values_list("kind", flat=True))
    assert kinds[-2:] == [Event.Kind.ARCHIVED, Event.Kind.RESTORED]


def test_a_never_submitted_draft_cannot_be_archived_but_can_be_deleted(assessment, alice):
    with pytest.raises(services.NotAllowed, match="never submitted"):
        services.archive(assessment=assessment, user=alice)
    assert services.delete_draft(assessment=assessment, user=alice) == assessment.title
    assert not Assessment.objects.filter(pk=assessment.pk).exists()


def test_an_archived_draft_refuses_answers(submitted, alice):
    services.reopen(assessment=submitted, user=alice)
    services.archive(assessment=submitted, user=alice)
    with pytest.raises(services.Locked):
        resave(submitted, alice, "INQ-01", "no")


def test_the_lifecycle_table_is_the_only_place_that_names_the_moves():
    assert set(workflow.TRANSITIONS) == {
        "submit", "submit_for_review", "approve", "request_changes", "withdraw",
        "reopen", "archive", "restore", "delete",
    }  # fmt: skip
    for move in workflow.TRANSITIONS.values():
        assert move.sources <= set(Status)
        assert move.target is None or move.target in Status


@pytest.mark.parametrize(
    "text, expected",
    [
        ("AB" * 32, "ab" * 32),
        (" ab" * 16 + "\n" + "cd" * 16, "ab" * 16 + "cd" * 16),
        ("ab cd " * 8 + "ab" * 16, "abcd" * 8 + "ab" * 16),
        ("ab" * 24, None),
        ("xyz", None),
        ("ab" * 33, None),
    ],
)
def test_a_pasted_fingerprint_is_read_as_its_hex_digits(text, expected):
    assert revisions.normalise(text) == expected


def test_matching_finds_only_the_users_teams(submitted, alice, charlie):
    printed = Revision.objects.get(assessment=submitted).fingerprint
    assert [r.assessment_id for r in revisions.matching(printed, user=alice)] == [submitted.pk]
    assert [r.number for r in revisions.matching(printed[:32], user=alice)] == [1]
    assert revisions.matching(printed, user=charlie) == []


def test_a_draft_moved_to_a_new_version_scores_the_same_for_unchanged_items(
    assessment, alice, default_spec
):
    """Published versions are immutable, so a reworded item comes in a new version."""
    answer_all(assessment, alice, "partly")
    categories = list(default_spec.categories)
    first = categories[0]
    items = list(first.items)
    items[0] = dataclasses.replace(items[0], question="A reworded first question")
    categories[0] = dataclasses.replace(first, items=items)
    v2 = load_checklist(
        dataclasses.replace(default_spec, version=2, categories=categories),
        status=ChecklistStatus.PUBLISHED,
    )[0]
    from riskassess.assessments import upgrade

    moves = upgrade.apply(assessment, target_id=v2.pk, user=alice)
    assert [row["key"] for row in moves.to_confirm] == [items[0].key]
    assert len(moves.carried) == assessment.answers.count() - 1
    moved = Assessment.objects.get(pk=assessment.pk)
    assert moved.checklist == v2
    data = report_of(moved, alice)
    first_item = next(i for i in data["items"] if i["key"] == items[0].key)
    assert first_item["answer"] is None and data["overall"]["provisional"] is (items[0].required)
    event = Event.objects.get(assessment=assessment, kind=Event.Kind.UPGRADED)
    assert event.data["to_confirm"] == [items[0].key] and event.data["to_version"] == 2
