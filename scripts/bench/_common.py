"""Shared helpers of the benchmarks: timing and statistics, the sandbox in its own process,
child processes that report JSON, and the pieces of the report.

Everything a benchmark measures runs against the offline sandbox (`camb.sandbox`) or an
in-process `httpx.MockTransport`; nothing leaves the loopback interface.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PYTHON = sys.executable
RESULT_MARKER = "BENCH-RESULT "
# The text of every task the benchmarks create (the sandbox accepts any text).
TASK_TEXT = "Benchmark task."
VOICE_ID = 147320

for _path in (str(REPO), str(HERE)):
    if _path not in sys.path:
        sys.path.insert(0, _path)


# --- the run's settings ----------------------------------------------------------------------


@dataclass
class Context:
    """What every benchmark is given: whether this is a smoke run, and where plots go."""

    smoke: bool
    img_dir: Path
    # The command that reproduces a section: `run.py --only NAME` is appended to it.
    command: str = ".venv/bin/python scripts/bench/run.py"

    def reps(self, full: int, smoke: int = 1) -> int:
        return smoke if self.smoke else full

    def reproduce(self, name: str) -> str:
        return f"`{self.command} --only {name}`"


# --- statistics ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """Median, minimum and maximum of repeated measurements."""

    median: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        if not values:
            raise ValueError("no measurements")
        return cls(statistics.median(values), min(values), max(values), len(values))

    def fmt(self, unit: Callable[[float], str]) -> str:
        """`median (min-max)` with each number shown by `unit`."""
        if self.n == 1:
            return unit(self.median)
        return f"{unit(self.median)} ({unit(self.low)}\u2013{unit(self.high)})"


def fmt_seconds(value: float) -> str:
    if value >= 100:
        return f"{value:.0f} s"
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.1f} ms"
    return f"{value * 1e6:.1f} µs"


def fmt_ms(value: float) -> str:
    return f"{value * 1e3:.2f} ms"


def fmt_us(value: float) -> str:
    return f"{value * 1e6:.1f} µs"


def fmt_mib(value: float) -> str:
    return f"{value:.1f} MiB"


def fmt_rate(value: float) -> str:
    return f"{value:.0f} MiB/s"


def fmt_ratio(value: float) -> str:
    return f"{value:.2f}x"


def interleaved(variants: dict[str, Callable[[], float]], reps: int) -> dict[str, list[float]]:
    """Run every variant `reps` times, round-robin and rotating which goes first, so that the
    machine's noise falls on all of them alike. Each callable returns its own measurement."""
    names = list(variants)
    out: dict[str, list[float]] = {name: [] for name in names}
    for rep in range(reps):
        shift = rep % len(names)
        for name in names[shift:] + names[:shift]:
            out[name].append(variants[name]())
    return out


# --- the summary and the report --------------------------------------------------------------


@dataclass
class Row:
    """One line of the summary table: a measurement of the client against a baseline."""

    benchmark: str
    measure: str
    client: str
    baseline: str
    ratio: str
    target: str
    met: bool | None  # None: reported, no target

    @property
    def verdict(self) -> str:
        return {True: "met", False: "**missed**", None: "—"}[self.met]


@dataclass
class Section:
    """A benchmark's part of the report."""

    name: str
    title: str
    body: str
    rows: list[Row] = field(default_factory=list)
    plots: list[Path] = field(default_factory=list)
    seconds: float = 0.0


def md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table for the terminal."""
    cells = [list(header), *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def machine() -> dict[str, str]:
    cpu = platform.processor() or "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "os": f"{platform.system()} {platform.release()}",
        "httpx": httpx.__version__,
    }


# --- child processes -------------------------------------------------------------------------


def run_child(module: str, func: str, timeout: float = 600.0, **kwargs: Any) -> dict[str, Any]:
    """Call `func(**kwargs)` of `scripts/bench/<module>.py` in a fresh Python process and
    return the JSON it answers. Used where memory is measured, so each measurement starts
    from a clean process."""
    proc = subprocess.run(
        [PYTHON, str(HERE / "_child.py"), module, func, json.dumps(kwargs)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        check=False,
    )
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_MARKER):
            result: dict[str, Any] = json.loads(line[len(RESULT_MARKER) :])
            return result
    raise RuntimeError(
        f"child {module}.{func} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}"
    )


def child_report(result: dict[str, Any]) -> None:
    """What a child calls last: its answer, on one marked line of stdout."""
    print(RESULT_MARKER + json.dumps(result), flush=True)


# --- the sandbox, in its own process ---------------------------------------------------------

_SANDBOX_MAIN = """
import json, sys
from camb.sandbox import SandboxConfig, serve

config = SandboxConfig(**json.loads(sys.argv[1]))

def ready(sandbox):
    info = {"url": sandbox.url, "files_url": sandbox.files_url, "api_key": sandbox.api_key}
    print(json.dumps(info), flush=True)

serve(config, host="127.0.0.1", port=0, ready=ready)
"""


@dataclass
class SandboxProcess:
    """A sandbox started by `sandbox()`: the agreed `Sandbox` surface (url, files_url, api_key,
    stats(), reset_stats()) over HTTP, plus the API port for counting connections."""

    url: str
    files_url: str
    api_key: str
    pid: int
    _http: httpx.Client

    @property
    def port(self) -> int:
        return httpx.URL(self.url).port or 80

    @property
    def headers(self) -> dict[str, str]:
        return {"x-api-key": self.api_key}

    def stats(self) -> dict[str, Any]:
        answer: dict[str, Any] = self._http.get(self.url + "/_sandbox/stats").json()
        return answer

    def reset_stats(self) -> None:
        self._http.post(self.url + "/_sandbox/reset-stats").raise_for_status()


@contextlib.contextmanager
def sandbox(**overrides: Any) -> Iterator[SandboxProcess]:
    """Run a sandbox (`camb.sandbox.serve`) in a separate process for the `with` block.

    A process of its own, not `camb.sandbox.running()` in a thread: the server then does not
    share the client's interpreter lock, and both have a core each, as with a real server.
    """
    with tempfile.TemporaryFile("w+") as errors:
        proc = subprocess.Popen(
            [PYTHON, "-c", _SANDBOX_MAIN, json.dumps(overrides)],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            cwd=REPO,
        )
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if not line:
                proc.wait(10)
                errors.seek(0)
                raise RuntimeError(f"the sandbox did not start:\n{errors.read()[-4000:]}")
            info = json.loads(line)
            with httpx.Client(timeout=30) as http:
                yield SandboxProcess(
                    url=info["url"],
                    files_url=info["files_url"],
                    api_key=info["api_key"],
                    pid=proc.pid,
                    _http=http,
                )
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def api_requests(stats: dict[str, Any], operation: str) -> dict[str, int]:
    """Answers by status code of one operation, from `stats()`."""
    return {str(k): int(v) for k, v in stats["by_operation"].get(operation, {}).items()}


def create_tasks(
    url: str, api_key: str, texts: Sequence[str], concurrency: int = 32
) -> list[dict[str, Any]]:
    """Create one task per text (raw httpx, `concurrency` threads): for each, its task id and
    when the answer came back (`time.monotonic()`, which is the sandbox's clock too).

    Threads and a sync client rather than asyncio: httpx's async stack costs several times
    the CPU per request, and set-up should not eat the time budget."""
    headers = {"x-api-key": api_key}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    with httpx.Client(timeout=60, limits=limits) as http:

        def one(text: str) -> dict[str, Any]:
            sent = time.monotonic()
            response = http.post(
                url + "/tts",
                json={"text": text, "voice_id": VOICE_ID, "language": 1},
                headers=headers,
            )
            response.raise_for_status()
            received = time.monotonic()
            return {"task_id": response.json()["task_id"], "sent": sent, "received": received}

        with ThreadPoolExecutor(concurrency) as pool:
            return list(pool.map(one, texts))


def finished_run_ids(
    url: str, api_key: str, task_ids: Sequence[str], concurrency: int = 32
) -> list[int]:
    """The run ids of tasks, read from their status once they have finished (raw httpx)."""
    headers = {"x-api-key": api_key}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    with httpx.Client(timeout=60, limits=limits) as http:

        def one(task_id: str) -> int:
            while True:
                body = http.get(f"{url}/tts/{task_id}", headers=headers).json()
                if body["status"] == "SUCCESS":
                    return int(body["run_id"])
                time.sleep(0.05)

        with ThreadPoolExecutor(concurrency) as pool:
            return list(pool.map(one, task_ids))


# --- connections -----------------------------------------------------------------------------


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
    return inodes


def established_to_port(port: int, pid: int | None = None) -> int:
    """Established TCP connections on loopback to a server's `port`.

    Without `pid`: the server's ends (local port `port`), i.e. every connection it has open.
    With `pid`: the client ends (remote port `port`) held by that process, so that other
    clients of the same server (and connections it is still closing) are left out.
    """
    want = f":{port:04X}"
    inodes = _socket_inodes(pid) if pid is not None else set()
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f, None)
                for line in f:
                    parts = line.split()
                    if len(parts) < 10 or parts[3] != "01":
                        continue
                    if pid is None:
                        count += parts[1].endswith(want)
                    else:
                        count += parts[2].endswith(want) and parts[9] in inodes
        except OSError:
            continue
    return count


class ConnectionSampler:
    """Samples `established_to_port` in a thread; `peak` is the most seen at once."""

    def __init__(self, port: int, pid: int | None = None, every: float = 0.01) -> None:
        self.port = port
        self.pid = pid
        self.every = every
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, established_to_port(self.port, self.pid))
            self.samples += 1
            self._stop.wait(self.every)

    def __enter__(self) -> ConnectionSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class ServerConnectionSampler:
    """Samples the sandbox's own count of open API connections (`open_connections` in its
    stats) in a thread. The sampler's connection and `exclude` others known to be open (the
    caller's own stats connection) are left out of `peak`."""

    def __init__(self, sb: SandboxProcess, exclude: int = 0, every: float = 0.02) -> None:
        self.url = sb.url + "/_sandbox/stats"
        self.exclude = exclude
        self.every = every
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=10) as http:
            while not self._stop.is_set():
                answer = http.get(self.url).json()
                open_now = int(answer["open_connections"]["api"]) - 1 - self.exclude
                self.peak = max(self.peak, open_now)
                self.samples += 1
                self._stop.wait(self.every)

    def __enter__(self) -> ServerConnectionSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
