"""The language marker in the sandbox's FLAC files: a ``LANGUAGE=<locale>`` Vorbis comment.

A translated run's audio (``POST /translated-tts``) carries its target language as a standard
FLAC Vorbis comment, readable by any tag reader (``metaflac --list``, mutagen) or with
``spoken_language()`` here, so a test can check that each language's file came from the task
that was asked for that language. Pure bytes work; no I/O, no extra needed.
"""

from __future__ import annotations

import struct

FLAC_MAGIC = b"fLaC"
VORBIS_COMMENT = 4
LAST_BLOCK = 0x80
LANGUAGE_FIELD = "LANGUAGE"
VENDOR = b"camb sandbox"


def _blocks(data: bytes) -> tuple[list[tuple[int, bytes]], int]:
    """The metadata blocks of a FLAC file as (type, payload), and where its frames begin."""
    if data[:4] != FLAC_MAGIC:
        raise ValueError("not a FLAC file")
    blocks: list[tuple[int, bytes]] = []
    pos = 4
    while True:
        if pos + 4 > len(data):
            raise ValueError("FLAC metadata is cut short")
        header = data[pos]
        length = int.from_bytes(data[pos + 1 : pos + 4], "big")
        payload = data[pos + 4 : pos + 4 + length]
        if len(payload) != length:
            raise ValueError("FLAC metadata is cut short")
        blocks.append((header & 0x7F, payload))
        pos += 4 + length
        if header & LAST_BLOCK:
            return blocks, pos


def _comment_block(fields: dict[str, str]) -> bytes:
    parts = [struct.pack("<I", len(VENDOR)), VENDOR, struct.pack("<I", len(fields))]
    for name, value in fields.items():
        entry = f"{name}={value}".encode()
        parts += [struct.pack("<I", len(entry)), entry]
    return b"".join(parts)


def _comments(payload: bytes) -> dict[str, str]:
    (vendor_length,) = struct.unpack_from("<I", payload, 0)
    pos = 4 + vendor_length
    (count,) = struct.unpack_from("<I", payload, pos)
    pos += 4
    fields: dict[str, str] = {}
    for _ in range(count):
        (length,) = struct.unpack_from("<I", payload, pos)
        entry = payload[pos + 4 : pos + 4 + length].decode("utf-8", "replace")
        pos += 4 + length
        name, _, value = entry.partition("=")
        fields.setdefault(name.upper(), value)
    return fields


def tag_flac(data: bytes, language: str) -> bytes:
    """``data`` (a FLAC file) with one Vorbis comment block saying ``LANGUAGE=<language>``.

    Any Vorbis comment block it had is replaced; the other blocks and the audio stay as they are.
    """
    blocks, frames = _blocks(data)
    kept = [block for block in blocks if block[0] != VORBIS_COMMENT]
    # STREAMINFO must come first; the comment goes right after it.
    kept.insert(1, (VORBIS_COMMENT, _comment_block({LANGUAGE_FIELD: language})))
    out = bytearray(FLAC_MAGIC)
    for index, (kind, payload) in enumerate(kept):
        last = LAST_BLOCK if index == len(kept) - 1 else 0
        out += bytes([last | kind]) + len(payload).to_bytes(3, "big") + payload
    return bytes(out) + data[frames:]


def spoken_language(audio: bytes) -> str | None:
    """The target language a sandbox FLAC file was spoken in (its ``LANGUAGE`` Vorbis comment),
    or None for speech that was not translated (``POST /tts``). Raises ValueError for bytes that
    are not a FLAC file."""
    blocks, _ = _blocks(audio)
    for kind, payload in blocks:
        if kind == VORBIS_COMMENT:
            try:
                return _comments(payload).get(LANGUAGE_FIELD)
            except struct.error:
                raise ValueError("the FLAC file's Vorbis comment is malformed") from None
    return None
