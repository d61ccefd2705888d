"""The values this client hands back and takes in: small frozen attrs classes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from ._exceptions import CambError
from .api_facts import AUDIO_FORMATS, OUTPUT_TYPES, TASK_STATUSES, AudioFormat, OutputType

__all__ = [
    "AUDIO_FORMATS",
    "DOCUMENTED_STATUSES",
    "OUTPUT_TYPES",
    "AudioFormat",
    "BulkResults",
    "DownloadResults",
    "InferenceOptions",
    "Language",
    "OutputType",
    "TaskStatus",
    "Voice",
    "VoiceSettings",
    "WaitResults",
]


def _documented(status: str) -> str:
    """`status`, which this client's logic names, checked against the spec's list at import."""
    if status not in TASK_STATUSES:  # pragma: no cover - only a changed spec gets here
        raise ImportError(f"task status {status!r} is no longer in camb.api_facts.TASK_STATUSES")
    return status


# The statuses the waiting logic acts on; the spec (camb.api_facts) says which are documented.
SUCCESS = _documented("SUCCESS")
PENDING = _documented("PENDING")
TIMEOUT = _documented("TIMEOUT")
ERROR = _documented("ERROR")
PAYMENT_REQUIRED = _documented("PAYMENT_REQUIRED")
DOCUMENTED_STATUSES = frozenset(TASK_STATUSES)


@attrs.frozen
class TaskStatus:
    """Where a text-to-speech task stands.

    `status` is kept exactly as the server sent it, also when it is not one of the documented
    values (`is_documented` tells).
    """

    task_id: str
    status: str
    run_id: int | None = None
    exception_reason: str | None = None
    message: str | Mapping[str, Any] | None = None

    @property
    def is_success(self) -> bool:
        return self.status == SUCCESS

    @property
    def is_pending(self) -> bool:
        return self.status == PENDING

    @property
    def is_documented(self) -> bool:
        return self.status in DOCUMENTED_STATUSES


@attrs.frozen
class Voice:
    """A voice from `GET /list-voices`. Gender codes: 0 not known, 1 male, 2 female, 9 n/a.

    Only `id` and `voice_name` are always there. `language` is a locale tag such as "en-us"
    (Camb's API) or a numeric language id (older answers; see `client.languages.source()`),
    as the API sent it; `signed_url` a presigned URL of the voice's reference audio,
    when the API gives one. `extra` holds the fields the API sent that this client does not
    know yet, as they came (like openai's `model_extra`); it takes no part in the hash.
    """

    id: int
    voice_name: str
    gender: int | None = None
    age: int | None = None
    language: int | str | None = None
    transcript: str | None = None
    description: str | None = None
    is_published: bool | None = None
    signed_url: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict, hash=False)


@attrs.frozen
class Language:
    """A language of `GET /source-languages` or `GET /target-languages`.

    `id` is the numeric id `tts.create()` takes as `language`; `language` the language's name
    (e.g. "English (United States)"); `short_name` its locale code (e.g. "en-us"). `extra`
    holds the fields the API sent that this client does not know yet; it takes no part in the
    hash.
    """

    id: int
    language: str
    short_name: str
    extra: Mapping[str, Any] = attrs.field(factory=dict, hash=False)


@attrs.frozen
class VoiceSettings:
    """Optional voice settings for `tts.stream`."""

    enhance_reference_audio_quality: bool | None = None
    maintain_source_accent: bool | None = None
    apply_ref_loudness_norm: bool | None = None
    speaking_rate: float | None = None


@attrs.frozen
class InferenceOptions:
    """Optional inference options for `tts.stream`; the ranges are checked before sending."""

    stability: float | None = None
    temperature: float | None = None
    inference_steps: int | None = None
    speaker_similarity: float | None = None
    localize_speaker_weight: float | None = None
    acoustic_quality_boost: bool | None = None


@attrs.frozen
class BulkResults(Mapping[int, str]):
    """The answer to `tts.results`: a mapping run id -> presigned output URL.

    Every id asked for is accounted for exactly once: it is a key here (it succeeded), or in
    `unavailable` (the API left it out of its answer: unknown or not finished), or in `failed`
    (its request failed after retries; the value is the error).
    """

    urls: Mapping[int, str]
    unavailable: Mapping[int, str] = attrs.field(factory=dict)
    failed: Mapping[int, CambError] = attrs.field(factory=dict)

    def __getitem__(self, run_id: int) -> str:
        return self.urls[run_id]

    def __iter__(self) -> Iterator[int]:
        return iter(self.urls)

    def __len__(self) -> int:
        return len(self.urls)

    @property
    def ok(self) -> bool:
        """True when every id asked for came back with a URL."""
        return not self.unavailable and not self.failed

    def missing(self) -> dict[int, str]:
        """Every id without a URL, with the reason."""
        reasons = dict(self.unavailable)
        reasons.update({run_id: str(error) for run_id, error in self.failed.items()})
        return reasons


@attrs.frozen
class DownloadResults(Mapping[int, Path]):
    """The answer to `tts.download_results`: a mapping run id -> the audio file on disk.

    Every id asked for is accounted for exactly once: a key here (its file is complete, either
    downloaded now or found from an earlier call: those are also in `skipped`), or in
    `unavailable` (the API has no audio for it), or in `failed` (the error).
    """

    files: Mapping[int, Path]
    skipped: frozenset[int] = frozenset()
    unavailable: Mapping[int, str] = attrs.field(factory=dict)
    failed: Mapping[int, CambError] = attrs.field(factory=dict)

    def __getitem__(self, run_id: int) -> Path:
        return self.files[run_id]

    def __iter__(self) -> Iterator[int]:
        return iter(self.files)

    def __len__(self) -> int:
        return len(self.files)

    @property
    def ok(self) -> bool:
        """True when every id asked for has its file."""
        return not self.unavailable and not self.failed

    def missing(self) -> dict[int, str]:
        """Every id without a file, with the reason."""
        reasons = dict(self.unavailable)
        reasons.update({run_id: str(error) for run_id, error in self.failed.items()})
        return reasons


@attrs.frozen
class WaitResults(Mapping[str, int]):
    """The answer to `tts.wait_many`: a mapping task id -> run id for the tasks that succeeded.

    `failed` holds the error for every other task (failed, timed out, our deadline, ...).
    """

    run_ids: Mapping[str, int]
    failed: Mapping[str, CambError] = attrs.field(factory=dict)

    @classmethod
    def from_outcomes(cls, outcomes: Mapping[str, int | CambError]) -> WaitResults:
        """Sorts each task's outcome, a run id or an error, into `run_ids` or `failed`."""
        return cls(
            run_ids={t: o for t, o in outcomes.items() if isinstance(o, int)},
            failed={t: o for t, o in outcomes.items() if isinstance(o, CambError)},
        )

    def __getitem__(self, task_id: str) -> int:
        return self.run_ids[task_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self.run_ids)

    def __len__(self) -> int:
        return len(self.run_ids)

    @property
    def ok(self) -> bool:
        return not self.failed
