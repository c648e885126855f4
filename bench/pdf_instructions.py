"""Instructions executed by one PDF render, counted by valgrind. Run from the repository root:

    DEBUG=1 .venv/bin/python bench/pdf_instructions.py [--items 400] [--plain]

Wall-clock times on a shared virtual machine move by ±20 % from one minute to the
next; the number of instructions a render executes does not (the same count, to
0.1 %, whatever else the machine does). So layout changes are compared with this
script, and bench/bench_pdf.py measures the times the targets are about.

It builds the bench's throw-away database (bench_pdf.build_fixtures), renders the
report twice to warm up, then counts one render (pdf._render_pdf: template,
WeasyPrint, PDF) with callgrind's instrumentation switched on around it only.
About a minute for the default checklist, five for 400 items; needs `valgrind`.

--plain counts the same text as plain paragraphs under a minimal stylesheet
(no tables, chart, badges or page furniture): the floor of what WeasyPrint
spends on this much text, quoted in docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

PLAIN_CSS = (
    "@page { size: A4; margin: 22mm 18mm 20mm 18mm }"
    " html { font-family: 'Liberation Sans'; font-size: 9.5pt; line-height: 1.4 }"
    " p { margin: 0 0 2mm }"
)


def plain_render(report: dict) -> bytes:
    """The report's text as one paragraph per block, with a minimal stylesheet."""
    import weasyprint

    from riskassess.reports import pdf

    html = pdf.render_report_html(report)
    body = re.sub(r"<svg.*?</svg>", "", html[html.index("<body>") :], flags=re.S)
    body = re.sub(r"</(p|h1|h2|h3|li|tr|div|figcaption)>", "\n", body)
    paragraphs = [line.strip() for line in re.sub(r"<[^>]+>", "", body).split("\n")]
    markup = "".join(f"<p>{p}</p>" for p in paragraphs if p)
    document = weasyprint.HTML(string=f"<html><body>{markup}</body></html>")
    return document.write_pdf(stylesheets=[weasyprint.CSS(string=PLAIN_CSS)])


def child(items: int | None, plain: bool) -> None:
    """Runs under valgrind: warm up, then one render with instrumentation on."""
    import bench_pdf

    workdir = Path(tempfile.mkdtemp(prefix="bench-pdf-instr-"))
    try:
        bench_pdf.setup_django(workdir)
        from django.conf import settings

        from riskassess.reports import pdf

        settings.PDF_RENDER_TIMEOUT = 0  # valgrind is 50 times slower than the time limit expects
        cases = bench_pdf.build_fixtures([items] if items else [])
        report = bench_pdf.load_report(cases[str(items) if items else "default"])
        render = plain_render if plain else pdf._render_pdf
        render(report)
        render(report)
        toggle = ["callgrind_control", "--instr=on", str(os.getpid())]
        subprocess.run(toggle, check=True, capture_output=True)
        render(report)
        toggle[1] = "--instr=off"
        subprocess.run(toggle, check=True, capture_output=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, help="a synthetic checklist of this many items")
    parser.add_argument("--plain", action="store_true", help="the text only, as plain paragraphs")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.items, args.plain)
        return 0
    if not shutil.which("valgrind"):
        print("valgrind is not installed (Debian: apt install valgrind)", file=sys.stderr)
        return 2
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--child",
        *(["--items", str(args.items)] if args.items else []),
        *(["--plain"] if args.plain else []),
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    collected = re.search(r"Collected : (\d+)", result.stderr)
    if result.returncode != 0 or not collected:
        print(result.stderr[-3000:], file=sys.stderr)
        return 1
    case = f"{args.items} items" if args.items else "default checklist"
    kind = "plain text of the " if args.plain else ""
    print(f"{kind}{case}: {int(collected.group(1)) / 1e6:,.0f} million instructions per render")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
