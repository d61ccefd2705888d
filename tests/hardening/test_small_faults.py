"""Issue 20, items 11, 18 and 20, and the invalid-IDNA base URL.

- 11: a speech stream read once and iterated again is a typed `ClientStateError` (not httpx's
  `StreamConsumed`), and `save()` after it leaves the destination as it was.
- 18: a list answer of many items the client cannot read logs a bounded number of lines.
- 20: a huge value (a 1 MB task id, a 5,000-digit run id) is refused by a typed error whose
  message stays short, in the library and in the CLI.
- A base URL whose host is invalid IDNA is an InvalidInputError naming base_url.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import camb
from camb._cli._main import main

from .conftest import KEY, Api
from .hostile_server import AUDIO, HostileServer, Reply, audio_reply, json_reply

# --- 11: a consumed stream -----------------------------------------------------------------------


@pytest.fixture
def audio_server() -> Any:
    with HostileServer(lambda seen: audio_reply(AUDIO)) as running:
        yield running


def test_a_stream_iterated_again_is_a_typed_error(
    make_api: Callable[..., Api], audio_server: HostileServer, tmp_path: Path
) -> None:
    api = make_api(base_url=audio_server.url)
    stream = api.client.tts.stream("Hello there", 1, "en-us")
    assert api.iterate(lambda c: stream) == AUDIO
    with pytest.raises(camb.ClientStateError, match="already read"):
        api.iterate(lambda c: stream)
    with pytest.raises(camb.ClientStateError, match="already read"):
        api.run(stream.read())
    path = tmp_path / "speech.flac"
    path.write_bytes(b"old")
    with pytest.raises(camb.ClientStateError):
        api.run(stream.save(path))
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["speech.flac"]
    assert len(audio_server.seen) == 1


# --- 18: warnings of a list answer ---------------------------------------------------------------


def test_a_voices_answer_of_many_odd_items_logs_a_bounded_summary(
    make_api: Callable[..., Api], caplog: pytest.LogCaptureFixture
) -> None:
    odd = 50_000
    body = [{"id": 1, "voice_name": "Alice"}] + [7] * odd
    with HostileServer(lambda seen: json_reply(body)) as server:
        api = make_api(base_url=server.url)
        with caplog.at_level(logging.WARNING, logger="camb"):
            voices = api(lambda c: c.voices.list())
    assert [voice.id for voice in voices] == [1]
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert 1 < len(lines) <= 20
    assert "voice 1 of 50001: not an object but int" in lines[0]
    listed = len(lines) - 1
    assert f"skipped {odd - listed} more voices of {odd + 1}" in lines[-1]


# --- 20: huge values in error messages -----------------------------------------------------------

HUGE_INT = 10**5000


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.tts.result(HUGE_INT),
        lambda c: c.tts.results([1, HUGE_INT]),
        lambda c: c.tts.result_url(HUGE_INT),
        lambda c: c.tts.speak("Hello there", HUGE_INT, "en-us", "x.wav"),
        lambda c: c.tts.status("a" * 1_000_000),
        lambda c: c.tts.wait("a" * 1_000_000),
        lambda c: c.tts.wait_many(["a" * 1_000_000]),
    ],
    ids=["result", "results", "result_url", "speak voice_id", "status", "wait", "wait_many"],
)
def test_a_huge_value_is_invalid_input_with_a_short_message(
    make_api: Callable[..., Api], server: HostileServer, call: Callable[[Any], Any]
) -> None:
    api = make_api(base_url=server.url)
    with pytest.raises(camb.InvalidInputError) as caught:
        api(call)
    assert len(str(caught.value)) < 300, str(caught.value)[:400]
    assert server.seen == []


def run_cli(
    argv: list[str], stdin: str, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    status = main(["--api-key", KEY, "--base-url", "http://127.0.0.1:9", *argv])
    captured = capsys.readouterr()
    return int(status), captured.err + captured.out


@pytest.mark.parametrize(
    ("argv", "stdin"),
    [
        (["wait"], "a" * 1_000_000 + "\n"),
        (["status"], "a" * 1_000_000 + "\n"),
        (["results"], "1" * 5000 + "\n"),
        (["results"], json.dumps([1]).replace("1", "1" * 5000)),
        (["results", "1" * 5000], ""),
        (["result", "1" * 5000], ""),
    ],
    ids=["wait stdin", "status stdin", "results stdin", "results json", "results arg", "result"],
)
def test_the_cli_answers_a_huge_id_with_one_short_usage_error(
    argv: list[str], stdin: str, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    status, output = run_cli(argv, stdin, monkeypatch, capsys)
    assert status != 0
    assert "unexpected" not in output
    assert len(output) < 400, output[:500]


# --- a base URL whose host is not valid IDNA -----------------------------------------------------


@pytest.mark.parametrize(
    "base_url",
    ["https://xn--a.example", "https://api.xn--a.example/apis", "https://XN--A.example"],
)
def test_a_base_url_whose_host_is_invalid_idna_is_refused_at_construction(
    kind: str, base_url: str
) -> None:
    cls = camb.Camb if kind == "sync" else camb.AsyncCamb
    with pytest.raises(camb.InvalidInputError) as caught:
        cls(api_key=KEY, base_url=base_url)
    assert caught.value.param == "base_url"
    assert "IDNA" in str(caught.value)


def test_a_redirect_to_an_invalid_idna_host_is_a_camb_error(
    make_api: Callable[..., Api],
) -> None:
    def handler(seen: Any) -> Reply:
        return Reply(302, [("Location", "https://xn--a.example/voices")])

    with HostileServer(handler) as redirecting:
        api = make_api(base_url=redirecting.url)
        with pytest.raises(camb.APIError):
            api(lambda c: c.voices.list())
