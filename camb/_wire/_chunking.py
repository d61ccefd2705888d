"""Planning the requests of a bulk call: the fewest chunks the API accepts, evenly filled."""

from __future__ import annotations

from collections.abc import Sequence

from ..api_facts import RUN_IDS_MAX_ITEMS, RUN_IDS_MIN_ITEMS

# The run ids one POST /tts-results takes (2 to 5), from the spec.
MIN_CHUNK = RUN_IDS_MIN_ITEMS
MAX_CHUNK = RUN_IDS_MAX_ITEMS


def plan_chunks(unique_ids: Sequence[int]) -> list[list[int]]:
    """Split unique ids into `ceil(n/MAX_CHUNK)` chunks of MIN_CHUNK to MAX_CHUNK ids each (2 to
    5 today), sizes differing by at most 1.

    Even sizes are what make the minimum reachable: 6 ids go as 3+3, where filling chunks of 5
    first would leave a chunk of 1, which the API refuses. A single id cannot form a chunk (the
    caller fetches it alone), and no ids need no request.
    """
    n = len(unique_ids)
    if n < MIN_CHUNK:
        return [list(unique_ids)] if n else []
    count = -(-n // MAX_CHUNK)
    size, extra = divmod(n, count)
    chunks: list[list[int]] = []
    start = 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        chunks.append(list(unique_ids[start:end]))
        start = end
    return chunks
