"""save_answer, submit and reopen: one row per item, optimistic concurrency, locking."""

import pytest

from riskassess.assessments import services
from riskassess.assessments.data import assessment_data
from riskassess.assessments.models import Answer, Event, Status
from riskassess.checklist.models import Item


def save(assessment, user, option, comment="", version=0, key="INQ-01"):
    return services.save_answer(
        assessment=assessment,
        item_key=key,
        option_key=option,
        comment=comment,
        expected_version=version,
        user=user,
    )


def stored(assessment, key="INQ-01"):
    answer = Answer.objects.get(assessment=assessment, item__key=key)
    return answer.option.key if answer.option else None, answer.comment, answer.version


def answer_all(assessment, user):
    for item in assessment_data(assessment)["items"]:
        save(assessment, user, item["options"][0]["key"], key=item["key"])


def test_it_keeps_one_row_per_item_and_counts_versions(assessment, bob):
    save(assessment, bob, "no")
    result = save(assessment, bob, "yes", "Fixed", version=1)
    assert result.changed and result.answer["version"] == 2
    assert Answer.objects.filter(assessment=assessment).count() == 1
    assert stored(assessment) == ("yes", "Fixed", 2)


def test_saving_the_same_values_changes_nothing(assessment, bob):
    save(assessment, bob, "yes", "Read")
    before = Answer.objects.get(assessment=assessment).updated_at
    result = save(assessment, bob, "yes", "Read", version=1)
    assert not result.changed
    assert Answer.objects.get(assessment=assessment).updated_at == before
    assert stored(assessment) == ("yes", "Read", 1)


def test_it_records_who_saved(assessment, bob):
    result = save(assessment, bob, "yes")
    assert result.answer["answered_by"] == "bob"
    assert Answer.objects.get(assessment=assessment).updated_by == bob


def test_the_second_of_two_concurrent_writers_gets_a_conflict(assessment, alice, bob):
    save(assessment, bob, "partly")
    # Both loaded version 1; alice saves first.
    save(assessment, alice, "no", "Alice view", version=1)
    with pytest.raises(services.Conflict) as caught:
        save(assessment, bob, "yes", "Bob view", version=1)
    assert caught.value.current["option"] == "no"
    assert caught.value.current["comment"] == "Alice view"
    assert caught.value.current["answered_by"] == "alice"
    assert stored(assessment) == ("no", "Alice view", 2)


def test_two_first_answers_conflict_too(assessment, alice, bob):
    save(assessment, alice, "no")
    with pytest.raises(services.Conflict):
        save(assessment, bob, "yes", version=0)
    assert stored(assessment) == ("no", "", 1)


def test_a_first_answer_that_loses_the_insert_race_gets_a_conflict(
    assessment, alice, bob, monkeypatch
):
    save(assessment, alice, "no")
    # bob's save looked before alice's row existed: it tries to insert a second row.
    monkeypatch.setattr(Answer.objects, "select_for_update", lambda **kw: Answer.objects.none())
    with pytest.raises(services.Conflict) as caught:
        save(assessment, bob, "yes", version=0)
    assert caught.value.current["option"] == "no"
    monkeypatch.undo()
    assert stored(assessment) == ("no", "", 1)


def test_agreeing_writers_do_not_conflict(assessment, alice, bob):
    save(assessment, alice, "yes")
    result = save(assessment, bob, "yes", version=0)
    assert not result.changed
    assert stored(assessment) == ("yes", "", 1)


@pytest.mark.parametrize(
    ("option", "comment", "field"),
    [
        ("maybe", "", "option"),
        ("na", "", "comment"),
        ("no", "x" * 10_001, "comment"),
        ("no", "a\x00b", "comment"),
        ("no", "a\udc80b", "comment"),
    ],
    ids=["unknown-option", "na-without-reason", "too-long", "nul", "lone-surrogate"],
)
def test_a_refused_answer_leaves_the_previous_one(assessment, bob, option, comment, field):
    save(assessment, bob, "yes", "Read")
    with pytest.raises(services.AnswerError) as caught:
        save(assessment, bob, option, comment, version=1)
    assert caught.value.field == field
    assert stored(assessment) == ("yes", "Read", 1)


def test_it_refuses_an_item_of_another_checklist(assessment, bob):
    with pytest.raises(services.AnswerError) as caught:
        save(assessment, bob, "yes", key="OTH-01")
    assert caught.value.field == "item"
    assert not Answer.objects.exists()


def test_a_retired_item_cannot_get_a_first_answer(assessment, bob):
    Item.objects.filter(key="INQ-01").update(active=False)
    with pytest.raises(services.AnswerError):
        save(assessment, bob, "yes")
    assert not Answer.objects.exists()


def test_submitting_needs_every_required_answer(assessment, alice):
    save(assessment, alice, "yes")
    with pytest.raises(services.NotReady, match="still unanswered"):
        services.submit(assessment=assessment, user=alice)
    assessment.refresh_from_db()
    assert assessment.status == Status.DRAFT


def test_submitting_freezes_the_answers(assessment, alice):
    answer_all(assessment, alice)
    services.submit(assessment=assessment, user=alice)
    assessment.refresh_from_db()
    assert assessment.status == Status.SUBMITTED and assessment.submitted_at
    assert assessment.snapshot["items"][0]["answer"] == "yes"
    assert Event.objects.filter(assessment=assessment, kind=Event.Kind.SUBMITTED).exists()


def test_a_submitted_assessment_refuses_answers(assessment, alice):
    answer_all(assessment, alice)
    services.submit(assessment=assessment, user=alice)
    with pytest.raises(services.Locked):
        save(assessment, alice, "no", version=1)
    assert stored(assessment) == ("yes", "", 1)


def test_reopening_allows_answers_again(assessment, alice):
    answer_all(assessment, alice)
    services.submit(assessment=assessment, user=alice)
    services.reopen(assessment=assessment, user=alice, note="Scope changed")
    assessment.refresh_from_db()
    assert assessment.status == Status.DRAFT and assessment.snapshot is None
    assert save(assessment, alice, "no", version=1).changed
    assert (
        Event.objects.get(assessment=assessment, kind=Event.Kind.REOPENED).note == "Scope changed"
    )


def test_only_a_submitted_assessment_can_be_reopened(assessment, alice):
    with pytest.raises(services.NotAllowed, match="cannot be reopened: it is a draft"):
        services.reopen(assessment=assessment, user=alice)
