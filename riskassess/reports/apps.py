from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "riskassess.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from riskassess.reports import receivers  # noqa: F401 (connects the receivers)
