"""Every API limit and list the facade checks comes from `camb.api_facts` (read from the spec by
`make regen`): the checks hold exactly at the spec's bounds, the help texts and docstrings say
the spec's numbers, no facade module types a fact again, and the lists the real API keeps open
(locales, speech models) stay open."""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import camb
from camb import _models, _validation, api_facts
from camb._cli._main import build_parser, main
from camb._wire import _chunking as _chunking
from camb._wire import _operations as _operations

from .conftest import Api

ROOT = Path(__file__).resolve().parents[2]


def _never_sent(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"sent {request.url}")


def test_the_facade_names_are_the_generated_facts() -> None:
    assert camb.AUDIO_FORMATS is api_facts.AUDIO_FORMATS
    assert camb.AudioFormat is api_facts.AudioFormat
    assert typing.get_args(camb.AudioFormat) == api_facts.AUDIO_FORMATS
    assert _models.OUTPUT_TYPES is api_facts.OUTPUT_TYPES
    assert set(api_facts.TASK_STATUSES) == _models.DOCUMENTED_STATUSES
    assert _validation.GENDERS is api_facts.GENDER_CODES
    assert (_validation.STREAM_TEXT_MIN, _validation.STREAM_TEXT_MAX) == (
        api_facts.STREAM_TEXT_MIN_LENGTH,
        api_facts.STREAM_TEXT_MAX_LENGTH,
    )
    assert _validation.LOCALE_RE.pattern == api_facts.STREAM_LOCALE_PATTERN
    assert (_chunking.MIN_CHUNK, _chunking.MAX_CHUNK) == (
        api_facts.RUN_IDS_MIN_ITEMS,
        api_facts.RUN_IDS_MAX_ITEMS,
    )


def test_every_documented_status_has_its_meaning_in_wait() -> None:
    from camb._polling import outcome_of

    for status in api_facts.TASK_STATUSES:
        outcome = outcome_of(camb.TaskStatus("t", status, run_id=1))
        assert not isinstance(outcome, camb.UnexpectedTaskStatusError), status


# (parameter, the inference option's range)
RANGES = sorted(api_facts.INFERENCE_OPTION_RANGES.items())


@pytest.mark.parametrize(("name", "bounds"), RANGES, ids=[name for name, _ in RANGES])
def test_inference_options_hold_exactly_at_the_specs_bounds(
    name: str, bounds: tuple[float, float]
) -> None:
    low, high = bounds
    for inside in (low, high):
        _operations.stream_request("Hello", 1, "en-us", inference_options={name: inside})
    step = 1 if name == "inference_steps" else 0.001
    for outside in (low - step, high + step):
        with pytest.raises(camb.InvalidInputError) as caught:
            _operations.stream_request("Hello", 1, "en-us", inference_options={name: outside})
        assert caught.value.param == f"inference_options.{name}"


def test_text_and_other_minimums_hold_at_the_specs_bounds() -> None:
    low, high = api_facts.STREAM_TEXT_MIN_LENGTH, api_facts.STREAM_TEXT_MAX_LENGTH
    for length in (low, high):
        _operations.stream_request("x" * length, 1, "en-us")
    for length in (low - 1, high + 1):
        with pytest.raises(camb.InvalidInputError, match=f"{low} to {high} characters"):
            _operations.stream_request("x" * length, 1, "en-us")
    rate = api_facts.VOICE_SETTING_EXCLUSIVE_MINIMUMS["speaking_rate"]
    with pytest.raises(camb.InvalidInputError):
        _operations.stream_request("Hello", 1, "en-us", voice_settings={"speaking_rate": rate})
    for name, minimum in api_facts.OUTPUT_CONFIGURATION_EXCLUSIVE_MINIMUMS.items():
        with pytest.raises(camb.InvalidInputError) as caught:
            _operations.stream_request("Hello", 1, "en-us", **{name: int(minimum)})
        assert caught.value.param == name
        _operations.stream_request("Hello", 1, "en-us", **{name: int(minimum) + 1})


def test_gender_codes_and_age_are_the_specs() -> None:
    for code in api_facts.GENDER_CODES:
        _operations.create_request("Hello", 1, 1, gender=code)
    for code in set(range(-1, 11)) - set(api_facts.GENDER_CODES):
        with pytest.raises(camb.InvalidInputError, match="must be one of"):
            _operations.create_request("Hello", 1, 1, gender=code)
    _operations.create_request("Hello", 1, 1, age=api_facts.TASK_AGE_MINIMUM)
    with pytest.raises(camb.InvalidInputError):
        _operations.create_request("Hello", 1, 1, age=api_facts.TASK_AGE_MINIMUM - 1)
    with pytest.raises(camb.InvalidInputError):
        _operations.create_request("x" * (api_facts.TASK_TEXT_MIN_LENGTH - 1), 1, 1)


def test_formats_and_output_types_are_the_specs() -> None:
    for audio_format in api_facts.AUDIO_FORMATS:
        _operations.stream_request("Hello", 1, "en-us", format=audio_format)
    for output_type in api_facts.OUTPUT_TYPES:
        _operations.result_request(1, output_type)
    with pytest.raises(camb.InvalidInputError, match=", ".join(map(repr, api_facts.OUTPUT_TYPES))):
        _operations.result_request(1, "mp3")


def test_bulk_chunks_are_the_specs_sizes() -> None:
    for count in range(api_facts.RUN_IDS_MIN_ITEMS, 40):
        chunks = _chunking.plan_chunks(list(range(count)))
        assert all(
            api_facts.RUN_IDS_MIN_ITEMS <= len(chunk) <= api_facts.RUN_IDS_MAX_ITEMS
            for chunk in chunks
        )


def test_open_lists_stay_open(make_api: Callable[..., Api]) -> None:
    """A speech model the spec does not list yet is still sent. A locale the spec does not
    know is refused before sending (issue 22), with the nearest known ones; one newer than the
    client can still be sent through extra_body."""
    new_locale, new_model = "sw-ug", "mars-9-ultra"
    assert new_locale not in api_facts.STREAM_LOCALES
    assert new_model not in api_facts.SPEECH_MODELS
    api = make_api(
        lambda r: httpx.Response(200, content=b"RIFF" + bytes(8), headers={"content-type": "a/x"})
    )
    api(lambda c: c.tts.stream("Hello", 1, "sw-ke", speech_model=new_model).read())
    body = json.loads(api.requests[0].content)
    assert (body["language"], body["speech_model"]) == ("sw-ke", new_model)
    with pytest.raises(camb.InvalidInputError, match="'sw-ke'") as caught:
        api(lambda c: c.tts.stream("Hello", 1, new_locale).read())
    assert caught.value.param == "language"
    assert len(api.requests) == 1
    api(lambda c: c.tts.stream("Hello", 1, "sw-ke", extra_body={"language": new_locale}).read())
    assert json.loads(api.requests[1].content)["language"] == new_locale


def test_the_docstrings_say_the_specs_numbers() -> None:
    tts = camb.Camb(api_key="k").tts
    low, high = api_facts.STREAM_TEXT_MIN_LENGTH, api_facts.STREAM_TEXT_MAX_LENGTH
    assert f"({low} to {high} characters)" in (tts.stream.__doc__ or "")
    genders = ", ".join(map(str, api_facts.GENDER_CODES[:-1]))
    assert f"`gender` is {genders} or {api_facts.GENDER_CODES[-1]}" in (tts.create.__doc__ or "")
    results = " ".join((tts.results.__doc__ or "").split())
    assert f"`ceil(n/{api_facts.RUN_IDS_MAX_ITEMS})`" in results
    assert f"of {api_facts.RUN_IDS_MIN_ITEMS} to {api_facts.RUN_IDS_MAX_ITEMS} ids" in results


def test_the_cli_help_and_choices_are_the_specs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["speak", "--help"]) == 0
    speak_help = " ".join(capsys.readouterr().out.split())
    low, high = api_facts.STREAM_TEXT_MIN_LENGTH, api_facts.STREAM_TEXT_MAX_LENGTH
    assert f"{low} to {high} characters" in speak_help
    assert ", ".join(api_facts.AUDIO_FORMATS) in speak_help
    parser = build_parser()
    for audio_format in api_facts.AUDIO_FORMATS:
        args = parser.parse_args(["speak", "Hello", "-o", "x.wav", "--format", audio_format])
        assert args.format == audio_format
    create = ["create", "Hi", "--voice-id", "1", "--language", "1", "--gender"]
    for code in api_facts.GENDER_CODES:
        assert parser.parse_args([*create, str(code)]).gender == code
    assert main([*create, "3"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_no_facade_module_types_a_fact_again() -> None:
    """The literals of the spec's lists and limits appear in no hand-written facade module."""
    low, high = api_facts.STREAM_TEXT_MIN_LENGTH, api_facts.STREAM_TEXT_MAX_LENGTH
    facts: dict[str, Any] = {
        "the text limits": rf"\b{low}, {high}",
        "the gender codes": re.escape(repr(api_facts.GENDER_CODES)),
        "the temperature range": re.escape(
            "{}, {}".format(*api_facts.INFERENCE_OPTION_RANGES["temperature"])
        ),
        "a format list": r'"pcm_s16be",',
        "the status list": r'"PAYMENT_REQUIRED"\}',
    }
    modules = [
        path
        for path in (ROOT / "camb").rglob("*.py")
        if "sandbox" not in path.parts and path.name != "api_facts.py"
    ]
    assert len(modules) > 20
    found = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in modules
        for what, pattern in facts.items()
        if re.search(pattern, path.read_text(encoding="utf-8"))
    ]
    assert found == []
