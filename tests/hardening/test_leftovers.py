"""Issue 20, item 12: what a killed run left beside its destination is cleaned by the next run.

A SIGKILLed `speak()` leaves `.NAME.XXXXXXXX.part` beside the output (and in its segment
cache); the next call writing the same destination removes them. A temporary that a live
writer holds (it keeps an exclusive lock on it) is never touched, whatever its age. A batch
removes the hidden segment caches of items that are already done.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import camb
import camb.batch
from camb._files import AtomicFile, leftover_temporaries

TEXT = "Hello there, this is a test of the leftovers."

_KILLED_CHILD = """
import sys
import camb
import camb.batch
client = camb.Camb(api_key=sys.argv[1], base_url=sys.argv[2])
client.tts.speak(sys.argv[3], int(sys.argv[4]), "en-us", sys.argv[5])
"""


def test_a_killed_speak_leaves_a_temporary_that_the_next_speak_removes(tmp_path: Path) -> None:
    from camb.sandbox import running

    destination = tmp_path / "speech.wav"
    with running(latency=30.0) as sandbox:
        voice = "1"  # never answered: every request waits `latency`
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _KILLED_CHILD,
                sandbox.api_key,
                sandbox.url,
                TEXT,
                voice,
                str(destination),
            ],
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        deadline = time.monotonic() + 60
        while not leftover_temporaries(destination) and time.monotonic() < deadline:
            time.sleep(0.02)
        # The child holds its temporary: another writer of the same file leaves it alone.
        with camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
            assert leftover_temporaries(destination)
            child.send_signal(signal.SIGKILL)
            child.wait(30)
            orphans = leftover_temporaries(destination)
            assert len(orphans) == 1
    with running() as sandbox, camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
        client.tts.speak(TEXT, client.voices.list()[0].id, "en-us", destination)
    assert leftover_temporaries(destination) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["speech.wav"]


def test_leftovers_beside_and_in_the_segment_cache_go_but_a_live_writers_stays(
    camb_sandbox: Any, tmp_path: Path
) -> None:
    destination = tmp_path / "speech.wav"
    dead = tmp_path / ".speech.wav.abcd1234.part"
    dead.write_bytes(b"x" * 1000)
    cache = tmp_path / ".speech.wav.segments"
    cache.mkdir()
    dead_segment = cache / ".0123abcd.wav.a1b2c3d4.part"
    dead_segment.write_bytes(b"y")
    # A live writer of the same destination (another process would hold it the same way).
    live = AtomicFile(destination)
    live.__enter__()
    try:
        live.write(b"being written")
        (live_temporary,) = [p for p in leftover_temporaries(destination) if p != dead]
        old = time.time() - 7 * 24 * 3600  # however old it looks
        os.utime(live_temporary, (old, old))
        text = ("A sentence of a long text to speak. " * 90 + "\n\n") * 2
        with camb.Camb(api_key=camb_sandbox.api_key, base_url=camb_sandbox.url) as client:
            client.tts.speak(text, client.voices.list()[0].id, "en-us", destination)
        assert not dead.exists()
        assert not dead_segment.exists()
        assert live_temporary.exists()
    finally:
        live.__exit__(None, None, None)
    # The live writer still finishes its own file.
    assert destination.read_bytes() == b"being written"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["speech.wav"]


def test_a_batch_removes_the_segment_caches_of_items_already_done(
    camb_sandbox: Any, tmp_path: Path
) -> None:
    source = tmp_path / "lines.jsonl"
    out = tmp_path / "out"
    with camb.Camb(api_key=camb_sandbox.api_key, base_url=camb_sandbox.url) as client:
        voice = client.voices.list()[0].id
        source.write_text(
            "\n".join(
                json.dumps({"id": name, "text": TEXT, "voice_id": voice, "language": "en-us"})
                for name in ("a", "b")
            )
            + "\n",
            encoding="utf-8",
        )
        first = camb.batch.run(client, source, out=out)
        assert first.summary.complete
        # Killed between an item's file and its cache's removal, say.
        cache = out / ".a.wav.segments"
        cache.mkdir()
        (cache / "0123abcd.wav").write_bytes(b"segment")
        (cache / ".0123abcd.wav.a1b2c3d4.part").write_bytes(b"part")
        camb.batch.run(client, source, out=out)
    assert not cache.exists()
    assert not [p for p in out.iterdir() if p.name.endswith((".segments", ".part"))]
