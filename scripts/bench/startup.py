"""Start-up: wall time and peak memory of a whole Python process that imports camb and makes a
client, against one that imports httpx. Each run is a fresh process.

Peak RSS comes from `/usr/bin/time -f %M`. Not from this process's rusage of the child: Linux
keeps `ru_maxrss` across `execve`, so a child forked from this (already large) process would
report at least this process's size.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from typing import Any

from _common import (
    PYTHON,
    REPO,
    Context,
    Row,
    Section,
    Summary,
    fmt_mib,
    fmt_ratio,
    fmt_seconds,
    md_table,
)

NAME = "startup"
TITLE = "Start-up: `import camb; camb.Camb()` against `import httpx`"
TARGET = 1.5

PROGRAMS = {
    "camb": "import camb; camb.Camb(api_key='k')",
    "httpx": "import httpx",
    # References, not targets: what the two above are made of.
    "httpx_client": "import httpx; httpx.Client()",
    "camb_import": "import camb",
    "python": "pass",
}
LABELS = {
    "camb": "`import camb; camb.Camb(api_key='k')`",
    "httpx": "`import httpx` (baseline)",
    "httpx_client": "`import httpx; httpx.Client()` (reference)",
    "camb_import": "`import camb` (reference)",
    "python": "`pass`: the interpreter alone (reference)",
}


TIME = shutil.which("time", path="/usr/bin:/bin")
ENV = {k: v for k, v in os.environ.items() if not k.startswith(("CAMB_", "PYTHON"))}


def run_once(code: str) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of `python -c code` in a fresh process."""
    if TIME is None:
        # No /usr/bin/time: the child's rusage, which overstates small processes (see above).
        started = time.perf_counter()
        proc = subprocess.Popen([PYTHON, "-c", code], cwd=REPO, env=ENV)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise RuntimeError(f"{code!r} exited with {proc.returncode}")
        return wall, usage.ru_maxrss / 1024
    with tempfile.NamedTemporaryFile("r") as out:
        command = [TIME, "-f", "%M", "-o", out.name, PYTHON, "-c", code]
        started = time.perf_counter()
        subprocess.run(command, cwd=REPO, env=ENV, check=True)
        wall = time.perf_counter() - started
        return wall, int(out.read().split()[-1]) / 1024


def import_costs(runs: int) -> list[tuple[str, float]]:
    """What `import camb` imports beyond httpx, by `python -X importtime`: the modules of its
    tree taking 3 ms or more (cumulative, median of `runs`), slowest first."""
    samples: dict[str, list[float]] = {}
    for _ in range(runs):
        proc = subprocess.run(
            [PYTHON, "-X", "importtime", "-c", "import httpx; import camb"],
            cwd=REPO,
            env=ENV,
            capture_output=True,
            text=True,
            check=True,
        )
        lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("import time:")]
        # Entries are printed children first; camb's tree is what follows httpx's own line.
        tree = lines[next(i for i, ln in enumerate(lines) if ln.endswith("| httpx")) + 1 :]
        for line in tree:
            match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| \s*(\S+)", line)
            if match:
                samples.setdefault(match.group(2), []).append(int(match.group(1)) / 1e6)
    costs = [(name, statistics.median(v)) for name, v in samples.items() if len(v) == runs]
    return sorted((c for c in costs if c[1] >= 0.003), key=lambda c: -c[1])


def measure(ctx: Context) -> dict[str, Any]:
    reps = ctx.reps(15, smoke=1)
    for code in PROGRAMS.values():  # warm the page cache and the .pyc files
        run_once(code)
    walls: dict[str, list[float]] = {k: [] for k in PROGRAMS}
    rss: dict[str, list[float]] = {k: [] for k in PROGRAMS}
    names = list(PROGRAMS)
    for rep in range(reps):
        shift = rep % len(names)
        for name in names[shift:] + names[:shift]:
            wall, peak = run_once(PROGRAMS[name])
            walls[name].append(wall)
            rss[name].append(peak)
    costs = import_costs(1 if ctx.smoke else 5)
    return {"walls": walls, "rss": rss, "reps": reps, "imports": costs}


def run(ctx: Context) -> Section:
    data = measure(ctx)
    wall = {k: Summary.of(v) for k, v in data["walls"].items()}
    rss = {k: Summary.of(v) for k, v in data["rss"].items()}
    table = [
        [
            LABELS[k],
            wall[k].fmt(fmt_seconds),
            fmt_ratio(wall[k].median / wall["httpx"].median),
            rss[k].fmt(fmt_mib),
            fmt_ratio(rss[k].median / rss["httpx"].median),
        ]
        for k in PROGRAMS
    ]
    wall_ratio = wall["camb"].median / wall["httpx"].median
    rss_ratio = rss["camb"].median / rss["httpx"].median
    rows = [
        Row(
            "startup",
            "process wall time",
            wall["camb"].fmt(fmt_seconds),
            wall["httpx"].fmt(fmt_seconds),
            fmt_ratio(wall_ratio),
            f"<= {TARGET:g}x",
            wall_ratio <= TARGET,
        ),
        Row(
            "startup",
            "process peak RSS",
            rss["camb"].fmt(fmt_mib),
            rss["httpx"].fmt(fmt_mib),
            fmt_ratio(rss_ratio),
            f"<= {TARGET:g}x",
            rss_ratio <= TARGET,
        ),
    ]
    client_cost = wall["httpx_client"].median - wall["httpx"].median
    import_cost = wall["camb_import"].median - wall["httpx"].median
    construct_cost = wall["camb"].median - wall["camb_import"].median
    imports = ", ".join(
        f"`{name}` {seconds * 1e3:.0f} ms" for name, seconds in data["imports"][:12]
    )
    how_rss = (
        "peak RSS by `/usr/bin/time -f %M`"
        if TIME
        else "peak RSS from the child's rusage (no /usr/bin/time here: this overstates small "
        "processes, as Linux keeps ru_maxrss across exec)"
    )
    findings = [
        f"Where camb's extra {fmt_seconds(wall['camb'].median - wall['httpx'].median)} goes "
        f"(differences of medians): importing camb on top of httpx {fmt_seconds(import_cost)}; "
        f"constructing `Camb()` {fmt_seconds(construct_cost)}, nearly all of it the "
        f"`httpx.Client` it builds at once (a bare `httpx.Client()` costs "
        f"{fmt_seconds(client_cost)}: an SSL context and the CA bundle loaded, which "
        "`import httpx` alone never pays). The largest parts of `import camb` by `python -X "
        "importtime -c 'import httpx; import camb'` (cumulative, median of runs; importtime "
        "itself slows imports, so read them as shares, not absolutes): "
        f"{imports or 'nothing over 3 ms'}.",
    ]
    if wall["camb"].median / wall["httpx"].median > TARGET:
        allowed = TARGET * wall["httpx"].median
        findings.append(
            f"**The wall-time target is missed**: {fmt_ratio(wall_ratio)} against <= "
            f"{TARGET:g}x, {fmt_seconds(wall['camb'].median - allowed)} over the "
            f"{fmt_seconds(allowed)} allowed. Why, in camb/: `Camb.__init__` (`_client.py`) calls "
            "`build_http_client()` eagerly, and `camb/__init__.py` imports the whole "
            "generated model package (`camb_api.models`, through `_responses.py`) and "
            "`asyncio` (only when the async client is first used) "
            "even for sync use. Suggested fix (not made here): build the `httpx.Client` on "
            "first use (a property behind a lock) so that a client that is constructed "
            "costs nothing until it sends, and import `asyncio` and the generated models "
            "lazily; the SSL context then moves to the first request, where the TLS "
            "handshake costs far more anyway."
        )
    body = "\n\n".join(
        [
            f"Reproduce: {ctx.reproduce(NAME)}. Each figure is a whole `python -c ...` process "
            f"({PYTHON.replace(str(REPO) + '/', '')}): wall time from spawn to exit, "
            f"{how_rss}; median (min\u2013max) of {data['reps']} runs, all programs interleaved, "
            "after one warm-up run each (so `.pyc` files and the page cache are warm, as on a "
            "second start).",
            md_table(["program", "wall time", "x httpx", "peak RSS", "x httpx"], table),
            *findings,
        ]
    )
    return Section(NAME, TITLE, body, rows)
