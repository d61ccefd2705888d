"""What each `camb` subcommand does. Every command returns its exit status; errors it does not
handle itself (a `CambError`, Ctrl-C) are turned into one line and a status by `_cli.main`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import os
import signal
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from camb import (
    APIError,
    AsyncCamb,
    AudioFormat,
    BudgetExceededError,
    Camb,
    CambError,
    InvalidInputError,
    SpeechProgress,
    TaskStatus,
    Voice,
)

from .._echo import echo, echo_text
from .._longform._plan import FORMAT_OF_EXTENSION, default_cache_folder
from ._cache import client_cache_option, print_plan
from ._live import checked_captions
from ._support import (
    Console,
    ExitStatus,
    Progress,
    UsageError,
    error_json,
    parse_run_ids,
    parse_task_ids,
    read_stdin_text,
    read_text,
    shared_failure,
)

if TYPE_CHECKING:
    from camb.sandbox import Sandbox

# The format `speak` asks for when the output file's extension says it.
EXTENSION_FORMATS = FORMAT_OF_EXTENSION
# What each output format is, for `speak --json` (the sandbox and the API send the same).
CONTENT_TYPES = {"wav": "audio/wav", "flac": "audio/flac", "mp3": "audio/mpeg", "adts": "audio/aac"}
GENDERS = {0: "unknown", 1: "male", 2: "female", 9: "n/a"}


def _client_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {"api_key": args.api_key, "base_url": args.base_url}
    if args.timeout is not None:
        options["timeout"] = args.timeout
    if args.max_retries is not None:
        options["max_retries"] = args.max_retries
    options.update(client_cache_option(args))
    return options


def build_client(args: argparse.Namespace) -> AsyncCamb:
    """The client every API command uses, from the global options (and the environment)."""
    return AsyncCamb(**_client_options(args))


# --- speak ----------------------------------------------------------------------------------------


def speak_format(path: str, explicit: AudioFormat | None) -> AudioFormat:
    if explicit is not None:
        return explicit
    suffix = Path(path).suffix.lower()
    if suffix not in EXTENSION_FORMATS:
        known = ", ".join(EXTENSION_FORMATS)
        raise UsageError(
            f"cannot tell the audio format from {echo(path)}: use one of the extensions {known}, "
            "or give --format"
        )
    return EXTENSION_FORMATS[suffix]


async def first_voice(client: AsyncCamb) -> Voice:
    voices = await client.voices.list()
    if not voices:
        raise UsageError("the account has no voices: give --voice-id")
    return voices[0]


def speak_text(args: argparse.Namespace) -> str:
    """The text to speak: the argument, the file named by -f, or stdin for `-`."""
    given = [source for source in (args.text, args.file) if source is not None]
    if len(given) != 1:
        raise UsageError("give the text as an argument, with -f FILE, or `-` to read stdin")
    if args.file == "-" or (args.file is None and args.text == "-"):
        return read_stdin_text()
    if args.file is not None:
        try:
            # utf-8-sig: a BOM (as Notepad writes) is not text, and would be paid for.
            return Path(args.file).read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as error:
            raise UsageError(
                f"cannot read {echo(args.file)}: it is not UTF-8 text ({error.reason} at byte "
                f"{error.start})"
            ) from None
        except OSError as error:
            raise UsageError(f"cannot read {echo(args.file)}: {error.strerror or error}") from None
    text: str = args.text
    return text


async def speak(client: AsyncCamb, args: argparse.Namespace, console: Console) -> ExitStatus:
    audio_format = speak_format(args.output, args.format)
    text = speak_text(args)
    captions = checked_captions(args)
    if args.dry_run:
        if args.voice_id is None:
            raise UsageError(
                "--dry-run needs --voice-id: finding the default voice sends a request"
            )
        plan = client.tts.plan(
            text,
            args.voice_id,
            args.language,
            args.output,
            format=audio_format,
            speech_model=args.speech_model,
            paragraph_pause=args.paragraph_pause,
            cache_dir=args.cache_dir,
            credits_per_character=args.credits_per_character,
        )
        return print_plan(console, plan)
    voice_id: int = args.voice_id if args.voice_id is not None else (await first_voice(client)).id
    progress: Progress | None = None

    def show(step: SpeechProgress) -> None:
        nonlocal progress
        if progress is None:
            progress = Progress(step.total, desc="speaking", unit="segment")
        progress.update()

    try:
        result = await client.tts.speak(
            text,
            voice_id,
            args.language,
            args.output,
            format=audio_format,
            speech_model=args.speech_model,
            concurrency=args.concurrency,
            paragraph_pause=args.paragraph_pause,
            cache_dir=args.cache_dir,
            on_progress=show,
            max_credits=args.max_credits,
            credits_per_character=args.credits_per_character,
            captions=captions,
            caption_sentences=args.caption_sentences,
        )
    finally:
        if progress is not None:
            progress.close()
    if _is_stdout(args.output):
        # The audio went to stdout (`-o /dev/stdout`): the summary must not follow it there.
        seconds = f", {result.duration:.1f} s" if result.duration is not None else ""
        console.note(f"wrote {result.bytes:,} bytes of {result.format}{seconds} to stdout")
    elif console.json_mode:
        console.emit_json(
            {
                "path": str(result.path),
                "bytes": result.bytes,
                "format": result.format,
                "content_type": CONTENT_TYPES.get(result.format, "application/octet-stream"),
                "voice_id": voice_id,
                "language": args.language,
                "segments": result.segments,
                "cached_segments": result.cached_segments,
                "duration": result.duration,
                "credits_required": result.credits,
            }
        )
    else:
        seconds = f", {result.duration:.1f} s" if result.duration is not None else ""
        cached = f", {result.cached_segments} from the cache" if result.cached_segments else ""
        console.out(
            f"wrote {result.path} ({result.bytes:,} bytes, {result.format}{seconds}, "
            f"{result.segments} segment{'s' if result.segments != 1 else ''}{cached}, "
            f"voice {voice_id})"
        )
    return ExitStatus.OK


def _is_stdout(path: str) -> bool:
    """Whether `path` is this process's stdout (`/dev/stdout`, `/proc/self/fd/1`, ...)."""
    try:
        target = os.stat(path)
        out = os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return (target.st_dev, target.st_ino) == (out.st_dev, out.st_ino)


def interrupted_message(args: argparse.Namespace) -> str:
    """What Ctrl-C left: for `speak`, the finished segments kept and how to resume."""
    if getattr(args, "api_command", None) is not speak:
        return "interrupted"
    folder = Path(args.cache_dir) if args.cache_dir else default_cache_folder(Path(args.output))
    try:
        kept = sum(1 for entry in folder.iterdir() if not entry.name.startswith("."))
    except OSError:
        kept = 0
    if not kept:
        return f"interrupted before any segment finished; {args.output} was not written"
    return (
        f"interrupted; {kept} finished segment{'s are' if kept != 1 else ' is'} kept in "
        f"{str(folder)!r}: run the same command again to resume (only the missing segments "
        f"are sent); {args.output} was not written"
    )


# --- the task flow: create, status, wait ----------------------------------------------------------


async def create(client: AsyncCamb, args: argparse.Namespace, console: Console) -> ExitStatus:
    task_ids: list[str] = []
    try:
        for text in args.texts:
            task_ids.append(
                await client.tts.create(
                    text,
                    args.voice_id,
                    args.language,
                    project_name=args.project_name,
                    project_description=args.project_description,
                    gender=args.gender,
                    age=args.age,
                )
            )
    except CambError:
        # Tasks already created cost credits: say which they are before the error.
        if task_ids:
            _print_task_ids(console, task_ids)
        raise
    _print_task_ids(console, task_ids)
    return ExitStatus.OK


def _print_task_ids(console: Console, task_ids: list[str]) -> None:
    if console.json_mode:
        console.emit_json({"task_ids": task_ids})
    else:
        for task_id in task_ids:
            console.out(task_id)


def task_ids_of(args: argparse.Namespace) -> list[str]:
    ids: list[str] = list(args.task_ids)
    if not ids:
        text = read_text(None, sys.stdin)
        ids = parse_task_ids(text) if text is not None else []
    if not ids:
        raise UsageError("no task ids: give them as arguments or on stdin")
    return list(dict.fromkeys(ids))


def _status_json(status: TaskStatus) -> dict[str, Any]:
    return {
        "status": status.status,
        "run_id": status.run_id,
        "exception_reason": status.exception_reason,
        "message": status.message,
    }


async def status(client: AsyncCamb, args: argparse.Namespace, console: Console) -> ExitStatus:
    ids = task_ids_of(args)

    async def one(task_id: str) -> TaskStatus | CambError:
        try:
            return await client.tts.status(task_id)
        except InvalidInputError:
            raise  # a malformed task id is a usage error, not the task's failure
        except CambError as error:
            return error

    outcomes = dict(zip(ids, await asyncio.gather(*(one(t) for t in ids)), strict=True))
    errors = {t: o for t, o in outcomes.items() if isinstance(o, CambError)}
    _raise_if_all_failed(errors, len(ids))
    if console.json_mode:
        console.emit_json(
            {
                t: error_json(o) if isinstance(o, CambError) else _status_json(o)
                for t, o in outcomes.items()
            }
        )
    for task_id, outcome in outcomes.items():
        if isinstance(outcome, CambError):
            console.error(f"{echo_text(task_id)}: {outcome}")
        elif not console.json_mode:
            run = outcome.run_id if outcome.run_id is not None else "-"
            extra = f"\t{outcome.exception_reason}" if outcome.exception_reason else ""
            console.out(f"{task_id}\t{outcome.status}\t{run}{extra}")
    return ExitStatus.FAILED if errors else ExitStatus.OK


def _raise_if_all_failed(errors: Mapping[Any, CambError], total: int) -> None:
    """When every id failed the same way (a bad key, say), that one error is the answer."""
    if len(errors) == total:
        shared = shared_failure(errors.values())
        if shared is not None:
            raise shared


async def wait(client: AsyncCamb, args: argparse.Namespace, console: Console) -> ExitStatus:
    ids = task_ids_of(args)
    progress = Progress(len(ids), desc="waiting", unit="task")
    finished: set[str] = set()

    def on_status(task_status: TaskStatus) -> None:
        if not task_status.is_pending and task_status.task_id not in finished:
            finished.add(task_status.task_id)
            progress.update()

    try:
        async with progress.ticking():
            results = await client.tts.wait_many(
                ids,
                timeout=args.wait_timeout,
                poll_interval=args.poll_interval,
                on_status=on_status,
                concurrency=args.concurrency,
            )
    except BaseException:
        progress.close()
        raise
    progress.finish()
    failed = dict(results.failed)
    _raise_if_all_failed(failed, len(ids))
    if console.json_mode:
        console.emit_json(
            {
                "run_ids": dict(results.run_ids),
                "failed": {t: error_json(e) for t, e in failed.items()},
            }
        )
    else:
        for task_id in ids:
            if task_id in results.run_ids:
                console.out(f"{task_id}\t{results.run_ids[task_id]}")
    for task_id, error in failed.items():
        message = str(error)
        console.error(message if task_id in message else f"{echo_text(task_id)}: {message}")
    return ExitStatus.FAILED if failed else ExitStatus.OK


# --- results --------------------------------------------------------------------------------------


async def result(client: AsyncCamb, args: argparse.Namespace, console: Console) -> ExitStatus:
    run_id: int = args.run_id
    if args.url:
        url = await client.tts.result_url(run_id)
        if console.json_mode:
            console.emit_json({"run_id": run_id, "url": url})
        else:
            console.out(url)
        return ExitStatus.OK
    path = await client.tts.download(run_id, args.output or f"{run_id}.flac")
    size = path.stat().st_size
    if console.json_mode:
        console.emit_json({"run_id": run_id, "path": str(path), "bytes": size})
    else:
        console.out(f"wrote {path} ({size:,} bytes)")
    return ExitStatus.OK


def run_ids_of(args: argparse.Namespace) -> list[int]:
    ids: list[int] = list(args.run_ids)
    if args.file is not None or not ids:
        text = read_text(args.file, sys.stdin)
        if text is not None:
            ids.extend(parse_run_ids(text))
    if not ids:
        raise UsageError("no run ids: give them as arguments, with --file, or on stdin")
    return list(dict.fromkeys(ids))


def _keyed(mapping: Any) -> dict[str, Any]:
    return {str(key): value for key, value in mapping.items()}


async def results(client: AsyncCamb, args: argparse.Namespace, console: Console) -> ExitStatus:
    ids = run_ids_of(args)
    document: dict[str, Any]
    if args.download is None:
        bulk = await client.tts.results(
            ids, concurrency=args.bulk_concurrency, raise_on_error=False
        )
        _raise_if_all_failed(dict(bulk.failed), len(ids))
        unavailable, failed = bulk.unavailable, dict(bulk.failed)
        document = {"urls": _keyed(bulk.urls)}
    else:
        progress = Progress(len(ids), desc="downloading", unit="file")
        try:
            downloaded = await client.tts.download_results(
                ids,
                args.download,
                concurrency=args.concurrency,
                bulk_concurrency=args.bulk_concurrency,
            )
        finally:
            progress.close()
        # A shared failure of the API (a bad key, say) is the answer; a storage host's refusals
        # of single downloads are reported per id below.
        from_api = {
            run_id: error
            for run_id, error in downloaded.failed.items()
            if isinstance(error, APIError)
            and error.request is not None
            and str(error.request.url).startswith(client.base_url)
        }
        _raise_if_all_failed(from_api, len(ids))
        unavailable, failed = downloaded.unavailable, dict(downloaded.failed)
        document = {
            "files": {
                str(run_id): {"path": str(path), "bytes": path.stat().st_size}
                for run_id, path in downloaded.items()
            },
            "skipped": sorted(downloaded.skipped),
        }
        if not console.json_mode:
            for run_id, path in downloaded.items():
                note = " (already there)" if run_id in downloaded.skipped else ""
                console.out(f"{run_id}\t{path}\t{path.stat().st_size} bytes{note}")
    document["unavailable"] = _keyed(unavailable)
    document["failed"] = {str(run_id): error_json(e) for run_id, e in failed.items()}
    if console.json_mode or args.download is None:
        # Without --download the answer is always this JSON map: URLs are not for reading.
        console.emit_json(document)
    missing = len(unavailable) + len(failed)
    if missing and args.download is not None and not console.json_mode:
        # Without --json nothing else names them: one line per run id, with the reason.
        for run_id, reason in unavailable.items():
            console.error(f"{run_id}: no file: {reason}")
        for run_id, error in failed.items():
            console.error(f"{run_id}: no file: {error}")
    if missing:
        first = next(iter(failed.values()), None)
        why = f"; first error: {first}" if first is not None else ""
        console.error(
            f"{missing} of {len(ids)} run ids have no "
            f"{'file' if args.download is not None else 'URL'} "
            f"({len(unavailable)} unavailable, {len(failed)} failed){why}"
        )
        return ExitStatus.FAILED
    return ExitStatus.OK


# --- batch ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM (what `docker stop` and Kubernetes send first) as Ctrl-C for the command:
    while items are sent, the batch runner then stops starting new ones and records the ones
    under way; before that, the command just stops (exit status 130)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def batch(args: argparse.Namespace, console: Console) -> ExitStatus:
    """`camb batch`: blocking, outside asyncio, so that Ctrl-C (or SIGTERM) reaches the batch
    runner, which stops starting items, records the ones under way and ends (exit status
    130)."""
    from camb import batch as batch_jobs

    target: list[str] = args.target
    if target[0] == "status":
        if len(target) != 2:
            raise UsageError("`camb batch status` takes one folder: camb batch status DIR")
        return batch_status(Path(target[1]), args, console)
    if len(target) != 1:
        raise UsageError("give one input file (or `status DIR`)")
    if args.out is None:
        raise UsageError("--out DIR is required: the folder for the audio files and the state")
    defaults = {
        name: value
        for name, value in (
            ("voice_id", args.voice_id),
            ("language", args.language),
            ("format", args.format),
            ("speech_model", args.speech_model),
        )
        if value is not None
    }
    source: Any = sys.stdin.buffer if target[0] == "-" else target[0]
    bar: Progress | None = None

    def show(step: batch_jobs.Progress) -> None:
        nonlocal bar
        if bar is None:
            bar = Progress(step.total, desc="batch", unit="item")
        bar.set(step.done + step.failed, failed=step.failed, concurrency=step.concurrency)

    blocking = Camb(**_client_options(args))
    stopped: BudgetExceededError | None = None
    try:
        if args.dry_run:
            return print_plan(
                console,
                batch_jobs.plan(
                    blocking,
                    source,
                    out=args.out,
                    defaults=defaults,
                    shard=args.shard,
                    skip_invalid=args.skip_invalid,
                    credits_per_character=args.credits_per_character,
                ),
            )
        try:
            with _sigterm_interrupts():
                result = batch_jobs.run(
                    blocking,
                    source,
                    out=args.out,
                    defaults=defaults,
                    concurrency=args.concurrency,
                    max_attempts=args.max_attempts,
                    shard=args.shard,
                    skip_invalid=args.skip_invalid,
                    input_format=args.input_format,
                    encoding=args.encoding,
                    on_progress=show,
                    max_credits=args.max_credits,
                    captions=args.captions,
                    caption_sentences=args.caption_sentences,
                )
        except BudgetExceededError as budget_error:
            # The summary of what was done is printed; the error says why it stopped.
            stopped, result = budget_error, budget_error.result
    finally:
        blocking.close()
        if bar is not None:
            bar.close()
    summary = result.summary
    counts = summary.counts
    if console.json_mode:
        console.emit_json(
            {
                "done": counts.done,
                "failed": counts.failed,
                "pending": counts.pending,
                "redone_after_crash": summary.redone_after_crash,
                "credits": summary.credits,
                "bytes": summary.bytes,
                "duration": summary.duration,
                "requests": result.requests,
                "rate_limited": result.rate_limited,
                "skipped_lines": [str(problem) for problem in result.problems],
                "notes": list(result.notes),
                "first_errors": [list(e) for e in summary.first_errors],
            }
        )
    else:
        console.out(
            f"done {counts.done}, failed {counts.failed}, pending {counts.pending}; "
            f"redone after a crash {summary.redone_after_crash}; "
            f"credits {summary.credits if summary.credits is not None else 'unknown'}; "
            f"{result.requests} requests ({result.rate_limited} rate-limited) "
            f"in {result.elapsed:.1f} s"
        )
        for note in result.notes:
            console.out(f"note: {note}")
        for problem in result.problems:
            console.error(f"skipped: {problem}")
        for item_id, error in summary.first_errors:
            console.error(f"{item_id}: {error}")
    if stopped is not None:
        raise stopped
    if result.aborted is not None:
        raise result.aborted
    return ExitStatus.OK if counts.failed == 0 and counts.pending == 0 else ExitStatus.FAILED


def batch_status(folder: Path, args: argparse.Namespace, console: Console) -> ExitStatus:
    from camb import batch as batch_jobs

    document = batch_jobs.status(folder, shard=args.shard)
    counts = document["counts"]
    if console.json_mode:
        console.emit_json(document)
    else:
        console.out(
            f"{counts['total']} items: {counts['done']} done, {counts['failed']} failed, "
            f"{counts['in_flight']} in flight, {counts['pending']} pending"
        )
    return ExitStatus.OK


# --- voices ---------------------------------------------------------------------------------------


async def voices(client: AsyncCamb, args: argparse.Namespace, console: Console) -> ExitStatus:
    listed = await client.voices.list()
    if console.json_mode:
        console.emit_json([attrs.asdict(voice) for voice in listed])
        return ExitStatus.OK
    rows = [("ID", "NAME", "GENDER", "AGE", "LANGUAGE")]
    rows.extend(
        (
            str(v.id),
            v.voice_name,
            GENDERS.get(v.gender, str(v.gender)) if v.gender is not None else "-",
            str(v.age) if v.age is not None else "-",
            str(v.language) if v.language is not None else "-",
        )
        for v in listed
    )
    console.out(_table(rows))
    return ExitStatus.OK


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


# --- languages ------------------------------------------------------------------------------------


async def languages(client: AsyncCamb, args: argparse.Namespace, console: Console) -> ExitStatus:
    listed = await (client.languages.target() if args.target else client.languages.source())
    if console.json_mode:
        console.emit_json([attrs.asdict(language) for language in listed])
        return ExitStatus.OK
    rows = [("ID", "LOCALE", "LANGUAGE")]
    rows.extend((str(item.id), item.short_name, item.language) for item in listed)
    console.out(_table(rows))
    return ExitStatus.OK


def stream_locales(args: argparse.Namespace, console: Console) -> ExitStatus:
    """`camb languages --stream`: the locales the spec knows for POST /tts-stream (what `speak`
    and `batch` check before sending), sorted, with where the list comes from. No API call."""
    from camb.api_facts import STREAM_LOCALES, STREAM_LOCALES_SOURCE

    locales = sorted(STREAM_LOCALES)
    if console.json_mode:
        console.emit_json({"source": STREAM_LOCALES_SOURCE, "locales": locales})
        return ExitStatus.OK
    console.out("LOCALE")
    for locale in locales:
        console.out(locale)
    console.note(f"{len(locales)} locales. Source: {STREAM_LOCALES_SOURCE}")
    return ExitStatus.OK


# --- sandbox --------------------------------------------------------------------------------------

# (flag, SandboxConfig field, type, help) for every setting `camb sandbox` exposes.
SANDBOX_SETTINGS: tuple[tuple[str, str, type, str], ...] = (
    ("--task-duration", "task_duration", float, "seconds a task stays PENDING (default 0.5)"),
    ("--url-expiry", "url_expiry", float, "seconds a presigned file URL stays valid"),
    ("--latency", "latency", float, "seconds added to every API request"),
    ("--rate-429", "rate_429", float, "share of API requests answered 429"),
    ("--retry-after", "retry_after", float, "seconds sent in Retry-After with a 429"),
    ("--rate-5xx", "rate_5xx", float, "share of API requests answered 500 or 503"),
    ("--html-share", "html_share", float, "share of 5xx answers that are an HTML page"),
    ("--rate-drop", "rate_drop", float, "share of API requests whose connection is dropped"),
    ("--rate-truncate", "rate_truncate", float, "share of audio bodies cut short"),
    (
        "--rate-short-audio",
        "rate_short_audio",
        float,
        "share of WAV streams whose header declares more data than they carry",
    ),
    ("--seed", "seed", int, "seed of the fault sequence (default: a fresh one)"),
    (
        "--bulk-value-shape",
        "bulk_value_shape",
        str,
        "POST /tts-results values: object, string or mixed",
    ),
    ("--result-bytes", "result_bytes", int, "pad FLAC results to at least this many bytes"),
    ("--live-credits", "live_credits", int, "credits of each live speech session (4402 after)"),
)


def sandbox(args: argparse.Namespace, console: Console) -> ExitStatus:
    # Without the sandbox extra this raises camb.MissingExtraError, which names the extra.
    from camb.sandbox import SandboxConfig, serve

    settings: dict[str, Any] = {
        field: getattr(args, field)
        for _flag, field, _type, _help in SANDBOX_SETTINGS
        if getattr(args, field) is not None
    }
    settings["api_key"] = args.sandbox_api_key or args.api_key or "sandbox-key"
    if args.access_log:
        settings["access_log"] = True
    if args.strict_documented:
        settings["strict_documented"] = True
    if args.ignore_sample_rate:
        settings["ignore_sample_rate"] = True
    try:
        config = SandboxConfig(**settings)
    except ValueError as error:
        raise UsageError(str(error)) from None

    def ready(running: Sandbox) -> None:
        # The sandbox's key is a stand-in, not a secret: printing it is the point.
        if console.json_mode:
            console.emit_json(
                {
                    "base_url": running.url,
                    "files_url": running.files_url,
                    "api_key": running.api_key,
                },
                one_line=True,
            )
        else:
            console.out(f"CAMB_BASE_URL={running.url} CAMB_API_KEY={running.api_key}")
        print(
            f"camb sandbox: serving the API at {running.url} (files at {running.files_url}); "
            f"in another shell: export CAMB_BASE_URL={running.url} "
            f"CAMB_API_KEY={running.api_key}; camb voices. Ctrl-C stops it.",
            file=sys.stderr,
            flush=True,
        )

    try:
        serve(config, host=args.host, port=args.port, files_port=args.files_port, ready=ready)
    except OSError as error:
        # Not the API failing: the address asked for cannot be had here. A usage error.
        ports = f"port {args.port}" + (f" or {args.files_port}" if args.files_port else "")
        reason = error.strerror or str(error)
        hint = " (another sandbox or server holds it)" if error.errno == errno.EADDRINUSE else ""
        console.error(
            f"cannot listen on {args.host} {ports}: {reason}{hint}; give another --port, or "
            "--port 0 for a free one"
        )
        return ExitStatus.USAGE
    return ExitStatus.OK
