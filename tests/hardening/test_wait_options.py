"""Issue 20: `wait()`, `wait_many()` and `create_and_wait()` send the caller's
`extra_headers` and `extra_query` with every poll (a gateway in front of the API needs them on
each request), as openai-python's `create_and_poll` does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .conftest import Api
from .hostile_server import HostileServer, Reply, json_reply

HEADERS = {"X-Gateway-Route": "tts-eu"}
QUERY = {"tenant": "acme"}


def tasks_handler() -> Callable[[Any], Reply]:
    polls: dict[str, int] = {}

    def handler(seen: Any) -> Reply:
        if seen.method == "POST" and seen.path == "/tts":
            return json_reply({"task_id": "task-1"})
        if seen.path.startswith("/tts/"):
            task_id = seen.path.rsplit("/", 1)[1]
            polls[task_id] = polls.get(task_id, 0) + 1
            if polls[task_id] < 3:
                return json_reply({"status": "PENDING"})
            return json_reply({"status": "SUCCESS", "run_id": 40 + len(task_id)})
        return Reply(404)

    return handler


CALLS = {
    "wait": lambda c, extra: c.tts.wait("task-1", poll_interval=0.01, **extra),
    "wait_many": lambda c, extra: c.tts.wait_many(
        ["task-1", "task-22"], poll_interval=0.01, **extra
    ),
    "create_and_wait": lambda c, extra: c.tts.create_and_wait("Hello there", 1, 1, **extra),
}


@pytest.mark.parametrize("call", list(CALLS))
def test_every_poll_carries_the_extra_headers_and_query(
    make_api: Callable[..., Api], call: str
) -> None:
    with HostileServer(tasks_handler()) as server:
        api = make_api(base_url=server.url)
        api(lambda c: CALLS[call](c, {"extra_headers": HEADERS, "extra_query": QUERY}))
        polls = [seen for seen in server.seen if seen.path.startswith("/tts/")]
        assert len(polls) >= 3
        for seen in server.seen:
            assert seen.headers.get("x-gateway-route") == "tts-eu", (seen.method, seen.path)
            assert "tenant=acme" in seen.query, (seen.method, seen.target)
