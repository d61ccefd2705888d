"""Run the benchmarks and write the report: `make bench` (rewrites docs/benchmarks.md and
docs/img/*.png).

    .venv/bin/python scripts/bench/run.py                 # everything, into docs/
    .venv/bin/python scripts/bench/run.py --only bulk     # one benchmark, into a temp dir
    .venv/bin/python scripts/bench/run.py --smoke         # tiny and fast, into a temp dir

`--only` and `--smoke` never touch docs/ unless `--out docs` is given.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import REPO, Context, Row, Section, machine, md_table, text_table

BENCHMARKS = (
    "bulk",
    "wait",
    "overhead",
    "startup",
    "streaming",
    "concurrency",
    "longform",
    "batch",
    "cache",
    "live",
)
SUMMARY_HEADER = ("benchmark", "measure", "camb", "baseline", "ratio", "target", "verdict")


def summary_rows(sections: Sequence[Section]) -> list[list[str]]:
    return [
        [r.benchmark, r.measure, r.client, r.baseline, r.ratio, r.target, r.verdict]
        for s in sections
        for r in s.rows
    ]


def render(sections: Sequence[Section], total: float, smoke: bool, names: Sequence[str]) -> str:
    info = machine()
    when = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    command = ".venv/bin/python scripts/bench/run.py"
    if smoke:
        command += " --smoke"
    if tuple(names) != BENCHMARKS:
        command += "".join(f" --only {n}" for n in names)
    missed = [r for s in sections for r in s.rows if r.met is False]
    lines = [
        "# Benchmarks",
        "",
        f"*Written by `make bench` (`{command}`) on {when}; regenerate it rather than edit "
        "it.*" + (" **Smoke run: tiny sizes, single repetitions; not a result.**" if smoke else ""),
        "",
        f"- Machine: {info['cpus']} CPUs ({info['cpu']}), {info['os']}; shared and noisy, so "
        "every comparison is measured side by side in the same run (variants interleaved run "
        "by run) and reported as median (min\u2013max) over the repetitions stated in each "
        "section.",
        f"- Python {info['python']} ({info['implementation']}), httpx {info['httpx']}.",
        "- Servers: the offline sandbox (`camb.sandbox`), started in its own process on "
        "loopback for each benchmark; per-call overhead uses `httpx.MockTransport` in process.",
        f"- The whole run took {total / 60:.1f} min.",
        "",
        "## Summary",
        "",
        md_table(SUMMARY_HEADER, summary_rows(sections)),
        "",
    ]
    if missed:
        lines += [
            f"{len(missed)} target(s) missed: "
            + "; ".join(f"{r.benchmark}: {r.measure}" for r in missed)
            + ". Each section says by how much and why.",
            "",
        ]
    for number, section in enumerate(sections, 1):
        lines += [
            f"## {number}. {section.title}",
            "",
            section.body.strip(),
            "",
            f"*This section took {section.seconds:.0f} s.*",
            "",
        ]
    return "\n".join(lines)


def failed_section(name: str, error: str) -> Section:
    body = f"The benchmark failed:\n\n```\n{error.strip()}\n```"
    row = Row(name, "benchmark ran", "failed", "", "", "runs", False)
    return Section(name, f"{name} (failed)", body, [row])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny, fast run (CI)")
    parser.add_argument(
        "--only", action="append", choices=BENCHMARKS, metavar="NAME", help="repeatable"
    )
    parser.add_argument("--out", type=Path, help="report directory (default docs/ for a full run)")
    args = parser.parse_args(argv)
    names = tuple(n for n in BENCHMARKS if n in args.only) if args.only else BENCHMARKS
    if args.out is not None:
        out_dir = args.out
    elif args.smoke or args.only:
        out_dir = Path(tempfile.mkdtemp(prefix="camb-bench-"))
    else:
        out_dir = REPO / "docs"
    img_dir = out_dir / "img"
    img_dir.mkdir(parents=True, exist_ok=True)
    ctx = Context(smoke=args.smoke, img_dir=img_dir)

    started = time.perf_counter()
    sections: list[Section] = []
    for name in names:
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        begun = time.perf_counter()
        try:
            section = importlib.import_module(name).run(ctx)
        except Exception:
            traceback.print_exc()
            section = failed_section(name, traceback.format_exc())
        section.seconds = time.perf_counter() - begun
        print(f"[bench] {name} done in {section.seconds:.0f} s", file=sys.stderr, flush=True)
        sections.append(section)
    total = time.perf_counter() - started

    report = out_dir / "benchmarks.md"
    report.write_text(render(sections, total, args.smoke, names))
    print(text_table(SUMMARY_HEADER, summary_rows(sections)))
    print(f"\nreport: {report}  ({total / 60:.1f} min)")
    failed = any(s.title.endswith("(failed)") for s in sections)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
