"""How the asyncio client sleeps and runs work side by side: tasks on the running loop.

The asyncio half of the sync/async split; `_sync_runtime` is the blocking half, and
`scripts/unasync.py` turns every `_async_runtime` in the async source into `_sync_runtime`.
Cancelling the caller (Ctrl-C under `asyncio.run`) cancels every task it started.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from typing import TypeVar

ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")


async def sleep(seconds: float) -> None:
    """Sleep without blocking the event loop."""
    await asyncio.sleep(seconds)


async def map_concurrently(
    fn: Callable[[ItemT], Awaitable[ResultT]], items: Sequence[ItemT], limit: int
) -> list[ResultT]:
    """`fn` over `items`, at most `limit` at a time; results in order.

    `limit` workers take the next item as they finish one, as the blocking client's threads do.
    """
    results: dict[int, ResultT] = {}
    indexes = iter(range(len(items)))

    async def worker() -> None:
        for index in indexes:
            results[index] = await fn(items[index])

    tasks = [asyncio.ensure_future(worker()) for _ in range(min(limit, len(items)))]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        raise
    return [results[index] for index in range(len(items))]


def current_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop: the one an `AsyncCamb`'s connections belong to."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def is_running(loop: object) -> bool:
    """Whether `loop` (from `current_loop`) is still running, in this thread or another."""
    return (
        isinstance(loop, asyncio.AbstractEventLoop) and loop.is_running() and not loop.is_closed()
    )


async def iter_ordered(
    fn: Callable[[ItemT], Awaitable[ResultT]], items: Sequence[ItemT], limit: int
) -> AsyncGenerator[ResultT, None]:
    """`fn` over `items`, at most `limit` running at a time; yields each result in item order,
    as soon as it and every one before it are done.

    If a result raises, or the consumer stops early, nothing new starts and the ones already
    running are waited for (their work, paid for, is not thrown away); if the caller is
    cancelled, every task is cancelled.
    """
    gate = asyncio.Semaphore(limit)
    started: set[int] = set()

    async def run(index: int) -> ResultT:
        async with gate:
            started.add(index)
            return await fn(items[index])

    tasks = [asyncio.ensure_future(run(index)) for index in range(len(items))]
    finished = False
    try:
        for task in tasks:
            yield await task
        finished = True
    except asyncio.CancelledError:
        for task in tasks:
            task.cancel()
        raise
    finally:
        if not finished:
            waiting = [t for i, t in enumerate(tasks) if i not in started or t.done()]
            for task in waiting:
                task.cancel()
            running = [t for t in tasks if not t.done()]
            if running:
                await asyncio.gather(*running, return_exceptions=True)
            for task in tasks:
                if task.done() and not task.cancelled():
                    task.exception()  # retrieved, so asyncio does not log it as lost
