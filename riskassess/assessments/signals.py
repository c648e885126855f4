"""Signals other apps may listen to. The assessments app depends on no app that uses
its data (reports → assessments), so it announces events instead of calling them."""

from django.dispatch import Signal

# Sent once a lifecycle move (workflow.TRANSITIONS) is committed, with
# `assessment_id` (a UUID), `transition` (its name: "submit", "reopen", …),
# `user`, and `revision_id` (the revision a submission made, else None).
# Receivers run in the request that made the move; they must not raise.
assessment_transitioned = Signal()

# Sent inside a lifecycle move's transaction, before anything changes, with
# `assessment` (locked), `transition` and `user`. A receiver returns None, or a
# sentence saying why the move cannot be made now ("2 review threads are still
# open"): apps above this one (discussion, evidence) add their conditions to
# a move without the lifecycle importing them. Any reason refuses the move
# (workflow.NotReady).
transition_check = Signal()
