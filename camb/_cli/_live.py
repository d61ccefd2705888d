"""`camb live`: live speech from the command line.

Text comes from an argument, a file (-f), or stdin as it arrives (a pipe from another
program: each read is sent at once, so speech starts with the first sentence). Audio goes to a
file (-o FILE, written atomically) or to stdout (-o -, one stream: segments joined as they
complete), captions to --captions FILE.srt|.vtt|.json.
"""

from __future__ import annotations

import argparse
import asyncio
import codecs
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._live._events import LiveAudio, LiveSegmentDone, LiveSkipped, LiveSummary
from .._longform._captions import LiveCaptionCollector, caption_format
from ..live_protocol import OUTPUT_FORMATS
from ._support import Console, ExitStatus, UsageError

if TYPE_CHECKING:
    from .._async._client import AsyncCamb

READ_SIZE = 4096
LIVE_EXTENSIONS = {".mp3": "mp3", ".wav": "wav", ".flac": "flac", ".aac": "aac"}


def add_parser(command: Any) -> None:
    """`camb live`'s arguments; `command(name, help)` makes the subparser."""
    live = command(
        "live",
        "live speech over Camb's WebSocket: text in as it comes (a pipe), audio out as made",
    )
    live.add_argument(
        "text", nargs="?", help="what to say (or `-`, or nothing with a pipe: stdin as it comes)"
    )
    live.add_argument("-f", "--file", metavar="FILE", help="read the text from FILE (UTF-8)")
    live.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="FILE",
        help="the audio file (.mp3 .wav .flac .aac), or `-` for stdout",
    )
    live.add_argument("--voice-id", type=int, metavar="N", help="the voice (default: the first)")
    live.add_argument("--language", default="en-us", metavar="LOCALE", help="default en-us")
    live.add_argument(
        "--format",
        choices=OUTPUT_FORMATS,
        metavar="FORMAT",
        help="mp3, wav, flac or aac (default: from the extension, else mp3)",
    )
    live.add_argument(
        "--captions", metavar="FILE", help="captions too: FILE.srt, FILE.vtt or FILE.json"
    )
    live.add_argument(
        "--idle-timeout",
        type=float,
        metavar="S",
        help="seconds without text after which a fragment without a sentence end is spoken",
    )
    live.set_defaults(api_command=live_command)


def add_caption_arguments(parser: Any) -> None:
    """`--captions FILE` and `--caption-sentences` of `camb speak`."""
    parser.add_argument(
        "--captions",
        metavar="FILE",
        help="captions beside the audio: FILE.srt, FILE.vtt or FILE.json (a timeline that "
        "says which cues are exact)",
    )
    parser.add_argument(
        "--caption-sentences",
        action="store_true",
        help="one request per sentence, so that every caption is exact (more requests, the "
        "same characters)",
    )


def checked_captions(args: argparse.Namespace) -> str | None:
    """The --captions file, its extension checked before anything is sent."""
    captions: str | None = args.captions
    if captions is not None:
        caption_format(captions, "--captions")
    elif getattr(args, "caption_sentences", False):
        raise UsageError("--caption-sentences needs --captions FILE")
    return captions


def _format(args: argparse.Namespace) -> str:
    if args.format is not None:
        return str(args.format)
    if args.output == "-":
        return "mp3"
    suffix = Path(args.output).suffix.lower()
    if suffix not in LIVE_EXTENSIONS:
        raise UsageError(
            f"cannot tell the audio format from {args.output!r}: use .mp3, .wav, .flac or "
            ".aac, or give --format"
        )
    return LIVE_EXTENSIONS[suffix]


async def _stdin_chunks() -> AsyncIterator[str]:
    """stdin as it arrives, decoded as UTF-8 (read in a thread: the loop keeps running)."""
    fd = sys.stdin.fileno()
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    while True:
        data = await asyncio.to_thread(os.read, fd, READ_SIZE)
        text = decoder.decode(data, final=not data)
        if text:
            yield text
        if not data:
            return


def _text_source(args: argparse.Namespace) -> str | AsyncIterator[str]:
    if args.text is not None and args.file is not None:
        raise UsageError("give the text as an argument or with -f FILE, not both")
    if args.file is not None:
        try:
            return Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"cannot read {args.file!r}: {error}") from None
    if args.text is not None and args.text != "-":
        return str(args.text)
    if args.text is None and sys.stdin.isatty():
        raise UsageError("give the text as an argument, with -f FILE, or through a pipe")
    return _stdin_chunks()


async def live_command(client: AsyncCamb, args: argparse.Namespace, console: Console) -> ExitStatus:
    fmt = _format(args)
    checked_captions(args)
    if args.output == "-" and fmt == "flac":
        raise UsageError("FLAC cannot be streamed to stdout here: use a file, or another format")
    source = _text_source(args)
    voice_id = args.voice_id
    if voice_id is None:
        voices = await client.voices.list()
        if not voices:
            raise UsageError("the account has no voices: give --voice-id")
        voice_id = voices[0].id
    session = client.tts.live(
        voice_id,
        text=source,
        language=args.language,
        format=fmt,  # type: ignore[arg-type]
        idle_timeout=args.idle_timeout,
    )
    async with session:
        if args.output == "-":
            summary = await _to_stdout(session, fmt, args.captions)
        else:
            summary = await session.save(args.output, captions=args.captions)
    for skipped in summary.skipped:
        console.note(f"segment {skipped.segment_id} was skipped by the server: {skipped.text!r}")
    if console.json_mode:
        console.emit_json(
            {
                "path": args.output,
                "format": fmt,
                "voice_id": voice_id,
                "run_id": summary.run_id,
                "segments": summary.segments,
                "cached_segments": summary.cached_segments,
                "skipped": [s.text for s in summary.skipped],
                "bytes": summary.bytes,
                "duration": summary.duration,
                "time_to_first_audio": summary.time_to_first_audio,
                "captions": args.captions,
            }
        )
    elif args.output != "-":
        cached = f", {summary.cached_segments} from the cache" if summary.cached_segments else ""
        console.out(
            f"wrote {args.output} ({summary.duration:.1f} s, {summary.segments} segments"
            f"{cached}, run {summary.run_id})"
        )
    return ExitStatus.OK if not summary.skipped else ExitStatus.FAILED


async def _to_stdout(session: Any, fmt: str, captions: str | None) -> LiveSummary:
    """The session's audio on stdout, one stream: each segment as soon as it is complete."""
    from .._live._protocol import WIRE_FORMATS
    from .._longform._audio_join import StreamJoiner

    joiner = StreamJoiner(WIRE_FORMATS[fmt])
    out = sys.stdout.buffer
    collector = LiveCaptionCollector(captions) if captions else None
    segment = bytearray()
    summary: LiveSummary | None = None
    async for event in session:
        if collector is not None:
            collector.feed(event)
        if isinstance(event, LiveAudio):
            segment += event.data
        elif isinstance(event, LiveSegmentDone):
            for chunk in joiner.feed(bytes(segment)):
                out.write(chunk)
            out.flush()
            segment = bytearray()
        elif isinstance(event, LiveSummary):
            summary = event
        elif isinstance(event, LiveSkipped):
            pass
    assert summary is not None
    if collector is not None:
        collector.write(session.text_sent)
    return summary
