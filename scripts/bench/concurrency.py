"""Concurrency: 1,000 tasks waited on at once with `AsyncCamb.tts.wait_many`, against raw
httpx (asyncio, one coroutine per task running the seeds' 5-second loop).

Each run is a child process that creates the tasks, then tells the parent it is ready; the
parent snapshots the sandbox's counters and starts counting the sandbox's open connections
(its established sockets in /proc/net/tcp) before letting the child start waiting.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
from _common import (
    HERE,
    PYTHON,
    REPO,
    RESULT_MARKER,
    TASK_TEXT,
    ConnectionSampler,
    Context,
    Row,
    SandboxProcess,
    Section,
    ServerConnectionSampler,
    Summary,
    create_tasks,
    fmt_mib,
    fmt_ms,
    fmt_ratio,
    fmt_seconds,
    md_table,
    sandbox,
)

from camb._constants import DEFAULT_WAIT_CONCURRENCY

NAME = "concurrency"
TITLE = "Concurrency: 1,000 tasks with `AsyncCamb.tts.wait_many`"
TASKS = 1000
SMOKE_TASKS = 20
TASK_DURATION = 5.0
SMOKE_TASK_DURATION = 0.5
LATENCY = 0.02
SEED_INTERVAL = 5.0

VARIANTS = {
    "camb": "`AsyncCamb.tts.wait_many` (defaults)",
    "raw": (
        "raw httpx: `asyncio.gather`, 5-s loop per task, "
        f"{DEFAULT_WAIT_CONCURRENCY} polls in flight"
    ),
}


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


async def _raw_wait_all(
    url: str, api_key: str, task_ids: list[str], interval: float, in_flight: int
) -> int:
    """The seeds' loop for every task at once, with a semaphore bounding the polls in flight
    as `wait_many` does. Without one, httpx's pool (100 connections, 20 kept alive) churns
    through a new connection per request with 1,000 requests queued, and a run takes
    minutes: a measure of httpcore, not of waiting."""
    headers = {"x-api-key": api_key}
    gate = asyncio.Semaphore(in_flight)
    # httpx's default pool, but idle connections dropped after 4 s instead of 5: the
    # sandbox (uvicorn) closes them after 5 s idle, which a 5-s loop would race.
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=4)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:

        async def one(task_id: str) -> bool:
            while True:
                async with gate:
                    response = await http.get(f"{url}/tts/{task_id}", headers=headers)
                response.raise_for_status()
                if response.json()["status"] != "PENDING":
                    return response.json()["status"] == "SUCCESS"
                await asyncio.sleep(interval)

        done = await asyncio.gather(*(one(t) for t in task_ids))
    return sum(done)


def child_main(kind: str, url: str, api_key: str, n: int, duration: float) -> dict[str, Any]:
    """In a fresh process: create `n` tasks, wait for the parent's go, wait on all of them."""
    import sys

    import camb

    tasks = create_tasks(url, api_key, [TASK_TEXT] * n)
    task_ids = [t["task_id"] for t in tasks]
    finish_by = max(t["received"] for t in tasks) + duration
    exact = True
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        exact = False
    before = _status_kib("VmRSS") if exact else _status_kib("VmHWM")
    print("READY", flush=True)
    sys.stdin.readline()

    async def with_camb() -> int:
        async with camb.AsyncCamb(api_key=api_key, base_url=url) as client:
            result = await client.tts.wait_many(task_ids)
        if result.failed:
            raise RuntimeError(f"{len(result.failed)} waits failed: {result.failed}")
        return len(result.run_ids)

    started, cpu = time.monotonic(), time.process_time()
    if kind == "camb":
        succeeded = asyncio.run(with_camb())
    else:
        succeeded = asyncio.run(
            _raw_wait_all(url, api_key, task_ids, SEED_INTERVAL, DEFAULT_WAIT_CONCURRENCY)
        )
    ended, cpu = time.monotonic(), time.process_time() - cpu
    return {
        "wall": ended - started,
        "cpu": cpu,
        "ideal": max(0.0, finish_by - started),
        "succeeded": succeeded,
        "growth_mib": (_status_kib("VmHWM") - before) / 1024,
        "peak_mib": _status_kib("VmHWM") / 1024,
        "exact_peak": exact,
    }


def run_one(sb: SandboxProcess, kind: str, n: int, duration: float) -> dict[str, Any]:
    args = json.dumps(
        {"kind": kind, "url": sb.url, "api_key": sb.api_key, "n": n, "duration": duration}
    )
    proc = subprocess.Popen(
        [PYTHON, str(HERE / "_child.py"), "concurrency", "child_main", args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    try:
        line = proc.stdout.readline()
        if line.strip() != "READY":
            raise RuntimeError(f"child did not get ready: {line!r} {proc.communicate()[1][-3000:]}")
        before = sb.stats()
        with (
            ConnectionSampler(sb.port, pid=proc.pid, every=0.005) as sampler,
            ServerConnectionSampler(sb, exclude=1) as server,
        ):
            proc.stdin.write("go\n")
            proc.stdin.flush()
            out, err = proc.communicate(timeout=600)
        after = sb.stats()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    marked = [ln for ln in out.splitlines() if ln.startswith(RESULT_MARKER)]
    result = json.loads(marked[-1][len(RESULT_MARKER) :]) if marked else None
    if result is None:
        raise RuntimeError(f"child failed (exit {proc.returncode}):\n{err[-4000:]}")
    polls = sum(after["by_operation"]["get_tts_status"].values()) - sum(
        before["by_operation"]["get_tts_status"].values()
    )
    not_ok = sum(v for k, v in after["by_operation"]["get_tts_status"].items() if k != "200") - sum(
        v for k, v in before["by_operation"]["get_tts_status"].items() if k != "200"
    )
    result.update(
        {
            "peak_connections": sampler.peak,
            "server_peak_connections": server.peak,
            "samples": sampler.samples,
            "new_connections": after["connections"]["api"] - before["connections"]["api"],
            "status_requests": polls,
            "status_not_200": not_ok,
        }
    )
    return result


def measure(ctx: Context) -> dict[str, Any]:
    n = SMOKE_TASKS if ctx.smoke else TASKS
    duration = SMOKE_TASK_DURATION if ctx.smoke else TASK_DURATION
    reps = ctx.reps(5)
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in VARIANTS}
    with sandbox(latency=LATENCY, task_duration=duration) as sb:
        names = list(VARIANTS)
        for rep in range(reps):
            shift = rep % len(names)
            for kind in names[shift:] + names[:shift]:
                out[kind].append(run_one(sb, kind, n, duration))
    return {"n": n, "duration": duration, "reps": reps, "results": out}


def run(ctx: Context) -> Section:
    import camb._constants as base

    data = measure(ctx)
    res = data["results"]
    limit = DEFAULT_WAIT_CONCURRENCY
    pool = base.DEFAULT_LIMITS.max_connections

    def summary(kind: str, key: str) -> Summary:
        return Summary.of([r[key] for r in res[kind]])

    table = []
    for kind, label in VARIANTS.items():
        wall = summary(kind, "wall")
        late = Summary.of([r["wall"] - r["ideal"] for r in res[kind]])
        table.append(
            [
                label,
                wall.fmt(fmt_seconds),
                late.fmt(fmt_seconds),
                summary(kind, "status_requests").fmt(lambda v: f"{v:.0f}"),
                Summary.of([r["cpu"] / r["status_requests"] for r in res[kind]]).fmt(fmt_ms),
                summary(kind, "server_peak_connections").fmt(lambda v: f"{v:.0f}"),
                summary(kind, "peak_connections").fmt(lambda v: f"{v:.0f}"),
                summary(kind, "new_connections").fmt(lambda v: f"{v:.0f}"),
                summary(kind, "growth_mib").fmt(fmt_mib),
                summary(kind, "peak_mib").fmt(fmt_mib),
            ]
        )
    all_ok = all(
        r["succeeded"] == data["n"] and r["status_not_200"] == 0 for v in res.values() for r in v
    )
    peak_conn = max(max(r["peak_connections"], r["server_peak_connections"]) for r in res["camb"])
    peak_raw = max(max(r["peak_connections"], r["server_peak_connections"]) for r in res["raw"])
    wall_c, wall_r = summary("camb", "wall"), summary("raw", "wall")
    late_c = Summary.of([r["wall"] - r["ideal"] for r in res["camb"]])
    late_r = Summary.of([r["wall"] - r["ideal"] for r in res["raw"]])
    growth_c, growth_r = summary("camb", "growth_mib"), summary("raw", "growth_mib")
    cpu_per = statistics.median(r["cpu"] / r["status_requests"] for r in res["camb"])
    rows = [
        Row(
            "concurrency",
            f"{data['n']} tasks: wall time (after the last finished)",
            f"{wall_c.fmt(fmt_seconds)} (+{fmt_seconds(late_c.median)})",
            f"{wall_r.fmt(fmt_seconds)} (+{fmt_seconds(late_r.median)})",
            fmt_ratio(wall_c.median / wall_r.median),
            "—",
            None,
        ),
        Row(
            "concurrency",
            "peak open connections (worst run)",
            str(peak_conn),
            str(peak_raw),
            "",
            f"<= {limit} (polls in flight)",
            peak_conn <= limit,
        ),
        Row(
            "concurrency",
            "peak memory growth while waiting",
            growth_c.fmt(fmt_mib),
            growth_r.fmt(fmt_mib),
            fmt_ratio(growth_c.median / growth_r.median) if growth_r.median > 0 else "",
            "—",
            None,
        ),
        Row(
            "concurrency",
            "every task's run id back, every poll answered 200",
            "yes" if all_ok else "no",
            "",
            "",
            "all",
            all_ok,
        ),
    ]
    body = "\n\n".join(
        [
            f"Reproduce: {ctx.reproduce(NAME)}. Each run: a fresh child process creates "
            f"{data['n']} tasks of {data['duration']:g} s (sandbox latency "
            f"{LATENCY * 1e3:.0f} ms per request), then waits on all of them at once. *Wall* is "
            "from the start of the wait to its end; *late* is how long after the last task "
            "finished that was (its finish is known from when its create call was answered). "
            "Status requests and new connections are the sandbox's counters. Peak open "
            "connections, two ways: the sandbox's own count of open API connections "
            "(`open_connections` in its stats, sampled every 20 ms while waiting, the "
            "sampler's and the parent's connections left out), and the most established "
            "connections to the API port held by the child at once (its sockets matched "
            "against /proc/net/tcp by inode, sampled every 5 ms). The summary takes the larger. "
            "Memory: the "
            "child's peak RSS while waiting over its RSS just before (peak mark reset through "
            f"`/proc/self/clear_refs`). Median (min\u2013max) of {data['reps']} runs per variant, "
            "interleaved.",
            md_table(
                [
                    "variant",
                    "wall",
                    "late",
                    "status requests",
                    "client CPU per request",
                    "peak open connections (server)",
                    "(client sockets)",
                    "new connections",
                    "peak RSS growth",
                    "peak RSS",
                ],
                table,
            ),
            f"`wait_many` keeps at most {limit} polls in flight (`DEFAULT_WAIT_CONCURRENCY`), "
            f"below the pool's {pool} connections, so the sandbox sees at most {limit} "
            "connections from it, as measured. The raw version is given the same bound (a "
            "semaphore), and drops idle connections after 4 s instead of httpx's 5 s, since "
            "the sandbox (uvicorn) closes them after 5 s idle, a race a 5-s loop would "
            "otherwise lose now and then. Without the semaphore, 1,000 requests queue in "
            "httpx's pool (100 connections, 20 kept alive), which then opens a new connection "
            "for nearly every request, and a run takes tens of seconds.",
            f"Both clients are CPU-bound here, not latency-bound: the child spent "
            f"{fmt_ms(cpu_per)} of CPU per status request (httpx's asyncio stack; a core "
            f"shared with the machine's other work), so one poll of all {data['n']} tasks "
            f"takes about {fmt_seconds(cpu_per * data['n'])}, longer than the "
            f"{limit}-in-flight x {LATENCY * 1e3:.0f} ms limit alone "
            f"({fmt_seconds(data['n'] / limit * LATENCY)}). `wait_many` polls each task again "
            "as soon as its short early gaps allow, so it sees the last task about one such "
            "round after it finished; the 5-s loop adds 5 s after each answer on top.",
        ]
    )
    return Section(NAME, TITLE, body, rows)
