"""Start-up: wall time and peak memory of a whole Python process that imports camb and makes a
client, against one that imports httpx. Each run is a fresh process. Also checked: that process
has not imported `asyncio` or the generated models (`camb_api.models`), which only the async
client and the generated layer need.

Peak RSS comes from `/usr/bin/time -f %M`. Not from this process's rusage of the child: Linux
keeps `ru_maxrss` across `execve`, so a child forked from this (already large) process would
report at least this process's size.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
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
TARGET = 1.25  # issue 9: at most 1.25x `import httpx`, whole process, medians
TARGET_RSS = 1.5
# Modules a sync-only start must not import (issue 9: start-up stays lazy).
NOT_IMPORTED = ("asyncio", "camb_api.models")
CLIENT_CODE = "import camb; camb.Camb(api_key='k')"

PROGRAMS = {
    "camb": CLIENT_CODE,
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


@dataclass(frozen=True)
class ImportCost:
    """One module of camb's import tree by `-X importtime`: its own time, its time with what
    it imported, and the module that imported it (None at the top)."""

    name: str
    self_seconds: float
    cumulative_seconds: float
    parent: str | None


def parse_importtime(stderr: str) -> list[ImportCost]:
    """The modules imported after httpx (camb's tree, and whatever `Camb()` imports), from
    `-X importtime` output. Entries are printed children first, indented by depth."""
    entries = []
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match:
            self_us, cumulative_us, indent, name = match.groups()
            entries.append((name, int(self_us) / 1e6, int(cumulative_us) / 1e6, len(indent)))
    start = next(i for i, e in enumerate(entries) if e[0] == "httpx" and e[3] == 1) + 1
    tree = entries[start:]
    out = []
    for i, (name, own, cumulative, depth) in enumerate(tree):
        parent = next((e[0] for e in tree[i + 1 :] if e[3] < depth), None)
        out.append(ImportCost(name, own, cumulative, parent))
    return out


def import_costs(runs: int) -> list[ImportCost]:
    """What `import camb; camb.Camb(api_key='k')` imports beyond httpx, by `python -X
    importtime` (median of `runs` for each module's times)."""
    samples: dict[str, list[ImportCost]] = {}
    for _ in range(runs):
        proc = subprocess.run(
            [PYTHON, "-X", "importtime", "-c", "import httpx; " + CLIENT_CODE],
            cwd=REPO,
            env=ENV,
            capture_output=True,
            text=True,
            check=True,
        )
        for cost in parse_importtime(proc.stderr):
            samples.setdefault(cost.name, []).append(cost)
    return [
        ImportCost(
            name,
            statistics.median(c.self_seconds for c in costs),
            statistics.median(c.cumulative_seconds for c in costs),
            costs[0].parent,
        )
        for name, costs in samples.items()
        if len(costs) == runs
    ]


def loaded_after_start() -> list[str]:
    """Which of NOT_IMPORTED a fresh `import camb; camb.Camb(api_key='k')` process holds."""
    code = (
        f"{CLIENT_CODE}; import sys, json; "
        f"print(json.dumps([m for m in {NOT_IMPORTED!r} if m in sys.modules]))"
    )
    proc = subprocess.run(
        [PYTHON, "-c", code], cwd=REPO, env=ENV, capture_output=True, text=True, check=True
    )
    loaded: list[str] = json.loads(proc.stdout.strip().splitlines()[-1])
    return loaded


def top_imports(costs: list[ImportCost]) -> tuple[list[ImportCost], list[ImportCost]]:
    """camb's own modules by their own time, and the other packages camb (or `Camb()`) pulls
    in that `import httpx` did not, by cumulative time; slowest first."""
    own = sorted(
        (c for c in costs if c.name.split(".")[0] == "camb"), key=lambda c: -c.self_seconds
    )
    foreign = sorted(
        (
            c
            for c in costs
            if c.name.split(".")[0] != "camb"
            and (c.parent is None or c.parent.split(".")[0] == "camb")
        ),
        key=lambda c: -c.cumulative_seconds,
    )
    return own, foreign


# What could be imported later, for the modules that tend to top the list (see the section).
LAZY_HINTS = {
    "camb._longform._audio_join": "used only by `speak()`/`speak_stream()`; `camb/__init__.py` "
    "imports it for `AudioExtraMissingError`/`AudioJoinError` (they could live in `_exceptions`) "
    "and `_speak.py`/`_tts.py` for `wire_format_for`/`check_paragraph_pause`",
    "camb._longform._segmenting": "used only by `speak()`; its regular expressions compile at "
    "import",
    "camb._longform._plan": "`SpeechResult`/`SpeechProgress` are re-exported by `camb/__init__.py`",
    "camb._models": "the attrs classes of the facade",
    "camb._polling": "used only by `wait()`",
    "encodings.idna": "`_validation.base_url` calls `host.encode('idna')` in `Camb()`, "
    "which imports the codec and `stringprep`; an ASCII host needs no such check",
    "attrs": "a runtime dependency; its import is most of it",
    "attr": "a runtime dependency; its import is most of it",
}


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
    return {
        "walls": walls,
        "rss": rss,
        "reps": reps,
        "imports": costs,
        "import_runs": 1 if ctx.smoke else 5,
        "loaded": loaded_after_start(),
    }


def fmt_delta(seconds: float) -> str:
    """A difference of medians, which noise can make negative."""
    return ("-" if seconds < 0 else "") + fmt_seconds(abs(seconds))


def fmt_import(cost: ImportCost, cumulative: bool) -> str:
    seconds = cost.cumulative_seconds if cumulative else cost.self_seconds
    return f"`{cost.name}` {seconds * 1e3:.1f} ms"


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
    loaded: list[str] = data["loaded"]
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
            f"<= {TARGET_RSS:g}x",
            rss_ratio <= TARGET_RSS,
        ),
        Row(
            "startup",
            "sync start imports neither " + " nor ".join(f"`{m}`" for m in NOT_IMPORTED),
            "imported: " + ", ".join(f"`{m}`" for m in loaded) if loaded else "neither imported",
            "",
            "",
            "not imported",
            not loaded,
        ),
    ]
    import_cost = wall["camb_import"].median - wall["httpx"].median
    construct_cost = wall["camb"].median - wall["camb_import"].median
    client_cost = wall["httpx_client"].median - wall["httpx"].median
    own, foreign = top_imports(data["imports"])
    own_total = sum(c.self_seconds for c in own)
    foreign_total = sum(c.cumulative_seconds for c in foreign)
    how_rss = (
        "peak RSS by `/usr/bin/time -f %M`"
        if TIME
        else "peak RSS from the child's rusage (no /usr/bin/time here: this overstates small "
        "processes, as Linux keeps ru_maxrss across exec)"
    )
    findings = [
        f"Where camb's extra {fmt_delta(wall['camb'].median - wall['httpx'].median)} goes "
        f"(differences of medians): importing camb on top of httpx {fmt_delta(import_cost)}; "
        f"constructing `Camb(api_key='k')` {fmt_delta(construct_cost)}. The client builds "
        "its `httpx.Client` on the first request, not in `Camb()` (a bare `httpx.Client()`, "
        f"with its SSL context and CA bundle, costs {fmt_delta(client_cost)} here), and "
        "neither `asyncio` nor the generated models are imported by a sync start: "
        + (
            "checked in a fresh process, neither is in `sys.modules`."
            if not loaded
            else "**but this run found " + ", ".join(f"`{m}`" for m in loaded) + " imported.**"
        ),
        'What the start imports beyond httpx, by `python -X importtime -c "import httpx; '
        f'{CLIENT_CODE}"` (median of {data["import_runs"]} runs; importtime itself slows '
        "imports, so read these as shares, not absolutes): camb's own modules, "
        f"{own_total * 1e3:.1f} ms of their own time in all, the largest "
        + (", ".join(fmt_import(c, cumulative=False) for c in own[:6]) or "none")
        + f"; other modules they pull in that httpx did not, {foreign_total * 1e3:.1f} ms "
        "with everything they import: "
        + (", ".join(fmt_import(c, cumulative=True) for c in foreign[:6]) or "none")
        + ".",
    ]
    if wall_ratio > TARGET:
        allowed = TARGET * wall["httpx"].median
        top = sorted(
            [*own[:4], *foreign[:3]],
            key=lambda c: -(c.self_seconds if c in own else c.cumulative_seconds),
        )
        hints = [
            f"{fmt_import(c, cumulative=c not in own)}: {LAZY_HINTS[c.name]}"
            for c in top
            if c.name in LAZY_HINTS
        ]
        findings.append(
            f"**The wall-time target is missed**: {fmt_ratio(wall_ratio)} against <= "
            f"{TARGET:g}x, {fmt_seconds(wall['camb'].median - allowed)} over the "
            f"{fmt_seconds(allowed)} allowed. What is left is import time, listed above; the "
            "candidates for importing on first use (not changed here): "
            + ("; ".join(hints) if hints else "none of the known ones")
            + "."
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
