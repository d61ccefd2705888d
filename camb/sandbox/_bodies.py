"""Request bodies, read with a cap: a client cannot make the sandbox hold 300 MB in memory,
and one that hangs up part-way is no error of the sandbox."""

from __future__ import annotations

from starlette.requests import ClientDisconnect, Request

# The largest request body the sandbox reads. Every body the API takes is far smaller: a
# /tts-stream text is at most a few thousand characters, a /tts-results list a few hundred ids.
MAX_REQUEST_BODY_BYTES = 1024 * 1024

__all__ = ["MAX_REQUEST_BODY_BYTES", "BodyTooLarge", "ClientDisconnect", "read_body"]


class BodyTooLarge(Exception):
    """The request's body is over the cap (its Content-Length says so, or what arrived)."""


async def read_body(request: Request, limit: int = MAX_REQUEST_BODY_BYTES) -> bytes:
    """The whole body, read at most `limit` bytes far, and kept where `request.body()` finds
    it. Raises BodyTooLarge beyond `limit` (before reading, when Content-Length says so) and
    starlette's ClientDisconnect when the client hangs up part-way."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    body = b"".join(chunks)
    # Where starlette's Request.body() keeps a body it has read: the handlers read it there.
    request._body = body
    return body
