"""The Action plan tab, the finding page and the action pages, through HTTP."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from riskassess.actions import services
from riskassess.actions.models import Action, Finding, Status
from riskassess.notifications.models import Notification
from tests.actions.conftest import client_for, findings_of
from tests.conftest import answer_all, new_assessment

pytestmark = pytest.mark.django_db


def soon(days=14) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def post_action(client, assessment, keys, owner, **extra):
    return client.post(
        reverse("action_new", args=[assessment.pk]),
        {"title": "Bias audit", "description": "", "owner": owner.pk, "due_on": soon(),
         "items": keys, "evidence": "", **extra},
    )  # fmt: skip


def test_the_plan_lists_findings_and_the_tab_is_in_the_header(answered, vera):
    response = client_for(vera).get(reverse("action_plan", args=[answered.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        'aria-current="page" href="{}"'.format(reverse("action_plan", args=[answered.pk])) in html
    )
    assert html.count('data-testid="finding"') == len(findings_of(answered))
    # A viewer sees no planning controls.
    assert reverse("action_new", args=[answered.pk]) not in html


def test_an_editor_plans_an_action_and_its_owner_is_told(answered, bob, vera):
    key = findings_of(answered)[0]
    response = post_action(client_for(bob), answered, [key], vera)
    assert response.status_code == 302
    action = Action.objects.get()
    assert action.owner == vera and [f.item_key for f in action.findings.all()] == [key]
    assert Notification.objects.filter(recipient=vera, kind="action_assigned").count() == 1
    page = client_for(vera).get(reverse("action_plan", args=[answered.pk])).content.decode()
    assert "Bias audit" in page and "Projection, not the score" in page


def test_past_due_dates_and_outsiders_as_owners_are_refused_with_messages(answered, bob, charlie):
    key = findings_of(answered)[0]
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = post_action(client_for(bob), answered, [key], bob, due_on=past)
    assert response.status_code == 400
    assert "cannot be in the past" in response.content.decode()
    response = post_action(client_for(bob), answered, [key], charlie)
    assert response.status_code == 400
    assert "Choose a member of this team" in response.content.decode()
    # The form reveals nothing about the account: the same message as a random id.
    random = post_action(client_for(bob), answered, [key], SimpleNamespace(pk=987654))
    assert "Choose a member of this team" in random.content.decode()
    assert not Action.objects.exists()


def test_access_outsiders_404_viewers_403_on_planning(answered, alice, vera, charlie):
    key = findings_of(answered)[0]
    action = services.create_action(
        deployment_id=answered.deployment_id, user=alice, title="t", owner=alice,
        due_on=timezone.localdate(), item_keys=[key], findings=[key],
    )  # fmt: skip
    urls = [
        reverse("action_plan", args=[answered.pk]),
        reverse("action_plan_export", args=[answered.pk, "csv"]),
        reverse("action_finding", args=[answered.pk, key]),
        reverse("action_new", args=[answered.pk]),
        reverse("action_edit", args=[answered.pk, action.pk]),
    ]
    for url in urls:
        assert client_for(charlie).get(url).status_code == 404, url
    status_url = reverse("action_status", args=[answered.pk, action.pk])
    assert client_for(charlie).post(status_url, {"status": "done"}).status_code == 404
    assert client_for(vera).get(urls[3]).status_code == 403
    assert client_for(vera).get(urls[4]).status_code == 403
    assert client_for(vera).post(status_url, {"status": "done"}).status_code == 403
    assert (
        client_for(vera).post(urls[2], {"step": "treatment", "treatment": "mitigate"}).status_code
        == 403
    )
    action.refresh_from_db()
    assert action.status == Status.OPEN


def test_an_action_of_another_deployment_is_404_under_this_assessment(
    answered, alice, team, checklist
):
    other = new_assessment(alice, team, checklist, title="Other bot")
    answer_all(other, alice, "no")
    key = findings_of(other)[0]
    foreign = services.create_action(
        deployment_id=other.deployment_id, user=alice, title="t", owner=alice,
        due_on=timezone.localdate(), item_keys=[key], findings=[key],
    )  # fmt: skip
    assert other.deployment_id != answered.deployment_id
    edit = reverse("action_edit", args=[answered.pk, foreign.pk])
    assert client_for(alice).get(edit).status_code == 404


def test_the_owner_closes_their_action_and_the_item_is_flagged_to_answer_again(
    answered, alice, vera
):
    key = findings_of(answered)[0]
    action = services.create_action(
        deployment_id=answered.deployment_id, user=alice, title="Fix it", owner=vera,
        due_on=timezone.localdate(), item_keys=[key], findings=[key],
    )  # fmt: skip
    url = reverse("action_status", args=[answered.pk, action.pk])
    response = client_for(vera).post(url, {"status": "done", "next": "//evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse(
        "action_plan", args=[answered.pk]
    )
    action.refresh_from_db()
    assert action.status == "done" and action.done_at
    page = client_for(alice).get(reverse("action_plan", args=[answered.pk])).content.decode()
    assert "Action completed — re-answer" in page
    # The questionnaire flags it too, until the item is answered again.
    from riskassess.actions.selectors import reanswer_keys
    from riskassess.assessments import services as answers

    assert reanswer_keys(answered) == {key}
    answers.save_answer(assessment=answered, item_key=key, option_key="yes", comment="",
                        expected_version=1, user=alice)  # fmt: skip
    answered._reanswer_keys = None
    assert reanswer_keys(answered) == set()


def test_propose_then_accept_through_the_finding_page(answered, bob, alice):
    key = findings_of(answered)[0]
    url = reverse("action_finding", args=[answered.pk, key])
    response = client_for(bob).post(
        url, {"step": "propose", "justification": "Rare", "expires_on": soon(30)}
    )
    assert response.status_code == 302
    # bob cannot decide his own proposal; alice (owner) can.
    page = client_for(bob).get(url).content.decode()
    assert "an owner or a reviewer decides" in page and 'name="decision"' not in page
    assert 'name="decision"' in client_for(alice).get(url).content.decode()
    response = client_for(alice).post(url, {"step": "decide", "decision": "accept"})
    assert response.status_code == 302
    finding = Finding.objects.get(item_key=key)
    assert finding.is_accepted and finding.accepted_by == alice
    too_far = client_for(bob).post(
        reverse("action_finding", args=[answered.pk, findings_of(answered)[1]]),
        {"step": "propose", "justification": "x", "expires_on": soon(400)},
    )
    assert too_far.status_code == 400 and "at most 12 months" in too_far.content.decode()


def plan_queries(client, assessment) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("action_plan", args=[assessment.pk])).status_code == 200
    return len(ctx)


def test_the_plan_page_costs_the_same_queries_at_two_sizes(answered, alice):
    keys = findings_of(answered)
    client = client_for(alice)
    for key in keys[:2]:
        services.create_action(
            deployment_id=answered.deployment_id, user=alice, title=f"a {key}", owner=alice,
            due_on=timezone.localdate(), item_keys=[key], findings=keys,
        )  # fmt: skip
    small = plan_queries(client, answered)
    for key in keys[2:12]:
        services.create_action(
            deployment_id=answered.deployment_id, user=alice, title=f"b {key}", owner=alice,
            due_on=timezone.localdate(), item_keys=[key, keys[0]], findings=keys,
        )  # fmt: skip
    assert plan_queries(client, answered) == small


def test_owners_set_the_longest_acceptance_others_read_it(team, alice, bob):
    url = reverse("team", args=[team.pk])
    assert (
        client_for(alice).post(url, {"action": "acceptance", "acceptance_months": "6"}).status_code
        == 302
    )
    team.refresh_from_db()
    assert team.acceptance_months == 6
    assert team.history.first().history_user == alice
    refused = client_for(alice).post(url, {"action": "acceptance", "acceptance_months": "13"})
    assert refused.status_code == 400 and "from 1 to 12" in refused.content.decode()
    assert (
        client_for(bob).post(url, {"action": "acceptance", "acceptance_months": "3"}).status_code
        == 403
    )
    assert "at most <strong>6 months</strong>" in client_for(bob).get(url).content.decode()
    team.refresh_from_db()
    assert team.acceptance_months == 6


def test_my_work_lists_my_open_actions_in_a_fixed_number_of_queries(
    answered, alice, bob, django_assert_num_queries
):
    keys = findings_of(answered)
    client = client_for(bob)
    for size in (1, 5):
        for key in keys[:size]:
            services.create_action(
                deployment_id=answered.deployment_id, user=alice, title=f"Do {key} {size}",
                owner=bob, due_on=timezone.localdate(), item_keys=[key], findings=keys,
            )  # fmt: skip
        with django_assert_num_queries(9):
            html = client.get(reverse("my_work")).content.decode()
        assert html.count(f" {size}</a>") == size
        assert reverse("action_plan", args=[answered.pk]) in html


def test_the_deployment_page_counts_open_and_overdue_actions(answered, alice):
    keys = findings_of(answered)
    action = services.create_action(
        deployment_id=answered.deployment_id, user=alice, title="Late", owner=alice,
        due_on=timezone.localdate(), item_keys=keys[:1], findings=keys,
    )  # fmt: skip
    Action.objects.filter(pk=action.pk).update(due_on=timezone.localdate() - timedelta(days=2))
    page = client_for(alice).get(reverse("deployments:detail", args=[answered.deployment_id]))
    text = " ".join(page.content.decode().split())
    assert '<strong>1</strong> open action, <strong class="text-danger">1 overdue</strong>' in text


def test_the_dashboard_filters_deployments_with_overdue_actions(answered, alice, team, checklist):
    other = new_assessment(alice, team, checklist, title="Quiet bot")
    keys = findings_of(answered)
    action = services.create_action(
        deployment_id=answered.deployment_id, user=alice, title="Late", owner=alice,
        due_on=timezone.localdate(), item_keys=keys[:1], findings=keys,
    )  # fmt: skip
    client = client_for(alice)
    overdue = client.get(reverse("dashboard") + "?actions=overdue").content.decode()
    assert "Support bot" not in overdue and "Quiet bot" not in overdue
    opened = client.get(reverse("dashboard") + "?actions=open").content.decode()
    assert "Support bot" in opened and "Quiet bot" not in opened
    Action.objects.filter(pk=action.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    overdue = client.get(reverse("dashboard") + "?actions=overdue").content.decode()
    assert "Support bot" in overdue and "Quiet bot" not in overdue
    assert other.title in client.get(reverse("dashboard")).content.decode()


def test_a_re_assessment_finds_the_plan_and_each_findings_earlier_answer(answered, alice, bob):
    from riskassess.assessments import reassess, workflow
    from riskassess.assessments.models import Assessment

    keys = findings_of(answered)
    services.create_action(
        deployment_id=answered.deployment_id, user=alice, title="Carry me", owner=bob,
        due_on=timezone.localdate(), item_keys=keys[:1], findings=keys,
    )  # fmt: skip
    workflow.transition(answered, "submit", user=alice)
    preview = client_for(alice).get(reverse("deployment_reassess", args=[answered.deployment_id]))
    assert "<strong>1</strong> open action and <strong>0</strong> accepted risks" in " ".join(
        preview.content.decode().split()
    )
    deployment = answered.deployment
    reassess.start(deployment, user=alice, expected_revision=1)
    new = Assessment.objects.get(deployment=deployment, is_current=True)
    assert new.pk != answered.pk
    page = client_for(alice).get(reverse("action_plan", args=[new.pk])).content.decode()
    assert "Carry me" in page
    assert "Revision 1" in page or "revision 1" in page


def test_the_action_form_does_not_offer_a_risk_accepted_or_proposed(answered, bob, alice):
    first, second = findings_of(answered)[:2]
    services.propose_acceptance(
        deployment_id=answered.deployment_id, item_key=first, justification="Rare",
        expires_on=timezone.localdate() + timedelta(days=30), user=bob,
        findings=findings_of(answered),
    )  # fmt: skip
    page = client_for(alice).get(reverse("action_new", args=[answered.pk])).content.decode()
    assert f'value="{second}"' in page and f'value="{first}"' not in page
