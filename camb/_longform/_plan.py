"""Long-form speech without the network: what to ask for, what is cached, what to report.

`tts.speak()` (camb/_async/_speak.py and its generated twin) splits text with `_segmenting`,
asks `/tts-stream` for each segment, and joins the audio with `_audio_join`. This module holds
the decisions around that which do no network I/O: the output format a path implies, each
segment's cache key, the on-disk segment cache, and the result and progress values.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs

from .. import _validation as check
from .._exceptions import FileWriteError, InvalidInputError
from .._files import is_special, remove_leftovers_in
from .._models import AUDIO_FORMATS, AudioFormat
from .._wire._file_format import check_name_matches_format
from ._audio_join import wire_format_for
from ._audio_layout import PCM_WIDTHS
from ._segmenting import Segment

# A file name's extension -> the format `speak()` writes when none is given.
FORMAT_OF_EXTENSION: Mapping[str, AudioFormat] = {
    ".wav": "wav",
    ".flac": "flac",
    ".mp3": "mp3",
    ".aac": "adts",
    ".adts": "adts",
    ".pcm": "pcm_s16le",
}
EXTENSION_OF_FORMAT: Mapping[str, str] = {
    "wav": ".wav",
    "flac": ".flac",
    "mp3": ".mp3",
    "adts": ".aac",
}


def speech_format(path: Path, format: object) -> AudioFormat:
    """The output format: the one asked for, else the one the file name's extension names."""
    if format is not None:
        chosen: AudioFormat = check.choice("format", format, AUDIO_FORMATS)
        check_name_matches_format("path", path, chosen)
        return chosen
    by_extension = FORMAT_OF_EXTENSION.get(path.suffix.lower())
    if by_extension is None:
        raise InvalidInputError(
            "format",
            f"is needed: the extension of {path.name!r} names no audio format "
            f"(use {', '.join(FORMAT_OF_EXTENSION)}, or pass format=)",
            show_value=False,
        )
    return by_extension


def segment_extension(format: str) -> str:
    return EXTENSION_OF_FORMAT.get(format, ".pcm")


@attrs.frozen
class SegmentJob:
    """One segment to synthesise: its place, its text, and the cache key of its audio."""

    segment: Segment
    key: str


def segment_key(text: str, request: Mapping[str, Any]) -> str:
    """A stable key for a segment's audio: its text and every option that shapes the sound."""
    canonical = json.dumps({"text": text, **request}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


@attrs.frozen
class SegmentAudio:
    """A segment's audio on disk, and what it cost (0 when it came from the cache)."""

    index: int
    path: Path
    bytes: int
    credits: float | None
    cached: bool


class SegmentCache:
    """Finished segments on disk, so that a failed or interrupted `speak()` resumes for free.

    A segment is stored as `<key><ext>`, written atomically (complete or absent). What it cost
    is not kept: a segment found here costs nothing now.
    """

    def __init__(self, folder: Path, extension: str) -> None:
        self.folder = folder
        self.extension = extension

    def open(self) -> None:
        """Make the folder before segments are written to it side by side."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # Temporary files of segments whose writers were killed (never a live one's).
            remove_leftovers_in(self.folder)
        except OSError as exc:
            raise FileWriteError(
                f"cannot make the segment cache {str(self.folder)!r}: {exc.strerror}",
                path=str(self.folder),
            ) from exc

    def audio_path(self, key: str) -> Path:
        return self.folder / f"{key}{self.extension}"

    def lookup(self, index: int, key: str) -> SegmentAudio | None:
        audio = self.audio_path(key)
        try:
            size = audio.stat().st_size
        except OSError:
            return None
        return SegmentAudio(index=index, path=audio, bytes=size, credits=None, cached=True)

    def drop(self, key: str) -> None:
        """Remove one segment (audio that cannot be used); never raises."""
        with contextlib.suppress(OSError):
            self.audio_path(key).unlink()

    def discard(self, keys: list[str]) -> None:
        """Remove these segments (after the joined file is safely written) and the folder if
        nothing else is left in it; never raises."""
        for key in keys:
            with contextlib.suppress(OSError):
                self.audio_path(key).unlink()
        with contextlib.suppress(OSError):
            self.folder.rmdir()


def as_sentence(text: str) -> str:
    """`text` ending in one full stop (an error's message may already end in one)."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def default_cache_folder(destination: Path) -> Path:
    """Beside the destination and named after it, so that a resumed call finds it, it shares
    the destination's disk, and calls writing other files never share it. A destination that
    is a device, FIFO or terminal (`/dev/null`, `/dev/stdout`) gets its folder in the system's
    temporary folder instead, named after its path: nothing is made beside it in `/dev`."""
    if is_special(destination):
        digest = hashlib.sha256(os.fsencode(os.path.abspath(destination))).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f".camb-{destination.name}-{digest}.segments"
    return destination.parent / f".{destination.name}.segments"


def remove_segment_cache(destination: Path) -> None:
    """Remove the default segment cache of `destination` (its file is complete); never
    raises. Only segment files and temporaries are removed, then the folder if empty."""
    folder = default_cache_folder(destination)
    try:
        entries = list(folder.iterdir())
    except OSError:
        return
    remove_leftovers_in(folder)
    for entry in entries:
        if entry.is_file() and not entry.name.endswith(".part"):
            with contextlib.suppress(OSError):
                entry.unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()


def cache_folder(param: str, value: object, destination: Path) -> Path:
    if value is None:
        return default_cache_folder(destination)
    if not isinstance(value, (str, os.PathLike)) or isinstance(value, bytes):
        raise InvalidInputError(param, "must be a str or os.PathLike folder", value)
    folder = Path(value)
    if folder.exists() and not folder.is_dir():
        raise InvalidInputError(param, "must be a folder, not a file", value)
    return folder


@attrs.frozen
class SpeechProgress:
    """How far `speak()` is: segments done (in text order) of the total, and how many of
    them came from the cache."""

    done: int
    total: int
    cached: int
    bytes: int


OnProgress = Callable[[SpeechProgress], object]


@attrs.frozen
class SpeechResult:
    """What `speak()` made: one file holding the whole text's audio.

    `duration` is in seconds where the format tells it; `credits` is the sum of the
    `X-Credits-Required` headers of the segments synthesised by this call (None when the
    server sent none); `cached_segments` came from an earlier, interrupted call for free.
    `sample_rate` is the audio's own, as its headers say (not the one asked for: a server may
    answer another); for raw PCM output it is the only place the rate is told.
    """

    path: Path
    format: AudioFormat
    segments: int
    bytes: int
    duration: float | None
    credits: float | None
    cached_segments: int
    sample_rate: int | None = None


def wire_request(
    format: AudioFormat, sample_rate: int | None, model_rate: int | None = None
) -> dict[str, Any]:
    """The format and sample rate to ask the API for, given the output format.

    Raw PCM says nothing about itself, and a server may ignore the `sample_rate` asked for, so
    a pcm_* or FLAC output (FLAC is encoded from samples) asks for WAV: its header tells the
    real rate, channels and sample layout, and its length can be checked. The caller's
    `sample_rate` is passed on as asked (None: the model's own). `model_rate` is not used: no
    rate is assumed.
    """
    wire_format_for(format)  # checks the format, and the audio extra for FLAC
    wire: AudioFormat = "wav" if format == "flac" or format in PCM_WIDTHS else format
    return {"format": wire, "sample_rate": sample_rate}


def add_credits(total: float | None, more: float | None) -> float | None:
    if more is None:
        return total
    return more if total is None else total + more
