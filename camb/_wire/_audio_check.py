"""Is an audio answer as long as its own header says? Checked as the bytes arrive. No I/O.

A body can end early in two ways. Before its `Content-Length`: httpx notices. Or whole, but
shorter than the audio in it declares: a WAV whose data chunk announces 48,000 bytes and
carries 24,000 (a server that cut its audio short after writing the header). Saved as it is,
such a file looks complete; joined, its header would be rewritten to fit. `LengthCheck` reads
the header of a WAV answer as it goes by and, at the end, says whether the data it declared
arrived. A streamed WAV that does not know its size (0xFFFFFFFF, or 0 with an unknown RIFF
size) declares nothing; other formats are not checked here (their frames are checked when a
segment is read for a join).
"""

from __future__ import annotations

import struct
from typing import Final

import attrs

UNKNOWN_SIZE: Final = 0xFFFFFFFF
# A WAV header whose data chunk is not found within this many bytes is not looked at further.
HEAD_LIMIT: Final = 1 << 16


@attrs.frozen
class Shortfall:
    """A WAV that ended before its data did: the data bytes declared and received."""

    declared: int
    received: int

    def describe(self) -> str:
        return (
            f"the WAV header declares {self.declared} bytes of audio data but only "
            f"{self.received} arrived: the audio was cut short"
        )


def wav_declared_end(head: bytes) -> tuple[int, int] | None:
    """(offset of the data, bytes declared) of a WAV whose header is in `head`, or None when
    `head` is no WAV, does not reach the data chunk yet, or declares no size (streamed)."""
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    riff_size = struct.unpack_from("<I", head, 4)[0]
    position = 12
    while position + 8 <= len(head):
        chunk_id, size = struct.unpack_from("<4sI", head, position)
        body = position + 8
        if chunk_id == b"data":
            if size == UNKNOWN_SIZE or (size == 0 and riff_size in (0, UNKNOWN_SIZE)):
                return None
            return body, size
        position = body + size + (size % 2)
    return None


class LengthCheck:
    """Feed every byte of an answer; `shortfall()` at the end says whether it was cut short."""

    def __init__(self) -> None:
        self._head = b""
        self._received = 0
        self._done = False  # the head was read (or given up on)
        self._declared: tuple[int, int] | None = None

    def feed(self, chunk: bytes) -> None:
        self._received += len(chunk)
        if self._done:
            return
        self._head += chunk[: HEAD_LIMIT - len(self._head)]
        if len(self._head) >= 12 and self._head[:4] != b"RIFF":
            self._done, self._head = True, b""
            return
        found = wav_declared_end(self._head)
        if found is not None or len(self._head) >= HEAD_LIMIT:
            self._declared, self._done, self._head = found, True, b""

    def shortfall(self) -> Shortfall | None:
        """What is missing, or None when the answer holds all it declared (or declared nothing)."""
        declared = self._declared
        if declared is None and not self._done:
            # The whole answer is shorter than the header limit: read it now.
            declared = wav_declared_end(self._head)
        if declared is None:
            return None
        start, size = declared
        received = max(0, self._received - start)
        if received >= size:
            return None
        return Shortfall(declared=size, received=received)
