"""`camb live` fed by a pipe from another program, against the sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import srt

from camb.sandbox import Sandbox

from .conftest import LLM_TEXT, VOICE, token_chunks

CAMB = Path(sys.executable).with_name("camb")


def _env(sandbox: Sandbox) -> dict[str, str]:
    return dict(os.environ, CAMB_BASE_URL=sandbox.url, CAMB_API_KEY=sandbox.api_key)


def _truth(sandbox: Sandbox) -> tuple[float, set[int], set[int]]:
    """Duration, word starts and word ends (ms) of the sandbox's last session, as it made them."""
    record = sandbox.live_sessions()[-1]
    offset, starts, ends = 0.0, set(), set()
    for frame in record.server_frames:
        if frame["type"] == "segment.start":
            for word in frame["word_timestamps"]:
                starts.add(round((offset + word["start"]) * 1000))
                ends.add(round((offset + word["end"]) * 1000))
            offset += len(frame["text"]) * 0.06
    return offset, starts, ends


def _wait_for(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true"
        time.sleep(0.01)


def test_camb_live_from_a_pipe(sandbox: Sandbox, tmp_path: Path) -> None:
    chunks = token_chunks()
    out = tmp_path / "live.wav"
    captions = tmp_path / "live.srt"
    command = [str(CAMB), "--json", "live", "-o", str(out), "--captions", str(captions)]
    camb = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(sandbox),
    )
    assert camb.stdin is not None
    # This test is the other program: it writes tokens into the pipe as an LLM makes them.
    camb.stdin.write(chunks[0].encode())
    camb.stdin.flush()

    def first_chunk_arrived() -> bool:
        sessions = sandbox.live_sessions()
        return bool(sessions) and len(sessions[-1].client_frames) > 1

    _wait_for(first_chunk_arrived)
    for chunk in chunks[1:]:
        camb.stdin.write(chunk.encode())
        camb.stdin.flush()
        time.sleep(0.002)
    camb.stdin.close()
    camb.stdin = None  # closed: communicate() only reads
    stdout, stderr = camb.communicate(timeout=120)
    result = subprocess.CompletedProcess(command, camb.returncode, stdout.decode(), stderr.decode())
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    duration, starts, ends = _truth(sandbox)
    with wave.open(str(out)) as reader:
        assert reader.getnframes() == round(duration * reader.getframerate())
    assert abs(summary["duration"] - duration) < 1e-6
    cues = list(srt.parse(captions.read_text(encoding="utf-8")))
    assert " ".join(" ".join(c.content.split()) for c in cues) == " ".join(LLM_TEXT.split())
    for cue in cues:
        assert round(cue.start.total_seconds() * 1000) in starts
        assert round(cue.end.total_seconds() * 1000) in ends
    # The text went out as it came through the pipe, not in one piece at the end.
    record = sandbox.live_sessions()[-1]
    sent = [f["text"] for f in record.client_frames if f["type"] == "text.chunk"]
    assert "".join(sent) == LLM_TEXT
    assert len(sent) > 1


def test_camb_live_to_stdout_with_json_captions(sandbox: Sandbox, tmp_path: Path) -> None:
    captions = tmp_path / "live.json"
    result = subprocess.run(
        [
            str(CAMB),
            "live",
            "One sentence. Two!",
            "-o",
            "-",
            "--format=wav",
            f"--captions={captions}",
        ],
        env=_env(sandbox),
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"RIFF")
    timeline = json.loads(captions.read_text(encoding="utf-8"))
    assert [c["text"] for c in timeline["cues"]] == ["One sentence.", "Two!"]
    assert [c["exact"] for c in timeline["cues"]] == [True, True]


def test_camb_live_refuses_a_bad_captions_name_before_connecting(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    result = subprocess.run(
        [str(CAMB), "live", "Hi.", "-o", str(tmp_path / "a.wav"), "--captions", "a.txt"],
        env=_env(sandbox),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--captions" in result.stderr
    assert sandbox.live_sessions() == []


def test_camb_speak_captions(sandbox: Sandbox, tmp_path: Path) -> None:
    text = "First sentence of the file. Second sentence, a bit longer than the first."
    result = subprocess.run(
        [
            str(CAMB),
            "speak",
            text,
            "-o",
            str(tmp_path / "a.wav"),
            "--captions",
            str(tmp_path / "a.json"),
            "--caption-sentences",
        ],
        env=_env(sandbox),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    cues = json.loads((tmp_path / "a.json").read_text())["cues"]
    assert [c["exact"] for c in cues] == [True, True]
    assert cues[1]["end"] == round(len(text.replace(" Second", "Second")) * 0.06, 3)


def test_camb_live_usage_errors_and_skips(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from camb._cli._main import main

    monkeypatch.setenv("CAMB_BASE_URL", sandbox.url)
    monkeypatch.setenv("CAMB_API_KEY", sandbox.api_key)
    text_file = tmp_path / "text.txt"
    text_file.write_text("From a file. With a [skip] segment.", encoding="utf-8")
    assert main(["live", "Hi.", "-o", str(tmp_path / "a.ogg")]) == 2
    assert main(["live", "Hi.", "-f", str(text_file), "-o", str(tmp_path / "a.mp3")]) == 2
    assert main(["live", "-f", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "a.mp3")]) == 2
    assert main(["live", "Hi.", "-o", "-", "--format", "flac"]) == 2
    assert main(["speak", "Hello.", "-o", str(tmp_path / "b.wav"), "--caption-sentences"]) == 2
    assert sandbox.live_sessions() == []
    # A skipped segment is reported, and the exit status says the audio is incomplete.
    assert main(["live", "-f", str(text_file), "-o", str(tmp_path / "a.mp3")]) == 1
    err = capsys.readouterr().err
    assert "segment 1 was skipped" in err
    assert (tmp_path / "a.mp3").stat().st_size > 0


def test_camb_live_with_a_cache_pays_once_and_replays_with_no_key(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"

    def live(*extra: str, env: dict[str, str]) -> dict[str, Any]:
        result = subprocess.run(
            [
                str(CAMB),
                "--json",
                "--cache",
                str(cache),
                *extra,
                "live",
                "One sentence. Two!",
                "--voice-id",
                str(VOICE),
                "-o",
                str(tmp_path / "x.wav"),
            ],
            env=env,
            capture_output=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return dict(json.loads(result.stdout))

    first = live(env=_env(sandbox))
    assert (first["segments"], first["cached_segments"]) == (2, 0)
    audio = (tmp_path / "x.wav").read_bytes()
    sessions = len(sandbox.live_sessions())
    keyless = {k: v for k, v in _env(sandbox).items() if k != "CAMB_API_KEY"}
    again = live("--replay", env=keyless)
    assert (again["segments"], again["cached_segments"]) == (2, 2)
    assert (tmp_path / "x.wav").read_bytes() == audio
    assert len(sandbox.live_sessions()) == sessions
