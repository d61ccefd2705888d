"""A live session's audio as one file: each segment is a complete file in the session's
format, joined here in order (headers merged) as segments complete. Blocking file I/O only."""

from __future__ import annotations

import io
from typing import BinaryIO

from .._longform._audio_join import Joiner, _soundfile
from ._events import LiveAudio, LiveEvent, LiveSegmentDone
from ._protocol import WIRE_FORMATS


class SessionAudioWriter:
    """Feed it every event; it writes the joined audio into `out` (seekable, empty). Memory:
    one segment's audio at most."""

    def __init__(self, output_format: str, out: BinaryIO) -> None:
        self._format = output_format
        self._out = out
        self._segment = bytearray()
        self._joiner: Joiner | None = None
        if output_format != "flac":
            self._joiner = Joiner(WIRE_FORMATS[output_format], out)

    def feed(self, event: LiveEvent) -> None:
        if isinstance(event, LiveAudio):
            self._segment += event.data
        elif isinstance(event, LiveSegmentDone):
            audio, self._segment = bytes(self._segment), bytearray()
            if self._format == "flac":
                audio = self._flac_pcm(audio)
            assert self._joiner is not None
            self._joiner.add(audio)

    def _flac_pcm(self, audio: bytes) -> bytes:
        # FLAC files cannot be appended to one another: decoded, then encoded once.
        soundfile = _soundfile()
        data, rate = soundfile.read(io.BytesIO(audio), dtype="int16", always_2d=False)
        if self._joiner is None:
            self._joiner = Joiner("flac", self._out, sample_rate=int(rate))
        pcm: bytes = data.astype("<i2").tobytes()
        return pcm

    def finish(self) -> None:
        if self._joiner is not None:
            self._joiner.finish()
