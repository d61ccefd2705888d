"""The sandbox answers as the official package (camb-sdk 1.6.6) defines the API.

Voices carry every field of the official Voice type, the language lists use the official ids,
unknown voices and language ids are refused, the sandbox's own choices can be switched off, and
the sandbox uses only camb's public API.
"""

from __future__ import annotations

import ast
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import soundfile

from camb.sandbox import Sandbox, running

from . import _spec
from ._helpers import STREAM_BODY, create_task, finished_run

SANDBOX_DIR = Path(__file__).resolve().parents[2] / "camb" / "sandbox"
OFFICIAL_VOICE_FIELDS = {
    "id",
    "voice_name",
    "gender",
    "age",
    "language",
    "transcript",
    "description",
    "is_published",
    "signed_url",
}


@pytest.fixture(scope="module")
def strict() -> Iterator[Sandbox]:
    with running(task_duration=0.05, strict_documented=True) as sb:
        yield sb


@pytest.fixture
def strict_client(strict: Sandbox) -> Iterator[httpx.Client]:
    headers = {"x-api-key": strict.api_key}
    with httpx.Client(base_url=strict.url, headers=headers, timeout=10) as c:
        yield c


def test_voices_have_every_official_field_and_some_nulls(client: httpx.Client) -> None:
    voices = client.get("/list-voices").json()
    validator = _spec.schema_validator("Voice")
    for voice in voices:
        assert set(voice) == OFFICIAL_VOICE_FIELDS
        validator.validate(voice)
    for field in OFFICIAL_VOICE_FIELDS - {"id", "voice_name"}:
        values = [voice[field] for voice in voices]
        assert None in values, f"{field} is never null"
        assert any(value is not None for value in values), f"{field} is always null"


def test_a_voice_signed_url_serves_its_sample(client: httpx.Client, sandbox: Sandbox) -> None:
    urls = [voice["signed_url"] for voice in client.get("/list-voices").json()]
    url = next(url for url in urls if url is not None)
    assert url.startswith(sandbox.files_url)
    sample = httpx.get(url, timeout=10)
    assert sample.status_code == 200
    assert sample.headers["content-type"] == "audio/flac"
    assert soundfile.info(io.BytesIO(sample.content)).frames > 0
    missing = httpx.get(f"{sandbox.files_url}/voices/1.flac", timeout=10)
    assert missing.status_code == 404


@pytest.mark.parametrize("path", ["/source-languages", "/target-languages"])
def test_languages_use_the_official_ids(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    items = response.json()
    validator = _spec.schema_validator("Language")
    for item in items:
        validator.validate(item)
    by_locale = {item["short_name"]: item["id"] for item in items}
    # Values of the official camb.types.language_enums.Languages.
    assert by_locale["en-us"] == 1
    assert by_locale["ar-kw"] == 10
    assert by_locale["en-gb"] == 35
    assert by_locale["hi-in"] == 81
    assert by_locale["ja-jp"] == 88
    assert by_locale["zh-cn"] == 139
    assert by_locale["tl-ph"] == 151
    assert len(by_locale) == len(items) == 149


def test_languages_need_the_key(sandbox: Sandbox) -> None:
    assert httpx.get(f"{sandbox.url}/source-languages", timeout=10).status_code == 401


def test_every_voice_a_list_gives_is_accepted(client: httpx.Client) -> None:
    for voice in client.get("/list-voices").json():
        body = {**STREAM_BODY, "voice_id": voice["id"], "output_configuration": {"format": "wav"}}
        assert client.post("/tts-stream", json=body).status_code == 200


@pytest.mark.parametrize("path", ["/tts-stream", "/tts"])
def test_an_unknown_voice_is_a_400_naming_it(client: httpx.Client, path: str) -> None:
    body = {**STREAM_BODY, "voice_id": 999} if path == "/tts-stream" else {}
    if path == "/tts":
        body = {"text": "Hello.", "voice_id": 999, "language": 1}
    response = client.post(path, json=body)
    assert response.status_code == 400
    assert "999" in response.json()["detail"]
    assert "/list-voices" in response.json()["detail"]
    _spec.validator(_spec.response_media(path, "POST", 400)["application/json"]["schema"]).validate(
        response.json()
    )


def test_an_unknown_language_id_is_a_422(client: httpx.Client) -> None:
    response = client.post("/tts", json={"text": "Hello.", "voice_id": 147320, "language": 137})
    assert response.status_code == 422
    [item] = response.json()["detail"]
    assert item["loc"] == ["body", "language"]
    assert "/source-languages" in item["msg"]


# --- strict_documented: only the statuses the official definition documents ---------------


@pytest.mark.parametrize("path", ["/tts-stream", "/tts"])
def test_strict_unknown_voice_is_a_422(strict_client: httpx.Client, path: str) -> None:
    body = {**STREAM_BODY, "voice_id": 999}
    if path == "/tts":
        body = {"text": "Hello.", "voice_id": 999, "language": 1}
    response = strict_client.post(path, json=body)
    assert response.status_code == 422
    [item] = response.json()["detail"]
    assert item["loc"] == ["body", "voice_id"]


def test_strict_unknown_task_is_a_422(strict_client: httpx.Client, client: httpx.Client) -> None:
    assert client.get("/tts/no-such-task").status_code == 404
    response = strict_client.get("/tts/no-such-task")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "task_id"]


def test_strict_bulk_with_nothing_available_is_an_empty_object(
    strict_client: httpx.Client, client: httpx.Client
) -> None:
    assert client.post("/tts-results", json={"run_ids": [77777, 77778]}).status_code == 404
    response = strict_client.post("/tts-results", json={"run_ids": [77777, 77778]})
    assert response.status_code == 200
    assert response.json() == {}


def test_strict_duplicate_run_ids_are_answered_once(
    strict_client: httpx.Client, client: httpx.Client
) -> None:
    assert client.post("/tts-results", json={"run_ids": [5, 5]}).status_code == 422
    run_id = finished_run(strict_client)
    response = strict_client.post("/tts-results", json={"run_ids": [run_id, run_id]})
    assert response.status_code == 200
    assert list(response.json()) == [str(run_id)]


def test_strict_keeps_the_documented_answers(strict_client: httpx.Client) -> None:
    task_id = create_task(strict_client)
    assert strict_client.get(f"/tts/{task_id}").status_code == 200
    assert strict_client.get("/tts-result/99999").status_code == 400  # documented upstream


def test_every_choice_of_the_sandbox_is_marked_in_the_spec() -> None:
    """The answers the strict switch replaces are exactly the ones the spec marks."""
    marked = {
        (path, method.upper(), int(code))
        for path, item in _spec.spec()["paths"].items()
        for method, op in item.items()
        for code, response in op["responses"].items()
        if response.get("x-sandbox-choice")
    }
    assert marked == {
        ("/tts-stream", "POST", 400),
        ("/tts", "POST", 400),
        ("/tts/{task_id}", "GET", 404),
        ("/tts-results", "POST", 404),
        ("/translated-tts", "POST", 400),
        ("/translated-tts/{task_id}", "GET", 404),
    }
    run_ids = _spec.component("RunIDsRequestPayload")["properties"]["run_ids"]
    assert "x-sandbox-choice" in run_ids


# --- the sandbox uses only camb's public API -------------------------------------------------


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("path", sorted(SANDBOX_DIR.glob("*.py")), ids=lambda p: p.name)
def test_the_sandbox_imports_only_public_camb_modules(path: Path) -> None:
    for module in _imports(path):
        parts = module.split(".")
        if parts[0] != "camb" or parts[:2] == ["camb", "sandbox"]:
            continue
        assert not any(part.startswith("_") for part in parts), f"{path.name} imports {module}"


def test_the_sandbox_keeps_no_copy_of_the_spec_limits() -> None:
    """Limits come from camb.api_facts: the validation module states none of them."""
    source = (SANDBOX_DIR / "_validation.py").read_text(encoding="utf-8")
    for literal in ("3000", "min_length=3", "maximum=1000", "0.01", '"en-us"', "(0, 1, 2, 9)"):
        assert literal not in source, literal
