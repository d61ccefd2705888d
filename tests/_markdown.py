"""The fenced code blocks of a Markdown file, for the tests that run the README's and the
documentation's examples.

A block runs unless the line right above its fence says otherwise, visibly in the source:

    <!-- docs-test: skip: why this block cannot run in the tests -->
    <!-- docs-test: pytest -->      (a Python block that is a pytest test file)
    <!-- docs-test: output -->      (what the block before printed; `...` matches anything)

A skip without a reason, or a marker this module does not know, is an error: nothing is left
out silently.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

PYTHON = frozenset({"python", "py"})
SHELL = frozenset({"sh", "bash", "shell"})

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`]*?)[ \t]*$")
_MARKER = re.compile(r"^[ \t]*<!--[ \t]*docs-test:[ \t]*(?P<body>.*?)[ \t]*-->[ \t]*$")


class MarkerError(ValueError):
    """A `docs-test` marker that is malformed, unknown, or not right above a code block."""


@dataclass(frozen=True)
class CodeBlock:
    """One fenced block: where it is, its language, its code (dedented) and how to test it."""

    path: Path
    line: int  # 1-based line number of the opening fence
    language: str  # the info string's first word, lower case ("" when none)
    code: str
    mode: str  # "run", "pytest", "skip", or "output" (the previous block's expected output)
    skip_reason: str | None = None

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.line}"


def _language(info: str) -> str:
    first = info.split()[0] if info.split() else ""
    return first.strip("{}.").lower()


def _marker(line: str, path: Path, number: int) -> tuple[str, str | None] | None:
    match = _MARKER.match(line)
    if match is None:
        return None
    body = match["body"]
    if body in ("pytest", "output"):
        return body, None
    if body.startswith("skip"):
        reason = body.removeprefix("skip").lstrip(":").strip()
        if not reason:
            raise MarkerError(f"{path}:{number}: a docs-test skip needs a reason: 'skip: why'")
        return "skip", reason
    raise MarkerError(f"{path}:{number}: unknown docs-test marker {body!r}")


def code_blocks(path: Path) -> list[CodeBlock]:
    """Every fenced block of `path`, in order, with the marker right above it applied."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[CodeBlock] = []
    pending: tuple[str, str | None] | None = None
    pending_line = 0
    index = 0
    while index < len(lines):
        line = lines[index]
        opening = _FENCE_OPEN.match(line)
        if opening is None:
            if pending is not None:
                raise MarkerError(
                    f"{path}:{pending_line}: a docs-test marker must be right above a code block"
                )
            pending = _marker(line, path, index + 1)
            pending_line = index + 1
            index += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        closing = re.compile(rf"^{re.escape(indent)}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = index + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        if end == len(lines):
            raise MarkerError(f"{path}:{index + 1}: a code block is never closed")
        code = textwrap.dedent("\n".join(lines[index + 1 : end])) + "\n"
        mode, reason = pending if pending is not None else ("run", None)
        blocks.append(CodeBlock(path, index + 1, _language(opening["info"]), code, mode, reason))
        pending = None
        index = end + 1
    if pending is not None:
        raise MarkerError(f"{path}:{pending_line}: a docs-test marker must be right above a block")
    return blocks


def python_blocks(path: Path) -> list[CodeBlock]:
    """The Python blocks of `path` (all of them, whatever their marker)."""
    return [block for block in code_blocks(path) if block.language in PYTHON]
