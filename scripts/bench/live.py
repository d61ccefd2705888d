"""Live speech: time to first audio after the first sentence against a plain `websockets`
client doing the same, memory over a one-hour session, and the word timestamp error against
the sandbox's synthetic speech (whose word times are known exactly).
"""

from __future__ import annotations

import asyncio
import json
import time
import wave
from pathlib import Path
from typing import Any

from _common import (
    VOICE_ID,
    Context,
    Row,
    Section,
    Summary,
    fmt_mib,
    fmt_ms,
    fmt_ratio,
    interleaved,
    md_table,
    run_child,
    sandbox,
)

NAME = "live"
TITLE = "Live speech over the WebSocket"
FIRST_SENTENCE = "The first sentence of a live answer is spoken at once. "
REPS = 15
TARGET_TTFA_RATIO = 1.1
TARGET_GROWTH_MIB = 16.0
SENTENCE = "Every sentence of this long session is about sixty characters. "
HOUR_SECONDS = 3600.0
SMOKE_SECONDS = 60.0
CHAR_SECONDS = 0.06


async def _camb_ttfa(url: str, api_key: str) -> float:
    from camb import AsyncCamb, LiveAudio

    client = AsyncCamb(api_key=api_key, base_url=url)
    async with client, client.tts.live(VOICE_ID, format="wav") as session:
        started = time.perf_counter()
        await session.send(FIRST_SENTENCE)
        async for event in session:
            if isinstance(event, LiveAudio):
                seconds = time.perf_counter() - started
                await session.cancel()
                return seconds
    raise RuntimeError("no audio")


async def _raw_ttfa(url: str, api_key: str) -> float:
    from websockets.asyncio.client import connect

    ws_url = url.replace("http://", "ws://") + "/live-tts/ws"
    async with connect(ws_url, additional_headers={"x-api-key": api_key}) as ws:
        start = {"type": "session.start", "voice_id": VOICE_ID, "output_format": "wav"}
        await ws.send(json.dumps(start))
        ready = json.loads(await ws.recv())
        assert ready["type"] == "session.ready", ready
        started = time.perf_counter()
        await ws.send(json.dumps({"type": "text.chunk", "text": FIRST_SENTENCE}))
        async for message in ws:
            if isinstance(message, bytes):
                return time.perf_counter() - started
    raise RuntimeError("no audio")


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def child_long_session(url: str, api_key: str, seconds: float, path: str) -> dict[str, Any]:
    """In a fresh process: one session of `seconds` of audio saved to `path` (WAV), fed
    sentence by sentence; RSS sampled as the audio grows."""
    import camb

    sentences = int(seconds / (len(SENTENCE.strip()) * CHAR_SECONDS)) + 1
    samples: list[tuple[float, float]] = []
    client = camb.Camb(api_key=api_key, base_url=url, timeout=120)

    def text() -> Any:
        for number in range(sentences):
            if number % max(1, sentences // 20) == 0:
                samples.append((number / sentences, _status_kib("VmRSS") / 1024))
            yield SENTENCE

    started = time.perf_counter()
    with client.tts.live(VOICE_ID, format="wav", text=text()) as session:
        summary = session.save(path, captions=path + ".srt")
    wall = time.perf_counter() - started
    samples.append((1.0, _status_kib("VmRSS") / 1024))
    size = Path(path).stat().st_size
    Path(path).unlink()
    Path(path + ".srt").unlink()
    return {
        "samples": samples,
        "peak_mib": _status_kib("VmHWM") / 1024,
        "duration": summary.duration,
        "segments": summary.segments,
        "bytes": size,
        "wall": wall,
    }


def _timestamp_error(url: str, api_key: str, folder: Path) -> dict[str, Any]:
    """The largest difference between a word's time in the session (as the client reports
    it) and where the sandbox's synthetic speech has it, over an LLM-like session."""
    import camb

    text = (
        "Word times are checked against the synthetic speech. Each letter is sixty "
        "milliseconds of tone, each space or mark sixty of silence! So the truth is known, "
        "to the sample? It is, and the client's times should match it exactly."
    )
    chunks = [text[i : i + 5] for i in range(0, len(text), 5)]
    client = camb.Camb(api_key=api_key, base_url=url)
    events = []
    with client.tts.live(VOICE_ID, format="wav", text=chunks) as session:
        for event in session:
            events.append(event)
    done = [e for e in events if isinstance(e, camb.LiveSegmentDone)]
    worst = 0.0
    offset = 0.0
    words = 0
    for segment in done:
        cursor = 0
        for word in segment.words or ():
            index = segment.text.index(word.word, cursor)
            cursor = index + len(word.word)
            truth_start = offset + index * CHAR_SECONDS
            truth_end = offset + (index + len(word.word)) * CHAR_SECONDS
            worst = max(
                worst,
                abs(word.session_start - truth_start),
                abs(word.session_end - truth_end),
            )
            words += 1
        offset += len(segment.text) * CHAR_SECONDS
    with client.tts.live(VOICE_ID, format="wav", text=chunks) as session:
        session.save(folder / "truth.wav")
    with wave.open(str(folder / "truth.wav")) as reader:
        audio_seconds = reader.getnframes() / reader.getframerate()
    return {
        "worst": worst,
        "words": words,
        "audio_error": abs(audio_seconds - offset),
    }


def run(ctx: Context) -> Section:
    import tempfile

    reps = ctx.reps(REPS, smoke=2)
    seconds = SMOKE_SECONDS if ctx.smoke else HOUR_SECONDS
    with sandbox() as sb, tempfile.TemporaryDirectory(prefix="camb-bench-live-") as tmp:
        loop = asyncio.new_event_loop()
        try:
            ttfa = interleaved(
                {
                    "camb": lambda: loop.run_until_complete(_camb_ttfa(sb.url, sb.api_key)),
                    "raw": lambda: loop.run_until_complete(_raw_ttfa(sb.url, sb.api_key)),
                },
                reps,
            )
        finally:
            loop.close()
        long = run_child(
            "live",
            "child_long_session",
            timeout=1800,
            url=sb.url,
            api_key=sb.api_key,
            seconds=seconds,
            path=str(Path(tmp) / "long.wav"),
        )
        error = _timestamp_error(sb.url, sb.api_key, Path(tmp))
    camb_ttfa, raw_ttfa = Summary.of(ttfa["camb"]), Summary.of(ttfa["raw"])
    ratio = camb_ttfa.median / raw_ttfa.median
    rss = [mib for _, mib in long["samples"]]
    settled = rss[min(2, len(rss) - 1)]  # after the first tenth of the session
    growth = max(rss) - settled
    rows = [
        Row(
            NAME,
            "time to first audio after the first sentence",
            camb_ttfa.fmt(fmt_ms),
            raw_ttfa.fmt(fmt_ms),
            fmt_ratio(ratio),
            f"<= {TARGET_TTFA_RATIO:g}x",
            ratio <= TARGET_TTFA_RATIO,
        ),
        Row(
            NAME,
            f"memory growth over a {long['duration'] / 60:.0f}-minute session (save + captions)",
            fmt_mib(growth),
            "",
            "",
            f"<= {TARGET_GROWTH_MIB:g} MiB",
            growth <= TARGET_GROWTH_MIB,
        ),
        Row(
            NAME,
            "word timestamp error against the sandbox's synthetic speech",
            fmt_ms(error["worst"]),
            "",
            "",
            "0 ms (< 0.5 ms)",
            error["worst"] < 0.0005,
        ),
    ]
    samples = md_table(
        ("share of the text sent", "RSS"),
        [[f"{share:.0%}", fmt_mib(mib)] for share, mib in long["samples"]],
    )
    body = "\n".join(
        [
            f"Reproduce: {ctx.reproduce(NAME)}. The sandbox runs in its own process.",
            "",
            "- **Time to first audio**: a session is opened (session.ready), then the clock "
            f"starts, one sentence ({len(FIRST_SENTENCE)} characters) is sent as one "
            "text.chunk, and stops at the first audio byte. camb: `AsyncCamb().tts.live()` "
            "with `send()` and `async for`; baseline: a plain `websockets` client sending the "
            "same frames, with that library's defaults (which negotiate permessage-deflate: "
            "camb turns compression off, as audio does not compress and the server pays for "
            f"trying). {reps} runs each, interleaved: camb {camb_ttfa.fmt(fmt_ms)}, "
            f"websockets {raw_ttfa.fmt(fmt_ms)}.",
            f"- **Memory**: one session of {long['duration'] / 60:.1f} minutes of audio "
            f"({long['segments']} segments, {long['bytes'] / 2**20:.0f} MiB of WAV), fed "
            "sentence by sentence and written with `save(path, captions=...)`, in a fresh "
            f"process; it took {long['wall']:.0f} s. RSS as the text went out (growth "
            f"counted from the first tenth on: {fmt_mib(growth)}):",
            "",
            samples,
            "",
            f"- **Word timestamps**: {error['words']} words of an LLM-like session; the "
            "sandbox speaks 60 ms per character, so each word's true place in the session's "
            "audio is known. Largest difference between the client's `session_start`/"
            f"`session_end` and the truth: {fmt_ms(error['worst'])}; the saved audio's length "
            f"against the segments' sum: {fmt_ms(error['audio_error'])}.",
        ]
    )
    return Section(NAME, TITLE, body, rows)
