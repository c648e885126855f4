"""What may change in a checklist version: one rule for the admin, the loader and the models.

Assessments are answered and scored against a version's wording, weights and
risks. Once a version is published, changing them would change every draft
made with it silently, with nothing in its history; so a published version is
read-only, and so is a retired one (it was published, and assessments still
use it). What stays possible is a change of status along TRANSITIONS. To
change the content, duplicate the version as a new draft and publish that.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from riskassess.checklist.models import Checklist

# How many differences a refusal lists before it says "and N more".
SHOW_CHANGES = 20


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


# Retiring only stops new assessments from starting on a version, so it can be
# undone. Nothing goes back to draft: that would make a published version
# editable again.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.PUBLISHED}),
    Status.PUBLISHED: frozenset({Status.RETIRED}),
    Status.RETIRED: frozenset({Status.PUBLISHED}),
}


def _name(checklist: Checklist) -> str:
    return f"{checklist.slug} v{checklist.version}"


class Frozen(ValueError):
    """A change to a published or retired version; `changes` names what would differ."""

    def __init__(self, checklist: Checklist, changes: Sequence[str] = ()):
        self.changes = list(changes)
        status = dict(Status.choices).get(checklist.status, checklist.status).lower()
        if self.changes:
            self.headline = f"{_name(checklist)} is {status} and cannot change"
            super().__init__(f"{self.headline}: {'; '.join(self.shown_changes())}")
        else:
            self.headline = f"{_name(checklist)} is {status} and read-only"
            super().__init__(f"{self.headline}: duplicate it as a new draft version to change it")

    def shown_changes(self) -> list[str]:
        """The first SHOW_CHANGES differences, then how many more there are."""
        more = len(self.changes) - SHOW_CHANGES
        return self.changes[:SHOW_CHANGES] + ([f"and {more} more"] if more > 0 else [])


class TransitionRefused(ValueError):
    """A change of status that TRANSITIONS does not allow."""


def is_frozen(checklist: Checklist) -> bool:
    """Whether the version is read-only. Anything but a draft is, so a new status is too."""
    return checklist.status != Status.DRAFT


def editable_q(prefix: str = "") -> Q:
    """The same rule as is_frozen, negated, for a query: `prefix` leads to the checklist."""
    return Q(**{f"{prefix}status": Status.DRAFT})


def ensure_editable(checklist: Checklist) -> None:
    if is_frozen(checklist):
        raise Frozen(checklist)


def ensure_transition(checklist: Checklist, status: str) -> None:
    if status not in TRANSITIONS.get(checklist.status, ()):
        allowed = ", ".join(sorted(TRANSITIONS.get(checklist.status, ()))) or "none"
        raise TransitionRefused(
            f"{_name(checklist)} is {checklist.status} and cannot become {status} "
            f"(from {checklist.status}: {allowed})"
        )
