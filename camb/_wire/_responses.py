"""Turning answers into values or typed errors. Plain functions; no I/O.

Bodies are parsed with the generated models, then checked: the generated `from_dict` trusts
types (it casts), so a wrong type would otherwise surface much later as an AttributeError in
the caller's code. Anything that is not what the spec says becomes `UnexpectedResponseError`.
The generated models are imported on first use (see `_operations`).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Any, TypeVar

import httpx

from .._exceptions import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    CambError,
    ConflictError,
    NotFoundError,
    PaymentRequiredStatusError,
    RateLimitError,
    ServerError,
    UnexpectedResponseError,
    ValidationError,
)
from .._models import Language, TaskStatus, Voice
from .._validation import TASK_ID_RE
from ._bulk import ChunkAnswer

log = logging.getLogger("camb")
ItemT = TypeVar("ItemT")

EXCERPT_CHARS = 200
# Run ids are 64-bit at most.
MAX_ID_DIGITS = 20
# The longest message an error built from an answer gets.
MESSAGE_CHARS = 1000
_TAG_RE = re.compile(r"<[^>]*>")
_SPACE_RE = re.compile(r"\s+")

_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredStatusError,
    403: AuthenticationError,
    404: NotFoundError,
    409: ConflictError,
    422: ValidationError,
    429: RateLimitError,
}


# --- errors -------------------------------------------------------------------------------------


def excerpt(content: bytes, limit: int = EXCERPT_CHARS) -> str:
    """A short, single-line, tag-free excerpt of a body that is not JSON (an HTML page, say)."""
    text = content[: limit * 20].decode("utf-8", errors="replace")
    text = _SPACE_RE.sub(" ", _TAG_RE.sub(" ", text)).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def decode_json(content: bytes) -> Any:
    """Parsed JSON, or raises ValueError (also for bytes that are not UTF-8, and for nesting
    too deep to parse)."""
    try:
        return json.loads(content.decode("utf-8"))
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def _describe_validation_errors(detail: Sequence[Any]) -> tuple[list[Mapping[str, Any]], str]:
    entries: list[Mapping[str, Any]] = []
    parts: list[str] = []
    for item in detail:
        if isinstance(item, Mapping):
            entries.append(item)
            loc = item.get("loc")
            where = ".".join(str(p) for p in loc) if isinstance(loc, list) else "?"
            parts.append(f"{where}: {item.get('msg', '')} ({item.get('type', '')})")
        else:
            parts.append(str(item))
    return entries, "; ".join(parts)


def error_from_response(
    response: httpx.Response, content: bytes, *, hint: str = ""
) -> APIStatusError:
    """The typed error for a non-2xx answer, whatever its body looks like."""
    status = response.status_code
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    body: object
    entries: list[Mapping[str, Any]] = []
    try:
        body = decode_json(content)
    except ValueError:
        body = excerpt(content)
        detail_text = str(body)
    else:
        detail = body.get("detail") if isinstance(body, dict) else None
        if isinstance(detail, list):
            entries, detail_text = _describe_validation_errors(detail)
        elif detail is not None:
            detail_text = detail if isinstance(detail, str) else json.dumps(detail)[:MESSAGE_CHARS]
        else:
            detail_text = json.dumps(body)[:EXCERPT_CHARS]
        detail_text = shorten(detail_text, MESSAGE_CHARS // 2)
    request = response.request
    message = f"{request.method} {request.url.path} -> {status} {reason}"
    if detail_text:
        message += f": {detail_text}"
    if hint:
        message += f" ({hint})"
    cls = _STATUS_ERRORS.get(status, ServerError if status >= 500 else APIStatusError)
    # The error keeps the (capped) body it was built from: the live response never read it.
    read = DecodedResponse(response, content)
    if cls is ValidationError:
        return ValidationError(message, response=read, body=body, errors=entries)
    return cls(message, response=read, body=body)


def credits_required(response: httpx.Response) -> float | None:
    """The `X-Credits-Required` header as a number, or None when absent or not a number."""
    value = response.headers.get("x-credits-required")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


# --- successful answers -------------------------------------------------------------------------


def unexpected(response: httpx.Response, what: str, body: object = None) -> UnexpectedResponseError:
    """The error for a 2xx answer that is not what the spec says; `what` says how."""
    request = response.request
    return UnexpectedResponseError(
        f"{request.method} {request.url.path} -> {response.status_code}: {shorten(what)}",
        response=response,
        body=body,
    )


def shorten(text: str, limit: int = MESSAGE_CHARS) -> str:
    """`text` cut to `limit` characters: a server's 20 MB message is not a 20 MB error."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


class DecodedResponse(httpx.Response):
    """A copy of a streamed response holding its body, read and decoded by the client.

    The client reads bodies raw and decodes them itself, under a cap (`_body`), so httpx never
    held them. This copy serves `content`, `text`, `json()`, `read()` and iteration from that
    decoded body, without decoding it again (a plain `httpx.Response(content=...)` would run
    it through httpx's decoders and chunkers once more, a large share of a small call's
    CPU). Its headers drop the transfer and content encodings, which no longer apply.
    """

    def __init__(self, source: httpx.Response, content: bytes) -> None:
        headers = [
            (name, value)
            for name, value in source.headers.multi_items()
            if name.lower() not in _TRANSFER_HEADERS
        ]
        headers.append(("content-length", str(len(content))))
        super().__init__(
            source.status_code,
            headers=headers,
            stream=httpx.ByteStream(content),
            request=source.request,
            extensions=source.extensions,
        )
        self._decoded = content

    @property
    def content(self) -> bytes:
        return self._decoded


_TRANSFER_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


_MARKUP_STARTS = (b"<!doc", b"<html", b"<?xml")
_TEXT_BYTES = frozenset(range(0x20, 0x7F)) | frozenset(b"\t\r\n")
_NOT_AUDIO_SUFFIXES = ("/json", "+json", "/xml", "+xml", "/html", "/javascript")


def not_audio(content_type: str | None, head: bytes | None) -> str | None:
    """Why a 2xx answer's body is not audio, or None when it may be.

    The Content-Type decides when there is one; without one, the first bytes are looked at
    (`head`, or None when none have arrived yet): JSON or HTML text is not audio. An empty
    body (`head == b""`) is not audio whatever its type. Raw PCM has no signature, so nothing
    else can be ruled out.
    """
    if head == b"":
        # Whatever the Content-Type says, no bytes are no audio.
        return "expected audio, got an empty body"
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind:
        if kind.startswith("text/") or kind.endswith(_NOT_AUDIO_SUFFIXES):
            return f"expected audio, got Content-Type {kind}"
        return None
    if head is None:
        return None
    start = head[:64].lstrip()
    looks_like_text = start[:1] in (b"{", b"[") or start[:5].lower() in (
        b"<!doc",
        b"<html",
        b"<?xml",
    )
    if looks_like_text and all(byte in _TEXT_BYTES for byte in start):
        return "expected audio, got a body that looks like JSON or HTML"
    return None


def json_body(response: httpx.Response) -> Any:
    try:
        return decode_json(response.content)
    except ValueError:
        raise unexpected(
            response, f"expected JSON, got {excerpt(response.content)!r}", excerpt(response.content)
        ) from None


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The body as a JSON object. Checked here because the generated `from_dict` calls
    `dict()` on whatever it gets, which would read `[["status", "SUCCESS"]]` as an object."""
    body = json_body(response)
    if not isinstance(body, dict):
        raise unexpected(response, f"expected a JSON object, got {type(body).__name__}", body)
    return body


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _optional(value: object) -> object:
    from camb_api.types import Unset

    return None if isinstance(value, Unset) else value


def parse_task_id(response: httpx.Response) -> str:
    from camb_api.models import TaskID

    body = json_object(response)
    try:
        task_id = TaskID.from_dict(body).task_id
    except (KeyError, TypeError, ValueError, AttributeError):
        raise unexpected(response, "expected an object with a task_id", body) from None
    if not isinstance(task_id, str) or not TASK_ID_RE.fullmatch(task_id):
        # status() and wait() refuse such an id as input; better to say so here, where the
        # server handed it out, than to blame the caller later.
        raise unexpected(
            response, f"task_id is not a task id this client can address: {task_id!r}", body
        )
    return task_id


def parse_task_status(response: httpx.Response, task_id: str) -> TaskStatus:
    from camb_api.models import TaskStatus as GeneratedTaskStatus
    from camb_api.models.task_status_kind import TaskStatusKind
    from camb_api.models.task_status_message_type_1 import TaskStatusMessageType1

    body = json_object(response)
    try:
        parsed = GeneratedTaskStatus.from_dict(body)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise unexpected(response, "expected an object with a status", body) from None
    status = parsed.status.value if isinstance(parsed.status, TaskStatusKind) else parsed.status
    run_id = _optional(parsed.run_id)
    reason = _optional(parsed.exception_reason)
    message: object = _optional(parsed.message)
    if isinstance(message, TaskStatusMessageType1):
        message = message.to_dict()
    if not isinstance(status, str):
        raise unexpected(response, f"status is not a string: {status!r}", body)
    if run_id is not None and not (isinstance(run_id, int) and _is_int(run_id) and run_id > 0):
        raise unexpected(response, f"run_id is not a positive integer: {run_id!r}", body)
    if reason is not None and not isinstance(reason, str):
        raise unexpected(response, f"exception_reason is not a string: {reason!r}", body)
    if message is not None and not isinstance(message, (str, dict)):
        raise unexpected(response, f"message is neither text nor an object: {message!r}", body)
    return TaskStatus(
        task_id=task_id, status=status, run_id=run_id, exception_reason=reason, message=message
    )


def _url_of(value: object) -> str | None:
    """The URL in either shape the bulk answer uses: {"output_url": ...} or a bare string."""
    from camb_api.models import AudioOutputFileURLResponse

    if isinstance(value, AudioOutputFileURLResponse):
        value = _optional(value.output_url)
    return value if isinstance(value, str) and value else None


def parse_output_url(response: httpx.Response) -> str:
    from camb_api.models import AudioOutputFileURLResponse

    body = json_object(response)
    try:
        url = _url_of(AudioOutputFileURLResponse.from_dict(body))
    except (KeyError, TypeError, ValueError, AttributeError):
        url = None
    if url is None:
        raise unexpected(response, "expected an object with an output_url", body)
    return url


def result_of(response: httpx.Response, output_type: str) -> bytes | str:
    """The answer of `GET /tts-result`: audio bytes, or the presigned URL of `file_url`."""
    if output_type != "raw_bytes":
        return parse_output_url(response)
    content = response.content
    reason = not_audio(response.headers.get("content-type"), content[:64])
    if reason is not None:
        raise unexpected(response, reason, excerpt(content))
    return content


def parse_bulk_results(response: httpx.Response, chunk: Sequence[int]) -> ChunkAnswer:
    """The URLs in a bulk answer for the ids of `chunk`, and an error for each id whose value
    was malformed. Ids absent from the answer are in neither: the API leaves out runs that
    are unknown or unfinished. Keys that were not asked for are ignored."""
    from camb_api.models import BulkTTSRunsResults

    body = json_object(response)
    parsed = BulkTTSRunsResults.from_dict(body)
    asked = set(chunk)
    urls: dict[int, str] = {}
    bad: dict[int, CambError] = {}
    for key, value in parsed.additional_properties.items():
        # Only the canonical spelling: int() would also read "+13", " 12" or "1_1"; and no
        # key longer than any id (int() refuses strings of over 4,300 digits).
        if not (
            len(key) <= MAX_ID_DIGITS and key.isascii() and key.isdigit() and str(int(key)) == key
        ):
            log.warning("ignoring key %r in a bulk answer: not a run id", shorten(key, 40))
            continue
        run_id = int(key)
        if run_id not in asked:
            continue
        url = _url_of(value)
        if url is None:
            bad[run_id] = unexpected(response, f"no URL for run {run_id}: {body[key]!r}", body)
        else:
            urls[run_id] = url
    return ChunkAnswer(urls=urls, malformed=bad)


class _Unreadable(Exception):
    """An item of a list answer that this client cannot read; the message says why."""


def _field(item: Any, name: str, kind: type, *, required: bool = False) -> Any:
    """A field of a parsed generated model, None when absent or null, checked for its type
    (the generated `from_dict` casts without checking)."""
    value = _optional(getattr(item, name))
    if value is None:
        if required:
            raise _Unreadable(f"{name} is missing or null")
        return None
    fits = _is_int(value) if kind is int else isinstance(value, kind)
    if not fits:
        raise _Unreadable(f"{name} is not {kind.__name__} but {type(value).__name__}")
    return value


def _lenient_list(
    response: httpx.Response, what: str, read_item: Callable[[dict[str, Any]], ItemT]
) -> list[ItemT]:
    """Every item of a JSON list answer that `read_item` can read.

    An item that cannot be read is skipped with a warning naming its index (never its content:
    a voice's `signed_url` is a presigned URL), so one odd item does not cost the whole list.
    A body that is not a list at all is an UnexpectedResponseError.
    """
    body = json_body(response)
    if not isinstance(body, list):
        raise unexpected(response, f"expected a list of {what}s", body)
    items: list[ItemT] = []
    for index, item in enumerate(body):
        try:
            if not isinstance(item, dict):
                raise _Unreadable(f"not an object but {type(item).__name__}")
            items.append(read_item(item))
        except _Unreadable as why:
            request = response.request
            log.warning(
                "%s %s: skipped %s %d of %d: %s",
                request.method,
                request.url.path,
                what,
                index,
                len(body),
                why,
            )
    return items


def _voice(item: dict[str, Any]) -> Voice:
    from camb_api.models import Voice as GeneratedVoice

    try:
        raw = GeneratedVoice.from_dict(item)
    except KeyError as missing:
        raise _Unreadable(f"{missing.args[0]} is missing") from None
    return Voice(
        id=_field(raw, "id", int, required=True),
        voice_name=_field(raw, "voice_name", str, required=True),
        gender=_field(raw, "gender", int),
        age=_field(raw, "age", int),
        language=_language_of_voice(raw),
        transcript=_field(raw, "transcript", str),
        description=_field(raw, "description", str),
        is_published=_field(raw, "is_published", bool),
        signed_url=_field(raw, "signed_url", str),
        extra=dict(raw.additional_properties),
    )


def _language_of_voice(raw: Any) -> int | str | None:
    """A voice's language: a locale tag (Camb's OpenAPI) or a numeric id (camb-sdk); both are
    kept as they came."""
    value = _optional(raw.language)
    if value is None or isinstance(value, str):
        return value
    language: int = _field(raw, "language", int)
    return language


def parse_voices(response: httpx.Response) -> list[Voice]:
    """The voices of `GET /list-voices`; an unreadable one is skipped with a warning."""
    return _lenient_list(response, "voice", _voice)


def _language(item: dict[str, Any]) -> Language:
    from camb_api.models import Language as GeneratedLanguage

    try:
        raw = GeneratedLanguage.from_dict(item)
    except KeyError as missing:
        raise _Unreadable(f"{missing.args[0]} is missing") from None
    return Language(
        id=_field(raw, "id", int, required=True),
        language=_field(raw, "language", str, required=True),
        short_name=_field(raw, "short_name", str, required=True),
        extra=dict(raw.additional_properties),
    )


def parse_languages(response: httpx.Response) -> list[Language]:
    """The languages of `GET /source-languages` or `/target-languages`; an unreadable one is
    skipped with a warning."""
    return _lenient_list(response, "language", _language)
