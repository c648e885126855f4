"""Tell users what happened: one notification each, and an e-mail once it is committed.

Other apps call `notify` inside the transaction that makes the change; a
rolled-back change notifies nobody. E-mails are queued as a task after the
commit (emails.py): a task worker sends them, or with the immediate backend the
request that made the change (bounded by EMAIL_TIMEOUT). Any failure there is
logged on "riskassess.notifications" and swallowed, so a broken mail server
never costs anyone their change. E-mails say what happened, to which
assessment, and link to it: never an answer, a comment or evidence.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from riskassess.assessments.models import TITLE_MAX
from riskassess.notifications import tasks
from riskassess.notifications.models import URL_MAX, Notification

log = logging.getLogger("riskassess.notifications")


def is_site_path(url: str) -> bool:
    """A path on this site ("/a/…"): not "//host/…", no scheme, no backslash, no
    space or control character. The only links notifications hold or redirect to."""
    return (
        isinstance(url, str)
        and 0 < len(url) <= URL_MAX
        and url.startswith("/")
        and not url.startswith("//")
        and "\\" not in url
        and not any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url)
    )


def notify(
    recipients: Iterable,
    *,
    kind: str,
    assessment=None,
    actor=None,
    url: str,
    title: str = "",
) -> list[Notification]:
    """One notification per distinct recipient (users or user ids), never to `actor`.

    `url` is a site-relative path (ValueError otherwise); `title` defaults to the
    assessment's. Call it inside the transaction of the change: the e-mails go
    once it commits, to recipients with an address who have not turned them off.
    """
    if not is_site_path(url):
        raise ValueError(f"A notification links to a path on this site, not {url!r}.")
    actor_id = getattr(actor, "pk", None)
    ids = []
    for recipient in recipients:
        pk = getattr(recipient, "pk", recipient)
        if pk is not None and pk != actor_id and pk not in ids:
            ids.append(pk)
    if not ids:
        return []
    if not title and assessment is not None:
        title = assessment.title
    now = timezone.now()
    created = Notification.objects.bulk_create(
        Notification(
            recipient_id=pk,
            kind=kind,
            assessment=assessment,
            title=title[:TITLE_MAX],
            actor_name=actor.get_username() if actor is not None else "",
            url=url,
            created_at=now,
        )
        for pk in ids
    )
    notification_ids = [str(n.pk) for n in created]
    transaction.on_commit(lambda: _queue_emails(notification_ids))
    return created


def _queue_emails(notification_ids: list[str]) -> None:
    # A task: a worker sends them (TASK_BACKEND=database), or this request does.
    try:
        tasks.send_notification_emails.enqueue(notification_ids)
    except Exception:
        log.exception("Could not queue notification e-mails")


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


def mark_all_read(user) -> int:
    """Every unread notification of `user`, read now; how many there were."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
