"""Two people saving the same item at the same moment, on real connections.

Run on SQLite and on PostgreSQL by CI: exactly one save wins, the other is
told about the conflict, and nothing is silently overwritten.
"""

import threading

import pytest
from django.db import connection

from riskassess.assessments import services
from riskassess.assessments.models import Answer

pytestmark = pytest.mark.django_db(transaction=True)


def race(assessment, writers, expected_version):
    barrier = threading.Barrier(len(writers))
    outcomes = {}

    def write(user, option):
        try:
            barrier.wait(timeout=10)
            services.save_answer(
                assessment=assessment,
                item_key="INQ-01",
                option_key=option,
                comment=f"{user.username} says {option}",
                expected_version=expected_version,
                user=user,
            )
            outcomes[user.username] = "saved"
        except services.Conflict as conflict:
            outcomes[user.username] = conflict.current
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=pair) for pair in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.parametrize("first", [False, True], ids=["existing answer", "first answer"])
def test_exactly_one_of_two_simultaneous_writers_wins(assessment, alice, bob, first):
    version = 0
    if not first:
        services.save_answer(
            assessment=assessment,
            item_key="INQ-01",
            option_key="unknown",
            comment="",
            expected_version=0,
            user=alice,
        )
        version = 1
    outcomes = race(assessment, [(alice, "yes"), (bob, "no")], version)

    winners = [name for name, outcome in outcomes.items() if outcome == "saved"]
    assert len(outcomes) == 2 and len(winners) == 1, outcomes
    loser = next(name for name in outcomes if name not in winners)
    answer = Answer.objects.select_related("option").get(assessment=assessment)
    # The stored answer is the winner's, one version on; the loser was shown it.
    assert answer.comment.startswith(winners[0])
    assert answer.version == version + 1
    assert outcomes[loser]["comment"] == answer.comment
    assert outcomes[loser]["version"] == answer.version
