"""Issue 18's table, one test per row this change owns: each held against the sandbox or the
facade as a user meets it (all of them failed on the main branch before it)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import camb
import camb.batch
from camb import api_facts
from camb._wire import _operations as ops
from camb.sandbox import Sandbox

TEXT = "Hello there."
VOICE = 147320


@pytest.fixture
def client(camb_sandbox: Sandbox) -> Iterator[camb.Camb]:
    with camb.Camb(api_key=camb_sandbox.api_key, base_url=camb_sandbox.url) as made:
        yield made


@pytest.fixture
def raw(camb_sandbox: Sandbox) -> Iterator[httpx.Client]:
    headers = {"x-api-key": camb_sandbox.api_key}
    with httpx.Client(base_url=camb_sandbox.url, headers=headers) as made:
        yield made


def _requests(sandbox: Sandbox) -> int:
    return sum(sum(answers.values()) for answers in sandbox.stats()["by_operation"].values())


# --- stream locales: 313, an open set the client checks against the known list ------------------


@pytest.mark.parametrize("locale", ["en-gb", "fil-ph", "zh-cn-sichuan", "yue-hk"])
def test_locales_of_camb_openapi_are_spoken(client: camb.Camb, locale: str) -> None:
    audio = client.tts.stream(TEXT, VOICE, locale, format="wav").read()
    assert audio[:4] == b"RIFF"


def test_a_locale_outside_the_list_is_the_documented_422(raw: httpx.Client) -> None:
    body = {"text": TEXT, "voice_id": VOICE, "language": "en-gx"}
    response = raw.post("/tts-stream", json=body)
    assert response.status_code == 422
    (item,) = response.json()["detail"]
    assert item["loc"] == ["body"]
    assert "Allowed locales" in item["msg"]
    assert "zh-cn-sichuan" in item["msg"]


def test_an_unknown_locale_is_refused_before_sending(
    client: camb.Camb, camb_sandbox: Sandbox
) -> None:
    with pytest.raises(camb.InvalidInputError) as caught:
        client.tts.stream(TEXT, VOICE, "en-gbb").read()
    assert caught.value.param == "language"
    assert "'en-gb'" in str(caught.value)
    with pytest.raises(camb.InvalidInputError, match="did you mean 'en-gb'"):
        client.tts.stream(TEXT, VOICE, "EN_GB").read()
    assert _requests(camb_sandbox) == 0


# --- POST /tts takes a locale tag, no lookup -------------------------------------------------


def test_create_sends_a_locale_tag_and_looks_nothing_up(
    client: camb.Camb, camb_sandbox: Sandbox
) -> None:
    run_id = client.tts.create_and_wait(TEXT, VOICE, "en-gb", timeout=20)
    assert run_id > 0
    by_operation = camb_sandbox.stats()["by_operation"]
    assert "list_source_languages" not in by_operation
    assert client.tts.create(TEXT, VOICE, 1)  # a numeric id still works (deprecated)


# --- inference options and user_instructions ----------------------------------------------------


def test_inference_bounds_are_camb_openapis() -> None:
    for steps in (5, 200):
        ops.stream_request(TEXT, VOICE, "en-us", inference_options={"inference_steps": steps})
    for steps in (4, 201, 1000):
        with pytest.raises(camb.InvalidInputError, match="between 5 and 200"):
            ops.stream_request(TEXT, VOICE, "en-us", inference_options={"inference_steps": steps})
    for weight in (-0.1, 1.01):
        with pytest.raises(camb.InvalidInputError, match="between 0 and 1"):
            ops.stream_request(
                TEXT, VOICE, "en-us", inference_options={"localize_speaker_weight": weight}
            )
    rules = api_facts.STREAM_OPTION_RULES
    assert rules["inference_options.speaker_similarity"].server_default == 0.7


def test_user_instructions_are_3_to_1000_characters_for_mars_instruct(
    client: camb.Camb, camb_sandbox: Sandbox, raw: httpx.Client
) -> None:
    audio = client.tts.stream(
        TEXT, VOICE, "en-us", speech_model="mars-instruct", user_instructions="Whisper it."
    ).read()
    assert audio
    camb_sandbox.reset_stats()
    for text, model, rule in (
        ("ab", "mars-instruct", "3 to 1000 characters"),
        ("x" * 1001, "mars-instruct", "3 to 1000 characters"),
        ("Whisper it.", "mars-flash", "used only by 'mars-instruct'"),
        ("Whisper it.", None, "the default speech_model is 'mars-8.1-flash-beta'"),
    ):
        with pytest.raises(camb.InvalidInputError, match=rule) as caught:
            client.tts.stream(
                TEXT, VOICE, "en-us", speech_model=model, user_instructions=text
            ).read()
        assert caught.value.param == "user_instructions"
    assert _requests(camb_sandbox) == 0
    body = {"text": TEXT, "voice_id": VOICE, "language": "en-us"}
    refused = raw.post("/tts-stream", json={**body, "user_instructions": "Whisper it."})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "user_instructions"]


# --- POST /tts's project fields, voice ids, models, content types ------------------------------


def test_project_fields_have_camb_openapis_limits_and_there_is_no_folder_id(
    client: camb.Camb, camb_sandbox: Sandbox
) -> None:
    assert client.tts.create(
        TEXT, VOICE, "en-us", project_name="abc", project_description="d" * 5000
    )
    camb_sandbox.reset_stats()
    for field, value in (
        ("project_name", "ab"),
        ("project_name", "x" * 256),
        ("project_description", "ab"),
        ("project_description", "x" * 5001),
    ):
        with pytest.raises(camb.InvalidInputError) as caught:
            client.tts.create(TEXT, VOICE, "en-us", **{field: value})
        assert caught.value.param == field
    with pytest.raises(TypeError):
        client.tts.create(TEXT, VOICE, "en-us", folder_id=3)  # type: ignore[call-arg]
    assert _requests(camb_sandbox) == 0


def test_voice_id_has_a_minimum_of_1(raw: httpx.Client) -> None:
    for path, language in (("/tts-stream", "en-us"), ("/tts", "en-us")):
        response = raw.post(path, json={"text": TEXT, "voice_id": 0, "language": language})
        assert response.status_code == 422, path
        assert response.json()["detail"][0]["loc"] == ["body", "voice_id"]


def test_the_sandbox_has_five_speech_models_and_no_auto(raw: httpx.Client) -> None:
    body = {"text": TEXT, "voice_id": VOICE, "language": "en-us"}
    assert raw.post("/tts-stream", json={**body, "speech_model": "auto"}).status_code == 422
    assert len(api_facts.SPEECH_MODELS) == 5
    for model in api_facts.SPEECH_MODELS:
        extra = {"user_instructions": "Calmly."} if model == "mars-instruct" else {}
        ok = raw.post("/tts-stream", json={**body, "speech_model": model, **extra})
        assert ok.status_code == 200, ok.text


def test_pcm_is_audio_x_pcm_and_credits_come_as_a_string(
    raw: httpx.Client, client: camb.Camb
) -> None:
    body = {"text": TEXT, "voice_id": VOICE, "language": "en-us"}
    response = raw.post(
        "/tts-stream", json={**body, "output_configuration": {"format": "pcm_s16le"}}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/x-pcm"
    assert float(response.headers["x-credits-required"]) > 0
    with client.tts.stream(TEXT, VOICE, "en-us", format="pcm_s16le") as stream:
        assert stream.read()
        assert stream.credits_required is not None


def test_apply_enhancements_default_is_documented_per_model() -> None:
    assert api_facts.APPLY_ENHANCEMENT_DEFAULTS == {
        "mars-pro": True,
        "mars-flash": False,
        "mars-instruct": True,
        "mars-8.1-pro-beta": True,
        "mars-8.1-flash-beta": False,
    }
    doc = camb.Camb(api_key="k").tts.stream.__doc__ or ""
    assert "apply_enhancement" in doc
    assert "mars-flash" in doc


# --- issue 17: a batch line speak() would refuse is refused before any request -----------------


def test_a_batch_line_with_a_paragraph_pause_of_100_is_refused_before_any_request(
    client: camb.Camb, camb_sandbox: Sandbox, tmp_path: Path
) -> None:
    lines = [
        {"id": "good", "text": TEXT, "voice_id": VOICE, "language": "en-us"},
        {"id": "bad", "text": TEXT, "voice_id": VOICE, "language": "en-us", "paragraph_pause": 100},
    ]
    source = io.BytesIO(b"".join(json.dumps(line).encode() + b"\n" for line in lines))
    with pytest.raises(camb.batch.BatchInputError) as caught:
        camb.batch.run(client, source, out=tmp_path / "out")
    assert [(p.line, p.field) for p in caught.value.problems] == [(2, "paragraph_pause")]
    assert "between 0 and 60" in str(caught.value)
    assert _requests(camb_sandbox) == 0
    assert not (tmp_path / "out" / "good.wav").exists()
    with pytest.raises(camb.InvalidInputError, match="between 0 and 60"):
        client.tts.speak(TEXT, VOICE, "en-us", tmp_path / "x.wav", paragraph_pause=100)
