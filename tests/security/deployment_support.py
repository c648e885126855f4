"""The deployment URLs of the adversarial sweep, and a snapshot of every row they could change.

Used by test_cross_team_deployments.py and test_deployment_roles.py; the records
are conftest.py's alpha_* (alice's team) and bravo_* (charlie's) fixtures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.test import Client
from django.urls import reverse

from riskassess.assessments.models import Revision, Status

# What alice's team's records show, and charlie's: neither may reach the other team.
ALPHA_MARKERS = ["Alpha", "alice"]
BRAVO_MARKERS = ["Bravo", "bravo-secret", "unreleased", "no evaluation at all", "charlie"]
# Every model of these apps, their history tables included, is in state().
APPS = ["accounts", "assessments", "deployments"]


def state() -> dict:
    """Every column of every row of the teams, assessments and deployments (and their
    histories and the catalogue): what any request in this sweep could change.

    Columns are read from the models, so a field added later is compared too; not
    a user's last login, which logging the test's client in sets.
    """
    snapshot = {}
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            columns = [f.attname for f in model._meta.concrete_fields if f.name != "last_login"]
            snapshot[model._meta.label] = list(model.objects.order_by("pk").values_list(*columns))
    return snapshot


def assert_absent(response, markers: list[str]) -> None:
    body = response.content.decode()
    for marker in markers:
        assert marker not in body, marker


# Requests a member could make, built from the record they are aimed at ----------------------


def edit_form(deployment) -> dict:
    """The edit page's form as the deployment is, renamed: valid for a member."""
    return {
        "name": "Renamed by an attacker",
        "description": deployment.description,
        "context": deployment.context,
        "model_name": deployment.model_name,
        "base_model": deployment.base_model_id or "",
        "base_model_text": deployment.base_model_text,
        "owner": deployment.owner_id,
        "lifecycle": deployment.lifecycle,
        "review_months": deployment.review_months,
    }


def refs(deployment) -> dict:
    """?before=<its revision>&after=<its re-assessment draft>: both of the deployment."""
    revision = Revision.objects.get(assessment__deployment=deployment)
    draft = deployment.assessments.get(status=Status.DRAFT)
    return {"before": f"r-{revision.pk}", "after": f"a-{draft.pk}"}


def reassess_form(deployment) -> dict:
    return {"revision": "1"}


def profile_choice(assessment) -> dict:
    """P-USERS, unanswered in the fixtures (version 0), set to "minors"."""
    return {"P-USERS-choice": "minors", "P-USERS-version": "0"}


@dataclass(frozen=True)
class Url:
    """One URL of a deployment (or of a format-2 assessment's profile) and its methods.

    `mine` and `theirs` name the fixtures of alice's team's record and of charlie's;
    `query` and `data` build, from the record aimed at, a request its team's member
    could make (GET parameters, POST body), so that only access stops anyone else.
    """

    label: str
    name: str
    mine: str = "alpha_deployment"
    theirs: str = "bravo_deployment"
    extra: tuple = ()
    get: bool = True
    post: bool = True
    query: Callable | None = None
    data: Callable | None = None
    editor: tuple[str, ...] = ()  # the methods that need the editor role
    writes: bool = False  # a member's POST changes the database

    def url(self, pk) -> str:
        return reverse(self.name, args=[pk, *self.extra])

    def allows(self, method: str) -> bool:
        return self.get if method == "get" else self.post

    def send(self, client: Client, method: str, record, pk=None):
        """The request, aimed at `record` (or at `pk`, a guessed id, with the same body)."""
        url = self.url(record.pk if pk is None else pk)
        if method == "get":
            return client.get(url, self.query(record) if self.query else None)
        return client.post(url, self.data(record) if self.data else {})

    def __str__(self) -> str:
        return self.label


V2 = {"mine": "alpha_v2", "theirs": "bravo_v2"}
URLS = [
    # Read-only: a POST renders the page as a GET does (no require_GET), writing nothing.
    Url("detail", "deployments:detail"),
    Url("edit", "deployments:edit", data=edit_form, editor=("get", "post"), writes=True),
    Url(
        "reassess",
        "deployment_reassess",
        data=reassess_form,
        editor=("get", "post"),
        writes=True,
    ),
    # require_GET: a POST is 405 for everyone, decided before any lookup.
    Url("compare", "compare", post=False),
    Url("compare?refs", "compare", post=False, query=refs),
    Url("compare.json", "compare_json", post=False),
    Url("compare.json?refs", "compare_json", post=False, query=refs),
    # Format 2: the profile page, and the one question htmx posts (require_POST).
    Url("profile", "profile", **V2, data=profile_choice, editor=("post",), writes=True),
    Url(
        "profile_save",
        "profile_save",
        **V2,
        extra=("P-USERS",),
        get=False,
        data=profile_choice,
        editor=("post",),
        writes=True,
    ),
]
CASES = [(url, method) for url in URLS for method in ("get", "post")]
CASE_IDS = [f"{method.upper()} {url}" for url, method in CASES]
EDITOR_CASES = [(url, method) for url in URLS for method in url.editor]
EDITOR_IDS = [f"{method.upper()} {url}" for url, method in EDITOR_CASES]
# What a viewer may do: every allowed method that does not need the editor role.
READ_CASES = [(u, m) for u, m in CASES if u.allows(m) and m not in u.editor]
READ_IDS = [f"{method.upper()} {url}" for url, method in READ_CASES]
