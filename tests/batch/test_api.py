"""`camb.batch.run` against the sandbox: sync and async, bad input, resume, 429s, shards."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import camb
import camb.batch
from camb.sandbox import Sandbox, running


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with running(latency=0.005, rate_429=0.1, retry_after=0.01, seed=3) as started:
        yield started


@pytest.fixture
def voice(sandbox: Sandbox) -> int:
    client = camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url)
    try:
        return int(client.voices.list()[0].id)
    finally:
        client.close()


def write_items(path: Path, count: int, *, long_every: int = 0) -> Path:
    lines = []
    for i in range(count):
        text = f"Line number {i} of the batch."
        if long_every and i % long_every == 0:
            text = " ".join(f"Sentence {n} of the long item {i}." for n in range(200))
        lines.append(json.dumps({"id": f"item-{i:03d}", "text": text}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def stream_requests(sandbox: Sandbox) -> int:
    return int(sandbox.stats()["attempts"]["create_tts_stream"])


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_every_item_is_done_once_despite_429s(
    mode: str, sandbox: Sandbox, voice: int, tmp_path: Path
) -> None:
    source = write_items(tmp_path / "in.jsonl", 40, long_every=13)
    defaults = {"voice_id": voice, "language": "en-us"}
    out = tmp_path / "out"
    if mode == "sync":
        client: Any = camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url)
        result = camb.batch.run(client, source, out=out, defaults=defaults, concurrency=8)
        client.close()
    else:

        async def main() -> Any:
            async with camb.AsyncCamb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
                return await camb.batch.run(client, source, out=out, defaults=defaults)

        result = asyncio.run(main())
    assert result.summary.counts.done == 40
    assert result.summary.counts.failed == 0
    assert result.rate_limited > 0
    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert sorted(row["id"] for row in manifest) == [f"item-{i:03d}" for i in range(40)]
    assert all(row["state"] == "done" and row["bytes"] > 0 for row in manifest)
    for row in manifest:
        assert (out / row["file"]).stat().st_size == row["bytes"]


def test_a_second_run_sends_nothing_for_done_items_and_redoes_changed_lines(
    sandbox: Sandbox, voice: int, tmp_path: Path
) -> None:
    source = write_items(tmp_path / "in.jsonl", 10)
    client = camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url, max_retries=0)
    defaults = {"voice_id": voice, "language": "en-us"}
    camb.batch.run(client, source, out=tmp_path / "out", defaults=defaults)
    sandbox.reset_stats()
    again = camb.batch.run(client, source, out=tmp_path / "out", defaults=defaults)
    assert again.requests == 0
    assert stream_requests(sandbox) == 0
    lines = source.read_text().splitlines()
    lines[3] = json.dumps({"id": "item-003", "text": "A changed line."})
    source.write_text("\n".join(lines) + "\n")
    sandbox.reset_stats()
    changed = camb.batch.run(client, source, out=tmp_path / "out", defaults=defaults)
    assert changed.summary.counts.done == 10
    # Only the changed line was synthesised again (429s aside, which are not answers).
    assert sandbox.stats()["by_operation"]["create_tts_stream"].get("200") == 1
    assert {row["id"] for row in camb.batch.status(tmp_path / "out")["items"]} >= {"item-003"}
    client.close()


def test_a_bad_line_stops_everything_before_any_request(
    sandbox: Sandbox, voice: int, tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"id": "a", "text": "Fine."})
        + "\n"
        + json.dumps({"id": "b", "text": "", "voice-id": 3})
        + "\n"
    )
    client = camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url)
    sandbox.reset_stats()
    with pytest.raises(camb.batch.BatchInputError) as caught:
        camb.batch.run(
            client, source, out=tmp_path / "out", defaults={"voice_id": voice, "language": "en-us"}
        )
    assert {(p.line, p.field) for p in caught.value.problems} >= {(2, "text")}
    assert stream_requests(sandbox) == 0
    assert not (tmp_path / "out").exists()
    client.close()


def test_shards_split_the_items_without_overlap(
    sandbox: Sandbox, voice: int, tmp_path: Path
) -> None:
    source = write_items(tmp_path / "in.jsonl", 24)
    client = camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url)
    defaults = {"voice_id": voice, "language": "en-us"}
    done: list[str] = []
    for index in range(3):
        result = camb.batch.run(
            client, source, out=tmp_path / "out", defaults=defaults, shard=f"{index}/3"
        )
        status = camb.batch.status(tmp_path / "out", shard=f"{index}/3")
        done += [row["id"] for row in status["items"] if row["state"] == "done"]
        assert result.summary.counts.failed == 0
    assert sorted(done) == [f"item-{i:03d}" for i in range(24)]
    client.close()


def test_a_resumed_run_removes_what_a_killed_run_left_of_its_own_items(
    sandbox: Sandbox, voice: int, tmp_path: Path
) -> None:
    source = write_items(tmp_path / "in.jsonl", 3)
    out = tmp_path / "out"
    out.mkdir()
    # Temporary files as `AtomicFile` names them: `.<name>.<8 random characters>.part`.
    left = [out / ".item-001.wav.x1y2z3_4.part", out / ".manifest.jsonl.abcdefgh.part"]
    # Another shard's items sharing the folder, one of them named like a longer `item-001`.
    others = [out / ".someone-elses.wav.x1y2z3_4.part", out / ".item-001.wav.x.wav.a1b2c3d4.part"]
    for path in [*left, *others]:
        path.write_bytes(b"half a file")
    client = camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url)
    camb.batch.run(client, source, out=out, defaults={"voice_id": voice, "language": "en-us"})
    client.close()
    assert not any(path.exists() for path in left)
    assert all(path.exists() for path in others)
