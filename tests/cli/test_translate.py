"""`camb translate`: one text into several languages against the sandbox, a file per language."""

from __future__ import annotations

from pathlib import Path

import pytest

from camb.sandbox import Sandbox, spoken_language

from ._helpers import Run


def _attempts(sandbox: Sandbox) -> dict[str, int]:
    counts: dict[str, int] = sandbox.stats()["attempts"]
    return {name: count for name, count in counts.items() if count}


def test_speaks_one_text_into_three_languages_through_one_bulk_request(
    cli: Run, env: Sandbox
) -> None:
    env.reset_stats()
    done = cli("translate", "Hello from Camb.", "--to", "fr-fr", "de-de", "es-es", "-o", "out")
    assert done.code == 0, done.err
    for language in ("fr-fr", "de-de", "es-es"):
        path = Path("out", f"{language}.flac")
        assert spoken_language(path.read_bytes()) == language
        assert f"{language}\t{path}\t" in done.out
    stats = env.stats()
    assert _attempts(env) == {
        "list_voices": 1,  # no --voice-id: the first voice
        "create_translated_tts": 3,
        "get_translated_tts_status": stats["attempts"]["get_translated_tts_status"],
        "get_tts_results": 1,
    }
    assert stats["by_operation"]["get_tts_results"] == {"200": 1}
    assert stats["file_requests"] == 3
    assert stats["file_requests_with_api_key"] == 0


def test_seven_languages_are_fetched_in_chunks_of_two_to_five(cli: Run, env: Sandbox) -> None:
    env.reset_stats()
    done = cli(
        "--json",
        "translate",
        "Seven languages.",
        "--to",
        "fr-fr,de-de,es-es",
        "--to",
        "it-it",
        "ja-jp",
        "hi-in",
        "pt-br",
        "--voice-id",
        "147320",
        "-o",
        "out",
    )
    assert done.code == 0, done.err
    document = done.json()
    assert list(document["files"]) == [
        "fr-fr",
        "de-de",
        "es-es",
        "it-it",
        "ja-jp",
        "hi-in",
        "pt-br",
    ]
    assert document["failed"] == document["unavailable"] == {}
    for language, file in document["files"].items():
        assert spoken_language(Path(file["path"]).read_bytes()) == language
    # ceil(7 / 5) = 2 bulk requests (4 + 3 runs; the sandbox answers 422 outside 2 to 5).
    assert env.stats()["by_operation"]["get_tts_results"] == {"200": 2}
    assert "get_tts_result" not in _attempts(env)


@pytest.mark.parametrize(
    "args",
    [
        ["Hello.", "--to", "FR", "-o", "out"],
        ["Hello.", "--to", "fr-fr", "de_DE", "-o", "out"],
        ["Hello.", "--to", "fr-fr", "--from", "English", "-o", "out"],
        ["", "--to", "fr-fr", "-o", "out"],
        ["Hello.", "--to", ",", "-o", "out"],
        ["Hello.", "--to", "fr-fr", "-o", "out", "--formality", "3"],
        ["Hello.", "--to", "fr-fr", "-o", "out", "--voice-id", "0"],
        ["Hello.", "--to", "fr-fr", "-o", "out", "--project-name", "ab", "--voice-id", "1"],
        ["Hello.", "--to", "fr-fr"],
        ["Hello.", "-o", "out"],
    ],
)
def test_bad_input_is_a_usage_error_before_any_request(
    cli: Run, env: Sandbox, args: list[str]
) -> None:
    env.reset_stats()
    done = cli("translate", *args)
    assert done.code == 2, done.err
    assert done.err.startswith("camb: error: ")
    assert env.stats()["requests"] == 0
    assert not Path("out").exists()


def test_a_language_without_speech_fails_the_command_and_is_named(cli: Run, env: Sandbox) -> None:
    done = cli("translate", "This fails [error] everywhere.", "--to", "fr-fr", "-o", "out")
    assert done.code == 1
    assert "fr-fr: no file:" in done.err
    assert "PROCESSING_ERROR" in done.err
    assert not Path("out", "fr-fr.flac").exists()


def test_a_bad_key_is_one_line(cli: Run, env: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMB_API_KEY", "wrong-key")
    done = cli("translate", "Hello.", "--to", "fr-fr", "de-de", "--voice-id", "1", "-o", "out")
    assert done.code == 1
    assert len(done.err_lines) == 1
    assert "401" in done.err
