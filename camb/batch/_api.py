"""`camb.batch.run`: a file of items in, a folder of audio files out, resumable.

Each item is spoken with `tts.speak()` (any length of text) into `<out>/<id>.<ext>`, which
appears only when complete (a temporary file renamed into place), and recorded in the SQLite
state of the output folder. The same call again resumes: done items are never synthesised
again.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import attrs

from .. import _validation as check
from .._constants import DEFAULT_BATCH_CONCURRENCY, DEFAULT_MAX_ATTEMPTS
from .._exceptions import CambError, InvalidInputError, InvalidInputTypeError, SpeechSegmentError
from .._files import leftover_temporaries
from ._identity import Shard, parse_shard
from ._input import BatchItem, InputFormat, read_items
from ._manifest import manifest_file_name, status_document, write_manifest
from ._runner import BatchResult, ItemResult, Progress, run_batch
from ._state import StateStore, state_file_name

if TYPE_CHECKING:
    from .._async._client import AsyncCamb
    from .._sync._client import Camb


Source = str | os.PathLike[str] | IO[bytes]
OnProgress = Callable[[Progress], object]


def _unwrapped(error: CambError) -> CambError:
    """The error behind a failed segment, so the runner can tell a 429 or a bad key."""
    cause = error.__cause__
    if isinstance(error, SpeechSegmentError) and isinstance(cause, CambError):
        return cause
    return error


def _speak_args(item: BatchItem) -> dict[str, Any]:
    # One segment try per item try: the runner retries the item, and the segment cache makes
    # a retried item pay only for its missing segments. 429s go to the runner, whose
    # concurrency adapts to them.
    return {**item.options(), "segment_retries": 0, "rate_limit_waits": 0}


def _caption_args(path: Path, captions: Captions | None) -> dict[str, Any]:
    """Captions beside the item's audio: `<id>.srt`, `.vtt` or `.json`."""
    if captions is None:
        return {}
    return {
        "captions": path.with_suffix("." + captions.format),
        "caption_sentences": captions.sentences,
    }


@attrs.frozen
class Captions:
    """Captions of every item: their format, and whether requests are sentence-sized."""

    format: str
    sentences: bool = False


def _captions(captions: object, caption_sentences: object) -> Captions | None:
    if captions is None:
        if caption_sentences:
            raise InvalidInputError("caption_sentences", "needs captions= (srt, vtt or json)")
        return None
    if captions not in ("srt", "vtt", "json"):
        raise InvalidInputError("captions", "must be 'srt', 'vtt' or 'json'", captions)
    return Captions(
        str(captions), bool(check.optional_bool("caption_sentences", caption_sentences))
    )


def _sync_synthesizer(
    client: Camb, captions: Captions | None = None
) -> Callable[[BatchItem, Path], ItemResult]:
    def synthesize(item: BatchItem, path: Path) -> ItemResult:
        try:
            result = client.tts.speak(
                item.text,
                item.voice_id,
                item.language,
                path,
                **_speak_args(item),
                **_caption_args(path, captions),
            )
        except CambError as error:
            raise _unwrapped(error) from error
        return ItemResult(duration=result.duration, credits=result.credits)

    return synthesize


def _async_synthesizer(
    client: AsyncCamb, loop: asyncio.AbstractEventLoop, captions: Captions | None = None
) -> Callable[[BatchItem, Path], ItemResult]:
    """Runs each item's `speak()` on the caller's event loop, from the runner's threads."""

    def synthesize(item: BatchItem, path: Path) -> ItemResult:
        coroutine = client.tts.speak(
            item.text,
            item.voice_id,
            item.language,
            path,
            **_speak_args(item),
            **_caption_args(path, captions),
        )
        try:
            result = asyncio.run_coroutine_threadsafe(coroutine, loop).result()
        except CambError as error:
            raise _unwrapped(error) from error
        return ItemResult(duration=result.duration, credits=result.credits)

    return synthesize


def _prepare(
    source: Source,
    *,
    out: object,
    defaults: Mapping[str, Any] | None,
    shard: Shard | str | None,
    skip_invalid: bool,
    input_format: InputFormat | None,
) -> tuple[list[BatchItem], Path, Shard | None, list[Any]]:
    """Read and check the whole input (nothing is sent while a line is bad), pick the shard."""
    if not isinstance(out, (str, os.PathLike)) or isinstance(out, bytes):
        raise InvalidInputTypeError("out", "must be a str or os.PathLike folder", out)
    out_dir = Path(out)
    if out_dir.exists() and not out_dir.is_dir():
        raise InvalidInputError("out", "must be a folder, not a file", out)
    chosen = parse_shard(shard) if isinstance(shard, str) else shard
    read = read_items(source, format=input_format, defaults=defaults, skip_invalid=skip_invalid)
    items = [item for item in read.items if chosen is None or chosen.contains(item.id)]
    return items, out_dir, chosen, list(read.problems)


def _remove_orphans(out_dir: Path, items: list[BatchItem], manifest: str) -> None:
    """Temporary files a killed run left of these items and this manifest. Only one run holds
    this state at a time, so none of them is being written now; other shards' files in a
    shared folder are not touched. Segment caches stay: a long item resumes from them."""
    for name in [*(item.file_name for item in items), manifest]:
        for orphan in leftover_temporaries(out_dir / name):
            with contextlib.suppress(OSError):
                orphan.unlink()


def _run_prepared(
    items: list[BatchItem],
    out_dir: Path,
    shard: Shard | None,
    synthesize: Callable[[BatchItem, Path], ItemResult],
    *,
    problems: list[Any],
    concurrency: int,
    max_attempts: int,
    on_progress: OnProgress | None,
) -> BatchResult:
    out_dir.mkdir(parents=True, exist_ok=True)
    with StateStore.open(out_dir / state_file_name(shard), out_dir=out_dir) as store:
        _remove_orphans(out_dir, items, manifest_file_name(shard))
        try:
            result = run_batch(
                items,
                store,
                synthesize,
                concurrency=concurrency,
                max_attempts=max_attempts,
                on_progress=on_progress,  # type: ignore[arg-type]
            )
        finally:
            write_manifest(out_dir / manifest_file_name(shard), store.iter_rows())
    return attrs.evolve(result, problems=tuple(problems))


def run(
    client: Camb | AsyncCamb,
    source: Source,
    *,
    out: str | os.PathLike[str],
    defaults: Mapping[str, Any] | None = None,
    concurrency: int = DEFAULT_BATCH_CONCURRENCY,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    shard: Shard | str | None = None,
    skip_invalid: bool = False,
    input_format: InputFormat | None = None,
    on_progress: OnProgress | None = None,
    captions: str | None = None,
    caption_sentences: bool = False,
) -> Any:
    """Speak every item of a JSON Lines or CSV file into `out/<id>.<ext>`; resumable.

    `source` is a path (`.jsonl`, `.ndjson`, `.csv`) or a binary stream. Every line is checked
    before anything is sent: a bad line raises BatchInputError listing each problem with its
    line number and field (unless `skip_invalid=True`, which leaves bad lines out). `defaults`
    fill what a line leaves out (voice_id, language, format, speech_model, ...).

    The state of every item lives in an SQLite file in `out`; the same call again resumes:
    done items are never synthesised again, a changed line is redone. `concurrency` items
    are spoken at once at most, less while the API answers 429. `shard="K/N"` takes this
    machine's deterministic share of the items (K from 0). A `manifest.jsonl` in `out` lists
    every item with its state, file, bytes, duration and credits.

    `captions` ("srt", "vtt" or "json") writes each item's captions beside its audio
    (`out/<id>.srt`, ...): exact at request boundaries, every cue exact with
    `caption_sentences=True` (see `tts.speak()`).

    With an `AsyncCamb`, this returns a coroutine (as `run_async` does): `await` it.
    """
    from .._async._client import AsyncCamb as AsyncClient

    if isinstance(client, AsyncClient):
        return run_async(
            client,
            source,
            out=out,
            defaults=defaults,
            concurrency=concurrency,
            max_attempts=max_attempts,
            shard=shard,
            skip_invalid=skip_invalid,
            input_format=input_format,
            on_progress=on_progress,
            captions=captions,
            caption_sentences=caption_sentences,
        )
    caption_options = _captions(captions, caption_sentences)
    workers = check.concurrency("concurrency", concurrency)
    attempts = check.concurrency("max_attempts", max_attempts)
    items, out_dir, chosen, problems = _prepare(
        source,
        out=out,
        defaults=defaults,
        shard=shard,
        skip_invalid=skip_invalid,
        input_format=input_format,
    )
    return _run_prepared(
        items,
        out_dir,
        chosen,
        _sync_synthesizer(client, caption_options),
        problems=problems,
        concurrency=workers,
        max_attempts=attempts,
        on_progress=on_progress,
    )


def run_async(
    client: AsyncCamb,
    source: Source,
    *,
    out: str | os.PathLike[str],
    defaults: Mapping[str, Any] | None = None,
    concurrency: int = DEFAULT_BATCH_CONCURRENCY,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    shard: Shard | str | None = None,
    skip_invalid: bool = False,
    input_format: InputFormat | None = None,
    on_progress: OnProgress | None = None,
    captions: str | None = None,
    caption_sentences: bool = False,
) -> Coroutine[Any, Any, BatchResult]:
    """`run()` for an `AsyncCamb`: the requests run on the caller's event loop; the state
    bookkeeping (short local SQLite transactions) runs in a worker thread."""
    caption_options = _captions(captions, caption_sentences)
    workers = check.concurrency("concurrency", concurrency)
    attempts = check.concurrency("max_attempts", max_attempts)
    items, out_dir, chosen, problems = _prepare(
        source,
        out=out,
        defaults=defaults,
        shard=shard,
        skip_invalid=skip_invalid,
        input_format=input_format,
    )

    async def running() -> BatchResult:
        synthesize = _async_synthesizer(client, asyncio.get_running_loop(), caption_options)
        return await asyncio.to_thread(
            _run_prepared,
            items,
            out_dir,
            chosen,
            synthesize,
            problems=problems,
            concurrency=workers,
            max_attempts=attempts,
            on_progress=on_progress,
        )

    return running()


def status(out: str | os.PathLike[str], *, shard: Shard | str | None = None) -> dict[str, Any]:
    """The state of a batch folder as JSON-ready data: counts and every item's row. Safe to
    call while a run is writing (it reads a snapshot and takes no lock)."""
    chosen = parse_shard(shard) if isinstance(shard, str) else shard
    path = Path(out) / state_file_name(chosen)
    store = StateStore.open_readonly(path)
    try:
        return status_document(store)
    finally:
        store.close()
