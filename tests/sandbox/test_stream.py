"""POST /tts-stream over HTTP."""

from __future__ import annotations

import io
import wave
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile

from camb.api_facts import SAMPLE_RATES, SERVER_DEFAULT_SPEECH_MODEL, SPEECH_MODELS, STREAM_LOCALES
from camb.sandbox._validation import SUPPORTED_LOCALES

from ._helpers import STREAM_BODY

CONTENT_TYPES = {
    "wav": "audio/wav",
    "flac": "audio/flac",
    "mp3": "audio/mpeg",
    "adts": "audio/aac",
    "pcm_s16le": "audio/x-pcm",
    "pcm_s16be": "audio/x-pcm",
    "pcm_s32le": "audio/x-pcm",
    "pcm_s32be": "audio/x-pcm",
    "pcm_f32le": "audio/x-pcm",
    "pcm_f32be": "audio/x-pcm",
}


def stream(client: httpx.Client, **fields: Any) -> httpx.Response:
    return client.post("/tts-stream", json={**STREAM_BODY, **fields})


@pytest.mark.parametrize(("fmt", "content_type"), CONTENT_TYPES.items())
def test_content_type_and_credits_follow_the_format(
    client: httpx.Client, fmt: str, content_type: str
) -> None:
    response = stream(client, output_configuration={"format": fmt})
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert float(response.headers["x-credits-required"]) > 0
    assert len(response.content) > 100


def test_default_format_is_the_documented_mp3(client: httpx.Client) -> None:
    """The official package documents mp3 as the format when none is asked for."""
    response = client.post("/tts-stream", json=STREAM_BODY)
    assert response.headers["content-type"] == "audio/mpeg"
    info = soundfile.info(io.BytesIO(response.content))
    assert info.format == "MP3"
    assert info.samplerate == SAMPLE_RATES[SERVER_DEFAULT_SPEECH_MODEL] == 48000


def test_wav_is_chunked_with_one_header(client: httpx.Client) -> None:
    body = {**STREAM_BODY, "output_configuration": {"format": "wav"}}
    with client.stream("POST", "/tts-stream", json=body) as response:
        assert response.headers["content-type"] == "audio/wav"
        assert response.headers.get("transfer-encoding") == "chunked"
        assert "content-length" not in response.headers
        data = response.read()
    with wave.open(io.BytesIO(data)) as wav:
        assert wav.getnchannels() == 1
        assert wav.getsampwidth() == 2
        frames = wav.readframes(wav.getnframes())
        assert len(frames) == wav.getnframes() * 2 > 0
        seconds = wav.getnframes() / wav.getframerate()
    assert seconds == pytest.approx(len(STREAM_BODY["text"]) * 0.06, rel=0.05)


def test_a_long_stream_comes_in_several_chunks(client: httpx.Client) -> None:
    body = {
        **STREAM_BODY,
        "speech_model": "mars-flash",
        "output_configuration": {"format": "pcm_s16le", "duration": 30.0},
    }
    with client.stream("POST", "/tts-stream", json=body) as response:
        sizes = [len(chunk) for chunk in response.iter_raw()]
    assert sum(sizes) == 30 * 22050 * 2
    assert len(sizes) > 3


@pytest.mark.parametrize("fmt", ["wav", "flac", "mp3"])
def test_audio_decodes_and_is_not_silence(client: httpx.Client, fmt: str) -> None:
    response = stream(client, speech_model="mars-flash", output_configuration={"format": fmt})
    samples, rate = soundfile.read(io.BytesIO(response.content), dtype="float64")
    assert rate == 22050
    assert len(samples) >= 0.9 * len(STREAM_BODY["text"]) * 0.06 * rate
    assert np.sqrt(np.mean(samples**2)) > 0.02


@pytest.mark.parametrize(("fmt", "rate"), [("wav", 16000), ("flac", 48000), ("mp3", 44100)])
def test_sample_rate_is_honoured(client: httpx.Client, fmt: str, rate: int) -> None:
    response = stream(client, output_configuration={"format": fmt, "sample_rate": rate})
    assert response.status_code == 200
    assert soundfile.info(io.BytesIO(response.content)).samplerate == rate


@pytest.mark.parametrize("fmt", ["wav", "flac"])
def test_duration_is_honoured(client: httpx.Client, fmt: str) -> None:
    response = stream(client, output_configuration={"format": fmt, "duration": 2.5})
    info = soundfile.info(io.BytesIO(response.content))
    assert info.frames == 2.5 * info.samplerate


def test_pcm_layouts_carry_the_same_samples(client: httpx.Client) -> None:
    decoded = {}
    for fmt, dtype in [
        ("pcm_s16le", "<i2"),
        ("pcm_s16be", ">i2"),
        ("pcm_s32le", "<i4"),
        ("pcm_s32be", ">i4"),
        ("pcm_f32le", "<f4"),
        ("pcm_f32be", ">f4"),
    ]:
        raw = stream(client, output_configuration={"format": fmt}).content
        samples = np.frombuffer(raw, dtype=dtype).astype(np.float64)
        if dtype[1] == "i":
            samples /= np.iinfo(np.dtype(dtype)).max
        decoded[fmt] = samples
    reference = decoded.pop("pcm_s16le")
    assert np.sqrt(np.mean(reference**2)) > 0.02
    for samples in decoded.values():
        assert samples.shape == reference.shape
        assert np.max(np.abs(samples - reference)) < 1e-3


def test_adts_is_a_sequence_of_frames(client: httpx.Client) -> None:
    data = stream(client, output_configuration={"format": "adts"}).content
    pos = frames = 0
    while pos < len(data):
        assert data[pos] == 0xFF
        assert data[pos + 1] & 0xF0 == 0xF0  # syncword
        length = ((data[pos + 3] & 3) << 11) | (data[pos + 4] << 3) | (data[pos + 5] >> 5)
        assert length > 7
        pos += length
        frames += 1
    assert pos == len(data)
    assert frames * 1024 >= len(STREAM_BODY["text"]) * 0.06 * 24000


@pytest.mark.parametrize(("length", "status"), [(2, 422), (3, 200), (3000, 200), (3001, 422)])
def test_text_length_limits(client: httpx.Client, length: int, status: int) -> None:
    response = stream(client, text="a" * length, output_configuration={"format": "pcm_s16le"})
    assert response.status_code == status
    if status == 422:
        [item] = response.json()["detail"]
        assert item["loc"] == ["body", "text"]


@pytest.mark.parametrize("model", [*SPEECH_MODELS, None])
def test_unknown_locale_lists_the_allowed_ones(client: httpx.Client, model: str | None) -> None:
    """As Camb's docs describe it: a 422 at ``["body"]`` listing the model's locales."""
    extra = {} if model is None else {"speech_model": model}
    response = stream(client, language="en-gx", **extra)
    assert response.status_code == 422
    [item] = response.json()["detail"]
    assert item["loc"] == ["body"]
    assert item["msg"].startswith("Value error, Language 'en-gx' is not supported by ")
    assert (model or SERVER_DEFAULT_SPEECH_MODEL) in item["msg"]
    allowed = item["msg"].split("Allowed locales: ")[1].split(", ")
    assert allowed == list(SUPPORTED_LOCALES[model or SERVER_DEFAULT_SPEECH_MODEL])
    assert "ar-kw" in allowed
    assert "en-uk" in allowed


@pytest.mark.parametrize("locale", STREAM_LOCALES)
def test_every_official_locale_is_spoken(client: httpx.Client, locale: str) -> None:
    response = stream(client, language=locale, output_configuration={"format": "pcm_s16le"})
    assert response.status_code == 200, response.text


def test_unknown_speech_model_is_refused(client: httpx.Client) -> None:
    response = stream(client, speech_model="mars-99")
    assert response.status_code == 422
    [item] = response.json()["detail"]
    assert item["loc"] == ["body", "speech_model"]
    assert all(model in item["msg"] for model in SPEECH_MODELS)


@pytest.mark.parametrize(
    ("fields", "loc", "kind"),
    [
        ({"language": "EN-US"}, ["body", "language"], "string_pattern_mismatch"),
        ({"language": 1}, ["body", "language"], "string_type"),
        ({"voice_id": "147320"}, ["body", "voice_id"], "int_type"),
        ({"voice_id": None}, ["body", "voice_id"], "int_type"),
        (
            {"output_configuration": {"format": "ogg"}},
            ["body", "output_configuration", "format"],
            "enum",
        ),
        ({"output_configuration": "wav"}, ["body", "output_configuration"], "model_type"),
        (
            {"output_configuration": {"duration": 0}},
            ["body", "output_configuration", "duration"],
            "greater_than",
        ),
        (
            {"output_configuration": {"sample_rate": 0}},
            ["body", "output_configuration", "sample_rate"],
            "greater_than",
        ),
        (
            {"output_configuration": {"sample_rate": 1000}},
            ["body", "output_configuration", "sample_rate"],
            "value_error",
        ),
        (
            {"output_configuration": {"format": "mp3", "sample_rate": 96000}},
            ["body", "output_configuration", "sample_rate"],
            "value_error",
        ),
        (
            {"voice_settings": {"speaking_rate": -1}},
            ["body", "voice_settings", "speaking_rate"],
            "greater_than",
        ),
        (
            {"inference_options": {"temperature": 0}},
            ["body", "inference_options", "temperature"],
            "greater_than_equal",
        ),
        (
            {"inference_options": {"stability": 1.5}},
            ["body", "inference_options", "stability"],
            "less_than_equal",
        ),
        (
            {"inference_options": {"inference_steps": 2.5}},
            ["body", "inference_options", "inference_steps"],
            "int_from_float",
        ),
        (
            {"enhance_named_entities_pronunciation": "yes"},
            ["body", "enhance_named_entities_pronunciation"],
            "bool_type",
        ),
    ],
)
def test_request_is_validated(
    client: httpx.Client, fields: dict[str, Any], loc: list[str], kind: str
) -> None:
    response = stream(client, **fields)
    assert response.status_code == 422
    [item] = response.json()["detail"]
    assert (item["loc"], item["type"]) == (loc, kind)


def test_missing_fields_are_all_reported(client: httpx.Client) -> None:
    response = client.post("/tts-stream", json={})
    assert response.status_code == 422
    missing = {
        tuple(item["loc"]) for item in response.json()["detail"] if item["type"] == "missing"
    }
    assert missing == {("body", "text"), ("body", "language"), ("body", "voice_id")}


def test_every_optional_field_is_accepted(client: httpx.Client) -> None:
    response = stream(
        client,
        speech_model="mars-instruct",
        user_instructions="Whisper.",
        enhance_named_entities_pronunciation=True,
        output_configuration={
            "format": "flac",
            "duration": 1.0,
            "apply_enhancement": False,
            "sample_rate": 22050,
        },
        voice_settings={
            "enhance_reference_audio_quality": True,
            "maintain_source_accent": False,
            "apply_ref_loudness_norm": True,
            "speaking_rate": 1.5,
        },
        inference_options={
            "stability": 0.5,
            "temperature": 0.7,
            "inference_steps": 50,
            "speaker_similarity": 1,
            "localize_speaker_weight": 0.5,
            "acoustic_quality_boost": True,
        },
    )
    assert response.status_code == 200
    info = soundfile.info(io.BytesIO(response.content))
    assert (info.samplerate, info.frames) == (22050, 22050)


def test_speaking_rate_shortens_the_speech(client: httpx.Client) -> None:
    normal = stream(client, output_configuration={"format": "pcm_s16le"}).content
    fast = stream(
        client, output_configuration={"format": "pcm_s16le"}, voice_settings={"speaking_rate": 2.0}
    ).content
    assert len(fast) == pytest.approx(len(normal) / 2, rel=0.05)
