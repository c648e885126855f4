"""The questionnaire: one page per category, saved by autosave or by the Save button.

The page works without JavaScript: Save posts the whole category and only the
items whose posted values differ from the stored ones are saved, each with the
version the page showed, so a stale page gets a conflict instead of
overwriting someone else's answer. static/js/questionnaire.js adds autosave
through `answer_save`, one item at a time, as JSON. forms.py parses both.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from riskassess import present
from riskassess.accounts.models import Role
from riskassess.assessments import data_v2, services
from riskassess.assessments.access import get_assessment_for_user
from riskassess.assessments.data import assessment_data, score_data
from riskassess.assessments.forms import BadRequest, ItemForm, fingerprint, parse_json
from riskassess.assessments.models import Assessment
from riskassess.checklist.models import Option

SESSION_EXPIRED = (
    "Your session has expired. Log in again: your unsaved answers are kept on the page."
)


# The profile's step in the progress and the steps: not a valid category key.
PROFILE_STEP = "_profile"


@require_GET
def questionnaire_start(request: HttpRequest, assessment_id) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id)
    data = assessment_data(assessment)
    if data_v2.is_v2(data):
        return redirect("profile", assessment.pk)  # the profile decides what is asked
    if not data["categories"]:
        raise Http404("This checklist has no questions.")
    return redirect("questionnaire", assessment.pk, data["categories"][0]["key"])


def progress(data: dict, result=None) -> dict:
    """Required items answered, per category and overall (N/A counts as an answer).

    Format 2 (contracts.md §7): items skipped by rule are not counted, and the
    profile questions are, as a step of their own (PROFILE_STEP).
    """
    result = result or score_data(data)
    categories = {
        c.key: {"answered": c.answered_required, "required": c.required} for c in result.categories
    }
    if data_v2.is_v2(data):
        categories[PROFILE_STEP] = {
            "answered": sum(bool(q["answers"]) for q in data["profile"]),
            "required": len(data["profile"]),
        }
    overall = {
        "answered": sum(c["answered"] for c in categories.values()),
        "required": sum(c["required"] for c in categories.values()),
    }
    return {"overall": overall, "categories": categories}


def steps_of(assessment: Assessment, data: dict, counts: dict, result, current: str) -> list:
    """The questionnaire's steps, the profile first for format 2, each with its link and counts."""
    steps = []
    if data_v2.is_v2(data):
        steps.append(
            {
                "key": PROFILE_STEP,
                "name": "Profile",
                "url": reverse("profile", args=[assessment.pk]),
            }
        )
    skipped = getattr(result, "skipped", {})
    for category in data["categories"]:
        keys = [i["key"] for i in data["items"] if i["category"] == category["key"]]
        steps.append(
            {
                **category,
                "url": reverse("questionnaire", args=[assessment.pk, category["key"]]),
                "skipped": sum(key in skipped for key in keys),
                "all_skipped": bool(keys) and all(key in skipped for key in keys),
            }
        )
    for step in steps:
        done = counts["categories"][step["key"]]
        step.update(done, complete=done["answered"] >= done["required"])
        step["current"] = step["key"] == current
    return steps


def steps_context(assessment: Assessment, data: dict, result, current: str) -> dict:
    """What the steps column and the pager need, for a category page or the profile."""
    counts = progress(data, result)
    steps = steps_of(assessment, data, counts, result, current)
    index = next(i for i, step in enumerate(steps) if step["current"])
    overall = counts["overall"]
    return {
        "steps": steps,
        "position": index + 1,
        "previous": steps[index - 1] if index > 0 else None,
        "next": steps[index + 1] if index + 1 < len(steps) else None,
        "overall": overall,
        "percent": present.percent_of(overall["answered"], overall["required"]),
    }


def _category(data: dict, key: str) -> dict:
    for category in data["categories"]:
        if category["key"] == key:
            return category
    raise Http404("No such category in this checklist.")


def _can_edit(assessment: Assessment) -> bool:
    return assessment.is_editable and Role.allows(assessment.role, Role.EDITOR)


@require_http_methods(["GET", "POST"])
def questionnaire(request: HttpRequest, assessment_id, category_key: str) -> HttpResponse:
    needed = Role.EDITOR if request.method == "POST" else Role.VIEWER
    assessment = get_assessment_for_user(request.user, assessment_id, needed)
    data = assessment_data(assessment)
    category = _category(data, category_key)
    items = [item for item in data["items"] if item["category"] == category_key]
    if request.method == "GET":
        forms = {item["key"]: ItemForm.stored(item) for item in items}
        return _render(request, assessment, data, category, forms)

    forms = {
        item["key"]: ItemForm.posted(request.POST, item) or ItemForm.stored(item) for item in items
    }
    if assessment.is_locked:
        return _render(
            request, assessment, data, category, forms, status=409, notice=services.Locked.message
        )
    try:
        saved = _save(request, assessment, items, forms)
    except services.Locked:
        data = assessment_data(assessment)
        return _render(
            request, assessment, data, category, forms, status=409, notice=services.Locked.message
        )
    problems = [key for key, form in forms.items() if form.errors or form.conflict]
    if problems:
        status = 409 if any(forms[key].conflict for key in problems) else 400
        data = assessment_data(assessment)  # progress and "saved by" after the saves that worked
        return _render(request, assessment, data, category, forms, status=status, saved=saved)

    target = request.POST.get("goto", "")
    if target == PROFILE_STEP and data_v2.is_v2(data):
        return redirect("profile", assessment.pk)
    if target not in {c["key"] for c in data["categories"]}:
        target = category_key
    if saved:
        messages.success(request, f"Saved {saved} answer{'s' if saved != 1 else ''}.")
    elif target == category_key:
        messages.info(request, "Nothing to save: no answer on this page was changed.")
    return redirect("questionnaire", assessment.pk, target)


def _save(request: HttpRequest, assessment: Assessment, items: list, forms: dict) -> int:
    """Save the items the user changed; record errors and conflicts on their forms."""
    saved = 0
    for item in items:
        form = forms[item["key"]]
        if form.same_as(item):
            form.version = item["version"]
            form.original = fingerprint(item["answer"], item["comment"])
            continue
        if form.original == fingerprint(form.option, form.comment):
            continue  # untouched: what the page was loaded with, not a change to make
        try:
            version = int(form.version)
        except ValueError:
            form.errors["item"] = "This page is out of date: reload it and answer again."
            continue
        try:
            result = services.save_answer(
                assessment=assessment,
                item_key=item["key"],
                option_key=form.option,
                comment=form.comment,
                expected_version=version,
                user=request.user,
            )
        except services.AnswerError as exc:
            form.errors[exc.field] = str(exc)
        except services.Conflict as exc:
            form.conflict = _theirs(exc.current, _labels(item["options"]))
            # Saving again now means "keep mine", knowingly.
            form.version = exc.current["version"]
        else:
            form.version = result.answer["version"]
            form.original = fingerprint(form.option, form.comment)
            form.saved = True
            saved += 1
    return saved


def _skip_dict(skip) -> dict:
    return {"source": skip.source, "condition": dict(skip.condition)}


def _answer_label(item: dict) -> str:
    """What a skipped item was answered, or "" (an answer to confirm counts as none)."""
    option = next((o for o in item["options"] if o["key"] == item["answer"]), None)
    return option["label"] if option else ""


def _labels(options: list[dict]) -> dict[str, str]:
    return {option["key"]: option["label"] for option in options}


def _theirs(current: dict, labels: dict[str, str]) -> dict:
    option = current["option"]
    return {**current, "option_label": labels.get(option, option) if option else ""}


def _when(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None


def _tone(option: dict) -> str:
    if option["not_applicable"]:
        return "na"
    if option["risk"] == 0:
        return "ok"
    return "bad" if option["risk"] >= 1 else "mid"


def _item_view(item: dict, form: ItemForm) -> dict:
    labels = _labels(item["options"])
    conflict = form.conflict
    return {
        **item,
        "form": form,
        "answered_at": _when(item["answered_at"]),
        "options": [
            {
                **option,
                "id": f"{item['key']}-opt-{option['key']}",
                "checked": option["key"] == form.option,
                "tone": _tone(option),
            }
            for option in item["options"]
        ],
        "conflict": conflict
        and {
            **conflict,
            "answered_at": _when(conflict["answered_at"]),
            "yours_label": labels.get(form.option, form.option or ""),
        },
    }


def _render(
    request: HttpRequest,
    assessment: Assessment,
    data: dict,
    category: dict,
    forms: dict[str, ItemForm],
    *,
    status: int = 200,
    notice: str = "",
    saved: int = 0,
) -> HttpResponse:
    result = score_data(data)
    around = steps_context(assessment, data, result, category["key"])
    skipped = getattr(result, "skipped", {})
    critical = getattr(result, "critical", {})
    items, ignored = [], []
    for item in data["items"]:
        if item["category"] != category["key"]:
            continue
        if item["key"] in skipped:
            # Not asked now; an answer it has is kept and shown as ignored (contracts.md §7).
            reason = data_v2.skip_reason(_skip_dict(skipped[item["key"]]), data)
            ignored.append({**item, "reason": reason, "answer_label": _answer_label(item)})
            continue
        view = _item_view(item, forms[item["key"]])
        if item["key"] in critical:
            view["critical"] = critical[item["key"]]  # as the profile makes it
        items.append(view)
    context = {
        **around,
        "assessment": assessment,
        "category": around["steps"][around["position"] - 1],
        "items": items,
        "ignored": ignored,
        "can_edit": _can_edit(assessment),
        "notice": notice,
        "problems": [item for item in items if item["form"].errors or item["form"].conflict],
        "saved": saved,
        "login_url": redirect_to_login(request.get_full_path()).url,
    }
    return render(request, "assessments/questionnaire.html", context, status=status)


# The autosave endpoint ---------------------------------------------------------------------


def _error(status: int, message: str, **extra) -> JsonResponse:
    return JsonResponse({"ok": False, "error": message, **extra}, status=status)


def _option_label(assessment: Assessment, item_key: str, option_key: str | None) -> str:
    if option_key is None:
        return ""
    found = Option.objects.filter(
        Q(item__key=item_key) | Q(item=None), checklist_id=assessment.checklist_id, key=option_key
    ).values_list("item_id", "label")
    # The item's own option wins over the checklist's scale.
    labels = sorted(found, key=lambda row: row[0] is None)
    return labels[0][1] if labels else option_key


@login_not_required
def answer_save(request: HttpRequest, assessment_id, item_key: str) -> HttpResponse:
    """Save one answer sent as JSON: {"option": key or null, "comment": str, "version": int}.

    Always answers JSON, including for an expired session (401), so the page
    can keep the unsaved answers and say what happened.
    """
    if request.method != "POST":
        response = _error(405, "Use POST to save an answer.")
        response["Allow"] = "POST"
        return response
    if not request.user.is_authenticated:
        page = reverse("questionnaire_start", args=[assessment_id])
        return _error(401, SESSION_EXPIRED, login_url=redirect_to_login(page).url)
    try:
        assessment = get_assessment_for_user(request.user, assessment_id, Role.EDITOR)
    except Http404:
        return _error(404, "No such assessment.")
    except PermissionDenied:
        return _error(403, "You have view access to this assessment: answers cannot be changed.")
    try:
        option, comment, version = parse_json(request)
        saved = services.save_answer(
            assessment=assessment,
            item_key=item_key,
            option_key=option,
            comment=comment,
            expected_version=version,
            user=request.user,
        )
    except (BadRequest, services.AnswerError) as exc:
        return _error(400, str(exc), field=exc.field)
    except services.Locked:
        return _error(409, services.Locked.message, locked=True)
    except services.Conflict as exc:
        theirs = {
            **exc.current,
            "option_label": _option_label(assessment, item_key, exc.current["option"]),
        }
        return _error(
            409,
            str(exc),
            conflict=True,
            theirs=theirs,
            yours={"option": option, "comment": comment},
        )
    return JsonResponse(
        {
            "ok": True,
            "changed": saved.changed,
            "answer": saved.answer,
            # As the save scored it for the stored summary, when it changed anything.
            "progress": progress(saved.data, saved.result)
            if saved.changed
            else progress(assessment_data(assessment)),
        }
    )
