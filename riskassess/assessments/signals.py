"""Signals other apps may listen to. The assessments app depends on no app that uses
its data (reports → assessments), so it announces events instead of calling them."""

from django.dispatch import Signal

# Sent once the submission is committed, with `assessment_id` (a UUID) and `user`.
# Receivers run in the request that submitted; they must not raise.
assessment_submitted = Signal()
