"""`tts.translate()`: one text spoken in several languages, with `POST /translated-tts`.

One translated task per target language (created `concurrency` at a time), waited on with the
same polling as `tts.wait()`, their runs' URLs fetched with the bulk `POST /tts-results` in
chunks of 2 to 5 (as `tts.results()`), and, when a folder is given, each run's FLAC downloaded
to `<folder>/<language>.flac` (written to a temporary file, renamed when complete).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .. import _async_runtime
from .._constants import DEFAULT_WAIT_CONCURRENCY, EXPIRED_URL_STATUSES
from .._exceptions import APIStatusError, CambError, TranslationError
from .._options import RequestOptions
from .._polling import Waiter
from .._wire import _operations as ops
from .._wire import _responses as parse
from .._wire._translation import (
    TranslatedRequests,
    TranslatedSpeech,
    TranslationResults,
    audio_path,
    summary,
    translated_status_request,
)

if TYPE_CHECKING:
    from ._tts import AsyncTTS


async def translate(
    tts: AsyncTTS,
    planned: TranslatedRequests,
    *,
    folder: Path | None,
    create_options: RequestOptions,
    options: RequestOptions,
    wait_timeout: float,
    poll_interval: float | None,
    concurrency: int,
    bulk_concurrency: int,
    raise_on_error: bool,
) -> TranslationResults:
    """Create, wait, fetch (and download) every target language of `planned`."""
    client = tts._client
    keys = list(planned.requests)
    failed: dict[str, CambError] = {}

    async def create(key: str) -> str | CambError:
        try:
            response = await client._send(planned.requests[key], create_options, idempotent=False)
            return parse.parse_task_id(response)
        except CambError as error:
            return error

    task_ids: dict[str, str] = {}
    created = await _async_runtime.map_concurrently(create, keys, concurrency)
    for key, outcome in zip(keys, created, strict=True):
        if isinstance(outcome, CambError):
            failed[key] = outcome
        else:
            task_ids[key] = outcome

    # Made now, so that every task's deadline counts from the same moment.
    waiters = {
        key: Waiter(task_id, timeout=wait_timeout, poll_interval=poll_interval, on_status=None)
        for key, task_id in task_ids.items()
    }

    async def wait(key: str) -> int | CambError:
        waiter = waiters[key]
        try:
            return await tts._wait(waiter, translated_status_request(waiter.task_id), options)
        except CambError as error:
            return error

    run_ids: dict[str, int] = {}
    waited = await _async_runtime.map_concurrently(wait, list(waiters), DEFAULT_WAIT_CONCURRENCY)
    for key, run_id in zip(list(waiters), waited, strict=True):
        if isinstance(run_id, CambError):
            failed[key] = run_id
        else:
            run_ids[key] = run_id

    unavailable: dict[str, str] = {}
    urls: dict[str, str] = {}
    if run_ids:
        bulk = await tts._results(
            list(dict.fromkeys(run_ids.values())), bulk_concurrency, options, raise_on_error=False
        )
        for key, run in run_ids.items():
            if run in bulk.urls:
                urls[key] = bulk.urls[run]
            elif run in bulk.failed:
                failed[key] = bulk.failed[run]
            else:
                unavailable[key] = bulk.unavailable.get(run, "not available")

    paths: dict[str, Path] = {}
    if folder is not None and urls:

        async def download(key: str) -> Path | CambError:
            path = audio_path(folder, key)
            try:
                try:
                    return await tts._download_to(urls[key], path, options)
                except APIStatusError as error:
                    if error.status_code not in EXPIRED_URL_STATUSES:
                        raise
                    fresh = await client._send(
                        ops.result_request(run_ids[key], "file_url"), options, idempotent=True
                    )
                    return await tts._download_to(parse.parse_output_url(fresh), path, options)
            except CambError as error:
                return error

        downloaded = await _async_runtime.map_concurrently(download, list(urls), concurrency)
        for key, path in zip(list(urls), downloaded, strict=True):
            if isinstance(path, CambError):
                failed[key] = path
            else:
                paths[key] = path

    speech = {
        key: TranslatedSpeech(
            language=key,
            task_id=task_ids[key],
            run_id=run_ids[key],
            url=urls[key],
            path=paths.get(key),
        )
        for key in keys
        if key in urls and key not in failed
    }
    results = TranslationResults(
        speech=speech,
        unavailable={key: unavailable[key] for key in keys if key in unavailable},
        failed={key: failed[key] for key in keys if key in failed},
    )
    if raise_on_error and not results.ok:
        raise TranslationError(summary(results, len(keys)), results=results)
    return results
