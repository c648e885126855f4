"""Notification e-mails: composed from the notification alone, sent by a task.

E-mails say what happened, to which assessment, and link to it: never an
answer, a comment or evidence. Every failure is logged, none is raised.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from riskassess.notifications.models import Notification

log = logging.getLogger("riskassess.notifications")


def send_emails(notification_ids: list) -> None:
    """E-mail each of these notifications to its recipient, if they want e-mails and
    have an address; every failure is logged, none is raised."""
    try:
        wanted = (
            Notification.objects.filter(pk__in=notification_ids, recipient__is_active=True)
            .exclude(recipient__email="")
            .filter(
                Q(recipient__notification_preference__isnull=True)
                | Q(recipient__notification_preference__emails=True)
            )
            .select_related("recipient")
        )
        messages = [email_for(notification) for notification in wanted]
        if not messages:
            return
        with get_connection() as connection:
            for message in messages:
                try:
                    connection.send_messages([message])
                except Exception:
                    log.exception("Could not e-mail a notification to %s", message.to[0])
    except Exception:
        log.exception("Could not send notification e-mails")


def email_for(notification: Notification) -> EmailMessage:
    context = {
        "name": notification.recipient.get_username(),
        "headline": notification.headline,
        "title": notification.title,
        "link": settings.SITE_URL + notification.url,
        "settings_link": settings.SITE_URL + reverse("notification_settings"),
    }
    subject = render_to_string("notifications/email/subject.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),  # one line: a header cannot hold a line break
        body=render_to_string("notifications/email/body.txt", context),
        to=[notification.recipient.email],
        # Out-of-office replies are not sent to automatic messages (RFC 3834).
        headers={"Auto-Submitted": "auto-generated"},
    )
