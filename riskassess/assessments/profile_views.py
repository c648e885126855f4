"""The profile step of a format-2 questionnaire: asked first, it decides what applies.

The page works without JavaScript: Save posts every question and the changed
ones are saved, each with the version the page showed. With htmx (through
django-htmx), each change posts that one question to `profile_save`, which
answers with the parts of the page the profile decides, rendered here on the
server: the impact so far, which items apply and which are skipped and why,
and the steps with their counts. No rule is evaluated in JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from riskassess import present
from riskassess.accounts.models import Role
from riskassess.assessments import data_v2, services
from riskassess.assessments.access import get_assessment_for_user
from riskassess.assessments.data import assessment_data, score_data
from riskassess.assessments.models import Assessment, ProfileAnswer
from riskassess.assessments.profile_forms import ProfileQuestionForm
from riskassess.assessments.questionnaire import (
    PROFILE_STEP,
    SESSION_EXPIRED,
    _answer_label,
    _skip_dict,
    steps_context,
)

TEMPLATE = "assessments/profile.html"
FRAGMENT = "assessments/_profile_update.html"


def _v2(assessment: Assessment) -> dict:
    data = assessment_data(assessment)
    if not data_v2.is_v2(data):
        raise Http404("This checklist has no profile.")
    return data


def _versions(assessment: Assessment) -> dict[str, dict]:
    """Each answered question's version, and who answered it when (one query)."""
    rows = ProfileAnswer.objects.filter(assessment=assessment).values_list(
        "question__key", "version", "updated_by__username", "updated_at"
    )
    return {key: {"version": v, "by": by or "", "at": at} for key, v, by, at in rows}


def _can_edit(assessment: Assessment) -> bool:
    return assessment.is_editable and Role.allows(assessment.role, Role.EDITOR)


def effects(data: dict, result) -> dict:
    """What the profile decides, for the page: impact, and what applies and what is skipped."""
    skipped = []
    categories = []
    for category in data["categories"]:
        items = [i for i in data["items"] if i["category"] == category["key"]]
        off = [i for i in items if i["key"] in result.skipped]
        categories.append({"name": category["name"], "applies": len(items) - len(off)})
        for item in off:
            reason = data_v2.skip_reason(_skip_dict(result.skipped[item["key"]]), data)
            skipped.append(
                {
                    **item,
                    "category_name": category["name"],
                    "reason": reason,
                    "answer_label": _answer_label(item),
                }
            )
    unanswered = [q for q in data["profile"] if not q["answers"]]
    return {
        "impact_total": present.point_count(result.impact_total),
        "tier": result.tier,
        "tier_label": present.tier(result.tier),
        "unanswered": len(unanswered),
        "categories": categories,
        "applies": len(data["items"]) - len(skipped),
        "skipped": skipped,
    }


def _questions(data: dict, forms: dict, versions: dict, result) -> list[dict]:
    views = []
    for question in data["profile"]:
        form = forms[question["key"]]
        impacts = {o["key"]: o["impact"] for o in question["options"]}
        views.append(
            {
                **question,
                "form": form,
                "version": versions.get(question["key"], {}).get("version", 0),
                "answered": versions.get(question["key"]),
                "adds": present.point_count(result.impacts[question["key"]]),
                "choices": _choices(question, form, impacts),
            }
        )
    return views


def _choices(question: dict, form: ProfileQuestionForm, impacts: dict) -> list[dict]:
    """Each option as the page draws its input: what Django's RadioSelect and
    CheckboxSelectMultiple would render, without a widget template per input (75 of
    them made half the profile page's rendering time)."""
    value = form["choice"].value()
    chosen = {str(v) for v in value} if isinstance(value, list | tuple) else {str(value)}
    name = form["choice"].html_name
    return [
        {
            "key": option["key"],
            "label": option["label"],
            "id": f"id_{name}_{n}",
            "checked": option["key"] in chosen,
            "impact": present.point_count(impacts[option["key"]]),
        }
        for n, option in enumerate(question["options"])
    ]


def _render(request, assessment, data, forms, *, status=200, notice="", saved=0, versions=None):
    """The profile page. `versions`: _versions() when nothing was saved since it was read."""
    result = score_data(data)
    if versions is None:
        versions = _versions(assessment)
    questions = _questions(data, forms, versions, result)
    problems = [q for q in questions if q["form"].errors]
    context = {
        **steps_context(assessment, data, result, PROFILE_STEP),
        "assessment": assessment,
        "category": {"key": PROFILE_STEP, "name": "Profile"},
        "questions": questions,
        "effects": effects(data, result),
        "can_edit": _can_edit(assessment),
        "notice": notice,
        "problems": problems,
        "saved": saved,
        "login_url": redirect_to_login(request.get_full_path()).url,
    }
    return render(request, TEMPLATE, context, status=status)


@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest, assessment_id) -> HttpResponse:
    needed = Role.EDITOR if request.method == "POST" else Role.VIEWER
    assessment = get_assessment_for_user(request.user, assessment_id, needed)
    data = _v2(assessment)
    versions = _versions(assessment)
    if request.method == "GET":
        forms = {
            q["key"]: ProfileQuestionForm.stored(q, versions.get(q["key"], {}).get("version", 0))
            for q in data["profile"]
        }
        return _render(request, assessment, data, forms, versions=versions)

    forms = {q["key"]: ProfileQuestionForm(q, request.POST) for q in data["profile"]}
    if assessment.is_locked:
        return _render(request, assessment, data, forms, status=409, notice=services.Locked.message)
    saved, conflict = 0, False
    for question in data["profile"]:
        form = forms[question["key"]]
        if f"{question['key']}-version" not in request.POST:
            # Not on the page that was posted: nothing to change, nothing to check.
            forms[question["key"]] = ProfileQuestionForm.stored(
                question, versions.get(question["key"], {}).get("version", 0)
            )
            continue
        if not form.is_valid():
            continue
        if form.chosen() == question["answers"]:
            continue
        try:
            outcome, _ = _save(
                assessment, question, form.chosen(), form.posted_version(), request.user
            )
        except services.Locked:
            data = assessment_data(assessment)
            return _render(
                request, assessment, data, forms, status=409, notice=services.Locked.message
            )
        if outcome:
            form.add_error("choice", outcome)
            conflict = conflict or outcome.startswith(CONFLICT)
        else:
            saved += 1
    if any(form.errors for form in forms.values()):
        data = assessment_data(assessment)
        status = 409 if conflict else 400
        return _render(request, assessment, data, forms, status=status, saved=saved)
    if saved:
        messages.success(request, f"Saved {saved} profile answer{'s' if saved != 1 else ''}.")
    target = request.POST.get("goto", "")
    if target in {c["key"] for c in data["categories"]}:
        return redirect("questionnaire", assessment.pk, target)
    if not saved:
        messages.info(request, "Nothing to save: no answer on this page was changed.")
    return redirect("profile", assessment.pk)


CONFLICT = "Someone else changed this answer"


def _save(
    assessment, question: dict, chosen: list[str], version: int, user, loaded=None
) -> tuple[str, services.Saved | None]:
    """Save one question's choice: ("", what was saved) when saved, else (why not, None).
    Locked is raised. `loaded`: services.Loaded, the data already read."""
    try:
        saved = services.save_profile(
            assessment=assessment,
            question_key=question["key"],
            option_keys=chosen,
            expected_version=version,
            user=user,
            loaded=loaded,
        )
    except services.AnswerError as exc:
        return str(exc), None
    except services.Conflict as exc:
        labels = {o["key"]: o["label"] for o in question["options"]}
        theirs = ", ".join(labels.get(k, k) for k in exc.current["choices"]) or "no answer"
        who = exc.current["answered_by"] or "someone"
        return (
            f"{CONFLICT} since you loaded the page: {who} chose “{theirs}”. "
            "Choose again and save to replace it."
        ), None
    return "", saved


@login_not_required
@require_POST
def profile_save(request: HttpRequest, assessment_id, question_key: str) -> HttpResponse:
    """Save one question posted by htmx; answer with the parts of the page it changes.

    Errors come back as a message beside the question (HX-Reswap: none keeps
    the rest of the page as it is); the page never loses what was chosen.
    """
    if not request.user.is_authenticated:
        login = redirect_to_login(reverse("profile", args=[assessment_id])).url
        return _message(request, question_key, SESSION_EXPIRED, 401, login_url=login)
    try:
        assessment = get_assessment_for_user(request.user, assessment_id, Role.EDITOR)
    except PermissionDenied:
        return _message(
            request, question_key, "You have view access: the profile cannot be changed.", 403
        )
    data = _v2(assessment)
    question = next((q for q in data["profile"] if q["key"] == question_key), None)
    if question is None:
        raise Http404("No such profile question.")
    form = ProfileQuestionForm(question, request.POST)
    if not form.is_valid():
        text = " ".join(e for errors in form.errors.values() for e in errors)
        return _message(request, question_key, text, 400)
    try:
        loaded = services.Loaded(seen_at=assessment.updated_at, data=data)
        problem, saved = _save(
            assessment, question, form.chosen(), form.posted_version(), request.user, loaded
        )
    except services.Locked:
        return _message(request, question_key, services.Locked.message, 409)
    if saved is not None and saved.changed:
        # As scored in the save's transaction for the stored summary.
        data, result = saved.data, saved.result
    else:
        if problem:
            data = assessment_data(assessment)  # someone else's choice, as stored now
        else:
            question["answers"] = form.chosen()  # unchanged: it is what is stored
        result = score_data(data)
    versions = _versions(assessment)
    context = {
        **steps_context(assessment, data, result, PROFILE_STEP),
        "assessment": assessment,
        "effects": effects(data, result),
        "question_key": question_key,
        "version": versions.get(question_key, {}).get("version", 0),
        "adds": present.point_count(result.impacts[question_key]),
        "answered": bool(next(q for q in data["profile"] if q["key"] == question_key)["answers"]),
        "message": problem or "Saved.",
        "failed": bool(problem),
    }
    return render(request, FRAGMENT, context, status=409 if problem else 200)


def _message(request, question_key: str, text: str, status: int, login_url: str = ""):
    context = {
        "question_key": question_key,
        "message": text,
        "failed": True,
        "login_url": login_url,
    }
    response = render(request, "assessments/_profile_message.html", context, status=status)
    response["HX-Reswap"] = "none"
    return response
