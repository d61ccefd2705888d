"""The SQLite state store: transitions, resume after a crash, locking, concurrent readers."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import attrs
import pytest

from camb.batch._identity import Shard
from camb.batch._input import BatchItem
from camb.batch._state import (
    BatchLockedError,
    BatchStateError,
    Counts,
    StateStore,
    run_in_progress,
    state_file_name,
)


def items(n: int, text: str = "Line {n}.") -> list[BatchItem]:
    return [BatchItem(f"i{k}", text.format(n=k), 1, "en-us") for k in range(n)]


def finish(store: StateStore, item_id: str, data: bytes = b"audio", credits: float = 1.0) -> None:
    """What the runner does: the file in place, then the item marked done."""
    (store.out_dir / f"{item_id}.wav").write_bytes(data)
    store.mark_done(item_id, file=f"{item_id}.wav", bytes=len(data), duration=0.5, credits=credits)


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    return tmp_path / "out" / state_file_name()


def test_file_names_per_shard() -> None:
    assert state_file_name() == ".camb-batch.sqlite3"
    assert state_file_name(Shard(2, 8)) == ".camb-batch-shard-2-of-8.sqlite3"


def test_new_store_uses_wal_and_walks_items_through_their_states(state_path: Path) -> None:
    with StateStore.open(state_path) as store:
        mode = store._connection.execute("PRAGMA journal_mode").fetchone()[0]
        sync = store._connection.execute("PRAGMA synchronous").fetchone()[0]
        assert (mode, sync) == ("wal", 1)  # 1 = NORMAL
        report = store.sync_items(items(4))
        assert report.new == 4
        assert store.counts() == Counts(pending=4)
        assert store.claim_next() == "i0"
        store.mark_in_flight("i1")
        assert store.counts() == Counts(pending=2, in_flight=2)
        finish(store, "i0", credits=2.5)
        store.mark_failed("i1", "ServerError: 500")
        assert store.mark_retry(store.claim_next() or "", "timeout") == 1  # i2 back to pending
        assert store.claim_next() == "i2"  # input order: i2 before i3
        store.mark_pending("i2")  # a 429: no attempt counted
        assert store.pending_ids() == ["i2", "i3"]
        summary = store.summary()
        assert summary.counts == Counts(pending=2, done=1, failed=1)
        assert (summary.credits, summary.bytes, summary.duration) == (2.5, 5, 0.5)
        assert summary.first_errors == (("i1", "ServerError: 500"),)
        assert not summary.complete
        rows = {r.id: r for r in store.rows()}
        assert (rows["i0"].state, rows["i0"].file, rows["i0"].attempts) == ("done", "i0.wav", 1)
        assert (rows["i1"].state, rows["i1"].attempts, rows["i1"].error) == (
            "failed",
            1,
            "ServerError: 500",
        )
        assert (rows["i2"].attempts, rows["i2"].error) == (1, "timeout")
        assert rows["i0"].finished_at is not None


def test_transitions_out_of_order_are_refused(state_path: Path) -> None:
    with StateStore.open(state_path) as store:
        store.sync_items(items(2))
        with pytest.raises(BatchStateError, match="'i0' is pending; expected in_flight"):
            store.mark_done("i0", file="i0.wav", bytes=1)
        with pytest.raises(BatchStateError, match="not in the state file"):
            store.mark_in_flight("nope")
        store.mark_in_flight("i0")
        with pytest.raises(BatchStateError, match="is in_flight; expected pending"):
            store.mark_in_flight("i0")


def test_resume_redoes_in_flight_items_and_counts_them(state_path: Path) -> None:
    store = StateStore.open(state_path)
    store.sync_items(items(5))
    for _ in range(3):
        store.claim_next()
    finish(store, "i0")
    store.close()  # as a crash would leave it: i1 and i2 in flight
    with StateStore.open(state_path) as store:
        assert store.recovered_on_open == 2
        report = store.sync_items(items(5))
        assert (report.new, report.unchanged_done) == (0, 1)
        assert store.counts() == Counts(pending=4, done=1)
        assert store.summary().redone_after_crash == 2
        assert [r.crash_redos for r in store.rows()] == [0, 1, 1, 0, 0]
        assert store.claim_next() == "i1"


def test_kill_9_in_the_middle_loses_no_committed_change(state_path: Path) -> None:
    child = textwrap.dedent(
        f"""
        import os, signal
        from camb.batch._input import BatchItem
        from camb.batch._state import StateStore
        store = StateStore.open({str(state_path)!r})
        store.sync_items([BatchItem(f"i{{k}}", "Line.", 1, "en-us") for k in range(50)])
        for k in range(20):
            item = store.claim_next()
            if k < 15:
                (store.out_dir / f"{{item}}.wav").write_bytes(b"x" * k)
                store.mark_done(item, file=f"{{item}}.wav", bytes=k)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run([sys.executable, "-c", child], check=False)
    assert done.returncode == -signal.SIGKILL
    assert run_in_progress(state_path) is False  # the OS released the dead run's lock
    with StateStore.open(state_path) as store:
        assert store.recovered_on_open == 5
        assert store.counts() == Counts(pending=35, done=15)


def test_changed_lines_missing_files_and_failed_items_are_redone(state_path: Path) -> None:
    with StateStore.open(state_path) as store:
        store.sync_items(items(5))
        for _ in range(5):
            item_id = store.claim_next()
            assert item_id is not None
            if item_id == "i4":
                store.mark_failed(item_id, "boom")
            else:
                finish(store, item_id)
    (state_path.parent / "i1.wav").unlink()
    (state_path.parent / "i2.wav").write_bytes(b"other size")
    changed = items(5)
    changed[3] = attrs.evolve(changed[3], text="A new text.")
    with StateStore.open(state_path) as store:
        report = store.sync_items(changed)
        assert (
            report.unchanged_done,
            report.changed,
            report.missing_files,
            report.retried_failed,
        ) == (1, 1, 2, 1)
        assert store.pending_ids() == ["i1", "i2", "i3", "i4"]
        rows = {r.id: r for r in store.rows()}
        assert rows["i3"].file is None
        assert rows["i3"].attempts == 0  # a new line starts its count again
        assert rows["i4"].attempts == 1  # a retried failure keeps it
        assert (state_path.parent / "i3.wav").exists()  # kept until replaced


def test_failed_items_can_stay_failed(state_path: Path) -> None:
    with StateStore.open(state_path) as store:
        store.sync_items(items(1))
        store.mark_in_flight("i0")
        store.mark_failed("i0", "boom")
        assert store.sync_items(items(1), retry_failed=False).retried_failed == 0
        assert store.counts() == Counts(failed=1)


def test_items_removed_from_the_input_leave_the_counts(state_path: Path) -> None:
    with StateStore.open(state_path) as store:
        store.sync_items(items(4))
        store.mark_in_flight("i3")
        finish(store, "i3")
        report = store.sync_items(items(2))
        assert report.removed == 2
        assert store.counts() == Counts(pending=2)
        assert [r.id for r in store.rows()] == ["i0", "i1"]
        assert [(r.id, r.in_input) for r in store.rows(include_removed=True)][2:] == [
            ("i2", False),
            ("i3", False),
        ]
        assert store.claim_next() == "i0"
        assert store.sync_items(items(4)).unchanged_done == 1  # i3 back, still done


def test_one_run_at_a_time(state_path: Path) -> None:
    store = StateStore.open(state_path)
    assert run_in_progress(state_path)
    with pytest.raises(BatchLockedError, match="another run"):
        StateStore.open(state_path)
    store.close()
    assert not run_in_progress(state_path)
    StateStore.open(state_path).close()


def test_bad_files_are_typed_errors(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(BatchStateError, match="not a usable batch state file"):
        StateStore.open(junk)
    with pytest.raises(BatchStateError, match="not a usable batch state file"):
        StateStore.open_readonly(junk)
    with pytest.raises(BatchStateError, match="no batch state"):
        StateStore.open_readonly(tmp_path / "missing.sqlite3")
    newer = tmp_path / "newer.sqlite3"
    with sqlite3.connect(newer) as connection:
        connection.execute("PRAGMA user_version = 99")
    with pytest.raises(BatchStateError, match="state format 99"):
        StateStore.open(newer)
    with pytest.raises(BatchStateError, match="state format 99"):
        StateStore.open_readonly(newer)
    with pytest.raises(BatchStateError, match="synchronous"):
        StateStore.open(tmp_path / "x.sqlite3", synchronous="OFF")  # type: ignore[arg-type]


def test_full_synchronous_is_available(state_path: Path) -> None:
    with StateStore.open(state_path, synchronous="FULL") as store:
        assert store._connection.execute("PRAGMA synchronous").fetchone()[0] == 2


def test_readonly_store_reads_and_refuses_writes(state_path: Path) -> None:
    with StateStore.open(state_path) as store:
        store.sync_items(items(3))
        reader = StateStore.open_readonly(state_path)
        assert reader.counts() == Counts(pending=3)
        with pytest.raises(BatchStateError, match="read-only"):
            reader.claim_next()
        reader.close()


def test_status_reads_while_another_process_writes(state_path: Path) -> None:
    """A reader polling counts never errors, never goes backwards, and does not stall the run."""
    with StateStore.open(state_path) as store:
        store.sync_items(items(600))
    writer = textwrap.dedent(
        f"""
        import time
        from camb.batch._state import StateStore
        store = StateStore.open({str(state_path)!r})
        started = time.perf_counter()
        while (item := store.claim_next()) is not None:
            store.mark_done(item, file=item + ".wav", bytes=1)
        print(time.perf_counter() - started)
        store.close()
        """
    )
    process = subprocess.Popen([sys.executable, "-c", writer], stdout=subprocess.PIPE, text=True)
    reader = StateStore.open_readonly(state_path)
    seen: list[int] = []
    while process.poll() is None:
        seen.append(reader.counts().done)
        reader.summary()
    out, _ = process.communicate()
    assert process.returncode == 0
    assert reader.counts() == Counts(done=600)
    reader.close()
    assert seen == sorted(seen)
    assert len(seen) > 10
    assert float(out) < 10  # 1,200 transactions; a blocked writer would hit the busy timeout


def test_threads_claim_each_item_exactly_once(state_path: Path) -> None:
    claimed: list[str] = []
    lock = threading.Lock()
    with StateStore.open(state_path) as store:
        store.sync_items(items(400))

        def work() -> None:
            while (item := store.claim_next()) is not None:
                with lock:
                    claimed.append(item)
                store.mark_done(item, file=item, bytes=0)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(claimed) == sorted(f"i{k}" for k in range(400))
        assert store.counts() == Counts(done=400)


def test_syncing_twenty_thousand_items_twice_adds_nothing_the_second_time(
    state_path: Path,
) -> None:
    # How fast this is belongs to `make bench` (batch); here: the second sync finds them all.
    big = items(20_000, text="A somewhat longer line of text number {n}, as a real input has.")
    with StateStore.open(state_path) as store:
        first = store.sync_items(big)
        report = store.sync_items(big)
        assert store.counts() == Counts(pending=20_000)
    assert first.new == 20_000
    assert report.new == 0
    assert state_path.stat().st_size < 20_000 * 400
    assert os.path.exists(f"{state_path}.lock")


def test_a_transaction_keeps_all_changes_or_none(state_path: Path) -> None:
    with StateStore.open(state_path) as store:
        store.sync_items(items(3))

        def two_good_moves_and_a_bad_one() -> None:
            with store.transaction():
                store.mark_in_flight("i0")
                store.mark_in_flight("i1")
                assert store.counts() == Counts(pending=1, in_flight=2)  # seen inside
                store.mark_done("i2", file="x", bytes=1)  # i2 is pending: refused

        with pytest.raises(BatchStateError):
            two_good_moves_and_a_bad_one()
        assert store.counts() == Counts(pending=3)
        with store.transaction():
            store.mark_in_flight("i0")
            assert store.summary().counts == Counts(pending=2, in_flight=1)
        assert store.counts() == Counts(pending=2, in_flight=1)
