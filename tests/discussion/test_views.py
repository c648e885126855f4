"""The item's discussion page and its four POST endpoints."""

import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from riskassess.assessments import services as assessment_services
from riskassess.discussion import services
from riskassess.discussion.models import BODY_MAX, Comment, Thread
from tests.conftest import new_assessment
from tests.discussion.conftest import ITEM, client_for, submit, thread


def page_url(assessment, item_key=ITEM) -> str:
    return reverse("item_discussion", args=[assessment.pk, item_key])


def requests(assessment_id, thread_id) -> list:
    body = {"body": "A question"}
    return [
        ("get", reverse("item_discussion", args=[assessment_id, ITEM]), {}),
        ("post", reverse("thread_open", args=[assessment_id, ITEM]), body),
        ("post", reverse("thread_reply", args=[assessment_id, thread_id]), body),
        ("post", reverse("thread_resolve", args=[assessment_id, thread_id]), {}),
        ("post", reverse("thread_reopen", args=[assessment_id, thread_id]), {}),
    ]


def send(client, assessment_id, thread_id) -> list:
    return [getattr(client, m)(url, data) for m, url, data in requests(assessment_id, thread_id)]


def html(response) -> str:
    """The page without its CSRF tokens, which are masked afresh on every response."""
    return re.sub(r'csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


@pytest.fixture
def open_thread(assessment, bob):
    return thread(assessment, bob)


def test_an_outsider_gets_not_found_as_for_a_random_id(charlie, assessment, open_thread):
    client = client_for(charlie)
    foreign = send(client, assessment.pk, open_thread.pk)
    random = send(client, uuid.uuid4(), uuid.uuid4())
    assert [r.status_code for r in foreign] == [404] * 5
    assert [html(r) for r in foreign] == [html(r) for r in random]
    assert (Thread.objects.count(), Comment.objects.count()) == (1, 1)


def test_a_thread_of_another_assessment_is_not_found(charlie, other_team, checklist, open_thread):
    theirs = new_assessment(charlie, other_team, checklist)
    codes = [r.status_code for r in send(client_for(charlie), theirs.pk, open_thread.pk)[2:]]
    assert codes == [404] * 3


def test_a_viewer_reads_but_cannot_write(vera, assessment, open_thread):
    codes = [r.status_code for r in send(client_for(vera), assessment.pk, open_thread.pk)]
    assert codes == [200, 403, 403, 403, 403]
    assert (Thread.objects.count(), Comment.objects.count()) == (1, 1)


@pytest.mark.parametrize("who", ["rita", "bob", "alice"])
def test_reviewers_editors_and_owners_write(who, request, assessment, open_thread):
    codes = [
        r.status_code
        for r in send(client_for(request.getfixturevalue(who)), assessment.pk, open_thread.pk)
    ]
    assert codes == [200, 302, 302, 302, 302]
    assert (Thread.objects.count(), Comment.objects.count()) == (2, 3)


def test_anonymous_is_sent_to_log_in(client, assessment, open_thread):
    for response in send(client, assessment.pk, open_thread.pk):
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_changes_need_a_csrf_token_and_a_post(bob, assessment, open_thread):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    posts = [client.post(url, data) for m, url, data in requests(assessment.pk, open_thread.pk)[1:]]
    assert [r.status_code for r in posts] == [403] * 4
    gets = [client_for(bob).get(url) for _, url, _ in requests(assessment.pk, open_thread.pk)[1:]]
    assert [r.status_code for r in gets] == [405] * 4
    open_thread.refresh_from_db()
    assert Comment.objects.count() == 1 and open_thread.resolved_at is None


def test_opening_a_thread_goes_back_to_the_page_it_came_from(bob, assessment):
    response = client_for(bob).post(
        reverse("thread_open", args=[assessment.pk, ITEM]),
        {"body": "Is this current?", "next": page_url(assessment)},
    )
    t = Thread.objects.get()
    assert response.url == f"{page_url(assessment)}#thread-{t.pk}"
    assert t.opened_by == bob and t.comments.get().body == "Is this current?"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"]
)
def test_a_next_off_the_site_is_ignored(bob, assessment, open_thread, target):
    response = client_for(bob).post(
        reverse("thread_resolve", args=[assessment.pk, open_thread.pk]), {"next": target}
    )
    assert response.url == f"{page_url(assessment)}#thread-{open_thread.pk}"


def test_a_next_on_the_site_is_followed(bob, assessment, open_thread):
    questionnaire = reverse("questionnaire", args=[assessment.pk, "inequity"])
    response = client_for(bob).post(
        reverse("thread_resolve", args=[assessment.pk, open_thread.pk]),
        {"next": questionnaire + "#item-INQ-01"},
    )
    assert response.url == questionnaire + "#item-INQ-01"


def test_an_item_not_in_the_checklist_is_not_found(bob, assessment):
    client = client_for(bob)
    assert client.get(page_url(assessment, "NOPE-01")).status_code == 404
    response = client.post(reverse("thread_open", args=[assessment.pk, "NOPE-01"]), {"body": "x"})
    assert response.status_code == 404 and not Thread.objects.exists()


def test_a_too_long_comment_comes_back_with_the_text_and_the_limit(bob, assessment):
    body = "word " * 900  # 4,500 characters
    response = client_for(bob).post(
        reverse("thread_open", args=[assessment.pk, ITEM]), {"body": body}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert f"A comment can be at most {BODY_MAX:,} characters: this one has 4499." in page
    assert body.strip() in page and not Thread.objects.exists()


def test_an_empty_reply_is_refused_beside_its_thread(bob, assessment, open_thread):
    response = client_for(bob).post(
        reverse("thread_reply", args=[assessment.pk, open_thread.pk]), {"body": "  "}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert f'id="reply-{open_thread.pk.hex}-error"' in page and "cannot be empty" in page
    assert Comment.objects.count() == 1


def test_html_in_a_comment_is_shown_as_typed(bob, assessment):
    body = '<script>alert(1)</script> **bold** <a href="x">link</a>\nsecond line'
    thread(assessment, bob, body)
    page = client_for(bob).get(page_url(assessment)).content.decode()
    assert "<script>alert(1)</script>" not in page and '<a href="x">' not in page
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt; **bold** &lt;a href=&quot;x&quot;&gt;link&lt;/a&gt;"
        "<br>second line"
    ) in page


def test_the_page_lists_live_threads_first_then_earlier_rounds(answered, alice, bob, rita):
    old = thread(answered, rita, "From the first round")
    submit(answered, alice)
    services.close_round(assessment_id=answered.pk, revision_id=answered.revisions.get().pk)
    assessment_services.reopen(assessment=answered, user=alice)
    resolved = thread(answered, bob, "Resolved one")
    services.resolve(thread=resolved, user=bob)
    live = thread(answered, rita, "Still open")
    page = client_for(bob).get(page_url(answered)).content.decode()
    assert page.index(str(live.pk)) < page.index(str(resolved.pk)) < page.index(str(old.pk))
    assert "kept with revision 1" in page
    old_part = page[page.index(f'id="thread-{old.pk}"') :]
    assert "Reply" not in old_part and "Resolve thread" not in old_part


@pytest.mark.parametrize(
    "state, reason",
    [("submitted", "is submitted: its discussion is read-only"), ("archived", "is archived")],
)
def test_a_read_only_page_says_why_and_has_no_forms(
    answered, alice, bob, open_thread, state, reason
):
    submit(answered, alice)
    if state == "archived":
        assessment_services.archive(assessment=answered, user=alice)
    page = client_for(bob).get(page_url(answered)).content.decode()
    assert reason in page
    assert "Start a thread" not in page and 'name="body"' not in page


def test_a_viewer_is_told_why_there_are_no_forms(vera, assessment, open_thread):
    page = client_for(vera).get(page_url(assessment)).content.decode()
    assert "You have view access" in page and 'name="body"' not in page


def test_a_reply_refused_by_a_lock_keeps_what_was_typed(answered, alice, bob, open_thread):
    submit(answered, alice)
    response = client_for(bob).post(
        reverse("thread_reply", args=[answered.pk, open_thread.pk]),
        {"body": "Typed before the lock"},
    )
    page = response.content.decode()
    assert response.status_code == 409
    assert "is submitted" in page and "Typed before the lock</textarea>" in page
    assert Comment.objects.count() == 1


def test_resolving_and_reopening_from_the_page(bob, assessment, open_thread):
    client = client_for(bob)
    client.post(reverse("thread_resolve", args=[assessment.pk, open_thread.pk]))
    page = client.get(page_url(assessment)).content.decode()
    assert "Resolved by bob" in page and "Reopen thread" in page
    client.post(reverse("thread_reopen", args=[assessment.pk, open_thread.pk]))
    open_thread.refresh_from_db()
    assert open_thread.resolved_at is None


def test_the_team_cannot_resolve_a_reviewers_thread_from_the_page(bob, rita, assessment):
    asked = thread(assessment, rita, "Which benchmark?")
    client = client_for(bob)
    page = client.get(page_url(assessment)).content.decode()
    assert "the reviewer resolves it" in page
    response = client.post(reverse("thread_resolve", args=[assessment.pk, asked.pk]))
    assert response.status_code == 409 and "Only a reviewer resolves" in response.content.decode()
    asked.refresh_from_db()
    assert asked.resolved_at is None
