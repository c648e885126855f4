from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "riskassess.reports"
    label = "reports"
    verbose_name = "Reports"
