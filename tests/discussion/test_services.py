"""Who may write in a discussion and when: one rule per test."""

import pytest
from django.utils import timezone

from riskassess.assessments import services as assessment_services
from riskassess.discussion import services
from riskassess.discussion.models import BODY_MAX, Comment, Thread
from riskassess.discussion.signals import comment_posted
from tests.discussion.conftest import ITEM, approve, submit, thread


def test_opening_a_thread_writes_its_first_comment_and_the_opener(assessment, bob):
    t = thread(assessment, bob, "  Which data?\r\nAnd when?  ")
    assert (t.item_key, t.opened_by, t.opened_by_name, t.by_reviewer) == (ITEM, bob, "bob", False)
    assert t.resolved_at is None and t.revision is None
    assert [c.body for c in t.comments.all()] == ["Which data?\nAnd when?"]


def test_a_reviewer_s_thread_is_marked_as_theirs(assessment, rita, alice):
    assert thread(assessment, rita).by_reviewer
    assert not thread(assessment, alice).by_reviewer  # an owner outranks, but does not review


@pytest.mark.parametrize("who", ["vera", "charlie"])
def test_viewers_and_outsiders_cannot_write(assessment, bob, who, request):
    user = request.getfixturevalue(who)
    t = thread(assessment, bob)
    with pytest.raises(services.NotPermitted):
        thread(assessment, user)
    with pytest.raises(services.NotPermitted):
        services.reply(thread=t, body="me too", user=user)
    with pytest.raises(services.NotPermitted):
        services.resolve(thread=t, user=user)
    assert Thread.objects.count() == 1 and Comment.objects.count() == 1


def test_reply_resolve_and_reopen(assessment, bob, rita):
    t = thread(assessment, rita)
    services.reply(thread=t, body="It is, since May.", user=bob)
    resolved = services.resolve(thread=t, user=rita)
    assert (resolved.resolved_by, resolved.resolved_by_name) == (rita, "rita")
    assert services.resolve(thread=t, user=rita).resolved_at == resolved.resolved_at  # no change
    reopened = services.reopen(thread=t, user=bob)
    assert (reopened.resolved_at, reopened.resolved_by, reopened.resolved_by_name) == (
        None,
        None,
        "",
    )
    assert [c.author_name for c in t.comments.order_by("created_at")] == ["rita", "bob"]


def test_only_a_reviewer_resolves_a_reviewers_thread(assessment, alice, bob, rita):
    """Open reviewer threads hold up the approval: the team cannot lift that itself."""
    t = thread(assessment, rita)
    for user in (alice, bob):
        with pytest.raises(services.NotPermitted, match="Only a reviewer resolves"):
            services.resolve(thread=t, user=user)
    assert Thread.objects.get(pk=t.pk).resolved_at is None
    # A team member's own thread: any writer resolves it.
    own = thread(assessment, bob)
    assert services.resolve(thread=own, user=alice).resolved_by == alice


def test_a_resolved_thread_is_reopened_before_a_reply(assessment, bob):
    t = thread(assessment, bob)
    services.resolve(thread=t, user=bob)
    with pytest.raises(services.ReadOnly, match="reopen it to reply"):
        services.reply(thread=t, body="one more thing", user=bob)


@pytest.mark.parametrize(
    "body, message",
    [
        ("   \n ", "cannot be empty"),
        ("x" * (BODY_MAX + 1), "at most 4,000 characters: this one has 4,001"),
        ("a\x00b", "NUL"),
    ],
)
def test_a_comment_s_text_is_checked(assessment, bob, body, message):
    with pytest.raises(services.Invalid, match=message):
        thread(assessment, bob, body)
    assert not Thread.objects.exists()


def test_the_limit_counts_characters_after_stripping(assessment, bob):
    body = "🙂" * BODY_MAX
    assert thread(assessment, bob, f"  {body}\n").comments.get().body == body


def test_a_draft_and_an_assessment_in_review_can_be_discussed(reviewed_team, answered, alice, rita):
    thread(answered, rita)
    in_review = submit(answered, alice)
    t = thread(in_review, rita, "Why partly?")
    services.reply(thread=t, body="See the note.", user=alice)
    assert Thread.objects.live().count() == 2


def test_a_submitted_assessment_s_discussion_is_read_only(answered, alice, bob):
    t = thread(answered, bob)
    submit(answered, alice)
    with pytest.raises(services.ReadOnly, match="is submitted: its discussion is read-only"):
        thread(answered, bob)
    with pytest.raises(services.ReadOnly):
        services.resolve(thread=t, user=bob)


def test_an_approved_assessment_s_discussion_is_read_only(reviewed_team, answered, alice, rita):
    approve(submit(answered, alice), rita)
    with pytest.raises(services.ReadOnly, match="is approved"):
        thread(answered, rita)


def test_an_archived_draft_s_discussion_is_read_only_until_restored(assessment, alice, bob):
    t = thread(assessment, bob)
    assessment.archived_at = timezone.now()
    assessment.save()
    with pytest.raises(services.ReadOnly, match="archived"):
        services.reply(thread=t, body="hello", user=bob)
    assessment.archived_at = None
    assessment.save()
    services.reply(thread=t, body="hello", user=bob)


def test_a_thread_kept_with_a_revision_is_read_only_for_good(answered, alice, bob):
    t = thread(answered, bob)
    submit(answered, alice)
    revision = answered.revisions.get()
    services.close_round(assessment_id=answered.pk, revision_id=revision.pk)
    assessment_services.reopen(assessment=answered, user=alice)
    for act in (services.resolve, services.reopen):
        with pytest.raises(services.ReadOnly, match="kept with revision 1"):
            act(thread=t, user=bob)
    with pytest.raises(services.ReadOnly, match="kept with revision 1"):
        services.reply(thread=t, body="late", user=bob)
    thread(answered, bob)  # the new round has threads of its own


def test_mentions_name_team_members_in_any_case_and_ignore_others(assessment, alice, bob, charlie):
    t = thread(assessment, bob, "@ALICE, @charlie and @nobody: see mail@alice. Also @bob.")
    assert list(t.mentions.values_list("user__username", flat=True)) == ["alice"]


def test_a_mention_at_the_end_of_a_sentence_counts(assessment, alice, bob):
    t = thread(assessment, bob, "Over to @alice.")
    assert t.mentions.get().user == alice


def test_each_comment_is_announced_once_committed_with_its_participants(
    assessment, alice, bob, vera, rita, django_capture_on_commit_callbacks
):
    sent = []

    def listen(sender, **kwargs):
        sent.append(kwargs)

    comment_posted.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            t = thread(assessment, rita, "@vera can you check?")
        assert sent[-1]["participant_ids"] == {vera.pk}
        assert sent[-1]["mentioned_ids"] == {vera.pk}
        with django_capture_on_commit_callbacks(execute=True):
            services.reply(thread=t, body="Asking @alice.", user=bob)
        last = sent[-1]
        assert last["thread"] == t and last["comment"].body == "Asking @alice."
        assert last["participant_ids"] == {rita.pk, vera.pk, alice.pk}  # never bob himself
        assert last["mentioned_ids"] == {alice.pk}
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(services.Invalid),
        ):
            services.reply(thread=t, body=" ", user=bob)
        assert callbacks == [] and len(sent) == 2
    finally:
        comment_posted.disconnect(listen)


def test_someone_who_left_the_team_is_no_participant(
    assessment, bob, rita, django_capture_on_commit_callbacks
):
    sent = []
    comment_posted.connect(lambda sender, **kw: sent.append(kw), weak=False, dispatch_uid="t")
    try:
        t = thread(assessment, rita)
        rita.memberships.all().delete()
        with django_capture_on_commit_callbacks(execute=True):
            services.reply(thread=t, body="Thanks", user=bob)
        assert sent[-1]["participant_ids"] == frozenset()
    finally:
        comment_posted.disconnect(dispatch_uid="t")
