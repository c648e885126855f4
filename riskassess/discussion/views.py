"""An item's discussion: the page, and open, reply, resolve and reopen. Thin: the getter
checks access (404 outsider, 403 too weak a role), a form checks input, a service acts.

Every change is a POST that redirects back (to the `next` page it came from,
a path on this site, or to the item's page); a refused one shows the page
again with the message and everything typed.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from riskassess.accounts.models import Role
from riskassess.assessments.access import get_assessment_for_user
from riskassess.assessments.models import Assessment
from riskassess.checklist.models import Item
from riskassess.discussion import selectors, services
from riskassess.discussion.forms import ActionForm, CommentForm
from riskassess.discussion.models import Thread


def _item(assessment: Assessment, item_key: str) -> Item:
    item = (
        Item.objects.select_related("category")
        .filter(checklist_id=assessment.checklist_id, key=item_key)
        .first()
    )
    if item is None:
        raise Http404("No such item in this checklist.")
    return item


def _thread(assessment: Assessment, thread_id) -> Thread:
    thread = get_object_or_404(Thread, pk=thread_id, assessment=assessment)
    thread.assessment = assessment
    return thread


def _questionnaire(assessment: Assessment, item: Item) -> str:
    page = reverse("questionnaire", args=[assessment.pk, item.category.key])
    return f"{page}#item-{item.key}"


def _page(
    request: HttpRequest,
    assessment: Assessment,
    item: Item,
    *,
    open_form: CommentForm | None = None,
    reply_to=None,
    reply_form: CommentForm | None = None,
    notice: str = "",
    unsent: str = "",
    status: int = 200,
) -> HttpResponse:
    """The item's page; a refused form comes back filled in, beside its message.

    `unsent`: text refused because the thread or the page became read-only (so
    its form is gone); shown for copying, so nothing typed is lost.
    """
    context = selectors.page_context(assessment, item.key)
    for thread in context["live"]:
        thread.reply_form = reply_form if thread.pk == reply_to else None
    here = reverse("item_discussion", args=[assessment.pk, item.key])
    context.update(
        assessment=assessment,
        item=item,
        back=_questionnaire(assessment, item),
        here=here,
        open_form=open_form,
        notice=notice,
        unsent=unsent,
    )
    return render(request, "discussion/item.html", context, status=status)


def _back(form, assessment: Assessment, thread: Thread) -> HttpResponse:
    target = form.cleaned_data.get("next") or reverse(
        "item_discussion", args=[assessment.pk, thread.item_key]
    )
    if "#" not in target:
        target += f"#thread-{thread.pk}"
    return redirect(target)


@require_GET
def item_discussion(request: HttpRequest, assessment_id, item_key: str) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id)
    return _page(request, assessment, _item(assessment, item_key))


@require_POST
def thread_open(request: HttpRequest, assessment_id, item_key: str) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id, Role.REVIEWER)
    item = _item(assessment, item_key)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _page(request, assessment, item, open_form=form, status=400)
    try:
        thread = services.open_thread(
            assessment=assessment,
            item_key=item.key,
            body=form.cleaned_data["body"],
            user=request.user,
        )
    except services.Invalid as exc:
        form.add_error("body", str(exc))
        return _page(request, assessment, item, open_form=form, status=400)
    except (services.ReadOnly, services.NotPermitted) as exc:
        return _page(
            request, assessment, item, open_form=form, notice=str(exc),
            unsent=form.cleaned_data["body"], status=409,
        )  # fmt: skip
    messages.success(request, f"Thread opened on {item.key}.")
    return _back(form, assessment, thread)


@require_POST
def thread_reply(request: HttpRequest, assessment_id, thread_id) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id, Role.REVIEWER)
    thread = _thread(assessment, thread_id)
    item = _item(assessment, thread.item_key)
    form = CommentForm(request.POST)

    def again(status: int, notice: str = "", unsent: str = "") -> HttpResponse:
        return _page(
            request, assessment, item, reply_to=thread.pk, reply_form=form, notice=notice,
            unsent=unsent, status=status,
        )  # fmt: skip

    if not form.is_valid():
        return again(400)
    try:
        services.reply(thread=thread, body=form.cleaned_data["body"], user=request.user)
    except services.Invalid as exc:
        form.add_error("body", str(exc))
        return again(400)
    except (services.ReadOnly, services.NotPermitted) as exc:
        return again(409, str(exc), form.cleaned_data["body"])
    messages.success(request, f"Reply added on {item.key}.")
    return _back(form, assessment, thread)


def _act(request: HttpRequest, assessment_id, thread_id, action, done: str) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, assessment_id, Role.REVIEWER)
    thread = _thread(assessment, thread_id)
    form = ActionForm(request.POST)
    form.is_valid()  # only `next`, which falls back to the item's page
    try:
        action(thread=thread, user=request.user)
    except (services.ReadOnly, services.NotPermitted) as exc:
        item = _item(assessment, thread.item_key)
        return _page(request, assessment, item, notice=str(exc), status=409)
    messages.success(request, f"Thread on {thread.item_key} {done}.")
    return _back(form, assessment, thread)


@require_POST
def thread_resolve(request: HttpRequest, assessment_id, thread_id) -> HttpResponse:
    return _act(request, assessment_id, thread_id, services.resolve, "resolved")


@require_POST
def thread_reopen(request: HttpRequest, assessment_id, thread_id) -> HttpResponse:
    return _act(request, assessment_id, thread_id, services.reopen, "reopened")
