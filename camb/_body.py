"""Reading a JSON or error body without trusting its size: caps that hold behind compression.

The send loop hands the raw bytes of a body (as they come off the wire, still compressed) to a
`BodyDecoder`, which inflates gzip/deflate itself with an output limit, so a 200 KB gzip body
that would inflate to 200 MB is refused after the first few MiB instead of being inflated. No
I/O here: the caller reads, this decides.
"""

from __future__ import annotations

import zlib

from ._constants import ACCEPT_ENCODING
from ._echo import echo

# A JSON answer of this API is small (the largest, the voice list, is tens of KiB).
MAX_JSON_BYTES = 8 * 1024 * 1024
# An error body is only shown as a short excerpt; reading more would only cost memory.
MAX_ERROR_BODY_BYTES = 64 * 1024
# Audio is asked for uncompressed (`Accept-Encoding: identity`); a server or proxy that
# compresses it anyway may, but compressed audio shrinks little, so its body may inflate to
# at most this many times the compressed bytes received (plus `AUDIO_INFLATE_SLACK`): a 200 KB
# gzip body claiming to be 200 MB of audio is refused after a few MiB, not held in memory.
AUDIO_MAX_INFLATE_RATIO = 32
AUDIO_INFLATE_SLACK = 1024 * 1024


class BodyTooLargeError(Exception):
    """The body inflated beyond the limit."""


class BodyEncodingError(Exception):
    """The body's Content-Encoding is unknown, or its compressed data is broken."""


class BodyDecoder:
    """Inflates one body's raw bytes, stopping at `limit` decoded bytes.

    `truncate=True` keeps the first `limit` bytes and ignores the rest (for error bodies, of
    which only an excerpt is shown); otherwise going over the limit raises BodyTooLargeError.
    """

    def __init__(
        self,
        content_encoding: str | None,
        *,
        limit: int | None,
        truncate: bool = False,
        max_ratio: int | None = None,
    ) -> None:
        # No limit (None) is for audio, whose length is not capped; `max_ratio` caps how far
        # compressed audio may inflate (see AUDIO_MAX_INFLATE_RATIO).
        self.limit = limit if limit is not None else 1 << 62
        self.truncate = truncate
        self._max_ratio = max_ratio
        self._raw_size = 0
        self.full = False
        self._parts: list[bytes] = []
        self._size = 0
        encodings = [
            part.strip().lower() for part in (content_encoding or "").split(",") if part.strip()
        ]
        encodings = [e for e in encodings if e != "identity"]
        if len(encodings) > 1 or (encodings and encodings[0] not in ACCEPT_ENCODING_SET):
            raise BodyEncodingError(f"unsupported Content-Encoding {echo(content_encoding)}")
        self._encoding = encodings[0] if encodings else None
        self._inflater: zlib._Decompress | None = None
        if self._encoding == "gzip":
            self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def feed(self, raw: bytes) -> None:
        """Decode one piece of the raw body."""
        if self.full or not raw:
            return
        if self._encoding is None:
            self._keep(raw)
            return
        self._raw_size += len(raw)
        if self._inflater is None:
            # "deflate" is zlib-wrapped by the standard, raw deflate by some servers: look at
            # the first byte to tell.
            raw_deflate = (raw[0] & 0x0F) != 8
            self._inflater = zlib.decompressobj(-zlib.MAX_WBITS if raw_deflate else zlib.MAX_WBITS)
        data = raw
        while data and not self.full:
            room = self._room()
            try:
                out = self._inflater.decompress(data, room)
            except zlib.error as exc:
                raise BodyEncodingError(f"broken {self._encoding} data: {exc}") from None
            self._keep(out)
            data = self._inflater.unconsumed_tail

    def _room(self) -> int:
        """How many more decoded bytes are allowed, plus one (to notice going over)."""
        room = self.limit - self._size + 1
        if self._max_ratio is not None:
            allowed = self._raw_size * self._max_ratio + AUDIO_INFLATE_SLACK
            if self._size + 1 > allowed:
                raise BodyTooLargeError(
                    f"the {self._encoding}-compressed audio inflates more than "
                    f"{self._max_ratio} times its size (a compression bomb, not audio); "
                    "audio was asked for uncompressed"
                )
            room = min(room, allowed - self._size + 1)
        return room

    def _keep(self, data: bytes) -> None:
        if self._size + len(data) > self.limit:
            if not self.truncate:
                raise BodyTooLargeError(f"the body is larger than {self.limit} bytes")
            data = data[: self.limit - self._size]
            self.full = True
        self._parts.append(data)
        self._size += len(data)

    def take(self) -> bytes:
        """What was decoded since the last `take()`, no longer kept (for streamed audio)."""
        taken = b"".join(self._parts)
        self._parts.clear()
        return taken

    def finish(self) -> bytes:
        """The rest of the decoded body (all of it, unless `take()` was called); raises
        BodyEncodingError when compressed data ended before its end marker."""
        if self._inflater is not None and not self.full:
            try:
                self._keep(self._inflater.flush())
            except zlib.error as exc:
                raise BodyEncodingError(f"broken {self._encoding} data: {exc}") from None
            if not self._inflater.eof and self._size:
                raise BodyEncodingError(f"the {self._encoding} data ended early")
        return b"".join(self._parts)


ACCEPT_ENCODING_SET = frozenset(part.strip() for part in ACCEPT_ENCODING.split(","))
