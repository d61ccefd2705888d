"""The API origin: the spec's operations plus the sandbox's stats endpoints."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute

from camb.api_facts import SAMPLE_RATES

from ._audio import AudioStream, stream_audio
from ._bodies import MAX_REQUEST_BODY_BYTES, BodyTooLarge, ClientDisconnect, read_body
from ._codecs import padded_flac
from ._faults import FaultDecision, format_retry_after
from ._languages import language_items
from ._live import live_tts
from ._responses import (
    AudioResponse,
    DropConnection,
    detail_response,
    json_response,
    server_error_response,
    validation_response,
)
from ._sources import iter_source
from ._state import SandboxState
from ._tasks import task_status
from ._translated import create_translated_tts, get_translated_tts_status
from ._validation import (
    ErrorItem,
    RequestInvalid,
    error,
    parse_output_type,
    parse_run_id,
    parse_run_ids,
    parse_stream_request,
    parse_task_request,
)
from ._voices import VOICES_BY_ID, voice_items

logger = logging.getLogger("camb.sandbox")

Handler = Callable[[SandboxState, Request, FaultDecision], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


def credits_for(text: str) -> str:
    """The X-Credits-Required of a stream: one credit per character."""
    return str(len(text))


def unknown_voice(state: SandboxState, voice_id: int) -> Response | None:
    """The answer to a voice that is not one of the key's voices (None for a known voice).

    No source documents it: a 400 by default (like GET /tts-result's documented 400 for a run
    that is not the caller's), a 422 with strict_documented.
    """
    if voice_id in VOICES_BY_ID:
        return None
    message = f"Voice {voice_id} is not available to this API key; see GET /list-voices."
    if state.config.strict_documented:
        raise RequestInvalid(
            [error("value_error", ("body", "voice_id"), f"Value error, {message}", voice_id)]
        )
    return detail_response(400, message)


async def create_tts_stream(
    state: SandboxState, request: Request, fault: FaultDecision
) -> Response:
    req = parse_stream_request(await request.body())
    refused = unknown_voice(state, req.voice_id)
    if refused is not None:
        return refused
    # A public report says the real server may answer at its own rate whatever is asked.
    ignore = state.config.ignore_sample_rate
    short = fault.short_audio and req.format == "wav"
    if short:
        state.stats.fault("short_audio")
    audio = stream_audio(
        req.text,
        req.format,
        sample_rate=SAMPLE_RATES[req.speech_model] if ignore else req.sample_rate,
        duration=req.duration,
        speaking_rate=req.speaking_rate,
        declare_more=short,
    )
    headers = {"X-Credits-Required": credits_for(req.text)}
    return AudioResponse(audio, headers=headers, truncate=fault.truncate)


async def create_tts(state: SandboxState, request: Request, fault: FaultDecision) -> Response:
    req = parse_task_request(await request.body())
    refused = unknown_voice(state, req.voice_id)
    if refused is not None:
        return refused
    task = state.tasks.create(req.text)
    return json_response(200, {"task_id": task.task_id})


async def get_tts_status(state: SandboxState, request: Request, fault: FaultDecision) -> Response:
    task_id = request.path_params["task_id"]
    task = state.tasks.get(task_id)
    if task is None:
        if state.config.strict_documented:
            msg = "Value error, no task has this id"
            raise RequestInvalid([error("value_error", ("path", "task_id"), msg, task_id)])
        return detail_response(404, "Task not found.")
    return json_response(200, task_status(task, state.tasks.now()))


async def get_tts_result(state: SandboxState, request: Request, fault: FaultDecision) -> Response:
    errors: list[ErrorItem] = []
    run_id: int | None = None
    output_type: str | None = None
    try:
        run_id = parse_run_id(request.path_params["run_id"])
    except RequestInvalid as exc:
        errors.extend(exc.errors)
    try:
        output_type = parse_output_type(request.query_params.get("output_type"))
    except RequestInvalid as exc:
        errors.extend(exc.errors)
    if errors or run_id is None:
        raise RequestInvalid(errors)
    task = state.tasks.run(run_id)
    if task is None:
        return detail_response(400, f"Run {run_id} is not a text-to-speech run.")
    if state.tasks.finished_run(run_id) is None:
        return detail_response(400, f"Run {run_id} has not finished yet.")
    if output_type == "file_url":
        return json_response(200, {"output_url": state.presign(run_id)})
    source = padded_flac(await state.results.flac(task), state.config.result_bytes)
    audio = AudioStream("audio/flac", source.remaining, iter_source(source), blocking=False)
    return AudioResponse(audio, truncate=fault.truncate)


async def get_tts_results(state: SandboxState, request: Request, fault: FaultDecision) -> Response:
    strict = state.config.strict_documented
    run_ids = parse_run_ids(await request.body(), refuse_duplicates=not strict)
    shape = state.config.bulk_value_shape
    answer: dict[str, Any] = {}
    for run_id in run_ids:
        if state.tasks.finished_run(run_id) is None:
            continue  # unknown or unfinished runs are left out
        url = state.presign(run_id)
        as_object = shape == "object" or (shape == "mixed" and len(answer) % 2 == 0)
        answer[str(run_id)] = {"output_url": url} if as_object else url
    if not answer and not strict:
        return detail_response(404, "None of the requested runs is available.")
    return json_response(200, answer)


async def list_voices(state: SandboxState, request: Request, fault: FaultDecision) -> Response:
    return json_response(200, voice_items(state.files_url))


async def list_languages(state: SandboxState, request: Request, fault: FaultDecision) -> Response:
    return json_response(200, language_items())


def _operation(state: SandboxState, name: str, handler: Handler) -> Endpoint:
    """The endpoint of one operation: faults, then the key check, then the handler."""
    config = state.config

    async def endpoint(request: Request) -> Response:
        state.stats.request(name)
        fault = state.faults.for_request()
        if config.latency:
            await asyncio.sleep(config.latency)
        if fault.drop:
            state.stats.fault("drop")
            return DropConnection()
        key = request.headers.get("x-api-key")
        if fault.status == 429:
            state.stats.fault("429")
            retry_after = {"Retry-After": format_retry_after(config.retry_after)}
            response = detail_response(429, "Too many requests, slow down.", retry_after)
        elif fault.status is not None:
            state.stats.fault("5xx")
            response = server_error_response(fault.status, fault.html)
        elif key is None:
            response = detail_response(401, "Missing API key: send it in the x-api-key header.")
        elif key != config.api_key:
            response = detail_response(401, "Invalid API key.")
        else:
            try:
                await read_body(request)
                response = await handler(state, request, fault)
            except BodyTooLarge:
                response = detail_response(
                    413, f"Request body too large: at most {MAX_REQUEST_BODY_BYTES} bytes."
                )
            except ClientDisconnect:
                # The client hung up before its body was whole: nobody to answer, nothing wrong.
                logger.debug("sandbox operation %s: the client hung up mid-body", name)
                response = detail_response(400, "The request body did not arrive whole.")
            except RequestInvalid as exc:
                response = validation_response(exc.errors)
            except Exception:
                logger.exception("sandbox operation %s failed", name)
                response = detail_response(500, "The sandbox failed to answer.")
        if isinstance(response, AudioResponse) and response.truncate:
            state.stats.fault("truncate")
        state.stats.answered(name, response.status_code)
        return response

    return endpoint


async def _stats(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    return json_response(200, state.stats.snapshot())


async def _reset_stats(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    state.stats.reset()
    return json_response(200, state.stats.snapshot())


async def _http_error(request: Request, exc: Exception) -> Response:
    """Routing errors (404, 405) as FastAPI shapes them: ``{"detail": "..."}``."""
    if not isinstance(exc, HTTPException):
        return detail_response(500, "Internal Server Error")
    return detail_response(exc.status_code, exc.detail, exc.headers)


def api_app(state: SandboxState) -> Starlette:
    def op(name: str, handler: Handler) -> Endpoint:
        return _operation(state, name, handler)

    routes = [
        Route("/tts-stream", op("create_tts_stream", create_tts_stream), methods=["POST"]),
        Route("/tts", op("create_tts", create_tts), methods=["POST"]),
        Route("/tts/{task_id}", op("get_tts_status", get_tts_status), methods=["GET"]),
        Route("/tts-result/{run_id}", op("get_tts_result", get_tts_result), methods=["GET"]),
        Route("/tts-results", op("get_tts_results", get_tts_results), methods=["POST"]),
        Route("/list-voices", op("list_voices", list_voices), methods=["GET"]),
        Route(
            "/translated-tts",
            op("create_translated_tts", create_translated_tts),
            methods=["POST"],
        ),
        Route(
            "/translated-tts/{task_id}",
            op("get_translated_tts_status", get_translated_tts_status),
            methods=["GET"],
        ),
        Route("/source-languages", op("list_source_languages", list_languages), methods=["GET"]),
        Route("/target-languages", op("list_target_languages", list_languages), methods=["GET"]),
        WebSocketRoute("/live-tts/ws", live_tts),
        Route("/_sandbox/stats", _stats, methods=["GET"]),
        Route("/_sandbox/reset-stats", _reset_stats, methods=["POST"]),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
    app.state.sandbox = state
    return app
