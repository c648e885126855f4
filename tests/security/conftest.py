"""The records under attack in the adversarial sweep.

The cast comes from tests/conftest.py: alice owns `team`, bob edits, vera only
views; charlie owns `other_team` and is the outsider.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from riskassess.assessments import services
from riskassess.assessments.data import assessment_data
from riskassess.assessments.models import Assessment
from riskassess.checklist.models import Checklist
from riskassess.checklist.services import load_checklist
from riskassess.checklist.spec import validate
from tests.checklist.test_loader import small_data
from tests.security.support import ANSWERS, DETAILS


@pytest.fixture(autouse=True)
def empty_cache():
    """Rendered PDFs are cached by fingerprint: each test starts without any."""
    cache.clear()


@pytest.fixture
def assessment(alice, bob, vera, team, checklist) -> Assessment:
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


def _answer_everything(assessment: Assessment, user) -> None:
    for item in assessment_data(assessment)["items"]:
        services.save_answer(
            assessment=assessment,
            item_key=item["key"],
            option_key="yes",
            comment="",
            expected_version=0,
            user=user,
        )


@pytest.fixture
def complete(alice, bob, vera, team, checklist) -> Assessment:
    """A draft of `team` with every item answered: its owner could submit it."""
    created = services.create_assessment(
        user=alice, team=team, checklist=checklist, **{**DETAILS, "title": "Alpha complete"}
    )
    _answer_everything(created, alice)
    return created


@pytest.fixture
def submitted(alice, bob, vera, team, checklist) -> Assessment:
    """An assessment of `team`, every item answered, submitted by alice: locked."""
    created = services.create_assessment(
        user=alice, team=team, checklist=checklist, **{**DETAILS, "title": "Alpha submitted"}
    )
    _answer_everything(created, alice)
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
def second_checklist(checklist) -> Checklist:
    """Another published checklist, with an item OTH-01 that the default one does not have."""
    data = small_data()
    data["slug"] = "other-checklist"
    data["categories"][0]["items"][0]["key"] = "OTH-01"
    return load_checklist(validate(data))[0]
