"""Notification e-mails are a task: with the database queue the request that makes the
change sends nothing, and a task worker sends them after the commit."""

from django.core import mail
from django_tasks_db.models import DBTaskResult

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_the_request_queues_the_emails_and_a_worker_sends_them(
    settings, tell, bob, vera, with_emails, run_task_worker, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_QUEUE
    with django_capture_on_commit_callbacks(execute=True):
        created = tell([bob, vera])
    assert mail.outbox == []
    task = DBTaskResult.objects.get()
    assert task.task_path == "riskassess.notifications.tasks.send_notification_emails"
    assert sorted(task.args_kwargs["args"][0]) == sorted(str(n.pk) for n in created)

    run_task_worker()
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert sorted(m.to[0] for m in mail.outbox) == ["bob@example.org", "vera@example.org"]


def test_with_the_immediate_backend_they_go_at_the_commit(
    tell, bob, with_emails, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        tell([bob])
    assert [m.to for m in mail.outbox] == [["bob@example.org"]]
    assert not DBTaskResult.objects.exists()
