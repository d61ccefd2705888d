"""`camb languages [--target]` and `camb create --language LOCALE`, against the sandbox."""

from __future__ import annotations

import attrs

from camb import Camb
from camb.sandbox import Sandbox

from ._helpers import Run


def test_languages_table_lists_the_source_languages(cli: Run, client: Camb) -> None:
    outcome = cli("languages")
    assert outcome.code == 0, outcome.err
    header, *rows = outcome.out.splitlines()
    assert header.split() == ["ID", "LOCALE", "LANGUAGE"]
    source = client.languages.source()
    assert len(rows) == len(source)
    for row, language in zip(rows, source, strict=True):
        assert row.split()[:2] == [str(language.id), language.short_name]
        assert row.endswith(language.language)
    assert rows[0].split()[:2] == ["1", "en-us"]


def test_languages_json_and_target(cli: Run, client: Camb) -> None:
    source = cli("--json", "languages")
    assert source.code == 0, source.err
    assert source.json() == [attrs.asdict(item) for item in client.languages.source()]
    target = cli("languages", "--target", "--json")
    assert target.code == 0, target.err
    assert target.json() == [attrs.asdict(item) for item in client.languages.target()]
    assert {"id", "language", "short_name"} <= set(target.json()[0])


def test_create_takes_a_locale_or_an_id(cli: Run, client: Camb) -> None:
    by_locale = cli("create", "Hello there.", "--voice-id", "147320", "--language", "hi-in")
    assert by_locale.code == 0, by_locale.err
    assert client.tts.status(by_locale.out.strip()).status in ("PENDING", "SUCCESS")
    by_id = cli("create", "Hello there.", "--voice-id", "147320", "--language", "81")
    assert by_id.code == 0, by_id.err


def test_create_with_an_unknown_locale_is_a_usage_error(cli: Run) -> None:
    outcome = cli("create", "Hello.", "--voice-id", "147320", "--language", "xx-zz")
    assert outcome.code == 2
    assert "language:" in outcome.err
    assert "'en-us'" in outcome.err
    assert outcome.out == ""
    zero = cli("create", "Hello.", "--voice-id", "147320", "--language", "0")
    assert zero.code == 2
    assert "positive" in zero.err


def test_languages_stream_lists_the_specs_locales_with_its_source(cli: Run) -> None:
    """Issue 22: the locales streaming knows, with where the list comes from; no API call."""
    from camb.api_facts import STREAM_LOCALES

    outcome = cli("languages", "--stream")
    assert outcome.code == 0, outcome.err
    header, *rows = outcome.out.splitlines()
    assert header == "LOCALE"
    assert rows == sorted(STREAM_LOCALES)
    assert {"en-gb", "fil-ph", "zh-cn-sichuan"} <= set(rows)
    assert "Camb's OpenAPI" in outcome.err
    listed = cli("--json", "languages", "--stream").json()
    assert listed["locales"] == rows
    assert "Camb's OpenAPI" in listed["source"]


def test_an_unknown_locale_is_refused_before_sending_with_the_nearest_known_ones(
    cli: Run, env: Sandbox
) -> None:
    env.reset_stats()
    for command in (
        ("speak", "Hello there.", "-o", "x.wav", "--language", "en-gbx"),
        ("create", "Hello there.", "--voice-id", "147320", "--language", "en-gbx"),
    ):
        outcome = cli(*command)
        assert outcome.code == 2, outcome.err
        assert "'en-gb'" in outcome.err
        assert "languages --stream" in outcome.err
    assert sum(sum(v.values()) for v in env.stats()["by_operation"].values()) == 0


def test_a_locale_streaming_knows_is_spoken(cli: Run) -> None:
    """en-gb, fil-ph and zh-cn-sichuan were refused by the sandbox before issue 18."""
    for locale in ("en-gb", "fil-ph", "zh-cn-sichuan"):
        outcome = cli("speak", "Hello there.", "-o", f"{locale}.wav", "--language", locale)
        assert outcome.code == 0, outcome.err
