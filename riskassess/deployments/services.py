"""Actions that change deployments and the base model catalogue, each in one transaction.

Every save names its author for django-simple-history (`_history_user`), as
the assessments' services do: they also run outside a request.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from riskassess.accounts.models import Role
from riskassess.deployments.models import BaseModel, Deployment, Lifecycle


class NotAllowed(Exception):
    pass


class Duplicate(Exception):
    """A base model with the same provider, name and version (in any case) exists."""

    def __init__(self, existing: BaseModel | None):
        self.existing = existing
        super().__init__(duplicate_message(existing))


def duplicate_message(existing: BaseModel | None) -> str:
    name = f"“{existing}”" if existing else "This base model"
    return (
        f"{name} is already in the catalogue (provider, name and version are compared "
        "without regard to upper and lower case)."
    )


def find_duplicate(provider: str, name: str, version: str, *, exclude_pk=None) -> BaseModel | None:
    """The catalogue entry that provider, name and version would repeat, if any."""
    same = BaseModel.objects.filter(
        provider__iexact=provider, name__iexact=name, version__iexact=version
    )
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    return same.first()


def eligible_owners(team) -> QuerySet:
    """Who may own a deployment of `team`: its editors and owners."""
    return (
        get_user_model()
        .objects.filter(memberships__team=team, memberships__role__in=[Role.EDITOR, Role.OWNER])
        .order_by("username")
    )


def may_set_lifecycle(role: str, old: str, new: str) -> bool:
    """Retiring a deployment, or bringing a retired one back, is an owner's decision."""
    if old == new or Lifecycle.RETIRED not in (old, new):
        return True
    return Role.allows(role, Role.OWNER)


EDITABLE = [
    "name",
    "description",
    "context",
    "model_name",
    "base_model",
    "base_model_text",
    "owner",
    "lifecycle",
    "review_months",
]


@transaction.atomic
def update_deployment(*, deployment: Deployment, user, role: str, **fields) -> Deployment:
    """Change a deployment's details (only EDITABLE fields); recorded in its history."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    if not Role.allows(role, Role.EDITOR):
        raise NotAllowed("Changing a deployment needs the editor role in its team.")
    locked = Deployment.objects.select_for_update().get(pk=deployment.pk)
    if "lifecycle" in fields and not may_set_lifecycle(role, locked.lifecycle, fields["lifecycle"]):
        raise NotAllowed("Only an owner of the team can retire a deployment or bring one back.")
    owner = fields.get("owner")
    if owner is not None and not eligible_owners(locked.team).filter(pk=owner.pk).exists():
        raise NotAllowed("The owner must be an editor or owner of the deployment's team.")
    before = {"model": locked.model_name, "base": locked.base_model_name}
    for name, value in fields.items():
        setattr(locked, name, value)
    after = {"model": locked.model_name, "base": locked.base_model_name}
    change = significant_change(before, after)
    if change:
        locked.changed_at, locked.change_note = timezone.now(), change
    locked._history_user = user
    locked.save()  # and its review date (Deployment.save)
    return locked


def significant_change(before: dict, after: dict) -> str:
    """What changed of the model version and base model, in words; "" when neither did.

    Compared as shown, ignoring case and spaces at the ends: picking the catalogue
    entry for the base model that was typed is no change; another one is.
    """
    said = []
    for key, label in (("model", "model version"), ("base", "base model")):
        old, new = before[key].strip(), after[key].strip()
        if old.casefold() != new.casefold():
            said.append(f"{label} changed from “{old or '—'}” to “{new or '—'}”")
    return "; ".join(said)[:500]


def create_base_model(*, user, **fields) -> BaseModel:
    """A new catalogue entry; Duplicate when it repeats one (also under a concurrent add)."""
    existing = find_duplicate(fields["provider"], fields["name"], fields.get("version", ""))
    if existing is not None:
        raise Duplicate(existing)
    base = BaseModel(**fields)
    base._history_user = user
    try:
        with transaction.atomic():
            base.save()
    except IntegrityError:
        # Someone added the same model between the check and the save.
        raise Duplicate(
            find_duplicate(fields["provider"], fields["name"], fields.get("version", ""))
        ) from None
    return base
