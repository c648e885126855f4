"""The main pages of the app, for the browser sweep (test_pages.py), and the records they show.

Adding a page? Add one Page row to PAGES: a name, a function from the World (the
records below) to its URL, and who is logged in. The sweep then checks it for
accessibility (axe-core), for width at 390 px and for console errors (CSP
violations included), with no other change. If the page needs a record the World
does not have yet, add it to make_world().
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from riskassess import yamlfiles
from riskassess.accounts.models import Membership, Role, Team, User
from riskassess.actions import services as action_services
from riskassess.actions.models import Action, Status
from riskassess.assessments import services
from riskassess.assessments.models import Answer, Assessment
from riskassess.assessments.reportdata import finding_keys
from riskassess.checklist import services as checklist_services
from riskassess.checklist.models import Checklist
from riskassess.checklist.models import Status as ChecklistStatus
from riskassess.checklist.spec import parse
from riskassess.deployments.models import BaseModel, Deployment, Lifecycle
from riskassess.notifications.models import Notification
from riskassess.reports.build import build_report

PASSWORD = "correct horse battery staple"
NOT_FOUND = "00000000-0000-4000-8000-000000000000"

# What the draft's answers are: a provisional draft with findings in every category.
DRAFT_ANSWERS = [
    ("INQ-01", "yes", "Model card read; evaluated on our own support transcripts."),
    ("INQ-02", "partly", "English and Spanish only; French and German are planned for Q3."),
    ("INQ-03", "no", ""),
    ("MIS-01", "no", "Not started. Owner: platform team."),
    ("MIS-02", "unknown", ""),
    ("ENV-01", "na", "Served by the provider: we run no hardware of our own."),
    ("ENV-02", "partly", ""),
    ("LEG-01", "yes", ""),
]
# The submitted assessment's answers, cycled over every item.
SUBMITTED_CYCLE = ["yes", "partly", "yes", "no", "yes", "unknown"]


@dataclass
class World:
    """alice owns `team`, bob edits, vera only views; `draft` is provisional, `submitted` locked."""

    team: Team
    checklist: Checklist
    draft: Assessment
    submitted: Assessment
    users: dict[str, User] = field(default_factory=dict)
    # Format 2 (add_v2): a draft with a skipped item's answer kept, and a submitted one.
    v2_draft: Assessment | None = None
    v2_submitted: Assessment | None = None


def make_world(checklist: Checklist) -> World:
    team = Team.objects.create(name="Customer support platform")
    users = {}
    for name, role in [("alice", Role.OWNER), ("bob", Role.EDITOR), ("vera", Role.VIEWER)]:
        users[name] = User.objects.create_user(name, password=PASSWORD)
        Membership.objects.create(team=team, user=users[name], role=role)
    details = {
        "model_name": "support-bot 2.3",
        "base_model": "an open-weights 70B chat model",
        "context": "Public-facing, EU and US customers, English and Spanish.",
    }
    draft = services.create_assessment(
        user=users["alice"],
        team=team,
        checklist=checklist,
        title="Customer-support assistant for the EU launch",
        **details,
    )
    for key, option, comment in DRAFT_ANSWERS:
        services.save_answer(
            assessment=draft,
            item_key=key,
            option_key=option,
            comment=comment,
            expected_version=0,
            user=users["bob"],
        )
    submitted = services.create_assessment(
        user=users["alice"], team=team, checklist=checklist, title="Search helper", **details
    )
    # One INSERT: this assessment needs the state, not the saves (each save is a transaction).
    options = {(o.item_id, o.key): o for o in checklist.options.filter(active=True)}
    Answer.objects.bulk_create(
        Answer(
            assessment=submitted,
            item=item,
            option=options.get((item.pk, key)) or options[(None, key)],
            updated_by=users["alice"],
        )
        for n, item in enumerate(checklist.items.filter(active=True).order_by("pk"))
        for key in [SUBMITTED_CYCLE[n % len(SUBMITTED_CYCLE)]]
    )
    submitted = services.submit(assessment=submitted, user=users["alice"])
    # A newer published version, so that the draft can preview a move to it.
    newer = checklist_services.duplicate_as_draft(checklist)
    checklist_services.set_status(checklist=newer, status=ChecklistStatus.PUBLISHED)
    add_catalogue(submitted, users)
    add_plan(draft, users)
    return World(team=team, checklist=checklist, draft=draft, submitted=submitted, users=users)


def add_catalogue(submitted: Assessment, users: dict[str, User]) -> None:
    """The base model catalogue: the submitted assessment's deployment is built on a catalogue
    entry that a newer version superseded; cora (staff) maintains the catalogue."""
    newer = BaseModel.objects.create(
        provider="Meta",
        name="Llama 3.1 70B Instruct",
        release_date=date(2024, 7, 23),
        licence="Llama 3.1 Community Licence",
        model_card="https://example.org/meta-llama/Llama-3.1-70B-Instruct/model-card",
    )
    older = BaseModel.objects.create(
        provider="Meta",
        name="Llama 3 70B Instruct",
        release_date=date(2024, 4, 18),
        licence="Llama 3 Community Licence",
        superseded_by=newer,
        superseded_at=date(2024, 7, 23),
    )
    deployment = submitted.deployment
    deployment.base_model = older
    deployment.save()
    # Planned, never assessed, on the superseded entry: "re-assessment needed".
    Deployment.objects.create(
        team=submitted.team,
        name="Ticket triage",
        model_name="triage 0.9",
        base_model=older,
        owner=users["alice"],
        lifecycle=Lifecycle.PLANNED,
    )
    users["cora"] = User.objects.create_user("cora", password=PASSWORD, is_staff=True)
    users["cora"].user_permissions.add(Permission.objects.get(codename="edit_catalogue"))


def add_plan(draft: Assessment, users: dict[str, User]) -> None:
    """The draft's action plan, made by bob, who owns every action: INQ-02 overdue, MIS-01
    open, ENV-02 done (so flagged "re-answer"), MIS-02's acceptance proposed (for alice to
    decide), INQ-03 left undecided. alice's notification of the proposal is read."""
    keys = finding_keys(build_report(draft)["items"])
    today = timezone.localdate()
    bob = users["bob"]
    plan = {
        "INQ-02": "Evaluate the assistant's answers in French and German before launch",
        "MIS-01": "Commission a red-team exercise on prompt injection and fraud scripts",
        "ENV-02": "Ask the provider for the energy and carbon report of the hosted model",
    }
    made = {}
    for key, title in plan.items():
        made[key] = action_services.create_action(
            deployment_id=draft.deployment_id, user=bob, title=title, owner=bob,
            due_on=today + timedelta(days=30), item_keys=[key], findings=keys,
        )  # fmt: skip
    Action.objects.filter(pk=made["INQ-02"].pk).update(due_on=today - timedelta(days=5))
    action_services.move(action=made["ENV-02"], user=bob, role=Role.EDITOR, status=Status.DONE)
    action_services.propose_acceptance(
        deployment_id=draft.deployment_id, item_key="MIS-02", user=bob, findings=keys,
        justification="Misuse is limited by the login and the rate limits; the provider's "
        "abuse monitoring covers the rest until the red-team exercise reports.",
        expires_on=today + timedelta(days=90),
    )  # fmt: skip
    Notification.objects.filter(recipient=users["alice"]).update(read_at=timezone.now())


def _triage(w: World):
    return Deployment.objects.get(name="Ticket triage").pk


def _base_model(w: World):
    return BaseModel.objects.get(name="Llama 3 70B Instruct").pk


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[World], str]
    user: str | None = "alice"  # None: not logged in
    status: int = 200

    def __str__(self) -> str:
        return self.name


def _url(name: str, *args) -> Callable[[World], str]:
    """A URL builder: each argument is a constant or a function of the World."""
    return lambda w: reverse(name, args=[a(w) if callable(a) else a for a in args])


def _draft(w: World):
    return w.draft.pk


def _submitted(w: World):
    return w.submitted.pk


def _overdue_action(w: World):
    return Action.objects.get(deployment_id=w.draft.deployment_id, findings__item_key="INQ-02").pk


def _checklist_slug(w: World):
    return w.checklist.slug


def _checklist_version(w: World):
    return w.checklist.version


PAGES = [
    Page("login", _url("login"), user=None),
    Page("dashboard", _url("dashboard")),
    Page("assessments", _url("assessment_list")),
    Page("new-assessment", _url("assessment_new")),
    Page("import", _url("assessment_import")),
    Page("questionnaire-editor", _url("questionnaire", _draft, "inequity"), user="bob"),
    Page("questionnaire-viewer", _url("questionnaire", _draft, "misuse"), user="vera"),
    Page("questionnaire-submitted", _url("questionnaire", _submitted, "inequity")),
    Page("results-provisional", _url("results", _draft)),
    Page("results-submitted", _url("results", _submitted)),
    Page("history", _url("assessment_history", _draft)),
    Page("history-submitted", _url("assessment_history", _submitted)),
    Page("details", _url("assessment_edit", _draft)),
    Page("details-submitted", _url("assessment_edit", _submitted)),
    Page("delete", _url("assessment_delete", _draft)),
    Page("delete-submitted", _url("assessment_delete", _submitted)),
    Page("revision-results", _url("revision_results", _submitted, 1), user="vera"),
    Page("verify", _url("verify_report"), user="vera"),
    Page("upgrade-preview", _url("assessment_upgrade", _draft), user="bob"),
    Page("teams", _url("teams")),
    Page("team", _url("team", lambda w: w.team.pk)),
    Page("team-viewer", _url("team", lambda w: w.team.pk), user="vera"),
    Page("checklists", _url("checklist:list")),
    Page("checklist", _url("checklist:detail", _checklist_slug, _checklist_version)),
    Page("password-change", _url("password_change")),
    Page("deployments", _url("deployments:list")),
    Page("deployment-never-assessed", _url("deployments:detail", lambda w: w.draft.deployment_id)),
    Page(
        "deployment-superseded",
        _url("deployments:detail", lambda w: w.submitted.deployment_id),
        user="vera",
    ),
    Page("deployment-reassessment-needed", _url("deployments:detail", _triage), user="bob"),
    Page("deployment-edit", _url("deployments:edit", lambda w: w.draft.deployment_id), user="bob"),
    Page(
        "new-assessment-of-deployment",
        lambda w: f"{reverse('assessment_new')}?deployment={w.submitted.deployment_id}",
        user="bob",
    ),
    Page("base-models", _url("deployments:base_models")),
    Page("base-model", _url("deployments:base_model", _base_model)),
    Page("base-model-staff", _url("deployments:base_model", _base_model), user="cora"),
    Page("base-model-new", _url("deployments:base_model_new"), user="cora"),
    # The audit workflow (issue 14).
    Page("review", _url("assessment_review", _submitted)),
    Page("discussion", _url("item_discussion", _draft, "INQ-01"), user="bob"),
    Page("item-evidence", _url("item_evidence", _draft, "INQ-01"), user="bob"),
    Page("assign", lambda w: _url("assign", _draft)(w) + "?item=INQ-01", user="bob"),
    Page("my-work", _url("my_work"), user="bob"),
    Page("notification-settings", _url("notification_settings"), user="bob"),
    # The action plan (issue 15): add_plan() in make_world.
    Page("plan", _url("action_plan", _draft), user="bob"),
    Page("plan-submitted", _url("action_plan", _submitted), user="vera"),
    Page("finding", _url("action_finding", _draft, "INQ-02"), user="bob"),
    Page("finding-proposed", _url("action_finding", _draft, "MIS-02"), user="alice"),
    Page("action-new", lambda w: _url("action_new", _draft)(w) + "?item=INQ-03", user="bob"),
    Page("action-edit", _url("action_edit", _draft, _overdue_action), user="bob"),
    Page("questionnaire-reanswer", _url("questionnaire", _draft, "environment"), user="bob"),
    Page("not-found", _url("results", NOT_FOUND), status=404),
]


# Format 2 -----------------------------------------------------------------------------------

V2_CHECKLIST = Path(settings.BASE_DIR) / "riskassess" / "checklist" / "data"
V2_ANSWERS = (
    Path(settings.BASE_DIR) / "examples" / "calibration" / "b-public-assistant-no-harm-tests.yaml"
)


def _answer_v2(assessment: Assessment, user: User, content: dict, extra: dict) -> None:
    for key, options in content["profile"].items():
        services.save_profile(
            assessment=assessment,
            question_key=key,
            option_keys=options if isinstance(options, list) else [options],
            expected_version=0,
            user=user,
        )
    for key, value in {**content["answers"], **extra}.items():
        option, comment = (
            (value["answer"], value.get("comment", "")) if isinstance(value, dict) else (value, "")
        )
        services.save_answer(
            assessment=assessment,
            item_key=key,
            option_key=option,
            comment=comment,
            expected_version=0,
            user=user,
        )


def add_v2(world: World) -> World:
    """The default checklist's version 2 (format 2: a profile, skips, coverage), published as
    version 3 (make_world already published a version 2), a draft answered as a public
    assistant with INQ-07 answered before the profile skipped it, and a submitted copy."""
    spec = parse((V2_CHECKLIST / "foundation-model-risks-v2.yaml").read_bytes())
    checklist = checklist_services.load_checklist(dataclasses.replace(spec, version=3))[0]
    content = yamlfiles.load(V2_ANSWERS.read_bytes())
    made = []
    for title, extra in [
        (
            "Public assistant",
            {"INQ-07": {"answer": "no", "comment": "Answered before the profile."}},
        ),
        ("Public assistant, submitted", {}),
    ]:
        assessment = services.create_assessment(
            user=world.users["alice"],
            team=world.team,
            checklist=checklist,
            title=title,
            model_name="support-bot 2.3",
            base_model="an open-weights 70B chat model",
            context="Public-facing, EU and US customers.",
        )
        _answer_v2(assessment, world.users["bob"], content, extra)
        made.append(assessment)
    world.v2_draft = made[0]
    world.v2_submitted = services.submit(assessment=made[1], user=world.users["alice"])
    return world


# Checked with every <details> open, so that the folded coverage tables are audited too.
V2_PAGES = [
    Page("results-v2", _url("results", lambda w: w.v2_draft.pk)),
    Page(
        "revision-results-v2", _url("revision_results", lambda w: w.v2_submitted.pk, 1), user="vera"
    ),
]
