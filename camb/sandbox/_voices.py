"""The voices of GET /list-voices: every field of the official ``Voice`` type. No I/O.

Only ``id`` and ``voice_name`` are always set, as in the official type; the other fields are
null for some voices, as a real account's list has them. ``signed_url`` points at a short FLAC
sample of the voice on the files origin.
"""

from __future__ import annotations

from typing import Any

import attrs


@attrs.frozen
class SandboxVoice:
    id: int
    voice_name: str
    gender: int | None = None
    age: int | None = None
    language: int | None = None  # a language id of GET /source-languages
    transcript: str | None = None
    description: str | None = None
    is_published: bool | None = None
    has_sample: bool = False  # signed_url is set only then

    def item(self, files_url: str) -> dict[str, Any]:
        """The voice as GET /list-voices answers it."""
        fields = attrs.asdict(self)
        has_sample = fields.pop("has_sample")
        fields["signed_url"] = f"{files_url}/voices/{self.id}.flac" if has_sample else None
        return fields

    @property
    def sample_text(self) -> str:
        return self.transcript or f"This is {self.voice_name}."


VOICES: tuple[SandboxVoice, ...] = (
    SandboxVoice(147320, "Alice", 2, 30, 1, None, "Warm, clear narrator.", True, True),
    SandboxVoice(
        147321, "Bruno", 1, 45, 1, "The quick brown fox jumps over the lazy dog.", None, True, True
    ),
    SandboxVoice(147322, "Chandra", 2, 27, 81),
    SandboxVoice(147323, "Diego", 1, 38, 54, None, "Calm Castilian Spanish.", True),
    SandboxVoice(147324, "Emi", 0, None, 88, None, None, False),
    SandboxVoice(147325, "Robot", 9, description="Neutral test voice."),
    SandboxVoice(147326, "Nameless", language=1, is_published=True),
)
VOICES_BY_ID: dict[int, SandboxVoice] = {voice.id: voice for voice in VOICES}


def voice_items(files_url: str) -> list[dict[str, Any]]:
    """The JSON answer of GET /list-voices, with sample URLs on ``files_url``."""
    return [voice.item(files_url) for voice in VOICES]
