import pytest
from django.test import Client

from riskassess.accounts.models import Membership, Role
from riskassess.reports.build import build_report
from tests.conftest import answer_all, make_user


@pytest.fixture
def rita(team):
    """A reviewer of alice's team."""
    user = make_user("rita")
    Membership.objects.create(team=team, user=user, role=Role.REVIEWER)
    return user


@pytest.fixture
def answered(assessment, alice):
    """alice's draft with every item answered "no": every item is a finding."""
    answer_all(assessment, alice, "no")
    return assessment


def findings_of(assessment) -> list[str]:
    """The keys of the assessment's findings, as its live report lists them."""
    return [t["item"] for t in build_report(assessment)["treatments"]]


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
