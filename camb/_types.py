"""Small shared types."""

from __future__ import annotations

import enum
import os
from typing import Final, Literal, Union

import httpx


class NotGiven(enum.Enum):
    """Marks an argument the caller left out, where None would mean something (no timeout)."""

    NOT_GIVEN = enum.auto()

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> Literal[False]:
        return False


NOT_GIVEN: Final = NotGiven.NOT_GIVEN

TimeoutTypes = float | httpx.Timeout
StrPath = Union[str, "os.PathLike[str]"]
