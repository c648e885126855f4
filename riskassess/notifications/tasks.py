"""Background tasks of the notifications app (Django's task interface; reports/tasks.py
says how they run)."""

from __future__ import annotations

from django_tasks import task

from riskassess.notifications import emails


@task()
def send_notification_emails(notification_ids: list[str]) -> None:
    """E-mail these notifications to their recipients (emails.send_emails)."""
    emails.send_emails(notification_ids)
