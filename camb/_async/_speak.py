"""Long-form speech: any length of text, one audio file, in text order.

The text is cut into segments the API accepts (`_segmenting`); each segment is streamed from
`POST /tts-stream` into an on-disk cache as it arrives, `concurrency` at a time; the segments'
audio is joined in text order into one file of the requested format (`_audio_join`), which
appears only when complete. A failed segment keeps every finished one in the cache, so the
same call again pays only for what is missing.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from .. import _async_runtime
from .. import _validation as check
from .._base_client import RequestArgs, remaining
from .._cache._cost import CostPlan, CreditBudget
from .._cache._store import RequestKey, SpeechCache, SpeechGate, estimate_for, gate_for, request_key
from .._exceptions import (
    APIConnectionError,
    AudioJoinError,
    BudgetExceededError,
    CacheMissError,
    CambError,
    RateLimitError,
    ServerError,
    SpeechSegmentError,
    UnexpectedResponseError,
)
from .._files import AtomicFile, remove_leftovers
from .._longform._audio_join import Joiner, StreamJoiner, check_paragraph_pause, finish_in_place
from .._longform._audio_layout import open_segment, read_layout
from .._longform._plan import (
    OnProgress,
    SegmentAudio,
    SegmentCache,
    SegmentJob,
    SpeechProgress,
    add_credits,
    as_sentence,
    segment_extension,
    segment_key,
    wire_request,
)
from .._longform._segmenting import plan_segments
from .._models import AudioFormat
from .._options import RequestOptions
from .._retry import parse_retry_after, retry_delay
from .._wire import _operations as ops
from .._wire._responses import unexpected
from ._streaming import AsyncSpeechStream

if TYPE_CHECKING:
    from ._api_client import AsyncAPIClient

_T = TypeVar("_T")
log = logging.getLogger("camb")

# Failures worth another try of a segment (each try costs credits): the connection, the
# server, or an answer that broke part-way.
_RETRYABLE = (APIConnectionError, ServerError, UnexpectedResponseError)


class AsyncSegmentSynthesizer:
    """Makes each segment's audio, from the cache or from `/tts-stream`, with the retry rules
    of long-form speech: a 429 is waited out and is not an attempt; other transient failures
    are tried again up to `segment_retries` times; anything else fails the segment at once."""

    def __init__(
        self,
        client: AsyncAPIClient,
        jobs: list[SegmentJob],
        requests: list[RequestArgs],
        options: RequestOptions,
        cache: SegmentCache,
        *,
        segment_retries: int,
        rate_limit_waits: int,
        wire_format: AudioFormat = "wav",
        budget: CreditBudget | None = None,
        rate: float | None = None,
    ) -> None:
        self._client = client
        self._wire_format = wire_format
        self._jobs = jobs
        self._requests = requests
        self._options = options
        self.cache = cache
        self._segment_retries = segment_retries
        self._rate_limit_waits = rate_limit_waits
        # The speech cache shared across calls (camb/_cache.py) and the job's budget.
        self.budget = budget
        self._rate = rate

    async def __call__(self, index: int) -> SegmentAudio:
        job = self._jobs[index]

        async def attempt() -> SegmentAudio:
            cached = self.cache.lookup(index, job.key)
            if cached is not None:
                return cached
            return await self._synthesize(index, job)

        return await self._retrying(index, attempt)

    async def again(self, index: int) -> SegmentAudio:
        """The segment asked for anew: its cached audio (which could not be joined) dropped."""
        job = self._jobs[index]
        self.cache.drop(job.key)
        return await self._retrying(index, lambda: self._synthesize(index, job))

    def unusable(self, index: int) -> str | None:
        """Why the segment's audio on disk cannot be used (malformed, cut short), or None."""
        path = self.cache.audio_path(self._jobs[index].key)
        try:
            with open_segment(path) as file:
                read_layout(self._wire_format, file, sample_rate=None, channels=1)
        except AudioJoinError as error:
            return str(error)
        except OSError as error:
            return f"cannot be read ({error.strerror})"
        return None

    def unjoinable(self, index: int, error: AudioJoinError) -> AudioJoinError:
        """The error for a segment that still cannot be joined after being asked for again.
        Its audio and any cached first segment are dropped, so the next call asks again."""
        self.cache.drop(self._jobs[index].key)
        self.cache.drop(self._jobs[0].key)
        return AudioJoinError(
            f"{error} (segment {index + 1} of {len(self._jobs)} was asked for again and still "
            f"cannot be joined to the first). Segments are cached in {str(self.cache.folder)!r} "
            "between calls: delete that folder (or pass another cache_dir) to synthesise every "
            "segment anew; the unusable ones were dropped from it.",
            segment=index,
        )

    async def write_into(self, out: AtomicFile) -> tuple[float | None, bool]:
        """The only segment of a one-segment text, streamed straight into `out` (no cache
        file, no join), tried by the same rules; its credits, and whether the speech cache
        answered it."""

        async def attempt() -> tuple[float | None, bool]:
            out.rewind()
            async with self._open(0) as stream:
                credits = stream.credits_required
                async with contextlib.aclosing(stream.iter_bytes()) as chunks:
                    async for chunk in chunks:
                        out.write(chunk)
            return credits, stream.from_cache

        return await self._retrying(0, attempt)

    async def _retrying(self, index: int, attempt: Callable[[], Awaitable[_T]]) -> _T:
        failures = rate_limited = 0
        while True:
            try:
                return await attempt()
            except (BudgetExceededError, CacheMissError):
                raise  # not the segment's failure: the job's budget, or a replay's miss
            except RateLimitError as error:
                rate_limited += 1
                if rate_limited > self._rate_limit_waits:
                    raise self._failed(index, error, failures + 1) from error
                delay = self._retry_after(error, rate_limited)
            except _RETRYABLE as error:
                failures += 1
                if failures > self._segment_retries:
                    raise self._failed(index, error, failures) from error
                delay = self._backoff(failures)
            except CambError as error:
                raise self._failed(index, error, failures + 1) from error
            left = remaining(self._options.deadline)
            if left is not None and delay >= left:
                raise self._failed(index, CambError("the call's deadline passed"), failures)
            await _async_runtime.sleep(delay)

    def _open(self, index: int) -> AsyncSpeechStream:
        request_args, options = self._requests[index], self._options
        return AsyncSpeechStream(
            lambda: self._client._send(request_args, options, idempotent=False, body="stream"),
            deadline=options.deadline,
            gate=self.gate(index),
        )

    @property
    def speech_cache(self) -> SpeechCache | None:
        cache: SpeechCache | None = self._client._speech_cache
        return cache

    def request_key(self, index: int) -> RequestKey:
        options = self._options
        return request_key(
            self._client.base_url,
            self._requests[index],
            extra_body=options.extra_body,
            extra_query=options.extra_query,
        )

    def gate(self, index: int) -> SpeechGate | None:
        """The speech cache and budget between segment `index` and the network, if any."""
        if self._client._speech_cache is None and self.budget is None:
            return None
        return gate_for(
            self._client, self._requests[index], self._options, budget=self.budget, rate=self._rate
        )

    async def _synthesize(self, index: int, job: SegmentJob) -> SegmentAudio:
        async with self._open(index) as stream:
            credits = stream.credits_required
            # A cache file: complete or absent, but its folder's entry need not be synced.
            path = await stream.write_to(self.cache.audio_path(job.key), sync_folder=False)
            # Checked before it stays in the cache: a cached segment is never asked again.
            problem = self.unusable(index)
            if problem is not None:
                self.cache.drop(job.key)
                raise unexpected(stream.response, f"the audio cannot be used: {problem}")
        return SegmentAudio(
            index=index,
            path=path,
            bytes=path.stat().st_size,
            credits=credits,  # 0 for an answer from the speech cache
            cached=stream.from_cache,
        )

    def _retry_after(self, error: RateLimitError, count: int) -> float:
        header = error.response.headers.get("retry-after") if error.response else None
        seconds = parse_retry_after(header, time.time())
        return seconds if seconds is not None else self._backoff(count)

    def _backoff(self, count: int) -> float:
        return retry_delay(
            count - 1,
            retry_after=None,
            policy=self._client.backoff,
            random_share=self._client._random.random(),
        )

    def _failed(self, index: int, error: CambError, attempts: int) -> SpeechSegmentError:
        text = self._jobs[index].segment.text
        preview = text if len(text) <= 60 else text[:57] + "..."
        if len(self._jobs) == 1:
            # A text of one segment keeps nothing: the whole text is what is missing.
            kept = "No audio of it is kept: the same call again synthesises the whole text."
        else:
            kept = (
                f"Finished segments are kept in {str(self.cache.folder)!r}: the same call "
                "again synthesises only what is missing."
            )
        return SpeechSegmentError(
            f"segment {index + 1} of {len(self._jobs)} ({preview!r}) failed after {attempts} "
            f"attempt(s): {as_sentence(str(error))} {kept}",
            segment=index,
            segments=len(self._jobs),
            attempts=attempts,
            cache_dir=self.cache.folder,
        )


@attrs.frozen
class SpeechPlan:
    """One `speak()` or `speak_stream()` call, checked: its segments and how to make them."""

    synthesizer: AsyncSegmentSynthesizer
    jobs: list[SegmentJob]
    sample_rate: int | None  # asked for (None: the model's own); the audio says its own
    wire_format: AudioFormat
    paragraph_pause: float
    concurrency: int


def plan_speech(
    client: AsyncAPIClient,
    text: str,
    voice_id: object,
    language: object,
    *,
    output: AudioFormat,
    folder: Path,
    options: RequestOptions,
    sample_rate: object,
    speech_model: object,
    voice: Mapping[str, Any],
    paragraph_pause: object,
    concurrency: object,
    segment_retries: object,
    rate_limit_waits: object,
    budget: CreditBudget | None = None,
    rate: float | None = None,
    sentences: bool = False,
) -> SpeechPlan:
    """Check every argument and plan every segment's request, before anything is sent.

    `voice` holds the options that shape the sound (user_instructions, voice_settings, ...),
    passed to each segment's `/tts-stream` request as they are.
    """
    pause = check_paragraph_pause(paragraph_pause)
    workers = check.concurrency("concurrency", concurrency)
    retries = check.max_retries("segment_retries", segment_retries)
    waits = check.max_retries("rate_limit_waits", rate_limit_waits)
    rate = check.optional_int("sample_rate", sample_rate, minimum=1)
    wire = wire_request(output, rate)

    def request_of(segment_text: str) -> RequestArgs:
        return ops.stream_request(
            segment_text,
            voice_id,
            language,
            speech_model=speech_model,
            format=wire["format"],
            sample_rate=wire["sample_rate"],
            **voice,
        )

    # Without a pause between paragraphs, short paragraphs share a request.
    jobs, requests = plan_jobs(text, request_of, join_paragraphs=pause == 0, sentences=sentences)
    synthesizer = AsyncSegmentSynthesizer(
        client,
        jobs,
        requests,
        options,
        SegmentCache(folder, segment_extension(wire["format"])),
        segment_retries=retries,
        rate_limit_waits=waits,
        wire_format=wire["format"],
        budget=budget,
        rate=rate,
    )
    return SpeechPlan(synthesizer, jobs, rate, wire["format"], pause, workers)


def plan_jobs(
    text: str,
    request_of: Callable[[str], RequestArgs],
    *,
    join_paragraphs: bool,
    sentences: bool = False,
) -> tuple[list[SegmentJob], list[RequestArgs]]:
    """Each segment with its cache key and its request, all checked before anything is sent.
    With `sentences`, one request per sentence (captions with an exact cue per sentence)."""
    jobs: list[SegmentJob] = []
    requests: list[RequestArgs] = []
    if sentences:
        from .._longform._captions import sentence_segments

        segments = sentence_segments(text)
    else:
        segments = plan_segments(text, join_paragraphs=join_paragraphs)
    for segment in segments:
        request_args = request_of(segment.text)
        body = dict(request_args.get("json") or {})
        body.pop("text", None)
        jobs.append(SegmentJob(segment=segment, key=segment_key(segment.text, body)))
        requests.append(request_args)
    return jobs, requests


async def join_to_file(
    plan: SpeechPlan,
    destination: Path,
    *,
    format: Any,
    on_progress: OnProgress | None,
    on_joined: Callable[[int, float, float | None], object] | None = None,
) -> tuple[int, float | None, float | None, int, int | None]:
    """Synthesise every segment and join them, in text order, into `destination`; the
    segment cache is cleared once the file is in place. `on_joined(index, pause_before,
    seconds)` hears of each segment's measured audio as it is joined (captions).

    A segment whose audio cannot be joined to the others (malformed, or another sample rate
    or layout than the first's) is dropped from the cache and asked for again, once; when the
    first segment came from the cache, it is the suspect: dropped, and the join starts over.
    What killed calls writing `destination` left (temporary files beside it and in its
    segment cache) is removed first; files that live writers hold are not.

    Returns (bytes written, duration, credits spent now, segments from the cache, the audio's
    own sample rate).
    """
    remove_leftovers(destination)
    jobs = plan.jobs
    if _alone(plan, format):
        result = await _write_alone(plan, destination, format=format, on_progress=on_progress)
        if on_joined is not None:
            on_joined(0, 0.0, result[1])
        return result
    cache = plan.synthesizer.cache
    cache.open()
    credits: float | None = None
    try:
        with AtomicFile(destination) as out:
            for last_pass in (False, True):
                join = _JoinPass(plan, out, format, on_progress, may_restart=not last_pass)
                join.on_joined = on_joined
                try:
                    joined = await join.run()
                except _StartOver:
                    credits = add_credits(credits, join.credits)
                    out.rewind()
                    continue
                credits = add_credits(credits, join.credits)
                break
    except BaseException:
        cache.discard([])  # the folder goes if no finished segment is in it
        raise
    # The joined file is safely in place: its segments are no longer needed.
    plan.synthesizer.cache.discard([job.key for job in jobs])
    _note_rate(plan, format, joined.sample_rate)
    return joined.bytes_written, joined.duration, credits, join.cached, joined.sample_rate


class _StartOver(Exception):
    """The first segment, from the cache, is the odd one out: join again without it."""


class _JoinPass:
    """One pass of joining every segment into `out`, in text order."""

    def __init__(
        self,
        plan: SpeechPlan,
        out: AtomicFile,
        format: Any,
        on_progress: OnProgress | None,
        *,
        may_restart: bool,
    ) -> None:
        self.plan = plan
        self.joiner = Joiner(
            format,
            out.file,
            sample_rate=plan.sample_rate if plan.wire_format != "wav" else None,
            segment_format=plan.wire_format,
        )
        self.on_progress = on_progress
        self.may_restart = may_restart
        # Hears of each segment's measured audio (captions); a restart starts at index 0.
        self.on_joined: Callable[[int, float, float | None], object] | None = None
        self.credits: float | None = None
        self.cached = 0
        self.first_cached = False

    async def run(self) -> Any:
        plan, jobs = self.plan, self.plan.jobs
        received = 0
        results = _async_runtime.iter_ordered(
            plan.synthesizer, list(range(len(jobs))), plan.concurrency
        )
        async with contextlib.aclosing(results):
            async for audio in results:
                previous = jobs[audio.index - 1].segment if audio.index else None
                pause = plan.paragraph_pause if previous and previous.ends_paragraph else 0.0
                self.credits = add_credits(self.credits, audio.credits)
                audio = await self._joinable(audio)
                seconds = self.joiner.add(audio.path, pause_before=pause)
                if self.on_joined is not None:
                    self.on_joined(audio.index, pause, seconds)
                self.cached += audio.cached
                received += audio.bytes
                if self.on_progress is not None:
                    self.on_progress(
                        SpeechProgress(audio.index + 1, len(jobs), self.cached, received)
                    )
        return self.joiner.finish()

    async def _joinable(self, audio: SegmentAudio) -> SegmentAudio:
        """The segment, asked for again (once) when its audio cannot be joined."""
        synthesizer = self.plan.synthesizer
        if audio.index == 0:
            self.first_cached = audio.cached
        try:
            self.joiner.check(audio.path)
            return audio
        except AudioJoinError as error:
            log.warning(
                "segment %d cannot be joined (%s); asking for it again", audio.index + 1, error
            )
        audio = await synthesizer.again(audio.index)
        self.credits = add_credits(self.credits, audio.credits)
        try:
            self.joiner.check(audio.path)
        except AudioJoinError as error:
            if audio.index == 1 and self.first_cached and self.may_restart:
                # Fresh audio unlike a cached first segment, and no other segment yet to side
                # with the first: the cached one is the suspect. (Past the second segment,
                # those in between were joined to the first: they vouch for it.)
                synthesizer.cache.drop(self.plan.jobs[0].key)
                raise _StartOver from error
            raise synthesizer.unjoinable(audio.index, error) from None
        return audio


def _note_rate(plan: SpeechPlan, format: Any, actual: int | None) -> None:
    """Raw PCM does not carry its rate: say when it is not the one asked for."""
    asked = plan.sample_rate
    if plan.wire_format == "wav" and format != "wav" and asked and actual and asked != actual:
        log.warning(
            "sample_rate %d was asked for but the server answered %d Hz audio: the %s file is "
            "at %d Hz (SpeechResult.sample_rate)",
            asked,
            actual,
            format,
            actual,
        )


def _alone(plan: SpeechPlan, format: Any) -> bool:
    """A text of one segment whose audio is the output as it comes (not FLAC or raw PCM, made
    from WAV)
    and that no earlier call left in the cache: streamed straight into the destination."""
    synthesizer = plan.synthesizer
    return (
        len(plan.jobs) == 1
        and format == plan.wire_format
        and synthesizer.cache.lookup(0, plan.jobs[0].key) is None
    )


async def _write_alone(
    plan: SpeechPlan, destination: Path, *, format: Any, on_progress: OnProgress | None
) -> tuple[int, float | None, float | None, int, int | None]:
    # One file written and synced instead of three (cache file, joined file, clean-up): what
    # makes a batch of short lines cheap.
    with AtomicFile(destination, readable=True) as out:
        credits, hit = await plan.synthesizer.write_into(out)
        joined = finish_in_place(format, out.file, sample_rate=plan.sample_rate)
    if on_progress is not None:
        on_progress(SpeechProgress(1, 1, int(hit), out.size))
    return joined.bytes_written, joined.duration, credits, int(hit), joined.sample_rate


async def stream_chunks(
    plan: SpeechPlan,
    *,
    format: Any,
    temporary_cache: tempfile.TemporaryDirectory[str] | None,
) -> AsyncIterator[bytes]:
    """The joined audio as it is made: segment by segment, in text order.

    The first segment is made alone: on a busy server (or account) it comes soonest without
    others competing with it, and it is what the listener waits for. The rest follow,
    `concurrency` at a time, while the first is being played.
    """
    jobs = plan.jobs
    joiner = StreamJoiner(
        format,
        sample_rate=plan.sample_rate if plan.wire_format != "wav" else None,
        segment_format=plan.wire_format,
    )
    plan.synthesizer.cache.open()

    async def joinable(audio: SegmentAudio) -> SegmentAudio:
        # Asked for again, once, when it cannot be joined (what was played cannot change).
        try:
            joiner.check(audio.path)
            return audio
        except AudioJoinError:
            pass
        audio = await plan.synthesizer.again(audio.index)
        try:
            joiner.check(audio.path)
        except AudioJoinError as error:
            raise plan.synthesizer.unjoinable(audio.index, error) from None
        return audio

    try:
        first = await joinable(await plan.synthesizer(0))
        for chunk in joiner.feed(first.path):
            yield chunk
        results = _async_runtime.iter_ordered(
            plan.synthesizer, list(range(1, len(jobs))), plan.concurrency
        )
        async with contextlib.aclosing(results):
            async for audio in results:
                audio = await joinable(audio)
                previous = jobs[audio.index - 1].segment
                pause = plan.paragraph_pause if previous.ends_paragraph else 0.0
                for chunk in joiner.feed(audio.path, pause_before=pause):
                    yield chunk
        tail = joiner.finish()
        if tail:
            yield tail
    finally:
        if temporary_cache is not None:
            temporary_cache.cleanup()


def cost_of(plan: SpeechPlan, *, rate: float | None = None) -> CostPlan:
    """What `plan` would send, counted without sending: its segments, characters, the
    requests the caches (this destination's segments, the speech cache) do not answer, and
    the credits those are estimated at (None when no rate is known)."""
    synthesizer = plan.synthesizer
    speech_cache = synthesizer.speech_cache
    folder_exists = synthesizer.cache.folder.is_dir()
    characters = to_send = cached = 0
    estimate: float | None = 0.0
    sources: set[str] = set()
    per_character: float | None = None
    for index, job in enumerate(plan.jobs):
        size = len(job.segment.text)
        characters += size
        key = synthesizer.request_key(index)
        if (folder_exists and synthesizer.cache.lookup(index, job.key) is not None) or (
            speech_cache is not None and speech_cache.contains(key)
        ):
            cached += 1
            continue
        to_send += size
        credits, source = estimate_for(speech_cache, key, rate)
        if credits is None or estimate is None:
            estimate = None
            continue
        estimate += credits
        if source is not None:
            sources.add(source)
            per_character = credits / size if size else per_character
    if to_send == 0:
        estimate = 0.0
    return CostPlan(
        segments=len(plan.jobs),
        characters=characters,
        requests=len(plan.jobs) - cached,
        cached=cached,
        characters_to_send=to_send,
        estimated_credits=estimate,
        credits_per_character=per_character if estimate is not None else None,
        rate_source="; ".join(sorted(sources)) if estimate is not None and sources else None,
    )


def check_budget(plan: SpeechPlan, budget: CreditBudget, rate: float | None) -> None:
    """Before anything is sent: refuse a call whose estimate alone would cross the budget."""
    cost = cost_of(plan, rate=rate)
    left = budget.max_credits - budget.spent
    if cost.estimated_credits is not None and cost.requests and cost.estimated_credits > left:
        raise BudgetExceededError(
            f"speak() not started: its {cost.requests} request(s) ({cost.characters_to_send} "
            f"characters) are estimated at {cost.estimated_credits:g} credits, more than the "
            f"{left:g} left of max_credits={budget.max_credits:g}; nothing was sent",
            spent=budget.spent,
            max_credits=budget.max_credits,
            done=cost.cached,
            not_done=cost.requests,
        )


def budget_stopped(plan: SpeechPlan, error: BudgetExceededError) -> BudgetExceededError:
    """The error of a call its budget stopped part-way: what was made, what was not."""
    synthesizer = plan.synthesizer
    total = len(plan.jobs)
    made = sum(
        synthesizer.cache.lookup(index, job.key) is not None for index, job in enumerate(plan.jobs)
    )
    kept = (
        f"the made ones are kept in {str(synthesizer.cache.folder)!r}"
        if made
        else "nothing of this call was kept"
    )
    return BudgetExceededError(
        f"speak() stopped by its budget: {made} of {total} segment(s) made, {total - made} "
        f"not made ({error.spent:g} credits spent of max_credits={error.max_credits:g}); "
        f"{kept}, so the same call with a larger budget pays only for the rest. {error}",
        spent=error.spent,
        max_credits=error.max_credits,
        done=made,
        not_done=total - made,
    )
