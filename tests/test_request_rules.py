"""One table of request rules (issue 17): the facade, the batch reader and the sandbox agree on
every rule of it, just inside and just outside each bound, length, choice, type and model.

The probes are made from the table itself (camb/_rules.py, generated from the spec), so an
option added to the spec is probed without a change here.
"""

from __future__ import annotations

import inspect
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import camb
from camb import _rules as rules
from camb._longform._audio_join import check_paragraph_pause
from camb._wire import _operations as ops
from camb.api_facts import SPEECH_MODELS, OptionRule
from camb.batch import BatchInputError, read_items
from camb.sandbox._validation import (
    RequestInvalid,
    parse_stream_request,
    parse_task_request,
)

VOICE = 147320
TEXT = "Hello there."
# Rules of the sandbox beyond the schema that the client cannot know: the sample rates each
# audio format supports (the sandbox refuses 1 Hz; the spec only says > 0).
SANDBOX_BEYOND_THE_SCHEMA = {"output_configuration.sample_rate"}
# Open lists: a value outside the known list is sent by the client, and the server decides (the
# sandbox, like the API, answers a 422 for a model it does not have).
OPEN_IN_THE_CLIENT = {"speech_model"}


def _step(rule: OptionRule) -> float:
    return 1 if "integer" in rule.kinds else 0.001


def probes(name: str, rule: OptionRule) -> Iterator[tuple[Any, bool, dict[str, Any]]]:
    """(value, allowed, other options it needs) just inside and just outside each limit."""
    context: dict[str, Any] = {}
    if rule.models is not None:
        context = {"speech_model": rule.models[0]}
        others = [m for m in SPEECH_MODELS if m not in rule.models]
        valid = "x" * (rule.min_length or 1)
        yield valid, True, context
        yield valid, False, {"speech_model": others[0]}
        yield valid, False, {}  # the server's default model
    if rule.choices is not None:
        yield rule.choices[0], True, context
        yield rule.choices[-1], True, context
        if isinstance(rule.choices[0], str):
            yield "zz-" + rule.choices[0], rule.open_choices and name not in {"language"}, context
        else:
            missing = max(rule.choices) + 1
            yield missing, False, context
    if rule.pattern is not None:
        yield "EN_US", False, context
    if "integer" in rule.kinds or "number" in rule.kinds:
        step = _step(rule)
        if rule.minimum is not None:
            yield rule.minimum, True, context
            yield rule.minimum - step, False, context
        if rule.maximum is not None:
            yield rule.maximum, True, context
            yield rule.maximum + step, False, context
        if rule.exclusive_minimum is not None:
            yield rule.exclusive_minimum + step, True, context
            yield rule.exclusive_minimum, False, context
        yield ("1.5" if "integer" in rule.kinds else "1"), False, context
        if "integer" in rule.kinds and "string" not in rule.kinds:
            yield 1.5, False, context
    if rule.kinds == ("string",) and rule.choices is None:
        low = rule.min_length or 1
        yield "x" * low, True, context
        yield "x" * (low - 1), False, context
        if rule.max_length is not None:
            yield "x" * rule.max_length, True, context
            yield "x" * (rule.max_length + 1), False, context
    if rule.kinds == ("string",):
        yield 5, False, context
    if rule.kinds == ("boolean",):
        yield True, True, context
        yield False, True, context
        yield "yes", False, context
        yield 1, False, context


def _all_probes(table: dict[str, OptionRule]) -> list[tuple[str, Any, bool, dict[str, Any]]]:
    return [
        (name, value, allowed, context)
        for name, rule in table.items()
        for value, allowed, context in probes(name, rule)
    ]


STREAM_PROBES = _all_probes(dict(rules.STREAM_RULES))
TASK_PROBES = _all_probes(dict(rules.TASK_RULES))


def _id(probe: Any) -> str:
    text = repr(probe)
    return text if len(text) < 30 else text[:27] + "..."


# --- each side ------------------------------------------------------------------------------


def _stream_arguments(name: str, value: Any, context: dict[str, Any]) -> dict[str, Any]:
    args: dict[str, Any] = {"text": TEXT, "voice_id": VOICE, "language": "en-us", **context}
    outer, dot, inner = name.partition(".")
    if not dot:
        args[name] = value
    elif outer == "output_configuration":
        args[inner] = value
    else:
        args[outer] = {inner: value}
    return args


def facade_allows(name: str, value: Any, context: dict[str, Any]) -> bool:
    args = _stream_arguments(name, value, context)
    try:
        ops.stream_request(args.pop("text"), args.pop("voice_id"), args.pop("language"), **args)
    except camb.InvalidInputError:
        return False
    return True


def batch_name(name: str) -> str | None:
    """The field of a batch line that gives this option, or None (not an option of speak())."""
    outer, dot, inner = name.partition(".")
    if not dot:
        return name if name in rules.SPEAK_OPTIONS else None
    if outer == "output_configuration":
        return inner if inner in rules.SPEAK_OPTIONS else None
    return name


def batch_allows(name: str, value: Any, context: dict[str, Any]) -> bool:
    record: dict[str, Any] = {"id": "a", "text": TEXT, "voice_id": VOICE, "language": "en-us"}
    record.update(context)
    field = batch_name(name)
    assert field is not None
    outer, dot, inner = field.partition(".")
    record.update({outer: {inner: value}} if dot else {field: value})
    try:
        read_items(io.BytesIO(json.dumps(record).encode() + b"\n"), format="jsonl")
    except BatchInputError:
        return False
    return True


def sandbox_allows(name: str, value: Any, context: dict[str, Any]) -> bool:
    body: dict[str, Any] = {"text": TEXT, "voice_id": VOICE, "language": "en-us", **context}
    outer, dot, inner = name.partition(".")
    if dot:
        body[outer] = {"format": "wav", inner: value} if outer == "output_configuration" else {}
        body[outer][inner] = value
    else:
        body[name] = value
    try:
        parse_stream_request(json.dumps(body).encode())
    except RequestInvalid:
        return False
    return True


# --- the agreement ----------------------------------------------------------------------------


def test_every_stream_option_has_exactly_one_rule() -> None:
    """Every keyword of stream() is an option of the table (flat or nested), and back."""
    params = inspect.signature(camb.Camb(api_key="k").tts.stream).parameters
    per_call = {"timeout", "total_timeout", "max_retries", "extra_headers", "extra_query"}
    per_call |= {"extra_body"}
    facade = {name for name in params if name not in per_call}
    back = {wire: flat for flat, wire in rules.FLAT_NAMES.items()}
    table = {back.get(name, name.split(".")[0]) for name in rules.STREAM_RULES}
    assert facade == table


def test_speak_options_are_the_rule_tables() -> None:
    """What a batch line may give is what speak() takes, option for option."""
    params = inspect.signature(camb.Camb(api_key="k").tts.speak).parameters
    with_rules = [
        name
        for name in params
        if name != "text"
        and (
            name in rules.SPEAK_RULES
            or rules.FLAT_NAMES.get(name, name) in rules.STREAM_RULES
            or any(key.startswith(f"{name}.") for key in rules.STREAM_RULES)
        )
    ]
    assert sorted(with_rules) == sorted(rules.SPEAK_OPTIONS)


@pytest.mark.parametrize(("name", "value", "allowed", "context"), STREAM_PROBES, ids=_id)
def test_facade_batch_and_sandbox_agree_on_each_stream_rule(
    name: str, value: Any, allowed: bool, context: dict[str, Any]
) -> None:
    facade = facade_allows(name, value, context)
    open_value = name in OPEN_IN_THE_CLIENT and isinstance(value, str)
    assert facade is (allowed or open_value), f"facade: {name}={value!r}"
    if batch_name(name) is not None:
        assert batch_allows(name, value, context) is facade, f"batch: {name}={value!r}"
    sandbox = sandbox_allows(name, value, context)
    if not facade:
        assert sandbox is False, f"sandbox took what the facade refuses: {name}={value!r}"
    elif open_value and value not in SPEECH_MODELS:
        assert sandbox is False  # an unknown model: the server's 422
    elif name not in SANDBOX_BEYOND_THE_SCHEMA:
        assert sandbox is True, f"sandbox refused what the facade sends: {name}={value!r}"


@pytest.mark.parametrize(("name", "value", "allowed", "context"), TASK_PROBES, ids=_id)
def test_facade_and_sandbox_agree_on_each_task_rule(
    name: str, value: Any, allowed: bool, context: dict[str, Any]
) -> None:
    args: dict[str, Any] = {"text": TEXT, "voice_id": VOICE, "language": "en-us"}
    args[name] = value
    try:
        ops.create_request(args.pop("text"), args.pop("voice_id"), args.pop("language"), **args)
        facade = True
    except camb.InvalidInputError:
        facade = False
    body = {"text": TEXT, "voice_id": VOICE, "language": "en-us", name: value}
    try:
        parse_task_request(json.dumps(body).encode())
        sandbox = True
    except RequestInvalid:
        sandbox = False
    assert facade is allowed, f"facade: {name}={value!r}"
    assert sandbox is facade, f"sandbox: {name}={value!r}"


@pytest.mark.parametrize(
    ("value", "allowed"), [(0, True), (60, True), (-0.001, False), (60.001, False), ("1", False)]
)
def test_speak_and_batch_agree_on_paragraph_pause(value: Any, allowed: bool) -> None:
    try:
        check_paragraph_pause(value)
        speak = True
    except camb.InvalidInputError:
        speak = False
    assert speak is allowed
    record = {"id": "a", "text": TEXT, "voice_id": VOICE, "language": "en-us"}
    line = json.dumps({**record, "paragraph_pause": value}).encode()
    try:
        read_items(io.BytesIO(line), format="jsonl")
        batch = True
    except BatchInputError:
        batch = False
    assert batch is allowed


def test_a_csv_cell_is_typed_by_the_rule_before_it_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        "id,text,voice_id,language,paragraph_pause,inference_options.inference_steps\n"
        "a,Hello there.,147320,en-gb,60,200\n"
        "b,Hello there.,147320,en-us,100,5\n"
        "c,Hello there.,147320,en-us,1,201\n",
        encoding="utf-8",
    )
    result = read_items(path, skip_invalid=True)
    assert [item.id for item in result.items] == ["a"]
    assert result.items[0].paragraph_pause == 60.0
    assert result.items[0].language == "en-gb"
    assert [(p.line, p.field) for p in result.problems] == [
        (3, "paragraph_pause"),
        (4, "inference_options.inference_steps"),
    ]
