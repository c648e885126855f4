"""Checklist rows that answers refer to are retired, never deleted (security.md)."""

import pytest
from django.contrib.messages import get_messages
from django.db.models import ProtectedError
from django.urls import reverse

from riskassess.assessments import services
from riskassess.assessments.data import assessment_data
from riskassess.checklist.models import Category, Item, Option
from tests.conftest import new_assessment


@pytest.fixture
def answered(alice, team, draft):
    """An answer to INQ-01 of a draft version.

    A published version's rows cannot be edited or deleted at all
    (test_published_immutable.py); PROTECT is the guard that remains for drafts.
    """
    assessment = new_assessment(alice, team, draft)
    services.save_answer(
        assessment=assessment,
        item_key="INQ-01",
        option_key="partly",
        comment="",
        expected_version=0,
        user=alice,
    )
    return assessment


def test_deleting_an_answered_item_is_refused(answered):
    with pytest.raises(ProtectedError):
        Item.objects.get(key="INQ-01").delete()


def test_the_admin_refuses_to_delete_an_answered_item_and_suggests_deactivating(
    client, staff, answered
):
    client.force_login(staff)
    item = Item.objects.get(key="INQ-01")
    response = client.post(reverse("admin:checklist_item_delete", args=[item.pk]), {"post": "yes"})
    assert Item.objects.filter(pk=item.pk).exists()
    assert any("Deactivate it instead" in str(m) for m in get_messages(response.wsgi_request))


def test_the_admin_bulk_delete_refuses_answered_items(client, staff, answered):
    client.force_login(staff)
    items = list(Item.objects.filter(key__in=["INQ-01", "INQ-02"]).values_list("pk", flat=True))
    client.post(
        reverse("admin:checklist_item_changelist"),
        {"action": "delete_selected", "_selected_action": items, "post": "yes"},
    )
    assert Item.objects.filter(pk__in=items).count() == 2


def test_the_admin_refuses_to_delete_a_category_with_answered_items(client, staff, answered):
    client.force_login(staff)
    category = Category.objects.get(key="inequity")
    client.post(reverse("admin:checklist_category_delete", args=[category.pk]), {"post": "yes"})
    assert Category.objects.filter(pk=category.pk).exists()


def test_the_admin_refuses_to_delete_an_option_in_use(client, staff, answered):
    client.force_login(staff)
    option = Option.objects.get(item=None, key="partly")
    client.post(reverse("admin:checklist_option_delete", args=[option.pk]), {"post": "yes"})
    assert Option.objects.filter(pk=option.pk).exists()


def test_an_unanswered_item_can_be_deleted(client, staff, answered):
    client.force_login(staff)
    item = Item.objects.get(key="INQ-02")
    client.post(reverse("admin:checklist_item_delete", args=[item.pk]), {"post": "yes"})
    assert not Item.objects.filter(pk=item.pk).exists()


def test_a_deactivated_item_leaves_new_assessments_and_stays_in_old_ones(answered, alice, team):
    Item.objects.filter(key="INQ-01").update(active=False)
    fresh = services.create_assessment(
        user=alice,
        team=team,
        checklist=answered.checklist,
        title="New",
        model_name="m",
        base_model="b",
        context="c",
    )
    assert "INQ-01" not in [i["key"] for i in assessment_data(fresh)["items"]]
    old = [i for i in assessment_data(answered)["items"] if i["key"] == "INQ-01"]
    assert old[0]["answer"] == "partly"


def test_a_deactivated_item_cannot_be_newly_answered(answered, alice, team):
    Item.objects.filter(key="INQ-02").update(active=False)
    with pytest.raises(services.AnswerError, match="retired"):
        services.save_answer(
            assessment=answered,
            item_key="INQ-02",
            option_key="yes",
            comment="",
            expected_version=0,
            user=alice,
        )


def test_the_same_bulk_delete_removes_unanswered_items(client, staff, answered):
    # The control for the refusal above: the POST itself is a working bulk delete.
    client.force_login(staff)
    items = list(Item.objects.filter(key__in=["INQ-02", "INQ-03"]).values_list("pk", flat=True))
    client.post(
        reverse("admin:checklist_item_changelist"),
        {"action": "delete_selected", "_selected_action": items, "post": "yes"},
    )
    assert not Item.objects.filter(pk__in=items).exists()
