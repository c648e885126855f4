"""The discussion's cast: the shared one (alice owns, bob edits, vera views, charlie is
an outsider) and rita, the team's reviewer. A thread is opened with `thread()`."""

import pytest
from django.test import Client

from riskassess.accounts.models import Membership, Role
from riskassess.assessments import services as assessment_services
from riskassess.assessments import workflow
from riskassess.discussion import services
from tests.conftest import answer_all, make_user

ITEM = "INQ-01"
OTHER_ITEM = "INQ-02"
STATEMENT = "Checked against the model card."


@pytest.fixture
def rita(team):
    """The team's reviewer: reads, comments and decides reviews, never answers."""
    user = make_user("rita")
    Membership.objects.create(team=team, user=user, role=Role.REVIEWER)
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def thread(assessment, user, body="Is the evaluation set public?", item_key=ITEM):
    return services.open_thread(assessment=assessment, item_key=item_key, body=body, user=user)


@pytest.fixture
def reviewed_team(team):
    team.review_required = True
    team.save()
    return team


@pytest.fixture
def answered(assessment, alice):
    """alice's draft with every item answered, ready to submit."""
    answer_all(assessment, alice, "partly")
    return assessment


def submit(assessment, user):
    return assessment_services.submit(assessment=assessment, user=user, attested=True)


def approve(assessment, user):
    return workflow.transition(assessment, "approve", user=user, text=STATEMENT)


def request_changes(assessment, user):
    return workflow.transition(assessment, "request_changes", user=user, text="Say more.")
