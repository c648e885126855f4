from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "riskassess.evidence"
    label = "evidence"
    verbose_name = "Evidence"

    def ready(self):
        # A deleted row's file goes once the deletion is committed (receivers.py).
        from riskassess.evidence import receivers, report  # noqa: F401
