"""Request counters, shared by both servers and read from any thread."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any, Literal

OPERATIONS: tuple[str, ...] = (
    "create_tts_stream",
    "create_tts",
    "get_tts_status",
    "get_tts_result",
    "get_tts_results",
    "list_voices",
    "create_translated_tts",
    "get_translated_tts_status",
)
FaultKind = Literal["429", "5xx", "drop", "truncate", "short_audio"]
FAULT_KINDS: tuple[FaultKind, ...] = ("429", "5xx", "drop", "truncate", "short_audio")
Server = Literal["api", "files"]


class Stats:
    """What the sandbox has seen since it started (or since the last reset)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: Counter[str] = Counter()  # connections open now: not reset
        self._reset()

    def _reset(self) -> None:
        self._requests = 0
        self._attempts: Counter[str] = Counter()
        self._statuses: dict[str, Counter[str]] = {name: Counter() for name in OPERATIONS}
        self._faults: Counter[str] = Counter()
        self._file_requests = 0
        self._file_requests_with_key = 0
        self._file_statuses: Counter[str] = Counter()
        self._connections: Counter[str] = Counter()

    def reset(self) -> None:
        with self._lock:
            self._reset()

    def request(self, operation: str) -> None:
        """An API request reached ``operation`` (counted even if it is then dropped)."""
        with self._lock:
            self._requests += 1
            self._attempts[operation] += 1

    def answered(self, operation: str, status: int) -> None:
        with self._lock:
            self._statuses.setdefault(operation, Counter())[str(status)] += 1

    def fault(self, kind: FaultKind) -> None:
        with self._lock:
            self._faults[kind] += 1

    def file_request(self, *, with_api_key: bool) -> None:
        with self._lock:
            self._file_requests += 1
            if with_api_key:
                self._file_requests_with_key += 1

    def file_answered(self, status: int) -> None:
        with self._lock:
            self._file_statuses[str(status)] += 1

    def connection_opened(self, server: Server) -> None:
        with self._lock:
            self._connections[server] += 1
            self._open[server] += 1

    def connection_closed(self, server: Server) -> None:
        with self._lock:
            self._open[server] -= 1

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready copy of the counters."""
        with self._lock:
            return {
                "requests": self._requests,
                "attempts": {name: self._attempts[name] for name in self._statuses},
                "by_operation": {name: dict(codes) for name, codes in self._statuses.items()},
                "faults": {kind: self._faults[kind] for kind in FAULT_KINDS},
                "file_requests": self._file_requests,
                "file_requests_with_api_key": self._file_requests_with_key,
                "file_by_status": dict(self._file_statuses),
                "connections": {
                    "api": self._connections["api"],
                    "files": self._connections["files"],
                },
                "open_connections": {"api": self._open["api"], "files": self._open["files"]},
            }
