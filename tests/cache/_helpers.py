"""Shared by the speech-cache tests: a sandbox, a voice, counters, texts."""

from __future__ import annotations

import json
from pathlib import Path

from camb.sandbox import Sandbox


def stream_requests(sandbox: Sandbox) -> int:
    """Requests that reached `POST /tts-stream` (the paid ones)."""
    return int(sandbox.stats()["attempts"]["create_tts_stream"])


def chapter(paragraphs: int = 4, *, changed: int | None = None) -> str:
    """Paragraphs that are each a segment when spoken with a `paragraph_pause` (PAUSE);
    `changed` edits one of them."""
    out = []
    for p in range(paragraphs):
        word = "Edited" if p == changed else "Original"
        out.append(" ".join(f"{word} sentence {s} of paragraph {p}." for s in range(8)))
    return "\n\n".join(out)


def write_items(path: Path, count: int, prefix: str = "Line") -> Path:
    lines = [
        json.dumps({"id": f"item-{i:03d}", "text": f"{prefix} number {i} of the batch."})
        for i in range(count)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


PAUSE = 0.1  # a pause between paragraphs: each paragraph is a request of its own
