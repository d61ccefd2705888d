"""The installed `camb` console script in real processes: pipes, terminals, signals, sandbox."""

from __future__ import annotations

import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from camb import AuthenticationError, Camb
from camb.sandbox import Sandbox

from ._helpers import CAMB_SCRIPT, subprocess_env

pytestmark = [
    pytest.mark.skipif(not CAMB_SCRIPT.exists(), reason="the camb console script is not installed"),
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and terminals"),
]


def _tasks(sandbox: Sandbox, *texts: str) -> list[str]:
    with Camb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
        voice_id = client.voices.list()[0].id
        return [client.tts.create(text, voice_id, 1) for text in texts]


def _read_line(process: subprocess.Popen[str], timeout: float) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise AssertionError(f"no line from the process within {timeout}s")
    return process.stdout.readline()


def _port_is_closed(url: str) -> bool:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return False
    except OSError:
        return True


def test_wait_in_a_pipe_writes_nothing_to_stderr(sandbox: Sandbox) -> None:
    task_ids = _tasks(sandbox, "Piped task one.", "Piped task two.", "Piped [duration=0.6] three.")
    completed = subprocess.run(
        [str(CAMB_SCRIPT), "wait", *task_ids],
        capture_output=True,
        text=True,
        env=subprocess_env(sandbox),
        timeout=30,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""
    assert [line.split("\t")[0] for line in completed.stdout.splitlines()] == task_ids


def test_wait_on_a_terminal_shows_a_progress_bar(sandbox: Sandbox) -> None:
    pty = pytest.importorskip("pty")
    import fcntl
    import struct
    import termios

    task_ids = _tasks(sandbox, "Terminal task one.", "Terminal [duration=0.6] two.")
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    try:
        completed = subprocess.run(
            [str(CAMB_SCRIPT), "wait", *task_ids],
            stdout=subprocess.PIPE,
            stderr=follower,
            text=True,
            env=subprocess_env(sandbox),
            timeout=30,
            check=False,
        )
        os.close(follower)
        follower = -1
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    assert completed.returncode == 0
    text = shown.decode("utf-8", "replace")
    assert "waiting" in text
    assert "2/2" in text
    assert "100%" in text
    assert len(completed.stdout.splitlines()) == 2  # the bar never reaches stdout


def test_ctrl_c_while_waiting_exits_130(sandbox: Sandbox) -> None:
    [task_id] = _tasks(sandbox, "A long one [duration=30].")
    polls_before = sandbox.stats()["attempts"]["get_tts_status"]
    process = subprocess.Popen(
        [str(CAMB_SCRIPT), "wait", task_id],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=subprocess_env(sandbox),
    )
    try:
        deadline = time.monotonic() + 15
        while sandbox.stats()["attempts"]["get_tts_status"] == polls_before:
            assert time.monotonic() < deadline, "the CLI never polled"
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130
    assert err == "camb: error: interrupted\n"
    assert out == ""


@pytest.mark.parametrize("json_flag", [False, True])
def test_sandbox_command_prints_one_ready_line_and_stops_on_sigint(json_flag: bool) -> None:
    args = [str(CAMB_SCRIPT), *(["--json"] if json_flag else [])]
    args += ["sandbox", "--port", "0", "--task-duration", "0.1", "--api-key", "demo-key-42"]
    process = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        line = _read_line(process, timeout=20)
        if json_flag:
            import json

            ready = json.loads(line)
            url, key = ready["base_url"], ready["api_key"]
            assert ready["files_url"].startswith("http://127.0.0.1:")
        else:
            match = re.fullmatch(
                r"CAMB_BASE_URL=(http://127\.0\.0\.1:\d+) CAMB_API_KEY=(\S+)\n", line
            )
            assert match, line
            url, key = match.groups()
        assert key == "demo-key-42"
        with Camb(api_key=key, base_url=url) as client:
            assert client.voices.list()
        with (
            Camb(api_key="sandbox-key", base_url=url) as client,
            pytest.raises(AuthenticationError),
        ):
            client.voices.list()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert out == ""  # nothing after the ready line
    assert "Ctrl-C" in err  # the hint for people
    assert _port_is_closed(url)


def test_module_entry_point(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "camb._cli._main", "--version"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        cwd=tmp_path,
    )
    assert completed.returncode == 0
    assert completed.stdout.startswith("camb ")
