"""Helpers and endpoint tables of the adversarial sweep (fixtures are in conftest.py)."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser

from django.test import Client
from django.urls import reverse

from riskassess.accounts.models import Membership, Team, User
from riskassess.assessments.models import Answer, Assessment, Event, Review, Revision

PASSWORD = "correct horse battery staple"
DETAILS = {
    "title": "Alpha support bot",
    "model_name": "bot 2.3",
    "base_model": "an open 70B model",
    "context": "EU customers",
}
# What bob has answered in alice's assessment: (item, option, comment), each at version 1.
ANSWERS = [
    ("INQ-01", "yes", "Model card read"),
    ("INQ-02", "partly", "English and Spanish only"),
    ("MIS-01", "no", ""),
]
# An answer that a member could save (INQ-01 is at version 1): only access stops it.
HOSTILE_ANSWER = {"option": "no", "comment": "overwritten by an attacker", "version": 1}
HOSTILE_FORM = {
    "INQ-01-option": "no",
    "INQ-01-comment": "overwritten by an attacker",
    "INQ-01-version": "1",
}


# (name, url arguments: None, "assessment" or "team", user)
PAGES = {
    "login": ("login", None, None),
    "dashboard": ("dashboard", None, "alice"),
    "assessments": ("assessment_list", None, "alice"),
    "results": ("results", "assessment", "alice"),
    "questionnaire": ("questionnaire", "category", "bob"),
    "questionnaire-read-only": ("questionnaire", "category", "vera"),
    "history": ("assessment_history", "assessment", "alice"),
    "details": ("assessment_edit", "assessment", "alice"),
    "delete": ("assessment_delete", "assessment", "alice"),
    "new": ("assessment_new", None, "alice"),
    "import": ("assessment_import", None, "alice"),
    "teams": ("teams", None, "alice"),
    "team": ("team", "team", "alice"),
    "checklists": ("checklist:list", None, "alice"),
    "checklist": ("checklist:detail", "checklist", "alice"),
    "password": ("password_change", None, "alice"),
    "not-found": ("results", "random", "alice"),
}
DOWNLOADS = ["report_pdf", "report_json", "report_csv"]


def url_for(name, kind, assessment, team, checklist) -> str:
    args = {
        None: [],
        "assessment": [assessment.pk],
        "category": [assessment.pk, "inequity"],
        "team": [team.pk],
        "checklist": [checklist.slug, checklist.version],
        "random": ["00000000-0000-4000-8000-000000000000"],
    }[kind]
    return reverse(name, args=args)


def logged_in(user: User, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def random_id() -> uuid.UUID:
    return uuid.uuid4()


# Snapshots of the database ---------------------------------------------------------------


def db_state() -> dict:
    """Every row, version and timestamp that an attack on the app's records could change."""
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
                "archived_at",
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
                "to_confirm",
            )
        ),
        "revisions": list(
            Revision.objects.order_by("pk").values_list(
                "pk", "assessment_id", "number", "fingerprint"
            )
        ),
        "events": list(Event.objects.order_by("pk").values_list("pk", "kind", "note")),
        "reviews": list(Review.objects.order_by("pk").values_list("pk", "outcome", "text")),
        "history": (
            Assessment.history.count(),
            Answer.history.count(),
            Membership.history.count(),
            Team.history.count(),
        ),
        "users": list(
            User.objects.order_by("pk").values_list("pk", "username", "password", "is_active")
        ),
    }


def stored(assessment: Assessment, key: str = "INQ-01") -> tuple[str | None, str, int]:
    """(option, comment, version) of one stored answer."""
    answer = Answer.objects.select_related("option").get(assessment=assessment, item__key=key)
    return (answer.option.key if answer.option else None, answer.comment, answer.version)


# The endpoints of an assessment ----------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """One URL of an assessment, the methods it accepts, and a request a member could make.

    `target` names the fixture whose assessment the request is aimed at, so that a
    member's request would succeed: submit needs a complete draft, reopen a
    submitted assessment.
    """

    name: str
    extra: tuple = ()
    get: bool = True
    post: bool = True
    data: dict | None = None
    json: bool = False
    target: str = "assessment"
    # Who makes the request successfully (the control of test_cross_team).
    actor: str = "alice"

    def url(self, assessment_id) -> str:
        return reverse(self.name, args=[assessment_id, *self.extra])

    def allows(self, method: str) -> bool:
        return self.get if method == "get" else self.post

    def send(self, client: Client, method: str, assessment_id, **extra):
        url = self.url(assessment_id)
        if method == "get":
            return client.get(url, **extra)
        if self.json:
            body = json.dumps(self.data)
            return client.post(url, body, content_type="application/json", **extra)
        return client.post(url, self.data or {}, **extra)

    def __str__(self) -> str:
        return self.name


ASSESSMENT_ENDPOINTS = [
    Endpoint("assessment"),
    Endpoint("results"),
    # require_GET: a POST is 405 for everyone, decided before any lookup.
    Endpoint("questionnaire_start", post=False),
    Endpoint("questionnaire", ("inequity",), data=HOSTILE_FORM),
    # Autosave answers anything but POST with a JSON 405, before any lookup.
    Endpoint("answer_save", ("INQ-01",), get=False, data=HOSTILE_ANSWER, json=True),
    Endpoint("assessment_edit", data={**DETAILS, "title": "Renamed by an attacker"}),
    # require_POST
    Endpoint("assessment_submit", get=False, target="complete"),
    Endpoint("assessment_reopen", get=False, data={"note": "by an attacker"}, target="submitted"),
    Endpoint("assessment_delete"),
    Endpoint("assessment_history"),
    # require_GET downloads
    Endpoint("report_pdf", post=False),
    Endpoint("report_json", post=False),
    Endpoint("report_csv", post=False),
    Endpoint("report_xlsx", post=False),
    # The lifecycle's other moves (require_POST).
    Endpoint("assessment_archive", get=False, data={"note": "by an attacker"}, target="submitted"),
    Endpoint("assessment_restore", get=False, target="archived"),
    Endpoint("assessment_upgrade", data={"target": "1"}),
    # Reviews: the page (require_GET) and the decisions (require_POST).
    Endpoint("assessment_review", post=False, target="in_review"),
    Endpoint(
        "review_approve",
        get=False,
        data={"statement": "by an attacker", "confirm": "on"},
        target="in_review",
        actor="rita",
    ),
    Endpoint(
        "review_request_changes",
        get=False,
        data={"notes": "by an attacker"},
        target="in_review",
        actor="rita",
    ),
    Endpoint("review_withdraw", get=False, target="in_review"),
    # A submitted revision's report and downloads (require_GET).
    *(
        Endpoint(name, (1,), post=False, target="submitted")
        for name in (
            "revision_results",
            "revision_pdf",
            "revision_json",
            "revision_csv",
            "revision_xlsx",
        )
    ),
]
# Every (endpoint, method) pair, with the methods an endpoint refuses for everyone marked.
ENDPOINT_METHODS = [(e, m) for e in ASSESSMENT_ENDPOINTS for m in ("get", "post")]
ENDPOINT_METHOD_IDS = [f"{m.upper()} {e.name}" for e, m in ENDPOINT_METHODS]

# What a team page POST can do; each would change the team if access allowed it.
TEAM_ACTIONS = {
    "add-outsider-as-owner": {"action": "add", "username": "charlie", "role": "owner"},
    "promote-the-viewer-to-owner": {"action": "role", "username": "vera", "role": "owner"},
    "demote-the-owner": {"action": "role", "username": "alice", "role": "viewer"},
    "remove-the-owner": {"action": "remove", "username": "alice"},
}


# Comparing responses ---------------------------------------------------------------------

CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def normalised(response) -> str:
    """The body with the per-render CSRF tokens blanked, so two renders compare equal."""
    return CSRF_TOKEN.sub('name="csrfmiddlewaretoken" value=""', response.content.decode())


def template_names(response) -> list[str]:
    return [t.name for t in (getattr(response, "templates", None) or [])]


def page_text(response) -> str:
    """The visible text of an HTML page, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


class Tags(HTMLParser):
    """Every start tag of a page with its attributes."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
