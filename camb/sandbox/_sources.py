"""Bodies produced lazily, chunk by chunk: in-memory bytes, repeated cycles, concatenations."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Protocol

FIRST_CHUNK = 16 * 1024
LARGEST_CHUNK = 1024 * 1024


class ByteSource(Protocol):
    """A body produced on demand: ``read(n)`` answers up to n bytes, empty at the end."""

    @property
    def remaining(self) -> int: ...

    def read(self, size: int) -> bytes | memoryview: ...


class BytesSource:
    """A body held in memory."""

    def __init__(self, data: bytes) -> None:
        self._view = memoryview(data)
        self._pos = 0

    @property
    def remaining(self) -> int:
        return len(self._view) - self._pos

    def read(self, size: int) -> bytes | memoryview:
        chunk = self._view[self._pos : self._pos + max(0, size)]
        self._pos += len(chunk)
        return chunk


class CycleSource:
    """``total`` bytes of the endless repetition of ``pieces`` joined together.

    A short cycle is joined and tiled once into a block of about ``tile_to`` bytes, so reading
    a chunk is one slice of that block; a long cycle is read piece by piece.
    """

    def __init__(
        self,
        pieces: Sequence[bytes],
        total: int,
        *,
        tile_to: int = LARGEST_CHUNK,
        tile_limit: int = 8 * LARGEST_CHUNK,
    ) -> None:
        cycle = sum(len(piece) for piece in pieces)
        if cycle == 0 and total > 0:
            raise ValueError("cannot repeat an empty cycle")
        if 0 < cycle <= tile_limit:
            self._pieces = [b"".join(pieces) * max(1, math.ceil(tile_to / cycle))]
        else:
            self._pieces = [piece for piece in pieces if piece]
        self._index = 0
        self._offset = 0
        self._remaining = max(0, total)

    @property
    def remaining(self) -> int:
        return self._remaining

    def read(self, size: int) -> bytes | memoryview:
        size = min(size, self._remaining)
        if size <= 0:
            return b""
        parts: list[bytes | memoryview] = []
        need = size
        while need:
            piece = self._pieces[self._index]
            take = min(len(piece) - self._offset, need)
            if take == len(piece):
                parts.append(piece)
            else:
                parts.append(memoryview(piece)[self._offset : self._offset + take])
            need -= take
            self._offset += take
            if self._offset == len(piece):
                self._offset = 0
                self._index = (self._index + 1) % len(self._pieces)
        self._remaining -= size
        return parts[0] if len(parts) == 1 else b"".join(parts)


class ConcatSource:
    """Several sources one after the other."""

    def __init__(self, sources: Sequence[ByteSource]) -> None:
        self._sources = list(sources)

    @property
    def remaining(self) -> int:
        return sum(source.remaining for source in self._sources)

    def read(self, size: int) -> bytes | memoryview:
        parts: list[bytes | memoryview] = []
        need = size
        for source in self._sources:
            if need <= 0:
                break
            chunk = source.read(need)
            if chunk:
                parts.append(chunk)
                need -= len(chunk)
        if not parts:
            return b""
        return parts[0] if len(parts) == 1 else b"".join(parts)


def chunk_sizes(first: int = FIRST_CHUNK, largest: int = LARGEST_CHUNK) -> Iterator[int]:
    """Chunk sizes of a stream: small at first (quick first bytes), doubling up to ``largest``."""
    size = first
    while True:
        yield size
        size = min(size * 2, largest)


def iter_source(
    source: ByteSource, first: int = FIRST_CHUNK, largest: int = LARGEST_CHUNK
) -> Iterator[bytes | memoryview]:
    """The chunks of a source, growing from ``first`` to ``largest`` bytes."""
    for size in chunk_sizes(first, largest):
        chunk = source.read(size)
        if not chunk:
            return
        yield chunk
