from django.apps import AppConfig


class DeploymentsConfig(AppConfig):
    name = "riskassess.deployments"
    label = "deployments"
    verbose_name = "Deployments and base models"
