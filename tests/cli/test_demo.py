"""`make demo` end to end: scripts/demo.py in a subprocess, and what it leaves behind."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import wave
from pathlib import Path

import pytest
import soundfile

from ._helpers import REPO

DEMO = REPO / "scripts" / "demo.py"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process handling")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _run_demo(tmp_path: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(DEMO), "--output-dir", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )


def _sandbox_of(text: str) -> tuple[int, int]:
    """The sandbox's port and pid, from the demo's output."""
    ready = re.search(r"CAMB_BASE_URL=http://127\.0\.0\.1:(\d+) .*\(sandbox pid (\d+)\)", text)
    assert ready, text
    return int(ready.group(1)), int(ready.group(2))


def _assert_gone(port: int, pid: int) -> None:
    assert not _alive(pid)
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", port), timeout=1),
    ):
        pass


def test_demo_runs_the_whole_flow_and_leaves_no_sandbox(tmp_path: Path) -> None:
    out = tmp_path / "out"
    completed = _run_demo(tmp_path, out)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    text = completed.stdout

    assert "12 files" in text
    # The voice line says what its number means: how many there are, and how many are listed.
    voices = re.search(r"\n((?: {6}\s*\d+  .+\n)+) {4}(\d+) voices, showing (\d+); using ", text)
    assert voices, text
    listed = voices.group(1).splitlines()
    assert len(listed) == int(voices.group(3)) == 4
    assert int(voices.group(2)) > len(listed)
    assert re.search(r"12 run ids -> 3 bulk requests\b", text)
    assert "422 answers: 0" in text
    assert re.search(r"get_tts_results\s+200: 3\n", text)
    assert "Traceback" not in completed.stderr
    assert "waiting" not in completed.stderr  # no progress bars in a pipe

    with wave.open(str(out / "hello.wav")) as hello:
        assert hello.getnframes() > 0
    flacs = sorted((out / "tasks").glob("*.flac"))
    assert len(flacs) == 12
    for flac in flacs:
        info = soundfile.info(str(flac))
        assert info.format == "FLAC"
        assert info.frames > 0
        assert flac.name in text  # listed in the summary

    _assert_gone(*_sandbox_of(text))
    assert "Sandbox stopped (exit status 0)" in text


def test_a_failing_step_fails_the_demo_and_still_stops_the_sandbox(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "tasks").write_text("a file where the downloads' directory should go")
    completed = _run_demo(tmp_path, out)
    assert completed.returncode == 1
    assert "demo: FAILED: `camb --json results --download" in completed.stderr
    assert "Traceback" not in completed.stderr
    _assert_gone(*_sandbox_of(completed.stdout))
