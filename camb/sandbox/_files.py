"""The files origin: the storage host behind presigned URLs. It needs (and wants) no API key."""

from __future__ import annotations

import asyncio
import re
import time
from xml.sax.saxutils import escape

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ._audio import AudioStream, result_flac
from ._codecs import padded_flac
from ._responses import AudioResponse
from ._sources import iter_source
from ._state import SandboxState
from ._urls import presign_problem
from ._voices import VOICES_BY_ID

_FILE_NAME = re.compile(r"([1-9][0-9]*)\.flac")


def storage_error(status: int, code: str, message: str) -> Response:
    """An error as an S3-like storage host answers it."""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
    )
    return Response(body, status_code=status, media_type="application/xml")


async def _download(state: SandboxState, request: Request) -> Response:
    match = _FILE_NAME.fullmatch(request.path_params["name"])
    if match is None:
        return storage_error(404, "NoSuchKey", "The specified key does not exist.")
    run_id = int(match.group(1))
    params = request.query_params
    problem = presign_problem(
        state.secret, run_id, params.get("expires"), params.get("signature"), time.time()
    )
    if problem is not None:
        return storage_error(403, "AccessDenied", problem)
    task = state.tasks.finished_run(run_id)
    if task is None:  # cannot happen for a URL the API signed
        return storage_error(404, "NoSuchKey", "The specified key does not exist.")
    source = padded_flac(await state.results.flac(task), state.config.result_bytes)
    audio = AudioStream("audio/flac", source.remaining, iter_source(source), blocking=False)
    truncate = state.faults.for_download()
    if truncate:
        state.stats.fault("truncate")
    return AudioResponse(audio, announce_length=True, truncate=truncate)


async def _voice_sample(request: Request) -> Response:
    """The FLAC a voice's ``signed_url`` points at: the voice saying its sample text."""
    match = _FILE_NAME.fullmatch(request.path_params["name"])
    voice = VOICES_BY_ID.get(int(match.group(1))) if match is not None else None
    if voice is None or not voice.has_sample:
        return storage_error(404, "NoSuchKey", "The specified key does not exist.")
    flac = await asyncio.get_running_loop().run_in_executor(None, result_flac, voice.sample_text)
    return Response(flac, media_type="audio/flac")


def files_app(state: SandboxState) -> Starlette:
    async def download(request: Request) -> Response:
        state.stats.file_request(with_api_key="x-api-key" in request.headers)
        response = await _download(state, request)
        state.stats.file_answered(response.status_code)
        return response

    async def routing_error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, HTTPException) and exc.status_code == 404:
            return storage_error(404, "NoSuchKey", "The specified key does not exist.")
        if isinstance(exc, HTTPException) and exc.status_code == 405:
            return storage_error(405, "MethodNotAllowed", "The method is not allowed.")
        return storage_error(500, "InternalError", "We encountered an internal error.")

    async def voice_sample(request: Request) -> Response:
        state.stats.file_request(with_api_key="x-api-key" in request.headers)
        response = await _voice_sample(request)
        state.stats.file_answered(response.status_code)
        return response

    routes = [
        Route("/files/{name}", download, methods=["GET"]),
        Route("/voices/{name}", voice_sample, methods=["GET"]),
    ]
    return Starlette(routes=routes, exception_handlers={HTTPException: routing_error})
