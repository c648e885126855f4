from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "riskassess.work"
    label = "work"
    verbose_name = "My work"
