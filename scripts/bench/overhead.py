"""Per-call overhead: CPU time of `status()` and of a `results()` chunk against raw httpx making
the same request, both over the same in-process `httpx.MockTransport` (no network, no server),
so what is left is the client's own work: building, sending, parsing.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
from _common import Context, Row, Section, Summary, fmt_ratio, fmt_us, interleaved, md_table

import camb

NAME = "overhead"
TITLE = "Per-call overhead: CPU time against raw httpx"
BASE = "https://client.camb.ai/apis"
KEY = "bench-key-0123456789"
TASK_ID = "6f1f1e9c-0b7a-4e0a-9d59-5b1f6f7f2a10"
RUN_IDS = list(range(1000, 1100))  # 100 ids: 20 chunks of 5 per results() call
CHUNK = 5
TARGET = 1.3

STATUS_BODY = json.dumps(
    {"status": "SUCCESS", "run_id": 4242, "exception_reason": None, "message": None}
).encode()
JSON_HEADERS = {"content-type": "application/json"}


def handler(request: httpx.Request) -> httpx.Response:
    """The fake API both sides talk to: a task status, and bulk URLs for the ids asked for."""
    path = request.url.path
    if request.method == "GET" and path.startswith("/apis/tts/"):
        return httpx.Response(200, content=STATUS_BODY, headers=JSON_HEADERS)
    if request.method == "POST" and path == "/apis/tts-results":
        ids = json.loads(request.content)["run_ids"]
        body = {
            str(i): {"output_url": f"https://files.example/files/{i}.flac?expires=1&signature=ab"}
            for i in ids
        }
        return httpx.Response(200, content=json.dumps(body).encode(), headers=JSON_HEADERS)
    return httpx.Response(404, json={"detail": "Not Found"})


def cpu_per_call(call: Callable[[], object], calls: int, per_call: int = 1) -> Callable[[], float]:
    """A measurement: CPU seconds (time.process_time) per unit over `calls` calls, each of
    which does `per_call` units."""

    def measure() -> float:
        gc.collect()
        started = time.process_time()
        for _ in range(calls):
            call()
        return (time.process_time() - started) / (calls * per_call)

    return measure


def measure(ctx: Context) -> dict[str, Any]:
    transport = httpx.MockTransport(handler)
    raw = httpx.Client(transport=transport)
    client = camb.Camb(api_key=KEY, base_url=BASE, http_client=httpx.Client(transport=transport))
    headers = {"x-api-key": KEY}
    chunks = [RUN_IDS[i : i + CHUNK] for i in range(0, len(RUN_IDS), CHUNK)]

    def raw_status() -> str:
        response = raw.get(f"{BASE}/tts/{TASK_ID}", headers=headers)
        response.raise_for_status()
        status: str = response.json()["status"]
        return status

    def raw_results() -> dict[int, str]:
        urls: dict[int, str] = {}
        for chunk in chunks:
            response = raw.post(f"{BASE}/tts-results", json={"run_ids": chunk}, headers=headers)
            response.raise_for_status()
            urls.update({int(k): v["output_url"] for k, v in response.json().items()})
        return urls

    def camb_status() -> camb.TaskStatus:
        return client.tts.status(TASK_ID)

    def camb_results() -> camb.BulkResults:
        return client.tts.results(RUN_IDS)

    # Same answers from both sides before timing anything.
    assert camb_status().run_id == 4242
    assert raw_status() == "SUCCESS"
    assert dict(camb_results().urls) == raw_results()

    status_calls = 300 if ctx.smoke else 3000
    result_calls = 15 if ctx.smoke else 150
    reps = ctx.reps(7, smoke=2)
    per = len(chunks)
    for call in (raw_status, camb_status, raw_results, camb_results):  # warm up
        for _ in range(50):
            call()
    status = interleaved(
        {
            "raw": cpu_per_call(raw_status, status_calls),
            "camb": cpu_per_call(camb_status, status_calls),
        },
        reps,
    )
    results = interleaved(
        {
            "raw": cpu_per_call(raw_results, result_calls, per),
            "camb": cpu_per_call(camb_results, result_calls, per),
        },
        reps,
    )
    client.close()
    raw.close()
    return {
        "status": status,
        "results": results,
        "reps": reps,
        "status_calls": status_calls,
        "result_chunks": result_calls * per,
    }


def run(ctx: Context) -> Section:
    data = measure(ctx)
    rows, table = [], []
    for key, label in (("status", "`status()`"), ("results", "`results()`, per chunk of 5")):
        c, r = Summary.of(data[key]["camb"]), Summary.of(data[key]["raw"])
        # The ratio of medians, and its spread over the paired (same-round) runs.
        pairs = [a / b for a, b in zip(data[key]["camb"], data[key]["raw"], strict=True)]
        ratio = c.median / r.median
        table.append(
            [
                label,
                c.fmt(fmt_us),
                r.fmt(fmt_us),
                fmt_ratio(ratio),
                f"{fmt_ratio(min(pairs))}\u2013{fmt_ratio(max(pairs))}",
                fmt_us(c.median - r.median),
            ]
        )
        rows.append(
            Row(
                "overhead",
                f"CPU per {label.replace('`', '')}",
                c.fmt(fmt_us),
                r.fmt(fmt_us),
                fmt_ratio(ratio),
                f"<= {TARGET:g}x",
                ratio <= TARGET,
            )
        )
    body = "\n\n".join(
        [
            f"Reproduce: {ctx.reproduce(NAME)}. CPU time (`time.process_time`) per call, over "
            f"{data['status_calls']} `status()` calls and {data['result_chunks']} bulk chunks "
            f"(`results()` of {len(RUN_IDS)} ids = {len(RUN_IDS) // CHUNK} chunks of 5 per "
            "call, default settings) per run; median (min\u2013max) of "
            f"{data['reps']} runs, camb and raw httpx interleaved. Both sides use an "
            "`httpx.Client` over the same `httpx.MockTransport` handler. Raw httpx does what "
            "a careful hand-written call does: the request with the key header, "
            "`raise_for_status()`, `.json()`, and picking out the status or the URLs.",
            md_table(
                [
                    "call",
                    "camb CPU",
                    "raw httpx CPU",
                    "ratio (medians)",
                    "ratio, paired runs",
                    "camb's extra per call",
                ],
                table,
            ),
        ]
    )
    return Section(NAME, TITLE, body, rows)
