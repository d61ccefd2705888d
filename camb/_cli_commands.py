"""What each `camb` subcommand does. Every command returns its exit status; errors it does not
handle itself (a `CambError`, Ctrl-C) are turned into one line and a status by `_cli.main`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from camb import (
    APIStatusError,
    AsyncCamb,
    AudioFormat,
    BulkResults,
    CambError,
    InvalidInputError,
    TaskStatus,
    Voice,
)

from ._cli_support import (
    Console,
    Progress,
    UsageError,
    error_json,
    parse_run_ids,
    parse_task_ids,
    read_text,
    shared_failure,
)

if TYPE_CHECKING:
    from camb.sandbox import Sandbox

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

# The format `speak` asks for when the output file's extension says it.
EXTENSION_FORMATS: dict[str, AudioFormat] = {
    ".wav": "wav",
    ".flac": "flac",
    ".mp3": "mp3",
    ".aac": "adts",
    ".adts": "adts",
    ".pcm": "pcm_s16le",
}
GENDERS = {0: "unknown", 1: "male", 2: "female", 9: "n/a"}
# The status codes with which a presigned URL says it has expired (or never existed).
EXPIRED_URL_STATUSES = frozenset({401, 403, 404, 410})


def build_client(args: argparse.Namespace) -> AsyncCamb:
    """The client every API command uses, from the global options (and the environment)."""
    options: dict[str, Any] = {}
    if args.timeout is not None:
        options["timeout"] = args.timeout
    if args.max_retries is not None:
        options["max_retries"] = args.max_retries
    return AsyncCamb(api_key=args.api_key, base_url=args.base_url, **options)


# --- speak ----------------------------------------------------------------------------------------


def speak_format(path: str, explicit: AudioFormat | None) -> AudioFormat:
    if explicit is not None:
        return explicit
    suffix = Path(path).suffix.lower()
    if suffix not in EXTENSION_FORMATS:
        known = ", ".join(EXTENSION_FORMATS)
        raise UsageError(
            f"cannot tell the audio format from {path!r}: use one of the extensions {known}, "
            "or give --format"
        )
    return EXTENSION_FORMATS[suffix]


async def first_voice(client: AsyncCamb) -> Voice:
    voices = await client.voices.list()
    if not voices:
        raise UsageError("the account has no voices: give --voice-id")
    return voices[0]


async def speak(client: AsyncCamb, args: argparse.Namespace, console: Console) -> int:
    audio_format = speak_format(args.output, args.format)
    voice_id: int = args.voice_id if args.voice_id is not None else (await first_voice(client)).id
    stream = client.tts.stream(
        args.text,
        voice_id,
        args.language,
        speech_model=args.speech_model,
        format=audio_format,
    )
    async with stream:
        path = await stream.save(args.output)
        content_type = stream.content_type
        credits_required = stream.credits_required
    size = path.stat().st_size
    if console.json_mode:
        console.emit_json(
            {
                "path": str(path),
                "bytes": size,
                "format": audio_format,
                "voice_id": voice_id,
                "language": args.language,
                "content_type": content_type,
                "credits_required": credits_required,
            }
        )
    else:
        console.out(f"wrote {path} ({size:,} bytes, {audio_format}, voice {voice_id})")
    return EXIT_OK


# --- the task flow: create, status, wait ----------------------------------------------------------


async def create(client: AsyncCamb, args: argparse.Namespace, console: Console) -> int:
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
                    folder_id=args.folder_id,
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
    return EXIT_OK


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


async def status(client: AsyncCamb, args: argparse.Namespace, console: Console) -> int:
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
            console.error(f"{task_id}: {outcome}")
        elif not console.json_mode:
            run = outcome.run_id if outcome.run_id is not None else "-"
            extra = f"\t{outcome.exception_reason}" if outcome.exception_reason else ""
            console.out(f"{task_id}\t{outcome.status}\t{run}{extra}")
    return EXIT_FAILED if errors else EXIT_OK


def _raise_if_all_failed(errors: dict[Any, CambError], total: int) -> None:
    """When every id failed the same way (a bad key, say), that one error is the answer."""
    if len(errors) == total:
        shared = shared_failure(errors.values())
        if shared is not None:
            raise shared


async def wait(client: AsyncCamb, args: argparse.Namespace, console: Console) -> int:
    ids = task_ids_of(args)
    progress = Progress(len(ids), desc="waiting", unit="task")
    finished: set[str] = set()

    def on_status(task_status: TaskStatus) -> None:
        if not task_status.is_pending and task_status.task_id not in finished:
            finished.add(task_status.task_id)
            progress.update()

    try:
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
        console.error(message if task_id in message else f"{task_id}: {message}")
    return EXIT_FAILED if failed else EXIT_OK


# --- results --------------------------------------------------------------------------------------


async def result(client: AsyncCamb, args: argparse.Namespace, console: Console) -> int:
    run_id: int = args.run_id
    if args.url:
        url = await client.tts.result_url(run_id)
        if console.json_mode:
            console.emit_json({"run_id": run_id, "url": url})
        else:
            console.out(url)
        return EXIT_OK
    path = await client.tts.download(run_id, args.output or f"{run_id}.flac")
    size = path.stat().st_size
    if console.json_mode:
        console.emit_json({"run_id": run_id, "path": str(path), "bytes": size})
    else:
        console.out(f"wrote {path} ({size:,} bytes)")
    return EXIT_OK


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


async def results(client: AsyncCamb, args: argparse.Namespace, console: Console) -> int:
    ids = run_ids_of(args)
    bulk = await client.tts.results(ids, concurrency=args.bulk_concurrency, raise_on_error=False)
    _raise_if_all_failed(dict(bulk.failed), len(ids))
    failed: dict[int, CambError] = dict(bulk.failed)
    document: dict[str, Any]
    if args.download is None:
        document = {"urls": _keyed(bulk.urls)}
    else:
        files, download_failures = await _download_all(client, bulk, Path(args.download), args)
        failed.update(download_failures)
        document = {
            "files": {
                str(run_id): {"path": str(path), "bytes": path.stat().st_size}
                for run_id, path in files.items()
            }
        }
        if not console.json_mode:
            for run_id, path in files.items():
                console.out(f"{run_id}\t{path}\t{path.stat().st_size} bytes")
    document["unavailable"] = _keyed(bulk.unavailable)
    document["failed"] = {str(run_id): error_json(e) for run_id, e in failed.items()}
    if console.json_mode or args.download is None:
        # Without --download the answer is always this JSON map: URLs are not for reading.
        console.emit_json(document)
    missing = len(bulk.unavailable) + len(failed)
    if missing:
        first = next(iter(failed.values()), None)
        why = f"; first error: {first}" if first is not None else ""
        console.error(
            f"{missing} of {len(ids)} run ids have no "
            f"{'file' if args.download is not None else 'URL'} "
            f"({len(bulk.unavailable)} unavailable, {len(failed)} failed){why}"
        )
        return EXIT_FAILED
    return EXIT_OK


def _make_dir(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)


async def _download_all(
    client: AsyncCamb, bulk: BulkResults, directory: Path, args: argparse.Namespace
) -> tuple[dict[int, Path], dict[int, CambError]]:
    _make_dir(directory)
    limiter = asyncio.Semaphore(args.concurrency)
    progress = Progress(len(bulk.urls), desc="downloading", unit="file")

    async def one(run_id: int, url: str) -> Path | CambError:
        path = directory / f"{run_id}.flac"
        async with limiter:
            try:
                try:
                    return await client.tts.download_url(url, path)
                except APIStatusError as error:
                    if error.status_code not in EXPIRED_URL_STATUSES:
                        raise
                    # The presigned URL expired before its turn came: ask for a fresh one, once.
                    fresh = await client.tts.result_url(run_id)
                    return await client.tts.download_url(fresh, path)
            except CambError as error:
                return error
            finally:
                progress.update()

    try:
        outcomes = await asyncio.gather(*(one(r, u) for r, u in bulk.urls.items()))
    finally:
        progress.close()
    files: dict[int, Path] = {}
    failures: dict[int, CambError] = {}
    for run_id, outcome in zip(bulk.urls, outcomes, strict=True):
        if isinstance(outcome, CambError):
            failures[run_id] = outcome
        else:
            files[run_id] = outcome
    return files, failures


# --- voices ---------------------------------------------------------------------------------------


async def voices(client: AsyncCamb, args: argparse.Namespace, console: Console) -> int:
    listed = await client.voices.list()
    if console.json_mode:
        console.emit_json([attrs.asdict(voice) for voice in listed])
        return EXIT_OK
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
    return EXIT_OK


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


# --- languages ------------------------------------------------------------------------------------


async def languages(client: AsyncCamb, args: argparse.Namespace, console: Console) -> int:
    listed = await (client.languages.target() if args.target else client.languages.source())
    if console.json_mode:
        console.emit_json([attrs.asdict(language) for language in listed])
        return EXIT_OK
    rows = [("ID", "LOCALE", "LANGUAGE")]
    rows.extend((str(item.id), item.short_name, item.language) for item in listed)
    console.out(_table(rows))
    return EXIT_OK


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
    ("--seed", "seed", int, "seed of the fault sequence (default: a fresh one)"),
    (
        "--bulk-value-shape",
        "bulk_value_shape",
        str,
        "POST /tts-results values: object, string or mixed",
    ),
    ("--result-bytes", "result_bytes", int, "pad FLAC results to at least this many bytes"),
)
SANDBOX_EXTRA_MODULES = frozenset({"starlette", "uvicorn", "numpy", "soundfile", "anyio"})


def sandbox(args: argparse.Namespace, console: Console) -> int:
    try:
        from camb.sandbox import SandboxConfig, serve
    except ModuleNotFoundError as error:
        missing = (error.name or "").split(".")[0]
        if missing not in SANDBOX_EXTRA_MODULES:
            raise
        console.error(
            f"the sandbox needs the 'sandbox' extra (no module {missing!r}): "
            "pip install 'camb[sandbox]'"
        )
        return EXIT_USAGE
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
        ports = f"port {args.port}" + (f" or {args.files_port}" if args.files_port else "")
        console.error(f"cannot listen on {args.host} {ports}: {error.strerror or error}")
        return EXIT_FAILED
    return EXIT_OK
