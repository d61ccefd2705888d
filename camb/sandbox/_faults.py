"""Fault decisions: which API requests are dropped, refused (429), failed (5xx) or truncated.

Every decision draws the same number of values from one ``random.Random(seed)``, whatever the
outcome, so a seeded sandbox answers the same sequence of requests with the same faults.
"""

from __future__ import annotations

import random
import threading

import attrs

from ._config import SandboxConfig


@attrs.frozen
class FaultDecision:
    """What happens to one request. At most one of drop / status applies (drop first)."""

    drop: bool = False
    status: int | None = None  # 429, 500 or 503
    html: bool = False  # for a 5xx: a proxy's HTML page instead of JSON
    truncate: bool = False  # for a binary audio body: cut short
    short_audio: bool = False  # for a WAV stream: a header declaring more data than is sent

    @property
    def any(self) -> bool:
        return self.drop or self.status is not None or self.truncate or self.short_audio


NO_FAULT = FaultDecision()


def decide(rng: random.Random, config: SandboxConfig) -> FaultDecision:
    """One request's faults. Draws exactly six values from ``rng``, and a seventh only when
    ``rate_short_audio`` is set (so the sequences of existing seeds stay as they were)."""
    drop, limit, fail, pick, page, truncate = (rng.random() for _ in range(6))
    cut = truncate < config.rate_truncate
    cut_header = config.rate_short_audio > 0 and rng.random() < config.rate_short_audio
    if drop < config.rate_drop:
        return FaultDecision(drop=True, truncate=cut, short_audio=cut_header)
    if limit < config.rate_429:
        return FaultDecision(status=429, truncate=cut, short_audio=cut_header)
    if fail < config.rate_5xx:
        status = 503 if pick < 0.5 else 500
        return FaultDecision(
            status=status, html=page < config.html_share, truncate=cut, short_audio=cut_header
        )
    return FaultDecision(truncate=cut, short_audio=cut_header)


def decide_truncate(rng: random.Random, config: SandboxConfig) -> bool:
    """Whether one file download is cut short. Draws exactly one value."""
    return rng.random() < config.rate_truncate


def format_retry_after(seconds: float) -> str:
    """A Retry-After value: whole seconds as an integer, fractions with up to 3 decimals."""
    text = f"{seconds:.3f}".rstrip("0").rstrip(".")
    return text or "0"


class FaultInjector:
    """The sandbox's fault source: a seeded generator shared by both servers, thread-safe."""

    def __init__(self, config: SandboxConfig) -> None:
        self._config = config
        self._rng = random.Random(config.seed)
        self._lock = threading.Lock()

    def for_request(self) -> FaultDecision:
        with self._lock:
            return decide(self._rng, self._config)

    def for_download(self) -> bool:
        with self._lock:
            return decide_truncate(self._rng, self._config)
