"""Everything one running sandbox shares between its two servers."""

from __future__ import annotations

import asyncio
import secrets
import time

from ._audio import result_flac
from ._config import SandboxConfig
from ._faults import FaultInjector
from ._language_marker import tag_flac
from ._live import LiveLog
from ._stats import Stats
from ._tasks import Task, TaskStore
from ._urls import presign


class ResultAudio:
    """The FLAC file of each finished run, rendered once and kept.

    Rendering runs in the event loop's default executor, which ``asyncio.run`` shuts down (and
    joins) when the sandbox stops.
    """

    def __init__(self) -> None:
        self._files: dict[int, bytes] = {}
        self._lock: asyncio.Lock | None = None

    async def flac(self, task: Task) -> bytes:
        assert task.run_id is not None
        cached = self._files.get(task.run_id)
        if cached is not None:
            return cached
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            cached = self._files.get(task.run_id)
            if cached is None:
                loop = asyncio.get_running_loop()
                cached = await loop.run_in_executor(None, result_flac, task.text)
                if task.language is not None:
                    cached = tag_flac(cached, task.language)
                self._files[task.run_id] = cached
            return cached


class SandboxState:
    def __init__(self, config: SandboxConfig, files_url: str) -> None:
        self.config = config
        self.files_url = files_url
        self.tasks = TaskStore(config.task_duration)
        self.stats = Stats()
        self.faults = FaultInjector(config)
        self.results = ResultAudio()
        self.live = LiveLog()
        self.secret = secrets.token_bytes(32)

    def presign(self, run_id: int) -> str:
        return presign(self.files_url, self.secret, run_id, time.time() + self.config.url_expiry)
