"""Durable batch jobs: a file of many lines in, a folder of audio files out, resumable.

The pieces (the lead wires them into `camb.batch.run` and `camb batch`):

- `_input`: JSON Lines / CSV input checked whole before anything is sent (`read_items`).
- `_identity`: what makes an item's audio (`item_hash`) and deterministic sharding.
- `_state`: the SQLite state store in the output folder (`StateStore`).
- `_manifest`: `manifest.jsonl` and the rows of `camb batch status --json`.
- `_aimd`: adaptive concurrency under rate limits (`AimdLimiter`).
- `_runner`: the orchestration over an abstract synthesiser (`run_batch`).
"""
