"""Opening a notification, marking all read, and the e-mail setting: each user's own only."""

import uuid

from django.core import mail
from django.urls import reverse

from riskassess.notifications.models import Notification, Preference


def test_opening_marks_it_read_and_goes_to_its_page(tell, bob, client_for):
    (notification,) = tell([bob])
    response = client_for(bob).post(reverse("notification_open", args=[notification.pk]))
    assert response.status_code == 302 and response["Location"] == notification.url
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_opening_is_a_post(tell, bob, client_for):
    (notification,) = tell([bob])
    response = client_for(bob).get(reverse("notification_open", args=[notification.pk]))
    assert response.status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_another_users_notification_is_not_found_like_a_random_id(tell, bob, vera, client_for):
    (notification,) = tell([bob])
    client = client_for(vera)
    theirs = client.post(reverse("notification_open", args=[notification.pk]))
    random = client.post(reverse("notification_open", args=[uuid.uuid4()]))
    assert (theirs.status_code, random.status_code) == (404, 404)
    notification.refresh_from_db()
    assert notification.read_at is None


def test_a_stored_link_off_the_site_is_never_followed(tell, bob, client_for):
    (notification,) = tell([bob])
    Notification.objects.filter(pk=notification.pk).update(url="//evil.example/")
    response = client_for(bob).post(reverse("notification_open", args=[notification.pk]))
    assert response["Location"] == reverse("my_work")


def test_mark_all_read_reads_only_mine(tell, bob, vera, client_for):
    tell([bob, vera])
    tell([bob])
    response = client_for(bob).post(reverse("notifications_read_all"))
    assert response.status_code == 302 and response["Location"] == reverse("my_work")
    assert not bob.notifications.filter(read_at__isnull=True).exists()
    assert vera.notifications.filter(read_at__isnull=True).count() == 1


def test_anonymous_is_sent_to_log_in(client, tell, bob):
    (notification,) = tell([bob])
    for url in (
        reverse("notification_open", args=[notification.pk]),
        reverse("notifications_read_all"),
        reverse("notification_settings"),
    ):
        response = client.post(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    assert bob.notifications.get().read_at is None


def test_the_settings_page_shows_e_mails_on_and_changes_nothing(bob, client_for):
    response = client_for(bob).get(reverse("notification_settings"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="emails"' in html and "checked" in html
    assert "no e-mail address" in html
    assert not Preference.objects.exists()


def test_turning_e_mails_off_stops_them(
    tell, bob, with_emails, client_for, django_capture_on_commit_callbacks
):
    response = client_for(bob).post(reverse("notification_settings"), {})
    assert response.status_code == 302
    assert Preference.objects.get(user=bob).emails is False
    with django_capture_on_commit_callbacks(execute=True):
        tell([bob])
    assert mail.outbox == []


def test_turning_them_back_on(bob, client_for):
    Preference.objects.create(user=bob, emails=False)
    client_for(bob).post(reverse("notification_settings"), {"emails": "on"})
    assert Preference.objects.get(user=bob).emails is True
    assert Preference.objects.count() == 1
