"""`camb translate`: one text spoken in several languages, one file per language.

    camb translate "Hello there." --to fr-fr de-de es-es -o speech/
    -> speech/fr-fr.flac speech/de-de.flac speech/es-es.flac

One translated task per target language (`tts.translate()`), their results fetched with the
bulk endpoint in chunks of 2 to 5, each file written whole or not at all.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from camb import AsyncCamb
from camb.api_facts import GENDER_CODES

from .. import _validation as check
from .._constants import DEFAULT_BULK_CONCURRENCY, DEFAULT_WAIT_TIMEOUT
from .._wire import _translation as _translation
from ._commands import first_voice, speak_text
from ._support import Console, ExitStatus, UsageError, error_json, shared_failure


def _language(text: str) -> str | int:
    """A locale tag, or a numeric language id (deprecated); checked by the client."""
    return int(text) if text.isdigit() else text


def _languages(text: str) -> list[str | int]:
    """`fr-fr` or `fr-fr,de-de`: commas separate languages too."""
    return [_language(part.strip()) for part in text.split(",") if part.strip()]


def add_command(
    command: Callable[[str, str], argparse.ArgumentParser],
    positive_int: Callable[[str], int],
    positive_float: Callable[[str], float],
) -> None:
    """Add `camb translate` to the parser, with `command(name, help)` of `_cli.build_parser`."""
    cmd = command(
        "translate",
        "speak one text in several languages (translated by the API): "
        "one file DIR/<language>.flac per target language",
    )
    cmd.add_argument("text", nargs="?", help="what to say (or `-` to read stdin, or -f FILE)")
    cmd.add_argument("-f", "--file", metavar="FILE", help="read the text from FILE (UTF-8)")
    cmd.add_argument(
        "--to",
        dest="targets",
        action="extend",
        nargs="+",
        type=_languages,
        required=True,
        metavar="LOCALE",
        help="target languages, e.g. --to fr-fr de-de es-es (or fr-fr,de-de)",
    )
    cmd.add_argument(
        "--from",
        dest="source",
        type=_language,
        default="en-us",
        metavar="LOCALE",
        help="the language the text is written in (default en-us)",
    )
    cmd.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="DIR",
        help="the folder for the files, named by language: DIR/fr-fr.flac, ...",
    )
    cmd.add_argument(
        "--voice-id",
        type=positive_int,
        metavar="N",
        help="the voice (default: the first from `camb voices`)",
    )
    cmd.add_argument(
        "--formality", type=int, choices=(1, 2), help="1 casual, 2 formal (the API's default)"
    )
    cmd.add_argument(
        "--gender",
        type=int,
        choices=GENDER_CODES,
        help="0 not known, 1 male, 2 female, 9 not applicable",
    )
    cmd.add_argument("--age", type=int, metavar="N")
    cmd.add_argument("--project-name", metavar="NAME")
    cmd.add_argument("--project-description", metavar="TEXT")
    cmd.add_argument(
        "--wait-timeout",
        type=positive_float,
        default=DEFAULT_WAIT_TIMEOUT,
        metavar="S",
        help=f"give up on languages not finished S seconds after the wait began "
        f"(default {DEFAULT_WAIT_TIMEOUT:g})",
    )
    cmd.add_argument(
        "--poll-interval",
        type=positive_float,
        metavar="S",
        help="seconds between polls (default: the schedule of `camb wait`)",
    )
    cmd.add_argument(
        "--concurrency",
        type=positive_int,
        default=_translation.DEFAULT_TRANSLATE_CONCURRENCY,
        metavar="N",
        help="tasks created, and files downloaded, at once "
        f"(default {_translation.DEFAULT_TRANSLATE_CONCURRENCY})",
    )
    cmd.add_argument(
        "--bulk-concurrency",
        type=positive_int,
        default=DEFAULT_BULK_CONCURRENCY,
        metavar="N",
        help="bulk URL requests (2 to 5 runs each) at once "
        f"(default {DEFAULT_BULK_CONCURRENCY}: one after another, as the API advises)",
    )
    cmd.set_defaults(api_command=translate)


async def translate(client: AsyncCamb, args: argparse.Namespace, console: Console) -> ExitStatus:
    text = speak_text(args)
    targets = [language for group in args.targets for language in group]
    if not targets:
        raise UsageError("no target languages: give them with --to, e.g. --to fr-fr de-de")
    # Everything is checked before anything is sent, also before the voice list is fetched
    # (voice 1 stands in for the voice that list will give).
    _translation.target_languages("--to", targets)
    _translation.language("--from", args.source)
    _translation.translated_requests(
        text,
        1 if args.voice_id is None else args.voice_id,
        args.source,
        targets,
        project_name=args.project_name,
        project_description=args.project_description,
        formality=args.formality,
        gender=args.gender,
        age=args.age,
    )
    check.folder_path("--output", args.output)
    voice_id: int = args.voice_id if args.voice_id is not None else (await first_voice(client)).id
    results = await client.tts.translate(
        text,
        voice_id,
        args.source,
        targets,
        args.output,
        project_name=args.project_name,
        project_description=args.project_description,
        formality=args.formality,
        gender=args.gender,
        age=args.age,
        wait_timeout=args.wait_timeout,
        poll_interval=args.poll_interval,
        concurrency=args.concurrency,
        bulk_concurrency=args.bulk_concurrency,
        raise_on_error=False,
    )
    total = len(results) + len(results.unavailable) + len(results.failed)
    if len(results.failed) == total:
        shared = shared_failure(results.failed.values())
        if shared is not None:
            raise shared  # every language met the same failure (a bad key, say): one line
    files: dict[str, Any] = {}
    for language, speech in results.items():
        assert speech.path is not None
        size = speech.path.stat().st_size
        files[language] = {
            "path": str(speech.path),
            "bytes": size,
            "run_id": speech.run_id,
            "task_id": speech.task_id,
        }
        if not console.json_mode:
            console.out(f"{language}\t{speech.path}\t{size} bytes\trun {speech.run_id}")
    if console.json_mode:
        console.emit_json(
            {
                "voice_id": voice_id,
                "source_language": args.source,
                "files": files,
                "unavailable": dict(results.unavailable),
                "failed": {key: error_json(error) for key, error in results.failed.items()},
            }
        )
    if results.ok:
        return ExitStatus.OK
    for language, reason in results.missing().items():
        console.error(f"{language}: no file: {reason}")
    console.error(_translation.summary(results, total))
    return ExitStatus.FAILED
