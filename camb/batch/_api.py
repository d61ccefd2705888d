"""`camb.batch.run`: a file of items in, a folder of audio files out, resumable.

Each item is spoken with `tts.speak()` (any length of text) into `<out>/<id>.<ext>`, which
appears only when complete (a temporary file renamed into place), and recorded in the SQLite
state of the output folder. The same call again resumes: done items are never synthesised
again.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, overload

import attrs
import httpx

from .. import _validation as check
from .._cache._cost import CostPlan, CreditBudget
from .._constants import DEFAULT_BATCH_CONCURRENCY, DEFAULT_MAX_ATTEMPTS
from .._exceptions import (
    BudgetExceededError,
    CambError,
    FileWriteError,
    InvalidInputError,
    InvalidInputTypeError,
    SpeechSegmentError,
)
from .._files import leftover_temporaries_of
from .._longform._plan import remove_segment_cache
from ._budget import budget_for, plan_items, seed_budget, stopped
from ._evidence import DoneEvidence
from ._folder import FolderLock
from ._identity import Shard, parse_shard
from ._input import BatchItem, InputFormat, read_items
from ._manifest import ManifestWriteError, manifest_file_name, status_document, write_manifest
from ._runner import BatchResult, ItemResult, Progress, run_batch
from ._state import StateStore, state_file_name
from ._stop import StopRequest, signals_stop_run
from ._translations import speak_translated_async, speak_translated_sync

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


def _speak_args(
    item: BatchItem, timeout: httpx.Timeout, budget: CreditBudget | None = None
) -> dict[str, Any]:
    # One segment try per item try: the runner retries the item, and the segment cache makes
    # a retried item pay only for its missing segments. 429s go to the runner, whose
    # concurrency adapts to them. Every item draws on the run's one budget.
    extra = {} if budget is None else {"max_credits": budget}
    return {
        **item.options(),
        "segment_retries": 0,
        "rate_limit_waits": 0,
        "timeout": _no_pool_timeout(timeout),
        **extra,
    }


def _no_pool_timeout(timeout: httpx.Timeout) -> httpx.Timeout:
    """The client's timeout, with no limit on waiting for a pooled connection.

    More items at once than the client's pool has connections (`concurrency=400` against 64)
    queue for a connection, and that wait is no failed attempt: it ends as other requests
    end, each bounded by its own connect, read and write timeouts. Had it a timeout, the
    items last in the queue would fail with PoolTimeout against a healthy server. The pool
    still bounds the requests actually open at once (the client's limits, 64 by default).
    """
    return httpx.Timeout(connect=timeout.connect, read=timeout.read, write=timeout.write, pool=None)


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
    client: Camb, budget: CreditBudget | None = None, captions: Captions | None = None
) -> Callable[[BatchItem, Path], ItemResult]:
    def synthesize(item: BatchItem, path: Path) -> ItemResult:
        if item.source_language is not None:
            try:
                speak_translated_sync(client, item, path)
            except CambError as error:
                raise _unwrapped(error) from error
            return ItemResult()
        try:
            result = client.tts.speak(
                item.text,
                item.voice_id,
                item.language,
                path,
                **_speak_args(item, client.timeout, budget),
                **_caption_args(path, captions),
            )
        except CambError as error:
            raise _unwrapped(error) from error
        return ItemResult(duration=result.duration, credits=result.credits)

    return synthesize


def _async_synthesizer(
    client: AsyncCamb,
    loop: asyncio.AbstractEventLoop,
    budget: CreditBudget | None = None,
    captions: Captions | None = None,
) -> Callable[[BatchItem, Path], ItemResult]:
    """Runs each item's `speak()` on the caller's event loop, from the runner's threads."""

    def synthesize(item: BatchItem, path: Path) -> ItemResult:
        if item.source_language is not None:
            translated = speak_translated_async(client, item, path)
            try:
                asyncio.run_coroutine_threadsafe(translated, loop).result()
            except CambError as error:
                raise _unwrapped(error) from error
            return ItemResult()
        coroutine = client.tts.speak(
            item.text,
            item.voice_id,
            item.language,
            path,
            **_speak_args(item, client.timeout, budget),
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
    encoding: str | None = None,
) -> tuple[list[BatchItem], Path, Shard | None, list[Any]]:
    """Read and check the whole input (nothing is sent while a line is bad), pick the shard."""
    if not isinstance(out, (str, os.PathLike)) or isinstance(out, bytes):
        raise InvalidInputTypeError("out", "must be a str or os.PathLike folder", out)
    out_dir = Path(out)
    if out_dir.exists() and not out_dir.is_dir():
        raise InvalidInputError("out", "must be a folder, not a file", out)
    chosen = parse_shard(shard) if isinstance(shard, str) else shard
    read = read_items(
        source,
        format=input_format,
        defaults=defaults,
        skip_invalid=skip_invalid,
        encoding=encoding,
    )
    items = [item for item in read.items if chosen is None or chosen.contains(item.id)]
    # The notes ride with the problems to the result (see _with_input_report).
    return items, out_dir, chosen, [*read.problems, *map(InputNote, read.notes)]


def _remove_orphans(
    out_dir: Path, items: list[BatchItem], manifest: str, done: set[str] | None = None
) -> None:
    """Temporary files a killed run left of these items and this manifest. Only one run holds
    this state at a time, so none of them is being written now; other shards' files in a
    shared folder are not touched. Segment caches stay (a long item resumes from them),
    except those of items already done (killed between their file and the cache's removal)."""
    names = [*(item.file_name for item in items), manifest]
    for orphan in leftover_temporaries_of(out_dir, names):
        with contextlib.suppress(OSError):
            orphan.unlink()
    for item in items:
        if done is not None and item.id in done:
            remove_segment_cache(out_dir / item.file_name)


def _make_folder(out_dir: Path) -> None:
    """The output folder, made if needed; a symlink to a folder not made yet makes its
    target (as `mkdir -p` through the link would)."""
    target = Path(os.path.realpath(out_dir))
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise FileWriteError(
            f"cannot make the output folder {os.fspath(out_dir)!r}: {error.strerror or error}",
            path=os.fspath(out_dir),
        ) from error
    if not target.is_dir():
        raise InvalidInputError("out", "must be a folder, not a file", os.fspath(out_dir))


def _outcome_line(result: BatchResult) -> str:
    counts = result.summary.counts
    return f"done {counts.done}, failed {counts.failed}, pending {counts.pending}"


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
    stop: StopRequest | None = None,
    budget: CreditBudget | None = None,
) -> BatchResult:
    _make_folder(out_dir)
    manifest = out_dir / manifest_file_name(shard)
    if budget is not None:
        # A resumed run counts what the folder's earlier runs spent (read before this run's
        # store opens: a state file it has just made has no rows yet).
        seed_budget(budget, items, out_dir, shard)
    with (
        FolderLock.acquire(out_dir, shard),
        StateStore.open(out_dir / state_file_name(shard), out_dir=out_dir) as store,
    ):
        done = {row.id for row in store.iter_rows() if row.state == "done"}
        _remove_orphans(out_dir, items, manifest_file_name(shard), done)
        try:
            result = run_batch(
                items,
                store,
                synthesize,
                concurrency=concurrency,
                max_attempts=max_attempts,
                on_progress=on_progress,  # type: ignore[arg-type]
                stop=stop,
                evidence=lambda: DoneEvidence.gather(out_dir, own_state=store.path),
            )
        except BaseException as error:
            # The run's own outcome is what the caller hears; a manifest that cannot be
            # written as well (the same full disk) is only noted.
            try:
                write_manifest(manifest, store.iter_rows())
            except CambError as manifest_error:
                _note(error, f"the manifest was not updated either: {manifest_error}")
            raise
        try:
            write_manifest(manifest, store.iter_rows())
        except FileWriteError as error:
            raise ManifestWriteError(
                f"{error} (the run itself ended: {_outcome_line(result)}; its state in "
                f"{store.path.name} is up to date, so the same command, once there is room, "
                "pays for nothing done)",
                path=error.path,
                result=_with_input_report(result, problems),
            ) from error
    result = _with_input_report(result, problems)
    if budget is not None and isinstance(result.aborted, BudgetExceededError):
        raise stopped(result, result.aborted, budget)
    return result


class InputNote(str):
    """A note about how the input was read (not a problem), carried beside the problems."""


def _with_input_report(result: BatchResult, found: list[Any]) -> BatchResult:
    notes = tuple(str(note) for note in found if isinstance(note, InputNote))
    problems = tuple(item for item in found if not isinstance(item, InputNote))
    return attrs.evolve(result, problems=problems, notes=notes)


def _note(error: BaseException, note: str) -> None:
    add_note = getattr(error, "add_note", None)  # Python 3.11+
    if add_note is not None:
        add_note(note)


# A `Camb` gives the result; an `AsyncCamb` a coroutine of it (what `run_async` returns).
@overload
def run(
    client: Camb,
    source: Source,
    *,
    out: str | os.PathLike[str],
    defaults: Mapping[str, Any] | None = None,
    concurrency: int = DEFAULT_BATCH_CONCURRENCY,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    shard: Shard | str | None = None,
    skip_invalid: bool = False,
    input_format: InputFormat | None = None,
    encoding: str | None = None,
    on_progress: OnProgress | None = None,
    max_credits: float | CreditBudget | None = None,
    captions: str | None = None,
    caption_sentences: bool = False,
) -> BatchResult: ...


@overload
def run(
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
    encoding: str | None = None,
    on_progress: OnProgress | None = None,
    max_credits: float | CreditBudget | None = None,
    captions: str | None = None,
    caption_sentences: bool = False,
) -> Coroutine[Any, Any, BatchResult]: ...


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
    encoding: str | None = None,
    on_progress: OnProgress | None = None,
    max_credits: float | CreditBudget | None = None,
    captions: str | None = None,
    caption_sentences: bool = False,
) -> BatchResult | Coroutine[Any, Any, BatchResult]:
    """Speak every item of a JSON Lines or CSV file into `out/<id>.<ext>`; resumable.

    `source` is a path (`.jsonl`, `.ndjson`, `.csv`, `.tsv`) or a binary stream; `input_format`
    names its format where the extension cannot ("jsonl", "csv", "tsv"), `encoding` its text
    encoding (default UTF-8). Every line is checked
    before anything is sent: a bad line raises BatchInputError listing each problem with its
    line number and field (unless `skip_invalid=True`, which leaves bad lines out). `defaults`
    fill what a line leaves out (voice_id, language, format, speech_model, ...).

    The state of every item lives in an SQLite file in `out`; the same call again resumes:
    done items are never synthesised again, a changed line is redone. `concurrency` items
    are spoken at once at most, less while the API answers 429. `shard="K/N"` takes this
    machine's deterministic share of the items (K from 0). A `manifest.jsonl` in `out` lists
    every item with its state, file, bytes, duration and credits.

    `max_credits` stops the run before a request whose estimate would cross it, and before any
    new request once the reported credits reach it (earlier runs of this folder included):
    BudgetExceededError says how many items are done (all kept) and how many are not, and
    holds the BatchResult in `result`. `plan()` shows the estimate without sending anything.

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
            encoding=encoding,
            on_progress=on_progress,
            max_credits=max_credits,
            captions=captions,
            caption_sentences=caption_sentences,
        )
    caption_options = _captions(captions, caption_sentences)
    workers = check.concurrency("concurrency", concurrency)
    budget = budget_for(max_credits)
    attempts = check.concurrency("max_attempts", max_attempts)
    items, out_dir, chosen, problems = _prepare(
        source,
        out=out,
        defaults=defaults,
        shard=shard,
        skip_invalid=skip_invalid,
        input_format=input_format,
        encoding=encoding,
    )
    stop = StopRequest()
    with signals_stop_run(stop):
        result = _run_prepared(
            items,
            out_dir,
            chosen,
            _sync_synthesizer(client, budget, caption_options),
            problems=problems,
            concurrency=workers,
            max_attempts=attempts,
            on_progress=on_progress,
            stop=stop,
            budget=budget,
        )
    if result.interrupted:
        # Everything under way is recorded: now stop as Ctrl-C (or SIGTERM) asked.
        raise KeyboardInterrupt
    return result


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
    encoding: str | None = None,
    on_progress: OnProgress | None = None,
    max_credits: float | CreditBudget | None = None,
    captions: str | None = None,
    caption_sentences: bool = False,
) -> Coroutine[Any, Any, BatchResult]:
    """`run()` for an `AsyncCamb`: the requests run on the caller's event loop; the state
    bookkeeping (short local SQLite transactions) runs in a worker thread."""
    caption_options = _captions(captions, caption_sentences)
    workers = check.concurrency("concurrency", concurrency)
    budget = budget_for(max_credits)
    attempts = check.concurrency("max_attempts", max_attempts)
    items, out_dir, chosen, problems = _prepare(
        source,
        out=out,
        defaults=defaults,
        shard=shard,
        skip_invalid=skip_invalid,
        input_format=input_format,
        encoding=encoding,
    )

    async def running() -> BatchResult:
        loop = asyncio.get_running_loop()
        synthesize = _async_synthesizer(client, loop, budget, caption_options)
        stop = StopRequest()
        work = loop.run_in_executor(
            None,
            functools.partial(
                _run_prepared,
                items,
                out_dir,
                chosen,
                synthesize,
                problems=problems,
                concurrency=workers,
                max_attempts=attempts,
                on_progress=on_progress,
                stop=stop,
                budget=budget,
            ),
        )
        try:
            return await asyncio.shield(work)
        except asyncio.CancelledError:
            # Cancelled (asyncio.wait_for, a TaskGroup, Ctrl-C under asyncio.run): no new
            # request starts; the ones under way run on this loop, so wait here while they
            # finish and are recorded, then let the cancellation through.
            stop.request()
            while not work.done():
                # A second cancellation does not cut the wait short (the requests are paid
                # for); what the run raised after the stop is the run's, and the caller
                # asked to cancel: the cancellation goes through.
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.shield(work)
            raise

    return running()


def plan(
    client: Camb | AsyncCamb,
    source: Source,
    *,
    out: str | os.PathLike[str],
    defaults: Mapping[str, Any] | None = None,
    shard: Shard | str | None = None,
    skip_invalid: bool = False,
    input_format: InputFormat | None = None,
    credits_per_character: float | None = None,
) -> CostPlan:
    """What `run()` with the same arguments would send, counted without sending anything
    (with either client: nothing is awaited): the items, how many the folder already holds
    done, and over the others their segments, characters, requests, how many the caches
    answer, and an ESTIMATE of the credits (see `tts.plan()`)."""
    items, out_dir, chosen, _ = _prepare(
        source,
        out=out,
        defaults=defaults,
        shard=shard,
        skip_invalid=skip_invalid,
        input_format=input_format,
    )
    return plan_items(client, items, out_dir, chosen, credits_per_character=credits_per_character)


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
