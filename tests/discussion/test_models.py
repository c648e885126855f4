"""What the database itself refuses, whatever code writes the rows."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from riskassess.discussion.models import BODY_MAX, Comment, Mention, Thread
from tests.discussion.conftest import ITEM, thread


def refused(**changes) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Thread.objects.filter(pk=changes.pop("pk")).update(**changes)


def test_a_thread_needs_an_item_and_an_opener_name(assessment, bob):
    t = thread(assessment, bob)
    refused(pk=t.pk, item_key="")
    refused(pk=t.pk, opened_by_name="")


def test_resolved_fields_go_together(assessment, bob):
    t = thread(assessment, bob)
    refused(pk=t.pk, resolved_at=timezone.now())  # no one resolved it
    refused(pk=t.pk, resolved_by_name="bob")  # but it is open
    refused(pk=t.pk, resolved_by=bob)
    refused(pk=t.pk, resolved_at=t.created_at - timezone.timedelta(days=1), resolved_by_name="bob")
    Thread.objects.filter(pk=t.pk).update(resolved_at=timezone.now(), resolved_by_name="bob")


def test_a_comment_body_is_never_empty_nor_past_the_limit(assessment, bob):
    t = thread(assessment, bob)
    for body in ["", "x" * (BODY_MAX + 1)]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Comment.objects.create(thread=t, author=bob, author_name="bob", body=body)
    Comment.objects.create(thread=t, author=bob, author_name="bob", body="é" * BODY_MAX)


def test_a_user_is_mentioned_once_per_comment(assessment, alice, bob):
    t = thread(assessment, bob, "@alice please look")
    comment = t.comments.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Mention.objects.create(comment=comment, thread=t, user=alice)


def test_threads_and_comments_have_a_history(assessment, bob):
    t = thread(assessment, bob)
    assert t.history.get().history_user == bob
    assert Comment.history.filter(thread_id=t.pk, history_type="+").count() == 1
    assert t.item_key == ITEM
