from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AssessmentsConfig(AppConfig):
    name = "riskassess.assessments"
    label = "assessments"
    verbose_name = "Assessments"

    def ready(self):
        post_migrate.connect(_fill_summaries, sender=self)


def _fill_summaries(sender, using, **kwargs):
    """After `migrate`: score the assessments whose stored summary is still empty.

    Only at the latest schema, where the real models (which the scoring reads)
    match the tables; an upgrade's data migration cannot run today's scoring.
    """
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    from riskassess.assessments import summary

    executor = MigrationExecutor(connections[using])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return
    filled = summary.fill_missing()
    if filled and kwargs.get("verbosity", 1) >= 1:
        print(f"  Stored the summaries of {filled} assessments.")
