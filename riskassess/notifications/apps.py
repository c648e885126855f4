from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "riskassess.notifications"
    label = "notifications"
    verbose_name = "Notifications"
