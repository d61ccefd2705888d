"""manifest.jsonl and `status --json`: every item once, written atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from camb.batch._identity import Shard
from camb.batch._input import BatchItem
from camb.batch._manifest import (
    MANIFEST_FILE,
    manifest_file_name,
    status_document,
    write_manifest,
)
from camb.batch._state import StateStore, state_file_name


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    store = StateStore.open(tmp_path / state_file_name())
    store.sync_items([BatchItem(f"i{k}", "Some text.", 1, "en-us") for k in range(4)])
    store.mark_in_flight("i0")
    (tmp_path / "i0.wav").write_bytes(b"12345")
    store.mark_done("i0", file="i0.wav", bytes=5, duration=1.25, credits=3.0)
    store.mark_in_flight("i1")
    store.mark_failed("i1", "ServerError: 500 boom")
    store.mark_in_flight("i2")
    return store


def test_manifest_lists_every_item_once_with_its_outcome(tmp_path: Path, store: StateStore) -> None:
    path = tmp_path / MANIFEST_FILE
    assert write_manifest(path, store.rows()) == 4
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [row["id"] for row in lines] == ["i0", "i1", "i2", "i3"]
    assert lines[0] == {
        "id": "i0",
        "state": "done",
        "file": "i0.wav",
        "bytes": 5,
        "duration": 1.25,
        "credits": 3.0,
        "attempts": 1,
        "error": None,
        "redone_after_crash": 0,
        "hash": store.rows()[0].hash,
        "finished_at": store.rows()[0].finished_at,
    }
    assert (lines[1]["state"], lines[1]["error"], lines[1]["file"]) == (
        "failed",
        "ServerError: 500 boom",
        None,
    )
    assert [row["state"] for row in lines[2:]] == ["in_flight", "pending"]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    store.close()


def test_a_failed_write_keeps_the_old_manifest(tmp_path: Path, store: StateStore) -> None:
    path = tmp_path / MANIFEST_FILE
    path.write_text("old\n")

    def rows():  # type: ignore[no-untyped-def]
        yield from store.rows()[:2]
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_manifest(path, rows())
    assert path.read_text() == "old\n"
    assert sorted(os.listdir(tmp_path)) == sorted(
        [
            MANIFEST_FILE,
            "i0.wav",
            state_file_name(),
            f"{state_file_name()}.lock",
            f"{state_file_name()}-wal",
            f"{state_file_name()}-shm",
        ]
    )
    store.close()


def test_status_document_from_a_reader_while_the_run_holds_the_store(
    tmp_path: Path, store: StateStore
) -> None:
    reader = StateStore.open_readonly(tmp_path / state_file_name())
    document = status_document(reader)
    assert document["running"] is True
    assert document["counts"] == {"total": 4, "pending": 1, "in_flight": 1, "done": 1, "failed": 1}
    assert document["credits"] == 3.0
    assert document["first_errors"] == [{"id": "i1", "error": "ServerError: 500 boom"}]
    assert [item["id"] for item in document["items"]] == ["i0", "i1", "i2", "i3"]
    json.dumps(document)  # all of it is JSON
    store.close()
    assert status_document(reader)["running"] is False
    reader.close()


def test_each_shard_has_its_own_manifest() -> None:
    assert manifest_file_name() == MANIFEST_FILE
    assert manifest_file_name(Shard(0, 4)) == "manifest-shard-0-of-4.jsonl"
