"""How fast is the PDF report? Run from the repository root:

    DEBUG=1 .venv/bin/python bench/bench_pdf.py [--runs 7] [--quick] [--no-chromium]
    DEBUG=1 .venv/bin/python bench/bench_pdf.py --worst [--runs 7]

Builds a throw-away SQLite database in a temporary directory (nothing in var/
is touched), loads the default checklist and answers it the way real teams do
(tests/reports/factories.py), builds synthetic 100/200/400-item checklists the
same way, then measures, each case after one warm-up render:

- the uncached render (riskassess.reports.pdf._render_pdf: template + WeasyPrint),
  wall-clock and CPU time, median with min/max and p10/p90, the cases taking
  turns round by round;
- the cached re-download: build_report + render_report_pdf served from the
  file cache (the production cache backend), median in ms;
- peak memory of one render: tracemalloc's peak of Python allocations during a
  warm render, and how far a cold render in a fresh subprocess raises the
  resident-set high-water mark (VmHWM, which is what ru_maxrss reports, reset
  just before the render; it includes Pango, fontconfig and other C memory);
- where /usr/bin/chromium exists, Chromium's --headless --print-to-pdf of the very
  same HTML with the stylesheet inlined, as a process per run (how it would be used).

The cases include the worst case of issue 10: the default checklist with every
printed field at its maximum length in the characters slowest to lay out
(tests/reports/factories.py, `answer_at_the_limits`); `--worst` times that case
alone, without the memory and Chromium measurements.

Results and the method are written up in docs/performance.md ("PDF report").
With --samples DIR it measures nothing and writes the sample pages shown in
docs/ instead (pdftoppm -r 60): `DEBUG=1 .venv/bin/python bench/bench_pdf.py --samples docs`.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CHROMIUM = "/usr/bin/chromium"
TARGETS = {"default": 0.5, "400": 2.5, "cached_ms": 20.0, "memory_mib": 150.0}


def setup_django(workdir: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.setdefault("DEBUG", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "riskassess.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.conf import settings

    django.setup()
    # The production backend (a file cache), in the throw-away directory.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(workdir / "cache"),
        }
    }


def build_fixtures(sizes: list[int], worst: bool | str = False) -> dict[str, str]:
    """Create the database content; return {case name: assessment id}.

    `worst` adds the worst case; "only" makes it the only one.
    """
    from django.core.management import call_command

    from riskassess.accounts.models import Membership, Role, Team, User
    from riskassess.checklist.management.commands.load_checklist import DEFAULT_FILE
    from riskassess.checklist.services import load_checklist
    from riskassess.checklist.spec import parse
    from tests.reports.factories import (
        answer_at_the_limits,
        answer_realistically,
        make_assessment,
        synthetic_checklist,
    )

    call_command("migrate", verbosity=0)
    team = Team.objects.create(name="Customer Experience AI")
    user = User.objects.create_user("bench")  # no password: nobody logs in
    Membership.objects.create(team=team, user=user, role=Role.OWNER)
    cases = {}
    default = load_checklist(parse(DEFAULT_FILE.read_bytes()))[0]
    if worst != "only":
        assessment = make_assessment(user, team, default)
        answer_realistically(assessment, user)
        cases["default"] = str(assessment.pk)
    for size in sizes:
        checklist = synthetic_checklist(size)
        assessment = make_assessment(user, team, checklist, title=f"Synthetic {size}")
        answer_realistically(assessment, user)
        cases[str(size)] = str(assessment.pk)
    if worst:
        # A team of its own: answer_at_the_limits gives the team a name at its maximum.
        worst_team = Team.objects.create(name="worst")
        Membership.objects.create(team=worst_team, user=user, role=Role.OWNER)
        cases["worst"] = str(answer_at_the_limits(user, worst_team, default).pk)
    return cases


def load_report(assessment_id: str) -> dict:
    from riskassess.assessments.models import Assessment
    from riskassess.reports.build import build_report

    assessment = Assessment.objects.select_related("team", "checklist").get(pk=assessment_id)
    return build_report(assessment)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = int(position), min(int(position) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarise(values: list[float]) -> dict:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "p10": percentile(values, 0.1),
        "p90": percentile(values, 0.9),
    }


def linear_fit(points: list[tuple[int, float]]) -> tuple[float, float, float]:
    """Intercept, slope and R² of the least-squares line through (items, seconds)."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx
    fixed = mean_y - slope * mean_x
    total = sum((y - mean_y) ** 2 for y in ys)
    residual = sum((y - (fixed + slope * x)) ** 2 for x, y in points)
    return fixed, slope, 1 - residual / total if total else 1.0


def time_renders(reports: dict[str, dict], runs: int) -> dict[str, tuple[dict, dict, int, int]]:
    """Uncached render times per case: {name: (wall stats, cpu stats, pages, bytes)}.

    The cases take turns (one render of each per round, after one warm-up
    round), so that a change in the machine's load during the run spreads over
    all sizes instead of bending the growth curve.
    """
    from pypdf import PdfReader

    from riskassess.reports import pdf

    bodies = {name: pdf._render_pdf(report) for name, report in reports.items()}  # warm-up
    walls = {name: [] for name in reports}
    cpus = {name: [] for name in reports}
    for _ in range(runs):
        for name, report in reports.items():
            wall, cpu = time.perf_counter(), time.process_time()
            bodies[name] = pdf._render_pdf(report)
            cpus[name].append(time.process_time() - cpu)
            walls[name].append(time.perf_counter() - wall)
    return {
        name: (
            summarise(walls[name]),
            summarise(cpus[name]),
            len(PdfReader(io.BytesIO(body)).pages),
            len(body),
        )
        for name, body in bodies.items()
    }


def time_tagging(report: dict, runs: int) -> None:
    """CPU time of the default report with and without PDF tags, taking turns (PDF_TAGGED)."""
    from django.conf import settings

    from riskassess.reports import pdf

    cpus: dict[bool, list[float]] = {False: [], True: []}
    pdf._render_pdf(report)  # warm-up
    for _ in range(runs):
        for tagged in (False, True):
            settings.PDF_TAGGED = tagged
            cpu = time.process_time()
            pdf._render_pdf(report)
            cpus[tagged].append(time.process_time() - cpu)
    plain, tagged = summarise(cpus[False]), summarise(cpus[True])
    print(f"  untagged: cpu {fmt(plain)} s")
    print(f"  tagged:   cpu {fmt(tagged)} s")
    print(f"  tagged / untagged (medians): {tagged['median'] / plain['median']:.2f}")


def time_cached(assessment_id: str, runs: int) -> dict:
    from riskassess.reports import pdf

    pdf.render_report_pdf(load_report(assessment_id))  # fills the cache
    times = []
    for _ in range(max(runs, 20)):
        start = time.perf_counter()
        body = pdf.render_report_pdf(load_report(assessment_id))
        times.append((time.perf_counter() - start) * 1000)
    assert body.startswith(b"%PDF")
    return summarise(times)


def tracemalloc_peak(report: dict) -> float:
    from django.conf import settings

    from riskassess.reports import pdf

    pdf._render_pdf(report)
    # Tracing slows Python several times over: no time limit for this one render.
    limit, settings.PDF_RENDER_TIMEOUT = pdf.timeout_seconds(), 0
    tracemalloc.start()
    try:
        pdf._render_pdf(report)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        settings.PDF_RENDER_TIMEOUT = limit
    return peak / 2**20


def _proc_status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024  # reported in kB
    raise LookupError(field)


def rss_child(assessment_id: str) -> None:
    """In a fresh process: how far one cold render raises the resident set, in MiB.

    Reads the kernel's high-water mark VmHWM (what ru_maxrss reports), reset just
    before the render by writing 5 to /proc/self/clear_refs: ru_maxrss itself
    starts at the parent's size, because Linux carries it across fork and exec.
    """
    from riskassess.reports import pdf

    report = load_report(assessment_id)
    assert pdf.render_report_html(report)  # Django templates loaded, as in a warm worker
    Path("/proc/self/clear_refs").write_text("5")
    before = _proc_status_mib("VmRSS")
    pdf._render_pdf(report)
    peak = _proc_status_mib("VmHWM")
    print(f"{peak - before:.1f} {peak:.1f}")


def rss_growth(workdir: Path, assessment_id: str) -> tuple[float, float]:
    env = {**os.environ, "BENCH_WORKDIR": str(workdir)}
    out = subprocess.run(
        [sys.executable, __file__, "--rss-child", assessment_id],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return float(out[0]), float(out[1])


def chromium_html(report: dict) -> str:
    from riskassess.reports import pdf, pdf_engine

    html = pdf.render_report_html(report)
    style = f"<style>{pdf_engine.STYLESHEET.read_text('utf-8')}</style>"
    return html.replace("</head>", style + "</head>", 1)


def time_chromium(report: dict, workdir: Path, runs: int) -> dict | None:
    if not Path(CHROMIUM).exists():
        return None
    source = workdir / "report-chromium.html"
    source.write_text(chromium_html(report), "utf-8")
    target = workdir / "report-chromium.pdf"
    profile = workdir / "chromium-profile"
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-pdf-header-footer",
        f"--user-data-dir={profile}",
        f"--print-to-pdf={target}",
        source.as_uri(),
    ]
    times = []
    for attempt in range(runs + 1):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, timeout=120)
        if attempt:  # the first run is the warm-up (profile creation)
            times.append(time.perf_counter() - start)
    assert target.read_bytes().startswith(b"%PDF")
    return summarise(times)


SAMPLE_OVERRIDES = {
    "MIS-10": ("no", "Abuse monitoring is planned for the second release; nothing runs today."),
    "LEG-05": ("partly", "Licence reviewed by legal for the EU; the US review is scheduled."),
}


def write_samples(outdir: Path, workdir: Path, pages: dict[str, list[int]]) -> None:
    """Render the sample reports and write the chosen pages as small PNGs (pdftoppm -r 60)."""
    from riskassess.accounts.models import Team, User
    from riskassess.assessments import services
    from riskassess.checklist.models import Checklist
    from riskassess.reports import pdf
    from tests.reports.factories import answer_realistically, make_assessment

    team, user = Team.objects.get(), User.objects.get(username="bench")
    default = Checklist.objects.get(slug="foundation-model-risks")
    submitted = make_assessment(user, team, default, title="Customer-support assistant")
    answer_realistically(submitted, user, overrides=SAMPLE_OVERRIDES)
    services.submit(assessment=submitted, user=user)
    draft = make_assessment(
        user,
        team,
        default,
        title="Internal code assistant (pilot)",
        model_name="codehelper 0.9",
        base_model="a hosted general-purpose chat model",
        context="Internal use by 40 engineers; code and tickets only, no customer data.",
    )
    answer_realistically(draft, user, leave_unanswered=25)
    outdir.mkdir(parents=True, exist_ok=True)
    for name, assessment_id in (("submitted", submitted.pk), ("draft", draft.pk)):
        target = workdir / f"sample-{name}.pdf"
        target.write_bytes(pdf._render_pdf(load_report(str(assessment_id))))
        if outdir.resolve() != (ROOT / "docs").resolve():
            shutil.copy(target, outdir / target.name)  # the PDFs too, except into docs/
        for page in pages[name]:
            stem = outdir / f"report-sample-{name}-p{page}"
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    "60",
                    "-f",
                    str(page),
                    "-l",
                    str(page),
                    "-singlefile",
                    str(target),
                    str(stem),
                ],
                check=True,
            )
            print(f"wrote {stem}.png")


def pdf_timeout() -> str:
    from riskassess.reports import pdf

    return f"{pdf.timeout_seconds():g}"


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{model}, {os.cpu_count()} cores, load average {load}, Python {platform.python_version()}"
    )


def fmt(stats: dict, scale: float = 1.0, digits: int = 2) -> str:
    return (
        f"{stats['median'] * scale:.{digits}f} "
        f"({stats['min'] * scale:.{digits}f} to {stats['max'] * scale:.{digits}f}; "
        f"p10-p90 {stats['p10'] * scale:.{digits}f} to {stats['p90'] * scale:.{digits}f})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="3 runs, no 400-item case")
    parser.add_argument("--no-chromium", action="store_true")
    parser.add_argument(
        "--worst", action="store_true", help="only the worst case (every field at its maximum)"
    )
    parser.add_argument(
        "--tags", action="store_true", help="only the default case, tagged and untagged in turn"
    )
    parser.add_argument(
        "--samples",
        metavar="DIR",
        type=Path,
        help="instead of measuring, write sample pages as PNG to DIR (e.g. docs)",
    )
    parser.add_argument("--rss-child", metavar="ID", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.rss_child:
        setup_django(Path(os.environ["BENCH_WORKDIR"]))
        rss_child(args.rss_child)
        return 0

    import weasyprint

    runs = 3 if args.quick else args.runs
    sizes = [100, 200] if args.quick else [100, 200, 400]
    workdir = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    try:
        setup_django(workdir)
        if args.samples:
            build_fixtures([])
            write_samples(args.samples, workdir, {"submitted": [1, 2, 5], "draft": [1]})
            return 0
        started = datetime.now(UTC)
        print(f"# PDF report benchmark, {started:%Y-%m-%d %H:%M} UTC")
        print(f"# {machine()}, WeasyPrint {weasyprint.__version__}")
        print(f"# {runs} runs after 1 warm-up; throw-away database in {workdir}")
        if args.tags:
            time_tagging(load_report(build_fixtures([])["default"]), runs)
            return 0
        if args.worst:
            cases = build_fixtures([], worst="only")
            report = load_report(cases["worst"])
            wall, cpu, pages, size = time_renders({"worst": report}, runs)["worst"]
            print(
                f"  worst case: {len(report['items'])} items, {pages} pages, "
                f"{size / 1024:.0f} KiB: wall {fmt(wall)} s, cpu {fmt(cpu)} s "
                f"(time limit {pdf_timeout()} s)"
            )
            return 0
        cases = build_fixtures(sizes, worst=True)
        rows, per_item = [], {}
        reports = {name: load_report(assessment_id) for name, assessment_id in cases.items()}
        timings = time_renders(reports, runs)
        for name, assessment_id in cases.items():
            report = reports[name]
            items = len(report["items"])
            wall, cpu, pages, size = timings[name]
            peak = tracemalloc_peak(report)
            rss, rss_total = rss_growth(workdir, assessment_id)
            label = {"default": "default checklist", "worst": "worst case"}.get(
                name, f"synthetic {name}"
            )
            rows.append((label, items, pages, size, wall, cpu, peak, rss, rss_total))
            per_item[name] = (items, {"wall": wall["median"], "cpu": cpu["median"]})
            print(
                f"  {label}: {items} items, {pages} pages, {size / 1024:.0f} KiB: "
                f"wall {fmt(wall)} s, cpu {fmt(cpu)} s, tracemalloc peak {peak:.1f} MiB, "
                f"cold-render RSS growth {rss:.1f} MiB (process peak {rss_total:.0f} MiB)",
                flush=True,
            )
        cached = time_cached(cases["default"], runs)
        chromium = (
            None
            if args.no_chromium
            else time_chromium(load_report(cases["default"]), workdir, min(runs, 5))
        )

        print()
        print(
            "| Case | Items | Pages | Wall s, median (min to max) | CPU s, median | "
            "tracemalloc peak MiB | RSS growth MiB |"
        )
        print("|---|---:|---:|---|---:|---:|---:|")
        for label, items, pages, _, wall, cpu, peak, rss, _ in rows:
            print(
                f"| {label} | {items} | {pages} | {wall['median']:.2f} "
                f"({wall['min']:.2f} to {wall['max']:.2f}) | {cpu['median']:.2f} | "
                f"{peak:.1f} | {rss:.1f} |"
            )
        print()
        print("Growth with the number of items (least-squares line through the medians):")
        for clock in ("wall", "cpu"):
            points = [(per_item[str(n)][0], per_item[str(n)][1][clock]) for n in sizes]
            fixed, slope, r2 = linear_fit(points)
            fitted = ", ".join(f"{n} items {t:.2f} s" for n, t in points)
            print(f"  {clock}: {fitted}; = {fixed:.2f} s + {slope * 1000:.1f} ms/item, R² {r2:.3f}")
        print(f"Cached re-download (build_report + cache hit): {fmt(cached, 1, 1)} ms")
        if chromium:
            ours = rows[0][4]["median"]
            print(
                f"Chromium --print-to-pdf, same HTML, default checklist: {fmt(chromium)} s; "
                f"WeasyPrint/Chromium ratio {ours / chromium['median']:.2f}"
            )
        else:
            print("Chromium: not measured (no /usr/bin/chromium or --no-chromium)")
        print()
        default_wall = rows[0][4]["median"]
        checks = [
            ("default checklist median", default_wall, TARGETS["default"], "s"),
            ("cached re-download median", cached["median"], TARGETS["cached_ms"], "ms"),
            ("peak RSS growth per render", max(r[7] for r in rows), TARGETS["memory_mib"], "MiB"),
        ]
        if "400" in per_item:
            checks.insert(1, ("400 items median", per_item["400"][1]["wall"], TARGETS["400"], "s"))
        for label, value, target, unit in checks:
            verdict = "met" if value <= target else f"MISSED by {value / target:.1f}x"
            print(f"Target {label} <= {target:g} {unit}: {value:.2f} {unit}, {verdict}")
        print(f"# finished in {(datetime.now(UTC) - started).total_seconds():.0f} s")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
