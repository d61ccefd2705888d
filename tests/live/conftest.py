"""Fixtures of the live speech tests: a sandbox, a voice, LLM-like token streams."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator

import pytest

from camb.sandbox import Sandbox
from camb.sandbox._voices import VOICES_BY_ID

VOICE = min(VOICES_BY_ID)

# About 200 chunks of 2-8 characters: sentences an LLM might write, with a sentence that has
# no end (spoken by the idle flush or text.done).
LLM_TEXT = (
    "Live speech starts before the writer is done. Every sentence is spoken as soon as it "
    "ends, so a listener hears the answer while it is still being written! Does it keep the "
    "order of the segments? It does: each segment's audio arrives whole, in order. Word "
    "timestamps tell when every word is spoken, to the millisecond, so captions can follow "
    "the voice exactly. Punctuation like commas, colons and dashes stays in the captions; it "
    "is silent in the audio. A long session is no problem either, because the audio goes to "
    "the file as it arrives and memory stays flat. Voice agents need exactly this: the model "
    "streams tokens, the speech follows them, and a transcript lines up with the audio. If the "
    "user interrupts, the agent stops at once and knows which words were heard and which were "
    "not, so it can pick up where it left off. Captions come in three shapes: SubRip, WebVTT "
    "and a JSON timeline with the character offsets of every cue in the text that was sent. "
    "That is the whole idea, and the last "
    "words have no full stop"
)


def token_chunks(text: str = LLM_TEXT, seed: int = 19) -> list[str]:
    """`text` cut into chunks of 2 to 8 characters, as an LLM's tokens come."""
    rng = random.Random(seed)
    chunks, at = [], 0
    while at < len(text):
        size = rng.randint(2, 8)
        chunks.append(text[at : at + size])
        at += size
    return chunks


def slow_tokens(chunks: list[str], delay: float) -> Iterator[str]:
    import time

    for chunk in chunks:
        time.sleep(delay)
        yield chunk


async def slow_async_tokens(chunks: list[str], delay: float) -> AsyncIterator[str]:
    import asyncio

    for chunk in chunks:
        await asyncio.sleep(delay)
        yield chunk


@pytest.fixture
def sandbox(camb_sandbox: Sandbox) -> Sandbox:
    return camb_sandbox
