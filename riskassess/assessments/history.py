"""The assessment's audit trail, for its members: who changed what, and when."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from riskassess.accounts.models import Role
from riskassess.assessments import revisions
from riskassess.assessments.access import get_assessment_for_user
from riskassess.assessments.models import Answer, Assessment, ProfileAnswer
from riskassess.checklist.models import ProfileOption

PER_PAGE = 50
PROFILE_SHOWN = 200  # profile changes listed, newest first (19 questions: rarely more)
DETAIL_FIELDS = ["title", "model_name", "base_model", "context", "status"]


def _answer_value(record) -> str:
    return record.option.label if record.option_id and record.option else "—"


def _previous(records, assessment: Assessment, rows: list) -> dict:
    """Each change's "before": the same row's previous version, in one query for the page.

    `records` is the history queryset to look in; the result maps (row id,
    version) to its history record.
    """
    wanted = {(r.id, r.version - 1) for r in rows if r.version > 1}
    if not wanted:
        return {}
    earlier = records.filter(
        assessment_id=assessment.pk,
        id__in={row_id for row_id, _ in wanted},
        version__in={version for _, version in wanted},
    )
    return {(r.id, r.version): r for r in earlier}


def _answer_changes(assessment: Assessment, page_number) -> tuple:
    records = (
        Answer.history.filter(assessment_id=assessment.pk)
        .select_related("item", "option", "history_user")
        .order_by("-history_date", "-history_id")
    )
    page = Paginator(records, PER_PAGE).get_page(page_number)
    rows = list(page.object_list)
    previous = _previous(Answer.history.select_related("option"), assessment, rows)
    changes = []
    for record in rows:
        before = previous.get((record.id, record.version - 1))
        changes.append(
            {
                "at": record.history_date,
                "user": record.history_user.get_username() if record.history_user else "—",
                "item": record.item,
                "kind": record.get_history_type_display(),
                "before_answer": _answer_value(before) if before else None,
                "after_answer": _answer_value(record),
                "before_comment": before.comment if before else None,
                "after_comment": record.comment,
            }
        )
    return page, changes


def _profile_changes(assessment: Assessment) -> tuple[list[dict], int]:
    """Changes of the profile (format 2), newest first, with option labels; and their count."""
    if assessment.checklist.format != 2:
        return [], 0
    records = ProfileAnswer.history.filter(assessment_id=assessment.pk)
    count = records.count()
    if not count:
        return [], 0
    rows = list(
        records.select_related("question", "history_user").order_by("-history_date", "-history_id")[
            :PROFILE_SHOWN
        ]
    )
    previous = _previous(ProfileAnswer.history.all(), assessment, rows)
    labels = {
        (question_id, key): label
        for question_id, key, label in ProfileOption.objects.filter(
            question_id__in={r.question_id for r in rows}
        ).values_list("question_id", "key", "label")
    }

    def shown(record) -> str:
        names = [labels.get((record.question_id, key), key) for key in record.choices]
        return "; ".join(names) or "— (unanswered)"

    changes = []
    for record in rows:
        before = previous.get((record.id, record.version - 1))
        changes.append(
            {
                "at": record.history_date,
                "user": record.history_user.get_username() if record.history_user else "—",
                "question": record.question,
                "before": shown(before) if before else None,
                "after": shown(record),
            }
        )
    return changes, count


def _detail_changes(assessment: Assessment) -> list[dict]:
    records = list(
        assessment.history.select_related("history_user").order_by("history_date", "history_id")
    )
    changes, previous = [], None
    for record in records:
        fields = []
        for name in DETAIL_FIELDS:
            after = getattr(record, name)
            before = getattr(previous, name) if previous else None
            if previous is None or before != after:
                fields.append(
                    {
                        "name": Assessment._meta.get_field(name).verbose_name,
                        "before": before,
                        "after": after,
                    }
                )
        if fields:
            changes.append(
                {
                    "at": record.history_date,
                    "user": record.history_user.get_username() if record.history_user else "—",
                    "created": previous is None,
                    "fields": fields,
                }
            )
        previous = record
    changes.reverse()
    return changes


def assessment_history(request: HttpRequest, assessment_id) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id, Role.VIEWER)
    page, answer_changes = _answer_changes(assessment, request.GET.get("page"))
    profile_changes, profile_count = _profile_changes(assessment)
    context = {
        "profile_changes": profile_changes,
        "profile_count": profile_count,
        "assessment": assessment,
        "page": page,
        "answer_changes": answer_changes,
        "detail_changes": _detail_changes(assessment),
        "events": list(assessment.events.order_by("-at", "-pk")),
        "revisions": revisions.timeline(assessment)[::-1],
    }
    return render(request, "assessments/history.html", context)
