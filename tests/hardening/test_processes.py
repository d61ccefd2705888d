"""Classes 10 and 11: processes, threads and event loops.

After `os.fork()` the parent and the child never share a pooled connection (seen from the
server: the child's requests come over connections of its own, and each side gets its own
answers). One `AsyncCamb` works under `asyncio.run()` twice in a row, and refuses (with
`ClientStateError`) to be used from a second event loop while the first is mid-request; the
blocking `Camb` is shared by threads.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import pytest

import camb

from .conftest import KEY, Api
from .hostile_server import HostileServer, Reply, json_reply, wait_until


def echo_voices(seen: Any) -> Reply:
    """A voice list naming who asked (the `who` query) and over which connection."""
    who = parse_qs(seen.query).get("who", ["?"])[0]
    delay = 1.0 if who.startswith("slow") else 0.0
    return json_reply([{"id": seen.connection_id, "voice_name": who}], delay=delay)


def ask(client: Any, who: str) -> Any:
    return client.voices.list(extra_query={"who": who})


def child_requests(kind: str, client: Any) -> list[list[Any]]:
    """What the child process does with the parent's client: two requests."""
    if kind == "sync":
        return [[v.voice_name, v.id] for who in ("child-1", "child-2") for v in ask(client, who)]

    async def run() -> list[list[Any]]:
        answers = []
        for who in ("child-1", "child-2"):
            answers += [[v.voice_name, v.id] for v in await ask(client, who)]
        return answers

    return asyncio.run(run())


def test_after_fork_parent_and_child_never_share_a_pooled_connection(
    make_api: Callable[..., Api], server: HostileServer, kind: str
) -> None:
    server.handler = echo_voices
    api = make_api(base_url=server.url)
    first = api(lambda c: ask(c, "parent-0"))
    parent_connection = first[0].id

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report and leave without running anything of pytest's
        status = 0
        try:
            os.close(read_end)
            report: Any = child_requests(kind, api.client)
        except BaseException as exc:
            report, status = {"error": repr(exc)}, 1
        try:
            os.write(write_end, json.dumps(report).encode())
        finally:
            os._exit(status)
    os.close(write_end)
    parent = [
        [v.voice_name, v.id]
        for who in ("parent-1", "parent-2")
        for v in api(lambda c, who=who: ask(c, who))
    ]
    with os.fdopen(read_end, "rb") as pipe:
        child = json.loads(pipe.read() or b"null")
    _, status = os.waitpid(pid, 0)

    assert os.waitstatus_to_exitcode(status) == 0, child
    # Each side got its own answers...
    assert [name for name, _ in child] == ["child-1", "child-2"]
    assert [name for name, _ in parent] == ["parent-1", "parent-2"]
    # ...over its own connections: the child never used the parent's pooled socket.
    child_connections = {conn for _, conn in child}
    parent_connections = {parent_connection} | {conn for _, conn in parent}
    assert child_connections.isdisjoint(parent_connections)
    # The parent's pool survived the fork (keep-alive, so the test means something).
    assert parent_connections == {parent_connection}
    assert all(seen.headers.get("x-api-key") == KEY for seen in server.seen)


def test_one_async_client_under_asyncio_run_twice_in_a_row(server: HostileServer) -> None:
    server.handler = echo_voices
    client = camb.AsyncCamb(api_key=KEY, base_url=server.url)

    first = asyncio.run(ask(client, "run-1"))
    second = asyncio.run(ask(client, "run-2"))
    asyncio.run(client.close())

    assert [v.voice_name for v in first + second] == ["run-1", "run-2"]
    # The first loop's connection is gone with its loop: the second run made its own.
    assert first[0].id != second[0].id


def test_one_async_client_from_two_loops_at_once_is_a_client_state_error(
    server: HostileServer,
) -> None:
    server.handler = echo_voices
    client = camb.AsyncCamb(api_key=KEY, base_url=server.url)
    outcome: dict[str, Any] = {}

    def first_loop() -> None:
        try:
            outcome["answer"] = asyncio.run(ask(client, "slow-first"))
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=first_loop)
    thread.start()
    try:
        assert wait_until(lambda: len(server.seen) == 1)
        with pytest.raises(camb.ClientStateError):
            asyncio.run(ask(client, "second"))
    finally:
        thread.join(timeout=10)

    assert "error" not in outcome, outcome.get("error")
    assert [v.voice_name for v in outcome["answer"]] == ["slow-first"]
    assert [seen.query for seen in server.seen] == ["who=slow-first"]


def test_one_client_shared_by_threads_answers_each_its_own(
    make_api: Callable[..., Api], server: HostileServer, kind: str
) -> None:
    # The blocking client is meant to be shared by threads; the asyncio one by the tasks of
    # one loop. Either way, every caller gets its own answer.
    names = [f"slow-{i}" for i in range(8)]
    # No answer goes out until all eight requests are in: calls made one after another
    # would never get there, and the barrier's timeout would fail the test.
    all_in = threading.Barrier(len(names), timeout=10)

    def answer_when_all_are_in(seen: Any) -> Reply:
        if "slow" not in seen.query:
            return echo_voices(seen)
        all_in.wait()
        return json_reply([{"id": 1, "voice_name": parse_qs(seen.query)["who"][0]}])

    server.handler = answer_when_all_are_in
    api = make_api(base_url=server.url)
    if kind == "sync":
        answers: dict[str, Any] = {}
        threads = [
            threading.Thread(target=lambda n=n: answers.__setitem__(n, ask(api.client, n)))
            for n in names
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        got = {n: answers[n][0].voice_name for n in names}
    else:

        async def all_at_once() -> list[Any]:
            return list(await asyncio.gather(*(ask(api.client, n) for n in names)))

        got = {n: a[0].voice_name for n, a in zip(names, api.run(all_at_once()), strict=True)}
    assert got == {n: n for n in names}
    assert not all_in.broken, "the calls ran one after another"
