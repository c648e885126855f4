"""Is the dashboard flat at scale? Run from the repository root:

    .venv/bin/python bench/dashboard.py [--db sqlite|postgres] [--duration 10]
                                        [--connections 8] [--rounds 2] [--wait-quiet 10]
                                        [--explain] [--keep]

The target (issue 13): one user in 20 teams with 2,000 deployments and 10,000
assessments; the dashboard (GET /) serves at least 20 % of the login page's
requests/s, and page 1 and a deep page (page 79 of 80) are within 1.2x of
each other's requests/s.

1. Builds a throw-away database as bench/load.py does (a SQLite file in a
   temporary directory, or with --db postgres riskassess_load_<pid> on
   127.0.0.1:5432, dropped at the end), migrates it and loads the default
   checklist (`load_checklist`).
2. Seeds, with bulk_create and a fixed random seed: the user `dash-user`, a
   member (4 teams as owner, 10 as editor, 6 as viewer) of 20 teams holding
   2,000 deployments and 10,000 assessments; 30 other teams (1,000
   deployments, 5,000 assessments) the user is not in, for the membership
   filter to leave out; 60 colleagues in both; 15 catalogue base models (3
   superseded by a newer version). Deployments: varied names, model names, on
   a catalogue base model (~60 %), typed (~30 %) or none; planned, in
   production or retired; 1-10 assessments each (5 on average), the newest
   one current. Assessments older than a year are on version 1 of the default
   checklist, newer ones on version 2; most older ones were submitted, some
   abandoned drafts are archived; the current one is a draft, a reopened
   draft or submitted. Each submission is a bare Revision row (level and
   score, empty snapshot and report, as the tests' factories make them).
   No answers: each assessment's stored summary (summary_* fields) is written
   directly with plausible values, so `manage.py summaries --verify` would
   report them (it rescores from answers); what the revisions decide is
   consistent, and checked here with the same functions it uses
   (summary.check_current, summary.check_deployments): each deployment's
   current assessment, latest level, latest submission and review date.
3. Fetches every scenario in-process (Django's test client), checks it and
   counts its queries; with --explain prints the SQL of the dashboard and of
   the assessments list on page 1 and on the deep page, each with its plan
   (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN ANALYZE).
4. Starts the server as `make serve` does (scripts/serve.sh, WEB_CONCURRENCY=2),
   logs the user in with a real POST /login/, fetches each scenario once
   (status 200, the expected number of rows, the expected total and page
   number), then runs wrk (bench/wrk/get.lua, --duration seconds each) on:
   GET /login/ (the ceiling), the dashboard's page 1 and deep page, sorted by
   level, a search matching ~5 % of the names, due now sorted by due date,
   one team's high-level deployments, and the assessments list (/assessments/)
   on page 1 and on a deep page. The ceiling, page 1 and the deep page run
   --rounds times (2 by default), in alternating order (ceiling, page 1,
   deep, the others, deep, page 1, ceiling, ...), so that a machine getting
   busier or quieter during the run moves both sides of each ratio alike;
   their figures are over all their runs (requests over seconds). Before each
   run, as in load.py, it waits up to --wait-quiet seconds for other
   processes to use under a quarter of a core.
5. Prints a table and PASS/MISS for both targets (and zero errors); always
   stops the server and removes the database (also on Ctrl-C or SIGTERM).
   Exit status 0 when every target is met.

It reuses bench/load.py (database, server, login, wrk, CPU accounting): read
its docstring for the method. Figures: docs/performance.md ("Dashboard at scale
(issue 13)").
"""

from __future__ import annotations

import argparse
import hashlib
import math
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # bench/load.py, next to this file

USERNAME = "dash-user"
TEAMS = 20
DEPLOYMENTS = 2_000
ASSESSMENTS = 10_000
OTHER_TEAMS = 30
OTHER_DEPLOYMENTS = 1_000
OTHER_ASSESSMENTS = 5_000
COLLEAGUES = 60
ROLES = ["owner"] * 4 + ["editor"] * 10 + ["viewer"] * 6  # the user's, one per team
PAGE_SIZE = 25
SEARCH_WORD = "payroll"  # one of the 20 name domains below: ~5 % of the names
TARGET_SHARE = 0.20  # of the ceiling's req/s
TARGET_DEEP_RATIO = 1.2  # page 1 vs the deep page, the faster over the slower
SLUG = load.SLUG

DOMAINS = [
    "Payroll",
    "Claims",
    "Invoicing",
    "Onboarding",
    "Procurement",
    "Recruiting",
    "Underwriting",
    "Fraud",
    "Logistics",
    "Marketing",
    "Legal",
    "Tax",
    "Compliance",
    "Helpdesk",
    "Pricing",
    "Treasury",
    "Warranty",
    "Travel",
    "Facilities",
    "Research",
]
PURPOSES = [
    "assistant",
    "summariser",
    "triage bot",
    "search",
    "classifier",
    "drafting tool",
    "chat",
    "translator",
    "extractor",
    "copilot",
    "Q&A",
    "review helper",
    "router",
    "agent",
    "digest",
]
VARIANTS = ["", "", "", "EU", "US", "UK", "APAC", "internal", "pilot", "v2", "v3", "beta"]
MODEL_NAMES = [
    "gpt-4o-2024-08-06",
    "gpt-4o-mini",
    "claude-3-5-sonnet-20241022",
    "claude-3-haiku",
    "llama-3.1-70b-instruct",
    "llama-3.1-8b-ft-support",
    "mistral-large-2407",
    "mixtral-8x7b-instruct",
    "gemini-1.5-pro-002",
    "command-r-plus",
    "qwen2.5-72b-instruct",
    "phi-3-medium-ft-v4",
]
# provider, name, version, superseded by (index) or None
CATALOGUE = [
    ("OpenAI", "GPT-4o", "2024-05-13", 1),
    ("OpenAI", "GPT-4o", "2024-08-06", None),
    ("OpenAI", "GPT-4o mini", "2024-07-18", None),
    ("Anthropic", "Claude 3 Haiku", "20240307", None),
    ("Anthropic", "Claude 3.5 Sonnet", "20240620", 5),
    ("Anthropic", "Claude 3.5 Sonnet", "20241022", None),
    ("Meta", "Llama 3 70B", "", 7),
    ("Meta", "Llama 3.1 70B", "", None),
    ("Meta", "Llama 3.1 8B", "", None),
    ("Mistral AI", "Mistral Large", "2407", None),
    ("Mistral AI", "Mixtral 8x7B", "v0.1", None),
    ("Google", "Gemini 1.5 Pro", "002", None),
    ("Cohere", "Command R+", "08-2024", None),
    ("Alibaba", "Qwen2.5 72B", "", None),
    ("Microsoft", "Phi-3 Medium", "", None),
]
TYPED = ["GPT-4 (Azure)", "in-house BERT", "Llama 2 13B", "vendor model, unnamed", "Falcon 40B"]
CONTEXTS = [
    "Answers employees' questions from the internal policy wiki.",
    "Drafts replies to customers, checked by an agent before sending.",
    "Sorts incoming documents and extracts their key fields.",
    "Summarises long case files for the reviewing team.",
]
LEVEL_BY_SCORE = ((75, "critical"), (50, "high"), (25, "medium"), (0, "low"))


# --- seeding --------------------------------------------------------------------------------


@contextmanager
def times_as_given(*models):
    """bulk_create with the created_at/updated_at set here: auto_now(_add) off meanwhile.

    (Seeding only: the benchmark's own process, never the server's.)"""
    saved = []
    for model in models:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                saved.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def counts_summing_to(rng: random.Random, n: int, total: int) -> list[int]:
    """n counts of 1-10, 5 on average, varied, adding up to `total` exactly."""
    counts = [rng.choices(range(1, 11), [6, 10, 12, 13, 13, 12, 11, 9, 8, 6])[0] for _ in range(n)]
    while (diff := total - sum(counts)) != 0:
        i = rng.randrange(n)
        if diff > 0 and counts[i] < 10:
            counts[i] += 1
        elif diff < 0 and counts[i] > 1:
            counts[i] -= 1
    return counts


def level_of(score: float) -> str:
    return next(level for floor, level in LEVEL_BY_SCORE if score >= floor)


def summary_of(rng: random.Random, submitted: bool, format_2: bool) -> dict:
    """Plausible stored summary values (what assessments/summary.py would store)."""
    from riskassess.checklist.rules_v2 import DEFAULT_MATRIX, TIERS

    if submitted:  # submitted, or submitted once and reopened
        completeness = 1.0 if rng.random() < 0.9 else round(rng.uniform(0.8, 0.99), 3)
    else:
        completeness = round(rng.uniform(0.0, 0.99), 3)
    if completeness == 0:
        return {
            "summary_score": None,
            "summary_level": "",
            "summary_control_level": "",
            "summary_tier": "",
            "summary_completeness": 0.0,
            "summary_provisional": True,
        }
    score = round(min(100.0, max(0.0, rng.gauss(38, 18))), 1)
    control = level_of(score)
    tier = rng.choices(TIERS, [30, 35, 25, 10])[0] if format_2 else ""
    return {
        "summary_score": score,
        "summary_level": DEFAULT_MATRIX[tier][control] if format_2 else control,
        "summary_control_level": control if format_2 else "",
        "summary_tier": tier,
        "summary_completeness": completeness,
        "summary_provisional": completeness < 1.0,
    }


@dataclass
class Seeded:
    user_pk: int
    teams: list  # the user's teams' ids, in the order made
    deployments: int
    assessments: int
    revisions: int
    other_deployments: int
    other_assessments: int
    base_models: int
    superseded: int
    archived: int
    seconds: float = 0.0


def seed(rng: random.Random) -> Seeded:
    """The user, their 20 teams and the others, base models, deployments, assessments,
    revisions; each deployment's stored level, submission time and review date."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from riskassess.accounts.models import Membership, Role, Team, User
    from riskassess.assessments.models import Assessment, Revision, Status
    from riskassess.checklist.models import Checklist
    from riskassess.deployments.models import LEVEL_RANK, BaseModel, Deployment, Lifecycle
    from riskassess.deployments.summary import review_of

    t0 = time.monotonic()
    now = timezone.now()
    today = timezone.localdate()
    checklists = {c.version: c for c in Checklist.objects.filter(slug=SLUG)}
    v1, v2 = checklists[1], checklists[2]
    hashed = make_password(load.PASSWORD)

    with transaction.atomic(), times_as_given(Deployment, Assessment):
        user = User.objects.create(username=USERNAME, password=hashed, email="dash@example.org")
        colleagues = User.objects.bulk_create(
            User(username=f"colleague-{n:02d}", password=hashed, email=f"c{n}@example.org")
            for n in range(COLLEAGUES)
        )
        names = [f"{d} {s}" for s in ("operations", "platform", "analytics") for d in DOMAINS]
        rng.shuffle(names)
        teams = Team.objects.bulk_create(Team(name=names[t]) for t in range(TEAMS + OTHER_TEAMS))
        mine, others = teams[:TEAMS], teams[TEAMS:]
        roles = ROLES[:]
        rng.shuffle(roles)
        memberships = [
            Membership(team=team, user=user, role=role)
            for team, role in zip(mine, roles, strict=True)
        ]
        members = {team.pk: [user] for team in mine} | {team.pk: [] for team in others}
        for team in teams:
            for colleague in rng.sample(colleagues, rng.randint(4, 8)):
                memberships.append(
                    Membership(team=team, user=colleague, role=rng.choice(list(Role)))
                )
                members[team.pk].append(colleague)
        Membership.objects.bulk_create(memberships)

        base_models = BaseModel.objects.bulk_create(
            BaseModel(provider=p, name=n, version=v, release_date=today - timedelta(days=d))
            for d, (p, n, v, _) in zip(range(600, 0, -30), CATALOGUE, strict=False)
        )
        superseded = []
        for base, (_, _, _, newer) in zip(base_models, CATALOGUE, strict=True):
            if newer is not None:
                base.superseded_by = base_models[newer]
                base.superseded_at = today - timedelta(days=rng.randint(20, 240))
                superseded.append(base)
        BaseModel.objects.bulk_update(superseded, ["superseded_by", "superseded_at"])

        deployments, assessments, revisions = [], [], []
        archived = 0

        def make(team_list, n_deployments, n_assessments):
            nonlocal archived
            for k in counts_summing_to(rng, n_deployments, n_assessments):
                team = rng.choices(team_list, [1 + (i % 5) for i in range(len(team_list))])[0]
                variant = rng.choice(VARIANTS)
                name = f"{rng.choice(DOMAINS)} {rng.choice(PURPOSES)}" + (
                    f" ({variant})" if variant else ""
                )
                if rng.random() < 0.3:
                    name += f" {rng.randint(2, 40)}"
                draw = rng.random()
                base = rng.choice(base_models) if draw < 0.6 else None
                typed = rng.choice(TYPED) if 0.6 <= draw < 0.9 else ""
                lifecycle = rng.choices(list(Lifecycle), [15, 75, 10])[0]
                # Assessment times, newest last: the newest within 4 months, then
                # every 1.5-8 months back.
                times = [now - timedelta(days=rng.uniform(0.5, 120))]
                for _ in range(k - 1):
                    times.append(times[-1] - timedelta(days=rng.uniform(45, 240)))
                times.reverse()
                owner = rng.choice(members[team.pk])
                deployment = Deployment(
                    team=team,
                    name=name,
                    context=rng.choice(CONTEXTS),
                    model_name=rng.choice(MODEL_NAMES),
                    base_model=base,
                    base_model_text=typed,
                    owner=owner,
                    lifecycle=lifecycle,
                    review_months=rng.choice([12, 12, 12, 12, 12, 6, 24, 3]),
                    created_at=times[0] - timedelta(days=rng.uniform(0, 10)),
                )
                deployment.updated_at = deployment.created_at
                last = None  # (submitted_at, level) of the latest revision
                for j, created in enumerate(times):
                    current = j == k - 1
                    until = now if current else times[j + 1]
                    if current:
                        submitted = rng.random() < (0.8 if lifecycle == Lifecycle.RETIRED else 0.4)
                        reopened = not submitted and k > 1 and rng.random() < 0.15
                    else:
                        submitted, reopened = rng.random() < 0.75, False
                    format_2 = created > now - timedelta(days=365)
                    values = summary_of(rng, submitted or reopened, format_2)
                    assessment = Assessment(
                        team=team,
                        deployment=deployment,
                        checklist=v2 if format_2 else v1,
                        title=f"{name}: {created:%B %Y} assessment",
                        model_name=deployment.model_name,
                        base_model=str(base) if base else typed,
                        context=deployment.context,
                        status=Status.SUBMITTED if submitted else Status.DRAFT,
                        created_by=owner,
                        created_at=created,
                        is_current=current,
                        **values,
                    )
                    changed = created + (until - created) * rng.uniform(0.05, 0.6)
                    assessment.updated_at = changed
                    if submitted or reopened:
                        numbers = 2 if rng.random() < 0.15 else 1
                        for number in range(1, numbers + 1):
                            at = created + (until - created) * (0.1 + 0.4 * number / numbers)
                            revisions.append(
                                Revision(
                                    assessment=assessment,
                                    number=number,
                                    submitted_by=owner,
                                    submitted_by_name=owner.username,
                                    submitted_at=at,
                                    snapshot={},
                                    report={},
                                    fingerprint=hashlib.sha256(
                                        f"{len(revisions)}".encode()
                                    ).hexdigest(),
                                    score=values["summary_score"],
                                    level=values["summary_level"],
                                )
                            )
                            last = (at, values["summary_level"])
                        assessment.updated_at = max(assessment.updated_at, at)
                        if submitted:
                            assessment.submitted_at = at
                            assessment.snapshot = {}
                    elif not current and rng.random() < 0.5:
                        assessment.archived_at = until
                        archived += 1
                    assessments.append(assessment)
                if last is not None:
                    deployment.last_submitted_at, deployment.latest_level = last
                    deployment.level_rank = LEVEL_RANK.get(last[1], 0)
                    if rng.random() < 0.05:
                        deployment.changed_at = last[0] + (now - last[0]) * rng.uniform(0.1, 0.9)
                        deployment.change_note = "model version changed"
                # The rules of review.py, as the app applies them (summary.review_of).
                deployment.review_due = review_of(deployment, today).due
                deployments.append(deployment)

        make(mine, DEPLOYMENTS, ASSESSMENTS)
        n_mine = len(revisions)
        make(others, OTHER_DEPLOYMENTS, OTHER_ASSESSMENTS)
        Deployment.objects.bulk_create(deployments, batch_size=500)
        Assessment.objects.bulk_create(assessments, batch_size=500)
        Revision.objects.bulk_create(revisions, batch_size=500)

    return Seeded(
        user_pk=user.pk,
        teams=[t.pk for t in mine],
        deployments=DEPLOYMENTS,
        assessments=ASSESSMENTS,
        revisions=n_mine,
        other_deployments=OTHER_DEPLOYMENTS,
        other_assessments=OTHER_ASSESSMENTS,
        base_models=len(base_models),
        superseded=len(superseded),
        archived=archived,
        seconds=time.monotonic() - t0,
    )


def verify_stored() -> int:
    """What `summaries --verify` checks of the deployments, with its own functions: each
    deployment's current assessment, latest level and time, review date. Differences."""
    from riskassess.assessments import summary
    from riskassess.deployments.models import Deployment

    differences = 0
    deployments = list(
        Deployment.objects.select_related("base_model__superseded_by").order_by("pk")
    )
    for start in range(0, len(deployments), 200):
        chunk = deployments[start : start + 200]
        found = summary.check_current([d.pk for d in chunk], fix=False)
        found += summary.check_deployments(chunk, fix=False)
        for difference in found[:5]:
            load.log(f"  differs: {difference}")
        differences += len(found)
    return differences


# --- scenarios --------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    path: str
    expected: int  # rows in all (the page's total); 0 for the login page
    page: int = 1


def scenarios(seeded: Seeded) -> list[Scenario]:
    """The URLs, each with the number of rows the view must find, counted in-process
    with the view's own querysets."""
    from django.utils import timezone

    from riskassess.accounts.models import Team, User
    from riskassess.assessments.models import Assessment
    from riskassess.deployments import dashboard, selectors

    user = User.objects.get(pk=seeded.user_pk)
    today = timezone.localdate()
    listed = selectors.listed(user)

    def count(**chosen) -> int:
        return dashboard.filtered(listed, chosen, today).count()

    total = count()
    deep = math.ceil(total / PAGE_SIZE) - 1
    # The team with the most high-level deployments, for a realistic non-empty filter.
    team = max(
        Team.objects.filter(pk__in=seeded.teams),
        key=lambda t: count(team=str(t.pk), level="high"),
    )
    listed_assessments = Assessment.objects.for_user(user).filter(archived_at__isnull=True).count()
    deep_assessments = math.ceil(listed_assessments / PAGE_SIZE) - 1
    return [
        Scenario("ceiling", "/login/", 0),
        Scenario("page1", "/", total),
        Scenario("deep", f"/?page={deep}", total, deep),
        Scenario("sort-level", "/?sort=level", total),
        Scenario("search", f"/?q={SEARCH_WORD}", count(q=SEARCH_WORD)),
        Scenario("due-now", "/?due=now&sort=due", count(due="now")),
        Scenario(
            "team-high",
            "/?" + urllib.parse.urlencode({"team": team.pk, "level": "high"}),
            count(team=str(team.pk), level="high"),
        ),
        Scenario("assessments", "/assessments/", listed_assessments),
        Scenario(
            "assess-deep",
            f"/assessments/?page={deep_assessments}",
            listed_assessments,
            deep_assessments,
        ),
    ]


def check_page(s: Scenario, status: int, body: bytes) -> str:
    """Status 200, the rows the page must show, its total and number; '' when right."""
    if status != 200:
        return f"status {status}"
    html = body.decode(errors="replace")
    if s.expected == 0:
        return "" if "csrfmiddlewaretoken" in html else "no login form"
    tbody = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    rows = len(re.findall(r"<tr[\s>]", tbody.group(1))) if tbody else 0
    start = (s.page - 1) * PAGE_SIZE
    want = min(PAGE_SIZE, s.expected - start)
    if want <= 0 or rows != want:
        return f"{rows} rows shown, {want} expected"
    if s.expected > PAGE_SIZE:
        pages = math.ceil(s.expected / PAGE_SIZE)
        shown = f"{start + 1}\N{EN DASH}{start + want} of {s.expected}"
        for text in (shown, f"Page {s.page} of {pages}"):
            if text not in html:
                return f"'{text}' not on the page"
    return ""


def count_queries(seeded: Seeded, plan: list[Scenario], explain: bool) -> dict[str, int]:
    """Each scenario once in-process (test client): its queries; with `explain`, the
    dashboard's SQL and plans on page 1 and the deep page."""
    from django.conf import settings
    from django.test import Client, override_settings

    from riskassess.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(pk=seeded.user_pk))
    counted = {}
    # Static URLs without the manifest that `collectstatic` (run by serve.sh) writes.
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
        for s in plan:
            counted.update(count_one(client, s, explain))
    return counted


def count_one(client, s: Scenario, explain: bool) -> dict[str, int]:
    """One scenario in-process: checked like the preflight, its queries counted (and shown)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if s.expected == 0:
        return {}
    client.get(s.path)  # warm: the first request of a process loads templates
    with CaptureQueriesContext(connection) as queries:
        response = client.get(s.path)
    if problem := check_page(s, response.status_code, response.content):
        raise SystemExit(f"in-process GET {s.path}: {problem}")
    if explain and s.name in ("page1", "deep", "assessments", "assess-deep"):
        print(f"\n--- {s.path}: {len(queries.captured_queries)} queries", flush=True)
        for q in queries.captured_queries:
            print(f"\n[{float(q['time']) * 1000:.1f} ms] {q['sql']}")
            if q["sql"].startswith("SELECT") and re.search(r"deployment|assessment", q["sql"]):
                postgres = connection.vendor == "postgresql"
                with connection.cursor() as cursor:
                    cursor.execute(
                        ("EXPLAIN ANALYZE " if postgres else "EXPLAIN QUERY PLAN ") + q["sql"]
                    )
                    for row in cursor.fetchall():
                        print("    " + " | ".join(str(v) for v in row))
    return {s.name: len(queries.captured_queries)}


# --- runs -------------------------------------------------------------------------------------


def merged(runs: list[load.Result]) -> load.Result:
    """One scenario's runs as one: requests and seconds added (req/s over both), p50 the
    mean, p99 and max the worst, CPU added (cores: the mean)."""
    if len(runs) == 1:
        return runs[0]
    first = runs[0]
    out = load.Result(name=first.name, path=first.path)
    out.requests = sum(r.requests for r in runs)
    out.seconds = sum(r.seconds for r in runs)
    out.p50_ms = sum(r.p50_ms for r in runs) / len(runs)
    out.p90_ms = max(r.p90_ms for r in runs)
    out.p99_ms = max(r.p99_ms for r in runs)
    out.max_ms = max(r.max_ms for r in runs)
    for r in runs:
        for status, n in r.statuses.items():
            out.statuses[status] = out.statuses.get(status, 0) + n
    out.socket_errors = sum(r.socket_errors for r in runs)
    out.cpu = {
        "server_cpu": sum(r.cpu.get("server_cpu", 0) for r in runs),
        **{
            k: sum(r.cpu.get(k, 0) for r in runs) / len(runs)
            for k in ("server", "db", "wrk", "other")
        },
    }
    out.extra = {"runs": [round(r.rps, 1) for r in runs]}
    return out


def targets(by: dict[str, load.Result]) -> list[tuple[str, bool]]:
    ceiling, page1, deep = by["ceiling"], by["page1"], by["deep"]
    share = page1.rps / ceiling.rps if ceiling.rps else 0.0
    ratio = max(page1.rps, deep.rps) / min(page1.rps, deep.rps) if deep.rps and page1.rps else 0
    cost = (
        max(page1.server_ms, deep.server_ms) / min(page1.server_ms, deep.server_ms)
        if page1.server_ms and deep.server_ms
        else 0.0
    )
    return [
        (
            "zero errors (non-200 responses and socket errors), every scenario",
            all(r.bad == 0 and r.socket_errors == 0 for r in by.values()),
        ),
        (
            f"dashboard page 1 >= {TARGET_SHARE:.0%} of the login page's req/s ({share:.1%}; "
            f"by server CPU cost {load.cost_ratio(ceiling, page1):.1%})",
            share >= TARGET_SHARE,
        ),
        (
            f"page 1 and the deep page within {TARGET_DEEP_RATIO}x ({page1.rps:.1f} vs "
            f"{deep.rps:.1f} req/s: {ratio:.2f}x; by server CPU cost {cost:.2f}x)",
            0 < ratio <= TARGET_DEEP_RATIO,
        ),
    ]


def report(results, plan, queries, args, seeded: Seeded, engine: str, elapsed: float) -> bool:
    import django

    by = {r.name: r for r in results}
    ceiling = by["ceiling"].rps
    print()
    print(f"riskassess dashboard at scale, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"machine: {load.machine()}; Python {platform.python_version()}, "
        f"Django {django.__version__}"
    )
    print(
        f"database: {engine}; the user ({USERNAME}) in {TEAMS} teams: {seeded.deployments} "
        f"deployments, {seeded.assessments} assessments ({seeded.revisions} revisions); "
        f"others: {OTHER_TEAMS} teams, {seeded.other_deployments} deployments, "
        f"{seeded.other_assessments} assessments; {seeded.base_models} base models "
        f"({seeded.superseded} superseded); seeded in {seeded.seconds:.1f} s"
    )
    print(
        f"server: scripts/serve.sh (gunicorn, {args.workers} sync workers, WhiteNoise, DEBUG "
        f"off); load: wrk -t{args.threads} -c{args.connections} -d{args.duration}s per run"
        + (
            f"; ceiling, page 1 and deep page: {args.rounds} runs each, in alternating order"
            if args.rounds > 1
            else ""
        )
    )
    print()
    head = (
        f"| {'scenario':<11} | {'request':<44} | {'rows':>5} | {'queries':>7} | {'req/s':>6} | "
        f"{'% login':>7} | {'p50 ms':>6} | {'p99 ms':>6} | {'CPU ms/req':>10} | "
        f"{'non-200/sock':>12} | {'cores srv/db/wrk/other':>22} |"
    )
    print(head)
    print("|" + "|".join("-" * len(c) for c in head.split("|")[1:-1]) + "|")
    paths = {s.name: s for s in plan}
    for r in results:
        s = paths[r.name]
        cores = "/".join(f"{r.cpu.get(k, 0):.2f}" for k in ("server", "db", "wrk", "other"))
        path = s.path if len(s.path) <= 44 else s.path[:41] + "..."
        print(
            f"| {r.name:<11} | {path:<44} | {s.expected or '':>5} | "
            f"{queries.get(r.name, ''):>7} | {r.rps:>6.1f} | {r.rps / ceiling:>7.1%} | "
            f"{r.p50_ms:>6.1f} | {r.p99_ms:>6.1f} | {r.server_ms:>10.1f} | "
            f"{f'{r.bad}/{r.socket_errors}':>12} | {cores:>22} |"
        )
    repeated = [r for r in results if "runs" in r.extra]
    if repeated:
        print()
        print(
            "runs (req/s): "
            + "; ".join(f"{r.name} {' and '.join(map(str, r.extra['runs']))}" for r in repeated)
        )
    print()
    checks = targets(by)
    for text, ok in checks:
        print(f"{'PASS' if ok else 'MISS'}  {text}")
    print(f"\n(total run time {elapsed:.0f} s)")
    return all(ok for _, ok in checks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--duration", type=int, default=10, help="seconds per run (10)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (8)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY (2)")
    parser.add_argument("--seed", type=int, default=1313)
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=10,
        metavar="S",
        help="before each run, wait up to S s for other processes to use under 0.25 core "
        "(10; 0: do not wait)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="runs of the ceiling, page 1 and the deep page, in alternating order: "
        "ceiling, page 1, deep, the other scenarios, deep, page 1, ceiling, ... (2)",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print the SQL of page 1, the deep page and the assessments list, with plans",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    if not 1 <= args.duration <= 120:
        parser.error("--duration must be 1-120 seconds (the run is bounded)")
    if not 1 <= args.rounds <= 9:
        parser.error("--rounds must be 1-9")
    if args.connections < args.threads or args.connections > 64:
        parser.error("--connections must be at least --threads and at most 64")
    if not shutil.which("wrk"):
        parser.error("wrk is not installed (Debian: apt-get install wrk)")
    signal.signal(signal.SIGTERM, load._on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)

    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="riskassess-dashboard-"))
    database_url, dbname, env = load.database_env(args.db, workdir)
    server = None
    created_db = False
    try:
        if args.db == "postgres":
            subprocess.run(load.pg_command("createdb", dbname), check=True)
            created_db = True
        load.log(f"database: {database_url}")
        load.setup_django(env)
        from django.db import connections

        t0 = time.monotonic()
        load.migrate_and_load()
        load.log(f"migrated and loaded the checklists in {time.monotonic() - t0:.1f} s")
        seeded = seed(random.Random(args.seed))
        load.log(
            f"seeded in {seeded.seconds:.1f} s: {seeded.deployments} deployments and "
            f"{seeded.assessments} assessments in the user's {TEAMS} teams, "
            f"{seeded.other_deployments} and {seeded.other_assessments} in {OTHER_TEAMS} "
            f"others; {seeded.archived} archived"
        )
        if args.db == "postgres":
            with connections["default"].cursor() as cursor:
                cursor.execute("ANALYZE")  # as autovacuum would soon after a bulk load
        differences = verify_stored()
        if differences:
            raise SystemExit(f"{differences} stored deployment values differ from the records")
        load.log("stored current assessments, levels, submissions and review dates: consistent")
        plan = scenarios(seeded)
        queries = count_queries(seeded, plan, args.explain)
        load.log(
            "queries per request (in-process): "
            + ", ".join(f"{name} {n}" for name, n in queries.items())
        )
        connections.close_all()

        port = load.free_port()
        logfile = workdir / "server.log"
        server = load.start_server(
            {**env, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(args.workers)}, logfile
        )
        load.wait_until_up(server, port, logfile)
        load.log(f"server up on 127.0.0.1:{port} ({args.workers} sync workers; log {logfile})")
        meter = load.CpuMeter(server.pid, dbname if args.db == "postgres" else None)
        cookie = load.cookie_header(load.login(port, USERNAME))
        load.log(f"logged in {USERNAME} with POST /login/")

        # Preflight: each page as the server renders it, once, before it is measured.
        for s in plan:
            headers = {"Cookie": cookie} if s.expected else {}
            status, _, body = load.request(port, "GET", s.path, headers=headers)
            if problem := check_page(s, status, body):
                raise SystemExit(f"preflight GET {s.path}: {problem}")
            load.log(f"preflight {s.path}: 200, {s.expected or '-'} rows in all")

        pair = ["ceiling", "page1", "deep"]
        order = pair + [s.name for s in plan if s.name not in pair]
        for r in range(1, args.rounds):
            order += pair[::-1] if r % 2 else pair
        runs: dict[str, list[load.Result]] = {}
        for index, name in enumerate(order):
            s = next(p for p in plan if p.name == name)
            targets_file = workdir / f"{name}.tsv"
            load.write_tsv(targets_file, [[s.path, cookie if s.expected else ""]])
            result, _ = load.run_wrk(
                f"{index:02d}-{name}",
                s.path,
                "get.lua",
                {"WRK_TARGETS": str(targets_file)},
                port,
                args,
                workdir,
                meter,
            )
            result.name = name
            runs.setdefault(name, []).append(result)
            time.sleep(1)
        results = [merged(runs[s.name]) for s in plan]

        load.stop_server(server)
        server = None
        engine = "SQLite" if args.db == "sqlite" else "PostgreSQL"
        ok = report(results, plan, queries, args, seeded, engine, time.monotonic() - started)
        return 0 if ok else 1
    except (KeyboardInterrupt, load.Stop):
        load.log("interrupted: cleaning up")
        return 130
    finally:
        load.stop_server(server)
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if created_db:
            subprocess.run(load.pg_command("dropdb", "--if-exists", "--force", dbname), check=False)
            load.log(f"dropped {dbname}")
        if args.keep:
            load.log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
