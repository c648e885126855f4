"""Treatments, acceptances and actions as services, and the plan in the report."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from riskassess.actions import services
from riskassess.actions.models import Action, Finding, Status, Treatment
from riskassess.assessments import workflow
from riskassess.assessments.models import Answer
from riskassess.reports.build import build_report
from tests.actions.conftest import findings_of
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def plan(assessment, user, keys, **extra):
    return services.create_action(
        deployment_id=assessment.deployment_id,
        user=user,
        title=extra.pop("title", "Red-team the model"),
        owner=extra.pop("owner", user),
        due_on=extra.pop("due_on", timezone.localdate() + timedelta(days=30)),
        item_keys=keys,
        findings=findings_of(assessment),
        **extra,
    )


def test_every_risky_answer_is_a_finding_highest_exposure_first(answered):
    report = build_report(answered)
    keys = [t["item"] for t in report["treatments"]]
    risky = [i for i in report["items"] if i["risk"]]
    assert sorted(keys) == sorted(i["key"] for i in risky)
    exposures = [next(i["exposure"] for i in risky if i["key"] == k) for k in keys]
    assert exposures == sorted(exposures, reverse=True)
    assert {t["treatment"] for t in report["treatments"]} == {"undecided"}
    assert report["actions"] == []


def test_an_answer_without_risk_is_no_finding(assessment, alice):
    from tests.conftest import answer_all

    answer_all(assessment, alice, "yes")
    assert build_report(assessment)["treatments"] == []


def test_an_action_makes_its_findings_mitigate_and_shows_in_the_report(answered, alice, bob):
    keys = findings_of(answered)[:2]
    action = plan(answered, alice, keys, owner=bob, description="Two weeks")
    assert action.owner_name == "bob"
    report = build_report(answered)
    rows = {t["item"]: t for t in report["treatments"]}
    for key in keys:
        assert rows[key]["treatment"] == "mitigate"
        assert rows[key]["actions"] == [str(action.pk)]
    (row,) = report["actions"]
    assert row["items"] == sorted(keys)
    assert row["owner"] == "bob" and row["status"] == "open" and row["created_by"] == "alice"


def test_a_projection_assumes_open_mitigations_answered_yes(answered, alice):
    before = build_report(answered)
    assert before["projection"]["assumes"] == []
    assert before["projection"]["score"] == before["overall"]["score"]
    first = findings_of(answered)[0]
    action = plan(answered, alice, [first])
    after = build_report(answered)
    assert after["projection"]["assumes"] == [first]
    assert after["projection"]["actions"] == [str(action.pk)]
    assert after["projection"]["score"] < after["overall"]["score"]
    # The score itself never moves: the answer is still "no".
    assert after["overall"]["score"] == before["overall"]["score"]
    services.move(action=action, user=alice, role="owner", status=Status.DONE)
    done = build_report(answered)
    assert done["projection"]["assumes"] == []
    assert done["overall"]["score"] == before["overall"]["score"]
    assert Answer.objects.get(assessment=answered, item__key=first).option.key == "no"


def test_the_projection_is_not_part_of_the_fingerprint(answered, alice):
    report = build_report(answered)
    plan(answered, alice, [findings_of(answered)[0]])
    again = build_report(answered)
    assert again["projection"] != report["projection"]
    # The plan is content (it changed), the projection is not: recomputing agrees.
    from riskassess.assessments.reportdata import fingerprint

    assert fingerprint(again) == again["fingerprint"]
    assert fingerprint({**again, "projection": None}) == again["fingerprint"]


def test_due_dates_in_the_past_are_refused(answered, alice):
    with pytest.raises(services.Refused) as caught:
        plan(answered, alice, findings_of(answered)[:1], due_on=timezone.localdate() - timedelta(1))
    assert caught.value.field == "due_on"
    assert not Action.objects.exists()


def test_an_owner_outside_the_team_cannot_be_given_an_action(answered, alice, charlie):
    with pytest.raises(services.Refused) as caught:
        plan(answered, alice, findings_of(answered)[:1], owner=charlie)
    assert caught.value.field == "owner"
    assert not Action.objects.exists()


def test_only_editors_plan(answered, vera):
    with pytest.raises(PermissionDenied):
        plan(answered, vera, findings_of(answered)[:1])


def test_an_item_that_is_no_finding_is_refused(assessment, alice):
    from tests.conftest import answer_all

    answer_all(assessment, alice, "yes")
    with pytest.raises(services.Refused):
        services.create_action(
            deployment_id=assessment.deployment_id, user=alice, title="x", owner=alice,
            due_on=timezone.localdate(), item_keys=["FAIR-1"], findings=[],
        )  # fmt: skip


def test_the_owner_moves_the_status_a_viewer_who_is_not_owner_cannot(answered, alice, bob, vera):
    action = plan(answered, alice, findings_of(answered)[:1], owner=vera)
    assert services.move(action=action, user=vera, role="viewer", status=Status.IN_PROGRESS)
    other = plan(answered, alice, findings_of(answered)[1:2], owner=bob)
    with pytest.raises(PermissionDenied):
        services.move(action=other, user=vera, role="viewer", status=Status.DONE)
    assert services.move(action=other, user=bob, role="editor", status=Status.DONE)
    other.refresh_from_db()
    assert other.done_at is not None


def accept_flow(answered, proposer, decider, days=90):
    key = findings_of(answered)[0]
    services.propose_acceptance(
        deployment_id=answered.deployment_id, item_key=key, justification="Low use",
        expires_on=timezone.localdate() + timedelta(days=days), user=proposer,
        findings=findings_of(answered),
    )  # fmt: skip
    finding = Finding.objects.get(deployment_id=answered.deployment_id, item_key=key)
    return services.decide_acceptance(finding=finding, user=decider, accept=True)


def test_a_reviewer_accepts_a_risk_an_editor_proposed(answered, bob, rita):
    finding = accept_flow(answered, bob, rita)
    assert finding.is_accepted and finding.accepted_role == "reviewer"
    row = build_report(answered)["treatments"][0]
    assert row["treatment"] == "accept"
    assert row["acceptance"]["status"] == "accepted"
    assert row["acceptance"]["proposed_by"] == "bob"
    assert row["acceptance"]["accepted_by"] == "rita"


def test_the_proposer_cannot_accept_their_own_proposal(answered, alice):
    with pytest.raises(services.Refused):
        accept_flow(answered, alice, alice)


def test_an_editor_cannot_accept(answered, alice, bob):
    with pytest.raises(PermissionDenied):
        accept_flow(answered, alice, bob)


def test_an_expiry_beyond_the_team_limit_is_refused(answered, alice, bob, team):
    team.acceptance_months = 3
    team.save()
    with pytest.raises(services.Refused) as caught:
        accept_flow(answered, bob, alice, days=100)
    assert caught.value.field == "expires_on"
    with pytest.raises(services.Refused):
        accept_flow(answered, bob, alice, days=0)
    assert accept_flow(answered, bob, alice, days=80).is_accepted


def test_an_expired_acceptance_is_undecided_again_and_flagged(answered, bob, rita):
    finding = accept_flow(answered, bob, rita, days=10)
    Finding.objects.filter(pk=finding.pk).update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )
    row = build_report(answered)["treatments"][0]
    assert row["treatment"] == "undecided" and row["acceptance"] is None
    assert row["lapsed_on"] == (timezone.localdate() - timedelta(days=1)).isoformat()
    (lapsed,) = services.expire_acceptances()
    lapsed.refresh_from_db()
    assert lapsed.treatment == Treatment.UNDECIDED and lapsed.lapsed_on is not None
    assert lapsed.history.count() >= 3  # proposed, accepted, lapsed: all on record
    assert services.expire_acceptances() == []


def test_a_submission_freezes_the_plan_while_the_live_plan_moves_on(answered, alice, bob):
    action = plan(answered, alice, findings_of(answered)[:1], owner=bob)
    workflow.transition(answered, "submit", user=alice)
    revision = answered.revisions.get()
    frozen = revision.report["actions"]
    assert frozen[0]["status"] == "open"
    services.move(action=action, user=bob, role="editor", status=Status.DONE)
    revision.refresh_from_db()
    assert revision.report["actions"][0]["status"] == "open"
    answered.refresh_from_db()
    from riskassess.assessments.models import Assessment

    fetched = Assessment.objects.select_related("team", "checklist").get(pk=answered.pk)
    assert build_report(fetched)["actions"][0]["status"] == "open"  # the revision's, frozen
    # … and its projection is the frozen plan's: the open action is assumed.
    assert build_report(fetched)["projection"]["assumes"] == frozen[0]["items"]


def test_an_acceptance_blocks_new_actions_until_it_is_set_to_mitigate(answered, bob, rita, alice):
    finding = accept_flow(answered, bob, rita)
    with pytest.raises(services.Refused):
        plan(answered, alice, [finding.item_key])
    services.decide(
        deployment_id=answered.deployment_id, item_key=finding.item_key,
        treatment="mitigate", user=alice, findings=findings_of(answered),
    )  # fmt: skip
    assert plan(answered, alice, [finding.item_key]).pk


def test_another_user_of_no_team_cannot_move_an_action(answered, alice):
    stranger = make_user("stranger")
    action = plan(answered, alice, findings_of(answered)[:1])
    with pytest.raises(PermissionDenied):
        services.move(action=action, user=stranger, role=None, status=Status.DONE)


def test_every_change_of_a_finding_names_who_made_it(answered, bob):
    key = findings_of(answered)[0]
    services.create_action(
        deployment_id=answered.deployment_id, user=bob, title="t", owner=bob,
        due_on=timezone.localdate(), item_keys=[key], findings=findings_of(answered),
    )  # fmt: skip
    finding = Finding.objects.get(item_key=key)
    assert [h.history_user for h in finding.history.order_by("history_date")] == [bob, bob]
