"""What pages show of assignments and of a user's work, each in a fixed number of queries."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import F, OuterRef, Subquery
from django.urls import reverse

from riskassess.accounts.models import Role
from riskassess.assessments.models import Assessment, Status
from riskassess.checklist.models import Category, Item
from riskassess.discussion.selectors import mentioning
from riskassess.notifications.models import Notification
from riskassess.work import services
from riskassess.work.models import Assignment

NOTIFICATIONS_PER_PAGE = 25


# On the questionnaire ------------------------------------------------------------------------


def open_by_target(assessment: Assessment) -> dict[tuple[str, str], Assignment]:
    """The assessment's open assignments by ("item", key) or ("category", key): one
    query, the first time a page asks; kept on the instance for the rest of it."""
    cached = getattr(assessment, "_open_assignments", None)
    if cached is not None:
        return cached
    found = {}
    for assignment in (
        Assignment.objects.open().filter(assessment=assessment).select_related("assignee")
    ):
        kind = "item" if assignment.item_key else "category"
        found[(kind, assignment.target_key)] = assignment
    assessment._open_assignments = found
    return found


def assign_url(assessment_id, kind: str, key: str) -> str:
    return f"{reverse('assign', args=[assessment_id])}?{kind}={key}"


def target_context(assessment: Assessment, kind: str, key: str) -> dict:
    """What work/_item_assignment.html and _category_assignment.html show."""
    can_assign = services.can_assign(assessment)
    return {
        "assignment": open_by_target(assessment).get((kind, key)),
        "can_assign": can_assign,
        "assign_url": assign_url(assessment.pk, kind, key) if can_assign else "",
    }


# On My work ----------------------------------------------------------------------------------


def assigned_to(user) -> list[Assignment]:
    """The user's open assignments on editable drafts of their teams, overdue (the
    earliest answer-by) first, then by date, then the undated: one query. Each has
    `assessment_title`, `target_label` and `url`."""
    checklist = OuterRef("assessment__checklist_id")
    item = Item.objects.filter(checklist_id=checklist, key=OuterRef("item_key"))
    category = Category.objects.filter(checklist_id=checklist, key=OuterRef("category_key"))
    rows = (
        Assignment.objects.open()
        .filter(
            assignee=user,
            # Still a member: someone who left the team sees nothing of it.
            assessment__team__memberships__user=user,
            assessment__status=Status.DRAFT,
            assessment__archived_at__isnull=True,
        )
        .annotate(
            assessment_title=F("assessment__title"),
            item_question=Subquery(item.values("question")[:1]),
            item_category=Subquery(item.values("category__key")[:1]),
            category_name=Subquery(category.values("name")[:1]),
        )
        .order_by(F("answer_by").asc(nulls_last=True), "created_at", "pk")
    )
    assignments = list(rows)
    for a in assignments:
        a.target_label = a.item_question if a.item_key else a.category_name
        category_key = a.category_key or a.item_category
        a.url = (
            services.questionnaire_link(a.assessment_id, category_key, a.item_key)
            if category_key
            else reverse("assessment", args=[a.assessment_id])
        )
    return assignments


def reviews_waiting(user) -> list[Assessment]:
    """Assessments in review in the teams where the user is the reviewer, the longest
    waiting first: one query."""
    return list(
        Assessment.objects.filter(
            # One filter(): the same membership is the user's and a reviewer's.
            team__memberships__user=user,
            team__memberships__role=Role.REVIEWER,
            status=Status.IN_REVIEW,
            archived_at__isnull=True,
        )
        .select_related("team")
        .defer("snapshot")
        .order_by(F("submitted_at").asc(nulls_last=True), "created_at", "pk")
    )


def mentions(user) -> list:
    """Open discussion threads that mention the user, for My work's third section: one
    query (discussion.selectors.mentioning), each with `.url`, `.assessment_title`,
    `.item_key` and `.excerpt`."""
    return mentioning(user)


def notifications_page(user, number) -> Page:
    """One page of the user's notifications, newest first: a count and a page, two queries."""
    return Paginator(Notification.objects.for_user(user), NOTIFICATIONS_PER_PAGE).get_page(number)
