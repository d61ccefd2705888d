"""A fake synthesiser for the batch tests: writes a small WAV whose length follows the text,
logs every request it "sends", and can sleep, fail or answer 429 on demand."""

from __future__ import annotations

import os
import random
import threading
import time
import wave
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx

from camb import RateLimitError
from camb.batch._input import BatchItem
from camb.batch._runner import ItemResult

SAMPLE_RATE = 8000


def frames_for(item: BatchItem) -> int:
    return 80 * len(item.text)


def write_wav(path: Path, frames: int) -> None:
    """All or nothing, as the runner asks of a synthesiser (`speak()` also fsyncs)."""
    temporary = path.with_name(f".{path.name}.{threading.get_ident() % 10**8:08d}.part")
    with wave.open(str(temporary), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(b"\x01\x00" * frames)
    os.replace(temporary, path)


def rate_limit_error(retry_after: str | None = "0.01") -> RateLimitError:
    headers = {"retry-after": retry_after} if retry_after is not None else {}
    request = httpx.Request("POST", "http://127.0.0.1/tts-stream")
    response = httpx.Response(429, headers=headers, request=request)
    return RateLimitError("429 Too Many Requests", response=response, body=None)


class FakeSynth:
    """`decide(item, call_number)` returns None to succeed or an exception to raise."""

    def __init__(
        self,
        *,
        latency: Callable[[], float] = lambda: 0.0,
        decide: Callable[[BatchItem, int], BaseException | None] = lambda item, n: None,
        log_path: Path | None = None,
    ) -> None:
        self.latency = latency
        self.decide = decide
        self.calls: list[str] = []
        self._numbers: Counter[str] = Counter()
        self.concurrent = 0
        self.max_concurrent = 0
        self._lock = threading.Lock()
        self._log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT) if log_path else None

    def __call__(self, item: BatchItem, path: Path) -> ItemResult:
        with self._lock:
            self.calls.append(item.id)
            self._numbers[item.id] += 1
            number = self._numbers[item.id]
            self.concurrent += 1
            self.max_concurrent = max(self.max_concurrent, self.concurrent)
        try:
            error = self.decide(item, number)
            if self._log is not None:
                # One write() per line: O_APPEND keeps lines whole, even under SIGKILL.
                kind = "429" if isinstance(error, RateLimitError) else "start"
                os.write(self._log, f"{kind} {item.id}\n".encode())
            if isinstance(error, RateLimitError):
                raise error
            time.sleep(self.latency())
            if error is not None:
                raise error
            write_wav(path, frames_for(item))
            return ItemResult(duration=frames_for(item) / SAMPLE_RATE, credits=len(item.text) / 10)
        finally:
            with self._lock:
                self.concurrent -= 1


def random_latency(seed: int, low: float, high: float) -> Callable[[], float]:
    generator = random.Random(seed)
    lock = threading.Lock()

    def latency() -> float:
        with lock:
            return generator.uniform(low, high)

    return latency
