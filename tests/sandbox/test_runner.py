"""Starting and stopping sandboxes: running(), serve(), the pytest fixture."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading

import httpx
import pytest

from camb.sandbox import Sandbox, SandboxConfig, running


def _sandbox_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("camb-sandbox")]


def test_running_leaves_nothing_behind() -> None:
    before = set(threading.enumerate())
    with running() as sb:
        assert sb.url.startswith("http://127.0.0.1:")
        assert sb.files_url.startswith("http://127.0.0.1:")
        assert sb.url != sb.files_url
        assert not sb.url.endswith("/")
        with httpx.Client(base_url=sb.url, headers={"x-api-key": sb.api_key}) as client:
            assert client.get("/list-voices").status_code == 200
            run = client.post("/tts", json={"text": "abc", "voice_id": 147320, "language": 1})
            assert run.status_code == 200
        assert _sandbox_threads()
    assert set(threading.enumerate()) <= before
    assert not _sandbox_threads()
    for url in (sb.url, sb.files_url):
        with pytest.raises(httpx.ConnectError):
            httpx.get(url + "/list-voices")


def test_running_stops_on_error_too() -> None:
    with pytest.raises(ZeroDivisionError), running():
        _ = 1 / 0
    assert not _sandbox_threads()


def test_config_and_overrides_combine() -> None:
    base = SandboxConfig(api_key="my-key", seed=4)
    with running(base, task_duration=0.0) as sb:
        assert sb.api_key == "my-key"
        assert (sb.config.seed, sb.config.task_duration) == (4, 0.0)
        assert (
            httpx.get(sb.url + "/list-voices", headers={"x-api-key": "my-key"}).status_code == 200
        )
        assert (
            httpx.get(sb.url + "/list-voices", headers={"x-api-key": "sandbox-key"}).status_code
            == 401
        )


def test_unknown_override_fails_before_starting() -> None:
    with pytest.raises(TypeError, match="ratee_429"), running(ratee_429=0.5):
        pass
    assert not _sandbox_threads()


def test_sandboxes_are_independent() -> None:
    with running() as one, running() as two:
        assert one.url != two.url
        httpx.get(one.url + "/list-voices", headers={"x-api-key": one.api_key})
        assert one.stats()["requests"] == 1
        assert two.stats()["requests"] == 0


def test_stats_in_memory_and_over_http_agree() -> None:
    with running() as sb:
        httpx.get(sb.url + "/list-voices", headers={"x-api-key": sb.api_key})
        httpx.get(sb.url + "/list-voices")
        over_http = httpx.get(sb.url + "/_sandbox/stats").json()
        in_memory = sb.stats()
        # (the stats request's own connection may have closed in between)
        over_http.pop("open_connections")
        in_memory.pop("open_connections")
        assert over_http == in_memory
        assert over_http["by_operation"]["list_voices"] == {"200": 1, "401": 1}
        sb.reset_stats()
        assert sb.stats()["requests"] == 0


SERVE_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from camb.sandbox import SandboxConfig, serve

    def ready(sandbox):
        print(json.dumps({"url": sandbox.url, "files_url": sandbox.files_url}), flush=True)

    serve(SandboxConfig(api_key="cli-key"), port=0, ready=ready)
    print("stopped", flush=True)
    """
)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serve_runs_until_a_signal(signum: signal.Signals) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE_SCRIPT],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        ready = json.loads(process.stdout.readline())
        response = httpx.get(ready["url"] + "/list-voices", headers={"x-api-key": "cli-key"})
        assert response.status_code == 200
        process.send_signal(signum)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert out == "stopped\n"
    assert err == ""


@pytest.mark.camb_sandbox(task_duration=0.0, bulk_value_shape="string")
def test_fixture_honours_the_marker(camb_sandbox: Sandbox) -> None:
    assert camb_sandbox.config.task_duration == 0.0
    assert camb_sandbox.config.bulk_value_shape == "string"
    response = httpx.get(
        camb_sandbox.url + "/list-voices", headers={"x-api-key": camb_sandbox.api_key}
    )
    assert response.status_code == 200


def test_fixture_defaults(camb_sandbox: Sandbox) -> None:
    assert camb_sandbox.config == SandboxConfig()


def test_importing_the_plugin_is_light() -> None:
    code = (
        "import sys, camb.sandbox, camb.sandbox.pytest_plugin; "
        "heavy = ['starlette', 'uvicorn', 'numpy', 'soundfile']; "
        "print([name for name in heavy if name in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
