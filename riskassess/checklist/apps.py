from django.apps import AppConfig


class ChecklistConfig(AppConfig):
    name = "riskassess.checklist"
    label = "checklist"
    verbose_name = "Checklists"
