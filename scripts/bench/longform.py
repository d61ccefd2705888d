"""Long-form speech: `tts.speak()` of a 30,000-character text against the ideal for its
segments at the sandbox's latency, against the same segments streamed one after another with
`stream().save()`, time to first audio of `speak_stream()`, and peak memory for an hour of
audio.

Everything runs against one sandbox in its own process, with `LATENCY` seconds added to every
request. The timed variants run in this process, interleaved run by run; the memory run is a
fresh child process per measurement (the sandbox's memory is not in it).
"""

from __future__ import annotations

import math
import os
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import (
    VOICE_ID,
    Context,
    Row,
    Section,
    Summary,
    api_requests,
    fmt_mib,
    fmt_ratio,
    fmt_seconds,
    md_table,
    run_child,
    sandbox,
)

NAME = "longform"
TITLE = "Long-form speech: `tts.speak()` of 30,000 characters, and an hour of audio"
LANGUAGE = "en-us"
FORMAT = "wav"
LATENCY = 0.3  # seconds the sandbox adds to every request
CONCURRENCY = 8
CHARS = 30_000
HOUR_CHARS = 60_000  # 60 ms of speech per character: one hour
SWEEP = (1, 2, 4, 16)  # the plot's other concurrencies (CONCURRENCY is measured by the reps)
REPS = 5
MEMORY_REPS = 3
# Smoke: a few segments, little latency, minutes of audio instead of an hour.
SMOKE = {"chars": 4_000, "hour_chars": 6_000, "latency": 0.05, "sweep": (2,)}

TARGET_IDEAL = 1.25
TARGET_SPEEDUP = 3.0
TARGET_FIRST_AUDIO = 1.25
TARGET_GROWTH_MIB = 64.0

_WORDS = [
    "river",
    "mountain",
    "quiet",
    "morning",
    "village",
    "light",
    "garden",
    "window",
    "story",
    "market",
    "music",
    "winter",
    "summer",
    "letter",
    "travel",
    "distant",
    "forest",
    "ancient",
    "bridge",
    "harbor",
    "evening",
    "silver",
    "golden",
    "gentle",
    "careful",
    "bright",
    "season",
    "painter",
    "teacher",
    "doctor",
    "farmer",
    "sailor",
    "engine",
    "machine",
    "journey",
    "answer",
    "question",
    "library",
    "museum",
    "country",
    "island",
    "valley",
    "meadow",
    "thunder",
    "whisper",
    "shadow",
    "candle",
    "mirror",
    "kitchen",
    "station",
    "orchard",
    "lantern",
    "compass",
    "blanket",
    "voyage",
]


def make_text(chars: int, seed: int = 12) -> str:
    """Prose of about `chars` characters: sentences of 8 to 18 words in paragraphs of 6 to 14
    sentences (about 1,000 characters), every sentence different, so no two segments share a
    cache key. Deterministic."""
    rng = random.Random(seed)
    paragraphs: list[str] = []
    total = 0
    while total < chars:
        sentences = []
        for _ in range(rng.randint(6, 14)):
            words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 18))]
            sentences.append(" ".join(words).capitalize() + rng.choice(".....!?"))
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        total += len(paragraph) + 2
    text = "\n\n".join(paragraphs)[:chars]
    return text.rsplit(" ", 1)[0] + "."


def segment_texts(text: str) -> list[str]:
    """The segments `speak()` makes of `text` (its own planner, so the baseline asks for the
    very same pieces)."""
    from camb._longform._segmenting import plan_segments

    return [segment.text for segment in plan_segments(text, join_paragraphs=True)]


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def child_memory(url: str, api_key: str, chars: int, concurrency: int, folder: str):
    """In a fresh process: `speak()` of `chars` characters into `folder`; its time, what it
    made, and the process's memory growth during the call (peak RSS over RSS just before)."""
    import camb

    client = camb.Camb(api_key=api_key, base_url=url, timeout=120)
    text = make_text(chars, seed=34)
    path = Path(folder) / "hour.wav"
    exact = _reset_peak()
    before = _status_kib("VmRSS") if exact else _status_kib("VmHWM")
    started = time.perf_counter()
    result = client.tts.speak(
        text,
        VOICE_ID,
        LANGUAGE,
        path,
        concurrency=concurrency,
        cache_dir=Path(folder) / "segments",
    )
    seconds = time.perf_counter() - started
    peak = _status_kib("VmHWM")
    size = path.stat().st_size
    path.unlink()
    return {
        "seconds": seconds,
        "segments": result.segments,
        "bytes": size,
        "duration": result.duration,
        "growth_mib": (peak - before) / 1024,
        "rss_before_mib": before / 1024,
        "exact_peak": exact,
    }


def _fresh(folder: Path, name: str) -> Path:
    path = folder / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def measure(ctx: Context) -> dict[str, Any]:
    import camb
    from camb._longform._audio_join import Joiner

    chars = SMOKE["chars"] if ctx.smoke else CHARS
    hour_chars = SMOKE["hour_chars"] if ctx.smoke else HOUR_CHARS
    latency = SMOKE["latency"] if ctx.smoke else LATENCY
    sweep = SMOKE["sweep"] if ctx.smoke else SWEEP
    reps = ctx.reps(REPS)
    text = make_text(chars)
    segments = segment_texts(text)
    out: dict[str, Any] = {
        "chars": len(text),
        "segment_chars": [len(s) for s in segments],
        "latency": latency,
        "reps": reps,
        "hour_chars": hour_chars,
        "speak": [],
        "sequential": [],
        "per_segment": [],
        "first_segment": [],
        "join": [],
        "first_audio": [],
        "stream_total": [],
        "sweep": {},
        "memory": [],
    }
    with (
        sandbox(latency=latency, task_duration=0) as sb,
        tempfile.TemporaryDirectory(prefix="camb-bench-longform-") as tmp_name,
    ):
        tmp = Path(tmp_name)
        client = camb.Camb(api_key=sb.api_key, base_url=sb.url, timeout=120)
        # Warm up: the connection pool and every import of the code paths.
        client.tts.stream(segments[0], VOICE_ID, LANGUAGE, format=FORMAT).save(tmp / "warm.wav")

        def speak(concurrency: int) -> float:
            folder = _fresh(tmp, "speak")
            started = time.perf_counter()
            result = client.tts.speak(
                text,
                VOICE_ID,
                LANGUAGE,
                folder / "out.wav",
                concurrency=concurrency,
                cache_dir=folder / "segments",
            )
            seconds = time.perf_counter() - started
            if result.segments != len(segments) or result.cached_segments:
                raise RuntimeError(f"speak made {result!r}, not {len(segments)} new segments")
            shutil.rmtree(folder)
            return seconds

        def sequential() -> float:
            folder = _fresh(tmp, "sequential")
            times, paths = [], []
            for index, segment in enumerate(segments):
                path = folder / f"{index:04d}.wav"
                started = time.perf_counter()
                client.tts.stream(segment, VOICE_ID, LANGUAGE, format=FORMAT).save(path)
                times.append(time.perf_counter() - started)
                paths.append(path)
            # The join, as speak() does it: into a temporary file, fsync, rename into place.
            started = time.perf_counter()
            joined = folder / ".joined.wav.part"
            with open(joined, "wb") as file:
                joiner = Joiner(FORMAT, file)
                for path in paths:
                    joiner.add(path)
                joiner.finish()
                file.flush()
                os.fsync(file.fileno())
            os.replace(joined, folder / "joined.wav")
            out["join"].append(time.perf_counter() - started)
            out["per_segment"].extend(times)
            out["first_segment"].append(times[0])
            shutil.rmtree(folder)
            return sum(times)

        def first_audio() -> float:
            folder = _fresh(tmp, "stream")
            started = time.perf_counter()
            chunks = client.tts.speak_stream(
                text,
                VOICE_ID,
                LANGUAGE,
                format=FORMAT,
                concurrency=CONCURRENCY,
                cache_dir=folder / "segments",
            )
            first = next(iter(chunks))
            seconds = time.perf_counter() - started
            size = len(first) + sum(len(chunk) for chunk in chunks)
            out["stream_total"].append(time.perf_counter() - started)
            if size <= len(first):
                raise RuntimeError("speak_stream gave one chunk only")
            shutil.rmtree(folder)
            return seconds

        variants = {
            "speak": lambda: speak(CONCURRENCY),
            "sequential": sequential,
            "first_audio": first_audio,
        }
        names = list(variants)
        for rep in range(reps):
            shift = rep % len(names)
            for name in names[shift:] + names[:shift]:
                out[name].append(variants[name]())
        for concurrency in sweep:
            out["sweep"][concurrency] = speak(concurrency)
        for _ in range(ctx.reps(MEMORY_REPS)):
            folder = _fresh(tmp, "memory")
            out["memory"].append(
                run_child(
                    "longform",
                    "child_memory",
                    url=sb.url,
                    api_key=sb.api_key,
                    chars=hour_chars,
                    concurrency=CONCURRENCY,
                    folder=str(folder),
                )
            )
            shutil.rmtree(folder)
        out["requests"] = api_requests(sb.stats(), "create_tts_stream")
    return out


def ideal_seconds(segments: int, concurrency: int, segment: float, join: float) -> float:
    """`concurrency` requests at a time, each taking one segment's time, then the join."""
    return math.ceil(segments / concurrency) * segment + join


def plot(data: dict[str, Any], segment: float, join: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(data["segment_chars"])
    points = {CONCURRENCY: Summary.of(data["speak"]).median, **data["sweep"]}
    xs = sorted(points)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(xs, [points[c] for c in xs], "o-", label="tts.speak(concurrency=c)")
    fine = range(1, max(xs) + 1)
    ax.plot(
        list(fine),
        [ideal_seconds(n, c, segment, join) for c in fine],
        "k:",
        alpha=0.7,
        label="ideal: ceil(segments / c) x one segment + join",
    )
    ax.axhline(
        Summary.of(data["sequential"]).median,
        color="tab:red",
        ls="--",
        alpha=0.6,
        label="segments one after another, stream().save()",
    )
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    seconds = matplotlib.ticker.FuncFormatter(lambda value, _: f"{value:g} s")
    ax.yaxis.set_major_formatter(seconds)
    ax.yaxis.set_minor_formatter(seconds)
    ax.set_xticks(xs, [str(c) for c in xs])
    ax.set_xlabel("concurrency c")
    ax.set_ylabel("wall time (s)")
    ax.set_title(
        f"speak(): {data['chars']:,} characters, {n} segments, "
        f"+{data['latency'] * 1e3:.0f} ms per request"
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run(ctx: Context) -> Section:
    data = measure(ctx)
    n = len(data["segment_chars"])
    speak = Summary.of(data["speak"])
    sequential = Summary.of(data["sequential"])
    segment = Summary.of(data["per_segment"])
    first_segment = Summary.of(data["first_segment"])
    join = Summary.of(data["join"])
    first_audio = Summary.of(data["first_audio"])
    stream_total = Summary.of(data["stream_total"])
    ideal = ideal_seconds(n, CONCURRENCY, segment.median, join.median)
    to_ideal = speak.median / ideal
    speedup = sequential.median / speak.median
    to_first = first_audio.median / first_segment.median
    memory = data["memory"]
    growth = Summary.of([m["growth_mib"] for m in memory])
    hour = memory[0]
    img = ctx.img_dir / "longform.png"
    plot(data, segment.median, join.median, img)

    rows = [
        Row(
            "longform",
            f"speak(), {data['chars']:,} chars, {n} segments, c={CONCURRENCY}: wall / ideal",
            speak.fmt(fmt_seconds),
            f"ideal {fmt_seconds(ideal)}",
            fmt_ratio(to_ideal),
            f"<= {TARGET_IDEAL:g}x",
            to_ideal <= TARGET_IDEAL,
        ),
        Row(
            "longform",
            "speak() speed-up over the segments one after another",
            speak.fmt(fmt_seconds),
            sequential.fmt(fmt_seconds),
            fmt_ratio(speedup),
            f">= {TARGET_SPEEDUP:g}x",
            speedup >= TARGET_SPEEDUP,
        ),
        Row(
            "longform",
            "speak_stream(): first audio / the first segment alone",
            first_audio.fmt(fmt_seconds),
            first_segment.fmt(fmt_seconds),
            fmt_ratio(to_first),
            f"<= {TARGET_FIRST_AUDIO:g}x",
            to_first <= TARGET_FIRST_AUDIO,
        ),
        Row(
            "longform",
            f"speak() of {hour['duration'] / 60:.0f} min of audio: peak memory growth (worst)",
            fmt_mib(growth.high),
            "",
            "",
            f"<= {TARGET_GROWTH_MIB:g} MiB",
            growth.high <= TARGET_GROWTH_MIB,
        ),
    ]
    sweep_table = [
        [
            str(c),
            fmt_seconds(seconds),
            fmt_seconds(ideal_seconds(n, c, segment.median, join.median)),
            fmt_ratio(seconds / ideal_seconds(n, c, segment.median, join.median)),
        ]
        for c, seconds in sorted({CONCURRENCY: speak.median, **data["sweep"]}.items())
    ]
    timing_table = [
        [f"`speak(concurrency={CONCURRENCY})`, whole call", speak.fmt(fmt_seconds)],
        [
            "the segments one after another, `stream(format='wav').save()` each",
            sequential.fmt(fmt_seconds),
        ],
        [
            "one segment's request (median over every segment of every run)",
            segment.fmt(fmt_seconds),
        ],
        ["the first segment's request", first_segment.fmt(fmt_seconds)],
        ["joining the segments' files into one (fsync, rename)", join.fmt(fmt_seconds)],
        [f"`speak_stream(concurrency={CONCURRENCY})`: first bytes", first_audio.fmt(fmt_seconds)],
        [f"`speak_stream(concurrency={CONCURRENCY})`: last bytes", stream_total.fmt(fmt_seconds)],
    ]
    chars = data["segment_chars"]
    findings = []
    if to_ideal > TARGET_IDEAL:
        findings.append(
            f"**Wall / ideal missed**: {fmt_ratio(to_ideal)} against <= {TARGET_IDEAL:g}x: "
            f"{fmt_seconds(speak.median - ideal)} more than {math.ceil(n / CONCURRENCY)} rounds "
            "of one segment's time plus the join. With a fixed latency per request the rounds "
            "are the bound; the rest is what running requests side by side costs on this "
            "machine's two cores (the sandbox makes every segment's audio at once)."
        )
    if speedup < TARGET_SPEEDUP:
        findings.append(
            f"**Speed-up missed**: {fmt_ratio(speedup)} against >= {TARGET_SPEEDUP:g}x; "
            f"with c={CONCURRENCY} the most there is would be {CONCURRENCY}x less the join."
        )
    if to_first > TARGET_FIRST_AUDIO:
        findings.append(
            f"**First audio missed**: {fmt_ratio(to_first)} of the first segment alone. "
            f"`speak_stream` starts {CONCURRENCY} segments at once, so the first one shares the "
            "client and the sandbox with the others."
        )
    exact = all(m["exact_peak"] for m in memory)
    body = "\n\n".join(
        [
            f"Reproduce: {ctx.reproduce(NAME)}. One sandbox in its own process adds "
            f"{data['latency'] * 1e3:.0f} ms to every request and speaks 60 ms of audio per "
            f"character. The text: {data['chars']:,} characters of generated prose (sentences "
            "of 8 to 18 words, paragraphs of 6 to 14 sentences, no two sentences alike, so no "
            f"segment comes from the cache), which `speak()` cuts into {n} segments of "
            f"{min(chars):,} to {max(chars):,} characters (a segment never spans a paragraph "
            f"break). Output `{FORMAT}` (the sandbox's 48 kHz 16-bit PCM: "
            f"{data['chars'] * 0.06 / 60:.0f} min of audio). The three timed variants are "
            f"interleaved run by run, median (min\u2013max) of {data['reps']} runs; each "
            "writes into a fresh folder of a temporary directory on the same disk. *Ideal* is "
            f"ceil({n} / {CONCURRENCY}) x one segment's request time (median of every segment "
            "of the one-after-another runs) + the time to join those segments' files into "
            "one (measured on them, with the same fsync and rename as `speak()`). The "
            "one-after-another baseline counts only the requests, no join.",
            md_table(["what", "time"], timing_table),
            f"Concurrency (one run each but c={CONCURRENCY}; the plot):",
            md_table(["concurrency", "speak()", "ideal", "x ideal"], sweep_table),
            f"![speak wall time against concurrency](img/{img.name})",
            f"Memory: `speak()` of {data['hour_chars']:,} characters ("
            f"{hour['duration'] / 60:.0f} min of audio, {hour['segments']} segments, "
            f"{hour['bytes'] / (1 << 20):.0f} MiB of WAV) with c={CONCURRENCY}, each run in a "
            "fresh child process (the sandbox is another process); growth is the child's peak "
            "RSS during the call over its RSS just before ("
            + (
                "peak mark reset through `/proc/self/clear_refs`, read from `VmHWM`"
                if exact
                else "`VmHWM` against the peak so far: no `clear_refs` here"
            )
            + f"): {growth.fmt(fmt_mib)} over {len(memory)} run(s), in "
            f"{Summary.of([m['seconds'] for m in memory]).fmt(fmt_seconds)}. Segments go to "
            "disk as they arrive and the join copies them in 1 MiB pieces, so the growth does "
            "not follow the length.",
            "The sandbox's answers to `create_tts_stream` over the whole section, by status: "
            + ", ".join(f"{status}: {count:,}" for status, count in data["requests"].items())
            + ".",
            *findings,
        ]
    )
    return Section(NAME, TITLE, body, rows, plots=[img])
