"""Plumbing for the `camb` command line: output, progress bars and reading ids. No API calls."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import importlib
import json
import os
import re
import sys
from collections.abc import AsyncIterator, Iterable
from typing import Any, TextIO

from camb import APIStatusError, CambError, TaskError

PROG = "camb"
_SPACE_RE = re.compile(r"\s+")
_SEPARATORS_RE = re.compile(r"[\s,]+")


class ExitStatus(enum.IntEnum):
    """The exit statuses of `camb`, the same for every command."""

    OK = 0
    # The API or a task failed (also when only some ids of a wait or bulk call failed), or a
    # local failure such as a file that cannot be written.
    FAILED = 1
    # Bad arguments, input refused before anything is sent (no API key, a run id of 0, ...), or
    # an installation that cannot do it (a missing extra, another package's `camb`).
    USAGE = 2
    INTERRUPTED = 130


class UsageError(Exception):
    """A mistake on the command line found after parsing; exit status 2."""


def is_tty(stream: TextIO | None) -> bool:
    """Whether `stream` is a terminal; False for anything that cannot tell (a test's buffer)."""
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def _terminal_size(stream: TextIO) -> tuple[int, int]:
    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, ValueError, OSError):
        return (0, 0)
    return (size.columns, size.lines)


class Console:
    """Where the command line writes: results on stdout, one-line errors on stderr.

    Every line written to stderr has the API key (when known) masked, whatever produced it.
    """

    def __init__(self, *, json_mode: bool, secret: str | None) -> None:
        self.json_mode = json_mode
        self._secret = secret if secret and len(secret) >= 4 else None

    def redact(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    @staticmethod
    def out(text: str = "") -> None:
        print(text, file=sys.stdout, flush=True)

    @staticmethod
    def emit_json(value: object, *, one_line: bool = False) -> None:
        text = json.dumps(value, indent=None if one_line else 2, ensure_ascii=False)
        print(text, file=sys.stdout, flush=True)

    def error(self, message: object) -> None:
        """One line `camb: error: ...` on stderr."""
        self.note(f"error: {one_line(str(message))}")

    def note(self, message: str) -> None:
        """One line `camb: ...` on stderr, for people (never parsed)."""
        print(self.redact(f"{PROG}: {one_line(message)}"), file=sys.stderr, flush=True)


def one_line(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip()


def error_json(error: BaseException) -> dict[str, Any]:
    """An error as JSON: its class, message, and what else it knows (HTTP status, task status)."""
    described: dict[str, Any] = {"error": type(error).__name__, "message": one_line(str(error))}
    if isinstance(error, APIStatusError):
        described["status_code"] = error.status_code
    if isinstance(error, TaskError) and error.status is not None:
        described["status"] = error.status.status
        described["exception_reason"] = error.status.exception_reason
    return described


def shared_failure(errors: Iterable[CambError]) -> CambError | None:
    """The first error when every error is the same HTTP failure (a bad key, no credits, ...).

    Then one line says it all, instead of one line per id that met it.
    """
    listed = list(errors)
    if not listed or not all(isinstance(e, APIStatusError) for e in listed):
        return None
    first = listed[0]
    assert isinstance(first, APIStatusError)
    same = all(
        type(e) is type(first) and getattr(e, "status_code", None) == first.status_code
        for e in listed
    )
    return first if same else None


# How often a progress bar is redrawn while nothing finishes (its clock shows whole seconds).
TICK_SECONDS = 0.5


class Progress:
    """A tqdm bar on stderr, only when stderr is a terminal and tqdm (the `cli` extra) is
    installed; otherwise it does nothing, so nothing reaches stderr in a pipe."""

    def __init__(self, total: int, *, desc: str, unit: str) -> None:
        self._bar: Any = None
        if total <= 0 or not is_tty(sys.stderr):
            return
        try:
            tqdm_module: Any = importlib.import_module("tqdm")
        except ImportError:
            return
        # A terminal that does not know its size (0 x 0, as under `script`) would get no bar.
        known = _terminal_size(sys.stderr) != (0, 0)
        self._bar = tqdm_module.tqdm(
            total=total,
            desc=desc,
            unit=unit,
            file=sys.stderr,
            leave=True,
            dynamic_ncols=known,
            ncols=None if known else 80,
            nrows=None if known else 24,
        )

    @property
    def shown(self) -> bool:
        return self._bar is not None

    def update(self, count: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(count)

    def set(self, count: int, **postfix: object) -> None:
        """Show `count` done (of the total), with `postfix` (e.g. failed=2) beside the bar."""
        if self._bar is not None:
            self._bar.n = count
            if postfix:
                self._bar.set_postfix(postfix, refresh=False)
            self._bar.refresh()

    def refresh(self) -> None:
        """Redraw the bar, so that its elapsed time moves on while nothing is counted."""
        if self._bar is not None:
            self._bar.refresh()

    @contextlib.asynccontextmanager
    async def ticking(self, every: float = TICK_SECONDS) -> AsyncIterator[None]:
        """Redraw the bar every `every` seconds while the block runs (when it is shown)."""
        if self._bar is None:
            yield
            return

        async def tick() -> None:
            while True:
                await asyncio.sleep(every)
                self.refresh()

        ticker = asyncio.create_task(tick())
        try:
            yield
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker

    def finish(self) -> None:
        """Fill the bar (for items that ended without a report) and close it."""
        if self._bar is not None:
            remaining = self._bar.total - self._bar.n
            if remaining > 0:
                self._bar.update(remaining)
            self._bar.close()
            self._bar = None

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


# --- reading ids from a file or stdin ------------------------------------------------------------


def read_text(path: str | None, stdin: TextIO) -> str | None:
    """The text of `path` (`-` for stdin); without a path, stdin when it is not a terminal."""
    if path == "-" or (path is None and not is_tty(stdin)):
        try:
            return stdin.read()
        except (OSError, ValueError):
            return None
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from None


def parse_task_ids(text: str) -> list[str]:
    """Task ids from the output of `camb create`: one per line, or its JSON."""
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        value = _load_json(stripped)
        if isinstance(value, dict):
            value = value.get("task_ids")
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise UsageError('expected a JSON list of task ids, or {"task_ids": [...]}')
        return list(value)
    return _SEPARATORS_RE.split(stripped) if stripped else []


def parse_run_ids(text: str) -> list[int]:
    """Run ids from text: ints separated by spaces, commas or newlines; the lines of
    `camb wait` (task id, run id); or JSON (a list of ids, or `camb --json wait`'s object)."""
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        return _run_ids_from_json(_load_json(stripped))
    ids: list[int] = []
    for number, line in enumerate(stripped.splitlines(), start=1):
        tokens = [t for t in _SEPARATORS_RE.split(line.strip()) if t]
        if not tokens:
            continue
        if all(_is_int(t) for t in tokens):
            ids.extend(int(t) for t in tokens)
        elif len(tokens) == 2 and _is_int(tokens[1]):
            ids.append(int(tokens[1]))  # `camb wait` prints "<task id>\t<run id>"
        else:
            raise UsageError(f"line {number} of the run ids is not a list of integers: {line!r}")
    return ids


def _run_ids_from_json(value: object) -> list[int]:
    if isinstance(value, dict):
        value = value.get("run_ids")
        if isinstance(value, dict):
            value = list(value.values())
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise UsageError('expected a JSON list of run ids, or {"run_ids": ...}')
    return list(value)


def _load_json(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError as error:
        raise UsageError(f"the input looks like JSON but is not: {error}") from None


def _is_int(token: str) -> bool:
    return token.lstrip("+-").isdigit() and token.isascii()
