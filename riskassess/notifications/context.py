"""`unread_count` for the navigation's badge: counted only if a template shows it.

A lazy object: pages that do not render the navigation (JSON, PDF, fragments)
run no query; pages that do run one COUNT on the (recipient, read_at) index.
"""

from django.utils.functional import SimpleLazyObject

from riskassess.notifications.models import Notification


def unread(request) -> dict:
    def count() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()

    return {"unread_count": SimpleLazyObject(count)}
