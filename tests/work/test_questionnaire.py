"""Assignments on the questionnaire: a line per item, one under the category's heading,
read in one query whatever the number of items and assignments."""

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from riskassess.checklist.models import Item

ITEM, CATEGORY = "INQ-01", "inequity"


def page(client, assessment, category=CATEGORY) -> str:
    response = client.get(reverse("questionnaire", args=[assessment.pk, category]))
    assert response.status_code == 200
    return response.content.decode()


def card(html: str, key: str) -> str:
    start = html.index(f'id="item-{key}"')
    return html[start : html.index('class="q-status"', start)]


def test_an_assigned_item_says_to_whom_and_by_when(client_for, give, assessment, alice, vera):
    answer_by = date.today() + timedelta(days=3)
    give(alice, answer_by=answer_by)
    line = card(page(client_for(vera), assessment), ITEM)
    assert 'Assigned to</span> <strong class="break-anywhere">alice</strong>' in line
    assert f'answer by</span> <time datetime="{answer_by:%Y-%m-%d}">{answer_by.day} ' in line
    assert "Reassign" not in line  # vera only reads


def test_editors_get_an_assign_link_on_each_item(client_for, assessment, bob):
    html = page(client_for(bob), assessment)
    url = reverse("assign", args=[assessment.pk])
    assert (
        f'<a href="{url}?item={ITEM}">Assign<span class="visually-hidden"> {ITEM}</span>'
        in card(html, ITEM)
    )
    assert f'<a href="{url}?category={CATEGORY}">Assign this category</a>' in html


def test_viewers_get_no_assign_link(client_for, assessment, vera):
    html = page(client_for(vera), assessment)
    assert reverse("assign", args=[assessment.pk]) not in html
    assert 'data-testid="assignment"' not in html


def test_the_category_shows_its_assignment(client_for, give, assessment, bob):
    give(bob, category_key=CATEGORY)
    html = page(client_for(bob), assessment)
    assert 'This category is assigned to</span> <strong class="break-anywhere">bob</strong>' in html
    assert "Reassign this category" in html


def test_an_overdue_assignment_is_flagged(client_for, give, assessment, bob):
    assignment = give(bob)
    assignment.answer_by = date.today() - timedelta(days=2)
    assignment.save()
    assert "Overdue" in card(page(client_for(bob), assessment), ITEM)


def test_a_done_assignment_is_not_shown(client_for, give, assessment, bob):
    assignment = give(bob)
    assignment.done_at = assignment.created_at
    assignment.save()
    assert "Assigned to" not in page(client_for(bob), assessment)


def test_the_page_reads_assignments_in_one_query(client_for, give, assessment, alice, bob):
    client = client_for(bob)
    keys = list(
        Item.objects.filter(checklist=assessment.checklist, category__key=CATEGORY).values_list(
            "key", flat=True
        )
    )
    counts = []
    for size in (1, len(keys)):
        for key in keys[:size]:
            give(alice if size == 1 else bob, item_key=key)
        with CaptureQueriesContext(connection) as queries:
            html = page(client, assessment)
        counts.append(len(queries))
        assert html.count("Assigned to</span>") == size
        assert sum('"work_assignment"' in q["sql"] for q in queries.captured_queries) == 1
    assert counts[0] == counts[1]
