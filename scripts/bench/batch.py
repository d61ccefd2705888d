"""Batch jobs: `camb.batch.run()` against the sandbox at 20 ms per request.

- Speed: 2,000 short items at concurrency 16 against the ideal `ceil(2000/16) x 20 ms`, side
  by side with the same requests sent by hand (raw httpx, 16 threads, one file each).
- 429s: the same with the sandbox answering 10% of requests 429: every item done, none failed.
- Crashes: a run killed with SIGKILL at random moments, resumed each time; then the manifest,
  the files and the sandbox's count of answers are checked.
- Memory: peak RSS of the batch process for 2,000 and 20,000 items.
- Where the time goes: the batch process's CPU by kind of work (a profile of every thread),
  its fsyncs per item, and the sandbox's own CPU.

Every batch run is a fresh child process (`child_batch`), so its peak RSS and CPU are its own;
each sandbox is another process.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import (
    HERE,
    PYTHON,
    REPO,
    RESULT_MARKER,
    VOICE_ID,
    Context,
    Row,
    Section,
    Summary,
    api_requests,
    fmt_mib,
    fmt_ratio,
    fmt_seconds,
    md_table,
    run_child,
    sandbox,
)

NAME = "batch"
TITLE = "Batch jobs: 2,000 items at 20 ms per request, 429s, SIGKILLs, 20,000 items"
LATENCY = 0.02
CONCURRENCY = 16
LANGUAGE = "en-us"
SAMPLE_RATE = 16_000  # short WAV files: 20,000 of them stay under 1 GiB on disk
DEFAULTS = {"voice_id": VOICE_ID, "language": LANGUAGE, "sample_rate": SAMPLE_RATE}
RATE_429 = 0.1
RETRY_AFTER = 0.05

FULL = {"items": 2_000, "big": 20_000, "kill_items": 1_000, "kills": 5, "profile_items": 500}
SMOKE = {"items": 60, "big": 120, "kill_items": 60, "kills": 2, "profile_items": 30}
REPS = 2

TARGET_IDEAL = 1.3
TARGET_FLAT = 1.25  # peak RSS at 10x the items, against the smaller run


def item_text(index: int) -> str:
    return f"Line {index} of the batch, spoken."


def write_input(path: Path, count: int) -> list[str]:
    """A JSON Lines input of `count` short items; their ids."""
    ids = [f"line-{i:06d}" for i in range(count)]
    with open(path, "w", encoding="utf-8") as file:
        for index, item_id in enumerate(ids):
            file.write(json.dumps({"id": item_id, "text": item_text(index)}) + "\n")
    return ids


def _peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return math.nan


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- what a child process runs ---------------------------------------------------------------


class _FsyncCounter:
    """Wraps os.fsync: how many calls and how long they took (wall, every thread)."""

    def __init__(self) -> None:
        import threading

        self.calls = 0
        self.seconds = 0.0
        self._lock = threading.Lock()
        self._real = os.fsync

    def __call__(self, fd: Any) -> None:
        started = time.perf_counter()
        try:
            self._real(fd)
        finally:
            with self._lock:
                self.calls += 1
                self.seconds += time.perf_counter() - started


# The batch process's CPU, as the inclusive CPU time of these functions summed over threads
# (label, file suffix, function name; None: every function of the file, own time only).
PROFILE_PARTS: tuple[tuple[str, str, str | None], ...] = (
    ("worker threads: one item (`_write_item`)", "camb/batch/_runner.py", "_write_item"),
    ("- `tts.speak()` of the item", "camb/_sync/_tts.py", "speak"),
    ("-- sending the request, reading the headers (`_send`)", "camb/_sync/_api_client.py", "_send"),
    ("-- the body into the output file (`iter_bytes`)", "camb/_sync/_streaming.py", "iter_bytes"),
    (
        "-- one header for the file (`finish_in_place`)",
        "camb/_longform/_audio_join.py",
        "finish_in_place",
    ),
    ("-- atomic files opened (`AtomicFile.__enter__`)", "camb/_files.py", "__enter__"),
    ("-- atomic files closed: fsync, rename, fsync folder", "camb/_files.py", "__exit__"),
    ("-- checking and planning the call (`plan_speech`)", "camb/_sync/_speak.py", "plan_speech"),
    ("--- cutting the text (`plan_segments`)", "camb/_longform/_segmenting.py", "plan_segments"),
    ("main thread: the runner loop (`run_batch`)", "camb/batch/_runner.py", "run_batch"),
    ("- state writes (`transaction`)", "camb/batch/_state.py", "transaction"),
    ("- recording results (`mark_done`)", "camb/batch/_state.py", "mark_done"),
    ("- matching the input with the state (`sync_items`)", "camb/batch/_state.py", "sync_items"),
    ("reading and checking the input (`read_items`)", "camb/batch/_input.py", "read_items"),
    ("the manifest (`write_manifest`)", "camb/batch/_manifest.py", "write_manifest"),
)


def profile_parts(stats: dict[Any, Any]) -> dict[str, float]:
    """Inclusive CPU seconds of each of PROFILE_PARTS in one thread's pstats table."""
    out: dict[str, float] = {}
    for label, file, func in PROFILE_PARTS:
        out[label] = sum(
            row[3] for key, row in stats.items() if key[0].endswith(file) and key[2] == func
        )
    return out


def child_batch(
    url: str, api_key: str, source: str, out: str, concurrency: int, profile: bool = False
) -> dict[str, Any]:
    """In a fresh process: `camb.batch.run()`; what it did, its time, CPU and peak RSS. With
    `profile`, every thread runs under cProfile timed by its own CPU clock, and the CPU is
    summed by kind of work."""
    import cProfile
    import pstats
    import threading

    import camb
    import camb.batch

    client = camb.Camb(api_key=api_key, base_url=url, timeout=60)
    fsyncs = _FsyncCounter()
    os.fsync = fsyncs  # type: ignore[assignment]
    profilers: list[cProfile.Profile] = []

    def profile_thread(*_: Any) -> None:
        # A new thread's first profile event: from here on its own profiler takes over.
        profiler = cProfile.Profile(time.thread_time)
        profilers.append(profiler)
        profiler.enable()

    main = cProfile.Profile(time.thread_time)
    if profile:
        threading.setprofile(profile_thread)
        profilers.append(main)
        main.enable()
    started, cpu = time.perf_counter(), time.process_time()
    result = camb.batch.run(client, source, out=out, defaults=DEFAULTS, concurrency=concurrency)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    if profile:
        main.disable()
        threading.setprofile(None)
    counts = result.summary.counts
    answer: dict[str, Any] = {
        "wall": wall,
        "elapsed": result.elapsed,
        "cpu": cpu,
        "requests": result.requests,
        "rate_limited": result.rate_limited,
        "total": counts.total,
        "done": counts.done,
        "failed": counts.failed,
        "redone_after_crash": result.summary.redone_after_crash,
        "first_errors": [list(e) for e in result.summary.first_errors[:3]],
        "peak_rss_mib": _peak_rss_mib(),
        "fsync_calls": fsyncs.calls,
        "fsync_seconds": fsyncs.seconds,
    }
    if profile:
        parts: dict[str, float] = {}
        total = 0.0
        for profiler in profilers:
            with contextlib.suppress(TypeError):  # a profiler that saw nothing
                stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
                total += sum(row[2] for row in stats.values())
                for label, seconds in profile_parts(stats).items():
                    parts[label] = parts.get(label, 0.0) + seconds
        answer["profile_parts"] = parts
        answer["profile_total"] = total
        answer["profiled_threads"] = len(profilers)
    return answer


def child_raw(url: str, api_key: str, source: str, out: str, concurrency: int) -> dict[str, Any]:
    """In a fresh process: the same requests as the batch by hand: raw httpx, `concurrency`
    threads, each answer written to `out/<id>.wav` as it arrives (no fsync, no state)."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    items = [json.loads(line) for line in Path(source).read_text().splitlines()]
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    http = httpx.Client(timeout=60, limits=limits)
    headers = {"x-api-key": api_key}

    def one(item: dict[str, Any]) -> int:
        body = {
            "text": item["text"],
            "language": LANGUAGE,
            "voice_id": VOICE_ID,
            "output_configuration": {"format": "wav", "sample_rate": SAMPLE_RATE},
        }
        with http.stream("POST", url + "/tts-stream", json=body, headers=headers) as response:
            response.raise_for_status()
            with open(Path(out) / f"{item['id']}.wav", "wb") as file:
                for chunk in response.iter_bytes():
                    file.write(chunk)
        return 1

    Path(out).mkdir(parents=True, exist_ok=True)
    started, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(concurrency) as pool:
        done = sum(pool.map(one, items))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"wall": wall, "cpu": cpu, "done": done, "peak_rss_mib": _peak_rss_mib()}


def child_memory_phases(source: str, out: str) -> dict[str, Any]:
    """Diagnostic, in a fresh process: where the batch's memory grows with the item count.
    The runner (`camb.batch._runner.run_batch`, a private name: this may break when it moves)
    with a synthesiser that writes one byte, no HTTP and fsync made a no-op; RSS (MiB) after
    each phase, and the peak while writing the manifest."""
    from camb.batch._input import read_items
    from camb.batch._manifest import write_manifest
    from camb.batch._runner import ItemResult, run_batch
    from camb.batch._state import StateStore, state_file_name

    def rss(field: str) -> float:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
        return math.nan

    def synthesize(item: Any, path: Path) -> Any:
        path.write_bytes(b"x")
        return ItemResult(duration=1.0, credits=1.0)

    os.fsync = lambda fd: None  # type: ignore[assignment]
    phases = {"start": rss("VmRSS")}
    items = read_items(source, defaults=DEFAULTS).items
    phases["input read"] = rss("VmRSS")
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    with StateStore.open(folder / state_file_name(), out_dir=folder) as store:
        run_batch(items, store, synthesize, concurrency=CONCURRENCY)
        phases["run done"] = rss("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")
        write_manifest(folder / "manifest.jsonl", store.iter_rows())
        phases["manifest (peak)"] = rss("VmHWM")
    return phases


# --- the measurements ------------------------------------------------------------------------


def _timed_child(sb: Any, func: str, **kwargs: Any) -> dict[str, Any]:
    """A child run, with the sandbox's CPU during it."""
    before = process_cpu(sb.pid)
    result = run_child("batch", func, url=sb.url, api_key=sb.api_key, **kwargs)
    result["sandbox_cpu"] = process_cpu(sb.pid) - before
    return result


def kill_and_resume(
    sb: Any, source: Path, out: Path, items: int, kills: int, rng: random.Random
) -> dict[str, Any]:
    """Start the batch and SIGKILL it at a random moment of its progress, `kills` times, then
    let a last run finish. The moment: once the sandbox has been sent a random number of
    further requests (up to an even share of what is left), plus a random 0-20 ms, so every
    kill lands while requests are under way, whatever the machine's speed."""
    args = json.dumps(
        {
            "url": sb.url,
            "api_key": sb.api_key,
            "source": str(source),
            "out": str(out),
            "concurrency": CONCURRENCY,
        }
    )
    command = [PYTHON, str(HERE / "_child.py"), "batch", "child_batch", args]
    landed, moments = 0, []
    for kill in range(kills):
        stats = sb.stats()
        sent = int(stats["attempts"].get("create_tts_stream", 0))
        answered = int(api_requests(stats, "create_tts_stream").get("200", 0))
        share = max(1, (items - answered) // (kills - kill + 1))
        target = sent + rng.randint(1, share)
        proc = subprocess.Popen(
            command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        started = time.perf_counter()
        while proc.poll() is None:
            if int(sb.stats()["attempts"].get("create_tts_stream", 0)) >= target:
                time.sleep(rng.uniform(0, 0.02))
                break
            time.sleep(0.002)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            landed += 1
            moments.append(time.perf_counter() - started)
    final = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    line = next(
        (ln for ln in reversed(final.stdout.splitlines()) if ln.startswith(RESULT_MARKER)), None
    )
    if line is None:
        raise RuntimeError(f"the resumed batch run failed:\n{final.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(line[len(RESULT_MARKER) :])
    result["kills"] = landed
    result["kill_moments"] = moments
    return result


def check_outputs(out: Path, ids: list[str]) -> dict[str, Any]:
    """The manifest lists every item once, done, and each file decodes to its duration."""
    import soundfile

    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    listed = [row["id"] for row in rows]
    undecodable, wrong_length = 0, 0
    for row in rows:
        try:
            info = soundfile.info(str(out / row["file"]))
            frames = len(soundfile.read(str(out / row["file"]), dtype="int16")[0])
        except (RuntimeError, TypeError, OSError):
            undecodable += 1
            continue
        if frames != info.frames or abs(frames / info.samplerate - (row["duration"] or 0)) > 0.01:
            wrong_length += 1
    strays = sorted(p.name for p in out.iterdir() if p.name.endswith(".part"))
    cache = out / ".camb-segments"
    cached = sorted(p.name for p in cache.iterdir()) if cache.is_dir() else []
    return {
        "rows": len(rows),
        "unique": len(set(listed)),
        "same_ids": sorted(listed) == sorted(ids),
        "all_done": all(row["state"] == "done" for row in rows),
        "undecodable": undecodable,
        "wrong_length": wrong_length,
        "retried_items": sum(1 for row in rows if (row["attempts"] or 0) > 1),
        "stray_part_files": len(strays),
        "stray_examples": strays[:2],
        "segment_cache_left": cache.exists(),
        "segment_cache_files": len(cached),
    }


def measure(ctx: Context) -> dict[str, Any]:
    sizes = SMOKE if ctx.smoke else FULL
    reps = ctx.reps(REPS)
    rng = random.Random(13)
    data: dict[str, Any] = {"sizes": sizes, "reps": reps, "batch": [], "raw": []}
    with tempfile.TemporaryDirectory(prefix="camb-bench-batch-") as tmp_name:
        tmp = Path(tmp_name)
        source = tmp / "items.jsonl"
        write_input(source, sizes["items"])

        def fresh(name: str) -> Path:
            path = tmp / name
            subprocess.run(["rm", "-rf", str(path)], check=True)
            return path

        def phase(name: str, began: float) -> None:
            print(f"[bench] batch: {name} {time.perf_counter() - began:.0f} s", file=sys.stderr)

        with sandbox(latency=LATENCY, task_duration=0) as sb:
            began = time.perf_counter()
            for rep in range(reps):
                order = ("batch", "raw") if rep % 2 == 0 else ("raw", "batch")
                for kind in order:
                    func = "child_batch" if kind == "batch" else "child_raw"
                    data[kind].append(
                        _timed_child(
                            sb,
                            func,
                            source=str(source),
                            out=str(fresh("out")),
                            concurrency=CONCURRENCY,
                        )
                    )
            phase("speed", began)
            began = time.perf_counter()
            profile_source = tmp / "profile.jsonl"
            write_input(profile_source, sizes["profile_items"])
            data["profile"] = _timed_child(
                sb,
                "child_batch",
                source=str(profile_source),
                out=str(fresh("out")),
                concurrency=CONCURRENCY,
                profile=True,
            )
            phase("profile", began)
            began = time.perf_counter()
            big_source = tmp / "big.jsonl"
            write_input(big_source, sizes["big"])
            data["big"] = _timed_child(
                sb,
                "child_batch",
                source=str(big_source),
                out=str(fresh("out")),
                concurrency=CONCURRENCY,
            )
            phase(f"{sizes['big']} items", began)
            began = time.perf_counter()
            data["phases"] = {}
            for count, path in ((sizes["items"], source), (sizes["big"], big_source)):
                try:
                    data["phases"][count] = run_child(
                        "batch", "child_memory_phases", source=str(path), out=str(fresh("out"))
                    )
                except RuntimeError as error:  # a diagnostic: report it, do not fail
                    data["phases"][count] = {"error": str(error).splitlines()[-1]}
            phase("memory phases", began)
            began = time.perf_counter()
            # The crash runs count the sandbox's answers from zero.
            sb.reset_stats()
            kill_source = tmp / "kill.jsonl"
            ids = write_input(kill_source, sizes["kill_items"])
            out = fresh("out")
            data["killed"] = kill_and_resume(sb, kill_source, out, len(ids), sizes["kills"], rng)
            data["killed_answers"] = api_requests(sb.stats(), "create_tts_stream")
            data["killed_check"] = check_outputs(out, ids)
            data["killed_items"] = len(ids)
            fresh("out")
            phase("kills", began)
        with sandbox(
            latency=LATENCY, task_duration=0, rate_429=RATE_429, retry_after=RETRY_AFTER, seed=7
        ) as sb:
            began = time.perf_counter()
            data["limited"] = _timed_child(
                sb,
                "child_batch",
                source=str(source),
                out=str(fresh("out")),
                concurrency=CONCURRENCY,
            )
            data["limited_answers"] = api_requests(sb.stats(), "create_tts_stream")
            fresh("out")
            phase("429s", began)
    return data


def run(ctx: Context) -> Section:
    data = measure(ctx)
    sizes = data["sizes"]
    n = sizes["items"]
    batch = data["batch"]
    raw = data["raw"]
    wall = Summary.of([r["wall"] for r in batch])
    raw_wall = Summary.of([r["wall"] for r in raw])
    ideal = math.ceil(n / CONCURRENCY) * LATENCY
    to_ideal = wall.median / ideal
    raw_to_ideal = raw_wall.median / ideal
    complete = all(r["done"] == n and r["failed"] == 0 for r in batch)
    speed_errors = [e for r in batch for e in r["first_errors"]]

    limited = data["limited"]
    answers_429 = data["limited_answers"]
    limited_ok = limited["done"] == n and limited["failed"] == 0

    killed = data["killed"]
    check = data["killed_check"]
    kill_n = data["killed_items"]
    ok_answers = int(data["killed_answers"].get("200", 0))
    redone = killed["redone_after_crash"]
    manifest_ok = (
        check["rows"] == kill_n
        and check["unique"] == kill_n
        and check["same_ids"]
        and check["all_done"]
        and check["undecodable"] == 0
        and check["wrong_length"] == 0
    )
    never_repeated = ok_answers <= kill_n + redone
    kills_ok = killed["kills"] >= sizes["kills"]

    small_rss = Summary.of([r["peak_rss_mib"] for r in batch])
    big = data["big"]
    flat = big["peak_rss_mib"] / small_rss.median
    big_ideal = math.ceil(sizes["big"] / CONCURRENCY) * LATENCY

    rows = [
        Row(
            "batch",
            f"{n:,} items, 20 ms, concurrency {CONCURRENCY}: wall / ideal",
            wall.fmt(fmt_seconds),
            f"ideal {fmt_seconds(ideal)}",
            fmt_ratio(to_ideal),
            f"<= {TARGET_IDEAL:g}x",
            to_ideal <= TARGET_IDEAL and complete,
        ),
        Row(
            "batch",
            f"the same, against the requests sent by hand (raw httpx, {CONCURRENCY} threads)",
            wall.fmt(fmt_seconds),
            raw_wall.fmt(fmt_seconds),
            fmt_ratio(wall.median / raw_wall.median),
            "",
            None,
        ),
        Row(
            "batch",
            f"{n:,} items, no faults injected: every item done, none failed (every run)",
            ", ".join(f"{r['done']:,} done, {r['failed']} failed" for r in batch),
            f"{n:,} items",
            "",
            "all done",
            complete,
        ),
        Row(
            "batch",
            f"{RATE_429:.0%} of requests answered 429: every item done, none failed",
            f"{limited['done']:,} done, {limited['failed']} failed",
            f"{n:,} items",
            "",
            "all done",
            limited_ok,
        ),
        Row(
            "batch",
            f"SIGKILLed {killed['kills']} times and resumed: manifest, files, no paid repeats",
            f"{ok_answers:,} answers for {kill_n:,} items + {redone} redone",
            f"<= {kill_n + redone:,}",
            "",
            f">= {sizes['kills']} kills, all checks",
            manifest_ok and never_repeated and kills_ok,
        ),
        Row(
            "batch",
            f"peak RSS, {sizes['big']:,} items against {n:,}",
            fmt_mib(big["peak_rss_mib"]),
            small_rss.fmt(fmt_mib),
            fmt_ratio(flat),
            f"<= {TARGET_FLAT:g}x",
            flat <= TARGET_FLAT and big["done"] == sizes["big"],
        ),
    ]

    def per_item_ms(value: float, count: int) -> str:
        return f"{value / count * 1e3:.2f} ms"

    batch_cpu = Summary.of([r["cpu"] for r in batch]).median
    raw_cpu = Summary.of([r["cpu"] for r in raw]).median
    sandbox_batch = Summary.of([r["sandbox_cpu"] for r in batch]).median
    sandbox_raw = Summary.of([r["sandbox_cpu"] for r in raw]).median
    cores = os.cpu_count() or 1
    batch_fsyncs = Summary.of([r["fsync_calls"] / n for r in batch]).median
    batch_fsync_ms = Summary.of([r["fsync_seconds"] / n * 1e3 for r in batch]).median
    speed_table = [
        [
            f"`camb.batch.run(concurrency={CONCURRENCY})`",
            wall.fmt(fmt_seconds),
            fmt_ratio(to_ideal),
            per_item_ms(batch_cpu, n),
            per_item_ms(sandbox_batch, n),
            f"{(batch_cpu + sandbox_batch) / (cores * wall.median):.0%}",
            f"{batch_fsyncs:.1f} ({batch_fsync_ms:.1f} ms)",
            small_rss.fmt(fmt_mib),
        ],
        [
            f"raw httpx, {CONCURRENCY} threads, a file each (no fsync, no state)",
            raw_wall.fmt(fmt_seconds),
            fmt_ratio(raw_to_ideal),
            per_item_ms(raw_cpu, n),
            per_item_ms(sandbox_raw, n),
            f"{(raw_cpu + sandbox_raw) / (cores * raw_wall.median):.0%}",
            "0",
            Summary.of([r["peak_rss_mib"] for r in raw]).fmt(fmt_mib),
        ],
    ]
    profile = data["profile"]
    profiled = profile["total"]
    profiled_cpu = profile["profile_total"]
    profile_table = [
        [
            label.lstrip("- ")
            if not label.startswith("-")
            else "\u2003" * (len(label) - len(label.lstrip("-"))) + label.lstrip("- "),
            per_item_ms(seconds, profiled),
            f"{seconds / profiled_cpu:.0%}",
        ]
        for label, seconds in profile["profile_parts"].items()
    ]
    profile_table.append(["all threads, everything", per_item_ms(profiled_cpu, profiled), "100%"])
    fsync_per_item = profile["fsync_calls"] / profiled
    fsync_wall = profile["fsync_seconds"] / profiled

    small_n, big_n = sizes["items"], sizes["big"]
    phases = data["phases"]
    phase_rows: list[list[str]] = []
    growth_by_phase: list[tuple[str, float]] = []
    if "error" in phases[small_n] or "error" in phases[big_n]:
        phase_text = "Memory by phase: the diagnostic failed ({}).".format(
            phases[small_n].get("error") or phases[big_n].get("error")
        )
    else:
        previous = "start"
        for name in ("input read", "run done", "manifest (peak)"):
            small_step = phases[small_n][name] - phases[small_n][previous]
            big_step = phases[big_n][name] - phases[big_n][previous]
            extra = (big_step - small_step) * 1024 / (big_n - small_n) * 1024
            growth_by_phase.append((name, big_step - small_step))
            phase_rows.append([name, fmt_mib(small_step), fmt_mib(big_step), f"{extra:,.0f} B"])
            previous = "run done" if name == "manifest (peak)" else name
        phase_text = (
            "Memory by phase (diagnostic: a fresh process runs the same runner with a "
            "synthesiser that writes one byte, no HTTP, fsync a no-op): what each phase adds "
            f"to RSS at {small_n:,} and {big_n:,} items; the manifest is its peak over the RSS "
            "before it."
        )
    findings = []
    if not complete:
        findings.append(
            "**Items failed with no fault injected**: "
            + "; ".join(f"{r['done']:,} done, {r['failed']} failed" for r in batch)
            + ". First errors: "
            + "; ".join(f"`{item}`: {error}" for item, error in speed_errors[:3])
            + ". Every item's `speak()` shares the segment cache `<out>/.camb-segments` (the "
            "default, beside the `.part` file), and a `speak()` that finishes removes the folder "
            "when it looks empty (`SegmentCache.discard`), while another item is about to "
            "write into it: the other item then fails with an `InvalidInputError` about its "
            "path, which the runner takes as permanent. The folder should stay (or each item "
            "get its own), and a vanished cache folder should be made again, not blamed on "
            "the caller's input."
        )
    if flat > TARGET_FLAT:
        worst = sorted(growth_by_phase, key=lambda kv: -kv[1])
        findings.append(
            f"**Flat memory missed**: {fmt_ratio(flat)} against <= {TARGET_FLAT:g}x "
            f"({fmt_mib(big['peak_rss_mib'] - small_rss.median)} more for "
            f"{big_n - small_n:,} more items). "
            + (
                "By phase (table above), the growth is "
                + ", ".join(f"{name} {fmt_mib(mib)}" for name, mib in worst)
                + ": the whole input is kept as `BatchItem`s for the run (checking every "
                "line first needs one pass, not the items kept: a second pass, or ids and line "
                "offsets only, would do); the manifest is written from a cursor, 500 rows at a "
                "time."
                if worst
                else ""
            )
        )
    if to_ideal > TARGET_IDEAL:
        findings.append(
            f"**Wall / ideal missed**: {fmt_ratio(to_ideal)} against <= {TARGET_IDEAL:g}x. "
            f"The same requests sent by hand take {fmt_ratio(raw_to_ideal)} of the ideal here: "
            f"the client process and the sandbox (Python, one process) together need "
            f"{per_item_ms(raw_cpu + sandbox_raw, n)} of CPU per request even by hand, "
            f"{fmt_seconds((raw_cpu + sandbox_raw) / cores)} for {n:,} on {cores} cores "
            "even if nothing else ran"
            + (
                f", more than the {fmt_seconds(ideal)} ideal: this machine cannot reach it. "
                if (raw_cpu + sandbox_raw) / cores > ideal
                else f", against the {fmt_seconds(ideal)} ideal. "
            )
            + "The batch adds "
            f"{per_item_ms(batch_cpu - raw_cpu, n)} of client CPU per item to the hand-written "
            f"version ({fmt_ratio(batch_cpu / raw_cpu)} of its CPU) and "
            f"{batch_fsyncs:.1f} fsyncs per item, which keep a worker waiting "
            f"{batch_fsync_ms:.1f} ms per item on this disk (a request is {LATENCY * 1e3:.0f} "
            f"ms); together they make its {fmt_ratio(wall.median / raw_wall.median)} of the "
            "hand-written wall time, on a machine where the client's CPU competes with the "
            "sandbox's. The profile above says where: `speak()` of a one-segment item streams "
            "the answer straight into one atomic file (no segment cache, no join copy) whose "
            "fsync and folder fsync are the item's only two, and the runner trusts that file; "
            "what is left is the client's own per-request CPU (building and checking the "
            "request, the capped body reading, the atomic file), spread thin, and 16 threads "
            "taking turns at one interpreter lock."
        )
    if not limited_ok:
        findings.append(
            f"**429 run incomplete**: {limited['done']} done, {limited['failed']} failed; "
            f"first errors: {limited['first_errors']}."
        )
    if not (manifest_ok and never_repeated and kills_ok):
        findings.append(f"**Crash check failed**: {json.dumps(check)}; kills {killed['kills']}.")

    body = "\n\n".join(
        [
            f'Reproduce: {ctx.reproduce(NAME)}. Input: JSON Lines of short items (`{{"id": '
            f'"line-000042", "text": "{item_text(42)}"}}`), defaults voice {VOICE_ID}, '
            f"`{LANGUAGE}`, WAV at {SAMPLE_RATE // 1000} kHz (about 2 s, 66 KB per file). "
            f"Each run is a fresh child process writing into a fresh folder; the sandbox runs "
            f"in its own process and adds {LATENCY * 1e3:.0f} ms to every request. "
            f"Ideal: ceil({n:,} / {CONCURRENCY}) x {LATENCY * 1e3:.0f} ms = "
            f"{fmt_seconds(ideal)}. Batch and hand-written runs interleaved, median "
            f"(min\u2013max) of {data['reps']} each; CPU is the process's own "
            "(`time.process_time`), the sandbox's from `/proc/PID/stat` over the same run; "
            "*share of 2 cores*: both processes' CPU over the wall time of every core (other work "
            "shares the machine); fsyncs per item with their wall time per item (in brackets, "
            "summed over worker threads: a worker waits that long for the disk).",
            md_table(
                [
                    "variant",
                    "wall time",
                    "x ideal",
                    "client CPU / item",
                    "sandbox CPU / item",
                    "share of 2 cores",
                    "fsyncs / item",
                    "peak RSS",
                ],
                speed_table,
            ),
            f"Where the batch process's CPU goes: a run of {profiled:,} items with every "
            "thread under cProfile timed by its own CPU clock (the profiler inflates the "
            "figures; read them as shares): the CPU of each part with all it calls, summed "
            "over threads (indented parts are inside the one above); fsync wrapped and counted: "
            f"{fsync_per_item:.1f} calls per item, {fsync_wall * 1e3:.2f} ms of wall time per "
            f"item, over {profile['profiled_threads']} threads.",
            md_table(["part", "CPU per item", "share of all"], profile_table),
            f"429s: the sandbox answered {RATE_429:.0%} of requests 429 with `Retry-After: "
            f"{RETRY_AFTER:g}` (its answers by status: "
            + ", ".join(f"{k}: {v:,}" for k, v in answers_429.items())
            + f"). The run sent "
            f"{limited['requests']:,} requests of which {limited['rate_limited']:,} were "
            f"rate-limited, and ended with {limited['done']:,} done and {limited['failed']} "
            f"failed in {fmt_seconds(limited['wall'])} ({fmt_ratio(limited['wall'] / wall.median)}"
            " of the run without 429s: the limit halves on each window of 429s and climbs "
            "back one at a time).",
            f"Crashes: {kill_n:,} items; the batch was killed with SIGKILL {killed['kills']} "
            "times at random moments of its progress ("
            + ", ".join(f"{m:.2f} s" for m in killed["kill_moments"])
            + " after its start, process start-up included; each once the sandbox had been "
            "sent a random number of further requests), resumed each time, then run to the "
            f"end. Manifest: {check['rows']:,} rows, {check['unique']:,} distinct ids, "
            + ("the input's ids" if check["same_ids"] else "**not the input's ids**")
            + ", "
            + ("every one done" if check["all_done"] else "**not all done**")
            + f"; files that did not decode (soundfile): {check['undecodable']}; files whose "
            f"length differs from the manifest's duration: {check['wrong_length']}. The "
            "sandbox's answers to `create_tts_stream` over these runs, by status: "
            + ", ".join(f"{k}: {v:,}" for k, v in data["killed_answers"].items())
            + " (a 500 is a request whose client was killed before the sandbox read its body: "
            f"nothing was spoken or paid); {ok_answers:,} audio answers for {kill_n:,} items, "
            f"and the summary counts {redone} redone after a crash (in flight when killed), so "
            + (
                "no done item was requested again"
                if never_repeated
                else "**some done items were requested again**"
            )
            + f". Items tried more than once: {check['retried_items']}. Left in the output "
            f"folder after the last run: {check['stray_part_files']} partial files of killed "
            "runs"
            + (
                " (e.g. " + ", ".join(f"`{name}`" for name in check["stray_examples"]) + ")"
                if check["stray_examples"]
                else ""
            )
            + ", and "
            + (
                f"a `.camb-segments` folder with {check['segment_cache_files']} files"
                if check["segment_cache_left"]
                else "no `.camb-segments` folder"
            )
            + ".",
            f"Memory: peak RSS of the batch process (`VmHWM`, whole process) was "
            f"{small_rss.fmt(fmt_mib)} for {n:,} items and {fmt_mib(big['peak_rss_mib'])} for "
            f"{sizes['big']:,} ({fmt_ratio(flat)}); the {sizes['big']:,} items ({big['done']:,} "
            f"done, {big['failed']} failed) took "
            f"{fmt_seconds(big['wall'])} ({fmt_ratio(big['wall'] / big_ideal)} of their ideal).",
            phase_text,
            *(
                [
                    md_table(
                        ["phase", f"{small_n:,} items", f"{big_n:,} items", "per extra item"],
                        phase_rows,
                    )
                ]
                if phase_rows
                else []
            ),
            *findings,
        ]
    )
    return Section(NAME, TITLE, body, rows)
