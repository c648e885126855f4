from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "riskassess.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        # Review moves and discussion comments become notifications (receivers.py).
        from riskassess.notifications import receivers  # noqa: F401
