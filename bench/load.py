"""How much load does the production server take? Run from the repository root:

    .venv/bin/python bench/load.py [--duration 15] [--connections 8] [--threads 2]
                                   [--db sqlite|postgres] [--checklist-version 1|2]
                                   [--only dashboard,...] [--wait-quiet 10] [--keep]

1. Builds a throw-away database: a SQLite file in a temporary directory (the
   default), or with --db postgres a database riskassess_load_<pid> on
   127.0.0.1:5432 (user postgres) that is dropped at the end. Nothing in var/
   is touched except what `make serve` itself does (collectstatic into
   var/static).
2. Migrates it, loads the default checklist (`load_checklist`: both shipped
   versions) and seeds 50 teams with one owner each (password below) and 10
   assessments per team (500 in all, each of a deployment of its own) on
   version --checklist-version of `foundation-model-risks`: 2 (the default,
   the current one: format 2, a profile of 19 questions that decides which of
   the 107 items apply) or 1 (format 1, 60 items). Nine drafts per team are answered 20-100 % with
   realistic options and comments, one is submitted and fully answered. With
   version 2 every assessment also has profile answers, varied so that
   different items are skipped by rule (most drafts answer the whole profile,
   some only part of it; the items answered are mostly those that apply).
   Seeding uses bulk_create (no audit history for seed rows).
3. Starts the server exactly as `make serve` does (scripts/serve.sh: gunicorn
   sync workers + WhiteNoise, DEBUG off) with WEB_CONCURRENCY=2 on a free
   loopback port, and logs in a few owners with real POSTs to /login/.
4. Runs wrk (bounded: --duration seconds per scenario) against, in this order:
   the ceiling (GET /login/: the same app, anonymous, a tiny page), the
   questionnaire (with version 2 the profile page and the category pages in
   turn, as one visits them; with version 1 the category pages), the autosave
   endpoint (bench/wrk/autosave.lua: every request a real change with the
   right version), with version 2 the profile endpoint (bench/wrk/profile.lua:
   the htmx POST of one question, every request a real change with the right
   version), the results page and the dashboard. After each writing scenario
   it checks that every acknowledged write is in the database, once in the
   audit history, and that the database holds no write that was not sent
   ("lost writes").
5. Prints a table and PASS/MISS per target, with the cores used during each
   run by the server (and its PostgreSQL backends), wrk and other processes,
   and the server's CPU time per request; always stops the server and removes
   the database (also on Ctrl-C or SIGTERM). Exit status 0 when every target is met.

wrk and the server share this machine's cores: the figures are for both on
one box, a pessimistic setting for the server. The session and CSRF cookies
are marked Secure in production; over plain HTTP on loopback the script sends
them itself (in production TLS is terminated in front of gunicorn).

Figures and the method: docs/performance.md ("Load").
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import platform
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WRK_DIR = ROOT / "bench" / "wrk"
sys.path.insert(0, str(ROOT))

TEAMS = 50
PER_TEAM = 10  # the last one of each team is submitted
PASSWORD = "load-bench-Password-2024"  # noqa: S105 - throw-away benchmark accounts
LOGINS = 4  # owners logged in and used by the scenarios
AUTOSAVE_ASSESSMENTS_PER_USER = 2
PROFILE_ASSESSMENTS_PER_USER = 2  # the next drafts of each user (format 2)

SCENARIOS = ("questionnaire", "autosave", "profile", "results", "dashboard")
SLUG = "foundation-model-risks"
# Targets, relative to the ceiling's requests/s.
TARGET_QUESTIONNAIRE = 0.02
TARGET_AUTOSAVE = 0.10
TARGET_P99_MS = 500.0

PG = {"host": "127.0.0.1", "port": "5432", "user": "postgres"}


def log(message: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", flush=True)


class Stop(Exception):
    """SIGTERM: leave through the same clean-up as Ctrl-C."""


def _on_sigterm(signum, frame):
    raise Stop


# --- database -----------------------------------------------------------------------------


def pg_command(name: str, *args: str) -> list[str]:
    return [name, "-h", PG["host"], "-p", PG["port"], "-U", PG["user"], *args]


def database_env(db: str, workdir: Path) -> tuple[str, str, dict[str, str]]:
    """The throw-away database's URL and PostgreSQL name (riskassess_load_<pid>; with
    "sqlite", a file in `workdir`), and the environment this script and the server use."""
    dbname = f"riskassess_load_{os.getpid()}"
    if db == "sqlite":
        database_url = f"sqlite:///{workdir / 'load.sqlite3'}"
    else:
        database_url = f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{dbname}"
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
    }
    return database_url, dbname, env


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "riskassess.settings"
    import django

    django.setup()


def migrate_and_load() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_checklist", stdout=io.StringIO())


def seed_profile(rng: random.Random, questions: list, complete: bool) -> dict[str, list[str]]:
    """Realistic profile answers: question key -> chosen option keys, in the question's order.

    Single-choice questions lean towards their first options (most deployments
    are modest); multiple-choice ones get one to three options, or "none"
    alone now and then. Drafts that are not `complete` leave a few questions
    unanswered (a question not answered counts as holding: its items apply).
    """
    profile = {}
    answered = 1.0 if complete else rng.uniform(0.5, 0.9)
    for question in questions:
        if rng.random() > answered:
            continue
        keys = [o.key for o in question.option_list]
        if question.multiple:
            rest = [k for k in keys if k != "none"]
            if len(rest) < len(keys) and rng.random() < 0.15:
                picked = {"none"}
            else:
                picked = set(rng.sample(rest, rng.choice([1, 1, 2, 3][: len(rest) + 1])))
        else:
            picked = {rng.choices(keys, [len(keys) - n + 1 for n in range(len(keys))])[0]}
        profile[question.key] = [k for k in keys if k in picked]
    return profile


def seed(rng: random.Random, version: int) -> dict:
    """50 teams, an owner each, 10 assessments each with partial answers; returns the ids."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from riskassess.accounts.models import Membership, Role, Team, User
    from riskassess.assessments.applicability import skipped_by
    from riskassess.assessments.data import assessment_data
    from riskassess.assessments.models import Answer, Assessment, Event, ProfileAnswer, Status
    from riskassess.checklist.models import Checklist, ProfileQuestion
    from riskassess.checklist.selectors import checklist_trees
    from riskassess.deployments.models import Deployment

    checklist = Checklist.objects.get(slug=SLUG, version=version)
    tree = checklist_trees([checklist.pk])[checklist.pk]
    items = [(category, item) for category in tree for item in category.item_list if item.active]
    questions = list(
        ProfileQuestion.objects.filter(checklist=checklist)
        .prefetch_related("options")
        .order_by("order", "pk")
    )
    for question in questions:
        question.option_list = list(question.options.all())
    # One hash for every account: hashing 50 passwords would take half a minute.
    hashed = make_password(PASSWORD)
    now = timezone.now()
    models_ = ["gpt-4o-2024-08", "llama-3.1-70b", "mistral-large-2", "claude-3-haiku"]
    contexts = [
        "Customer support assistant answering questions about invoices for small businesses.",
        "Internal search over HR policies for employees, in English and French.",
        "Drafting replies to citizens' requests for a municipal service desk.",
        "Summarising clinical trial reports for a pharmaceutical regulatory team.",
    ]
    option_weights = {"yes": 40, "partly": 25, "no": 15, "unknown": 10, "na": 10}
    comments = [
        "Checked with the provider's model card; see the linked review.",
        "Evaluation run in March on 2,000 realistic prompts; results attached.",
        "Owner: platform team. Follow-up ticket opened.",
        "Not tested yet, planned before the next release.",
    ]

    with transaction.atomic():
        users = User.objects.bulk_create(
            User(username=f"load-owner-{t:02d}", password=hashed, email=f"owner{t}@example.org")
            for t in range(TEAMS)
        )
        teams = Team.objects.bulk_create(Team(name=f"Load team {t:02d}") for t in range(TEAMS))
        Membership.objects.bulk_create(
            Membership(team=team, user=user, role=Role.OWNER)
            for team, user in zip(teams, users, strict=True)
        )
        assessments = []
        for t, (team, user) in enumerate(zip(teams, users, strict=True)):
            for n in range(PER_TEAM):
                assessments.append(
                    Assessment(
                        team=team,
                        checklist=checklist,
                        title=f"Deployment {t:02d}-{n} ({rng.choice(models_)})",
                        model_name=rng.choice(models_),
                        base_model=rng.choice(models_),
                        context=rng.choice(contexts),
                        created_by=user,
                    )
                )
        # Each assessment assesses a deployment of its own (as migration
        # assessments/0007 makes them for distinct titles), owned by the team's owner.
        deployments = Deployment.objects.bulk_create(
            Deployment(
                team=a.team,
                name=a.title,
                context=a.context,
                model_name=a.model_name,
                base_model_text=a.base_model,
                owner=a.created_by,
            )
            for a in assessments
        )
        for assessment, deployment in zip(assessments, deployments, strict=True):
            assessment.deployment = deployment
        Assessment.objects.bulk_create(assessments)
        Event.objects.bulk_create(
            Event(
                assessment=a,
                kind=Event.Kind.CREATED,
                user=a.created_by,
                username=a.created_by.username,
            )
            for a in assessments
        )
        answers, profile_answers, skipped = [], [], 0
        for index, assessment in enumerate(assessments):
            submitted = index % PER_TEAM == PER_TEAM - 1
            share = 1.0 if submitted else rng.uniform(0.2, 1.0)
            # Format 2: the profile first (most drafts answer all of it), then the items
            # that apply; an item skipped by rule has an answer only now and then (kept
            # from before a profile change, ignored).
            # (Format 1 has no questions and draws no random numbers here: same data as before.)
            profile = (
                seed_profile(rng, questions, submitted or rng.random() < 0.8) if questions else {}
            )
            profile_answers.extend(
                ProfileAnswer(
                    assessment=assessment,
                    question=question,
                    choices=profile[question.key],
                    version=rng.randint(1, 3),
                    updated_by=assessment.created_by,
                )
                for question in questions
                if question.key in profile
            )
            chosen = {key: frozenset(keys) for key, keys in profile.items()}
            for category, item in items:
                applies = (
                    not questions
                    or skipped_by(category.applies_if, item.applies_if, chosen) is None
                )
                skipped += not applies
                if rng.random() > (share if applies else 0.1 * share):
                    continue
                options = {o.key: o for o in item.option_list}
                keys = [k for k in option_weights if k in options] or list(options)
                key = rng.choices(keys, [option_weights.get(k, 1) for k in keys])[0]
                option = options[key]
                comment = ""
                if option.not_applicable or rng.random() < 0.3:
                    comment = rng.choice(comments)
                answers.append(
                    Answer(
                        assessment=assessment,
                        item=item,
                        option=option,
                        comment=comment,
                        version=rng.randint(1, 3),
                        updated_by=assessment.created_by,
                    )
                )
        Answer.objects.bulk_create(answers, batch_size=2000)
        ProfileAnswer.objects.bulk_create(profile_answers, batch_size=2000)
        for index, assessment in enumerate(assessments):
            if index % PER_TEAM == PER_TEAM - 1:
                Assessment.objects.filter(pk=assessment.pk).update(
                    snapshot=assessment_data(assessment),
                    status=Status.SUBMITTED,
                    submitted_at=now - timedelta(days=rng.randint(1, 30)),
                )
    return {
        "users": [u.username for u in users],
        "assessments": {
            u.username: [a.pk for a in assessments[t * PER_TEAM : (t + 1) * PER_TEAM]]
            for t, u in enumerate(users)
        },
        "categories": [c.key for c in tree if c.active],
        "items": [(item.key, [o.key for o in item.option_list]) for _, item in items],
        "answers": len(answers),
        "profile": [(q.key, q.multiple, [o.key for o in q.option_list]) for q in questions],
        "profile_answers": len(profile_answers),
        "skipped": skipped,
        "checklist": f"{SLUG} v{version} (format {checklist.format})",
    }


def answer_state(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, str]]:
    """(assessment id, item key) -> (version, comment); (0, "") when not answered yet."""
    from riskassess.assessments.models import Answer

    ids = {a for a, _ in pairs}
    rows = Answer.objects.filter(assessment_id__in=ids).values_list(
        "assessment_id", "item__key", "version", "comment"
    )
    stored = {(str(a), key): (version, comment) for a, key, version, comment in rows}
    return {pair: stored.get(pair, (0, "")) for pair in pairs}


def profile_state(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, str]]:
    """(assessment id, profile question key) -> (version, "choice,choice"); (0, "") when
    never answered. Choices are stored in the question's order, as the lua script sends them."""
    from riskassess.assessments.models import ProfileAnswer

    ids = {a for a, _ in pairs}
    rows = ProfileAnswer.objects.filter(assessment_id__in=ids).values_list(
        "assessment_id", "question__key", "version", "choices"
    )
    stored = {(str(a), key): (version, ",".join(choices)) for a, key, version, choices in rows}
    return {pair: stored.get(pair, (0, "")) for pair in pairs}


def history_count(ids: set[str], model: str = "Answer") -> int:
    """Audit (django-simple-history) rows of Answer or ProfileAnswer for these assessments."""
    from riskassess.assessments import models

    return getattr(models, model).history.filter(assessment_id__in=ids).count()


# --- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict[str, str], logfile: Path) -> subprocess.Popen:
    full = {**os.environ, **env}
    out = open(logfile, "wb")  # noqa: SIM115 - closed with the process
    # Its own session: Ctrl-C reaches us, and we stop the server ourselves.
    return subprocess.Popen(
        ["scripts/serve.sh"],
        cwd=ROOT,
        env=full,
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop_server(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    log(f"stopping the server (pid {proc.pid})")
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # our own process group: gunicorn and its workers
        proc.wait(timeout=15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def request(
    port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None
) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        cookies = SimpleCookie()
        for value in response.headers.get_all("Set-Cookie") or []:
            cookies.load(value)
        return response.status, {k: m.value for k, m in cookies.items()}, response.read()
    finally:
        conn.close()


def wait_until_up(proc: subprocess.Popen, port: int, logfile: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(
                f"the server exited with {proc.returncode}; its log:\n"
                + logfile.read_text(errors="replace")[-3000:]
            )
        try:
            status, _, _ = request(port, "GET", "/login/")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the server did not answer within {timeout:.0f} s; see {logfile}")


def login(port: int, username: str) -> dict[str, str]:
    """A real login: GET the form for the CSRF token, POST it; returns the cookies."""
    status, cookies, body = request(port, "GET", "/login/")
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not match or "csrftoken" not in cookies:
        raise SystemExit(f"GET /login/ gave {status} without a CSRF token")
    form = urllib.parse.urlencode(
        {
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": match.group(1).decode(),
        }
    ).encode()
    status, new, _ = request(
        port,
        "POST",
        "/login/",
        form,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
        },
    )
    cookies.update(new)
    if status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"logging in as {username} failed: {status}")
    return cookies


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={cookies[k]}" for k in ("sessionid", "csrftoken"))


# --- wrk ----------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    path: str
    requests: int = 0
    seconds: float = 0.0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)
    socket_errors: int = 0
    extra: dict = field(default_factory=dict)
    cpu: dict = field(default_factory=dict)

    @property
    def server_ms(self) -> float:
        """Server CPU per request (all workers), in ms: the cost, whatever the contention."""
        return 1000 * self.cpu.get("server_cpu", 0) / self.requests if self.requests else 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def bad(self) -> int:
        """Responses other than 200 (a redirect to the login page is a failure too)."""
        return sum(n for status, n in self.statuses.items() if status != 200)


def run_wrk(
    name: str,
    shown: str,
    script: str,
    env: dict[str, str],
    port: int,
    args,
    workdir: Path,
    meter: CpuMeter,
) -> tuple[Result, list[str]]:
    out = workdir / f"wrk-{name}.out"
    if args.wait_quiet:
        wait_quiet(meter, args.wait_quiet)
    cmd = [
        "wrk",
        "-t",
        str(args.threads),
        "-c",
        str(args.connections),
        "-d",
        f"{args.duration}s",
        "--timeout",
        "5s",
        "--latency",
        "-s",
        str(WRK_DIR / script),
        f"http://127.0.0.1:{port}/",
    ]
    log(f"{name}: wrk -t{args.threads} -c{args.connections} -d{args.duration}s -s {script}")
    meter.start()
    run = subprocess.run(
        cmd,
        env={**os.environ, **env, "WRK_OUT": str(out)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=args.duration + 60,
    )
    cpu = meter.read()
    (workdir / f"wrk-{name}.txt").write_text(run.stdout + run.stderr)
    if run.returncode != 0 or not out.exists():
        raise SystemExit(f"wrk failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
    result = Result(name=name, path=shown)
    values, slot_lines = {}, []
    for line in out.read_text().splitlines():
        if line.startswith("slot\t"):
            slot_lines.append(line)
        elif "=" in line:
            key, value = line.split("=", 1)
            values[key] = int(value)
    result.requests = values["requests"]
    result.seconds = values["duration_us"] / 1e6
    result.p50_ms = values["p50_us"] / 1000
    result.p90_ms = values["p90_us"] / 1000
    result.p99_ms = values["p99_us"] / 1000
    result.max_ms = values["max_us"] / 1000
    result.statuses = {int(k[7:]): v for k, v in values.items() if k.startswith("status_")}
    result.socket_errors = sum(values[f"err_{k}"] for k in ("connect", "read", "write", "timeout"))
    result.extra = {
        k: v for k, v in values.items() if k in ("changed_writes", "unmatched", "starved")
    }
    result.cpu = cpu
    log(
        f"  {result.rps:.1f} req/s, p99 {result.p99_ms:.0f} ms; cores used: server "
        f"{cpu['server']:.2f}, PostgreSQL {cpu['db']:.2f}, wrk {cpu['wrk']:.2f}, "
        f"other processes {cpu['other']:.2f}"
    )
    return result, slot_lines


def write_tsv(path: Path, rows: list[list]) -> None:
    path.write_text("".join("\t".join(str(v) for v in row) + "\n" for row in rows))


# --- CPU accounting: the machine is shared, so say who used it --------------------------------

CLK = os.sysconf("SC_CLK_TCK")


def cpu_busy() -> float:
    """Busy CPU seconds of the whole machine since boot (all cores)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(values) - values[3] - values[4]) / CLK  # less idle and iowait


def process_ticks(pgid: int, dbname: str | None) -> dict[tuple[str, int], int]:
    """CPU ticks of each live process of the server's process group ("server", pid) and of
    each PostgreSQL backend serving database `dbname` ("db", pid; their titles name it)."""
    ticks = {}
    marker = f" {dbname} ".encode() if dbname else None
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            used = int(fields[11]) + int(fields[12])
            if int(fields[2]) == pgid:
                ticks["server", int(pid)] = used
            elif marker:
                title = Path(f"/proc/{pid}/cmdline").read_bytes()
                if title.startswith(b"postgres:") and marker in title:
                    ticks["db", int(pid)] = used
        except (OSError, ValueError, IndexError):
            continue
    return ticks


def own_cpu() -> float:
    """CPU seconds of this script and its waited-for children (wrk)."""
    return sum(
        resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )


class CpuMeter:
    def __init__(self, server_pgid: int, dbname: str | None):
        self.pgid, self.dbname = server_pgid, dbname
        self.start()

    def start(self) -> None:
        self.t, self.busy = time.monotonic(), cpu_busy()
        self.ticks, self.own = process_ticks(self.pgid, self.dbname), own_cpu()

    def read(self) -> dict[str, float]:
        """Cores used since start(): server, its database backends, wrk (and this
        script), everyone else. (A process that ended meanwhile is counted as other.)"""
        elapsed = time.monotonic() - self.t
        used = {"server": 0, "db": 0}
        for (kind, pid), ticks in process_ticks(self.pgid, self.dbname).items():
            used[kind] += ticks - self.ticks.get((kind, pid), 0)
        server, db = used["server"] / CLK, used["db"] / CLK
        own = own_cpu() - self.own
        other = max(0.0, cpu_busy() - self.busy - server - db - own)
        return {
            "seconds": elapsed,
            "server_cpu": server + db,
            "server": server / elapsed,
            "db": db / elapsed,
            "wrk": own / elapsed,
            "other": other / elapsed,
        }


def wait_quiet(meter: CpuMeter, limit: float) -> float:
    """Wait (at most `limit` s) until other processes use under 0.25 core; returns their use."""
    deadline = time.monotonic() + limit
    while True:
        meter.start()
        time.sleep(1)
        other = meter.read()["other"]
        if other < 0.25 or time.monotonic() >= deadline:
            return other
        log(f"  others use {other:.2f} cores: waiting for a quieter machine")


# --- main ---------------------------------------------------------------------------------


def machine() -> str:
    mem = next(
        (
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        "0",
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return f"{os.cpu_count()} cores ({cpu}), {int(mem) / 2**20:.0f} GiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds per scenario (15)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (8)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY (2)")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--checklist-version",
        type=int,
        choices=[1, 2],
        default=2,
        help="version of foundation-model-risks the assessments use: 2 (format 2, with a "
        "profile; the current one, the default) or 1 (format 1; no profile scenario)",
    )
    parser.add_argument("--seed", type=int, default=2108)
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=10,
        metavar="S",
        help="before each scenario, wait up to S s for other processes to use "
        "under 0.25 core (10; 0: do not wait)",
    )
    parser.add_argument(
        "--only",
        metavar="NAMES",
        default="",
        help="comma-separated scenarios to run (questionnaire, autosave, profile, results, "
        "dashboard); the ceiling always runs; profile needs --checklist-version 2",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    if not 1 <= args.duration <= 120:
        parser.error("--duration must be 1-120 seconds (the run is bounded)")
    if args.connections < args.threads or args.connections > 64:
        parser.error("--connections must be at least --threads and at most 64")
    only = {n.strip() for n in args.only.split(",") if n.strip()}
    if only - set(SCENARIOS):
        parser.error(f"--only: unknown {', '.join(sorted(only - set(SCENARIOS)))}")
    if "profile" in only and args.checklist_version == 1:
        parser.error("--only profile: version 1 of the checklist has no profile")
    args.run = {"ceiling", *(only or SCENARIOS)}
    if args.checklist_version == 1:
        args.run.discard("profile")
    if not shutil.which("wrk"):
        parser.error("wrk is not installed (Debian: apt-get install wrk)")
    signal.signal(signal.SIGTERM, _on_sigterm)
    # Ctrl-C cleans up even when started from a shell that ignores SIGINT (`... &`).
    signal.signal(signal.SIGINT, signal.default_int_handler)

    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="riskassess-load-"))
    database_url, dbname, env = database_env(args.db, workdir)
    server = None
    created_db = False
    try:
        if args.db == "postgres":
            subprocess.run(pg_command("createdb", dbname), check=True)
            created_db = True
        log(f"database: {database_url}")
        setup_django(env)
        from django.db import connections

        t0 = time.monotonic()
        migrate_and_load()
        seeded = seed(random.Random(args.seed), args.checklist_version)
        log(
            f"migrated and seeded in {time.monotonic() - t0:.1f} s: {seeded['checklist']}, "
            f"{TEAMS} teams, {TEAMS * PER_TEAM} assessments, {seeded['answers']} answers, "
            f"{seeded['profile_answers']} profile answers"
        )
        connections.close_all()

        port = free_port()
        logfile = workdir / "server.log"
        server = start_server(
            {**env, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(args.workers)}, logfile
        )
        t0 = time.monotonic()
        wait_until_up(server, port, logfile)
        log(
            f"server up on 127.0.0.1:{port} in {time.monotonic() - t0:.1f} s "
            f"(scripts/serve.sh, {args.workers} sync workers; log {logfile})"
        )

        meter = CpuMeter(server.pid, dbname if args.db == "postgres" else None)
        users = seeded["users"][:LOGINS]
        sessions = {u: login(port, u) for u in users}
        log(f"logged in {len(sessions)} owners with POST /login/")

        # Targets for the GET scenarios: each user's drafts (not the submitted one).
        drafts = {u: [str(a) for a in seeded["assessments"][u][: PER_TEAM - 1]] for u in users}
        # The questionnaire's pages in turn (format 2: the profile first, then the categories).
        pages = [f"q/{key}/" for key in seeded["categories"]]
        if seeded["profile"]:
            pages.insert(0, "profile/")
        questionnaire = [
            [f"/a/{a}/{pages[i % len(pages)]}", cookie_header(sessions[u])]
            for i, (u, a) in enumerate((u, a) for u in users for a in drafts[u])
        ]
        results_pages = [
            [f"/a/{a}/results/", cookie_header(sessions[u])]
            for u in users
            for a in seeded["assessments"][u]
        ]
        dashboards = [["/", cookie_header(sessions[u])] for u in users]
        ceiling = [["/login/", ""]]
        # Autosave: 2 drafts per user x every item; the queue order interleaves assessments.
        owned = [(u, a) for u in users for a in drafts[u][:AUTOSAVE_ASSESSMENTS_PER_USER]]
        pairs = [(a, key) for key, _ in seeded["items"] for _, a in owned]
        options = dict(seeded["items"])
        user_of = {a: u for u, a in owned}
        # Profile: the next 2 drafts per user x every profile question, interleaved likewise.
        profiled = [
            (u, a)
            for u in users
            for a in drafts[u][
                AUTOSAVE_ASSESSMENTS_PER_USER : AUTOSAVE_ASSESSMENTS_PER_USER
                + PROFILE_ASSESSMENTS_PER_USER
            ]
        ]
        profile_pairs = [(a, key) for key, _, _ in seeded["profile"] for _, a in profiled]
        user_of.update({a: u for u, a in profiled})

        # Preflight: every kind of request works once before it is measured.
        for rows in (ceiling, questionnaire, results_pages, dashboards):
            path, cookie = rows[0]
            status, _, _ = request(port, "GET", path, headers={"Cookie": cookie} if cookie else {})
            if status != 200:
                raise SystemExit(f"preflight GET {path} gave {status}")
        spare_user, spare = users[0], drafts[users[0]][-1]
        spare_item = seeded["items"][0][0]
        version = answer_state([(spare, spare_item)])[(spare, spare_item)][0]
        connections.close_all()
        status, _, body = request(
            port,
            "POST",
            f"/a/{spare}/answers/{spare_item}/",
            f'{{"option": "no", "comment": "preflight", "version": {version}}}'.encode(),
            {
                "Content-Type": "application/json",
                "Cookie": cookie_header(sessions[spare_user]),
                "X-CSRFToken": sessions[spare_user]["csrftoken"],
            },
        )
        if status != 200:
            raise SystemExit(f"preflight autosave gave {status}: {body[:300]!r}")
        if "profile" in args.run:
            key, _, keys = seeded["profile"][0]
            version, stored = profile_state([(spare, key)])[(spare, key)]
            connections.close_all()
            chosen = next(k for k in keys if k != stored)
            status, _, body = request(
                port,
                "POST",
                f"/a/{spare}/profile/{key}/",
                urllib.parse.urlencode(
                    {f"{key}-choice": chosen, f"{key}-version": version}
                ).encode(),
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": cookie_header(sessions[spare_user]),
                    "X-CSRFToken": sessions[spare_user]["csrftoken"],
                    "HX-Request": "true",
                },
            )
            if status != 200 or f'name="{key}-version" value="{version + 1}"'.encode() not in body:
                raise SystemExit(f"preflight profile change gave {status}: {body[:300]!r}")

        results: list[Result] = []

        def run_get(name: str, shown: str, rows) -> None:
            """One GET scenario, if asked for: its URLs to a file, wrk over them."""
            if name not in args.run:
                return
            write_tsv(workdir / f"{name}.tsv", rows)
            result, _ = run_wrk(
                name,
                shown,
                "get.lua",
                {"WRK_TARGETS": str(workdir / f"{name}.tsv")},
                port,
                args,
                workdir,
                meter,
            )
            results.append(result)
            time.sleep(1)

        run_get("ceiling", "GET /login/ (anonymous)", ceiling)
        run_get(
            "questionnaire",
            "GET /a/<id>/profile/, q/<category>/"
            if seeded["profile"]
            else "GET /a/<id>/q/<category>/",
            questionnaire,
        )

        if "autosave" in args.run:
            results.append(
                run_autosave(
                    pairs, options, sessions, user_of, port, args, workdir, meter, connections
                )
            )
            time.sleep(1)

        if "profile" in args.run:
            results.append(
                run_profile(
                    profile_pairs,
                    seeded,
                    sessions,
                    user_of,
                    port,
                    args,
                    workdir,
                    meter,
                    connections,
                )
            )
            time.sleep(1)

        run_get("results", "GET /a/<id>/results/", results_pages)
        run_get("dashboard", "GET / (dashboard)", dashboards)

        stop_server(server)
        server = None
        report(results, args, database_url, seeded, time.monotonic() - started)
        return 0 if all(ok for _, ok in targets(results)) else 1
    except (KeyboardInterrupt, Stop):
        log("interrupted: cleaning up")
        return 130
    finally:
        stop_server(server)
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if created_db:
            subprocess.run(pg_command("dropdb", "--if-exists", "--force", dbname), check=False)
            log(f"dropped {dbname}")
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def run_autosave(
    pairs, options, sessions, user_of, port, args, workdir: Path, meter: CpuMeter, connections
) -> Result:
    """The autosave scenario, with the database read before and after."""
    before = answer_state(pairs)
    history_before = history_count({a for a, _ in pairs})
    connections.close_all()
    slot_rows = [
        [
            f"/a/{a}/answers/{key}/",
            cookie_header(sessions[user_of[a]]),
            sessions[user_of[a]]["csrftoken"],
            before[(a, key)][0],
            ",".join(options[key]),
        ]
        for a, key in pairs
    ]
    write_tsv(workdir / "slots.tsv", slot_rows)
    autosave, slot_lines = run_wrk(
        "autosave",
        "POST /a/<id>/answers/<ITEM>/ (JSON)",
        "autosave.lua",
        {"WRK_SLOTS": str(workdir / "slots.tsv"), "WRK_THREADS": str(args.threads)},
        port,
        args,
        workdir,
        meter,
    )
    time.sleep(2)  # requests wrk left in flight finish on the server
    after = answer_state(pairs)
    history_after = history_count({a for a, _ in pairs})
    connections.close_all()
    autosave.extra.update(check_writes(pairs, before, after, slot_lines, autosave))
    autosave.extra["history_rows"] = history_after - history_before
    return autosave


def run_profile(
    pairs, seeded, sessions, user_of, port, args, workdir: Path, meter: CpuMeter, connections
) -> Result:
    """The profile scenario (htmx POST of one question), with the database read before and
    after; checked like autosave, the stored choices standing for the comment."""
    questions = {key: (multiple, keys) for key, multiple, keys in seeded["profile"]}
    before = profile_state(pairs)
    history_before = history_count({a for a, _ in pairs}, "ProfileAnswer")
    connections.close_all()
    slot_rows = [
        [
            f"/a/{a}/profile/{key}/",
            cookie_header(sessions[user_of[a]]),
            sessions[user_of[a]]["csrftoken"],
            before[(a, key)][0],
            key,
            int(questions[key][0]),
            ",".join(questions[key][1]),
            before[(a, key)][1],
        ]
        for a, key in pairs
    ]
    write_tsv(workdir / "profile-slots.tsv", slot_rows)
    profile, slot_lines = run_wrk(
        "profile",
        "POST /a/<id>/profile/<KEY>/ (htmx)",
        "profile.lua",
        {"WRK_SLOTS": str(workdir / "profile-slots.tsv"), "WRK_THREADS": str(args.threads)},
        port,
        args,
        workdir,
        meter,
    )
    time.sleep(2)  # requests wrk left in flight finish on the server
    after = profile_state(pairs)
    history_after = history_count({a for a, _ in pairs}, "ProfileAnswer")
    connections.close_all()
    profile.extra.update(check_writes(pairs, before, after, slot_lines, profile))
    profile.extra["history_rows"] = history_after - history_before
    return profile


def check_writes(pairs, before, after, slot_lines, writes: Result) -> dict:
    """Compare the database with what wrk was told.

    For each (assessment, item) line (autosave; for the profile scenario each
    (assessment, question) line, the choices standing for the comment): the
    stored (version, comment) must be the last acknowledged write, or the write
    still in flight when wrk stopped (the server may finish it after the client
    has gone). An acknowledged write that is not stored is lost; a stored write that is neither is a
    phantom. The sum of version increments must equal the acknowledged writes
    plus the in-flight ones that landed.
    """
    lost = phantom = landed_in_flight = 0
    for line in slot_lines:
        _, index, version, acked, acked_comment, pending = line.split("\t")
        pair = pairs[int(index) - 1]
        version, acked = int(version), int(acked)
        stored = after[pair]
        expected = (version, acked_comment) if acked else before[pair]
        if stored == expected:
            continue
        if pending and stored == (version + 1, pending):
            landed_in_flight += 1
        elif acked and stored[0] < version:
            lost += 1
        else:
            phantom += 1
    increments = sum(after[p][0] - before[p][0] for p in pairs)
    acked_writes = writes.statuses.get(200, 0)
    return {
        "acked_writes": acked_writes,
        "version_increments": increments,
        "landed_in_flight": landed_in_flight,
        # Per pair, or in total when the per-pair states happen to match.
        "lost_writes": max(lost, acked_writes + landed_in_flight - increments),
        "phantom_writes": max(phantom, increments - acked_writes - landed_in_flight),
    }


def cost_ratio(ceiling: Result, scenario: Result) -> float:
    """The req/s ratio the server's CPU cost per request predicts on an otherwise idle machine."""
    return ceiling.server_ms / scenario.server_ms if scenario.server_ms else 0.0


def targets(results: list[Result]) -> list[tuple[str, bool]]:
    by = {r.name: r for r in results}
    ceiling = by["ceiling"].rps
    checks = [
        (
            "zero errors (non-200 responses and socket errors), every scenario",
            all(r.bad == 0 and r.socket_errors == 0 for r in results),
        ),
    ]
    for name in ("autosave", "profile"):
        if writes := by.get(name):
            x = writes.extra
            checks.append(
                (
                    f"zero lost writes (and no phantom write): {name}",
                    x.get("lost_writes", 1) == 0
                    and x.get("phantom_writes", 1) == 0
                    and x.get("unmatched", 1) == 0
                    and x.get("starved", 1) == 0
                    and x.get("changed_writes") == writes.statuses.get(200, 0)
                    and x.get("history_rows") == x.get("version_increments"),
                )
            )
    for name, share in (("questionnaire", TARGET_QUESTIONNAIRE), ("autosave", TARGET_AUTOSAVE)):
        if r := by.get(name):
            checks.append(
                (
                    f"{name} >= {share:.0%} of the ceiling's req/s ({r.rps / ceiling:.1%}; "
                    f"by server CPU cost {cost_ratio(by['ceiling'], r):.1%})",
                    r.rps >= share * ceiling,
                )
            )
    for r in results:
        checks.append(
            (
                f"p99 <= {TARGET_P99_MS:.0f} ms: {r.name} ({r.p99_ms:.0f} ms)",
                r.p99_ms <= TARGET_P99_MS,
            )
        )
    return checks


def report(results: list[Result], args, database_url: str, seeded: dict, elapsed: float) -> None:
    import django

    ceiling = next(r for r in results if r.name == "ceiling").rps
    engine = "SQLite" if database_url.startswith("sqlite") else "PostgreSQL"
    print()
    print(f"riskassess load benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}; Python {platform.python_version()}, Django {django.__version__}")
    print(
        f"database: {engine}; data: {TEAMS} teams, {TEAMS * PER_TEAM} assessments, "
        f"{seeded['answers']} answers"
        + (f", {seeded['profile_answers']} profile answers" if seeded["profile"] else "")
    )
    print(
        f"checklist: {seeded['checklist']}, {len(seeded['items'])} items"
        + (
            f", {len(seeded['profile'])} profile questions; items skipped by rule: "
            f"{seeded['skipped'] / (TEAMS * PER_TEAM):.1f} per assessment on average"
            if seeded["profile"]
            else ""
        )
    )
    print(
        f"server: scripts/serve.sh (gunicorn, {args.workers} sync workers, WhiteNoise, DEBUG off)"
    )
    print(
        f"load: wrk -t{args.threads} -c{args.connections} -d{args.duration}s per scenario, "
        f"{LOGINS} logged-in owners"
    )
    print(
        "note: wrk and the server share the same cores, so the server gets less than all of "
        "them;\n      'cores' says who used them during each run: gunicorn, PostgreSQL's "
        "backends for\n      this database, wrk, and processes outside this benchmark. "
        "'srv CPU ms/req' counts\n      gunicorn and PostgreSQL."
    )
    print()
    head = (
        f"| {'scenario':<13} | {'request':<36} | {'req/s':>6} | {'% ceil':>6} | "
        f"{'p50 ms':>6} | {'p99 ms':>6} | {'max ms':>6} | {'requests':>8} | "
        f"{'non-200':>7} | {'sock err':>8} | {'srv CPU ms/req':>14} | "
        f"{'cores srv/db/wrk/other':>22} |"
    )
    print(head)
    print("|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|")
    for r in results:
        cores = "/".join(f"{r.cpu.get(k, 0):.2f}" for k in ("server", "db", "wrk", "other"))
        print(
            f"| {r.name:<13} | {r.path:<36} | {r.rps:>6.1f} | {r.rps / ceiling:>6.1%} | "
            f"{r.p50_ms:>6.1f} | {r.p99_ms:>6.1f} | {r.max_ms:>6.1f} | {r.requests:>8} | "
            f"{r.bad:>7} | {r.socket_errors:>8} | {r.server_ms:>14.1f} | {cores:>22} |"
        )
    for writes in (r for r in results if r.name in ("autosave", "profile")):
        x = writes.extra
        print()
        print(
            f"{writes.name} writes: {x['acked_writes']} acknowledged (200), "
            f"{x.get('changed_writes', 0)} of them changes, "
            f"{x['landed_in_flight']} in flight at the end that landed, "
            f"{x['version_increments']} version increments in the database, "
            f"{x['history_rows']} audit rows; lost {x['lost_writes']}, "
            f"phantom {x['phantom_writes']}, unmatched responses {x.get('unmatched', 0)}, "
            f"requests without a free {'item' if writes.name == 'autosave' else 'question'} "
            f"{x.get('starved', 0)}"
        )
    print()
    for text, ok in targets(results):
        print(f"{'PASS' if ok else 'MISS'}  {text}")
    print(f"\n(total run time {elapsed:.0f} s)")


if __name__ == "__main__":
    sys.exit(main())
