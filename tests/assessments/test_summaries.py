"""Stored summaries (assessments/summary.py): written with the change that moves them, and
checked and repaired by `manage.py summaries`."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from riskassess.assessments import services, summary
from riskassess.assessments.data import assessment_data, score_data
from riskassess.assessments.models import SUMMARY_FIELDS, Assessment
from riskassess.deployments.models import Deployment
from riskassess.deployments.review import add_months
from tests.conftest import answer_all, new_assessment, set_profile


def stored(assessment) -> dict:
    assessment.refresh_from_db()
    return {name: getattr(assessment, name) for name in SUMMARY_FIELDS}


def computed(assessment) -> dict:
    return summary.values_of(score_data(assessment_data(assessment)))


def save(assessment, user, key, option, version=0):
    return services.save_answer(
        assessment=assessment, item_key=key, option_key=option, comment="",
        expected_version=version, user=user,
    )  # fmt: skip


def test_a_new_assessment_has_its_summary_and_is_current(assessment):
    assert stored(assessment) == computed(assessment)
    assert assessment.summary_completeness == 0 and assessment.summary_score is None
    assert assessment.is_current


def test_every_answer_saved_moves_the_stored_summary(assessment, alice):
    first = assessment.checklist.items.filter(active=True).first()
    save(assessment, alice, first.key, "no")
    after_one = stored(assessment)
    assert after_one == computed(assessment) and after_one["summary_completeness"] > 0
    answer_all(assessment, alice, "no")
    after_all = stored(assessment)
    assert after_all == computed(assessment)
    assert after_all["summary_completeness"] == 1 and after_all["summary_level"]
    assert after_all != after_one


def test_the_summary_is_written_in_the_answers_transaction(assessment, alice, monkeypatch):
    """If storing the summary fails, the answer is not saved either: never one without the other."""
    item = assessment.checklist.items.filter(active=True).first()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(summary, "store", broken)
    with pytest.raises(RuntimeError):
        save(assessment, alice, item.key, "no")
    assert not assessment.answers.exists()


def test_a_conflict_changes_neither_the_answer_nor_the_summary(assessment, alice, bob):
    item = assessment.checklist.items.filter(active=True).first()
    save(assessment, alice, item.key, "no")
    before = stored(assessment)
    with pytest.raises(services.Conflict):
        save(assessment, bob, item.key, "yes", version=0)
    assert stored(assessment) == before


def test_a_profile_answer_moves_the_impact_tier(v2_assessment, alice):
    before = stored(v2_assessment)
    profile = assessment_data(v2_assessment)["profile"]
    set_profile(v2_assessment, alice, **{q["key"]: [q["options"][-1]["key"]] for q in profile})
    after = stored(v2_assessment)
    assert after == computed(v2_assessment)
    assert after["summary_tier"] and after["summary_control_level"] is not None
    assert after != before


def test_submitting_stores_the_deployments_level_and_next_review(assessment, alice):
    answer_all(assessment, alice, "no")
    services.submit(assessment=assessment, user=alice)
    revision = assessment.revisions.get()
    deployment = Deployment.objects.get(pk=assessment.deployment_id)
    assert deployment.latest_level == revision.level
    assert deployment.last_submitted_at == revision.submitted_at
    interval = deployment.review_months
    assert deployment.review_due == add_months(timezone.localdate(revision.submitted_at), interval)
    assert stored(assessment)["summary_level"] == revision.level


def test_a_new_assessment_of_a_deployment_becomes_current_and_deleting_it_gives_it_back(
    assessment, alice, team, checklist
):
    newer = services.create_assessment(
        user=alice, team=team, checklist=checklist, deployment=assessment.deployment,
        title="Again", model_name="m", base_model="b", context="c",
    )  # fmt: skip
    assessment.refresh_from_db()
    assert newer.is_current and not assessment.is_current
    services.delete_draft(assessment=newer, user=alice)
    assessment.refresh_from_db()
    assert assessment.is_current


def test_the_command_finds_repairs_and_then_confirms(assessment, alice, capsys):
    answer_all(assessment, alice, "no")
    services.submit(assessment=assessment, user=alice)
    call_command("summaries", "--verify")
    assert "every stored summary is right" in capsys.readouterr().out

    Assessment.objects.filter(pk=assessment.pk).update(summary_score=1.0, is_current=False)
    Deployment.objects.filter(pk=assessment.deployment_id).update(
        latest_level="low", review_due=timezone.localdate() - timedelta(days=400)
    )
    with pytest.raises(CommandError, match="4 stored values differ"):
        call_command("summaries", "--verify")
    out = capsys.readouterr().out
    assert "summary_score stored 1.0" in out and "is_current stored False" in out
    assert "latest_level stored 'low'" in out and "review_due stored" in out
    # --verify changed nothing.
    assert Assessment.objects.get(pk=assessment.pk).summary_score == 1.0

    call_command("summaries")
    assert "corrected 4 stored values" in capsys.readouterr().out
    call_command("summaries", "--verify")
    assert stored(assessment) == computed(assessment)


def test_summaries_never_stored_are_filled_after_an_upgrade(alice, team, checklist):
    drafts = [new_assessment(alice, team, checklist, title=f"Draft {n}") for n in range(3)]
    answer_all(drafts[0], alice, "no")
    Assessment.objects.update(summary_completeness=None, summary_score=None, summary_level="")
    assert summary.fill_missing(batch=2) == 3
    for draft in drafts:
        assert stored(draft) == computed(draft)
    assert summary.fill_missing() == 0
