from django.apps import AppConfig


class DiscussionConfig(AppConfig):
    name = "riskassess.discussion"
    label = "discussion"
    verbose_name = "Discussion"
