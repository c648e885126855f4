"""Signals the discussion app sends; apps above it (notifications) listen."""

from django.dispatch import Signal

# Sent once a comment is committed (the first of a new thread, or a reply), with
# `thread`, `comment`, `participant_ids` (a frozenset of user ids: the opener,
# earlier commenters and everyone mentioned in the thread, still members of the
# team, minus the author) and `mentioned_ids` (those this comment mentions,
# minus the author; a subset of participant_ids). Receivers run in the request
# that posted; they must not raise.
comment_posted = Signal()
