"""Batch runs under faults (issue 20): cancelled, over the pool, two runs on one folder, a lost
or damaged state, a full disk, reruns of the same request, a folder that is a dangling link."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

import camb
import camb.batch
from camb.batch import _manifest
from camb.batch._state import StateStore
from camb.sandbox import Sandbox, running


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with running(latency=0.002, seed=20) as started:
        yield started


@pytest.fixture(scope="module")
def voice(sandbox: Sandbox) -> int:
    with camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
        return int(client.voices.list()[0].id)


def write_items(path: Path, count: int, **fields: Any) -> Path:
    lines = [
        json.dumps({"id": f"item-{i:03d}", "text": f"Line number {i} of the batch.", **fields})
        for i in range(count)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def sent(sandbox: Sandbox) -> int:
    return int(sandbox.stats()["attempts"]["create_tts_stream"])


def rows(out: Path, state: str = ".camb-batch.sqlite3") -> list[tuple[str, str]]:
    connection = sqlite3.connect(out / state)
    try:
        return connection.execute("SELECT id, state FROM items ORDER BY seq").fetchall()
    finally:
        connection.close()


def audio_files(out: Path) -> set[str]:
    return {p.name for p in out.iterdir() if p.suffix in (".wav", ".mp3")}


class Runner:
    """`camb.batch.run` with one blocking client, counting what each call sent."""

    def __init__(self, sandbox: Sandbox, voice: int, **client_options: Any) -> None:
        self.sandbox = sandbox
        self.defaults = {"voice_id": voice, "language": "en-us"}
        self.client = camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url, **client_options)

    def __call__(self, source: Path, out: Path, **options: Any) -> tuple[Any, int]:
        before = sent(self.sandbox)
        result = camb.batch.run(self.client, source, out=out, defaults=self.defaults, **options)
        return result, sent(self.sandbox) - before

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def run(sandbox: Sandbox, voice: int) -> Iterator[Runner]:
    runner = Runner(sandbox, voice)
    yield runner
    runner.close()


# --- 20.3: cancelling an async batch ------------------------------------------------------------


def test_a_cancelled_async_batch_stops_sending_and_records_what_was_under_way(
    voice: int, tmp_path: Path
) -> None:
    source = write_items(tmp_path / "in.jsonl", 200)
    out = tmp_path / "out"

    progressed = threading.Event()

    def on_progress(step: camb.batch.Progress) -> None:
        if step.done >= 4:
            progressed.set()

    with running(latency=0.1) as slow:

        async def main() -> tuple[int, int]:
            async with camb.AsyncCamb(api_key=slow.api_key, base_url=slow.url) as client:
                run = camb.batch.run(
                    client,
                    source,
                    out=out,
                    defaults={"voice_id": voice, "language": "en-us"},
                    concurrency=4,
                    on_progress=on_progress,
                )
                # What asyncio.wait_for does at its timeout: cancel the task, wait for it.
                task = asyncio.ensure_future(run)
                assert await asyncio.to_thread(progressed.wait, 30)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                at_cancel = sent(slow)
                await asyncio.sleep(0.6)  # the loop runs on: nothing more may be sent
                return at_cancel, sent(slow)

        at_cancel, later = asyncio.run(main())
    assert later == at_cancel
    states = dict(rows(out))
    assert "in_flight" not in states.values()
    done = {item for item, state in states.items() if state == "done"}
    assert 0 < len(done) < 200
    # Every request sent was answered and recorded done: nothing was paid for and lost.
    assert len(done) == at_cancel
    assert audio_files(out) == {f"{item}.wav" for item in done}


# --- 20.6: more items at once than the pool has connections -------------------------------------


def test_items_waiting_for_a_pooled_connection_do_not_fail(voice: int, tmp_path: Path) -> None:
    """A healthy server, 4 connections, 16 items at once, a 0.5 s timeout: an item waits for
    a connection longer than the timeout, and that is no failed attempt."""
    source = write_items(tmp_path / "in.jsonl", 24)
    with running(latency=0.3) as slow, httpx.Client(limits=httpx.Limits(max_connections=4)) as http:
        client = camb.Camb(
            api_key=slow.api_key, base_url=slow.url, timeout=0.5, max_retries=0, http_client=http
        )
        result = camb.batch.run(
            client,
            source,
            out=tmp_path / "out",
            defaults={"voice_id": voice, "language": "en-us"},
            concurrency=16,
            max_attempts=1,
        )
        assert slow.stats()["attempts"]["create_tts_stream"] == 24
    assert result.summary.counts.done == 24, result.summary.first_errors
    assert result.summary.counts.failed == 0


# --- 20.7: two runs, one folder -----------------------------------------------------------------


def test_done_work_is_recognised_across_shard_layouts(run: Runner, tmp_path: Path) -> None:
    source = write_items(tmp_path / "in.jsonl", 30)
    out = tmp_path / "out"
    paid = sum(run(source, out, shard=f"{k}/2")[1] for k in range(2))
    assert paid == 30
    for k in range(3):
        result, paid = run(source, out, shard=f"{k}/3")
        assert paid == 0
        assert result.summary.complete
        assert result.sync.recognised == result.summary.counts.total
    result, paid = run(source, out)
    assert (paid, result.summary.counts.done) == (0, 30)


def test_a_run_in_another_layout_is_refused_while_one_runs(
    sandbox: Sandbox, voice: int, tmp_path: Path
) -> None:
    source = write_items(tmp_path / "in.jsonl", 60)
    out = tmp_path / "out"
    running_now = threading.Event()
    release = threading.Event()
    outcome: list[Any] = []

    def slow_progress(step: camb.batch.Progress) -> None:
        running_now.set()
        release.wait(20)

    def first() -> None:
        with camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
            outcome.append(
                camb.batch.run(
                    client,
                    source,
                    out=out,
                    defaults={"voice_id": voice, "language": "en-us"},
                    on_progress=slow_progress,
                )
            )

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert running_now.wait(20)
        # A client that cannot reach any server: a refusal must come before any request.
        with camb.Camb(api_key=sandbox.api_key, base_url="http://127.0.0.1:9") as nowhere:
            for shard in ("0/1", "0/2", "1/3", None):
                with pytest.raises(camb.batch.BatchLockedError):
                    camb.batch.run(
                        nowhere,
                        source,
                        out=out,
                        shard=shard,
                        defaults={"voice_id": voice, "language": "en-us"},
                    )
    finally:
        release.set()
        thread.join(30)
    assert outcome[0].summary.counts.done == 60


def test_shards_of_one_layout_still_run_side_by_side(
    sandbox: Sandbox, voice: int, tmp_path: Path
) -> None:
    source = write_items(tmp_path / "in.jsonl", 40)
    out = tmp_path / "out"
    release = threading.Event()
    started = threading.Event()
    outcome: list[Any] = []

    def held(step: camb.batch.Progress) -> None:
        started.set()
        release.wait(20)

    def first() -> None:
        runner = Runner(sandbox, voice)
        outcome.append(runner(source, out, shard="0/2", on_progress=held))
        runner.close()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert started.wait(20)
        runner = Runner(sandbox, voice)
        second, _ = runner(source, out, shard="1/2")
        runner.close()
    finally:
        release.set()
        thread.join(30)
    assert second.summary.complete
    assert outcome[0][0].summary.complete


# --- 20.8: a lost, emptied or damaged state -----------------------------------------------------


@pytest.mark.parametrize("how", ["emptied", "deleted"])
def test_a_lost_state_is_rebuilt_from_the_manifest_and_the_files(
    how: str, run: Runner, tmp_path: Path
) -> None:
    source = write_items(tmp_path / "in.jsonl", 12)
    out = tmp_path / "out"
    run(source, out)
    state = out / ".camb-batch.sqlite3"
    for extra in (Path(f"{state}-wal"), Path(f"{state}-shm")):
        extra.unlink(missing_ok=True)
    if how == "emptied":
        state.write_bytes(b"")
    else:
        state.unlink()
    # One file is not what the manifest says (cut short): only that one is made again.
    cut = out / "item-004.wav"
    cut.write_bytes(cut.read_bytes()[:100])
    result, paid = run(source, out)
    assert paid == 1
    assert result.summary.counts.done == 12
    assert result.sync.recognised == 11


def test_a_damaged_state_stops_the_run_with_a_typed_error_that_says_how_to_recover(
    run: Runner, tmp_path: Path
) -> None:
    source = write_items(tmp_path / "in.jsonl", 400)
    out = tmp_path / "out"
    run(source, out, concurrency=16)
    state = out / ".camb-batch.sqlite3"
    with sqlite3.connect(state) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(state.read_bytes())
    assert len(data) > 8192
    data[4096:8192] = os.urandom(4096)  # the second page and on: garbage
    state.write_bytes(bytes(data))
    before = sent(run.sandbox)
    with pytest.raises(camb.batch.BatchStateError, match="move it aside") as caught:
        run(source, out)
    assert not isinstance(caught.value, sqlite3.Error)
    assert sent(run.sandbox) == before
    # Doing what the message says: nothing done is paid for again.
    state.rename(out / "damaged.sqlite3")
    result, paid = run(source, out)
    assert (paid, result.summary.counts.done) == (0, 400)


def test_a_state_with_a_changed_schema_is_a_typed_error(run: Runner, tmp_path: Path) -> None:
    source = write_items(tmp_path / "in.jsonl", 3)
    out = tmp_path / "out"
    run(source, out)
    with sqlite3.connect(out / ".camb-batch.sqlite3") as connection:
        connection.execute("ALTER TABLE items RENAME COLUMN attempts TO tries")
    before = sent(run.sandbox)
    with pytest.raises(camb.batch.BatchStateError, match="move it aside"):
        run(source, out)
    assert sent(run.sandbox) == before


# --- 20.9: a full disk --------------------------------------------------------------------------


def _no_space(*args: object, **kwargs: object) -> Any:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_manifest_that_cannot_be_written_is_a_typed_error_that_keeps_the_outcome(
    run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_items(tmp_path / "in.jsonl", 10)
    out = tmp_path / "out"
    monkeypatch.setattr(_manifest, "tempfile", SimpleNamespace(mkstemp=_no_space))
    with pytest.raises(camb.FileWriteError) as caught:
        run(source, out)
    assert caught.value.result.summary.counts.done == 10  # type: ignore[attr-defined]
    assert "done 10" in str(caught.value)
    monkeypatch.undo()
    result, paid = run(source, out)
    assert (paid, result.summary.counts.done) == (0, 10)
    assert len((out / "manifest.jsonl").read_text().splitlines()) == 10


def test_a_state_that_cannot_be_written_is_a_typed_error_and_the_rerun_is_exact(
    run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills up after 5 items: the state cannot record the next ones, and the
    manifest cannot be written either. The run's own error is what the caller hears; the
    rerun, once there is room, pays only for what was never made: 20 requests in all."""
    source = write_items(tmp_path / "in.jsonl", 20)
    out = tmp_path / "out"
    original = StateStore.mark_done
    calls = [0]

    def filling_up(self: StateStore, item_id: str, **kwargs: Any) -> None:
        calls[0] += 1
        if calls[0] > 5:
            raise sqlite3.OperationalError("database or disk is full")
        original(self, item_id, **kwargs)

    monkeypatch.setattr(StateStore, "mark_done", filling_up)
    monkeypatch.setattr(_manifest, "tempfile", SimpleNamespace(mkstemp=_no_space))
    before = sent(run.sandbox)
    with pytest.raises(camb.FileWriteError) as caught:
        run(source, out, concurrency=2)
    assert isinstance(caught.value, camb.batch.BatchStateError)  # the run's own error
    monkeypatch.undo()
    result, _ = run(source, out)
    assert result.summary.counts.done == 20
    assert sent(run.sandbox) - before == 20
    assert result.summary.redone_after_crash == 0


def test_audio_that_cannot_be_written_stops_the_run_instead_of_paying_for_every_item(
    run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_items(tmp_path / "in.jsonl", 20)
    out = tmp_path / "out"
    from camb import _files

    monkeypatch.setattr(_files, "tempfile", SimpleNamespace(mkstemp=_no_space))
    result, paid = run(source, out, concurrency=1)
    assert isinstance(result.aborted, camb.FileWriteError)
    assert paid <= 1  # the one item under way, if its file is opened after its answer
    assert result.summary.counts.failed == 0
    assert result.summary.counts.pending == 20
    monkeypatch.undo()
    result, paid = run(source, out)
    assert (paid, result.summary.counts.done) == (20, 20)


# --- 20.13: the identity of the request sent; a changed format ----------------------------------


def test_whitespace_that_is_never_sent_pays_for_nothing(run: Runner, tmp_path: Path) -> None:
    source = write_items(tmp_path / "in.jsonl", 5)
    out = tmp_path / "out"
    run(source, out)
    lines = source.read_text().splitlines()
    lines[2] = json.dumps({"id": "item-002", "text": "  Line number 2  of the batch. "})
    source.write_text("\n".join(lines) + "\n")
    result, paid = run(source, out)
    assert (paid, result.summary.counts.done) == (0, 5)


def test_an_item_whose_format_changes_leaves_no_old_file(run: Runner, tmp_path: Path) -> None:
    source = write_items(tmp_path / "in.jsonl", 3)
    out = tmp_path / "out"
    run(source, out)
    assert audio_files(out) == {"item-000.wav", "item-001.wav", "item-002.wav"}
    write_items(source, 3, format="mp3")
    result, paid = run(source, out)
    assert (paid, result.summary.counts.done) == (3, 3)
    assert audio_files(out) == {"item-000.mp3", "item-001.mp3", "item-002.mp3"}


# --- 20.17: the output folder is a link to a folder not made yet -------------------------------


def test_an_output_folder_that_links_to_a_folder_not_made_yet(run: Runner, tmp_path: Path) -> None:
    source = write_items(tmp_path / "in.jsonl", 2)
    link = tmp_path / "out"
    link.symlink_to(tmp_path / "real" / "audio")
    result, _ = run(source, link)
    assert result.summary.counts.done == 2
    assert audio_files(tmp_path / "real" / "audio") == {"item-000.wav", "item-001.wav"}


# --- 20.10: SIGTERM in camb.batch.run -----------------------------------------------------------


_SIGTERM_CHILD = """
import os, signal, sys
import camb, camb.batch

source, out, url, key, voice = sys.argv[1:]
before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
fired = []

def terminate_once(step):
    if not fired and step.done >= 10:
        fired.append(True)
        os.kill(os.getpid(), signal.SIGTERM)

with camb.Camb(api_key=key, base_url=url) as client:
    try:
        camb.batch.run(client, source, out=out, on_progress=terminate_once, concurrency=4,
                       defaults={"voice_id": int(voice), "language": "en-us"})
    except KeyboardInterrupt:
        after = {s: signal.getsignal(s) for s in before}
        print("interrupted", "restored" if after == before else "not restored")
"""


def test_sigterm_stops_a_blocking_run_like_ctrl_c_and_the_handlers_are_put_back(
    sandbox: Sandbox, voice: int, tmp_path: Path
) -> None:
    """In a child process: SIGTERM by default would end it (and this test run) outright."""
    source = write_items(tmp_path / "in.jsonl", 300)
    out = tmp_path / "out"
    arguments = [str(source), str(out), sandbox.url, sandbox.api_key, str(voice)]
    child = subprocess.run(
        [sys.executable, "-c", _SIGTERM_CHILD, *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == 0, (child.returncode, child.stderr)
    assert child.stdout == "interrupted restored\n"
    states = [state for _, state in rows(out)]
    assert "in_flight" not in states
    assert 10 <= states.count("done") < 300
    assert audio_files(out) == {f"{item}.wav" for item, state in rows(out) if state == "done"}


def test_a_lost_state_and_manifest_beside_the_files_stop_the_run_instead_of_repaying(
    run: Runner, tmp_path: Path
) -> None:
    source = write_items(tmp_path / "in.jsonl", 6)
    out = tmp_path / "out"
    run(source, out)
    for path in out.iterdir():
        if path.name.startswith((".camb-batch", "manifest")):
            path.unlink()
    before = sent(run.sandbox)
    for _ in range(2):  # and again: a refused run leaves nothing that lets the next one pay
        with pytest.raises(camb.batch.BatchStateError, match="move those files away"):
            run(source, out)
    assert sent(run.sandbox) == before
    for path in out.glob("*.wav"):
        path.rename(tmp_path / path.name)
    result, paid = run(source, out)
    assert (paid, result.summary.counts.done) == (6, 6)
