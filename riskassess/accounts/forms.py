"""What a team owner does on the team page: add a member, change a role, remove a member,
set the statement submitters confirm and the review interval new deployments start with.

Members are named by username, never by a row id. A team always keeps at
least one owner: the check runs inside the transaction, on locked rows, so
two owners demoting each other at once cannot leave the team without one.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from riskassess.accounts.models import (
    ACCEPTANCE_MONTHS_MAX,
    ATTESTATION_MAX,
    DEFAULT_ATTESTATION,
    REVIEW_MONTHS_MAX,
    REVIEW_MONTHS_MIN,
    Membership,
    Role,
    Team,
    User,
)

USERNAME_MAX = User._meta.get_field("username").max_length


def _lock_team(team: Team, actor) -> None:
    """Lock the team's row: every change of its members takes this lock first.

    One lock in one order for every membership change, so two owners changing
    each other's roles at once wait for each other instead of deadlocking
    (they did, when each locked its own membership row first, and the default
    ordering's join to the team locked the team row too, in opposite orders).
    `of=("self",)` everywhere: lock only the rows meant, never a joined one.
    """
    Team.objects.select_for_update(of=("self",)).only("pk").get(pk=team.pk)
    # The view checked the actor's role before this lock; another owner may
    # have changed it since (the race this lock resolves), so check it again.
    if not Membership.objects.filter(team=team, user=actor, role=Role.OWNER).exists():
        raise ValidationError(
            f"Your role in {team.name} changed a moment ago: only owners manage members."
        )


def _keeps_an_owner(membership: Membership) -> bool:
    """True when the team has an owner besides `membership` (call with the team locked)."""
    owners = Membership.objects.filter(team_id=membership.team_id, role=Role.OWNER).order_by()
    return owners.exclude(pk=membership.pk).exists()


class _MemberForm(forms.Form):
    username = forms.CharField(max_length=USERNAME_MAX)

    def __init__(self, *args, team: Team, actor, **kwargs):
        self.team = team
        self.actor = actor
        super().__init__(*args, **kwargs)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        self.membership = (
            Membership.objects.filter(team=self.team, user__username=username)
            .select_related("user")
            .first()
        )
        if self.membership is None:
            raise ValidationError(f"{username} is not a member of {self.team.name}.")
        return username

    def _locked_membership(self) -> Membership:
        _lock_team(self.team, self.actor)
        membership = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=self.membership.pk)
            .order_by()
            .first()
        )
        if membership is None:
            raise ValidationError(
                f"{self.membership.user} is no longer a member of {self.team.name}."
            )
        return membership


class AddMemberForm(forms.Form):
    username = forms.CharField(
        max_length=USERNAME_MAX,
        help_text="The username of an existing account.",
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)

    def __init__(self, *args, team: Team, actor, **kwargs):
        self.team = team
        self.actor = actor
        super().__init__(*args, **kwargs)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        self.user = User.objects.filter(username=username).first()
        if self.user is None:
            raise ValidationError(
                f"There is no account with the username {username}. "
                "An administrator creates accounts."
            )
        if Membership.objects.filter(team=self.team, user=self.user).exists():
            raise ValidationError(f"{username} is already a member of {self.team.name}.")
        return username

    def save(self) -> str:
        try:
            with transaction.atomic():
                _lock_team(self.team, self.actor)
                Membership.objects.create(
                    team=self.team, user=self.user, role=self.cleaned_data["role"]
                )
        except IntegrityError:
            # Added by someone else a moment ago.
            raise ValidationError(f"{self.user} is already a member of {self.team.name}.") from None
        return f"Added {self.user} as {Role(self.cleaned_data['role']).label.lower()}."


class ChangeRoleForm(_MemberForm):
    role = forms.ChoiceField(choices=Role.choices)

    @transaction.atomic
    def save(self) -> str:
        membership = self._locked_membership()
        role = self.cleaned_data["role"]
        if membership.role == Role.OWNER and role != Role.OWNER and not _keeps_an_owner(membership):
            raise ValidationError(
                f"{membership.user} is the last owner of {self.team.name}, so their role cannot "
                "change. Make another member an owner first."
            )
        membership.role = role
        membership.save(update_fields=["role"])
        return f"{membership.user} is now {Role(role).label.lower()}."


class RemoveMemberForm(_MemberForm):
    @transaction.atomic
    def save(self) -> str:
        membership = self._locked_membership()
        if membership.role == Role.OWNER and not _keeps_an_owner(membership):
            raise ValidationError(
                f"{membership.user} is the last owner of {self.team.name} and cannot be removed. "
                "Make another member an owner first."
            )
        membership.delete()
        return f"Removed {membership.user} from {self.team.name}."


class AttestationForm(forms.Form):
    """The statement a submitter must confirm; empty asks for none."""

    attestation = forms.CharField(
        label="Statement confirmed on submission",
        required=False,
        max_length=ATTESTATION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"For example: “{DEFAULT_ATTESTATION}” Leave empty to ask for none. "
        "Each submission records the words confirmed.",
    )

    def __init__(self, *args, team: Team, actor, **kwargs):
        self.team = team
        self.actor = actor
        kwargs.setdefault("initial", {"attestation": team.attestation})
        super().__init__(*args, **kwargs)
        self.fields["attestation"].error_messages["max_length"] = (
            f"The statement can be at most {ATTESTATION_MAX:,} characters."
        )

    @transaction.atomic
    def save(self) -> str:
        _lock_team(self.team, self.actor)
        self.team.attestation = self.cleaned_data["attestation"].strip()
        self.team.save(update_fields=["attestation"])
        if self.team.attestation:
            return "Submitters now confirm the team's statement."
        return "Submitters are no longer asked to confirm a statement."


REVIEW_MONTHS_REFUSED = (
    f"Enter a whole number of months from {REVIEW_MONTHS_MIN} to {REVIEW_MONTHS_MAX}."
)


def months(n: int) -> str:
    return f"{n} month" if n == 1 else f"{n} months"


class ReviewIntervalForm(forms.Form):
    """The review interval a new deployment of the team starts with.

    Existing deployments keep their own: each one's is changed on its edit page.
    """

    review_months = forms.IntegerField(
        label="Review interval for new deployments",
        min_value=REVIEW_MONTHS_MIN,
        max_value=REVIEW_MONTHS_MAX,
        error_messages=dict.fromkeys(
            ("required", "invalid", "min_value", "max_value"), REVIEW_MONTHS_REFUSED
        ),
    )

    def __init__(self, *args, team: Team, actor, **kwargs):
        self.team = team
        self.actor = actor
        kwargs.setdefault("initial", {"review_months": team.review_months})
        super().__init__(*args, **kwargs)

    @transaction.atomic
    def save(self) -> str:
        _lock_team(self.team, self.actor)
        # Read again under the lock: the history records the row as it now is.
        team = Team.objects.get(pk=self.team.pk)
        interval = self.cleaned_data["review_months"]
        if team.review_months == interval:
            return f"New deployments already start with a review every {months(interval)}."
        team.review_months = interval
        team.save(update_fields=["review_months"])
        self.team.review_months = interval
        return (
            f"New deployments of {team.name} now start with a review every {months(interval)}. "
            "Existing deployments keep their own."
        )


class ReviewRequiredForm(forms.Form):
    """Whether the team's submissions need a reviewer's approval (assessments/workflow.py)."""

    review_required = forms.BooleanField(
        label="Require a review: submissions wait for a reviewer's approval",
        required=False,
    )

    def __init__(self, *args, team: Team, actor, **kwargs):
        self.team = team
        self.actor = actor
        kwargs.setdefault("initial", {"review_required": team.review_required})
        super().__init__(*args, **kwargs)

    @transaction.atomic
    def save(self) -> str:
        _lock_team(self.team, self.actor)
        team = Team.objects.get(pk=self.team.pk)
        wanted = self.cleaned_data["review_required"]
        if team.review_required != wanted:
            team._history_user = self.actor
            team.review_required = wanted
            team.save(update_fields=["review_required"])
            self.team.review_required = wanted
        if wanted:
            reviewers = team.memberships.filter(role=Role.REVIEWER).count()
            note = "" if reviewers else " The team has no reviewer yet: add one below."
            return f"Submissions of {team.name} now wait for a reviewer's approval.{note}"
        return (
            f"Submissions of {team.name} are now final; those already in review still "
            "wait for their decision."
        )


class AcceptanceMonthsForm(forms.Form):
    """How far ahead an accepted risk may run before it must be decided again (actions app)."""

    acceptance_months = forms.IntegerField(
        label="Longest acceptance of a risk",
        min_value=1,
        max_value=ACCEPTANCE_MONTHS_MAX,
        error_messages=dict.fromkeys(
            ("required", "invalid", "min_value", "max_value"),
            f"Enter a whole number of months from 1 to {ACCEPTANCE_MONTHS_MAX}.",
        ),
    )

    def __init__(self, *args, team: Team, actor, **kwargs):
        self.team = team
        self.actor = actor
        kwargs.setdefault("initial", {"acceptance_months": team.acceptance_months})
        super().__init__(*args, **kwargs)

    @transaction.atomic
    def save(self) -> str:
        _lock_team(self.team, self.actor)
        team = Team.objects.get(pk=self.team.pk)
        wanted = self.cleaned_data["acceptance_months"]
        if team.acceptance_months != wanted:
            team._history_user = self.actor
            team.acceptance_months = wanted
            team.save(update_fields=["acceptance_months"])
            self.team.acceptance_months = wanted
        return (
            f"{team.name} now accepts a risk for at most {months(wanted)}. "
            "Acceptances already made keep their dates."
        )


ACTIONS = {
    "add": AddMemberForm,
    "role": ChangeRoleForm,
    "review_required": ReviewRequiredForm,
    "remove": RemoveMemberForm,
    "attestation": AttestationForm,
    "review": ReviewIntervalForm,
    "acceptance": AcceptanceMonthsForm,
}
