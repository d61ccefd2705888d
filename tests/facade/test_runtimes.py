"""The runtime contract: the blocking runtime (threads) and the asyncio runtime (tasks) keep the
same promises, so the blocking client generated from the async source behaves the same.

Every test runs against both: `map_concurrently` and `iter_ordered` keep item order, run at most
`limit` at once, carry the caller's context into the work, stop the rest when the caller is
interrupted, and start nothing new once an item fails.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import threading
from collections.abc import Callable
from typing import Any

import pytest

from camb import _async_runtime, _sync_runtime

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="unset")


class Boom(Exception):
    pass


class Runtime:
    """One runtime, driven the same way from a test: `call(fn, items, limit)` runs `fn` (written
    once, with `pause` to wait and `sleep` to be interruptible) over `items`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.module: Any = _sync_runtime if name == "sync" else _async_runtime
        self.lock = threading.Lock()
        self.running = 0
        self.peak = 0

    def wrap(self, body: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """`body(item)` as the runtime's work function, counting how many run at once."""
        if self.name == "sync":

            def work(item: Any) -> Any:
                self._enter()
                try:
                    return body(item)
                finally:
                    self._leave()

            return work

        async def awork(item: Any) -> Any:
            self._enter()
            try:
                result = body(item)
                if inspect.isawaitable(result):
                    result = await result
                return result
            finally:
                self._leave()

        return awork

    def _enter(self) -> None:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)

    def _leave(self) -> None:
        with self.lock:
            self.running -= 1

    def sleep(self, seconds: float) -> Any:
        return self.module.sleep(seconds)

    def map(self, body: Callable[[Any], Any], items: list[Any], limit: int) -> list[Any]:
        work = self.wrap(body)
        if self.name == "sync":
            return list(self.module.map_concurrently(work, items, limit))
        return asyncio.run(self.module.map_concurrently(work, items, limit))

    def ordered(
        self, body: Callable[[Any], Any], items: list[Any], limit: int, take: int | None = None
    ) -> list[Any]:
        """Results of `iter_ordered` as they are yielded; only the first `take` when given."""
        work = self.wrap(body)
        if self.name == "sync":
            got = []
            gen = self.module.iter_ordered(work, items, limit)
            for value in gen:
                got.append(value)
                if take is not None and len(got) == take:
                    gen.close()
                    break
            return got

        async def main() -> list[Any]:
            got = []
            agen = self.module.iter_ordered(work, items, limit)
            async for value in agen:
                got.append(value)
                if take is not None and len(got) == take:
                    await agen.aclose()
                    break
            return got

        return asyncio.run(main())


@pytest.fixture(params=["sync", "async"])
def runtime(request: pytest.FixtureRequest) -> Runtime:
    return Runtime(request.param)


def _pause(runtime: Runtime, item: int) -> Any:
    """Finish later items first: the item's wait shrinks as the item grows."""
    return runtime.sleep(0.002 * (10 - item % 10))


@pytest.mark.parametrize("how", ["map", "ordered"])
def test_results_come_back_in_item_order(runtime: Runtime, how: str) -> None:
    def body(item: int) -> Any:
        if runtime.name == "sync":
            _pause(runtime, item)
            return item * 2

        async def go() -> int:
            await _pause(runtime, item)
            return item * 2

        return go()

    items = list(range(20))
    call = runtime.map if how == "map" else runtime.ordered
    assert call(body, items, 4) == [i * 2 for i in items]


@pytest.mark.parametrize("how", ["map", "ordered"])
def test_no_more_than_limit_run_at_once(runtime: Runtime, how: str) -> None:
    def body(item: int) -> Any:
        return _pause(runtime, item)

    call = runtime.map if how == "map" else runtime.ordered
    call(body, list(range(16)), 3)
    assert runtime.peak == 3


@pytest.mark.parametrize("how", ["map", "ordered"])
def test_the_callers_context_travels_into_the_work(runtime: Runtime, how: str) -> None:
    """A raw response's capture travels in a context variable: work side by side must see the
    caller's (the blocking runtime's iter_ordered once did not, and with_raw_response.tts.speak
    failed after paying for every segment)."""
    call = runtime.map if how == "map" else runtime.ordered

    def body(item: int) -> str:
        return REQUEST_ID.get()

    token = REQUEST_ID.set("caller-42")
    try:
        seen = call(body, list(range(6)), 3)
    finally:
        REQUEST_ID.reset(token)
    assert seen == ["caller-42"] * 6


@pytest.mark.parametrize("how", ["map", "ordered"])
def test_a_failure_starts_nothing_new(runtime: Runtime, how: str) -> None:
    started: list[int] = []

    def body(item: int) -> Any:
        started.append(item)
        if item == 1:
            raise Boom("item 1")
        return _pause(runtime, 5)

    call = runtime.map if how == "map" else runtime.ordered
    with pytest.raises(Boom):
        call(body, list(range(50)), 2)
    # Item 1 failed while at most one other was running: far from every item started.
    assert len(started) < 10


def test_a_consumer_that_stops_early_starts_nothing_new_and_waits_for_what_runs(
    runtime: Runtime,
) -> None:
    started: list[int] = []
    finished: list[int] = []

    def body(item: int) -> Any:
        started.append(item)
        if runtime.name == "sync":
            runtime.sleep(0.01)
            finished.append(item)
            return item

        async def go() -> int:
            await runtime.sleep(0.01)
            finished.append(item)
            return item

        return go()

    got = runtime.ordered(body, list(range(40)), 3, take=2)
    assert got == [0, 1]
    assert len(started) < 10
    # Work already started was paid for: it ran to its end, none was abandoned half-way.
    assert sorted(finished) == sorted(started)


@pytest.mark.parametrize("how", ["map", "ordered"])
def test_an_interrupt_stops_the_work_still_running(runtime: Runtime, how: str) -> None:
    """Ctrl-C in a blocking caller (KeyboardInterrupt) or the cancellation of an asyncio caller
    stops the work still running at its next sleep, instead of waiting for it."""
    gave_up: list[int] = []
    call = runtime.map if how == "map" else runtime.ordered

    if runtime.name == "sync":

        def body(item: int) -> Any:
            if item == 0:
                runtime.sleep(0.05)
                raise KeyboardInterrupt
            try:
                runtime.sleep(60)
            except BaseException:
                gave_up.append(item)
                raise
            return item

        with pytest.raises(KeyboardInterrupt):
            call(body, [0, 1, 2], 3)
        # The sleeping workers were told to stop; give their threads a moment to notice.
        for _ in range(500):
            if len(gave_up) == 2:
                break
            threading.Event().wait(0.01)
        assert sorted(gave_up) == [1, 2]
        return

    both_running = asyncio.Event()

    async def abody(item: int) -> int:
        if runtime.running == 2:
            both_running.set()
        try:
            await runtime.sleep(60)
        except asyncio.CancelledError:
            gave_up.append(item)
            raise
        return item

    async def main() -> None:
        work = runtime.wrap(abody)
        if how == "map":
            task = asyncio.ensure_future(_async_runtime.map_concurrently(work, [1, 2], 2))
        else:

            async def consume() -> None:
                async for _ in _async_runtime.iter_ordered(work, [1, 2], 2):
                    pass

            task = asyncio.ensure_future(consume())
        await both_running.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert sorted(gave_up) == [1, 2]


def test_the_blocking_runtime_starts_threads_in_one_place() -> None:
    """Every piece of the blocking client that runs work side by side goes through WorkerPool
    (which copies the caller's context): no other module of camb/ starts its own pool."""
    from pathlib import Path

    root = Path(_sync_runtime.__file__).parent
    offenders = [
        path.relative_to(root).as_posix()
        for path in root.rglob("*.py")
        if "ThreadPoolExecutor(" in path.read_text(encoding="utf-8")
        and path.name != "_sync_runtime.py"
    ]
    assert offenders == []
