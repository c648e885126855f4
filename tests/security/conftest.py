"""Shared pieces of the adversarial sweep: the assessments under attack, the
endpoint tables, and a snapshot of every row an attack could change.

The cast comes from tests/conftest.py: alice owns `team`, bob edits, vera only
views; charlie owns `other_team` and is the outsider.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from riskassess.accounts.models import Membership, Team, User
from riskassess.assessments import services
from riskassess.assessments.data import assessment_data
from riskassess.assessments.models import Answer, Assessment, Event
from riskassess.checklist.models import Checklist, Item, Option

PASSWORD = "correct horse battery staple"
DETAILS = {
    "title": "Alpha support bot",
    "model_name": "bot 2.3",
    "base_model": "an open 70B model",
    "context": "EU customers",
}
# What bob has answered in alice's assessment: (item, option, comment).
ANSWERS = [
    ("INQ-01", "yes", "Model card read"),
    ("INQ-02", "partly", "English and Spanish only"),
    ("MIS-01", "no", ""),
]
# An answer attempt that would succeed for a member (INQ-01 is at version 1).
HOSTILE_ANSWER = {"option": "no", "comment": "overwritten by an attacker", "version": 1}


@pytest.fixture(autouse=True)
def empty_cache():
    """Rendered PDFs are cached by fingerprint: each test starts without any."""
    cache.clear()


@pytest.fixture
def assessment(alice, bob, team, checklist) -> Assessment:
    """alice's draft in `team`, with three answers saved by bob (each at version 1)."""
    created = services.create_assessment(user=alice, team=team, checklist=checklist, **DETAILS)
    for key, option, comment in ANSWERS:
        services.save_answer(
            assessment=created,
            item_key=key,
            option_key=option,
            comment=comment,
            expected_version=0,
            user=bob,
        )
    return created


@pytest.fixture
def submitted(alice, team, checklist) -> Assessment:
    """A second assessment of `team`, every item answered, submitted by alice."""
    created = services.create_assessment(
        user=alice, team=team, checklist=checklist, **{**DETAILS, "title": "Alpha submitted"}
    )
    for item in assessment_data(created)["items"]:
        services.save_answer(
            assessment=created,
            item_key=item["key"],
            option_key="yes",
            comment="",
            expected_version=0,
            user=alice,
        )
    return services.submit(assessment=created, user=alice)


@pytest.fixture
def foreign(charlie, other_team, checklist) -> Assessment:
    """charlie's assessment in `other_team`: what alice's team must never see."""
    created = services.create_assessment(
        user=charlie,
        team=other_team,
        checklist=checklist,
        title="Bravo unreleased model",
        model_name="bravo-secret 0.9",
        base_model="a frontier model",
        context="Not announced yet",
    )
    services.save_answer(
        assessment=created,
        item_key="INQ-01",
        option_key="no",
        comment="Bravo gap: no evaluation at all",
        expected_version=0,
        user=charlie,
    )
    return created


@pytest.fixture
def second_checklist(db) -> Checklist:
    """A published checklist whose only item (OTH-01) is not in the default one."""
    from riskassess.checklist.services import load_checklist
    from riskassess.checklist.spec import validate
    from tests.checklist.test_loader import small_data

    data = small_data()
    data["slug"] = "other-checklist"
    data["categories"][0]["items"][0]["key"] = "OTH-01"
    return load_checklist(validate(data))[0]


def logged_in(user: User, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


# Snapshots of the database ---------------------------------------------------------------


def db_state() -> dict:
    """Every row and version an attack on assessments, answers or teams could change."""
    return {
        "teams": list(Team.objects.order_by("pk").values_list("pk", "name")),
        "memberships": list(
            Membership.objects.order_by("pk").values_list("pk", "team_id", "user_id", "role")
        ),
        "assessments": list(
            Assessment.objects.order_by("pk").values_list(
                "pk",
                "team_id",
                "checklist_id",
                "title",
                "model_name",
                "base_model",
                "context",
                "status",
                "snapshot",
                "created_by_id",
                "created_at",
                "updated_at",
                "submitted_at",
            )
        ),
        "answers": list(
            Answer.objects.order_by("pk").values_list(
                "pk",
                "assessment_id",
                "item_id",
                "option_id",
                "comment",
                "version",
                "updated_by_id",
                "updated_at",
            )
        ),
        "events": list(Event.objects.order_by("pk").values_list("pk", "kind", "note")),
        "history": (
            Assessment.history.count(),
            Answer.history.count(),
            Membership.history.count(),
            Team.history.count(),
        ),
        "users": list(User.objects.order_by("pk").values_list("pk", "password", "is_active")),
    }


def stored(assessment: Assessment, key: str = "INQ-01") -> tuple[str | None, str, int]:
    """(option, comment, version) of one stored answer."""
    answer = Answer.objects.select_related("option").get(assessment=assessment, item__key=key)
    return (answer.option.key if answer.option else None, answer.comment, answer.version)


# The endpoints ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """One URL of an assessment, the methods it accepts, and a POST a member could make."""

    name: str
    extra: tuple = ()
    get: bool = True
    post: bool = True
    data: object = None  # form fields, or a dict sent as JSON when `json` is set
    json: bool = False

    def url(self, assessment_id) -> str:
        return reverse(self.name, args=[assessment_id, *self.extra])

    def allows(self, method: str) -> bool:
        return self.get if method == "get" else self.post

    def send(self, client: Client, method: str, assessment_id, **extra):
        url = self.url(assessment_id)
        if method == "get":
            return client.get(url, **extra)
        if self.json:
            return client.post(
                url, json.dumps(self.data), content_type="application/json", **extra
            )
        return client.post(url, self.data or {}, **extra)

    def __str__(self) -> str:
        return self.name


QUESTIONNAIRE_POST = {
    "INQ-01-option": "no",
    "INQ-01-comment": "overwritten by an attacker",
    "INQ-01-version": "1",
}

ASSESSMENT_ENDPOINTS = [
    Endpoint("assessment"),
    Endpoint("results"),
    # require_GET: a POST is 405 for anyone, before any lookup.
    Endpoint("questionnaire_start", post=False),
    Endpoint("questionnaire", ("inequity",), data=QUESTIONNAIRE_POST),
    # Autosave answers every method but POST with a JSON 405, before any lookup.
    Endpoint("answer_save", ("INQ-01",), get=False, data=HOSTILE_ANSWER, json=True),
    Endpoint("assessment_edit", data={**DETAILS, "title": "Renamed by an attacker"}),
    # require_POST
    Endpoint("assessment_submit", get=False),
    Endpoint("assessment_reopen", get=False, data={"note": "reopened by an attacker"}),
    Endpoint("assessment_delete"),
    Endpoint("assessment_history"),
    # require_GET downloads
    Endpoint("report_pdf", post=False),
    Endpoint("report_json", post=False),
    Endpoint("report_csv", post=False),
]

CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def normalised(response) -> bytes:
    """The body with its per-render CSRF tokens blanked, for comparing two responses."""
    return CSRF_TOKEN.sub('name="csrfmiddlewaretoken" value=""', response.content.decode()).encode()


def template_names(response) -> list[str]:
    return [t.name for t in getattr(response, "templates", []) or []]


def random_id() -> uuid.UUID:
    return uuid.uuid4()


def item_option(checklist: Checklist, key: str, option: str) -> Option:
    item = Item.objects.get(checklist=checklist, key=key)
    return item.options.filter(key=option).first() or checklist.options.get(item=None, key=option)
