"""Batch lines that ask for several target languages (`target_languages`): one item each.

A line such as ``{"id": "greeting", "text": "Hello.", "voice_id": 1, "language": "en-us",
"target_languages": ["fr-fr", "de-de"]}`` is translated and spoken once per target language
(`POST /translated-tts`), into ``greeting.fr-fr.flac`` and ``greeting.de-de.flac``: its
`language` is the text's language, each item's `language` the target. Translated speech is
FLAC (what `GET /tts-result` answers), and the options of streamed speech (speech model,
voice settings, ...) do not apply to it: a line that gives them is refused, and defaults for
them are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from .._models import AudioFormat
from ._input import ID_MAX, OPTION_NAMES, BatchItem, InputProblem

if TYPE_CHECKING:
    from .._async._client import AsyncCamb
    from .._sync._client import Camb

# The only format translated speech comes in.
TRANSLATED_FORMAT: AudioFormat = "flac"
STREAM_ONLY_OPTIONS = tuple(name for name in OPTION_NAMES if name != "format")


def translated_id(item_id: str, target: str) -> str:
    """The id (and file stem) of a line's speech in `target`: `<id>.<target>`."""
    return f"{item_id}.{target}"


def expand(
    item: BatchItem,
    problems: list[InputProblem],
    first_line_of: dict[str, tuple[int, str]],
) -> list[BatchItem]:
    """`item` itself, or one item per target language when the line asks for some."""
    if not item.target_languages:
        return [item]
    stream_only: dict[str, Any] = dict.fromkeys(STREAM_ONLY_OPTIONS)
    expanded: list[BatchItem] = []
    for target in item.target_languages:
        new_id = translated_id(item.id, target)
        if len(new_id) > ID_MAX:
            problems.append(
                InputProblem(
                    item.line,
                    "id",
                    f"with the target language makes {new_id!r}, longer than {ID_MAX} characters",
                )
            )
            continue
        folded = new_id.lower()
        if folded in first_line_of:
            other_line, other_id = first_line_of[folded]
            problems.append(
                InputProblem(
                    item.line,
                    "target_languages",
                    f"makes the id {new_id!r}, which line {other_line} has ({other_id!r}): "
                    "ids must be unique",
                )
            )
            continue
        first_line_of[folded] = (item.line, new_id)
        expanded.append(
            attrs.evolve(
                item,
                id=new_id,
                language=target,
                source_language=item.language,
                target_languages=(),
                format=TRANSLATED_FORMAT,
                **stream_only,
            )
        )
    return expanded


def line_problems(given: Iterable[str], line: int, format: object) -> list[InputProblem]:
    """What a line with `target_languages` may not also say (the fields it gave itself)."""
    problems = [
        InputProblem(
            line,
            name,
            "does not apply to translated speech (a line with target_languages takes text, "
            "voice_id, language and target_languages)",
        )
        for name in given
        if name in STREAM_ONLY_OPTIONS
    ]
    if format is not None and format != TRANSLATED_FORMAT:
        problems.append(
            InputProblem(line, "format", "must be flac for translated speech (or left out)")
        )
    return problems


# --- speaking a translated item --------------------------------------------------------------


def speak_translated_sync(client: Camb, item: BatchItem, path: Path) -> None:
    """Create the item's translated task, wait for it, download its FLAC to `path` (whole)."""
    assert item.source_language is not None
    task_id = client.tts.create_translated(
        item.text, item.voice_id, item.source_language, item.language
    )
    run_id = client.tts.wait_translated(task_id)
    client.tts.download(run_id, path)


async def speak_translated_async(client: AsyncCamb, item: BatchItem, path: Path) -> None:
    """`speak_translated_sync` for the asyncio client."""
    assert item.source_language is not None
    task_id = await client.tts.create_translated(
        item.text, item.voice_id, item.source_language, item.language
    )
    run_id = await client.tts.wait_translated(task_id)
    await client.tts.download(run_id, path)
