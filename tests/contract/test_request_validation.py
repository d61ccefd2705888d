"""The spec-validating transport: it passes what the spec allows and catches what it does not,
a violation fails the test that caused it even when the facade swallows every error, and path
parameters go out percent-encoded."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import httpx
import pytest
from camb_api.api.tts import build_get_tts_result_request, build_get_tts_status_request
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import camb
from camb import _validation as check
from camb._wire import _operations as ops

from .._spec import ROOT
from .conftest import MOCK_BASE, MOCK_KEY, Mocked
from .spec_transport import SpecValidatingTransport

OK_JSON = httpx.Response(200, json={})


def _violations(
    method: str,
    url: str,
    *,
    json: Any = None,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
    key: str | None = MOCK_KEY,
) -> list[str]:
    """The violations the transport records for one request (not registered: expected ones)."""
    transport = SpecValidatingTransport(
        httpx.MockTransport(lambda r: OK_JSON), api_base=MOCK_BASE, api_key=MOCK_KEY, register=False
    )
    sent = dict(headers or {})
    if key is not None:
        sent.setdefault("x-api-key", key)
    with httpx.Client(transport=transport) as http:
        http.request(method, url, json=json, content=content, headers=sent)
    return transport.violations


def _spec_builds() -> list[tuple[str, dict[str, Any]]]:
    """A request description per operation, as the facade builds them (through `_operations`)."""
    return [
        ("stream", ops.stream_request("Hello there", 147320, "en-us", format="flac")),
        (
            "stream, every option",
            ops.stream_request(
                "x" * 3000,
                1,
                "pt-br",
                speech_model="mars-instruct",
                format="pcm_f32be",
                sample_rate=48000,
                duration=2.5,
                apply_enhancement=True,
                user_instructions="calm",
                enhance_named_entities_pronunciation=False,
                voice_settings={"speaking_rate": 1.2, "maintain_source_accent": True},
                inference_options={
                    "stability": 0,
                    "temperature": 4,
                    "inference_steps": 200,
                    "speaker_similarity": 1,
                    "localize_speaker_weight": 1,
                    "acoustic_quality_boost": True,
                },
            ),
        ),
        ("create, a deprecated id", ops.create_request("a", 1, 1, gender=9, age=0)),
        (
            "create, a locale",
            ops.create_request("a", 1, "en-us", project_name="abc", project_description="x" * 5000),
        ),
        ("status", ops.status_request("3f1b8c0e-7f5a-4c39-9d7e-1d2a3b4c5d6e")),
        ("status, odd id", ops.status_request("a.b~c_d-e")),
        ("result raw", ops.result_request(123, "raw_bytes")),
        ("result url", ops.result_request(1, "file_url")),
        ("bulk of 2", ops.bulk_request([12345, 6789])),
        ("bulk of 5", ops.bulk_request([1, 2, 3, 4, 5])),
        ("voices", ops.voices_request()),
        ("source languages", ops.source_languages_request()),
        ("target languages", ops.target_languages_request()),
    ]


@pytest.mark.parametrize(("name", "spec"), _spec_builds(), ids=[n for n, _ in _spec_builds()])
def test_requests_the_facade_builds_pass(name: str, spec: dict[str, Any]) -> None:
    url = MOCK_BASE + spec["url"]
    found = _violations(spec["method"], url, json=spec.get("json"), headers=spec.get("headers"))
    assert found == []


BAD_REQUESTS = [
    ("POST", "/tts-results", {"run_ids": [1, 2, 3, 4, 5, 6]}, "is too long"),
    ("POST", "/tts-results", {"run_ids": [7]}, "is too short"),
    ("POST", "/tts-results", {"run_ids": [7, 7]}, "non-unique"),
    ("POST", "/tts-results", {"run_ids": [0, 1]}, "less than or equal to the minimum"),
    ("POST", "/tts-results", {"ids": [1, 2]}, "'run_ids' is a required property"),
    ("POST", "/tts-stream", {"text": "hi", "language": "en-us", "voice_id": 1}, "too short"),
    # language is anyOf [known locales, a lower-case locale]: EN_US is neither.
    ("POST", "/tts-stream", {"text": "hello", "language": "EN_US", "voice_id": 1}, "any of"),
    (
        "POST",
        "/tts-stream",
        {
            "text": "hello",
            "language": "en-us",
            "voice_id": 1,
            "inference_options": {"stability": 2},
        },
        "greater than the maximum",
    ),
    # POST /tts takes a locale tag (or a deprecated id): a float or an upper-case tag is neither.
    ("POST", "/tts", {"text": "hello", "voice_id": 1, "language": 1.5}, "any of"),
    ("POST", "/tts", {"text": "hello", "voice_id": 1, "language": "EN_US"}, "any of"),
    (
        "POST",
        "/tts",
        {"text": "hello", "voice_id": 0, "language": "en-us"},
        "less than the minimum",
    ),
    (
        "POST",
        "/tts",
        {"text": "hello", "voice_id": 1, "language": "en-us", "project_name": "ab"},
        "too short",
    ),
    ("POST", "/tts", {"text": "hello", "voice_id": 1, "language": 1, "gender": 3}, "is not one of"),
    ("GET", "/tts/a/b", None, "Path not found"),
    ("GET", "/tts/a:b", None, "task_id is not percent-encoded"),
    ("GET", "/tts/a@b", None, "task_id is not percent-encoded"),
    ("GET", "/tts/", None, "task_id"),
    ("GET", "/tts-result/0", None, "run_id"),
    ("GET", "/tts-result/abc", None, "run_id"),
    ("GET", "/tts-result/5?output_type=mp3", None, "output_type"),
    ("GET", "/tts-result/5?format=flac", None, "undeclared query parameter 'format'"),
    ("DELETE", "/list-voices", None, "Operation delete not found"),
    ("GET", "/voices", None, "Path not found"),
]


@pytest.mark.parametrize(("method", "path", "body", "expected"), BAD_REQUESTS)
def test_bad_requests_are_caught(method: str, path: str, body: Any, expected: str) -> None:
    found = _violations(method, MOCK_BASE + path, json=body)
    assert any(expected in v for v in found), found


def test_a_body_where_none_is_taken_is_caught() -> None:
    found = _violations("GET", MOCK_BASE + "/list-voices", content=b'{"x": 1}')
    assert any("takes no body" in v for v in found), found


def test_the_key_is_required_and_must_be_the_clients() -> None:
    assert any(
        "no x-api-key" in v for v in _violations("GET", MOCK_BASE + "/list-voices", key=None)
    )
    wrong = _violations("GET", MOCK_BASE + "/list-voices", key="sk-someone-else")
    assert any("not the client's key" in v for v in wrong)


def test_the_key_must_not_reach_another_origin() -> None:
    found = _violations("GET", "https://storage.example/files/1.flac?sig=x")
    assert any("another origin" in v for v in found)
    assert _violations("GET", "https://storage.example/files/1.flac?sig=x", key=None) == []


def test_requests_outside_the_base_path_are_caught() -> None:
    found = _violations("GET", "https://client.camb.ai/other/list-voices")
    assert any("outside its base path" in v for v in found)


def test_a_redirect_target_is_the_servers_choice_not_the_clients(
    mocked: Any,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/apis/list-voices":
            return httpx.Response(307, headers={"location": "/apis/v2/voices"})
        return httpx.Response(200, json=[])

    api: Mocked = mocked("sync", handler)
    assert api.client.voices.list() == []
    assert [r.url.path for r in api.requests] == ["/apis/list-voices", "/apis/v2/voices"]
    assert api.transport.violations == []


# --- a violation fails its test, whatever the facade does with errors ---------------------------

_INNER_TESTS = """
import httpx

from camb._wire import _operations as ops
from tests.contract.conftest import Mocked


def test_sends_six_ids_and_swallows_every_error():
    api = Mocked("sync", lambda r: httpx.Response(200, json={}))
    try:
        api.client._send(
            ops.bulk_request([1, 2, 3, 4, 5, 6]), api.client._options(), idempotent=True
        )
    except Exception:
        pass


def test_sends_a_valid_request():
    api = Mocked("sync", lambda r: httpx.Response(200, json=[]))
    assert api.client.voices.list() == []
"""


def test_a_violation_fails_the_test_that_sent_it(tmp_path: Path) -> None:
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(_INNER_TESTS))
    (tmp_path / "conftest.py").write_text(
        "from tests.conftest import pytest_runtest_call, pytest_runtest_teardown  # noqa: F401\n"
    )
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    out = result.stdout + result.stderr
    assert "1 failed, 1 passed" in out, out
    assert "FAILED test_inner.py::test_sends_six_ids_and_swallows_every_error" in out, out
    assert "is too long" in out, out


# --- percent-encoding of path parameters ---------------------------------------------------------


def test_no_task_id_the_facade_accepts_needs_encoding() -> None:
    """The facade takes only RFC 3986 unreserved characters in a task id, so none of them is ever
    changed by percent-encoding; ids with a character that would need it are refused."""
    allowed = set(re.findall(r"[A-Za-z0-9]", "".join(map(chr, range(128))))) | set("._~-")
    for char in map(chr, range(32, 127)):
        accepted = check.TASK_ID_RE.fullmatch("a" + char) is not None
        assert accepted == (char in allowed), char
        if accepted:
            assert quote(char, safe="") == char


@pytest.mark.parametrize(
    ("task_id", "wire"),
    [
        ("a/b", "/tts/a%2Fb"),
        ("../x", "/tts/..%2Fx"),
        ("a b", "/tts/a%20b"),
        ("a?b#c", "/tts/a%3Fb%23c"),
        ("100%", "/tts/100%25"),
        ("ü", "/tts/%C3%BC"),
    ],
)
def test_the_generated_client_percent_encodes_the_task_id(task_id: str, wire: str) -> None:
    request_args = build_get_tts_status_request(task_id)
    assert request_args["url"] == wire
    # ...and the facade's request builder keeps the encoding on the wire.
    client = camb.Camb(api_key=MOCK_KEY)
    try:
        request = client._build_request(client._http, request_args, client._options())
    finally:
        client.close()
    assert request.url.raw_path.decode() == "/apis" + wire
    assert unquote(request.url.raw_path.decode().rsplit("/", 1)[1]) == task_id


def test_the_generated_client_builds_run_id_paths_from_ints() -> None:
    assert build_get_tts_result_request(42)["url"] == "/tts-result/42"


@settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(task_id=st.text(min_size=1, max_size=20))
def test_any_text_is_one_encoded_segment(task_id: str) -> None:
    url = build_get_tts_status_request(task_id)["url"]
    segment = url.removeprefix("/tts/")
    assert "/" not in segment
    assert unquote(segment, errors="surrogatepass") == task_id


@settings(max_examples=60, deadline=None, derandomize=True)
@given(task_id=st.from_regex(check.TASK_ID_RE, fullmatch=True))
def test_accepted_task_ids_go_out_as_they_are_and_pass_the_spec(task_id: str) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"status": "PENDING"})

    api = Mocked("sync", handler)
    try:
        assert api.client.tts.status(task_id).status == "PENDING"
    finally:
        api.close()
    assert seen[0].url.raw_path.decode() == "/apis/tts/" + quote(task_id, safe="")
    assert api.transport.violations == []
