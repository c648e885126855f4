"""Rounds: a final submission or an approval keeps the live threads with its revision,
and an approval waits for the reviewer's threads to be resolved."""

import pytest

from riskassess.assessments import services as assessment_services
from riskassess.assessments import workflow
from riskassess.assessments.models import Assessment, Status
from riskassess.assessments.signals import assessment_transitioned
from riskassess.discussion import services
from riskassess.discussion.models import Thread
from riskassess.discussion.receivers import open_review_refusal
from tests.discussion.conftest import approve, request_changes, submit, thread


def kept(assessment) -> dict:
    return dict(Thread.objects.filter(assessment=assessment).values_list("pk", "revision__number"))


def test_a_final_submission_keeps_the_live_threads_with_its_revision(
    answered, alice, bob, django_capture_on_commit_callbacks
):
    first, second = thread(answered, bob), thread(answered, alice)
    services.resolve(thread=second, user=bob)
    with django_capture_on_commit_callbacks(execute=True):
        submit(answered, alice)
    assert kept(answered) == {first.pk: 1, second.pk: 1}
    assert first.history.latest().history_change_reason == "Kept with revision 1"

    assessment_services.reopen(assessment=answered, user=alice)
    newer = thread(answered, bob)
    with django_capture_on_commit_callbacks(execute=True):
        submit(answered, alice)
    assert kept(answered) == {first.pk: 1, second.pk: 1, newer.pk: 2}


def test_a_review_round_runs_until_the_approval(
    reviewed_team, answered, alice, rita, django_capture_on_commit_callbacks
):
    early = thread(answered, rita)
    with django_capture_on_commit_callbacks(execute=True):
        in_review = submit(answered, alice)
        services.resolve(thread=early, user=rita)
        asked = thread(in_review, rita, "Which benchmark?")
        request_changes(in_review, rita)
    assert kept(answered) == {early.pk: None, asked.pk: None}  # still live: the round goes on

    services.resolve(thread=asked, user=rita)
    with django_capture_on_commit_callbacks(execute=True):
        approve(submit(answered, alice), rita)
    assert kept(answered) == {early.pk: 2, asked.pk: 2}  # the approved revision


def test_the_receiver_stamps_the_revision_the_signal_names(answered, alice, bob):
    t = thread(answered, bob)
    done = workflow.transition(answered, "submit", user=alice, attested=True)
    revision = done.revisions.get()
    assessment_transitioned.send(
        sender=Assessment, assessment_id=answered.pk, transition="submit", user=alice,
        revision_id=revision.pk,
    )  # fmt: skip
    t.refresh_from_db()
    assert t.revision == revision


@pytest.mark.parametrize("move", ["reopen", "archive", "restore", "request_changes", "withdraw"])
def test_other_moves_leave_the_threads_live(assessment, bob, alice, move):
    t = thread(assessment, bob)
    assessment_transitioned.send(
        sender=Assessment, assessment_id=assessment.pk, transition=move, user=alice,
        revision_id=None,
    )  # fmt: skip
    t.refresh_from_db()
    assert t.revision is None


def test_a_failure_to_stamp_is_logged_not_raised(assessment, alice, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "close_round", broken)
    assessment_transitioned.send(
        sender=Assessment, assessment_id=assessment.pk, transition="submit", user=alice,
        revision_id=None,
    )  # fmt: skip
    assert "Could not keep" in caplog.text


def test_deleting_a_draft_deletes_its_threads(
    assessment, alice, bob, django_capture_on_commit_callbacks
):
    thread(assessment, bob)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(assessment, "delete", user=alice)
    assert not Thread.objects.exists()


def test_open_review_threads_hold_up_the_approval(reviewed_team, answered, alice, bob, rita):
    in_review = submit(answered, alice)
    asked = [thread(in_review, rita, f"Question {n}") for n in range(2)]
    thread(in_review, bob, "An editor's note does not block")
    with pytest.raises(workflow.NotReady, match="2 review threads are still open: resolve them"):
        approve(in_review, rita)
    services.resolve(thread=asked[0], user=rita)
    with pytest.raises(workflow.NotReady, match="1 review thread is still open: resolve it"):
        approve(in_review, rita)
    services.resolve(thread=asked[1], user=rita)
    assert approve(in_review, rita).status == Status.APPROVED


def test_the_check_says_nothing_about_other_moves(reviewed_team, answered, alice, rita):
    thread(answered, rita)
    assert submit(answered, alice).status == Status.IN_REVIEW
    assert workflow.obstacles(answered, "withdraw", alice) == []


def test_the_refusal_reads_as_a_sentence():
    assert open_review_refusal(0) is None
    assert open_review_refusal(1) == "1 review thread is still open: resolve it first."
    assert open_review_refusal(3) == "3 review threads are still open: resolve them first."
