"""Reading batch input: every bad line reported with its line number, field and rule."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

import camb
from camb.batch._input import (
    DEFAULT_FORMAT,
    BatchInputError,
    BatchItem,
    InputProblem,
    check_item_id,
    read_items,
)

GOOD = {"id": "a1", "text": "Hello there.", "voice_id": 147320, "language": "en-us"}


def jsonl(tmp_path: Path, *records: Any, name: str = "in.jsonl") -> Path:
    path = tmp_path / name
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def csv_file(tmp_path: Path, text: str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path | io.BytesIO, **kwargs: Any) -> list[tuple[int, str | None]]:
    with pytest.raises(BatchInputError) as caught:
        read_items(path, **kwargs)
    assert isinstance(caught.value, camb.InvalidInputError)
    return [(p.line, p.field) for p in caught.value.problems]


def test_good_jsonl_gives_items_in_order_with_defaults(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path,
        GOOD,
        {
            "id": "b",
            "text": "Second line.",
            "format": "mp3",
            "voice_settings": {"speaking_rate": 1},
        },
        "",
        {"id": 7, "text": "Third.", "voice_id": 5, "language": "fr-fr", "_note": "ignored"},
    )
    result = read_items(path, defaults={"voice_id": 9, "language": "de-de"})
    assert result.problems == []
    a, b, c = result.items
    assert (a.id, a.voice_id, a.language, a.format, a.line) == ("a1", 147320, "en-us", "wav", 1)
    assert (b.id, b.voice_id, b.language, b.format, b.line) == ("b", 9, "de-de", "mp3", 2)
    assert b.voice_settings == camb.VoiceSettings(speaking_rate=1.0)
    assert isinstance(b.voice_settings.speaking_rate, float)
    assert (c.id, c.voice_id, c.language, c.line) == ("7", 5, "fr-fr", 4)
    assert b.file_name == "b.mp3"
    assert a.file_name == f"a1.{DEFAULT_FORMAT}"
    assert b.options() == {"format": "mp3", "voice_settings": camb.VoiceSettings(speaking_rate=1.0)}


def test_every_bad_line_is_reported_with_line_and_field(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path,
        GOOD,
        {**GOOD, "id": "A1"},  # same id ignoring case
        {**GOOD, "id": "ok2", "voice_id": "147320"},
        "{not json",
        {**GOOD, "id": "ok4", "language": "English"},
        {**GOOD, "id": "ok5", "format": "ogg", "sample_rate": 0},
        [1, 2],
        {**GOOD, "id": "ok7", "voice-id": 3},
        {**GOOD, "id": "ok8", "inference_options": {"temperature": 9, "stabilty": 0.5}},
        {"id": "ok9"},
        {**GOOD, "id": "ok10", "text": "   "},
    )
    assert problems_of(path) == [
        (2, "id"),
        (3, "voice_id"),
        (4, None),
        (5, "language"),
        (6, "format"),
        (6, "sample_rate"),
        (7, None),
        (8, "voice-id"),
        (9, "inference_options.temperature"),
        (9, "inference_options.stabilty"),
        (10, "text"),
        (10, "voice_id"),
        (10, "language"),
        (11, "text"),
    ]


def test_messages_name_the_rule(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path, GOOD, {**GOOD, "id": "A1", "voice-id": 1}, {**GOOD, "id": "x", "format": "ogg"}
    )
    with pytest.raises(BatchInputError) as caught:
        read_items(path)
    by_field = {p.field: p.message for p in caught.value.problems}
    assert "line 1" in by_field["id"]
    assert "case is ignored" in by_field["id"]
    assert "did you mean 'voice_id'" in by_field["voice-id"]
    assert "'wav'" in by_field["format"]
    assert "'ogg'" in by_field["format"]
    message = str(caught.value)
    assert message.startswith(f"{path}: 3 problems: line 2, id: ")
    assert str(InputProblem(4, None, "is not valid JSON")) == "line 4: is not valid JSON"


def test_message_is_bounded_but_problems_are_all_kept(tmp_path: Path) -> None:
    path = jsonl(tmp_path, *[{**GOOD, "id": f"i{n}", "voice_id": -1} for n in range(50)])
    with pytest.raises(BatchInputError) as caught:
        read_items(path)
    assert len(caught.value.problems) == 50
    assert str(caught.value).endswith("; and 40 more")


def test_skip_invalid_returns_the_good_items_and_the_problems(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path,
        GOOD,
        {**GOOD, "id": "a1"},
        {**GOOD, "id": "b", "voice_id": 0},
        {**GOOD, "id": "c"},
    )
    result = read_items(path, skip_invalid=True)
    assert [i.id for i in result.items] == ["a1", "c"]
    assert [(p.line, p.field) for p in result.problems] == [(2, "id"), (3, "voice_id")]


@pytest.mark.parametrize(
    "bad",
    [
        ".hidden",
        "a/b",
        "a\\b",
        "a\x00b",
        "",
        "x" * 129,
        "con",
        "NUL.txt",
        "com1",
        "-dash",
        "é",
        "a b",
        True,
        -1,
        1.5,
        None,
    ],
)
def test_unsafe_ids_are_refused(bad: object) -> None:
    with pytest.raises(camb.InvalidInputError) as caught:
        check_item_id(bad)
    assert caught.value.param == "id"


@pytest.mark.parametrize("good", ["a", "A.b-c_d", "0001", "x" * 128, "console", "chapter.01"])
def test_safe_ids_pass(good: str) -> None:
    assert check_item_id(good) == good


def test_utf8_bom_and_bad_utf8_lines(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode() + b"\n" + b'{"id": "b\xff"}\n')
    assert problems_of(path)[0] == (2, None)


def test_empty_input_is_a_problem(tmp_path: Path) -> None:
    assert problems_of(jsonl(tmp_path, "", "  ")) == [(0, None)]
    assert problems_of(csv_file(tmp_path, "")) == [(0, None)]


def test_csv_with_nested_columns_json_cells_and_multiline_text(tmp_path: Path) -> None:
    path = csv_file(
        tmp_path,
        "id,text,voice_id,language,voice_settings.speaking_rate,inference_options,"
        "apply_enhancement,_notes\n"
        'a,"Hello, world",1,en-us,1.5,,yes,whatever\n'
        "\n"
        'b,"First line\nsecond line",2,fr-fr,,"{""stability"": 0.5}",0,\n',
    )
    a, b = read_items(path).items
    assert a.voice_settings == camb.VoiceSettings(speaking_rate=1.5)
    assert a.apply_enhancement is True
    assert a.inference_options is None
    assert (b.text, b.line, b.voice_id) == ("First line\nsecond line", 4, 2)
    assert b.inference_options == camb.InferenceOptions(stability=0.5)
    assert b.apply_enhancement is False
    assert b.voice_settings is None


def test_csv_problems_have_physical_line_numbers(tmp_path: Path) -> None:
    path = csv_file(
        tmp_path,
        "id,text,voice_id,language,sample_rate,enhance_named_entities_pronunciation\n"
        'a,"two\nlines",1,en-us,,\n'
        "b,Hi there,x,en-us,,\n"
        "c,Hi there,1,en-us,1.5,maybe\n"
        "d,Hi there,1\n"
        "a,Again,1,en-us,,\n",
    )
    assert problems_of(path) == [
        (4, "voice_id"),
        (5, "sample_rate"),
        (5, "enhance_named_entities_pronunciation"),
        (6, None),
        (7, "id"),
    ]


def test_csv_unknown_columns_are_reported_once_in_the_header(tmp_path: Path) -> None:
    path = csv_file(
        tmp_path,
        "id,text,voice_id,language,voice-id,voice_settings.speed,speed.x,id\n"
        "a,Hi there,1,en-us,1,1,1,a\n" * 3,
    )
    assert problems_of(path) == [
        (1, "voice-id"),
        (1, "voice_settings.speed"),
        (1, "speed.x"),
        (1, "id"),
    ]


def test_csv_json_cell_errors(tmp_path: Path) -> None:
    path = csv_file(
        tmp_path,
        "id,text,voice_id,language,voice_settings,voice_settings.speaking_rate\n"
        "a,Hi there,1,en-us,not json,\n"
        'b,Hi there,1,en-us,"{""speaking_rate"": 1}",2\n'
        'c,Hi there,1,en-us,"[1]",\n',
    )
    assert problems_of(path) == [
        (2, "voice_settings"),
        (3, "voice_settings"),
        (4, "voice_settings"),
    ]


def test_defaults_are_checked_and_merged(tmp_path: Path) -> None:
    path = jsonl(tmp_path, {"id": "a", "text": "Hi there", "voice_settings": {"speaking_rate": 2}})
    (item,) = read_items(
        path,
        defaults={
            "voice_id": 3,
            "language": "en-us",
            "format": "flac",
            "voice_settings": {"speaking_rate": 1, "maintain_source_accent": True},
            "speech_model": None,
        },
    ).items
    assert item.format == "flac"
    assert item.speech_model is None
    assert item.voice_settings == camb.VoiceSettings(maintain_source_accent=True, speaking_rate=2.0)
    with pytest.raises(camb.InvalidInputError, match=r"defaults\['format'\]"):
        read_items(path, defaults={"format": "ogg"})
    with pytest.raises(camb.InvalidInputError, match=r"defaults\['text'\]"):
        read_items(path, defaults={"text": "x"})
    with pytest.raises(camb.InvalidInputError, match=r"defaults\['voice_settings.speaking_rate'\]"):
        read_items(path, defaults={"voice_settings": {"speaking_rate": -1}})


def test_format_detection_and_streams(tmp_path: Path) -> None:
    data = json.dumps(GOOD).encode() + b"\n"
    assert read_items(io.BytesIO(data)).items[0].id == "a1"
    csv_data = b"id,text,voice_id,language\nz,Hi there,1,en-us\n"
    assert read_items(io.BytesIO(csv_data)).items[0].id == "z"
    other = tmp_path / "items.txt"
    other.write_bytes(data)
    with pytest.raises(camb.InvalidInputError, match="must end in one of"):
        read_items(other)
    assert read_items(other, format="jsonl").items[0].id == "a1"
    with pytest.raises(camb.InvalidInputError, match="cannot be read"):
        read_items(tmp_path / "missing.jsonl")
    with pytest.raises(camb.InvalidInputError, match="format"):
        read_items(other, format="xml")  # type: ignore[arg-type]


def test_equal_options_make_equal_items(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path,
        {**GOOD, "id": "a", "voice_settings": {"speaking_rate": 1}},
        {**GOOD, "id": "b", "voice_settings": {"speaking_rate": 1.0}},
    )
    a, b = read_items(path).items
    assert a.voice_settings == b.voice_settings
    assert BatchItem("x", "t", 1, "en-us", line=1) == BatchItem("x", "t", 1, "en-us", line=9)


def test_twenty_thousand_lines_are_all_read(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("w") as file:
        for n in range(20_000):
            file.write(json.dumps({"id": f"item-{n:05d}", "text": f"Line number {n}."}) + "\n")
    result = read_items(path, defaults={"voice_id": 1, "language": "en-us"})
    assert len(result.items) == 20_000
    assert result.items[-1].id == "item-19999"
    assert result.items[-1].text == "Line number 19999."


def test_more_rules_for_options(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path,
        {**GOOD, "id": "a", "paragraph_pause": -1},
        {**GOOD, "id": "b", "inference_options": {"inference_steps": 2000}},
        {**GOOD, "id": "c", "inference_options": {"inference_steps": 1.5}},
        {**GOOD, "id": "d", "speech_model": 3, "voice_settings": [1]},
        {**GOOD, "id": "e", "user_instructions": ""},
    )
    assert problems_of(path) == [
        (1, "paragraph_pause"),
        (2, "inference_options.inference_steps"),
        (3, "inference_options.inference_steps"),
        (4, "speech_model"),
        (4, "voice_settings"),
        (5, "user_instructions"),
    ]


def test_csv_cells_are_parsed_by_type(tmp_path: Path) -> None:
    path = csv_file(
        tmp_path,
        "id,text,voice_id,language,format,voice_settings.speaking_rate,paragraph_pause\n"
        "a,Hi there, 7 , en-us , mp3 ,abc,\n"
        "b,Hi there,7,en-us,flac,.5,1e-1\n",
    )
    assert problems_of(path) == [(2, "voice_settings.speaking_rate")]
    (item,) = read_items(path, skip_invalid=True).items
    assert item.voice_settings == camb.VoiceSettings(speaking_rate=0.5)
    assert item.paragraph_pause == 0.1
    path.write_text("id,text,voice_id,language\n a ,Hi there,7,en-us\n")
    assert read_items(path).items[0].id == "a"


def test_broken_csv_quoting_is_reported_with_its_line(tmp_path: Path) -> None:
    path = csv_file(
        tmp_path, 'id,text,voice_id,language\na,Hi there,1,en-us\nb,"bad"quote,1,en-us\n'
    )
    assert problems_of(path) == [(3, None)]
    path.write_text('id,"te"xt\n')
    assert problems_of(path) == [(1, None)]
