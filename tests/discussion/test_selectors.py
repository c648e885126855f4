"""What pages read of the discussion, in a fixed number of queries whatever its size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from riskassess.assessments import services as assessment_services
from riskassess.assessments.access import get_assessment_for_user
from riskassess.checklist.models import Item
from riskassess.discussion import selectors, services
from tests.conftest import new_assessment
from tests.discussion.conftest import ITEM, OTHER_ITEM, client_for, thread


def fill(assessment, rita, bob, size: int) -> None:
    """`size` threads on each of two items, each with `size` replies; half resolved."""
    for key in (ITEM, OTHER_ITEM):
        for n in range(size):
            t = thread(assessment, rita if n % 2 else bob, f"@bob thread {n}", item_key=key)
            for r in range(size):
                services.reply(thread=t, body=f"reply {r}", user=bob)
            if n % 3 == 2:
                services.resolve(thread=t, user=rita if n % 2 else bob)


def as_seen_by(user, assessment):
    return get_assessment_for_user(user, assessment.pk)


@pytest.mark.parametrize("size", [1, 6])
def test_by_item_is_one_query_then_none(assessment, rita, bob, size, django_assert_num_queries):
    fill(assessment, rita, bob, size)
    seen = as_seen_by(bob, assessment)
    with django_assert_num_queries(1):  # the comments with their threads
        threads = selectors.by_item(seen)
    with django_assert_num_queries(0):
        assert selectors.by_item(seen) is threads
        assert selectors.open_review_count(seen) == len(selectors.open_review_threads(seen))
        assert all(selectors.item_summary(seen, key) for key in (ITEM, OTHER_ITEM))
    assert [len(t.comment_list) for t in threads[ITEM]] == [size + 1] * size


@pytest.mark.parametrize("size", [1, 6])
def test_open_review_count_alone_is_one_query(
    assessment, rita, bob, size, django_assert_num_queries
):
    fill(assessment, rita, bob, size)
    expected = sum(1 for n in range(size) if n % 2 and n % 3 != 2) * 2
    with django_assert_num_queries(1):
        assert selectors.open_review_count(assessment) == expected


@pytest.mark.parametrize("size", [1, 6])
def test_mentioning_is_one_query(
    assessment, alice, rita, bob, team, checklist, size, django_assert_num_queries
):
    fill(assessment, rita, alice, size)
    other = new_assessment(alice, team, checklist, title="Other")
    fill(other, rita, alice, size)
    with django_assert_num_queries(1):
        found = selectors.mentioning(bob)
    open_ones = sum(1 for n in range(size) if n % 3 != 2) * 4
    assert len(found) == open_ones
    assert {f.assessment_title for f in found} == {"Support bot", "Other"}
    assert all(f.excerpt.startswith("@bob thread") for f in found)
    assert all(f.url.endswith(f"#thread-{f.pk}") for f in found)


def test_mentioning_leaves_out_resolved_kept_archived_and_left_teams(
    answered, alice, bob, rita, charlie
):
    resolved = thread(answered, rita, "@bob resolved")
    services.resolve(thread=resolved, user=rita)
    thread(answered, rita, "@bob kept")
    assessment_services.submit(assessment=answered, user=alice, attested=True)
    services.close_round(assessment_id=answered.pk)
    assert selectors.mentioning(bob) == []
    assessment_services.reopen(assessment=answered, user=alice)
    live = thread(answered, rita, "@bob live")
    assert selectors.mentioning(bob) == [live]
    assert selectors.mentioning(charlie) == []
    bob.memberships.all().delete()
    assert selectors.mentioning(bob) == []


def category_of(assessment, key=ITEM) -> str:
    return Item.objects.get(checklist=assessment.checklist, key=key).category.key


@pytest.mark.parametrize("size", [1, 4])
def test_the_questionnaire_reads_the_discussion_in_one_query(assessment, rita, bob, size):
    fill(assessment, rita, bob, size)
    url = reverse("questionnaire", args=[assessment.pk, category_of(assessment)])
    with CaptureQueriesContext(connection) as queries:
        response = client_for(bob).get(url)
    assert response.status_code == 200
    assert sum('"discussion_' in q["sql"] for q in queries.captured_queries) == 1


def test_the_questionnaire_shows_each_item_s_threads_and_the_open_review_ones(
    assessment, rita, bob
):
    asked = thread(assessment, rita, "Which benchmark was this measured on, and when? " * 3)
    thread(assessment, bob, "A note")
    done = thread(assessment, bob, "Done")
    services.resolve(thread=done, user=bob)
    url = reverse("questionnaire", args=[assessment.pk, category_of(assessment)])
    page = client_for(bob).get(url).content.decode()
    discuss = reverse("item_discussion", args=[assessment.pk, ITEM])
    assert "2 open threads</span> · 1 resolved" in page
    assert f'<a href="{discuss}">Discuss<span class="visually-hidden"> {ITEM}</span></a>' in page
    assert "1 open review thread" in page and f'href="{asked.url}"' in page
    assert "Which benchmark was this measured on, and when? Which benchmark" in page
    assert (
        page.count(">Discuss<")
        == Item.objects.filter(
            checklist=assessment.checklist, category__key=category_of(assessment), active=True
        ).count()
    )


def test_no_review_list_when_none_is_open(assessment, bob):
    thread(assessment, bob)
    url = reverse("questionnaire", args=[assessment.pk, category_of(assessment)])
    page = client_for(bob).get(url).content.decode()
    assert "review-threads" not in page and "1 open thread</span>" in page


@pytest.mark.parametrize("size", [1, 6])
def test_the_item_page_takes_a_fixed_number_of_queries(
    assessment, rita, bob, size, django_assert_num_queries
):
    fill(assessment, rita, bob, size)
    client = client_for(bob)
    url = reverse("item_discussion", args=[assessment.pk, ITEM])
    client.get(url)
    # session, user, the assessment with the user's role, the item with its
    # category, the threads with their comments; and the navigation's count of
    # unread notifications (riskassess/notifications).
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200
