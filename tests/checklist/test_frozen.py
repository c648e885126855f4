"""Published checklist versions are read once per process (selectors.trees_and_parts)."""

import copy
from datetime import timedelta

import pytest

from riskassess.checklist import selectors
from riskassess.checklist.models import Checklist, Item, Status


@pytest.fixture(autouse=True)
def empty():
    selectors.forget_frozen()
    yield
    selectors.forget_frozen()


def test_a_published_version_is_read_once(checklist, django_assert_num_queries):
    with django_assert_num_queries(3):  # categories, items, options
        trees, parts = selectors.trees_and_parts([checklist])
    with django_assert_num_queries(0):
        again, _ = selectors.trees_and_parts([checklist])
    assert again[checklist.pk] is trees[checklist.pk]
    assert parts == {}  # format 1 has no profile or frameworks


def test_format_2_parts_are_kept_with_the_tree(v2_checklist, django_assert_num_queries):
    with django_assert_num_queries(7):  # the tree's 3, the profile's 2, the frameworks' 2
        _, parts = selectors.trees_and_parts([v2_checklist])
    with django_assert_num_queries(0):
        _, again = selectors.trees_and_parts([v2_checklist])
    assert again[v2_checklist.pk]["profile"] and again[v2_checklist.pk]["frameworks"]
    assert again[v2_checklist.pk] is parts[v2_checklist.pk]


def test_a_draft_is_read_every_time_so_an_edit_shows(checklist, django_assert_num_queries):
    draft = Checklist.objects.get(pk=checklist.pk)
    Checklist.objects.filter(pk=draft.pk).update(status=Status.DRAFT)
    draft.status = Status.DRAFT
    selectors.trees_and_parts([draft])
    Item.objects.filter(checklist=draft, key="INQ-01").update(question="Edited in the draft")
    with django_assert_num_queries(3):
        trees, _ = selectors.trees_and_parts([draft])
    questions = [i.question for c in trees[draft.pk] for i in c.item_list]
    assert "Edited in the draft" in questions


def test_a_row_with_a_reused_id_is_not_given_the_old_tree(checklist, django_assert_num_queries):
    """After a rollback SQLite may give a new checklist the id of a forgotten one."""
    selectors.trees_and_parts([checklist])
    lookalike = copy.copy(checklist)
    lookalike.created_at = checklist.created_at + timedelta(microseconds=1)
    with django_assert_num_queries(3):
        selectors.trees_and_parts([lookalike])


def test_it_keeps_a_bounded_number_of_versions(checklist, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(selectors, "FROZEN_MAX", 2)
    versions = []
    for n in range(3):
        version = copy.copy(checklist)
        version.created_at = checklist.created_at + timedelta(seconds=n)
        versions.append(version)
        selectors.trees_and_parts([version])
    assert len(selectors._frozen) == 2
    with django_assert_num_queries(3):  # the oldest was dropped
        selectors.trees_and_parts([versions[0]])
    with django_assert_num_queries(0):
        selectors.trees_and_parts([versions[2]])
