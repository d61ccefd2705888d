"""voices.list() is as lenient as the real API is messy: one odd voice is skipped with a warning
naming its place, fields the API adds are kept, and every official field is there (nullable
ones as None)."""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import camb
from camb.sandbox import running

from .conftest import Api, json_response

GOOD = {"id": 1, "voice_name": "Ann", "gender": 2, "signed_url": None}
ALSO_GOOD = {
    "id": 2,
    "voice_name": "Bo",
    "gender": None,
    "age": 41,
    "language": 1,
    "transcript": "Hello.",
    "description": None,
    "is_published": False,
    "signed_url": "https://files.example/voices/2.flac?X-Amz-Signature=s3cr3t",
}


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "camb" and record.levelno == logging.WARNING
    ]


# (why, the odd item, what the warning says about it)
ODD_ITEMS: list[tuple[str, Any, str]] = [
    ("a string id", {"id": "1", "voice_name": "A"}, "id is not int but str"),
    ("a bool id", {"id": True, "voice_name": "A"}, "id is not int but bool"),
    ("a float id", {"id": 1.0, "voice_name": "A"}, "id is not int but float"),
    ("a null id", {"id": None, "voice_name": "A"}, "id is missing or null"),
    ("no voice_name", {"id": 1}, "voice_name is missing"),
    ("a number for voice_name", {"id": 1, "voice_name": 5}, "voice_name is not str but int"),
    ("a string gender", {"id": 1, "voice_name": "A", "gender": "f"}, "gender is not int"),
    ("a string age", {"id": 1, "voice_name": "A", "age": "old"}, "age is not int"),
    ("a string is_published", {"id": 1, "voice_name": "A", "is_published": "yes"}, "is_publ"),
    ("a number signed_url", {"id": 1, "voice_name": "A", "signed_url": 5}, "signed_url is not"),
    ("a number", 3, "not an object but int"),
    ("key-value pairs", [["id", 1], ["voice_name", "A"]], "not an object but list"),
    ("null", None, "not an object but NoneType"),
]


@pytest.mark.parametrize(("why", "odd", "said"), ODD_ITEMS, ids=[case[0] for case in ODD_ITEMS])
def test_an_odd_voice_is_skipped_with_a_warning_and_the_rest_returned(
    make_api: Callable[..., Api],
    caplog: pytest.LogCaptureFixture,
    why: str,
    odd: Any,
    said: str,
) -> None:
    api = make_api(lambda r: json_response(200, [GOOD, odd, ALSO_GOOD]))
    with caplog.at_level(logging.WARNING, logger="camb"):
        voices = api(lambda c: c.voices.list())
    assert [voice.id for voice in voices] == [1, 2], why
    (warning,) = warnings_of(caplog)
    assert "GET /apis/list-voices" in warning
    assert "voice 1 of 3" in warning
    assert said in warning


def test_every_odd_voice_is_reported_by_its_index(
    make_api: Callable[..., Api], caplog: pytest.LogCaptureFixture
) -> None:
    body = [5, GOOD, {"id": "x", "voice_name": "A"}, ALSO_GOOD, {}]
    api = make_api(lambda r: json_response(200, body))
    with caplog.at_level(logging.WARNING, logger="camb"):
        voices = api(lambda c: c.voices.list())
    assert [voice.voice_name for voice in voices] == ["Ann", "Bo"]
    found = warnings_of(caplog)
    assert [w.split("skipped ")[1].split(":")[0] for w in found] == [
        "voice 0 of 5",
        "voice 2 of 5",
        "voice 4 of 5",
    ]


def test_a_list_of_only_odd_voices_is_an_empty_list(
    make_api: Callable[..., Api], caplog: pytest.LogCaptureFixture
) -> None:
    api = make_api(lambda r: json_response(200, [1, 2]))
    with caplog.at_level(logging.WARNING, logger="camb"):
        assert api(lambda c: c.voices.list()) == []
    assert len(warnings_of(caplog)) == 2


def test_the_warning_never_shows_the_voice_or_its_presigned_url(
    make_api: Callable[..., Api], caplog: pytest.LogCaptureFixture
) -> None:
    odd = {**ALSO_GOOD, "id": "2"}
    api = make_api(lambda r: json_response(200, [odd]))
    with caplog.at_level(logging.DEBUG, logger="camb"):
        assert api(lambda c: c.voices.list()) == []
    logged = "\n".join(record.getMessage() + repr(record.args) for record in caplog.records)
    assert "s3cr3t" not in logged
    assert "Hello." not in logged


def test_fields_the_api_adds_are_kept_in_extra(make_api: Callable[..., Api]) -> None:
    item = {**GOOD, "accent": "Scottish", "tags": ["warm", "slow"], "rating": None}
    api = make_api(lambda r: json_response(200, [item, ALSO_GOOD]))
    first, second = api(lambda c: c.voices.list())
    assert first.extra == {"accent": "Scottish", "tags": ["warm", "slow"], "rating": None}
    assert second.extra == {}
    assert "accent" not in camb.Voice.__annotations__


def test_signed_url_none_and_set(make_api: Callable[..., Api]) -> None:
    api = make_api(lambda r: json_response(200, [GOOD, ALSO_GOOD, {"id": 3, "voice_name": "C"}]))
    first, second, third = api(lambda c: c.voices.list())
    assert first.signed_url is None
    assert second.signed_url == ALSO_GOOD["signed_url"]
    assert third.signed_url is None


def test_every_official_field_is_read_and_nullable_ones_may_be_none(
    make_api: Callable[..., Api],
) -> None:
    only_required = {"id": 3, "voice_name": "C"}
    all_null = {
        "id": 4,
        "voice_name": "D",
        **dict.fromkeys(
            [
                "gender",
                "age",
                "language",
                "transcript",
                "description",
                "is_published",
                "signed_url",
            ]
        ),
    }
    api = make_api(lambda r: json_response(200, [ALSO_GOOD, only_required, all_null]))
    full, bare, nulls = api(lambda c: c.voices.list())
    assert full == camb.Voice(**ALSO_GOOD)
    assert bare == camb.Voice(id=3, voice_name="C")
    assert nulls == camb.Voice(id=4, voice_name="D")
    assert nulls.extra == {}


def test_a_voice_is_frozen_hashable_and_picklable_with_extra_fields() -> None:
    voice = camb.Voice(1, "Ann", extra={"tags": ["a"]})
    with pytest.raises(AttributeError):
        voice.voice_name = "B"  # type: ignore[misc]
    assert hash(voice) == hash(camb.Voice(1, "Ann"))
    assert voice != camb.Voice(1, "Ann")
    assert pickle.loads(pickle.dumps(voice)) == voice


def test_the_sandboxs_voices_all_read_with_and_without_signed_url(tmp_path: Path) -> None:
    with running() as sandbox, camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
        voices = client.voices.list()
        sample = next(voice for voice in voices if voice.signed_url is not None)
        assert sample.signed_url is not None
        audio = client.tts.download_url(sample.signed_url, tmp_path / "sample.flac")
    assert len(voices) >= 5
    assert any(voice.signed_url is None for voice in voices)
    assert any(voice.gender is None or voice.age is None for voice in voices)
    assert audio.read_bytes()[:4] == b"fLaC"


def test_a_voice_language_may_be_a_locale_or_an_id(
    make_api: Callable[..., Api], caplog: pytest.LogCaptureFixture
) -> None:
    """Camb's OpenAPI types a voice's language as a locale tag, camb-sdk as an int: both are
    kept as they came; any other type still skips that voice alone."""
    voices = [
        {"id": 1, "voice_name": "Ann", "language": "en-us"},
        {"id": 2, "voice_name": "Bo", "language": 1},
        {"id": 3, "voice_name": "Cy", "language": None},
        {"id": 4, "voice_name": "Di", "language": [1]},
    ]
    api = make_api(lambda r: json_response(200, voices))
    with caplog.at_level(logging.WARNING, logger="camb"):
        listed = api(lambda c: c.voices.list())
    assert [(v.id, v.language) for v in listed] == [(1, "en-us"), (2, 1), (3, None)]
    assert len(warnings_of(caplog)) == 1
