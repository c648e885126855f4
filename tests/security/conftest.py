"""The records under attack in the adversarial sweep.

The cast comes from tests/conftest.py: alice owns `team`, bob edits, vera only
views; charlie owns `other_team` and is the outsider.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction

from riskassess.accounts.models import Membership, Role
from riskassess.assessments import reassess, services
from riskassess.assessments.models import Answer, Assessment
from riskassess.checklist.models import Checklist
from riskassess.checklist.services import load_checklist
from riskassess.checklist.spec import validate
from riskassess.deployments.models import Deployment
from tests.checklist.test_loader import small_data
from tests.conftest import make_user, set_profile
from tests.security.support import ANSWERS, DETAILS


@pytest.fixture(scope="module", autouse=True)
def _default_checklist_id(django_db_setup, django_db_blocker, default_spec):
    """The default checklist, loaded once per module in a transaction rolled back at its end.

    Loading it takes a fifth of a second and nearly every test here needs it.
    Each test still runs in a transaction of its own (a savepoint inside this
    one, rolled back after the test), and nothing of this one outlives the module.
    Autouse, so that it opens before any test's transaction even when a test
    asks for its fixtures with request.getfixturevalue().
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            checklist_id = load_checklist(default_spec)[0].pk
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield checklist_id
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def checklist(db, _default_checklist_id) -> Checklist:
    """tests/conftest.py's `checklist`, without loading it again for every test."""
    return Checklist.objects.get(pk=_default_checklist_id)


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
    """Every item answered "yes", in one INSERT: the fixtures need the state, not the saves."""
    yes = {
        option.item_id: option
        for option in assessment.checklist.options.filter(key="yes", active=True)
    }
    Answer.objects.bulk_create(
        Answer(
            assessment=assessment, item=item, option=yes.get(item.pk, yes[None]), updated_by=user
        )
        for item in assessment.checklist.items.filter(active=True)
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
def in_review(alice, bob, vera, team, checklist) -> Assessment:
    """An assessment of `team`, which requires reviews, submitted for review by alice; the
    team's reviewer is rita, who did not work on it."""
    team.review_required = True
    team.save()
    rita = make_user("rita")
    Membership.objects.create(team=team, user=rita, role=Role.REVIEWER)
    created = services.create_assessment(
        user=alice, team=team, checklist=checklist, **{**DETAILS, "title": "Alpha in review"}
    )
    _answer_everything(created, alice)
    return services.submit(assessment=created, user=alice)


@pytest.fixture
def rita(in_review):
    return Membership.objects.get(team=in_review.team, role=Role.REVIEWER).user


@pytest.fixture
def archived(submitted, alice) -> Assessment:
    """`submitted`, archived by alice: only restoring it is possible."""
    return services.archive(assessment=submitted, user=alice)


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


# Deployments, their comparison and re-assessment, and format-2 profiles ------------------
# (tests/security/test_cross_team_deployments.py)


@pytest.fixture
def alpha_deployment(submitted, alice) -> Deployment:
    """`submitted`'s deployment: revision 1, and a re-assessment draft started from it, so
    that it has two reports to compare and a revision to re-assess from."""
    reassess.start(submitted.deployment, user=alice)
    return Deployment.objects.get(pk=submitted.deployment_id)


@pytest.fixture
def bravo_deployment(charlie, other_team, checklist) -> Deployment:
    """charlie's deployment in `other_team`, like `alpha_deployment`: what alice must never see."""
    created = services.create_assessment(
        user=charlie,
        team=other_team,
        checklist=checklist,
        title="Bravo unreleased model",
        model_name="bravo-secret 0.9",
        base_model="a frontier model",
        context="Not announced yet",
    )
    _answer_everything(created, charlie)
    created.answers.filter(item__key="INQ-01").update(comment="Bravo gap: no evaluation at all")
    services.submit(assessment=created, user=charlie)
    reassess.start(created.deployment, user=charlie)
    return Deployment.objects.get(pk=created.deployment_id)


@pytest.fixture(scope="module")
def _v2_checklist_id(_default_checklist_id, django_db_blocker, v2_spec):
    """The format-2 checklist (a second), loaded once per module inside the transaction of
    _default_checklist_id and rolled back with it. A module that uses it names it in
    `pytestmark = pytest.mark.usefixtures("_v2_checklist_id")`, so that it is loaded
    before any test's transaction even when its tests ask with request.getfixturevalue()."""
    with django_db_blocker.unblock():
        return load_checklist(v2_spec)[0].pk


@pytest.fixture
def v2_checklist(db, _v2_checklist_id) -> Checklist:
    """tests/conftest.py's `v2_checklist`, without loading it again for every test."""
    return Checklist.objects.get(pk=_v2_checklist_id)


@pytest.fixture
def alpha_v2(alice, team, v2_checklist) -> Assessment:
    """alice's draft of the format-2 checklist, its profile partly answered (P-USERS not)."""
    created = services.create_assessment(
        user=alice, team=team, checklist=v2_checklist, **{**DETAILS, "title": "Alpha profiled"}
    )
    set_profile(created, alice, **{"P-OUTPUT": ["text"]})
    return created


@pytest.fixture
def bravo_v2(charlie, other_team, v2_checklist) -> Assessment:
    """charlie's format-2 draft in `other_team`, its profile partly answered (P-USERS not)."""
    created = services.create_assessment(
        user=charlie,
        team=other_team,
        checklist=v2_checklist,
        title="Bravo unreleased model",
        model_name="bravo-secret 0.9",
        base_model="a frontier model",
        context="Not announced yet",
    )
    set_profile(created, charlie, **{"P-OUTPUT": ["code"]})
    return created
