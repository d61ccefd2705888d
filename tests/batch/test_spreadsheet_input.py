"""Batch input as spreadsheets and editors save it (issue 22 items 3, 4 and 9; issue 20 items
15, 16 and 21): headers in any case, unnamed columns, other delimiters, other encodings, no id
column, long cells, NUL characters, deep JSON, and a run that would skip everything."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from camb import InvalidInputError
from camb.batch._input import BatchInputError, read_items

VOICE = {"voice_id": 7, "language": "en-us"}


def write(tmp_path: Path, data: bytes | str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def refused(path: Path | io.BytesIO, **kwargs: object) -> BatchInputError:
    with pytest.raises(BatchInputError) as caught:
        read_items(path, defaults=VOICE, **kwargs)  # type: ignore[arg-type]
    return caught.value


@pytest.mark.parametrize("header", ["ID,Text", "Id,Text", " id , TEXT ", "ID,Text,Voice_ID"])
def test_header_names_match_ignoring_case(tmp_path: Path, header: str) -> None:
    cells = ",7" if "Voice" in header else ""
    path = write(tmp_path, f"{header}\r\nA1,Hello there.{cells}\r\n")
    (item,) = read_items(path, defaults=VOICE).items
    assert (item.id, item.text, item.voice_id) == ("A1", "Hello there.", 7)


def test_a_column_named_twice_ignoring_case_is_refused(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "id,ID,text\na,b,Hello.\n"), skip_invalid=True)
    assert "named twice" in str(error)


def test_empty_unnamed_columns_are_ignored(tmp_path: Path) -> None:
    path = write(tmp_path, "id,text,,\r\na,Hello there.,,\r\nb,Second line.,,\r\nc,Third.\r\n")
    result = read_items(path, defaults=VOICE)
    assert [item.text for item in result.items] == ["Hello there.", "Second line.", "Third."]
    assert result.problems == []


def test_a_value_under_an_unnamed_column_is_a_problem_of_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "id,text,\na,Hello there.,\nb,Second line.,oops\n")
    error = refused(path)
    assert [(p.line, p.field) for p in error.problems] == [(3, None)]
    assert "no name in the header" in str(error)
    result = read_items(path, defaults=VOICE, skip_invalid=True)
    assert [item.id for item in result.items] == ["a"]


@pytest.mark.parametrize(
    ("text", "name", "input_format"),
    [
        ("id;text\na;Hello, there and more.\n", "in.csv", None),
        ('id;text\na;"Hello, there; and more."\n', "in.csv", None),
        ("id\ttext\na\tHello, there; and more.\n", "in.csv", None),
        ("id|text\na|Hello, there; and more.\n", "in.csv", None),
        ("id\ttext\na\tHello, there; and more.\n", "in.tsv", None),
        ("id\ttext\na\tHello, there; and more.\n", "lines.txt", "tsv"),
        ("id;text\na;Hello, there and more.\n", "lines.txt", "csv"),
    ],
)
def test_the_delimiter_is_found_or_named(
    tmp_path: Path, text: str, name: str, input_format: str | None
) -> None:
    path = write(tmp_path, text, name)
    (item,) = read_items(path, defaults=VOICE, format=input_format).items  # type: ignore[arg-type]
    assert item.text.startswith("Hello, there")


def test_stdin_can_be_tab_separated() -> None:
    source = io.BytesIO(b"ID\tText\na\tHello there.\n")
    (item,) = read_items(source, defaults=VOICE).items
    assert item.text == "Hello there."
    source = io.BytesIO(b"id\ttext\na\tHello there.\n")
    (item,) = read_items(source, defaults=VOICE, format="tsv").items
    assert item.text == "Hello there."


def test_cp1252_is_refused_with_a_hint_then_read_when_named(tmp_path: Path) -> None:
    path = write(tmp_path, "id,text\na,Caf\u00e9 cr\u00e8me \u2013 fine.\n".encode("cp1252"))
    for skip in (False, True):
        error = refused(path, skip_invalid=skip)
        assert "line 2" in str(error)
        assert "cp1252" in str(error)
    (item,) = read_items(path, defaults=VOICE, encoding="cp1252").items
    assert item.text == "Caf\u00e9 cr\u00e8me \u2013 fine."


def test_an_unknown_encoding_is_refused_naming_the_parameter(tmp_path: Path) -> None:
    path = write(tmp_path, "id,text\na,Hello.\n")
    for bad in ("no-such-codec", "rot13", ""):
        with pytest.raises(InvalidInputError, match=r"^encoding: "):
            read_items(path, defaults=VOICE, encoding=bad)


@pytest.mark.parametrize("codec", ["utf-16", "utf-8-sig"])
def test_a_bom_chooses_the_encoding(tmp_path: Path, codec: str) -> None:
    # Excel's "Unicode text" is UTF-16 with a BOM, separated by tabs.
    path = write(tmp_path, "Id\tText\r\na\tSch\u00f6n, gr\u00fc\u00dfe.\r\n".encode(codec))
    (item,) = read_items(path, defaults=VOICE).items
    assert (item.id, item.text) == ("a", "Sch\u00f6n, gr\u00fc\u00dfe.")


def test_without_an_id_column_ids_are_line_numbers_and_a_note_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, 'Text\nFirst line.\n\n"Second,\nover two lines."\nThird.\n')
    result = read_items(path, defaults=VOICE)
    assert [(item.id, item.line) for item in result.items] == [
        ("line-2", 2),
        ("line-4", 4),
        ("line-6", 6),
    ]
    assert len(result.notes) == 1
    assert "line number" in result.notes[0]
    assert result.items[1].file_name == "line-4.wav"


def test_a_header_without_a_text_column_is_one_problem(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "id,words\na,Hello.\nb,There.\n"), skip_invalid=True)
    assert all(p.line == 1 for p in error.problems)
    assert "'text' column" in str(error)


# --- issue 22.3: skipping everything is not a success --------------------------------------


def test_skip_invalid_that_skips_every_line_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "id,text\na,\nb, \n")
    error = refused(path, skip_invalid=True)
    assert "every line was refused" in str(error)
    jsonl = write(tmp_path, '{"id": "a"}\n{"text": "no id"}\n', "in.jsonl")
    assert "every line was refused" in str(refused(jsonl, skip_invalid=True))


def test_skip_invalid_does_not_skip_a_bad_header(tmp_path: Path) -> None:
    path = write(tmp_path, "id,text,voice\na,Hello there.,1\n")
    error = refused(path, skip_invalid=True)
    assert [(p.line, p.field) for p in error.problems] == [(1, "voice")]


def test_skip_invalid_still_skips_some_bad_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "id,text\na,Hello there.\nb,\n")
    result = read_items(path, defaults=VOICE, skip_invalid=True)
    assert [item.id for item in result.items] == ["a"]
    assert [(p.line, p.field) for p in result.problems] == [(3, "text")]


# --- issue 22.9: a field no line gives is one problem, not one per line ----------------------


def test_a_voice_no_line_gives_is_one_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "id,text\n" + "".join(f"l{n},Line {n}.\n" for n in range(1500)))
    with pytest.raises(BatchInputError) as caught:
        read_items(path)
    problems = caught.value.problems
    assert sorted(p.field or "" for p in problems) == ["language", "voice_id"]
    assert "--voice-id" in str(caught.value)
    assert "--language" in str(caught.value)


def test_a_voice_some_lines_give_is_a_problem_of_the_others(tmp_path: Path) -> None:
    path = write(tmp_path, "id,text,voice_id\na,One.,5\nb,Two.,\nc,Three.,\n")
    with pytest.raises(BatchInputError) as caught:
        read_items(path, defaults={"language": "en-us"})
    error = caught.value
    assert [(p.line, p.field) for p in error.problems] == [(3, "voice_id"), (4, "voice_id")]


# --- issue 20.15, 20.16, 20.21 ------------------------------------------------------------------


def test_a_deeply_nested_json_line_is_a_problem_of_its_line(tmp_path: Path) -> None:
    deep = '{"id": "b", "text": "Hi.", "_note": ' + "[" * 100_000 + "]" * 100_000 + "}"
    path = write(tmp_path, '{"id": "a", "text": "Fine."}\n' + deep + "\n", "in.jsonl")
    error = refused(path)
    assert [(p.line, p.field) for p in error.problems] == [(2, None)]
    assert "nested too deeply" in str(error)
    nested_cell = '"{""speaking_rate"": ' + "[" * 100_000 + "]" * 100_000 + '}"'
    path = write(tmp_path, f"id,text,voice_settings\na,Fine.,\nb,Hi.,{nested_cell}\n")
    assert [(p.line, p.field) for p in refused(path).problems] == [(3, "voice_settings")]


def test_a_csv_cell_longer_than_csvs_default_limit_is_read(tmp_path: Path) -> None:
    text = "Word. " * 40_000  # 240,000 characters, beyond csv's default 131,072
    path = write(tmp_path, f'id,text\na,"{text}"\n')
    (item,) = read_items(path, defaults=VOICE).items
    assert item.text == text
    assert csv.field_size_limit() < 2**31  # raised, but to a value every platform takes


def test_a_nul_character_is_refused_on_every_python(tmp_path: Path) -> None:
    path = write(tmp_path, "id,text\na,Hello there.\nb,Hel\x00lo.\n")
    error = refused(path)
    assert [(p.line, p.field) for p in error.problems] == [(3, None)]
    assert "NUL" in str(error)
    result = read_items(path, defaults=VOICE, skip_invalid=True)
    assert [item.id for item in result.items] == ["a"]
    header = write(tmp_path, "id,te\x00xt\na,Hello there.\n")
    assert refused(header, skip_invalid=True).problems[0].line == 1
    jsonl = write(tmp_path, '{"id": "a", "text": "Hel\x00lo."}\n', "in.jsonl")
    assert "NUL" in str(refused(jsonl))
