"""The cast of characters every test uses.

alice owns the team, bob edits, vera only views, charlie is in another team.
"""

import os
import shutil
import signal

import pytest
from django.db import connections
from django.test import Client

from riskassess.accounts.models import Membership, Role, Team, User
from riskassess.assessments import services
from riskassess.checklist.management.commands.load_checklist import DEFAULT_FILE
from riskassess.checklist.services import load_checklist
from riskassess.checklist.spec import parse


def make_user(username: str) -> User:
    return User.objects.create_user(username, password="correct horse battery staple")


@pytest.fixture
def team(db) -> Team:
    return Team.objects.create(name="Alpha")


@pytest.fixture
def other_team(db) -> Team:
    return Team.objects.create(name="Bravo")


@pytest.fixture
def alice(team) -> User:
    user = make_user("alice")
    Membership.objects.create(team=team, user=user, role=Role.OWNER)
    return user


@pytest.fixture
def bob(team) -> User:
    user = make_user("bob")
    Membership.objects.create(team=team, user=user, role=Role.EDITOR)
    return user


@pytest.fixture
def vera(team) -> User:
    user = make_user("vera")
    Membership.objects.create(team=team, user=user, role=Role.VIEWER)
    return user


@pytest.fixture
def charlie(other_team) -> User:
    user = make_user("charlie")
    Membership.objects.create(team=other_team, user=user, role=Role.OWNER)
    return user


@pytest.fixture
def staff(db) -> User:
    return User.objects.create_superuser("root", password="correct horse battery staple")


DETAILS = {
    "title": "Support bot",
    "model_name": "bot 2.3",
    "base_model": "an open 70B model",
    "context": "EU customers",
}


def new_assessment(user, team, checklist, **details):
    """A draft assessment; details default to DETAILS."""
    return services.create_assessment(
        user=user, team=team, checklist=checklist, **{**DETAILS, **details}
    )


def answer_all(assessment, user, option: str = "yes") -> None:
    """Every active item of the assessment's checklist answered `option`, one save each."""
    for item in assessment.checklist.items.filter(active=True):
        services.save_answer(
            assessment=assessment,
            item_key=item.key,
            option_key=option,
            comment="",
            expected_version=0,
            user=user,
        )


@pytest.fixture
def assessment(alice, team, checklist):
    """alice's draft of the default checklist, with no answers yet."""
    return new_assessment(alice, team, checklist)


@pytest.fixture(scope="session")
def default_spec():
    return parse(DEFAULT_FILE.read_bytes())


@pytest.fixture
def checklist(db, default_spec):
    loaded, _ = load_checklist(default_spec)
    return loaded


# The default checklist's version 2 (format 2: a profile, conditions, frameworks).
V2_FILE = DEFAULT_FILE.with_name("foundation-model-risks-v2.yaml")


@pytest.fixture(scope="session")
def v2_spec():
    return parse(V2_FILE.read_bytes())


@pytest.fixture
def v2_checklist(db, checklist, v2_spec):
    """Version 2, published beside version 1 (`checklist`), as `make run` loads them."""
    loaded, _ = load_checklist(v2_spec)
    return loaded


@pytest.fixture
def v2_assessment(alice, team, v2_checklist):
    """alice's draft of version 2, with no profile and no answers yet."""
    return new_assessment(alice, team, v2_checklist)


def set_profile(assessment, user, **choices) -> None:
    """Profile answers, e.g. set_profile(a, alice, **{"P-USERS": ["public"]}), one save each."""
    for key, options in choices.items():
        services.save_profile(
            assessment=assessment,
            question_key=key,
            option_keys=options if isinstance(options, list) else [options],
            expected_version=assessment.profile.filter(question__key=key)
            .values_list("version", flat=True)
            .first()
            or 0,
            user=user,
        )


# Task workers: the real `manage.py db_worker` on the database queue, in this process.


@pytest.fixture
def run_task_worker(monkeypatch):
    """run_task_worker(): drain the database task queue with the real worker, here.

    Tests that use it set settings.TASKS to django_tasks_db's DatabaseBackend. The
    worker closes stale connections between tasks, as a request does; here that
    would close the test's own transaction, so it is left open. Its signal handlers
    are put back afterwards. tests/reports/test_worker.py runs it as a process.
    """
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    kept = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}

    def run():
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

    yield run
    for number, handler in kept.items():
        signal.signal(number, handler)


# Browser tests: Debian's chromium driven by Playwright's Python client. ------------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    # Without these Chromium keeps calling home, which this closed network refuses.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.fixture(scope="module")
def browser():
    """One Chromium for a test module's tests, each of which opens contexts of its own.

    Starting Playwright's driver and Chromium costs about a second; once per test it
    was a third of the browser suite's time. A context (cookies, storage) is as
    fresh as a new browser, so the tests stay independent.
    """
    playwright = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed (make test installs it)"
    )
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed: apt-get install chromium (.ci/run does)")
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an event loop in this thread, which trips Django's
        # async-safety check; the ORM calls here are still plain synchronous ones.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with playwright.sync_playwright() as p:
            launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield launched
            launched.close()
            # While Playwright's loop runs, the ORM in this thread gets connections of
            # their own (Django's are context-local); close them, or PostgreSQL cannot
            # drop the test database at the end of the run.
            connections.close_all()
