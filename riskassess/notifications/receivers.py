"""Who hears of what: the apps below announce events, this module turns them into
notifications (services.notify: in-app, and an e-mail after the commit).

- A revision submitted for review: the team's reviewers.
- Changes requested, or approved: whoever submitted the revision, and the team's owners.
- A comment in a discussion: those it mentions ("mention"), and the thread's other
  participants ("reply").

Receivers run after the change has committed, in the request that made it: a
failure here is logged and never reaches the user, whose change is already saved.
"""

from __future__ import annotations

import logging

from django.dispatch import receiver
from django.urls import reverse

from riskassess.accounts.models import Membership, Role
from riskassess.assessments.models import Assessment, Revision
from riskassess.assessments.signals import assessment_transitioned
from riskassess.discussion.signals import comment_posted
from riskassess.notifications.models import Kind
from riskassess.notifications.services import notify

log = logging.getLogger("riskassess.notifications")

DECISIONS = {"approve": Kind.APPROVED, "request_changes": Kind.CHANGES_REQUESTED}


def _members(team_id, role: str) -> list[int]:
    return list(
        Membership.objects.filter(team_id=team_id, role=role).values_list("user_id", flat=True)
    )


@receiver(assessment_transitioned, dispatch_uid="notify_review_moves")
def _review_moves(sender, assessment_id, transition, user, revision_id, **kwargs):
    if transition != "submit_for_review" and transition not in DECISIONS:
        return
    try:
        assessment = Assessment.objects.get(pk=assessment_id)
        if transition == "submit_for_review":
            notify(
                _members(assessment.team_id, Role.REVIEWER),
                kind=Kind.REVIEW_REQUESTED,
                assessment=assessment,
                actor=user,
                url=reverse("assessment_review", args=[assessment.pk]),
            )
            return
        submitter = (
            Revision.objects.filter(pk=revision_id)
            .values_list("submitted_by_id", flat=True)
            .first()
        )
        notify(
            [submitter, *_members(assessment.team_id, Role.OWNER)],
            kind=DECISIONS[transition],
            assessment=assessment,
            actor=user,
            url=reverse("assessment_review", args=[assessment.pk]),
        )
    except Exception:
        log.exception("Could not notify of %s on assessment %s", transition, assessment_id)


@receiver(comment_posted, dispatch_uid="notify_comments")
def _comments(sender, thread, comment, participant_ids, mentioned_ids, **kwargs):
    try:
        assessment = Assessment.objects.get(pk=thread.assessment_id)
        common = {"assessment": assessment, "actor": comment.author, "url": thread.url}
        notify(sorted(mentioned_ids), kind=Kind.MENTION, **common)
        notify(sorted(set(participant_ids) - set(mentioned_ids)), kind=Kind.THREAD_REPLY, **common)
    except Exception:
        log.exception("Could not notify of a comment on thread %s", thread.pk)
