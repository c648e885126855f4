"""The next review date (deployments/review.py): plain dates in, no database, no clock."""

from datetime import date

import pytest

from riskassess.deployments.review import Due, add_months, next_review

TODAY = date(2026, 6, 15)


def review(last=None, months=12, **kwargs):
    return next_review(today=TODAY, last_submitted=last, review_months=months, **kwargs)


def test_a_deployment_never_assessed_is_due_now():
    result = review()
    assert (result.state, result.due) == (Due.NEVER, TODAY)
    assert result.due_now and not result.overdue


def test_it_is_due_the_interval_after_the_latest_submission():
    result = review(date(2026, 1, 10), months=12)
    assert (result.state, result.due) == (Due.SCHEDULED, date(2027, 1, 10))
    assert not result.due_now


def test_it_uses_the_deployments_own_interval():
    assert review(date(2026, 1, 10), months=3).due == date(2026, 4, 10)


def test_it_is_overdue_the_day_after_the_due_date():
    result = review(date(2025, 6, 14))
    assert (result.state, result.due) == (Due.OVERDUE, date(2026, 6, 14))
    assert result.overdue and result.due_now


def test_on_the_due_date_itself_it_is_due_today_not_overdue():
    result = review(date(2025, 6, 15))
    assert result.state == Due.TODAY and not result.overdue


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 12, 1), 1, date(2027, 1, 1)),
        (date(2026, 5, 31), 60, date(2031, 5, 31)),
    ],
)
def test_months_are_calendar_months_clamped_to_the_months_last_day(day, months, expected):
    assert add_months(day, months) == expected


def test_a_base_model_superseded_after_the_latest_submission_brings_the_date_forward():
    result = review(
        date(2026, 1, 10), superseded=("Llama 3 70B", "Llama 3.1 70B", date(2026, 3, 1))
    )
    assert (result.state, result.due) == (Due.OVERDUE, date(2026, 3, 1))
    assert result.superseded.needs_reassessment
    assert (result.superseded.old, result.superseded.new) == ("Llama 3 70B", "Llama 3.1 70B")


def test_a_supersession_in_the_future_brings_the_date_forward_to_that_day():
    result = review(date(2026, 1, 10), superseded=("A", "B", date(2026, 9, 1)))
    assert (result.state, result.due) == (Due.SCHEDULED, date(2026, 9, 1))


def test_a_submission_after_the_supersession_keeps_its_date_and_the_notice():
    result = review(date(2026, 4, 1), superseded=("A", "B", date(2026, 3, 1)))
    assert (result.state, result.due) == (Due.SCHEDULED, date(2027, 4, 1))
    assert result.superseded is not None and not result.superseded.needs_reassessment


def test_a_supersession_on_an_unknown_date_makes_it_due_now():
    result = review(date(2026, 4, 1), superseded=("A", "B", None))
    assert (result.state, result.due) == (Due.TODAY, TODAY)
    assert result.superseded.needs_reassessment


def test_a_never_assessed_deployment_on_a_superseded_model_is_due_now_and_says_why():
    result = review(superseded=("A", "B", date(2020, 1, 1)))
    assert result.state == Due.NEVER and result.superseded.needs_reassessment


def test_a_retired_deployment_is_not_reviewed():
    result = review(date(2020, 1, 1), retired=True)
    assert (result.state, result.due) == (Due.RETIRED, None)
    assert not result.due_now
