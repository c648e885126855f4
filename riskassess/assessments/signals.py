"""Signals other apps may listen to. The assessments app depends on no app that uses
its data (reports → assessments), so it announces events instead of calling them."""

from django.dispatch import Signal

# Sent once a lifecycle move (workflow.TRANSITIONS) is committed, with
# `assessment_id` (a UUID), `transition` (its name: "submit", "reopen", …),
# `user`, and `revision_id` (the revision a submission made, else None).
# Receivers run in the request that made the move; they must not raise.
assessment_transitioned = Signal()
