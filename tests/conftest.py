"""The cast of characters every test uses.

alice owns the team, bob edits, vera only views, charlie is in another team.
"""

import pytest

from riskassess.accounts.models import Membership, Role, Team, User
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


@pytest.fixture(scope="session")
def default_spec():
    return parse(DEFAULT_FILE.read_bytes())


@pytest.fixture
def checklist(db, default_spec):
    loaded, _ = load_checklist(default_spec)
    return loaded
