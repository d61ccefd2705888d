"""``/live-tts/ws``: Camb's Live TTS WebSocket, as ``openapi/camb-live-tts.asyncapi.json``
and Camb's page describe it, with the sandbox's synthetic speech.

- Auth: ``x-api-key`` header or ``?api_key=``; missing or wrong: ``session.error``, close 4401.
- The first frame must be a valid ``session.start`` with a voice of ``GET /list-voices`` and a
  locale of mars-8.1-flash-beta: else ``session.error``, close 4400. Then ``session.ready``
  (a session id and a run id, from the task store's run ids).
- Text is cut into segments at sentence ends (``.!?`` followed by a space or the end of what
  has arrived) and at paragraph breaks, at once; what is left is spoken after ``idle_timeout``
  seconds without text (the idle flush) or on ``text.done``. A malformed frame later on:
  ``session.error``, close 4400.
- Each segment, in order: ``segment.start`` (its text, stripped, and with
  ``word_timestamps=true`` the exact times of its words in the synthetic audio: 60 ms per
  character at speaking rate 1, a word from its first to its last letter or digit), binary
  frames of at most 64 KiB (the segment as one complete file in ``output_format``; aac is
  ADTS), ``segment.done``. Then ``session.done`` and a normal close.
- Triggers in a segment's text: ``[skip]`` makes it ``segment.skipped`` (its retries "ran
  out"); ``[drop]`` cuts the connection (no close frame) where that segment would start.
- Credits: ``live_credits`` (None: unlimited) is what each session may spend, one credit per
  character, charged before each segment; running out: ``session.error``, close 4402.

Every frame both ways is logged in ``state.live`` (``Sandbox.live_sessions()``), for tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import uuid
from typing import Any

import attrs
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from camb import live_protocol as msg
from camb.api_facts import SAMPLE_RATES, STREAM_LOCALES, AudioFormat

from ._audio import sample_rate_problem, stream_audio
from ._protocol import scope_transport
from ._synth import clamp_speaking_rate, segment_samples
from ._voices import VOICES_BY_ID

FIRST_FRAME_TIMEOUT = 10.0
# How long (in 5 ms steps) a [drop] waits for what was sent before it to leave.
DRAIN_POLLS = 400
SKIP_TRIGGER = "[skip]"
DROP_TRIGGER = "[drop]"
_WORD = re.compile(r"[^\W_](?:[\w'\u2019-]*[^\W_])?")
_WIRE_FORMAT: dict[str, AudioFormat] = {"mp3": "mp3", "wav": "wav", "flac": "flac", "aac": "adts"}


@attrs.define
class LiveRecord:
    """One session as the sandbox saw it: every JSON frame each way, the binary frame sizes,
    and how it ended (``close_code``; ``ended_by`` is "server", "client" or "drop")."""

    client_frames: list[dict[str, Any]] = attrs.field(factory=list)
    server_frames: list[dict[str, Any]] = attrs.field(factory=list)
    audio_frames: list[int] = attrs.field(factory=list)
    close_code: int | None = None
    ended_by: str | None = None
    key_in_query: bool = False
    credits_used: int = 0


class LiveLog:
    """The sessions of one sandbox, oldest first."""

    def __init__(self) -> None:
        self.sessions: list[LiveRecord] = []


def word_timestamps(
    text: str, speaking_rate: float | None, sample_rate: int
) -> list[dict[str, Any]]:
    """The exact times of ``text``'s words in its synthetic speech (seconds, from its start)."""
    samples = segment_samples(sample_rate, speaking_rate)
    words = []
    for match in _WORD.finditer(text):
        start = match.start() * samples / sample_rate
        end = match.end() * samples / sample_rate
        words.append({"word": match.group(), "start": start, "end": end})
    return words


class _Refused(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Dropped(Exception):
    """The connection was cut on purpose (``[drop]``)."""


class LiveServerSession:
    def __init__(self, state: Any, websocket: WebSocket) -> None:
        self.state = state
        self.ws = websocket
        self.record = LiveRecord()
        self.config: dict[str, Any] = {}
        self.sample_rate = SAMPLE_RATES[msg.SPEECH_MODEL]
        self.segments: asyncio.Queue[str | None] = asyncio.Queue()
        self.next_id = 0
        self.client_gone = False

    async def run(self) -> None:
        self.state.live.sessions.append(self.record)
        await self.ws.accept()
        try:
            self._authenticate()
            await self._start()
            await self._converse()
        except _Refused as refused:
            await self._refuse(refused.code, refused.message)
        except _Dropped:
            self.record.ended_by = "drop"
            transport = scope_transport(self.ws.scope)
            if isinstance(transport, asyncio.Transport):
                # The cut comes where the segment would start: what was sent before it
                # reaches the client first (abort() would throw away what is still queued).
                for _ in range(DRAIN_POLLS):
                    if transport.is_closing() or not transport.get_write_buffer_size():
                        break
                    await asyncio.sleep(0.005)
                transport.abort()
        except (WebSocketDisconnect, OSError, RuntimeError):
            self.record.ended_by = self.record.ended_by or "client"

    def _authenticate(self) -> None:
        key = self.ws.headers.get("x-api-key")
        if key is None:
            key = self.ws.query_params.get("api_key")
            self.record.key_in_query = key is not None
        if key is None:
            raise _Refused(msg.CLOSE_BAD_KEY, "Missing API key: send it in the x-api-key header.")
        if key != self.state.config.api_key:
            raise _Refused(msg.CLOSE_BAD_KEY, "Invalid API key.")

    async def _receive_frame(self, timeout: float | None) -> dict[str, Any] | None:
        """The next JSON frame (None when ``timeout`` passed first)."""
        try:
            message = await asyncio.wait_for(self.ws.receive(), timeout)
        except asyncio.TimeoutError:
            return None
        if message["type"] == "websocket.disconnect":
            self.client_gone = True
            raise WebSocketDisconnect(message.get("code", 1000))
        text = message.get("text")
        if text is None:
            raise _Refused(msg.CLOSE_BAD_REQUEST, "Binary frames are not accepted; send JSON.")
        try:
            frame = json.loads(text)
        except ValueError:
            raise _Refused(msg.CLOSE_BAD_REQUEST, "Frames must be JSON objects.") from None
        if not isinstance(frame, dict):
            raise _Refused(msg.CLOSE_BAD_REQUEST, "Frames must be JSON objects.")
        self.record.client_frames.append(frame)
        return frame

    async def _start(self) -> None:
        frame = await self._receive_frame(FIRST_FRAME_TIMEOUT)
        if frame is None:
            raise _Refused(msg.CLOSE_BAD_REQUEST, "No session.start arrived in time.")
        if frame.get("type") != "session.start":
            raise _Refused(msg.CLOSE_BAD_REQUEST, "The first frame must be session.start.")
        problems = msg.problems("SessionStart", frame)
        if problems:
            raise _Refused(msg.CLOSE_BAD_REQUEST, f"Invalid session.start: {problems[0]}.")
        config = {**msg.SESSION_DEFAULTS, **frame}
        config.pop("type")
        if config["voice_id"] not in VOICES_BY_ID:
            raise _Refused(
                msg.CLOSE_BAD_REQUEST, f"Voice {config['voice_id']} is not available to this key."
            )
        if config["language"] not in STREAM_LOCALES:
            raise _Refused(
                msg.CLOSE_BAD_REQUEST,
                f"Language '{config['language']}' is not supported by {msg.SPEECH_MODEL}.",
            )
        idle = config["idle_timeout"]
        if idle <= 0:
            raise _Refused(msg.CLOSE_BAD_REQUEST, "idle_timeout must be > 0.")
        if config.get("sample_rate") is not None:
            self.sample_rate = config["sample_rate"]
        problem = sample_rate_problem(_WIRE_FORMAT[config["output_format"]], self.sample_rate)
        if problem:
            raise _Refused(msg.CLOSE_BAD_REQUEST, problem)
        self.config = config
        run_id = self.state.tasks.create(" ").run_id
        await self._send_json(
            {
                "type": "session.ready",
                "session_id": str(uuid.uuid4()),
                "run_id": run_id,
                "config": {**config, "speech_model": msg.SPEECH_MODEL},
            }
        )

    async def _converse(self) -> None:
        reader = asyncio.ensure_future(self._read())
        writer = asyncio.ensure_future(self._write())
        waiting: set[asyncio.Future[None]] = {reader, writer}
        try:
            while not writer.done():
                done, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    failure = task.exception()
                    if failure is not None:
                        raise failure
        finally:
            for task in (reader, writer):
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(BaseException):
                        await task
        await self._send_json({"type": "session.done"})
        self.record.close_code = 1000
        self.record.ended_by = "server"
        await self.ws.close(1000)

    async def _read(self) -> None:
        """Frames in, segments out (into the queue), until text.done."""
        buffer = ""
        idle = float(self.config["idle_timeout"])
        while True:
            frame = await self._receive_frame(idle if buffer.strip() else None)
            if frame is None:  # the idle flush
                self.segments.put_nowait(buffer)
                buffer = ""
                continue
            kind = frame.get("type")
            if kind == "text.chunk":
                problems = msg.problems("TextChunk", frame)
                if problems:
                    raise _Refused(msg.CLOSE_BAD_REQUEST, f"Invalid text.chunk: {problems[0]}.")
                ready, buffer = msg.split_ready(buffer + frame["text"])
                for sentence in ready:
                    self.segments.put_nowait(sentence)
            elif kind == "text.done":
                if buffer.strip():
                    self.segments.put_nowait(buffer)
                self.segments.put_nowait(None)
                return
            else:
                raise _Refused(msg.CLOSE_BAD_REQUEST, f"Unexpected frame type {kind!r}.")

    async def _write(self) -> None:
        while True:
            text = await self.segments.get()
            if text is None:
                return
            await self._segment(text.strip())

    async def _segment(self, text: str) -> None:
        segment_id, self.next_id = self.next_id, self.next_id + 1
        if DROP_TRIGGER in text:
            raise _Dropped
        if SKIP_TRIGGER in text:
            await self._send_json(
                {"type": "segment.skipped", "segment_id": segment_id, "text": text}
            )
            return
        limit = self.state.config.live_credits
        if limit is not None and self.record.credits_used + len(text) > limit:
            raise _Refused(msg.CLOSE_NO_CREDITS, "Insufficient credits.")
        self.record.credits_used += len(text)
        start: dict[str, Any] = {"type": "segment.start", "segment_id": segment_id, "text": text}
        rate = self.config.get("speaking_rate")
        if self.config["word_timestamps"]:
            start["word_timestamps"] = word_timestamps(text, rate, self.sample_rate)
        await self._send_json(start)
        audio = stream_audio(
            text,
            _WIRE_FORMAT[self.config["output_format"]],
            sample_rate=self.sample_rate,
            speaking_rate=clamp_speaking_rate(rate),
        )
        chunks = iter(audio.chunks)
        pending = b""
        while True:
            if audio.blocking:
                chunk = await asyncio.get_running_loop().run_in_executor(None, next, chunks, None)
            else:
                chunk = next(chunks, None)
            if chunk is None:
                break
            pending += bytes(chunk)
            while len(pending) >= msg.AUDIO_FRAME_MAX_BYTES:
                await self._send_bytes(pending[: msg.AUDIO_FRAME_MAX_BYTES])
                pending = pending[msg.AUDIO_FRAME_MAX_BYTES :]
        if pending:
            await self._send_bytes(pending)
        await self._send_json({"type": "segment.done", "segment_id": segment_id})

    async def _send_json(self, frame: dict[str, Any]) -> None:
        self.record.server_frames.append(frame)
        await self.ws.send_text(msg.encode(frame))

    async def _send_bytes(self, data: bytes) -> None:
        if self.client_gone:
            raise WebSocketDisconnect(1000)
        self.record.audio_frames.append(len(data))
        await self.ws.send_bytes(data)

    async def _refuse(self, code: int, message: str) -> None:
        self.record.close_code = code
        self.record.ended_by = "server"
        if self.ws.client_state is WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await self._send_json({"type": "session.error", "error": message})
                await self.ws.close(code, message[:120])


async def live_tts(websocket: WebSocket) -> None:
    """The ``/live-tts/ws`` endpoint."""
    state = websocket.app.state.sandbox
    await LiveServerSession(state, websocket).run()
