from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "riskassess.assessments"
    label = "assessments"
    verbose_name = "Assessments"
