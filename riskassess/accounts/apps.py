from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "riskassess.accounts"
    label = "accounts"
    verbose_name = "Accounts and teams"
