"""The deprecated task flow's state: tasks, their outcomes, run ids. No I/O."""

from __future__ import annotations

import enum
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import attrs


class Outcome(enum.Enum):
    """How a task ends; chosen by a trigger in its text (``[error]``, ``[harmful]``, ...)."""

    SUCCESS = "success"
    ERROR = "error"
    HARMFUL = "harmful"
    TIMEOUT = "timeout"
    PAYMENT = "payment"


# Shown by `camb sandbox --help` and the README's offline-testing section.
TRIGGERS_HELP = """\
what the sandbox answers:
  POST /tts-stream  audio whose length follows the text (60 ms per character; letters are a
                    tone whose pitch comes from a hash of the text, other characters silence),
                    at the model's sample rate (48 kHz mars-pro and the 8.1 betas, 22.05 kHz
                    mars-flash and mars-instruct), mp3 unless a format is asked for
  voices            only the ids of GET /list-voices (others: 400; 422 with --strict-documented)
  POST /tts         a task, PENDING for --task-duration seconds, then decided by its text:
    [error]           ERROR, exception_reason PROCESSING_ERROR
    [harmful]         ERROR, exception_reason HARMFUL_CONTENT_DETECTED
    [timeout]         TIMEOUT
    [payment]         PAYMENT_REQUIRED
    [duration=2.5]    PENDING for 2.5 s instead of --task-duration
    (none)            SUCCESS with a run id (from 1000 up)
  POST /translated-tts  a task like POST /tts (same triggers), polled at GET /translated-tts/ID;
                    its "translation" is the text tagged with the target locale, and its
                    FLAC carries a LANGUAGE=<target locale> Vorbis comment
"""

_OUTCOME_TRIGGER = re.compile(r"\[(error|harmful|timeout|payment)\]", re.IGNORECASE)
_DURATION_TRIGGER = re.compile(r"\[duration=([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\]", re.IGNORECASE)


@attrs.frozen
class Triggers:
    outcome: Outcome = Outcome.SUCCESS
    duration: float | None = None  # seconds PENDING, overriding the sandbox's task_duration


def parse_triggers(text: str) -> Triggers:
    """The first outcome trigger and the first ``[duration=S]`` trigger found in ``text``."""
    outcome = _OUTCOME_TRIGGER.search(text)
    duration = _DURATION_TRIGGER.search(text)
    return Triggers(
        outcome=Outcome(outcome.group(1).lower()) if outcome else Outcome.SUCCESS,
        duration=float(duration.group(1)) if duration else None,
    )


@attrs.frozen
class Task:
    task_id: str
    text: str
    created_at: float  # on the store's clock
    pending: float  # seconds before the outcome shows
    outcome: Outcome
    run_id: int | None  # only successful tasks get one
    # Which create operation made it: "tts" (POST /tts) or "translated_tts"; each status
    # operation finds only its own tasks.
    kind: str = "tts"
    # The language a translated task speaks (POST /translated-tts), marked in its audio.
    language: str | None = None

    def finished(self, now: float) -> bool:
        return now - self.created_at >= self.pending


# status, exception_reason, message of each finished outcome
_ANSWERS: dict[Outcome, tuple[str, str | None, str | None]] = {
    Outcome.SUCCESS: ("SUCCESS", None, None),
    Outcome.ERROR: ("ERROR", "PROCESSING_ERROR", "The text could not be processed."),
    Outcome.HARMFUL: (
        "ERROR",
        "HARMFUL_CONTENT_DETECTED",
        "The text was flagged as harmful content and was not synthesised.",
    ),
    Outcome.TIMEOUT: ("TIMEOUT", None, "The task took longer than the time allowed."),
    Outcome.PAYMENT: (
        "PAYMENT_REQUIRED",
        "PAYMENT_REQUIRED",
        "Your account does not have enough credits for this task.",
    ),
}


def task_status(task: Task, now: float) -> dict[str, Any]:
    """The ``GET /tts/{task_id}`` answer for ``task`` at time ``now``."""
    if not task.finished(now):
        return {"status": "PENDING", "run_id": None, "exception_reason": None, "message": None}
    status, reason, message = _ANSWERS[task.outcome]
    return {
        "status": status,
        "run_id": task.run_id,
        "exception_reason": reason,
        "message": message,
    }


class TaskStore:
    """Tasks by id and successful runs by run id. Used from one event loop."""

    def __init__(
        self,
        task_duration: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        first_run_id: int = 1000,
    ) -> None:
        self._duration = task_duration
        self._clock = clock
        self._next_run_id = first_run_id
        self._tasks: dict[str, Task] = {}
        self._runs: dict[int, Task] = {}

    def now(self) -> float:
        return self._clock()

    def create(self, text: str, *, kind: str = "tts", language: str | None = None) -> Task:
        triggers = parse_triggers(text)
        run_id = None
        if triggers.outcome is Outcome.SUCCESS:
            run_id = self._next_run_id
            self._next_run_id += 1
        task = Task(
            task_id=str(uuid.uuid4()),
            text=text,
            created_at=self._clock(),
            pending=self._duration if triggers.duration is None else triggers.duration,
            outcome=triggers.outcome,
            run_id=run_id,
            kind=kind,
            language=language,
        )
        self._tasks[task.task_id] = task
        if run_id is not None:
            self._runs[run_id] = task
        return task

    def get(self, task_id: str, kind: str = "tts") -> Task | None:
        """The task of this id made by the create operation `kind`."""
        task = self._tasks.get(task_id)
        return task if task is not None and task.kind == kind else None

    def run(self, run_id: int) -> Task | None:
        """The task of a run id, finished or not."""
        return self._runs.get(run_id)

    def finished_run(self, run_id: int) -> Task | None:
        """The task of a run id whose audio is ready."""
        task = self._runs.get(run_id)
        if task is None or not task.finished(self._clock()):
            return None
        return task
