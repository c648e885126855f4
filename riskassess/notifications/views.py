"""A user's own notifications: open one, mark all read, and the e-mail setting.

Each view reads only the logged-in user's rows: another user's notification is
"not found", like one that does not exist. Marking read is a state change, so
it is a POST (the list's entries are buttons that look like links).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from riskassess.notifications import services
from riskassess.notifications.forms import PreferenceForm
from riskassess.notifications.models import Notification, Preference


@require_POST
def notification_open(request: HttpRequest, notification_id) -> HttpResponse:
    """Mark it read and go to what it is about: a path on this site, never elsewhere."""
    notification = get_object_or_404(Notification, pk=notification_id, recipient=request.user)
    services.mark_read(notification)
    if services.is_site_path(notification.url):
        return redirect(notification.url)
    return redirect("my_work")


@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(request.user)
    if count:
        messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return redirect("my_work")


@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    # No row until the user saves: GET changes nothing.
    preference = Preference.objects.filter(user=request.user).first() or Preference(
        user=request.user
    )
    if request.method == "POST":
        # An unticked box posts nothing at all: the form is bound all the same.
        form = PreferenceForm(request.POST, instance=preference)
        if form.is_valid():
            form.save()
            messages.success(
                request,
                "E-mails are on." if form.instance.emails else "E-mails are off.",
            )
            return redirect("notification_settings")
    else:
        form = PreferenceForm(instance=preference)
    status = 400 if form.errors else 200
    return render(request, "notifications/settings.html", {"form": form}, status=status)
