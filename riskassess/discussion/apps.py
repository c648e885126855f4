from django.apps import AppConfig


class DiscussionConfig(AppConfig):
    name = "riskassess.discussion"
    label = "discussion"
    verbose_name = "Discussion"

    def ready(self):
        # Rounds close with the lifecycle, and open review threads hold up an approval.
        from riskassess.discussion import receivers  # noqa: F401
