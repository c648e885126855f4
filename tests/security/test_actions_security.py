"""The action plan's URLs under attack: another team's ids, weak roles, no login, no CSRF
token, and hostile input. Every refusal changes nothing.

alice's draft `assessment` has findings (bob answered MIS-01 "no" and INQ-02
"partly") and one action on MIS-01, owned by bob; charlie owns another team.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from riskassess.actions import services
from riskassess.actions.models import Action, Finding
from riskassess.assessments.models import Assessment
from riskassess.reports.build import build_report
from tests.security.support import db_state, logged_in, normalised, random_id, template_names

FINDING = "MIS-01"


def plan_state() -> dict:
    return {
        **db_state(),
        "findings": list(Finding.objects.order_by("pk").values()),
        "actions": list(Action.objects.order_by("pk").values()),
        "action_links": list(Action.findings.through.objects.order_by("pk").values()),
        "plan_history": (Finding.history.count(), Action.history.count()),
    }


def due(days: int = 20) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


@pytest.fixture
def planned(assessment, alice, bob) -> Action:
    keys = [t["item"] for t in build_report(
        Assessment.objects.select_related("team", "checklist").get(pk=assessment.pk)
    )["treatments"]]  # fmt: skip
    return services.create_action(
        deployment_id=assessment.deployment_id, user=alice, title="Red-team it", owner=bob,
        due_on=timezone.localdate() + timedelta(days=10), item_keys=[FINDING], findings=keys,
    )  # fmt: skip


@dataclass(frozen=True)
class Url:
    """One plan URL: its name, what follows the assessment id, the methods it accepts and
    a request the member it is for would make successfully (`data(users)`)."""

    name: str
    on: str = ""  # "", "finding", "action", "csv"
    get: bool = True
    post: bool = True
    data: object = None
    needs: str = "viewer"  # the weakest role a POST needs

    def url(self, assessment_id, action_id) -> str:
        extra = {"": [], "finding": [FINDING], "action": [action_id], "csv": ["csv"]}[self.on]
        return reverse(self.name, args=[assessment_id, *extra])

    def allows(self, method: str) -> bool:
        return self.get if method == "get" else self.post

    def send(self, client: Client, method: str, assessment_id, action_id, users, **extra):
        url = self.url(assessment_id, action_id)
        if method == "get":
            return client.get(url, **extra)
        return client.post(url, self.data(users) if self.data else {}, **extra)

    def __str__(self) -> str:
        return self.name


def action_form(users) -> dict:
    return {"title": "Planted by an attacker", "owner": users["bob"].pk, "due_on": due(),
            "items": [FINDING], "description": "", "evidence": ""}  # fmt: skip


URLS = [
    Url("action_plan", post=False),
    Url("action_plan_export", "csv", post=False),
    Url(
        "action_finding",
        "finding",
        data=lambda u: {"step": "treatment", "treatment": "undecided"},
        needs="editor",
    ),
    Url("action_new", data=action_form, needs="editor"),
    Url("action_edit", "action", data=action_form, needs="editor"),
    # The owner (bob) or an editor moves the status: for a viewer, it is someone else's.
    Url(
        "action_status", "action", get=False, data=lambda u: {"status": "cancelled"}, needs="editor"
    ),
]
PAIRS = [(u, m) for u in URLS for m in ("get", "post")]
IDS = [f"{m.upper()} {u.name}" for u, m in PAIRS]


@pytest.fixture
def users(alice, bob, vera, charlie) -> dict:
    return {"alice": alice, "bob": bob, "vera": vera, "charlie": charlie}


@pytest.mark.parametrize(("url", "method"), PAIRS, ids=IDS)
def test_an_outsider_gets_404_everywhere_and_changes_nothing(
    url, method, assessment, planned, users
):
    before = plan_state()
    response = url.send(logged_in(users["charlie"]), method, assessment.pk, planned.pk, users)
    assert response.status_code == (404 if url.allows(method) else 405)
    assert plan_state() == before
    for marker in ("Alpha", "Red-team it", "bob"):
        assert marker not in response.content.decode()


@pytest.mark.parametrize(("url", "method"), PAIRS, ids=IDS)
def test_the_same_request_from_a_member_with_the_role_succeeds(
    url, method, assessment, planned, users
):
    response = url.send(logged_in(users["alice"]), method, assessment.pk, planned.pk, users)
    if url.allows(method):
        assert response.status_code in (200, 302), response.content[:300]
    else:
        assert response.status_code == 405


@pytest.mark.parametrize(("url", "method"), PAIRS, ids=IDS)
def test_a_random_id_is_answered_like_a_foreign_one(url, method, foreign, alice, users):
    client = logged_in(alice)
    real = url.send(client, method, foreign.pk, random_id(), users)
    guessed = url.send(client, method, random_id(), random_id(), users)
    assert real.status_code == guessed.status_code
    assert template_names(real) == template_names(guessed)
    assert normalised(real) == normalised(guessed)


def test_an_action_id_of_another_team_is_404_under_ones_own_assessment(
    assessment, foreign, charlie, alice, users
):
    # charlie answered INQ-01 "no" in `foreign`: a finding of theirs.
    theirs = services.create_action(
        deployment_id=foreign.deployment_id, user=charlie, title="Bravo secret plan",
        owner=charlie, due_on=timezone.localdate(), item_keys=["INQ-01"], findings=["INQ-01"],
    )  # fmt: skip
    before = plan_state()
    for url in (u for u in URLS if u.on == "action"):
        for method in ("get", "post"):
            if url.allows(method):
                response = url.send(logged_in(alice), method, assessment.pk, theirs.pk, users)
                assert response.status_code == 404
                assert "Bravo" not in response.content.decode()
    assert plan_state() == before


@pytest.mark.parametrize("url", [u for u in URLS if u.post and u.needs == "editor"], ids=str)
def test_a_viewer_gets_403_on_every_write_and_changes_nothing(url, assessment, planned, users):
    before = plan_state()
    response = url.send(logged_in(users["vera"]), "post", assessment.pk, planned.pk, users)
    assert response.status_code == 403
    assert plan_state() == before


@pytest.mark.parametrize(("url", "method"), PAIRS, ids=IDS)
def test_anonymous_requests_go_to_the_login_page(url, method, assessment, planned, users, client):
    before = plan_state()
    response = url.send(client, method, assessment.pk, planned.pk, users)
    if url.allows(method):
        assert response.status_code == 302 and reverse("login") in response["Location"]
    else:
        assert response.status_code in (302, 405)
    assert plan_state() == before


@pytest.mark.parametrize("url", [u for u in URLS if u.post], ids=str)
def test_a_post_without_csrf_token_is_refused(url, assessment, planned, users):
    client = logged_in(users["alice"], enforce_csrf_checks=True)
    before = plan_state()
    response = url.send(client, "post", assessment.pk, planned.pk, users)
    assert response.status_code == 403
    assert plan_state() == before


def test_hostile_text_is_shown_as_text(assessment, planned, alice, users):
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    client = logged_in(alice)
    response = client.post(
        reverse("action_edit", args=[assessment.pk, planned.pk]),
        {**action_form(users), "title": hostile, "description": hostile},
    )
    assert response.status_code == 302
    page = client.get(reverse("action_plan", args=[assessment.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page and "onerror=alert(2)>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize(
    "change",
    [
        {"owner": "-1"},
        {"owner": "9" * 30},
        {"items": ["NOT-AN-ITEM"]},
        {"items": ["../../etc"]},
        {"due_on": "2020-01-01"},
        {"due_on": "31/31/2031"},
        {"evidence": "00000000-0000-4000-8000-000000000000"},
        {"title": "x" * 201},
        {"title": "   "},
    ],
    ids=lambda c: next(iter(c)),
)
def test_malformed_action_input_is_a_400_with_nothing_changed(change, assessment, planned, users):
    before = plan_state()
    response = logged_in(users["alice"]).post(
        reverse("action_new", args=[assessment.pk]), {**action_form(users), **change}
    )
    assert response.status_code == 400
    assert plan_state() == before


def test_an_unknown_status_or_step_is_refused(assessment, planned, users):
    client = logged_in(users["alice"])
    before = plan_state()
    bad = client.post(reverse("action_status", args=[assessment.pk, planned.pk]), {"status": "x"})
    assert bad.status_code == 400
    step = client.post(reverse("action_finding", args=[assessment.pk, FINDING]), {"step": "x"})
    assert step.status_code == 400
    assert plan_state() == before
