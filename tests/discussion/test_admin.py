"""Threads in the admin: read-only, superusers only."""

from django.urls import reverse

from riskassess.discussion.models import Thread
from tests.discussion.conftest import client_for, thread


def test_a_superuser_lists_threads_and_reads_one_but_changes_nothing(staff, assessment, bob):
    t = thread(assessment, bob, "Is <b>this</b> current?")
    client = client_for(staff)
    listing = client.get(reverse("admin:discussion_thread_changelist") + "?state=open&round=live")
    assert listing.status_code == 200 and "INQ-01" in listing.content.decode()
    page = client.get(reverse("admin:discussion_thread_change", args=[t.pk])).content.decode()
    assert "Is &lt;b&gt;this&lt;/b&gt; current?" in page and "— (live)" in page
    response = client.post(reverse("admin:discussion_thread_delete", args=[t.pk]), {"post": "yes"})
    assert response.status_code == 403 and Thread.objects.count() == 1


def test_other_staff_do_not_see_threads(alice, assessment, bob):
    thread(assessment, bob)
    alice.is_staff = True
    alice.save()
    response = client_for(alice).get(reverse("admin:discussion_thread_changelist"))
    assert response.status_code == 403
