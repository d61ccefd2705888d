"""The command line and logging as a person meets them: one meaning of --timeout, help that
shows it, a progress bar whose clock runs, missing files named, CAMB_LOG, a missing extra
explained, one set of exit statuses."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import _camb_tts
from camb import Camb
from camb._cli._main import build_parser, main
from camb._cli._support import ExitStatus
from camb._logs import LEVELS, level_from
from camb.sandbox import Sandbox, running

from ._helpers import CAMB_SCRIPT, REPO, Outcome, Run, subprocess_env

CliIn = Callable[..., Outcome]
API_COMMANDS = ("speak", "create", "status", "wait", "result", "results", "voices")
GLOBAL_OPTIONS = ("--api-key", "--base-url", "--json", "--debug", "--max-retries", "--timeout")


def _help_of(command: str, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main([command, "--help"]) == ExitStatus.OK
    return capsys.readouterr().out


# --- --timeout -----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", API_COMMANDS)
def test_every_api_command_shows_the_global_options_in_its_help(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _help_of(command, capsys)
    for option in GLOBAL_OPTIONS:
        assert re.search(rf"^\s+{re.escape(option)}\b", text, re.MULTILINE), (command, option)
    assert "seconds one HTTP request may take" in text


def test_wait_help_tells_its_deadline_from_the_request_timeout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = _help_of("wait", capsys)
    assert "--wait-timeout S" in text
    assert "--timeout S" in text
    assert "--timeout is always the limit of one HTTP request" in " ".join(text.split())


@pytest.mark.parametrize(
    "argv",
    [
        ["--timeout", "7", "wait", "task-1"],
        ["wait", "--timeout", "7", "task-1"],
        ["wait", "task-1", "--timeout", "7"],
    ],
)
def test_timeout_means_the_request_timeout_wherever_it_is_written(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert args.timeout == 7.0
    assert args.wait_timeout == 600.0  # the whole wait's deadline is untouched


@pytest.fixture(scope="module")
def slow_sandbox() -> Iterator[Sandbox]:
    """Every API request takes 0.6 s."""
    with running(latency=0.6, task_duration=0.05) as sb:
        yield sb


@pytest.mark.parametrize("position", ["before", "after"])
def test_a_short_timeout_limits_each_poll_of_wait(
    position: str, slow_sandbox: Sandbox, cli_in: CliIn
) -> None:
    with Camb(api_key=slow_sandbox.api_key, base_url=slow_sandbox.url) as client:
        task_id = client.tts.create("A task to wait for.", client.voices.list()[0].id, 1)
    # Every poll takes 0.6 s: with --timeout 0.2 none gets through (wait polls again after a
    # failed poll), so the task, long finished, is never seen before the wait's deadline.
    timeout = ["--timeout", "0.2"]
    wait = ["wait", task_id, "--wait-timeout", "1.5"]
    args = [*timeout, "--json", *wait] if position == "before" else ["--json", *wait, *timeout]
    outcome = cli_in(slow_sandbox, *args)
    assert outcome.code == ExitStatus.FAILED
    assert outcome.json()["failed"][task_id]["error"] == "WaitTimeoutError"
    # The same wait without the short timeout sees the task finished.
    finished = cli_in(slow_sandbox, "--json", *wait)
    assert finished.code == ExitStatus.OK, finished.err
    assert task_id in finished.json()["run_ids"]


def test_wait_timeout_is_the_deadline_of_the_whole_wait(cli: Run, client: Camb) -> None:
    voice_id = client.voices.list()[0].id
    task_id = client.tts.create("Pending for a while [duration=30].", voice_id, 1)
    outcome = cli("--json", "wait", task_id, "--wait-timeout", "0.5", "--timeout", "10")
    assert outcome.code == ExitStatus.FAILED
    assert outcome.json()["failed"][task_id]["error"] == "WaitTimeoutError"


# --- the wait bar's clock ------------------------------------------------------------------------


@pytest.mark.skipif(not CAMB_SCRIPT.exists(), reason="the camb console script is not installed")
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX terminals")
def test_wait_bar_shows_elapsed_time_while_nothing_has_finished(sandbox: Sandbox) -> None:
    pty = pytest.importorskip("pty")
    import fcntl
    import struct
    import termios

    with Camb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
        voice_id = client.voices.list()[0].id
        task_id = client.tts.create("One slow task [duration=2.6].", voice_id, 1)
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    try:
        completed = subprocess.run(
            [str(CAMB_SCRIPT), "wait", task_id],
            stdout=subprocess.PIPE,
            stderr=follower,
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
    assert completed.returncode == ExitStatus.OK
    text = shown.decode("utf-8", "replace")
    # Redrawn at 0/1 with the clock running: 00:01 and 00:02 before the task finished.
    assert re.search(r"0/1 \[00:01<", text), text
    assert re.search(r"0/1 \[00:02<", text), text
    assert "1/1" in text


# --- results --download names what it could not fetch --------------------------------------------


def test_results_download_names_each_id_without_a_file(
    cli: Run, client: Camb, tmp_path: Path
) -> None:
    voice_id = client.voices.list()[0].id
    run_ids = [
        client.tts.create_and_wait(f"Downloaded number {i}.", voice_id, 1, timeout=20)
        for i in range(2)
    ]
    outcome = cli("results", *map(str, run_ids), "987654", "--download", "dl")
    assert outcome.code == ExitStatus.FAILED
    assert sorted(line.split("\t")[0] for line in outcome.out.splitlines()) == sorted(
        map(str, run_ids)
    )
    [named] = [line for line in outcome.err_lines if "987654" in line]
    assert named.startswith("camb: error: 987654: no file: ")
    assert len(named) > len("camb: error: 987654: no file: ")  # with the reason
    assert outcome.err_lines[-1].startswith("camb: error: 1 of 3 run ids have no file")


def test_results_download_names_failed_downloads_with_their_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with running(url_expiry=0.001, task_duration=0.05) as expiring:
        monkeypatch.setenv("CAMB_BASE_URL", expiring.url)
        monkeypatch.setenv("CAMB_API_KEY", expiring.api_key)
        with Camb(api_key=expiring.api_key, base_url=expiring.url) as client:
            voice_id = client.voices.list()[0].id
            run_ids = [client.tts.create_and_wait(f"Expiring {i}.", voice_id, 1) for i in range(2)]
        capsys.readouterr()
        code = main(["results", *map(str, run_ids), "--download", str(tmp_path / "x")])
    err = capsys.readouterr().err.splitlines()
    assert code == ExitStatus.FAILED
    for run_id in run_ids:
        [line] = [line for line in err if line.startswith(f"camb: error: {run_id}: no file: ")]
        assert "403" in line


# --- CAMB_LOG ------------------------------------------------------------------------------------


def test_camb_log_levels() -> None:
    assert level_from(None) is None
    assert level_from("") is None
    assert level_from("DEBUG") == LEVELS["debug"] == 10
    assert level_from(" info ") == 20
    assert level_from("warning") == 30
    with pytest.raises(ValueError, match="CAMB_LOG='loud' is not one of debug, info"):
        level_from("loud")


LIST_VOICES = (
    "import camb, logging; "
    "print(len(logging.getLogger('camb').handlers)); "
    "camb.Camb().voices.list()"
)


def _python(code: str, sandbox: Sandbox, **env: str) -> subprocess.CompletedProcess[str]:
    environ = subprocess_env(sandbox)
    environ.pop("CAMB_LOG", None)
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=environ,
        timeout=30,
        check=False,
        cwd=REPO,
    )


def test_camb_log_debug_logs_each_request_to_stderr(sandbox: Sandbox) -> None:
    done = _python(LIST_VOICES, sandbox, CAMB_LOG="debug")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"  # one handler
    assert re.search(r"camb DEBUG\] GET http://127\.0\.0\.1:\d+/list-voices -> 200", done.stderr)
    assert sandbox.api_key not in done.stderr


@pytest.mark.parametrize(("value", "handlers"), [(None, "0"), ("info", "1"), ("", "0")])
def test_without_camb_log_debug_nothing_is_logged(
    sandbox: Sandbox, value: str | None, handlers: str
) -> None:
    env = {} if value is None else {"CAMB_LOG": value}
    done = _python(LIST_VOICES, sandbox, **env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == handlers
    assert done.stderr == ""


def test_an_unknown_camb_log_value_is_ignored_with_a_warning(sandbox: Sandbox) -> None:
    done = _python(LIST_VOICES, sandbox, CAMB_LOG="verbose")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"
    assert "RuntimeWarning: CAMB_LOG='verbose' is not one of debug, info, warning, error" in (
        done.stderr
    )
    assert "list-voices" not in done.stderr


@pytest.mark.skipif(not CAMB_SCRIPT.exists(), reason="the camb console script is not installed")
@pytest.mark.parametrize("debug", [[], ["--debug"]])
def test_camb_log_with_the_command_logs_each_request_once(
    sandbox: Sandbox, debug: list[str]
) -> None:
    environ = subprocess_env(sandbox)
    environ["CAMB_LOG"] = "debug"
    done = subprocess.run(
        [str(CAMB_SCRIPT), *debug, "voices"],
        capture_output=True,
        text=True,
        env=environ,
        timeout=30,
        check=False,
    )
    assert done.returncode == ExitStatus.OK, done.stderr
    assert len(re.findall(r"GET \S+/list-voices -> 200", done.stderr)) == 1


# --- the sandbox without its extra ---------------------------------------------------------------

WITHOUT_UVICORN = "import sys; sys.modules['uvicorn'] = None; "


def test_sandbox_running_without_its_extra_raises_a_typed_error() -> None:
    code = WITHOUT_UVICORN + (
        "import camb, camb.sandbox\n"
        "try:\n"
        "    camb.sandbox.running()\n"
        "except camb.MissingExtraError as error:\n"
        "    assert isinstance(error, ImportError) and isinstance(error, camb.CambError)\n"
        "    print(error.extra, error.name, '|', error)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "sandbox uvicorn | camb.sandbox.running needs the 'sandbox' extra "
        "(no module named 'uvicorn'): pip install 'camb-tts[sandbox]'"
    )


def test_camb_sandbox_without_its_extra_says_what_to_install() -> None:
    code = WITHOUT_UVICORN + (
        "sys.argv = ['camb', 'sandbox', '--port', '0']; "
        "import _camb_tts; raise SystemExit(_camb_tts.main())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        cwd=REPO,
    )
    assert done.returncode == ExitStatus.USAGE
    assert done.stderr.splitlines() == [
        "camb: error: camb.sandbox.serve needs the 'sandbox' extra (no module named "
        "'uvicorn'): pip install 'camb-tts[sandbox]'"
    ]
    assert done.stdout == ""


# --- one set of exit statuses --------------------------------------------------------------------


def test_exit_statuses_are_one_enum() -> None:
    assert [(s.name, int(s)) for s in ExitStatus] == [
        ("OK", 0),
        ("FAILED", 1),
        ("USAGE", 2),
        ("INTERRUPTED", 130),
    ]
    # The launcher runs when camb cannot be imported, so it keeps its own copy of USAGE.
    assert _camb_tts.BROKEN_INSTALL_STATUS == ExitStatus.USAGE


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["voices"], ExitStatus.OK),
        (["status", "no-such-task"], ExitStatus.FAILED),
        (["result", "0"], ExitStatus.USAGE),
        (["bogus"], ExitStatus.USAGE),
    ],
)
def test_every_outcome_is_an_exit_status(cli: Run, args: list[str], status: ExitStatus) -> None:
    outcome = cli(*args)
    assert outcome.code == status
    assert type(outcome.code) is ExitStatus


# --- plumbing ------------------------------------------------------------------------------------


@pytest.fixture
def cli_in(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> CliIn:
    """Run `camb ARGS...` in-process against a given sandbox."""

    def run(sandbox: Sandbox, *args: str) -> Outcome:
        monkeypatch.setenv("CAMB_BASE_URL", sandbox.url)
        monkeypatch.setenv("CAMB_API_KEY", sandbox.api_key)
        monkeypatch.chdir(tmp_path)
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return run
