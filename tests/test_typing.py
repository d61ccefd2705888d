"""What a caller's editor and mypy see: the public surface is typed, not `Any`."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SNIPPET = """
import camb
import camb.batch

def blocking(client: camb.Camb) -> None:
    raw = client.with_raw_response.tts.create("hi there", 1, "en-us")
    reveal_type(raw)
    reveal_type(raw.parse())
    reveal_type(client.with_raw_response.voices.list().parse())
    reveal_type(client.with_raw_response.tts.stream("hi there", 1, "en-us").parse())
    client.with_raw_response.tts.creat("hi there", 1, "en-us")
    client.with_raw_response.tts.create("hi there", "one", "en-us")

async def asyncio_client(client: camb.AsyncCamb) -> None:
    raw = await client.with_raw_response.tts.create("hi there", 1, "en-us")
    reveal_type(raw)
    reveal_type(raw.parse())

def batches(client: camb.Camb, aclient: camb.AsyncCamb) -> None:
    reveal_type(camb.batch.run(client, "in.jsonl", out="out"))
    reveal_type(camb.batch.run(aclient, "in.jsonl", out="out"))
"""


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    from mypy import api

    folder = tmp_path_factory.mktemp("typing")
    snippet = folder / "snippet.py"
    snippet.write_text(SNIPPET, encoding="utf-8")
    stdout, stderr, _ = api.run(
        [
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(folder / ".mypy_cache"),
            "--config-file",
            str(ROOT / "pyproject.toml"),
            str(snippet),
        ]
    )
    assert not stderr, stderr
    return [line.split(": ", 1)[1] for line in stdout.splitlines() if ": " in line]


def test_raw_routes_have_the_methods_signature_and_value_type(mypy_output: list[str]) -> None:
    # mypy's newer releases drop the `builtins.` prefix: compare without it.
    revealed = [
        line.replace("builtins.", "")
        for line in mypy_output
        if line.startswith("note: Revealed type")
    ]
    assert revealed == [
        'note: Revealed type is "camb._raw.RawResponse[str]"',
        'note: Revealed type is "str"',
        'note: Revealed type is "list[camb._models.Voice]"',
        'note: Revealed type is "camb._sync._streaming.SpeechStream"',
        'note: Revealed type is "camb._raw.RawResponse[str]"',
        'note: Revealed type is "str"',
        'note: Revealed type is "camb.batch._runner.BatchResult"',
        'note: Revealed type is "typing.Coroutine[Any, Any, camb.batch._runner.BatchResult]"',
    ]


def test_a_misspelt_route_and_a_wrong_argument_are_type_errors(mypy_output: list[str]) -> None:
    errors = [line for line in mypy_output if line.startswith("error:")]
    assert any('has no attribute "creat"' in line for line in errors), errors
    assert any('incompatible type "str"; expected "int"' in line for line in errors), errors
