"""Batch lines that ask for several target languages: one item, and one file, per language."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import camb
import camb.batch
from camb.batch._identity import item_hash
from camb.batch._input import BatchInputError, read_items
from camb.sandbox import Sandbox, running, spoken_language

VOICE = 147320
LINE = {
    "id": "greet",
    "text": "Hello there.",
    "voice_id": VOICE,
    "language": "en-us",
    "target_languages": ["fr-fr", "de-de", "es-es"],
}


def jsonl(tmp_path: Path, *records: Any) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def test_a_line_with_targets_is_one_flac_item_per_language(tmp_path: Path) -> None:
    plain = {"id": "plain", "text": "Plain.", "voice_id": VOICE, "language": "en-us"}
    items = read_items(jsonl(tmp_path, LINE, plain)).items
    assert [(i.id, i.language, i.source_language, i.format) for i in items] == [
        ("greet.fr-fr", "fr-fr", "en-us", "flac"),
        ("greet.de-de", "de-de", "en-us", "flac"),
        ("greet.es-es", "es-es", "en-us", "flac"),
        ("plain", "en-us", None, "wav"),
    ]
    assert [i.file_name for i in items[:3]] == [
        "greet.fr-fr.flac",
        "greet.de-de.flac",
        "greet.es-es.flac",
    ]
    # Each language's audio is its own: different hashes, and none equal to untranslated speech.
    assert len({item_hash(i) for i in items}) == 4


def test_csv_cells_name_targets_with_spaces_or_commas(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        'id,text,voice_id,language,target_languages\nbye,Bye.,1,en-us,"it-it, ja-jp"\n'
        "hi,Hi.,1,en-us,\n",
        encoding="utf-8",
    )
    items = read_items(path).items
    assert [i.id for i in items] == ["bye.it-it", "bye.ja-jp", "hi"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"target_languages": []}, "target_languages"),
        ({"target_languages": "FR"}, "target_languages"),
        ({"target_languages": ["fr-fr", "DE"]}, "target_languages"),
        ({"target_languages": 3}, "target_languages"),
        ({"format": "wav"}, "format"),
        ({"speech_model": "mars-pro"}, "speech_model"),
        ({"voice_settings": {"speaking_rate": 1.2}}, "voice_settings"),
    ],
)
def test_bad_translated_lines_are_refused_before_anything_is_sent(
    tmp_path: Path, change: dict[str, Any], field: str
) -> None:
    with pytest.raises(BatchInputError) as caught:
        read_items(jsonl(tmp_path, {**LINE, **change}))
    assert [(p.line, p.field) for p in caught.value.problems] == [(1, field)]


def test_an_expanded_id_may_not_meet_another_lines_id(tmp_path: Path) -> None:
    other = {"id": "GREET.fr-fr", "text": "Other.", "voice_id": VOICE, "language": "en-us"}
    with pytest.raises(BatchInputError) as caught:
        read_items(jsonl(tmp_path, other, LINE))
    assert [(p.line, p.field) for p in caught.value.problems] == [(2, "target_languages")]


def test_stream_options_given_as_defaults_are_left_out_of_translated_items(
    tmp_path: Path,
) -> None:
    items = read_items(
        jsonl(tmp_path, LINE), defaults={"speech_model": "mars-pro", "format": "mp3"}
    ).items
    assert {(i.speech_model, i.format) for i in items} == {(None, "flac")}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with running(task_duration=0.05) as started:
        yield started


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_batch_speaks_each_target_language_into_its_own_file(
    mode: str, sandbox: Sandbox, tmp_path: Path
) -> None:
    plain = {"id": "plain", "text": "Plain speech.", "voice_id": VOICE, "language": "en-us"}
    source = jsonl(tmp_path, LINE, plain)
    out = tmp_path / "out"
    if mode == "sync":
        with camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
            result = camb.batch.run(client, source, out=out)
    else:

        async def main() -> Any:
            async with camb.AsyncCamb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
                return await camb.batch.run(client, source, out=out)

        result = asyncio.run(main())
    assert result.summary.counts.done == 4
    for language in ("fr-fr", "de-de", "es-es"):
        assert spoken_language((out / f"greet.{language}.flac").read_bytes()) == language
    assert (out / "plain.wav").is_file()
    # A second run resumes: nothing is sent again.
    sandbox.reset_stats()
    with camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
        again = camb.batch.run(client, source, out=out)
    assert again.requests == 0
    assert sandbox.stats()["attempts"]["create_translated_tts"] == 0
