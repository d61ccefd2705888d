"""`camb languages [--target]` and `camb create --language LOCALE`, against the sandbox."""

from __future__ import annotations

import attrs

from camb import Camb

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
