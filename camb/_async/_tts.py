"""`client.tts`: speech, streamed, long-form or through the task flow.

Each method checks its arguments and options before any traffic (`_operations`, `_options`),
sends with the client's send loop, and parses the answer with `_responses`. Every parameter
and docstring here is shared word for word by the blocking client, which is generated from
this file.

Every method also takes the per-call options `timeout` (seconds, or an `httpx.Timeout`, for
each HTTP request), `max_retries`, `extra_headers`, `extra_query` and `extra_body` (merged
into the request, for options the API added after this client was released).
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import attrs

from .. import _async_runtime
from .. import _validation as check
from .._base_client import RequestArgs
from .._constants import (
    DEFAULT_BULK_CONCURRENCY,
    DEFAULT_DOWNLOAD_CONCURRENCY,
    DEFAULT_RATE_LIMIT_WAITS,
    DEFAULT_SEGMENT_RETRIES,
    DEFAULT_SPEAK_CONCURRENCY,
    DEFAULT_WAIT_CONCURRENCY,
    DEFAULT_WAIT_TIMEOUT,
    EXPIRED_URL_HINT,
    EXPIRED_URL_STATUSES,
)
from .._exceptions import (
    APIStatusError,
    BudgetExceededError,
    CambError,
    InvalidInputError,
    InvalidInputTypeError,
)
from .._models import (
    AUDIO_FORMATS,
    AudioFormat,
    BulkResults,
    DownloadResults,
    InferenceOptions,
    OutputType,
    TaskStatus,
    VoiceSettings,
    WaitResults,
)
from .._options import (
    BodyOption,
    HeadersOption,
    QueryOption,
    RequestOptions,
    RetriesOption,
    TimeoutOption,
    TotalTimeoutOption,
)
from .._polling import OnStatus, PollSchedule, Waiter, wait_args
from .._polling import poll_schedule as poll_schedule_of
from .._types import NOT_GIVEN, StrPath
from .._wire import _operations as ops
from .._wire import _responses as parse
from .._wire._bulk import BulkCollector, ChunkAnswer
from .._wire._chunking import plan_chunks
from .._wire._file_format import stream_format
from .._wire._translation import (
    DEFAULT_TRANSLATE_CONCURRENCY,
    TranslationResults,
    translated_requests,
    translated_status_request,
)
from .._wire._translation import (
    language as check_language,
)
from ..live_protocol import LiveFormat
from ._streaming import AsyncSpeechStream
from ._translate import translate as translate_all

if TYPE_CHECKING:
    from .._cache._cost import CostPlan, CreditBudget
    from .._longform._plan import OnProgress, SpeechResult
    from ._client import AsyncCamb
    from ._live import AsyncLiveSession


class AsyncTTS:
    """Text-to-speech: `client.tts`."""

    def __init__(self, client: AsyncCamb) -> None:
        self._client = client

    def live(
        self,
        voice_id: int,
        *,
        text: str | Iterable[str] | AsyncIterable[str] | None = None,
        language: str | None = None,
        format: LiveFormat = "mp3",
        word_timestamps: bool | None = True,
        idle_timeout: float | None = None,
        speaking_rate: float | None = None,
        sample_rate: int | None = None,
        inference_steps: int | None = None,
        apply_enhancement: bool | None = None,
        enhance_named_entities_pronunciation: bool | None = None,
        enhance_reference_audio_quality: bool | None = None,
        maintain_source_accent: bool | None = None,
        max_credits: float | CreditBudget | None = None,
        credits_per_character: float | None = None,
        timeout: TimeoutOption = NOT_GIVEN,
        total_timeout: TotalTimeoutOption = NOT_GIVEN,
        extra_headers: HeadersOption = None,
    ) -> AsyncLiveSession:
        """Live speech over Camb's WebSocket: send text as it is written (an LLM's tokens),
        get audio per segment in order, with word timestamps (see the live speech guide).

        `text` (a str, or an iterable or async iterable of str chunks) is fed in the
        background once the session opens, and ends its input; leave it out to `send()` text
        yourself. `format` is mp3, wav, flac or aac; `idle_timeout` the seconds after which
        the server speaks a fragment that has no sentence end yet. The session uses the
        speech model mars-8.1-flash-beta. The client's timeouts apply: `timeout.connect` to
        opening the connection, `timeout.read` to the wait for each frame, `total_timeout`
        to the whole session. Nothing is sent before the session is opened (as a context
        manager).

        `max_credits` (a number or a shared `camb.CreditBudget`) stops sending text before its
        estimate would cross the budget: the input ends there (what was sent is still spoken)
        and `BudgetExceededError` says how much text was sent and how much was not. Live
        speech reports no credits, so the estimate is characters times
        `credits_per_character`, or the rate the speech cache learned for the live model.
        """
        # Imported here: live speech (its sockets load asyncio) costs start-up time that a
        # client which never speaks live should not pay.
        from .._live import _config as live_config
        from .._live import _sockets as live_sockets
        from ._live import AsyncLiveSession

        config = live_config.session_config(
            voice_id=voice_id,
            language=language,
            format=format,
            word_timestamps=word_timestamps,
            idle_timeout=idle_timeout,
            speaking_rate=speaking_rate,
            sample_rate=sample_rate,
            inference_steps=inference_steps,
            apply_enhancement=apply_enhancement,
            enhance_named_entities_pronunciation=enhance_named_entities_pronunciation,
            enhance_reference_audio_quality=enhance_reference_audio_quality,
            maintain_source_accent=maintain_source_accent,
        )
        if text is not None and not isinstance(text, (str, Iterable, AsyncIterable)):
            raise InvalidInputTypeError("text", "must be a str or an iterable of str", text)
        from .._cache._cost import budget_from, rate_from

        budget = budget_from("max_credits", max_credits)
        rate = rate_from("credits_per_character", credits_per_character)
        if budget is not None and rate is None:
            cache = self._client._speech_cache
            learned = cache.rate(live_config.SPEECH_MODEL) if cache is not None else None
            if learned is None:
                raise InvalidInputError(
                    "max_credits",
                    "needs credits_per_character= for live speech (it reports no credits, and "
                    "the speech cache has learned no rate for its model)",
                    max_credits,
                )
            rate = learned.credits_per_character
        live_sockets.require()
        options = self._client._options(
            timeout=timeout, total_timeout=total_timeout, extra_headers=extra_headers
        )
        return AsyncLiveSession(self._client, config, options, text, budget=budget, rate=rate)

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
        timeout: TimeoutOption = NOT_GIVEN,
        total_timeout: TotalTimeoutOption = NOT_GIVEN,
        max_retries: RetriesOption = NOT_GIVEN,
        extra_headers: HeadersOption = None,
        extra_query: QueryOption = None,
        extra_body: BodyOption = None,
    ) -> AsyncSpeechStream:
        """Speak `text` (3 to 3000 characters) with `POST /tts-stream`: the recommended way.

        `language` is a lower-case locale (`en-us`): one of the spec's known locales
        (`camb languages --stream`); an unknown one is refused before sending, with the nearest
        known ones. `format` one of wav, flac, adts, mp3 or a pcm layout. `user_instructions`
        (3 to 1000 characters) are for `speech_model="mars-instruct"` only, and refused for
        another model, which would ignore them. Left out, `apply_enhancement` is on, except
        for mars-flash and mars-8.1-flash-beta (`camb.api_facts.APPLY_ENHANCEMENT_DEFAULTS`).
        The request goes out when the stream is opened (as a context manager, by iterating it,
        or with `read()`/`save()`); it is retried only when it never reached the server,
        because each synthesis costs credits. For longer text use `speak()`.
        """
        request_args = ops.stream_request(
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
        options = self._client._options(
            timeout=timeout,
            total_timeout=total_timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        gate = None
        if self._client._speech_cache is not None:
            from .._cache._store import gate_for

            gate = gate_for(self._client, request_args, options)
        return AsyncSpeechStream(
            lambda: self._client._send(request_args, options, idempotent=False, body="stream"),
            deadline=options.deadline,
            format=stream_format(format, extra_body),
            gate=gate,
        )

    async def speak(
        self,
        text: str,
        voice_id: int,
        language: str,
        path: StrPath,
        *,
        format: AudioFormat | None = None,
        speech_model: str | None = None,
        sample_rate: int | None = None,
        user_instructions: str | None = None,
        enhance_named_entities_pronunciation: bool | None = None,
        apply_enhancement: bool | None = None,
        voice_settings: VoiceSettings | Mapping[str, Any] | None = None,
        inference_options: InferenceOptions | Mapping[str, Any] | None = None,
        paragraph_pause: float = 0.0,
        concurrency: int = DEFAULT_SPEAK_CONCURRENCY,
        segment_retries: int = DEFAULT_SEGMENT_RETRIES,
        rate_limit_waits: int = DEFAULT_RATE_LIMIT_WAITS,
        cache_dir: StrPath | None = None,
        on_progress: OnProgress | None = None,
        max_credits: float | CreditBudget | None = None,
        credits_per_character: float | None = None,
        captions: StrPath | None = None,
        caption_sentences: bool = False,
        timeout: TimeoutOption = NOT_GIVEN,
        total_timeout: TotalTimeoutOption = NOT_GIVEN,
        max_retries: RetriesOption = NOT_GIVEN,
        extra_headers: HeadersOption = None,
        extra_query: QueryOption = None,
        extra_body: BodyOption = None,
    ) -> SpeechResult:
        """Speak text of any length into one audio file at `path`, with `POST /tts-stream`.

        The text is cut into segments of 3 to 3000 characters at the best boundary (paragraph,
        sentence, clause, word); `concurrency` segments are streamed at a time, each to disk as
        it arrives; their audio is joined in text order into one valid file of `format`
        (default: from the extension of `path`: .wav, .flac, .mp3, .aac), which appears only
        when complete. FLAC is made from PCM and needs the `audio` extra. `paragraph_pause`
        puts that many seconds of silence between paragraphs.

        Failures cost credits, so: a 429 is waited out (up to `rate_limit_waits` times per
        segment); other transient failures of a segment are tried again `segment_retries`
        times. When a segment fails for good, SpeechSegmentError says which, and every
        finished segment stays in `cache_dir` (default: `.<name>.segments` beside `path`): the
        same call again synthesises only what is missing. `on_progress` is called with a
        SpeechProgress after each segment, in text order (from worker threads in the
        blocking client). Returns a SpeechResult.
        `captions` (a path ending in .srt, .vtt or .json) writes captions beside the audio,
        atomically, once it is in place: one cue per sentence, its times exact at each
        request's boundaries (each request's audio is measured) and shared out by characters
        inside a request; `caption_sentences=True` makes every request one sentence, so that
        every cue is exact (more requests, the same characters). The JSON says which are.
        """
        # Long-form speech is imported when first used: its segmenting rules and audio joining
        # cost start-up time that a client which never speaks long text should not pay.
        from .._cache._cost import budget_from, rate_from
        from .._longform._plan import SpeechResult, cache_folder, speech_format
        from ._speak import budget_stopped, check_budget, join_to_file, plan_speech

        destination = check.file_path("path", path)
        output = speech_format(destination, format)
        if on_progress is not None and not callable(on_progress):
            raise InvalidInputTypeError("on_progress", "must be a callable", on_progress)
        budget = budget_from("max_credits", max_credits)
        rate = rate_from("credits_per_character", credits_per_character)
        sentences = bool(check.optional_bool("caption_sentences", caption_sentences))
        if captions is not None:
            from .._longform._captions import caption_format

            caption_format(check.file_path("captions", captions))
        plan = plan_speech(
            self._client,
            text,
            voice_id,
            language,
            output=output,
            folder=cache_folder("cache_dir", cache_dir, destination),
            options=self._client._options(
                timeout=timeout,
                total_timeout=total_timeout,
                max_retries=max_retries,
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
            ),
            sample_rate=sample_rate,
            speech_model=speech_model,
            voice={
                "user_instructions": user_instructions,
                "enhance_named_entities_pronunciation": enhance_named_entities_pronunciation,
                "apply_enhancement": apply_enhancement,
                "voice_settings": voice_settings,
                "inference_options": inference_options,
            },
            paragraph_pause=paragraph_pause,
            concurrency=concurrency,
            segment_retries=segment_retries,
            rate_limit_waits=rate_limit_waits,
            budget=budget,
            rate=rate,
            sentences=sentences,
        )
        collector = None
        if captions is not None:
            from .._longform._captions import SpeechCaptionCollector

            collector = SpeechCaptionCollector(captions, [j.segment.text for j in plan.jobs])
        if budget is not None:
            check_budget(plan, budget, rate)
        try:
            size, duration, credits, cached, audio_rate = await join_to_file(
                plan,
                destination,
                format=output,
                on_progress=on_progress,
                on_joined=collector.joined if collector is not None else None,
            )
        except BudgetExceededError as error:
            raise budget_stopped(plan, error) from error
        if collector is not None:
            collector.write(text)
        return SpeechResult(
            path=destination,
            format=output,
            segments=len(plan.jobs),
            bytes=size,
            duration=duration,
            credits=credits,
            cached_segments=cached,
            sample_rate=audio_rate,
        )

    def plan(
        self,
        text: str,
        voice_id: int,
        language: str,
        path: StrPath | None = None,
        *,
        format: AudioFormat | None = None,
        speech_model: str | None = None,
        sample_rate: int | None = None,
        user_instructions: str | None = None,
        enhance_named_entities_pronunciation: bool | None = None,
        apply_enhancement: bool | None = None,
        voice_settings: VoiceSettings | Mapping[str, Any] | None = None,
        inference_options: InferenceOptions | Mapping[str, Any] | None = None,
        paragraph_pause: float = 0.0,
        cache_dir: StrPath | None = None,
        credits_per_character: float | None = None,
        extra_body: BodyOption = None,
        extra_query: QueryOption = None,
    ) -> CostPlan:
        """What `speak()` with the same arguments would send, counted without sending
        anything: segments, characters, the requests the caches do not answer (the speech
        cache, and with `path` the segments an interrupted call kept), and an ESTIMATE of
        their credits from `credits_per_character`, else from the rate the speech cache
        learned from earlier answers of that model (None when neither is known).
        """
        from .._cache._cost import rate_from
        from .._longform._plan import cache_folder, speech_format
        from ._speak import cost_of, plan_speech

        if path is None:
            output: AudioFormat = (
                check.choice("format", format, AUDIO_FORMATS) if format is not None else "wav"
            )
            folder = Path(tempfile.gettempdir()) / ".camb-plan-has-no-segments"
        else:
            destination = check.file_path("path", path)
            output = speech_format(destination, format)
            folder = cache_folder("cache_dir", cache_dir, destination)
        rate = rate_from("credits_per_character", credits_per_character)
        plan = plan_speech(
            self._client,
            text,
            voice_id,
            language,
            output=output,
            folder=folder,
            options=self._client._options(extra_body=extra_body, extra_query=extra_query),
            sample_rate=sample_rate,
            speech_model=speech_model,
            voice={
                "user_instructions": user_instructions,
                "enhance_named_entities_pronunciation": enhance_named_entities_pronunciation,
                "apply_enhancement": apply_enhancement,
                "voice_settings": voice_settings,
                "inference_options": inference_options,
            },
            paragraph_pause=paragraph_pause,
            concurrency=1,
            segment_retries=0,
            rate_limit_waits=0,
        )
        return cost_of(plan, rate=rate)

    def speak_stream(
        self,
        text: str,
        voice_id: int,
        language: str,
        *,
        format: AudioFormat = "wav",
        speech_model: str | None = None,
        sample_rate: int | None = None,
        user_instructions: str | None = None,
        enhance_named_entities_pronunciation: bool | None = None,
        apply_enhancement: bool | None = None,
        voice_settings: VoiceSettings | Mapping[str, Any] | None = None,
        inference_options: InferenceOptions | Mapping[str, Any] | None = None,
        paragraph_pause: float = 0.0,
        concurrency: int = DEFAULT_SPEAK_CONCURRENCY,
        segment_retries: int = DEFAULT_SEGMENT_RETRIES,
        rate_limit_waits: int = DEFAULT_RATE_LIMIT_WAITS,
        cache_dir: StrPath | None = None,
        timeout: TimeoutOption = NOT_GIVEN,
        total_timeout: TotalTimeoutOption = NOT_GIVEN,
        max_retries: RetriesOption = NOT_GIVEN,
        extra_headers: HeadersOption = None,
        extra_query: QueryOption = None,
        extra_body: BodyOption = None,
    ) -> AsyncIterator[bytes]:
        """Like `speak()`, but an iterator over the joined audio, for playback while the rest
        is made: the first bytes come once the first segment is done, and every byte comes in
        text order. WAV is streamed with an "unknown length" header, as players expect of a
        stream. Segments are kept in a temporary folder unless `cache_dir` is given.
        """
        from .._longform._plan import cache_folder
        from ._speak import plan_speech, stream_chunks

        output = check.choice("format", format, AUDIO_FORMATS)
        options = self._client._options(
            timeout=timeout,
            total_timeout=total_timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        temporary = None
        if cache_dir is None:
            temporary = tempfile.TemporaryDirectory(prefix="camb-segments-")
            folder = Path(temporary.name)
        else:
            folder = cache_folder("cache_dir", cache_dir, Path(cache_dir))
        plan = plan_speech(
            self._client,
            text,
            voice_id,
            language,
            output=output,
            folder=folder,
            options=options,
            sample_rate=sample_rate,
            speech_model=speech_model,
            voice={
                "user_instructions": user_instructions,
                "enhance_named_entities_pronunciation": enhance_named_entities_pronunciation,
                "apply_enhancement": apply_enhancement,
                "voice_settings": voice_settings,
                "inference_options": inference_options,
            },
            paragraph_pause=paragraph_pause,
            concurrency=concurrency,
            segment_retries=segment_retries,
            rate_limit_waits=rate_limit_waits,
        )
        return stream_chunks(plan, format=output, temporary_cache=temporary)

    async def create(
        self,
        text: str,
        voice_id: int,
        language: int | str,
        *,
        project_name: str | None = None,
        project_description: str | None = None,
        gender: int | None = None,
        age: int | None = None,
        timeout: TimeoutOption = NOT_GIVEN,
        total_timeout: TotalTimeoutOption = NOT_GIVEN,
        max_retries: RetriesOption = NOT_GIVEN,
        extra_headers: HeadersOption = None,
        extra_query: QueryOption = None,
        extra_body: BodyOption = None,
    ) -> str:
        """Start a task with `POST /tts` and return its task id. Deprecated upstream: prefer
        `stream()`. `gender` is 0, 1, 2 or 9.

        `language` is a locale such as `en-us` (see `client.languages.source()`), sent as it
        is; a numeric language id still works but is deprecated upstream. `project_name` is 3
        to 255 characters, `project_description` 3 to 5000. Sent once: retried only when the
        request never reached the server (it costs credits).
        """
        request_args = ops.create_request(
            text,
            voice_id,
            language,
            project_name=project_name,
            project_description=project_description,
            gender=gender,
            age=age,
        )
        options = self._client._options(
            timeout=timeout,
            total_timeout=total_timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        response = await self._client._send(request_args, options, idempotent=False)
        return parse.parse_task_id(response)

    async def status(
        self,
        task_id: str,
        *,
        timeout: TimeoutOption = NOT_GIVEN,
        total_timeout: TotalTimeoutOption = NOT_GIVEN,
        max_retries: RetriesOption = NOT_GIVEN,
        extra_headers: HeadersOption = None,
        extra_query: QueryOption = None,
        extra_body: BodyOption = None,
    ) -> TaskStatus:
        """The task's current status (`GET /tts/{task_id}`); a status the API added since is
        kept as it is."""
        request_args = ops.status_request(task_id)
        options = self._client._options(
            timeout=timeout,
            total_timeout=total_timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        return await self._status(task_id, request_args, options)

    async def _status(
        self, task_id: str, request_args: RequestArgs, options: RequestOptions
    ) -> TaskStatus:
        response = await self._client._send(request_args, options, idempotent=True)
        return parse.parse_task_status(response, task_id)

    async def wait(
        self,
        task_id: str,
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float | None = None,
        on_status: OnStatus | None = None,
        poll_schedule: PollSchedule | str | None = None,
        extra_headers: HeadersOption = None,
        extra_query: QueryOption = None,
    ) -> int:
        """Poll until the task succeeds and return its run id.

        `timeout` is the whole wait's deadline in seconds (WaitTimeoutError after it).
        Without `poll_interval` the polls follow `poll_schedule`: by default Camb's guidance
        (2 s between polls at first, backing off to 15 s); `poll_schedule="fast"` starts at
        0.25 s for more requests. A 404 in the first 10 s of the wait is polled again (a new
        task may not be visible yet).
        `on_status` sees every status. Raises TaskFailedError, TaskTimeoutError,
        TaskPaymentRequiredError or UnexpectedTaskStatusError when the task ends otherwise.
        Failed polls that are transient (connection errors, 429, 5xx) are polled again until
        the deadline; `extra_headers` and `extra_query` go with every poll.
        """
        request_args = ops.status_request(task_id)
        deadline, interval = wait_args(timeout, poll_interval, on_status)
        schedule = poll_schedule_of(poll_schedule)
        options = self._client._options(extra_headers=extra_headers, extra_query=extra_query)
        waiter = Waiter(
            task_id,
            timeout=deadline,
            poll_interval=interval,
            on_status=on_status,
            schedule=schedule,
        )
        return await self._wait(waiter, request_args, options)

    async def _wait(
        self, waiter: Waiter, request_args: RequestArgs, options: RequestOptions
    ) -> int:
        # Every poll, its retries and its body end by the wait's deadline: a slow or
        # rate-limited poll cannot carry the wait past it.
        options = attrs.evolve(options, deadline=waiter.deadline)
        while True:
            try:
                status = await self._status(waiter.task_id, request_args, options)
            except CambError as error:
                waiter.poll_failed(error)
            else:
                run_id = waiter.observe(status)
                if run_id is not None:
                    return run_id
            await _async_runtime.sleep(waiter.next_sleep())

    async def wait_many(
        self,
        task_ids: Iterable[str],
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float | None = None,
        on_status: OnStatus | None = None,
        concurrency: int = DEFAULT_WAIT_CONCURRENCY,
        poll_schedule: PollSchedule | str | None = None,
        extra_headers: HeadersOption = None,
        extra_query: QueryOption = None,
    ) -> WaitResults:
        """Wait on many tasks, `concurrency` at a time; never raises for a single task: its
        error is in `.failed`.

        `timeout` is the deadline of the whole call: every task's wait ends by then, however
        late it was picked up. At most `concurrency` polls are in flight at once.
        """
        ids = check.task_ids("task_ids", task_ids)
        deadline, interval = wait_args(timeout, poll_interval, on_status)
        workers = check.concurrency("concurrency", concurrency)
        schedule = poll_schedule_of(poll_schedule)
        options = self._client._options(extra_headers=extra_headers, extra_query=extra_query)
        # Made now, so that every task's deadline counts from the start of this call.
        waiters = [
            Waiter(
                task_id,
                timeout=deadline,
                poll_interval=interval,
                on_status=on_status,
                schedule=schedule,
            )
            for task_id in ids
        ]

        async def one(waiter: Waiter) -> int | CambError:
            try:
                return await self._wait(waiter, ops.status_request(waiter.task_id), options)
            except CambError as error:
                return error

        outcomes = await _async_runtime.map_concurrently(one, waiters, workers)
        return WaitResults.from_outcomes(dict(zip(ids, outcomes, strict=True)))

    async def create_and_wait(
        self,
        text: str,
        voice_id: int,
        language: int | str,
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_schedule: PollSchedule | str | None = None,
        **create_args: Any,
    ) -> int:
        """`create()` then `wait()`: the run id of the finished task. `language` is a locale
        (or a deprecated language id), as for `create()`; `timeout` and `poll_schedule` are the
        wait's; every other keyword goes to `create()`, and `extra_headers` and `extra_query`
        also go with every poll (as a gateway or proxy in front of the API needs them on each
        request)."""
        wait_args(timeout, None)
        poll_schedule_of(poll_schedule)
        # Checked before the task is created (it costs credits), as `wait()` would check them.
        self._client._options(
            extra_headers=create_args.get("extra_headers"),
            extra_query=create_args.get("extra_query"),
        )
        task_id = await self.create(text, voice_id, language, **create_args)
        return await self.wait(
            task_id,
            timeout=timeout,
            poll_schedule=poll_schedule,
            extra_headers=create_args.get("extra_headers"),
            extra_query=create_args.get("extra_query"),
        )

    @overload
    async def result(
        self,
        run_id: int,
        *,
        output_type: Literal["raw_bytes"] = ...,
        timeout: TimeoutOption = ...,
        total_timeout: TotalTimeoutOption = ...,
        max_retries: RetriesOption = ...,
        extra_headers: HeadersOption = ...,
        extra_query: QueryOption = ...,
        extra_body: BodyOption = ...,
    ) -> bytes: ...
    @overload
    async def result(
        self,
        run_id: int,
        *,
        output_type: Literal["file_url"],
        timeout: TimeoutOption = ...,
        total_timeout: TotalTimeoutOption = ...,
        max_retries: RetriesOption = ...,
        extra_headers: HeadersOption = ...,
        extra_query: QueryOption = ...,
        extra_body: BodyOption = ...,
    ) -> str: ...
    async def result(
        self,
        run_id: int,
        *,
        output_type: OutputType = "raw_bytes",
        timeout: TimeoutOption = NOT_GIVEN,
        total_timeout: TotalTimeoutOption = NOT_GIVEN,
        max_retries: RetriesOption = NOT_GIVEN,
        extra_headers: HeadersOption = None,
        extra_query: QueryOption = None,
        extra_body: BodyOption = None,
    ) -> bytes | str:
        """The run's FLAC audio (`raw_bytes`, the default), or its presigned URL (`file_url`)."""
        request_args = ops.result_request(run_id, output_type)
        options = self._client._options(
            timeout=timeout,
            total_timeout=total_timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        audio = output_type == "raw_bytes"
        response = await self._client._send(
            request_args, options, idempotent=True, body="audio" if audio else "json"
        )
        return parse.result_of(response, output_type)

    async def result_url(
        self,
        run_id: int,
        *,
        timeout: TimeoutOption = NOT_GIVEN,
        total_timeout: TotalTimeoutOption = NOT_GIVEN,
        max_retries: RetriesOption = NOT_GIVEN,
        extra_headers: HeadersOption = None,
        extra_query: QueryOption = None,
        extra_body: BodyOption = None,
    ) -> str:
        """A presigned URL to the run's audio. It expires: download it soon, do not store it."""
        return await self.result(
            run_id,
            output_type="file_url",
            timeout=timeout,
            total_timeout=total_timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )

    async def download(
        self,
        run_id: int,
        path: StrPath,
        *,
        timeout: TimeoutOption = NOT_GIVEN,
        total_timeout: TotalTimeoutOption = NOT_GIVEN,
        max_retries: RetriesOption = NOT_GIVEN,
        extra_headers: HeadersOption = None,
        extra_query: QueryOption = None,
        extra_body: BodyOption = None,
    ) -> Path:
        """Stream the run's FLAC audio to `path` without holding it in memory; all or nothing."""
        request_args = ops.result_request(run_id, "raw_bytes")
        destination = check.file_path("path", path)
        options = self._client._options(
            timeout=timeout,
            total_timeout=total_timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        return await self._save(request_args, destination, options, hint="")

    async def download_url(
        self,
        url: str,
        path: StrPath,
        *,
        timeout: TimeoutOption = NOT_GIVEN,
        total_timeout: TotalTimeoutOption = NOT_GIVEN,
        max_retries: RetriesOption = NOT_GIVEN,
        extra_headers: HeadersOption = None,
        extra_query: QueryOption = None,
        extra_body: BodyOption = None,
    ) -> Path:
        """Stream a presigned URL (e.g. from `results()`) to `path`. The API key is never sent
        to that host; all or nothing."""
        request_args = ops.download_request(url)
        destination = check.file_path("path", path)
        options = self._client._options(
            timeout=timeout,
            total_timeout=total_timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        return await self._save(request_args, destination, options, hint=EXPIRED_URL_HINT)

    async def _save(
        self, request_args: RequestArgs, path: Path, options: RequestOptions, *, hint: str
    ) -> Path:
        async def opened() -> Any:
            return await self._client._send(
                request_args, options, idempotent=True, body="stream", error_hint=hint
            )

        return await AsyncSpeechStream(opened, deadline=options.deadline).save(path)

    async def results(
        self,
        run_ids: Iterable[int],
        *,
        concurrency: int = DEFAULT_BULK_CONCURRENCY,
        raise_on_error: bool = True,
        timeout: TimeoutOption = NOT_GIVEN,
        total_timeout: TotalTimeoutOption = NOT_GIVEN,
        max_retries: RetriesOption = NOT_GIVEN,
        extra_headers: HeadersOption = None,
        extra_query: QueryOption = None,
        extra_body: BodyOption = None,
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
        options = self._client._options(
            timeout=timeout,
            total_timeout=total_timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        return await self._results(unique, workers, options, raise_on_error=raise_on_error)

    async def _results(
        self,
        unique: list[int],
        workers: int,
        options: RequestOptions,
        *,
        raise_on_error: bool,
    ) -> BulkResults:
        collector = BulkCollector(unique)
        if len(unique) == 1:
            # A single id cannot form a bulk request (2 to 5 ids); it is fetched alone.
            request_args = ops.result_request(unique[0], "file_url")
            try:
                response = await self._client._send(request_args, options, idempotent=True)
                url = parse.parse_output_url(response)
            except CambError as error:
                collector.failed(unique, error)
            else:
                collector.answered(unique, ChunkAnswer(urls={unique[0]: url}, malformed={}))
            return collector.finish(raise_on_error=raise_on_error)

        async def send(chunk: list[int]) -> None:
            if collector.stopped:
                return
            try:
                response = await self._client._send(
                    ops.bulk_request(chunk), options, idempotent=True
                )
                collector.answered(chunk, parse.parse_bulk_results(response, chunk))
            except CambError as error:
                collector.failed(chunk, error)

        await _async_runtime.map_concurrently(send, plan_chunks(unique), workers)
        return collector.finish(raise_on_error=raise_on_error)

    async def download_results(
        self,
        run_ids: Iterable[int],
        folder: StrPath,
        *,
        concurrency: int = DEFAULT_DOWNLOAD_CONCURRENCY,
        bulk_concurrency: int = DEFAULT_BULK_CONCURRENCY,
        timeout: TimeoutOption = NOT_GIVEN,
        total_timeout: TotalTimeoutOption = NOT_GIVEN,
        max_retries: RetriesOption = NOT_GIVEN,
        extra_headers: HeadersOption = None,
        extra_query: QueryOption = None,
        extra_body: BodyOption = None,
    ) -> DownloadResults:
        """Download the audio of many runs into `folder/<run_id>.flac`; resumable.

        A run whose file is already there is skipped (files are only ever renamed into place
        when complete, so one that exists is whole). The others get their URLs from
        `results()` (the fewest bulk requests) and are downloaded `concurrency` at a time; a
        URL that expired before its turn (the storage host answers 401, 403, 404 or 410) is
        fetched afresh once. Never raises for a single run: every id without a file is in
        `.unavailable` or `.failed` (`.missing()` gives both with their reasons).
        """
        ids = check.run_ids("run_ids", run_ids)
        directory = check.folder_path("folder", folder)
        workers = check.concurrency("concurrency", concurrency)
        bulk_workers = check.concurrency("bulk_concurrency", bulk_concurrency)
        options = self._client._options(
            timeout=timeout,
            total_timeout=total_timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        skipped = frozenset(i for i in ids if (directory / f"{i}.flac").is_file())
        wanted = [i for i in ids if i not in skipped]
        files = {i: directory / f"{i}.flac" for i in skipped}
        if not wanted:
            return DownloadResults(files=files, skipped=skipped)
        bulk = await self._results(wanted, bulk_workers, options, raise_on_error=False)
        failed: dict[int, CambError] = dict(bulk.failed)

        async def one(run_id: int) -> Path | CambError:
            path = directory / f"{run_id}.flac"
            try:
                try:
                    return await self._download_to(bulk.urls[run_id], path, options)
                except APIStatusError as error:
                    if error.status_code not in EXPIRED_URL_STATUSES:
                        raise
                    fresh = await self._client._send(
                        ops.result_request(run_id, "file_url"), options, idempotent=True
                    )
                    return await self._download_to(parse.parse_output_url(fresh), path, options)
            except CambError as error:
                return error

        outcomes = await _async_runtime.map_concurrently(one, list(bulk.urls), workers)
        for run_id, outcome in zip(bulk.urls, outcomes, strict=True):
            if isinstance(outcome, CambError):
                failed[run_id] = outcome
            else:
                files[run_id] = outcome
        return DownloadResults(
            files={i: files[i] for i in ids if i in files},
            skipped=skipped,
            unavailable=dict(bulk.unavailable),
            failed=failed,
        )

    async def _download_to(self, url: str, path: Path, options: RequestOptions) -> Path:
        return await self._save(ops.download_request(url), path, options, hint=EXPIRED_URL_HINT)

    # --- speech in other languages (POST /translated-tts) ------------------------------------

    async def translate(
        self,
        text: str,
        voice_id: int,
        source_language: str | int,
        target_languages: Iterable[str | int],
        folder: StrPath | None = None,
        *,
        project_name: str | None = None,
        project_description: str | None = None,
        formality: int | None = None,
        gender: int | None = None,
        age: int | None = None,
        chosen_dictionaries: Iterable[int] | None = None,
        wait_timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float | None = None,
        concurrency: int = DEFAULT_TRANSLATE_CONCURRENCY,
        bulk_concurrency: int = DEFAULT_BULK_CONCURRENCY,
        raise_on_error: bool = True,
        timeout: TimeoutOption = NOT_GIVEN,
        max_retries: RetriesOption = NOT_GIVEN,
        extra_headers: HeadersOption = None,
        extra_query: QueryOption = None,
        extra_body: BodyOption = None,
    ) -> TranslationResults:
        """Speak `text` (written in `source_language`) in every one of `target_languages`.

        Languages are locale tags such as `en-us` and `fr-fr` (numeric ids still work but are
        deprecated). One `POST /translated-tts` task per target language is created
        (`concurrency` at a time), all are waited on until `wait_timeout` seconds have passed
        (the polling of `wait()`), and their runs' URLs come from the bulk `POST /tts-results`
        in chunks of 2 to 5 (`bulk_concurrency` at a time). With `folder`, each language's FLAC
        is downloaded to `<folder>/<language>.flac`, replaced only by a complete file.

        Returns a TranslationResults: target language -> TranslatedSpeech (task id, run id,
        URL, path). When a language has no speech, TranslationError is raised (unless
        `raise_on_error=False`); its `.results` still holds every language that has. Every
        argument is checked before any request. `timeout` is the limit of each HTTP request;
        `extra_body` goes into each task's request body.
        """
        planned = translated_requests(
            text,
            voice_id,
            source_language,
            target_languages,
            project_name=project_name,
            project_description=project_description,
            formality=formality,
            gender=gender,
            age=age,
            chosen_dictionaries=chosen_dictionaries,
        )
        directory = None if folder is None else check.folder_path("folder", folder)
        deadline, interval = wait_args(
            check.timeout_seconds("wait_timeout", wait_timeout), poll_interval
        )
        workers = check.concurrency("concurrency", concurrency)
        bulk_workers = check.concurrency("bulk_concurrency", bulk_concurrency)
        if not isinstance(raise_on_error, bool):
            raise InvalidInputTypeError("raise_on_error", "must be a bool", raise_on_error)
        options = self._client._options(
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        create_options = self._client._options(
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        return await translate_all(
            self,
            planned,
            folder=directory,
            create_options=create_options,
            options=options,
            wait_timeout=deadline,
            poll_interval=interval,
            concurrency=workers,
            bulk_concurrency=bulk_workers,
            raise_on_error=raise_on_error,
        )

    async def create_translated(
        self,
        text: str,
        voice_id: int,
        source_language: str | int,
        target_language: str | int,
        *,
        project_name: str | None = None,
        project_description: str | None = None,
        formality: int | None = None,
        gender: int | None = None,
        age: int | None = None,
        chosen_dictionaries: Iterable[int] | None = None,
        timeout: TimeoutOption = NOT_GIVEN,
        total_timeout: TotalTimeoutOption = NOT_GIVEN,
        max_retries: RetriesOption = NOT_GIVEN,
        extra_headers: HeadersOption = None,
        extra_query: QueryOption = None,
        extra_body: BodyOption = None,
    ) -> str:
        """Start one translated task with `POST /translated-tts` and return its task id.

        `text` in `source_language` is translated into `target_language` and spoken by
        `voice_id`; languages are locale tags (`fr-fr`; numeric ids are deprecated).
        `formality` is 1 (casual) or 2 (formal), `gender` 0, 1, 2 or 9. Wait for it with
        `wait_translated()`; its run is fetched like any other (`result()`, `results()`).
        Sent once: retried only when the request never reached the server (it costs credits).
        """
        planned = translated_requests(
            text,
            voice_id,
            source_language,
            [check_language("target_language", target_language)],
            project_name=project_name,
            project_description=project_description,
            formality=formality,
            gender=gender,
            age=age,
            chosen_dictionaries=chosen_dictionaries,
        )
        options = self._client._options(
            timeout=timeout,
            total_timeout=total_timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        (request_args,) = planned.requests.values()
        response = await self._client._send(request_args, options, idempotent=False)
        return parse.parse_task_id(response)

    async def translated_status(
        self,
        task_id: str,
        *,
        timeout: TimeoutOption = NOT_GIVEN,
        total_timeout: TotalTimeoutOption = NOT_GIVEN,
        max_retries: RetriesOption = NOT_GIVEN,
        extra_headers: HeadersOption = None,
        extra_query: QueryOption = None,
        extra_body: BodyOption = None,
    ) -> TaskStatus:
        """A translated task's current status (`GET /translated-tts/{task_id}`); a status the
        API added since is kept as it is."""
        request_args = translated_status_request(task_id)
        options = self._client._options(
            timeout=timeout,
            total_timeout=total_timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        return await self._status(task_id, request_args, options)

    async def wait_translated(
        self,
        task_id: str,
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float | None = None,
        on_status: OnStatus | None = None,
        extra_headers: HeadersOption = None,
        extra_query: QueryOption = None,
    ) -> int:
        """Poll a translated task (`GET /translated-tts/{task_id}`) until it succeeds and return
        its run id; the deadline, schedule and errors are those of `wait()`."""
        request_args = translated_status_request(task_id)
        deadline, interval = wait_args(timeout, poll_interval, on_status)
        options = self._client._options(extra_headers=extra_headers, extra_query=extra_query)
        waiter = Waiter(task_id, timeout=deadline, poll_interval=interval, on_status=on_status)
        return await self._wait(waiter, request_args, options)
