from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "riskassess.actions"
    label = "actions"
    verbose_name = "Action plans"

    def ready(self):
        # The plan's part of every report (report.py), through the assessments app's signals.
        from riskassess.actions import report  # noqa: F401
