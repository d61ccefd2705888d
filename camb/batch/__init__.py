"""Durable batch jobs: a file of many lines in, a folder of audio files out, resumable.

    import camb, camb.batch

    client = camb.Camb()
    result = camb.batch.run(client, "lines.jsonl", out="audio/", concurrency=8)
    print(result.summary)

The pieces: `_input` (JSON Lines / CSV checked whole before anything is sent), `_identity`
(what makes an item's audio, deterministic sharding), `_state` (the SQLite state in the output
folder), `_manifest` (`manifest.jsonl`, `camb batch status --json`), `_aimd` (adaptive
concurrency under rate limits), `_runner` (the loop over a synthesiser), `_api` (`run`).
"""

from .._constants import DEFAULT_BATCH_CONCURRENCY, DEFAULT_MAX_ATTEMPTS
from ._aimd import AimdLimiter
from ._api import plan, run, run_async, status
from ._identity import Shard, parse_shard, shard_of
from ._input import BatchInputError, BatchItem, InputProblem, ReadResult, read_items
from ._manifest import ManifestWriteError
from ._runner import BatchResult, ItemResult, Progress
from ._state import BatchLockedError, BatchStateError, BatchStateWriteError, Summary

__all__ = [
    "DEFAULT_BATCH_CONCURRENCY",
    "DEFAULT_MAX_ATTEMPTS",
    "AimdLimiter",
    "BatchInputError",
    "BatchItem",
    "BatchLockedError",
    "BatchResult",
    "BatchStateError",
    "BatchStateWriteError",
    "InputProblem",
    "ItemResult",
    "ManifestWriteError",
    "Progress",
    "ReadResult",
    "Shard",
    "Summary",
    "parse_shard",
    "plan",
    "read_items",
    "run",
    "run_async",
    "shard_of",
    "status",
]
