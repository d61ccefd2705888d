"""`make demo`: the whole text-to-speech flow through the `camb` command line, offline.

Starts the sandbox API (`camb sandbox --port 0`) as a child process, then runs the command
line against it like a user would in a shell:

    camb voices
    camb speak "..." -o demo-output/hello.wav
    camb speak -f demo-output/chapter.txt -o demo-output/chapter.mp3      (a long text)
    camb create TEXT x12 --voice-id N --language 1 | camb wait | camb results --download DIR
    camb batch demo-output/lines.csv --out demo-output/batch   (killed half-way, then resumed)

and prints every file with its size and audio duration, and the requests the sandbox saw
(the 12 run ids' URLs take 3 bulk requests, no request is refused with a 422, and the resumed
batch asks only for what the killed run had not finished). The sandbox is stopped at the end,
also when a step fails. Exits non-zero if any step fails.

    python scripts/demo.py [--output-dir demo-output]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import queue
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import soundfile

TASK_COUNT = 12
VOICES_SHOWN = 4  # the voices listed by name; the line after them says how many there are
BULK_MAX_IDS = 5
TASK_DURATION = "1"  # seconds each sandbox task stays PENDING
READY_TIMEOUT = 30.0
STEP_TIMEOUT = 60.0
HELLO_TEXT = "Hello from Camb! This sentence was streamed straight to a file."
# A chapter of a few thousand characters: more than one request's worth (3,000 at most).
CHAPTER = "\n\n".join(
    f"Part {p + 1}. "
    + " ".join(
        f"Sentence {n + 1} of part {p + 1} is spoken in order, like every other one."
        for n in range(14)
    )
    for p in range(5)
)
BATCH_ITEMS = 40
SANDBOX_LATENCY = "0.03"  # seconds per API request: slow enough to stop a batch half-way
TEXTS = [
    f"Sentence number {i + 1} of the demo, {'with a few more words ' * (i % 4)}spoken by a task."
    for i in range(TASK_COUNT)
]


class DemoError(Exception):
    """A step failed; the message says which and why."""


def camb_command() -> list[str]:
    """The `camb` console script next to this Python, else the module itself."""
    script = Path(sys.executable).with_name("camb")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "camb._cli._main"]


def shown(args: Sequence[str], limit: int = 110) -> str:
    text = "camb " + shlex.join(args)
    return text if len(text) <= limit else text[: limit - 5] + " ..."


def say(text: str = "") -> None:
    print(text, flush=True)


# --- the sandbox ----------------------------------------------------------------------------------


class SandboxProcess:
    """`camb sandbox --port 0` in a child process, stopped (and reaped) by `stop()`."""

    def __init__(self, camb: list[str], log: IO[bytes]) -> None:
        self._stderr = log
        self.process = subprocess.Popen(
            [
                *camb,
                "--json",
                "sandbox",
                "--port",
                "0",
                "--task-duration",
                TASK_DURATION,
                "--latency",
                SANDBOX_LATENCY,
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            # Its own process group: a Ctrl-C in the terminal reaches the demo, which then
            # stops the sandbox itself in order.
            start_new_session=True,
        )

    def ready(self) -> dict[str, Any]:
        """The ready line ({"base_url", "files_url", "api_key"}), once the sandbox listens."""
        assert self.process.stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        stdout: IO[str] = self.process.stdout
        threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=READY_TIMEOUT)
        except queue.Empty:
            raise DemoError(f"the sandbox did not start within {READY_TIMEOUT:g}s") from None
        if not line:
            self.process.wait(5)
            raise DemoError(
                f"the sandbox exited with status {self.process.returncode}: {self.stderr()}"
            )
        ready: dict[str, Any] = json.loads(line)
        return ready

    def stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace").strip()

    def stop(self) -> int | None:
        """SIGINT (a clean shutdown), then SIGTERM, then SIGKILL; always reaps the child."""
        process = self.process
        try:
            for signum, grace in (
                (signal.SIGINT, 10.0),
                (signal.SIGTERM, 5.0),
                (signal.SIGKILL, 5.0),
            ):
                if process.poll() is not None:
                    break
                process.send_signal(signum)
                try:
                    process.wait(grace)
                except subprocess.TimeoutExpired:
                    continue
        finally:
            if process.stdout is not None:
                process.stdout.close()
        return process.returncode


# --- running the command line ---------------------------------------------------------------------


def run_camb(
    camb: list[str],
    args: list[str],
    env: dict[str, str],
    *,
    stdin: str | None = None,
    show_stderr: bool = False,
) -> str:
    """Run `camb ARGS`; answer its stdout. With `show_stderr` its stderr is this terminal's, so
    progress bars show when the demo runs in a terminal (and stay quiet in a pipe)."""
    try:
        completed = subprocess.run(
            [*camb, *args],
            input=stdin,
            stdout=subprocess.PIPE,
            stderr=None if show_stderr else subprocess.PIPE,
            text=True,
            env=env,
            timeout=STEP_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise DemoError(f"`{shown(args)}` did not finish in {STEP_TIMEOUT:g}s") from None
    if completed.returncode != 0:
        detail = (completed.stderr or "").strip() or "(its error is above)"
        raise DemoError(f"`{shown(args)}` exited with status {completed.returncode}: {detail}")
    return completed.stdout


def voice_count(total: int, listed: int) -> str:
    """ "6 voices, showing 4" (or "3 voices" when all are listed)."""
    noun = "voice" if total == 1 else "voices"
    return f"{total} {noun}" if listed >= total else f"{total} {noun}, showing {listed}"


def step(number: int | str, title: str, command: str) -> float:
    say()
    say(f"[{number}] {title}")
    say(f"    $ {command}")
    return time.perf_counter()


def done(started: float, text: str) -> None:
    say(f"    {text} ({time.perf_counter() - started:.2f}s)")


def fetch_stats(base_url: str) -> dict[str, Any]:
    # Loopback only, never through a proxy from the environment.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{base_url}/_sandbox/stats", timeout=10) as answer:
        stats: dict[str, Any] = json.load(answer)
    return stats


def audio_seconds(path: Path) -> float:
    info = soundfile.info(str(path))
    return float(info.frames) / float(info.samplerate)


# --- the flow -------------------------------------------------------------------------------------


def flow(camb: list[str], base_url: str, api_key: str, out: Path) -> None:
    env = dict(os.environ)
    env.update(CAMB_BASE_URL=base_url, CAMB_API_KEY=api_key)
    env["NO_PROXY"] = ",".join(p for p in (env.get("NO_PROXY"), "127.0.0.1", "localhost") if p)
    tasks_dir = out / "tasks"

    started = step(1, "List the voices", "camb voices")
    voices = json.loads(run_camb(camb, ["--json", "voices"], env))
    if not voices:
        raise DemoError("the sandbox offers no voices")
    listed = voices[:VOICES_SHOWN]
    for voice in listed:
        say(f"      {voice['id']:>8}  {voice['voice_name']}")
    voice_id = int(voices[0]["id"])
    done(
        started,
        f"{voice_count(len(voices), len(listed))}; using {voices[0]['voice_name']} ({voice_id})",
    )

    hello = out / "hello.wav"
    speak_args = ["speak", HELLO_TEXT, "-o", str(hello), "--voice-id", str(voice_id)]
    started = step(2, "Stream a sentence to a file", shown(speak_args))
    spoken = json.loads(run_camb(camb, ["--json", *speak_args], env))
    done(started, f"{spoken['path']}: {spoken['bytes']:,} bytes, {spoken['content_type']}")

    chapter_txt = out / "chapter.txt"
    chapter_txt.write_text(CHAPTER, encoding="utf-8")
    chapter = out / "chapter.mp3"
    long_args = ["speak", "-f", str(chapter_txt), "-o", str(chapter), "--voice-id", str(voice_id)]
    started = step(
        "2b", f"Speak a long text ({len(CHAPTER):,} characters) into one file", shown(long_args)
    )
    long_form = json.loads(run_camb(camb, ["--json", *long_args], env, show_stderr=True))
    seconds = audio_seconds(chapter)
    if long_form["segments"] < 2 or abs(seconds - long_form["duration"]) > 0.5:
        raise DemoError(f"the long text did not make one whole file: {json.dumps(long_form)}")
    done(
        started,
        f"{chapter}: {long_form['segments']} segments joined in order, "
        f"{long_form['bytes']:,} bytes, {seconds:.1f} s of audio",
    )

    create_args = ["create", *TEXTS, "--voice-id", str(voice_id), "--language", "1"]
    started = step(3, f"Create {TASK_COUNT} tasks (the deprecated task flow)", shown(create_args))
    task_ids = run_camb(camb, create_args, env)
    count = len(task_ids.split())
    if count != TASK_COUNT:
        raise DemoError(f"expected {TASK_COUNT} task ids, got {count}")
    done(started, f"{count} task ids")

    started = step(4, "Wait for all of them (task ids on stdin)", "... | camb wait")
    waited = run_camb(camb, ["wait"], env, stdin=task_ids, show_stderr=True)
    run_ids = [line.split()[-1] for line in waited.splitlines() if line.strip()]
    if len(run_ids) != TASK_COUNT:
        raise DemoError(f"expected {TASK_COUNT} run ids, got {len(run_ids)}")
    done(started, f"{len(run_ids)} run ids: {', '.join(run_ids)}")

    results_args = ["results", "--download", str(tasks_dir)]
    started = step(
        5, "Fetch their URLs in bulk and download the files", f"... | {shown(results_args)}"
    )
    fetched = json.loads(
        run_camb(camb, ["--json", *results_args], env, stdin=waited, show_stderr=True)
    )
    files = {run_id: Path(entry["path"]) for run_id, entry in fetched["files"].items()}
    if len(files) != TASK_COUNT or fetched["unavailable"] or fetched["failed"]:
        raise DemoError(f"expected {TASK_COUNT} files, got: {json.dumps(fetched)}")
    done(started, f"{len(files)} files in {tasks_dir}")

    batch_files = batch_flow(camb, env, out, voice_id, base_url)
    summary(hello, files, fetch_stats(base_url))
    say(
        f"    long text: {chapter.name}, {audio_seconds(chapter):.1f} s; batch: "
        f"{len(batch_files)} files in {out / 'batch'}"
    )


def batch_flow(
    camb: list[str], env: dict[str, str], out: Path, voice_id: int, base_url: str
) -> list[Path]:
    """`camb batch` over a CSV, killed with SIGKILL half-way, then resumed by running it again."""
    import camb.batch as batch_jobs

    lines = out / "lines.csv"
    rows = [
        f'line-{i:02d},"Batch line number {i + 1}, spoken into its own file."'
        for i in range(BATCH_ITEMS)
    ]
    lines.write_text("id,text\n" + "\n".join(rows) + "\n", encoding="utf-8")
    folder = out / "batch"
    args = [
        "batch",
        str(lines),
        "--out",
        str(folder),
        "--voice-id",
        str(voice_id),
        "--language",
        "en-us",
        "--concurrency",
        "2",
    ]
    started = step(6, f"Batch {BATCH_ITEMS} lines, kill it half-way (SIGKILL)", shown(args))
    before = fetch_stats(base_url)["by_operation"].get("create_tts_stream", {}).get("200", 0)
    process = subprocess.Popen([*camb, *args], env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + STEP_TIMEOUT
    done_before = 0
    while time.monotonic() < deadline and process.poll() is None:
        try:
            done_before = batch_jobs.status(folder)["counts"]["done"]
        except Exception:  # the state file is not there yet
            done_before = 0
        if done_before >= BATCH_ITEMS // 2:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    counts = batch_jobs.status(folder)["counts"]
    done(
        started,
        f"killed: {counts['done']} done, {counts['in_flight']} in flight, "
        f"{counts['pending']} pending (`camb batch status {folder}`)",
    )
    started = step(7, "Run the same command again: it resumes", shown(args))
    resumed = json.loads(run_camb(camb, ["--json", *args], env, show_stderr=True))
    after = fetch_stats(base_url)["by_operation"].get("create_tts_stream", {}).get("200", 0)
    manifest = [json.loads(line) for line in (folder / "manifest.jsonl").read_text().splitlines()]
    ids = sorted(row["id"] for row in manifest)
    if resumed["done"] != BATCH_ITEMS or ids != sorted({row["id"] for row in manifest}):
        raise DemoError(f"the resumed batch is not complete: {json.dumps(resumed)}")
    if len(ids) != BATCH_ITEMS or any(row["state"] != "done" for row in manifest):
        raise DemoError("the manifest does not list every item once, done")
    paid = after - before
    if paid > BATCH_ITEMS + resumed["redone_after_crash"]:
        raise DemoError(f"{paid} syntheses for {BATCH_ITEMS} items: done items were redone")
    files = [folder / row["file"] for row in manifest]
    for path in files:
        audio_seconds(path)  # every file decodes
    done(
        started,
        f"{resumed['requests']} requests for the {BATCH_ITEMS - counts['done']} unfinished items; "
        f"{paid} syntheses in all for {BATCH_ITEMS} items "
        f"({resumed['redone_after_crash']} in flight at the kill, redone); every file decodes",
    )
    return files


def summary(hello: Path, files: dict[str, Path], stats: dict[str, Any]) -> None:
    say()
    say("Summary")
    paths = [hello, *files.values()]
    width = max(len(str(path)) for path in paths)
    say(f"    {'file':<{width}} {'bytes':>9} {'seconds':>8}")
    total_bytes = 0
    total_seconds = 0.0
    for path in paths:
        size = path.stat().st_size
        seconds = audio_seconds(path)
        say(f"    {path!s:<{width}} {size:>9,} {seconds:>8.2f}")
        if path != hello:
            total_bytes += size
            total_seconds += seconds
    say(
        f"    {len(files)} files from the task flow: {total_bytes:,} bytes, "
        f"{total_seconds:.2f} s of audio (plus {hello.name})"
    )

    by_operation: dict[str, dict[str, int]] = stats.get("by_operation", {})
    say()
    say(f"Requests the sandbox saw: {stats.get('requests', '?')}")
    for operation, statuses in sorted(by_operation.items()):
        counts = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items())) or "none"
        say(f"    {operation:<18} {counts}")
    say(
        f"    file downloads     {stats.get('file_requests', '?')} "
        f"(with an API key: {stats.get('file_requests_with_api_key', '?')})"
    )

    bulk = sum(by_operation.get("get_tts_results", {}).values())
    refused = sum(statuses.get("422", 0) for statuses in by_operation.values())
    expected = math.ceil(len(files) / BULK_MAX_IDS)
    say(
        f"    {len(files)} run ids -> {bulk} bulk requests (POST /tts-results, "
        f"at most {BULK_MAX_IDS} ids each); 422 answers: {refused}"
    )
    if bulk != expected:
        raise DemoError(f"expected {expected} bulk requests for {len(files)} run ids, saw {bulk}")
    if refused:
        raise DemoError(f"the sandbox refused {refused} requests with 422")
    if stats.get("file_requests_with_api_key"):
        raise DemoError("the API key was sent to the file host")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--output-dir",
        default="demo-output",
        type=Path,
        help="where the audio goes (default demo-output)",
    )
    options = parser.parse_args(argv)
    out: Path = options.output_dir
    out.mkdir(parents=True, exist_ok=True)
    camb = camb_command()
    started = time.perf_counter()

    say(
        f"Starting the sandbox: camb sandbox --port 0 --task-duration {TASK_DURATION} "
        f"--latency {SANDBOX_LATENCY}"
    )
    with tempfile.TemporaryFile() as sandbox_log:
        return run_demo(camb, out, sandbox_log, started)


def run_demo(camb: list[str], out: Path, sandbox_log: IO[bytes], started: float) -> int:
    sandbox = SandboxProcess(camb, sandbox_log)
    try:
        ready = sandbox.ready()
        say(
            f"    CAMB_BASE_URL={ready['base_url']} CAMB_API_KEY={ready['api_key']} "
            f"(sandbox pid {sandbox.process.pid})"
        )
        flow(camb, ready["base_url"], ready["api_key"], out)
    except DemoError as error:
        say()
        print(f"demo: FAILED: {error}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("demo: interrupted", file=sys.stderr, flush=True)
        return 130
    finally:
        status = sandbox.stop()
        say()
        say(f"Sandbox stopped (exit status {status}).")
    say(f"Demo finished in {time.perf_counter() - started:.1f}s; the audio is in {out}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
