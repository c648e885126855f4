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

# Sent while a report's content is built (a draft's live report, or the
# revision a submission freezes), with `assessment`. A receiver returns
# {item key: [evidence rows]} (evidence/report.py): the rows go into the
# report's items, and so into a revision's fingerprint.
report_evidence = Signal()

# Sent while a report's content is built, after its items, with `assessment`
# and `findings`: the keys of the report's findings (applicable items answered
# with some risk, reportdata.finding_keys), highest exposure first. A receiver
# returns {part name: plain data} for the report's top level (the action plan's
# "treatments" and "actions", actions/report.py): like evidence, a submission
# freezes them into its revision and the fingerprint covers them.
report_sections = Signal()

# Sent inside a re-assessment's transaction (reassess.start), with
# `assessment` (the new draft), `revision` (the one it started from) and
# `user`: apps above carry what they keep per assessment (evidence).
reassessed = Signal()
