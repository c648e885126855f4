"""Autosave under a burst of PDF downloads, PDFs rendered by a task worker (issue 16).

    .venv/bin/python bench/tasks_load.py [--duration 15] [--seed 2108] [--downloads 20]
                                         [--cache-url redis://127.0.0.1:6379/0] [--keep]

On bench/load.py's throw-away PostgreSQL database and seed (checklist version 2, 50
teams of 10 assessments, the last one submitted), with TASK_BACKEND=database,
PDF_PRERENDER_ON_SUBMIT=0 (every PDF is rendered when first downloaded), a temporary
REPORTS_ROOT and a shared CACHE_URL. Server A is scripts/serve.sh (2 sync workers and
1 task worker); one PDF is downloaded first to check the path and warm the worker.
1. Baseline: load.py's autosave scenario (wrk, lost writes checked), --duration s.
2. The same on other drafts while, 2 s into it, --downloads members each ask for the
   PDF of a different, never-rendered, submitted assessment at once, and ask again
   every 1-3 s while they get 202, until 200 (or --pdf-timeout).
3. Server B (serve.sh on another port, TASK_WORKERS=0, the same database, REPORTS_ROOT
   and cache): a new PDF downloaded through A until 200, then once through B, which
   must answer 200 at once with the same bytes, with no second render task for it.
Prints a table and PASS/MISS per target (exit status 0 when all are met); stops every
process it started (each serve.sh in its own process group) and drops the database.
Figures: docs/performance.md ("PDFs off the request path (issue 16)").
"""

from __future__ import annotations

import argparse
import http.client
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # bench/load.py, next to this file

TARGET_P99_RATIO = 2.0  # autosave p99 with the PDF downloads / without


def log(message: str) -> None:
    print(f"[tasks {time.strftime('%H:%M:%S')}] {message}", flush=True)


def get(port: int, path: str, cookie: str) -> tuple[int, http.client.HTTPMessage, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def download(port: int, path: str, cookie: str, rng: random.Random, timeout: float) -> dict:
    """GET the PDF, again every 1-3 s while it is being prepared (202), until a 200."""
    out = {"statuses": {}, "errors": 0, "no_refresh": 0, "seconds": None, "body": b"", "ms": []}
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            sent = time.monotonic()
            status, headers, body = get(port, path, cookie)
            out["ms"].append(1000 * (time.monotonic() - sent))
        except OSError as error:
            out["errors"] += 1
            out["error"] = repr(error)
            time.sleep(1)
            continue
        out["statuses"][status] = out["statuses"].get(status, 0) + 1
        if status == 200:
            out["seconds"] = time.monotonic() - started
            out["type"], out["body"] = headers.get("Content-Type", ""), body
            return out
        if status != 202:
            out["error"] = f"{status}: {body[:200]!r}"
            return out
        out["no_refresh"] += headers.get("Refresh") != "3"
        time.sleep(rng.uniform(1, 3))
    out["error"] = f"no PDF within {timeout:.0f} s"
    return out


def delivered(d: dict) -> bool:
    """A 200 application/pdf whose body is a PDF."""
    return d["seconds"] is not None and d["type"] == "application/pdf" and d["body"][:4] == b"%PDF"


def download_ok(d: dict) -> bool:
    """Only 200s and 202s, no socket error, no 202 without its Refresh header."""
    return d["errors"] == 0 and not set(d["statuses"]) - {200, 202} and d["no_refresh"] == 0


def pdf_path(assessment_id) -> str:
    return f"/a/{assessment_id}/report.pdf"


def render_tasks(assessment_id) -> int:
    """Rows of the task queue (any status) that render this assessment's PDF."""
    from django.db import connections
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.filter(task_path__endswith="render_pdf").values_list(
        "args_kwargs", flat=True
    )
    count = sum(1 for r in rows if (r.get("args") or [None])[0] == str(assessment_id))
    connections.close_all()
    return count


def writes_ok(r: load.Result) -> bool:
    """load.py's own lost-writes target for its autosave scenario (a stand-in ceiling run
    for its other targets, which are not used here)."""
    checks = dict(load.targets([load.Result("ceiling", "", requests=1, seconds=1.0), r]))
    return checks["zero lost writes (and no phantom write): autosave"]


def with_downloads(ctx: dict, args, jobs: list[tuple[str, str]]) -> tuple[load.Result, list]:
    """The autosave run, with len(jobs) PDF downloads starting at once 2 s into it."""
    downloads: list[dict] = [{} for _ in jobs]
    offset = min(2.0, args.duration / 4)
    start_at = [0.0]

    def one(i: int, path: str, cookie: str) -> None:
        time.sleep(max(0.0, start_at[0] - time.monotonic()))
        rng = random.Random(args.seed * 1000 + i)
        downloads[i] = download(ctx["port"], path, cookie, rng, args.pdf_timeout)
        downloads[i]["at"] = time.monotonic() - start_at[0]

    def start() -> None:  # after the wait for a quiet machine, just before wrk
        start_at[0] = time.monotonic() + offset
        for i, (path, cookie) in enumerate(jobs):
            threads.append(threading.Thread(target=one, args=(i, path, cookie), daemon=True))
            threads[-1].start()

    threads: list[threading.Thread] = []
    result = autosave(ctx, args, "with-pdfs", start)
    result.extra["window"] = result.seconds - (start_at[0] - ctx["wrk_started"])
    log(f"  autosave done; waiting for the downloads (at most {args.pdf_timeout:.0f} s)")
    for t in threads:
        t.join(args.pdf_timeout + 60)
    return result, downloads


def worker_seconds(pgid: int) -> float:
    """CPU seconds used so far by the task worker in server A's process group."""
    total = 0
    for (_, pid), ticks in load.process_ticks(pgid, None).items():
        try:
            total += ticks if b"db_worker" in Path(f"/proc/{pid}/cmdline").read_bytes() else 0
        except OSError:
            continue
    return total / load.CLK


def serve(env: dict, workdir: Path, name: str, task_workers: int, servers: list) -> int:
    """scripts/serve.sh on a free port (its own process group, stopped by the caller)."""
    port, logfile = load.free_port(), workdir / f"{name}.log"
    bind = {"BIND": f"127.0.0.1:{port}", "TASK_WORKERS": str(task_workers)}
    servers.append(load.start_server({**env, **bind}, logfile))
    load.wait_until_up(servers[-1], port, logfile)
    log(f"server {name} on 127.0.0.1:{port}: 2 sync workers, {task_workers} task worker(s)")
    return port


def autosave(ctx: dict, args, name: str, before=None) -> load.Result:
    """load.py's autosave scenario on this run's pairs; `before` is called just before it."""
    workdir = ctx["workdir"] / name
    workdir.mkdir()
    if args.wait_quiet:
        load.wait_quiet(ctx["meter"], args.wait_quiet)
    if before:
        before()
    worker, ctx["wrk_started"] = worker_seconds(ctx["pgid"]), time.monotonic()
    result = load.run_autosave(
        ctx["pairs"][name],
        ctx["options"],
        ctx["sessions"],
        ctx["user_of"],
        ctx["port"],
        argparse.Namespace(**{**vars(args), "wait_quiet": 0}),
        workdir,
        ctx["meter"],
        ctx["connections"],
    )
    worker = (worker_seconds(ctx["pgid"]) - worker) / (time.monotonic() - ctx["wrk_started"])
    result.extra["worker_cores"] = worker  # with the 2 s after wrk, in run_autosave
    result.extra["writes_ok"] = writes_ok(result)  # while it is named "autosave"
    result.name = name
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds per autosave run")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (8)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--downloads", type=int, default=20, help="PDF downloads at once (20)")
    parser.add_argument("--pdf-timeout", type=float, default=600, help="per download (600 s)")
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/0", help="shared cache")
    parser.add_argument("--seed", type=int, default=2108)
    parser.add_argument("--wait-quiet", type=float, default=10, metavar="S")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    if not 1 <= args.duration <= 120:
        parser.error("--duration must be 1-120 seconds (the run is bounded)")
    if not 1 <= args.downloads <= load.TEAMS - load.LOGINS - 2:
        parser.error(f"--downloads must be 1-{load.TEAMS - load.LOGINS - 2}")
    if not shutil.which("wrk"):
        parser.error("wrk is not installed (Debian: apt-get install wrk)")
    signal.signal(signal.SIGTERM, load._on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)

    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="riskassess-tasks-"))
    database_url, dbname, env = load.database_env("postgres", workdir)
    env.update(
        {
            "TASK_BACKEND": "database",
            "PDF_PRERENDER_ON_SUBMIT": "0",
            "REPORTS_ROOT": str(workdir / "reports"),
            "EVIDENCE_ROOT": str(workdir / "evidence"),
            "CACHE_URL": args.cache_url,
            "WEB_CONCURRENCY": "2",
        }
    )
    servers: list = []
    created_db = False
    try:
        subprocess.run(load.pg_command("createdb", dbname), check=True)
        created_db = True
        log(f"database: {database_url}; reports: {env['REPORTS_ROOT']}; cache: {args.cache_url}")
        load.setup_django(env)
        from django.core.cache import cache
        from django.db import connections

        cache.set("riskassess:tasks-bench-ping", 1, 10)
        if cache.get("riskassess:tasks-bench-ping") != 1:
            raise SystemExit(f"the cache at {args.cache_url} does not answer")
        load.migrate_and_load()
        seeded = load.seed(random.Random(args.seed), 2)
        connections.close_all()
        log(f"seeded: {seeded['checklist']}, {load.TEAMS * load.PER_TEAM} assessments")

        port_a = serve(env, workdir, "A", 1, servers)
        meter = load.CpuMeter(servers[0].pid, dbname)

        users = seeded["users"]
        sessions = {u: load.login(port_a, u) for u in users[: load.LOGINS + args.downloads + 2]}
        cookie = {u: load.cookie_header(s) for u, s in sessions.items()}
        submitted = {u: seeded["assessments"][u][load.PER_TEAM - 1] for u in sessions}
        drafts = {u: [str(a) for a in seeded["assessments"][u][:-1]] for u in users}
        n = load.AUTOSAVE_ASSESSMENTS_PER_USER  # drafts per user and run: other ones each run
        runs = {"baseline": 0, "with-pdfs": 1}
        owned = {
            run: [(u, a) for u in users[: load.LOGINS] for a in drafts[u][k * n : (k + 1) * n]]
            for run, k in runs.items()
        }
        ctx = {
            "workdir": workdir,
            "port": port_a,
            "meter": meter,
            "pgid": servers[0].pid,
            "connections": connections,
            "sessions": sessions,
            "pairs": {
                r: [(a, key) for key, _ in seeded["items"] for _, a in owned[r]] for r in runs
            },
            "options": dict(seeded["items"]),
            "user_of": {a: u for r in runs for u, a in owned[r]},
        }
        burst = users[load.LOGINS : load.LOGINS + args.downloads]
        warm_user, two_user = users[load.LOGINS + args.downloads : load.LOGINS + args.downloads + 2]

        log("preflight: one PDF through server A (also warms the task worker)")
        path = pdf_path(submitted[warm_user])
        warm = download(port_a, path, cookie[warm_user], random.Random(0), args.pdf_timeout)
        if not delivered(warm) or warm["statuses"].get(202, 0) == 0:
            raise SystemExit(f"preflight PDF download failed: {warm.get('error')}")
        log(f"  200 after {warm['seconds']:.1f} s ({warm['statuses'].get(202)} x 202)")

        log(f"baseline: autosave for {args.duration} s, no PDF load")
        baseline = autosave(ctx, args, "baseline")
        time.sleep(1)

        log(f"with PDF load: autosave, {args.downloads} PDF downloads at once 2 s into it")
        jobs = [(pdf_path(submitted[u]), cookie[u]) for u in burst]
        loaded, downloads = with_downloads(ctx, args, jobs)
        for d in downloads:
            if d and not (delivered(d) and download_ok(d)):
                log(f"  download problem: {d.get('error')}, statuses {d['statuses']}")

        log("two app servers: server B on another port, no task worker")
        port_b = serve(env, workdir, "B", 0, servers)
        target = submitted[two_user]
        path = pdf_path(target)
        via_a = download(port_a, path, cookie[two_user], random.Random(1), args.pdf_timeout)
        tasks_after_a = render_tasks(target)
        status_b, headers_b, body_b = get(port_b, path, cookie[two_user])
        time.sleep(3)  # a task queued by B would be seen (and picked up: interval 1 s)
        tasks_after_b = render_tasks(target)
        two = {"a": via_a, "b_status": status_b, "b_type": headers_b.get("Content-Type", "")}
        two.update(tasks_after_a=tasks_after_a, tasks_after_b=tasks_after_b, size=len(body_b))
        two["same_bytes"] = delivered(via_a) and body_b == via_a["body"]
        log(f"  A: {via_a['statuses']}; B: {status_b}; tasks {tasks_after_a}, {tasks_after_b}")
        stored = len(list((workdir / "reports").rglob("*.pdf")))
        for server in reversed(servers):
            load.stop_server(server)
        ok = report(args, baseline, loaded, downloads, warm, two, stored, started)
        return 0 if ok else 1
    except (KeyboardInterrupt, load.Stop):
        log("interrupted: cleaning up")
        return 130
    finally:
        for server in reversed(servers):
            load.stop_server(server)
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if created_db:
            subprocess.run(load.pg_command("dropdb", "--if-exists", "--force", dbname), check=False)
            log(f"dropped {dbname}")
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def report(args, baseline, loaded, downloads, warm, two, stored, started) -> bool:
    import django

    print()
    print(
        f"riskassess: autosave under PDF downloads, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n"
        f"machine: {load.machine()}; Python {platform.python_version()}, "
        f"Django {django.__version__}\nserver A: scripts/serve.sh (gunicorn, 2 sync workers, "
        "WhiteNoise, DEBUG off; 1 task worker, db_worker --interval 1); PostgreSQL\n"
        f"load: wrk -t{args.threads} -c{args.connections} -d{args.duration}s autosave "
        f"(bench/wrk/autosave.lua), {load.LOGINS} owners; {args.downloads} PDF downloads of "
        f"{args.downloads} submitted assessments ({args.downloads} owners), polling every 1-3 s\n"
        "'srv' counts gunicorn and the task worker (one process group), 'db' PostgreSQL; "
        "the task worker's cores are over the run and the 2 s after it.\n"
    )
    head = (
        f"| {'autosave run':<12} | {'req/s':>6} | {'p50 ms':>6} | {'p90 ms':>6} | "
        f"{'p99 ms':>6} | {'max ms':>6} | {'requests':>8} | {'non-200':>7} | "
        f"{'sock err':>8} | {'lost':>4} | {'srv CPU ms/req':>14} | "
        f"{'cores srv/db/wrk/other':>22} | {'of srv: task worker':>19} |"
    )
    print(head)
    print("|" + "|".join("-" * len(c) for c in head.split("|")[1:-1]) + "|")
    for r in (baseline, loaded):
        cores = "/".join(f"{r.cpu.get(k, 0):.2f}" for k in ("server", "db", "wrk", "other"))
        print(
            f"| {r.name:<12} | {r.rps:>6.1f} | {r.p50_ms:>6.1f} | {r.p90_ms:>6.1f} | "
            f"{r.p99_ms:>6.1f} | {r.max_ms:>6.1f} | {r.requests:>8} | {r.bad:>7} | "
            f"{r.socket_errors:>8} | {r.extra['lost_writes']:>4} | {r.server_ms:>14.1f} | "
            f"{cores:>22} | {r.extra['worker_cores']:>19.2f} |"
        )
    for r in (baseline, loaded):
        x = r.extra
        print(
            f"{r.name}: {x['acked_writes']} writes acknowledged, {x['landed_in_flight']} in "
            f"flight that landed, {x['version_increments']} version increments, "
            f"{x['history_rows']} audit rows; lost {x['lost_writes']}, phantom "
            f"{x['phantom_writes']}"
        )
    ratio = loaded.p99_ms / baseline.p99_ms if baseline.p99_ms else float("inf")
    done = [d for d in downloads if d and delivered(d)]
    times = sorted(d["seconds"] for d in done)
    statuses: dict[int, int] = {}
    for d in downloads:
        for status, n in d.get("statuses", {}).items():
            statuses[status] = statuses.get(status, 0) + n
    polls = sorted(ms for d in downloads for ms in d.get("ms", []))
    in_window = sum(1 for d in done if d["at"] <= loaded.extra["window"])
    print()
    print(
        f"preflight PDF (before the runs, nothing else on the server): "
        f"200 after {warm['seconds']:.1f} s"
    )
    print(
        f"PDF downloads: {len(done)} of {len(downloads)} delivered (200 application/pdf, %PDF), "
        f"{in_window} of them while wrk ran ({loaded.extra['window']:.1f} s of the run); "
        f"responses {dict(sorted(statuses.items()))}, socket errors "
        f"{sum(d.get('errors', 0) for d in downloads)}, 202s without 'Refresh: 3' "
        f"{sum(d.get('no_refresh', 0) for d in downloads)}"
    )
    if polls:
        print(
            f"each GET of a PDF URL (202 or 200), as the downloaders saw it: p50 "
            f"{statistics.median(polls):.0f} ms, p90 {polls[int(0.9 * len(polls))]:.0f} ms, "
            f"max {polls[-1]:.0f} ms"
        )
    if times:
        print(
            f"time from first request to the PDF: min {times[0]:.1f} s, median "
            f"{statistics.median(times):.1f} s, max {times[-1]:.1f} s "
            f"(every one, s: {', '.join(f'{t:.1f}' for t in times)}); "
            f"sizes {min(len(d['body']) for d in done) // 1024}-"
            f"{max(len(d['body']) for d in done) // 1024} KiB"
        )
    print(
        f"two servers: through A {two['a']['statuses']} in {two['a']['seconds'] or 0:.1f} s; "
        f"through B first request {two['b_status']} {two['b_type']}, {two['size']} bytes, "
        f"identical {two['same_bytes']}; render tasks for it: {two['tasks_after_a']} after A, "
        f"{two['tasks_after_b']} 3 s after B; PDF files stored: {stored}"
    )
    checks = [
        (
            f"zero errors, autosave (non-200 {baseline.bad} / {loaded.bad}, socket "
            f"{baseline.socket_errors} / {loaded.socket_errors})",
            all(r.bad == 0 and r.socket_errors == 0 for r in (baseline, loaded)),
        ),
        (
            "zero errors, PDF downloads (only 202 then 200, no socket error)",
            all(d and download_ok(d) for d in downloads),
        ),
        (
            "zero lost writes (and no phantom write), both autosave runs",
            baseline.extra["writes_ok"] and loaded.extra["writes_ok"],
        ),
        (f"every PDF delivered ({len(done)} of {len(downloads)})", len(done) == len(downloads)),
        (
            f"autosave p99 with PDFs <= {TARGET_P99_RATIO:g}x baseline ({loaded.p99_ms:.0f} / "
            f"{baseline.p99_ms:.0f} ms = {ratio:.2f}x)",
            ratio <= TARGET_P99_RATIO,
        ),
        (
            "second server serves the first's file (202 then 200 on A; 200 at once on B, "
            "same bytes; one render task)",
            next(iter(two["a"]["statuses"]), None) == 202
            and delivered(two["a"])
            and two["b_status"] == 200
            and two["b_type"] == "application/pdf"
            and two["same_bytes"]
            and two["tasks_after_a"] == two["tasks_after_b"] == 1,
        ),
    ]
    print()
    for text, ok in checks:
        print(f"{'PASS' if ok else 'MISS'}  {text}")
    print(f"\n(total run time {time.monotonic() - started:.0f} s)")
    return all(ok for _, ok in checks)


if __name__ == "__main__":
    sys.exit(main())
