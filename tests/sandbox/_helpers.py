"""Helpers of the sandbox tests."""

from __future__ import annotations

import time
from typing import Any

import httpx

STREAM_BODY: dict[str, Any] = {
    "text": "Hello from the Camb sandbox.",
    "language": "en-us",
    "voice_id": 147320,
}


def create_task(client: httpx.Client, text: str = "Hello from Camb.") -> str:
    response = client.post("/tts", json={"text": text, "voice_id": 147320, "language": 1})
    assert response.status_code == 200, response.text
    task_id = response.json()["task_id"]
    assert isinstance(task_id, str)
    return task_id


def wait_for_status(client: httpx.Client, task_id: str, timeout: float = 5.0) -> dict[str, Any]:
    """Poll until the task is no longer PENDING; answer its final status."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/tts/{task_id}")
        assert response.status_code == 200, response.text
        status: dict[str, Any] = response.json()
        if status["status"] != "PENDING":
            return status
        assert time.monotonic() < deadline, "task still PENDING"
        time.sleep(0.02)


def finished_run(client: httpx.Client, text: str = "Hello from Camb.") -> int:
    """Create a task, wait for it and answer its run id."""
    status = wait_for_status(client, create_task(client, text))
    assert status["status"] == "SUCCESS", status
    run_id = status["run_id"]
    assert isinstance(run_id, int)
    return run_id
