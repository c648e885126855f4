"""Assigning an item or a category to a member, and marking it done.

Only editors and owners assign, only to a member who can answer (an editor or
an owner of the assessment's team), only while the assessment is an editable
draft. Each rule is checked again here, with the assessment's row locked,
whatever the form said: a membership can change between the page and the post.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from riskassess.accounts.models import Membership, Role
from riskassess.assessments.models import Assessment
from riskassess.checklist.models import Category, Item
from riskassess.notifications.models import Kind
from riskassess.notifications.services import notify
from riskassess.work.models import NOTE_MAX, Assignment

# The roles that answer questions, and so may be given them.
ANSWERING_ROLES = [role for role in Role if Role.allows(role, Role.EDITOR)]

NOT_ABLE = "Choose a member of this team who can answer: an editor or an owner."
PAST = "The answer-by date cannot be in the past."


class Locked(Exception):
    message = "This assessment is not an editable draft: nothing in it can be assigned."


class Refused(Exception):
    """An input the rules refuse; `field` names the form field it belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def can_assign(assessment: Assessment) -> bool:
    """Editors and owners, on an editable draft (`assessment.role` from the getter)."""
    return assessment.is_editable and Role.allows(assessment.role, Role.EDITOR)


def answerers(team_id) -> QuerySet:
    """The members of the team who can be given a question, by name."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__team_id=team_id,
            memberships__role__in=ANSWERING_ROLES,
        )
        .order_by("username")
    )


def questionnaire_link(assessment_id, category_key: str, item_key: str = "") -> str:
    """Where the target is answered: its category's page, at the item when it is one."""
    page = reverse("questionnaire", args=[assessment_id, category_key])
    return f"{page}#item-{item_key}" if item_key else page


def target_category(assessment: Assessment, *, item_key: str = "", category_key: str = "") -> str:
    """The category key of the target in the assessment's checklist, or Refused."""
    if bool(item_key) == bool(category_key):
        raise Refused("target", "Assign either one item or one category.")
    if item_key:
        found = (
            Item.objects.filter(checklist_id=assessment.checklist_id, key=item_key)
            .values_list("category__key", flat=True)
            .first()
        )
        if found is None:
            raise Refused("target", f"This checklist has no item {item_key}.")
        return found
    if not Category.objects.filter(checklist_id=assessment.checklist_id, key=category_key).exists():
        raise Refused("target", f"This checklist has no category {category_key}.")
    return category_key


def assign(
    *,
    assessment: Assessment,
    assignee,
    user,
    item_key: str = "",
    category_key: str = "",
    answer_by: date | None = None,
    note: str = "",
) -> Assignment:
    """Give the item or category to `assignee`, replacing its open assignment, and tell them."""
    if answer_by is not None and answer_by < timezone.localdate():
        raise Refused("answer_by", PAST)
    if len(note) > NOTE_MAX:
        raise Refused("note", f"The note is longer than {NOTE_MAX} characters.")
    category = target_category(assessment, item_key=item_key, category_key=category_key)
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if not locked.is_editable:
            raise Locked(Locked.message)
        roles = dict(
            Membership.objects.filter(
                team_id=locked.team_id, user_id__in=[user.pk, assignee.pk]
            ).values_list("user_id", "role")
        )
        if not Role.allows(roles.get(user.pk, Role.VIEWER), Role.EDITOR):
            raise PermissionDenied("Only editors and owners assign questions.")
        if roles.get(assignee.pk) not in ANSWERING_ROLES or not assignee.is_active:
            raise Refused("assignee", NOT_ABLE)
        # Reassigning: the open assignment of the same target gives way (its history keeps it).
        for replaced in Assignment.objects.open().filter(
            assessment=locked, item_key=item_key, category_key=category_key
        ):
            replaced.delete()
        assignment = Assignment.objects.create(
            assessment=locked,
            item_key=item_key,
            category_key=category_key,
            assignee=assignee,
            assigned_by=user,
            assigned_by_name=user.get_username(),
            answer_by=answer_by,
            note=note,
        )
        notify(
            [assignee],
            kind=Kind.ASSIGNED,
            assessment=locked,
            actor=user,
            url=questionnaire_link(locked.pk, category, item_key),
        )
    return assignment


def can_mark_done(assignment: Assignment, user, role: str | None) -> bool:
    """The assignee, or any editor or owner of the team (`role`: the user's)."""
    return assignment.assignee_id == user.pk or (
        role is not None and Role.allows(role, Role.EDITOR)
    )


def mark_done(*, assignment: Assignment, user, role: str | None) -> bool:
    """Close it; False if it was already done. PermissionDenied for anyone else."""
    if not can_mark_done(assignment, user, role):
        raise PermissionDenied("Only the assignee or an editor marks this done.")
    with transaction.atomic():
        updated = Assignment.objects.select_for_update().filter(pk=assignment.pk).first()
        if updated is None or updated.done_at is not None:
            return False
        updated.done_at = timezone.now()
        updated.save(update_fields=["done_at"])
        assignment.done_at = updated.done_at
    return True
