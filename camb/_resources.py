"""`client.tts` and `client.voices`, sync and async.

Each method checks its arguments and builds its request with `_operations` (so bad input
raises before any traffic), sends it with the client, and parses the answer with `_responses`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

import httpx

from . import _operations as ops
from . import _responses as parse
from . import _validation as check
from ._bulk import BulkCollector
from ._chunking import plan_chunks
from ._exceptions import CambError, InvalidInputTypeError
from ._models import (
    AudioFormat,
    BulkResults,
    InferenceOptions,
    OutputType,
    TaskStatus,
    Voice,
    VoiceSettings,
    WaitResults,
)
from ._polling import Waiter
from ._streaming import AsyncSpeechStream, SpeechStream
from ._types import NOT_GIVEN, NotGiven, StrPath, TimeoutTypes

if TYPE_CHECKING:
    from ._client import AsyncCamb, Camb

DEFAULT_WAIT_TIMEOUT = 600.0
# The API's docs advise sending bulk chunks one after another to stay clear of rate limits,
# so that is the default; raise it when your account's limits allow (429s are retried with
# Retry-After either way).
DEFAULT_BULK_CONCURRENCY = 1
# Polls in flight at once for `wait_many` (each poll is one short GET).
DEFAULT_WAIT_CONCURRENCY = 16
EXPIRED_URL_HINT = "presigned URLs expire: fetch a fresh one with result_url()"

OnStatus = Callable[[TaskStatus], object]
ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")


def _wait_args(
    timeout: object, poll_interval: object, on_status: object = None
) -> tuple[float, float | None]:
    if on_status is not None and not callable(on_status):
        raise InvalidInputTypeError(
            "on_status", "must be a callable taking a TaskStatus", on_status
        )
    checked_timeout = check.timeout_seconds("timeout", timeout)
    interval = (
        None if poll_interval is None else check.timeout_seconds("poll_interval", poll_interval)
    )
    return checked_timeout, interval


def _result_of(response: httpx.Response, output_type: str) -> bytes | str:
    return response.content if output_type == "raw_bytes" else parse.parse_output_url(response)


class TTS:
    """Text-to-speech: `client.tts`."""

    def __init__(self, client: Camb) -> None:
        self._client = client

    def stream(
        self,
        text: str,
        voice_id: int,
        language: str,
        *,
        speech_model: str | None = None,
        format: AudioFormat | None = None,
        sample_rate: int | None = None,
        duration: float | None = None,
        apply_enhancement: bool | None = None,
        user_instructions: str | None = None,
        enhance_named_entities_pronunciation: bool | None = None,
        voice_settings: VoiceSettings | Mapping[str, Any] | None = None,
        inference_options: InferenceOptions | Mapping[str, Any] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> SpeechStream:
        """Speak `text` (3 to 3000 characters) with `POST /tts-stream`: the recommended way.

        `language` is a lower-case locale (`en-us`); `format` one of wav, flac, adts, mp3 or a
        pcm layout. The request goes out when the stream is first used; retried only when it
        never reached the server (each synthesis costs credits).
        """
        spec = ops.stream_request(
            text,
            voice_id,
            language,
            speech_model=speech_model,
            format=format,
            sample_rate=sample_rate,
            duration=duration,
            apply_enhancement=apply_enhancement,
            user_instructions=user_instructions,
            enhance_named_entities_pronunciation=enhance_named_entities_pronunciation,
            voice_settings=voice_settings,
            inference_options=inference_options,
        )
        self._client._retries_for(max_retries)
        self._client._timeout_for(timeout)
        return SpeechStream(
            lambda: self._client._send(
                spec, idempotent=False, stream=True, timeout=timeout, max_retries=max_retries
            )
        )

    def create(
        self,
        text: str,
        voice_id: int,
        language: int,
        *,
        project_name: str | None = None,
        project_description: str | None = None,
        folder_id: int | None = None,
        gender: int | None = None,
        age: int | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> str:
        """Start a task with `POST /tts` and return its task id. Deprecated upstream: prefer
        `stream()`. `language` is a numeric language id here; `gender` 0, 1, 2 or 9."""
        spec = ops.create_request(
            text,
            voice_id,
            language,
            project_name=project_name,
            project_description=project_description,
            folder_id=folder_id,
            gender=gender,
            age=age,
        )
        response = self._client._send(
            spec, idempotent=False, timeout=timeout, max_retries=max_retries
        )
        return parse.parse_task_id(response)

    def status(
        self,
        task_id: str,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> TaskStatus:
        """The task's current status; a status the API added since is kept as it is."""
        spec = ops.status_request(task_id)
        response = self._client._send(
            spec, idempotent=True, timeout=timeout, max_retries=max_retries
        )
        return parse.parse_task_status(response, task_id)

    def wait(
        self,
        task_id: str,
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float | None = None,
        on_status: OnStatus | None = None,
    ) -> int:
        """Poll until the task succeeds and return its run id.

        `timeout` is the whole wait's deadline (WaitTimeoutError after it). Without
        `poll_interval` the schedule starts at 0.25 s and backs off to 4 s. `on_status` sees
        every status. Raises TaskFailedError, TaskTimeoutError, TaskPaymentRequiredError or
        UnexpectedTaskStatusError when the task ends otherwise. Failed polls that are transient
        (connection errors, 429, 5xx) are polled again until the deadline.
        """
        check.task_id("task_id", task_id)
        deadline, interval = _wait_args(timeout, poll_interval, on_status)
        return self._wait(task_id, deadline, interval, on_status, time.sleep)

    def _wait(
        self,
        task_id: str,
        timeout: float,
        poll_interval: float | None,
        on_status: OnStatus | None,
        sleep: Callable[[float], object],
    ) -> int:
        waiter = Waiter(task_id, timeout=timeout, poll_interval=poll_interval, on_status=on_status)
        while True:
            try:
                status = self.status(task_id)
            except CambError as error:
                waiter.poll_failed(error)
            else:
                run_id = waiter.observe(status)
                if run_id is not None:
                    return run_id
            sleep(waiter.next_sleep())

    def wait_many(
        self,
        task_ids: Iterable[str],
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float | None = None,
        on_status: OnStatus | None = None,
        concurrency: int = DEFAULT_WAIT_CONCURRENCY,
    ) -> WaitResults:
        """Wait on many tasks, `concurrency` at a time (one thread each); never raises for a
        single task: its error is in `.failed`."""
        ids = check.task_ids("task_ids", task_ids)
        deadline, interval = _wait_args(timeout, poll_interval, on_status)
        workers = check.concurrency("concurrency", concurrency)
        stop = threading.Event()

        def sleep(delay: float) -> None:
            if stop.wait(delay):
                raise _Stopped

        def one(task_id: str) -> int | CambError:
            try:
                return self._wait(task_id, deadline, interval, on_status, sleep)
            except CambError as error:
                return error

        outcomes = _in_threads(one, ids, workers, stop)
        return _wait_results(dict(zip(ids, outcomes, strict=True)))

    def create_and_wait(
        self,
        text: str,
        voice_id: int,
        language: int,
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        **create_args: Any,
    ) -> int:
        """`create()` then `wait()`: the run id of the finished task."""
        _wait_args(timeout, None)
        return self.wait(self.create(text, voice_id, language, **create_args), timeout=timeout)

    @overload
    def result(
        self,
        run_id: int,
        *,
        output_type: Literal["raw_bytes"] = ...,
        timeout: TimeoutTypes | NotGiven = ...,
        max_retries: int | NotGiven = ...,
    ) -> bytes: ...
    @overload
    def result(
        self,
        run_id: int,
        *,
        output_type: Literal["file_url"],
        timeout: TimeoutTypes | NotGiven = ...,
        max_retries: int | NotGiven = ...,
    ) -> str: ...
    def result(
        self,
        run_id: int,
        *,
        output_type: OutputType = "raw_bytes",
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> bytes | str:
        """The run's FLAC audio (`raw_bytes`, the default), or its presigned URL (`file_url`)."""
        spec = ops.result_request(run_id, output_type)
        response = self._client._send(
            spec, idempotent=True, timeout=timeout, max_retries=max_retries
        )
        return _result_of(response, output_type)

    def result_url(
        self,
        run_id: int,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> str:
        """A presigned URL to the run's audio. It expires: download it soon, do not store it."""
        return self.result(run_id, output_type="file_url", timeout=timeout, max_retries=max_retries)

    def download(
        self,
        run_id: int,
        path: StrPath,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> Path:
        """Stream the run's FLAC audio to `path` without holding it in memory; all or nothing."""
        spec = ops.result_request(run_id, "raw_bytes")
        check.file_path("path", path)
        return self._save(spec, path, timeout=timeout, max_retries=max_retries, hint="")

    def download_url(
        self,
        url: str,
        path: StrPath,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> Path:
        """Stream a presigned URL (e.g. from `results()`) to `path`. The API key is never sent
        to that host; all or nothing."""
        spec = ops.download_request(url)
        check.file_path("path", path)
        return self._save(
            spec, path, timeout=timeout, max_retries=max_retries, hint=EXPIRED_URL_HINT
        )

    def _save(
        self,
        spec: dict[str, Any],
        path: StrPath,
        *,
        timeout: TimeoutTypes | NotGiven,
        max_retries: int | NotGiven,
        hint: str,
    ) -> Path:
        response = self._client._send(
            spec,
            idempotent=True,
            stream=True,
            timeout=timeout,
            max_retries=max_retries,
            error_hint=hint,
        )
        return SpeechStream(lambda: response).save(path)

    def results(
        self,
        run_ids: Iterable[int],
        *,
        concurrency: int = DEFAULT_BULK_CONCURRENCY,
        raise_on_error: bool = True,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> BulkResults:
        """Presigned URLs for any number of runs, in the fewest requests the API allows.

        Duplicates are dropped, then the ids go out as `ceil(n/5)` evenly filled requests of 2
        to 5 ids (a single id through `result_url`), `concurrency` at a time. Every id is
        accounted for in the answer: a URL, `.unavailable` or `.failed`. When a request failed
        after retries, BulkResultsError is raised (unless `raise_on_error=False`); its
        `.results` still holds every URL that came back.
        """
        unique = check.run_ids("run_ids", run_ids)
        workers = check.concurrency("concurrency", concurrency)
        self._client._timeout_for(timeout)
        self._client._retries_for(max_retries)
        collector = BulkCollector(unique)
        chunks = plan_chunks(unique)
        if len(unique) == 1:
            # A single id cannot form a bulk request (2 to 5 ids); it is fetched alone.
            try:
                url = self.result_url(unique[0], timeout=timeout, max_retries=max_retries)
            except CambError as error:
                collector.failed(unique, error)
            else:
                collector.answered(unique, {unique[0]: url}, {})
            return collector.finish(raise_on_error=raise_on_error)

        stop = threading.Event()

        def send(chunk: list[int]) -> None:
            if collector.stopped or stop.is_set():
                return
            try:
                response = self._client._send(
                    ops.bulk_request(chunk),
                    idempotent=True,
                    timeout=timeout,
                    max_retries=max_retries,
                )
                collector.answered(chunk, *parse.parse_bulk_results(response, chunk))
            except CambError as error:
                collector.failed(chunk, error)

        _in_threads(send, chunks, workers, stop)
        return collector.finish(raise_on_error=raise_on_error)


class _Stopped(Exception):
    """Tells a worker thread to give up: its caller was interrupted (Ctrl-C, say)."""


def _in_threads(
    fn: Callable[[ItemT], ResultT], items: Sequence[ItemT], workers: int, stop: threading.Event
) -> list[ResultT]:
    """`fn` over `items`, `workers` at a time, results in order.

    If the caller is interrupted while it waits, `stop` is set and queued work is cancelled,
    so the call returns at once instead of waiting for every worker to finish its polling.
    """
    if workers == 1 or len(items) <= 1:
        return [fn(item) for item in items]
    pool = ThreadPoolExecutor(max_workers=min(workers, len(items)))
    try:
        futures = [pool.submit(fn, item) for item in items]
        results = [future.result() for future in futures]
    except BaseException:
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return results


def _wait_results(outcomes: Mapping[str, int | CambError]) -> WaitResults:
    return WaitResults(
        run_ids={t: o for t, o in outcomes.items() if isinstance(o, int)},
        failed={t: o for t, o in outcomes.items() if isinstance(o, CambError)},
    )


class AsyncTTS:
    """Text-to-speech for `AsyncCamb`: the same methods as `TTS`, as coroutines."""

    def __init__(self, client: AsyncCamb) -> None:
        self._client = client

    def stream(
        self,
        text: str,
        voice_id: int,
        language: str,
        *,
        speech_model: str | None = None,
        format: AudioFormat | None = None,
        sample_rate: int | None = None,
        duration: float | None = None,
        apply_enhancement: bool | None = None,
        user_instructions: str | None = None,
        enhance_named_entities_pronunciation: bool | None = None,
        voice_settings: VoiceSettings | Mapping[str, Any] | None = None,
        inference_options: InferenceOptions | Mapping[str, Any] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> AsyncSpeechStream:
        """See `TTS.stream`. Use `async with client.tts.stream(...) as s`, `async for`, or
        `await ....save(path)`."""
        spec = ops.stream_request(
            text,
            voice_id,
            language,
            speech_model=speech_model,
            format=format,
            sample_rate=sample_rate,
            duration=duration,
            apply_enhancement=apply_enhancement,
            user_instructions=user_instructions,
            enhance_named_entities_pronunciation=enhance_named_entities_pronunciation,
            voice_settings=voice_settings,
            inference_options=inference_options,
        )
        self._client._retries_for(max_retries)
        self._client._timeout_for(timeout)
        return AsyncSpeechStream(
            lambda: self._client._send(
                spec, idempotent=False, stream=True, timeout=timeout, max_retries=max_retries
            )
        )

    async def create(
        self,
        text: str,
        voice_id: int,
        language: int,
        *,
        project_name: str | None = None,
        project_description: str | None = None,
        folder_id: int | None = None,
        gender: int | None = None,
        age: int | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> str:
        """See `TTS.create` (deprecated upstream)."""
        spec = ops.create_request(
            text,
            voice_id,
            language,
            project_name=project_name,
            project_description=project_description,
            folder_id=folder_id,
            gender=gender,
            age=age,
        )
        response = await self._client._send(
            spec, idempotent=False, timeout=timeout, max_retries=max_retries
        )
        return parse.parse_task_id(response)

    async def status(
        self,
        task_id: str,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> TaskStatus:
        """See `TTS.status`."""
        spec = ops.status_request(task_id)
        response = await self._client._send(
            spec, idempotent=True, timeout=timeout, max_retries=max_retries
        )
        return parse.parse_task_status(response, task_id)

    async def wait(
        self,
        task_id: str,
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float | None = None,
        on_status: OnStatus | None = None,
    ) -> int:
        """See `TTS.wait`."""
        check.task_id("task_id", task_id)
        deadline, interval = _wait_args(timeout, poll_interval, on_status)
        return await self._wait(task_id, deadline, interval, on_status, None)

    async def _wait(
        self,
        task_id: str,
        timeout: float,
        poll_interval: float | None,
        on_status: OnStatus | None,
        limiter: asyncio.Semaphore | None,
    ) -> int:
        waiter = Waiter(task_id, timeout=timeout, poll_interval=poll_interval, on_status=on_status)
        while True:
            try:
                if limiter is None:
                    status = await self.status(task_id)
                else:
                    async with limiter:
                        status = await self.status(task_id)
            except CambError as error:
                waiter.poll_failed(error)
            else:
                run_id = waiter.observe(status)
                if run_id is not None:
                    return run_id
            await asyncio.sleep(waiter.next_sleep())

    async def wait_many(
        self,
        task_ids: Iterable[str],
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float | None = None,
        on_status: OnStatus | None = None,
        concurrency: int = DEFAULT_WAIT_CONCURRENCY,
    ) -> WaitResults:
        """Wait on every task at once, with at most `concurrency` polls in flight (so at most
        that many connections); never raises for a single task: its error is in `.failed`."""
        ids = check.task_ids("task_ids", task_ids)
        deadline, interval = _wait_args(timeout, poll_interval, on_status)
        limiter = asyncio.Semaphore(check.concurrency("concurrency", concurrency))

        async def one(task_id: str) -> int | CambError:
            try:
                return await self._wait(task_id, deadline, interval, on_status, limiter)
            except CambError as error:
                return error

        outcomes = await asyncio.gather(*(one(task_id) for task_id in ids))
        return _wait_results(dict(zip(ids, outcomes, strict=True)))

    async def create_and_wait(
        self,
        text: str,
        voice_id: int,
        language: int,
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        **create_args: Any,
    ) -> int:
        """See `TTS.create_and_wait`."""
        _wait_args(timeout, None)
        return await self.wait(
            await self.create(text, voice_id, language, **create_args), timeout=timeout
        )

    @overload
    async def result(
        self,
        run_id: int,
        *,
        output_type: Literal["raw_bytes"] = ...,
        timeout: TimeoutTypes | NotGiven = ...,
        max_retries: int | NotGiven = ...,
    ) -> bytes: ...
    @overload
    async def result(
        self,
        run_id: int,
        *,
        output_type: Literal["file_url"],
        timeout: TimeoutTypes | NotGiven = ...,
        max_retries: int | NotGiven = ...,
    ) -> str: ...
    async def result(
        self,
        run_id: int,
        *,
        output_type: OutputType = "raw_bytes",
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> bytes | str:
        """See `TTS.result`."""
        spec = ops.result_request(run_id, output_type)
        response = await self._client._send(
            spec, idempotent=True, timeout=timeout, max_retries=max_retries
        )
        return _result_of(response, output_type)

    async def result_url(
        self,
        run_id: int,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> str:
        """See `TTS.result_url`."""
        return await self.result(
            run_id, output_type="file_url", timeout=timeout, max_retries=max_retries
        )

    async def download(
        self,
        run_id: int,
        path: StrPath,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> Path:
        """See `TTS.download`."""
        spec = ops.result_request(run_id, "raw_bytes")
        check.file_path("path", path)
        return await self._save(spec, path, timeout=timeout, max_retries=max_retries, hint="")

    async def download_url(
        self,
        url: str,
        path: StrPath,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> Path:
        """See `TTS.download_url`."""
        spec = ops.download_request(url)
        check.file_path("path", path)
        return await self._save(
            spec, path, timeout=timeout, max_retries=max_retries, hint=EXPIRED_URL_HINT
        )

    async def _save(
        self,
        spec: dict[str, Any],
        path: StrPath,
        *,
        timeout: TimeoutTypes | NotGiven,
        max_retries: int | NotGiven,
        hint: str,
    ) -> Path:
        response = await self._client._send(
            spec,
            idempotent=True,
            stream=True,
            timeout=timeout,
            max_retries=max_retries,
            error_hint=hint,
        )

        async def opened() -> httpx.Response:
            return response

        return await AsyncSpeechStream(opened).save(path)

    async def results(
        self,
        run_ids: Iterable[int],
        *,
        concurrency: int = DEFAULT_BULK_CONCURRENCY,
        raise_on_error: bool = True,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> BulkResults:
        """See `TTS.results`."""
        unique = check.run_ids("run_ids", run_ids)
        limiter = asyncio.Semaphore(check.concurrency("concurrency", concurrency))
        self._client._timeout_for(timeout)
        self._client._retries_for(max_retries)
        collector = BulkCollector(unique)
        if len(unique) == 1:
            try:
                url = await self.result_url(unique[0], timeout=timeout, max_retries=max_retries)
            except CambError as error:
                collector.failed(unique, error)
            else:
                collector.answered(unique, {unique[0]: url}, {})
            return collector.finish(raise_on_error=raise_on_error)

        async def send(chunk: list[int]) -> None:
            async with limiter:
                if collector.stopped:
                    return
                try:
                    response = await self._client._send(
                        ops.bulk_request(chunk),
                        idempotent=True,
                        timeout=timeout,
                        max_retries=max_retries,
                    )
                    collector.answered(chunk, *parse.parse_bulk_results(response, chunk))
                except CambError as error:
                    collector.failed(chunk, error)

        await asyncio.gather(*(send(chunk) for chunk in plan_chunks(unique)))
        return collector.finish(raise_on_error=raise_on_error)


class Voices:
    """Voices: `client.voices`."""

    def __init__(self, client: Camb) -> None:
        self._client = client

    def list(
        self,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> list[Voice]:
        """Every voice this key can use (`GET /list-voices`)."""
        response = self._client._send(
            ops.voices_request(), idempotent=True, timeout=timeout, max_retries=max_retries
        )
        return parse.parse_voices(response)


class AsyncVoices:
    """Voices for `AsyncCamb`."""

    def __init__(self, client: AsyncCamb) -> None:
        self._client = client

    async def list(
        self,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> list[Voice]:
        """See `Voices.list`."""
        response = await self._client._send(
            ops.voices_request(), idempotent=True, timeout=timeout, max_retries=max_retries
        )
        return parse.parse_voices(response)
