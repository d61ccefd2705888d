"""The batch loop over a fake synthesiser: outcomes, rate limits, failures, kill -9 + resume."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import threading
import time
import wave
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

import camb
from camb.batch._aimd import AimdLimiter
from camb.batch._input import BatchItem
from camb.batch._manifest import MANIFEST_FILE
from camb.batch._runner import ItemResult, Progress, describe_error, retry_after_of, run_batch
from camb.batch._state import Counts, StateStore, state_file_name

from . import crash_child
from .fake_synth import FakeSynth, frames_for, random_latency, rate_limit_error

HERE = Path(__file__).parent


def start_child(
    source: Path, out: Path, log: Path, seed: int
) -> multiprocessing.process.BaseProcess:
    """A run in a child process: forked from a fork server where the OS has one (milliseconds
    instead of an interpreter start; never `fork` itself, which copies the test process's
    threads' locks held and can leave the child deadlocked), else started fresh."""
    methods = multiprocessing.get_all_start_methods()
    method = "forkserver" if "forkserver" in methods else "spawn"
    context = multiprocessing.get_context(method)
    child = context.Process(
        target=crash_child.main, args=([str(source), str(out), str(log), str(seed)],)
    )
    child.start()
    return child


def make_items(n: int) -> list[BatchItem]:
    return [BatchItem(f"item-{k:04d}", f"Sentence number {k}.", 1, "en-us") for k in range(n)]


def open_store(out: Path) -> StateStore:
    return StateStore.open(out / state_file_name())


def response_error(cls: type[camb.APIStatusError], status: int) -> camb.APIStatusError:
    request = httpx.Request("POST", "http://127.0.0.1/tts-stream")
    return cls(f"{status} error", response=httpx.Response(status, request=request), body=None)


def test_every_item_is_written_and_recorded(tmp_path: Path) -> None:
    items = make_items(60)
    synth = FakeSynth(latency=random_latency(1, 0.0, 0.005))
    progress: list[Progress] = []
    with open_store(tmp_path) as state:
        result = run_batch(items, state, synth, concurrency=6, on_progress=progress.append)
        rows = state.rows()
    assert result.summary.complete
    assert result.summary.counts == Counts(done=60)
    assert (result.requests, result.rate_limited, result.aborted) == (60, 0, None)
    assert sorted(synth.calls) == [i.id for i in items]
    assert synth.max_concurrent <= 6
    for item, row in zip(items, rows, strict=True):
        with wave.open(str(tmp_path / row.file)) as audio:  # type: ignore[operator]
            assert audio.getnframes() == frames_for(item)
        assert row.bytes == (tmp_path / item.file_name).stat().st_size
        assert row.credits == len(item.text) / 10
    assert not list(tmp_path.glob(".*.part"))
    assert [p.done for p in progress] == sorted(p.done for p in progress)
    assert progress[-1].done == 60
    assert progress[-1].total == 60


def test_a_second_run_sends_nothing(tmp_path: Path) -> None:
    items = make_items(10)
    with open_store(tmp_path) as state:
        run_batch(items, state, FakeSynth())
    again = FakeSynth()
    with open_store(tmp_path) as state:
        result = run_batch(items, state, again)
    assert again.calls == []
    assert result.sync.unchanged_done == 10
    assert result.summary.complete


def test_rate_limits_are_retried_without_counting_attempts(tmp_path: Path) -> None:
    generator = random.Random(7)
    lock = threading.Lock()

    def decide(item: BatchItem, number: int) -> BaseException | None:
        with lock:
            return rate_limit_error("0.002") if generator.random() < 0.3 else None

    synth = FakeSynth(latency=random_latency(2, 0.0, 0.003), decide=decide)
    limiter = AimdLimiter(8)
    with open_store(tmp_path) as state:
        result = run_batch(
            make_items(120), state, synth, concurrency=8, max_attempts=1, limiter=limiter
        )
        rows = state.rows()
    assert result.summary.counts == Counts(done=120)
    assert result.rate_limited > 10
    assert result.requests == 120 + result.rate_limited
    assert limiter.decreases >= 1
    assert {row.attempts for row in rows} == {1}


def test_retry_after_is_read_from_the_attribute_or_the_header() -> None:
    error = rate_limit_error("3")
    assert retry_after_of(error) == 3.0
    error.retry_after = 1.5  # type: ignore[attr-defined]
    assert retry_after_of(error) == 1.5
    assert retry_after_of(rate_limit_error(None)) is None
    assert retry_after_of(ValueError()) is None


def test_a_429_pause_holds_back_new_requests(tmp_path: Path) -> None:
    starts: list[float] = []

    def decide(item: BatchItem, number: int) -> BaseException | None:
        starts.append(time.monotonic())
        return rate_limit_error("0.3") if item.id == "item-0000" and number == 1 else None

    with open_store(tmp_path) as state:
        run_batch(make_items(3), state, FakeSynth(decide=decide), concurrency=1)
    assert starts[1] - starts[0] >= 0.29


def test_failures_retry_then_fail_with_the_error(tmp_path: Path) -> None:
    def decide(item: BatchItem, number: int) -> BaseException | None:
        if item.id == "item-0001":
            return response_error(camb.ServerError, 503)
        if item.id == "item-0002" and number == 1:
            return camb.APIConnectionError("connection reset")
        if item.id == "item-0003":
            return response_error(camb.ValidationError, 422)
        if item.id == "item-0004":
            return RuntimeError("a bug\nin two lines")
        return None

    synth = FakeSynth(decide=decide)
    with open_store(tmp_path) as state:
        result = run_batch(make_items(6), state, synth, max_attempts=3)
        rows = {row.id: row for row in state.rows()}
    calls = Counter(synth.calls)
    assert (calls["item-0001"], calls["item-0002"], calls["item-0003"], calls["item-0004"]) == (
        3,
        2,
        1,
        3,
    )
    assert (rows["item-0001"].state, rows["item-0001"].attempts) == ("failed", 3)
    assert rows["item-0001"].error == "ServerError: 503 error"
    assert (rows["item-0002"].state, rows["item-0002"].attempts) == ("done", 2)
    assert (rows["item-0003"].state, rows["item-0003"].attempts) == ("failed", 1)
    assert rows["item-0004"].error == "RuntimeError: a bug in two lines"
    assert result.summary.counts == Counts(done=3, failed=3)
    assert [i for i, _ in result.summary.first_errors] == ["item-0001", "item-0003", "item-0004"]
    assert not list(tmp_path.glob(".*.part"))


def test_an_authentication_error_stops_the_run(tmp_path: Path) -> None:
    def decide(item: BatchItem, number: int) -> BaseException | None:
        return response_error(camb.AuthenticationError, 401) if item.id == "item-0002" else None

    synth = FakeSynth(decide=decide)
    with open_store(tmp_path) as state:
        result = run_batch(make_items(20), state, synth, concurrency=1)
    assert isinstance(result.aborted, camb.AuthenticationError)
    assert result.summary.counts == Counts(done=2, pending=18)
    assert len(synth.calls) == 3


def test_a_synthesiser_that_writes_nothing_fails_the_item(tmp_path: Path) -> None:
    def silent(item: BatchItem, path: Path) -> ItemResult:
        return ItemResult()

    def wrong(item: BatchItem, path: Path) -> ItemResult:
        path.write_bytes(b"x")
        return None  # type: ignore[return-value]

    with open_store(tmp_path) as state:
        result = run_batch(make_items(2), state, silent, max_attempts=1)
        assert "wrote no file" in result.summary.first_errors[0][1]
        result = run_batch(make_items(2), state, wrong, max_attempts=1)
        assert "not ItemResult" in result.summary.first_errors[0][1]
    assert not list(tmp_path.glob(".*.part"))


def test_describe_error_is_one_line() -> None:
    assert describe_error(ValueError("a\n  b")) == "ValueError: a b"
    assert describe_error(KeyError()) == "KeyError"


def test_the_run_reaches_its_concurrency(tmp_path: Path) -> None:
    # How close the wall time comes to the ideal is measured by `make bench`; here only that
    # the runner really keeps `concurrency` items in flight, and never more.
    items, concurrency = make_items(160), 16
    synth = FakeSynth(latency=lambda: 0.02)
    with open_store(tmp_path) as state:
        result = run_batch(items, state, synth, concurrency=concurrency)
    assert result.summary.complete
    assert synth.max_concurrent == concurrency


def test_killed_runs_resume_without_paying_twice_for_done_items(tmp_path: Path) -> None:
    """SIGKILL a run 6 times at random moments, resume each time, then check the books."""
    out, log, source = tmp_path / "out", tmp_path / "requests.log", tmp_path / "in.jsonl"
    # Enough items that a run slowed down by a loaded machine (which overshoots its kill
    # point) still has work left at every kill.
    items = make_items(400)
    source.write_text(
        "\n".join(
            json.dumps({"id": i.id, "text": i.text, "voice_id": 1, "language": "en-us"})
            for i in items
        )
    )
    generator = random.Random(1234)
    snapshots: list[tuple[int, set[str]]] = []  # (log size at the kill, ids done then)
    kills = 0
    for attempt in range(20):
        lines_before = log.read_text().count("\n") if log.exists() else 0
        target = lines_before + generator.randint(10, 40)
        child = start_child(source, out, log, attempt)
        deadline = time.monotonic() + 120
        while child.is_alive() and (not log.exists() or log.read_text().count("\n") < target):
            assert time.monotonic() < deadline, f"run {attempt} sent nothing for 120 s"
            time.sleep(0.002)
        time.sleep(generator.uniform(0, 0.01))
        if not child.is_alive():
            break  # it finished before the kill: the books are checked below
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        assert child.exitcode == -signal.SIGKILL
        kills += 1
        with StateStore.open_readonly(out / state_file_name()) as reader:
            done_now = {row.id for row in reader.rows() if row.state == "done"}
        snapshots.append((log.stat().st_size, done_now))
        if kills == 6:
            break
    assert kills >= 5
    final = subprocess.run(
        [sys.executable, str(HERE / "crash_child.py"), str(source), str(out), str(log), "99"],
        check=False,
    )
    assert final.returncode == 0

    manifest = [json.loads(line) for line in (out / MANIFEST_FILE).read_text().splitlines()]
    assert [row["id"] for row in manifest] == [i.id for i in items]
    assert {row["state"] for row in manifest} == {"done"}
    for item, row in zip(items, manifest, strict=True):
        with wave.open(str(out / row["file"])) as audio:
            assert audio.getnframes() == frames_for(item)

    text = log.read_bytes()
    for size, done_then in snapshots:
        later = [line.split()[1] for line in text[size:].decode().splitlines()]
        assert not done_then & set(later), "a done item was requested again"
    sent = Counter(
        line.split()[1] for line in text.decode().splitlines() if line.startswith("start")
    )
    assert set(sent) == {i.id for i in items}
    redos = {row["id"]: row["redone_after_crash"] for row in manifest}
    assert all(sent[i] <= 1 + redos[i] for i in sent), "paid twice without a crash to explain it"
    assert sum(count - 1 for count in sent.values()) <= sum(redos.values()) <= kills * 8


def test_ctrl_c_waits_for_requests_under_way_and_records_them(tmp_path: Path) -> None:
    calls = 0

    def interrupt(progress: Progress) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt

    synth = FakeSynth(latency=lambda: 0.01)
    with open_store(tmp_path) as state:
        with pytest.raises(KeyboardInterrupt):
            run_batch(make_items(40), state, synth, concurrency=4, on_progress=interrupt)
        counts = state.counts()
    assert counts.in_flight == 0
    assert counts.done == len(synth.calls)
    assert 2 <= counts.done < 40


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="POSIX interval timers")
# A signal handler that raises while Python runs a gc callback (hypothesis installs one) has
# its exception reported as unraisable and dropped: that trial then simply runs to its end.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
# The test's own interrupts are SIGALRM: the hang guard watches from a thread instead.
@pytest.mark.timeout(420, method="thread")
def test_a_keyboard_interrupt_at_any_moment_leaves_nothing_in_flight(tmp_path: Path) -> None:
    """Issue 22.1: a program's own SIGINT handler raises KeyboardInterrupt wherever the runner
    is (between recording items in flight and sending them, between taking a finished request
    off the queue and recording it): the run still ends at once, with every finished request
    recorded done and every item never sent pending."""
    generator = random.Random(22)

    def raise_interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, raise_interrupt)
    try:
        for trial in range(40):
            synth = FakeSynth(latency=lambda: 0.0005)
            out = tmp_path / f"out-{trial}"
            with open_store(out) as state:
                signal.setitimer(signal.ITIMER_REAL, generator.uniform(0.005, 0.05))
                try:
                    run_batch(make_items(400), state, synth, concurrency=8)
                except KeyboardInterrupt:
                    pass
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                counts = state.counts()
                done = {row.file for row in state.rows() if row.state == "done"}
            assert counts.in_flight == 0, trial
            assert done == {p.name for p in out.iterdir() if p.suffix == ".wav"}, trial
    finally:
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.timeout(120, method="thread")  # a run that hangs fails here, not after 7 minutes
def test_an_interrupt_just_after_the_callers_thread_took_a_lock_cannot_hang_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A signal handler's KeyboardInterrupt can fall on the caller's thread just after a
    Python-level lock was taken (inside `Condition.__enter__`), leaving that lock held. When the
    caller's thread submitted to the thread pool itself, that lock was the pool's semaphore:
    every worker then blocked on it and the run never ended. Here that interrupt falls on the
    first such lock the caller's thread takes once requests are under way."""
    synth = FakeSynth(latency=lambda: 0.002)
    # By ident: `current_thread()` in a thread not yet registered would register a dummy.
    caller = threading.get_ident()
    original = threading.Condition.__enter__
    fired: list[str] = []

    def enter(self: threading.Condition) -> bool:
        taken = original(self)
        if threading.get_ident() == caller and len(synth.calls) >= 5 and not fired:
            fired.append("interrupt")
            raise KeyboardInterrupt  # as a signal handler would, with the lock still held
        return taken

    monkeypatch.setattr(threading.Condition, "__enter__", enter)
    with open_store(tmp_path) as state:
        try:
            result = run_batch(make_items(200), state, synth, concurrency=8)
        except KeyboardInterrupt:
            assert fired
        else:
            assert result.summary.counts.done == 200
        monkeypatch.undo()
        counts = state.counts()
        done = {row.file for row in state.rows() if row.state == "done"}
    assert counts.in_flight == 0
    assert done == {p.name for p in tmp_path.iterdir() if p.suffix == ".wav"}


def test_an_interrupt_while_the_runs_thread_starts_sends_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interrupt inside `Thread.start` (it waits for the new thread to say it runs) reaches
    the caller before the run began: run_batch raises it, and the thread, once it runs, sends
    nothing, rather than the whole batch going on behind the caller's back."""
    synth = FakeSynth(latency=lambda: 0.001)
    caller = threading.get_ident()
    original = threading.Event.wait

    def wait(self: threading.Event, timeout: float | None = None) -> bool:
        if threading.get_ident() == caller:
            raise KeyboardInterrupt  # as a signal handler would, while the thread starts
        return original(self, timeout)

    with open_store(tmp_path) as state:
        monkeypatch.setattr(threading.Event, "wait", wait)
        with pytest.raises(KeyboardInterrupt):
            run_batch(make_items(20), state, synth, concurrency=4)
        monkeypatch.undo()
        # The thread's own start may not be recorded yet (`join` would refuse it): poll.
        deadline = time.monotonic() + 30
        while any(t.name == "camb-batch-run" for t in threading.enumerate()):
            assert time.monotonic() < deadline, "the run's thread never ended"
            time.sleep(0.01)
        assert synth.calls == []
        assert state.counts().in_flight == 0
    assert not list(tmp_path.glob("*.wav"))


class _InterruptingLimiter(AimdLimiter):
    """Ctrl-C arriving just after items were recorded in flight, before one is sent."""

    def __init__(self, concurrency: int, at: int) -> None:
        super().__init__(concurrency)
        self.calls = 0
        self.at = at

    def start(self) -> Any:
        self.calls += 1
        if self.calls == self.at:
            raise KeyboardInterrupt
        return super().start()


@pytest.mark.parametrize("where", ["before a send", "while recording"])
def test_ctrl_c_between_two_steps_of_the_bookkeeping_leaves_nothing_in_flight(
    where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 22.1: the two moments where an interruption used to leave items recorded in
    flight (paid again by the next run) or the runner waiting for requests already ended."""
    synth = FakeSynth(latency=lambda: 0.001)
    limiter = AimdLimiter(4)
    if where == "before a send":
        limiter = _InterruptingLimiter(4, at=10)
    else:
        original = StateStore.mark_done
        calls = [0]

        def mark_done(self: StateStore, item_id: str, **kwargs: Any) -> None:
            calls[0] += 1
            if calls[0] == 6:
                raise KeyboardInterrupt
            original(self, item_id, **kwargs)

        monkeypatch.setattr(StateStore, "mark_done", mark_done)
    with open_store(tmp_path) as state:
        with pytest.raises(KeyboardInterrupt):
            run_batch(make_items(40), state, synth, concurrency=4, limiter=limiter)
        counts = state.counts()
        done = {row.file for row in state.rows() if row.state == "done"}
    assert counts.in_flight == 0
    assert done == {p.name for p in tmp_path.iterdir() if p.suffix == ".wav"}
    assert counts.done == len(synth.calls)
