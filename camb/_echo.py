"""Values shown back in messages (errors, warnings, usage lines): short, whatever they are.

A value a caller or a server gave can be a 1 MB string, a 5,000-digit int (whose `repr`
raises ValueError on Python 3.11+), a list of a million items or an object whose `repr`
fails; every message shows at most `MAX_ECHO` characters of it and never raises.
"""

from __future__ import annotations

import reprlib
from typing import Any

# Characters of a value a message shows.
MAX_ECHO = 60
# Python 3.11+ refuses to convert an int of more digits than this to text (and back).
_INT_DIGITS_SHOWN = 30


def int_digits(value: int) -> int:
    """How many decimal digits `value` has (about: within one), without converting it."""
    return max(1, int(abs(value).bit_length() * 0.30103) + 1)


class _Repr(reprlib.Repr):
    def __init__(self, limit: int) -> None:
        super().__init__()
        self.maxstring = limit
        self.maxother = limit
        self.maxlong = limit
        self.maxlist = self.maxtuple = self.maxset = self.maxdict = 6
        self.maxlevel = 3

    def repr_int(self, x: int, level: int) -> str:
        if int_digits(x) > _INT_DIGITS_SHOWN:
            return f"<an int of about {int_digits(x)} digits>"
        return super().repr_int(x, level)

    def repr_instance(self, x: Any, level: int) -> str:
        try:
            return super().repr_instance(x, level)
        except Exception:
            return f"<{type(x).__name__}>"


def echo(value: object, limit: int = MAX_ECHO) -> str:
    """`repr(value)`, cut to at most `limit` characters (saying how long a long text was)."""
    try:
        shown = _Repr(max(limit - 3, 8)).repr(value)
    except Exception:
        shown = f"<{type(value).__name__}>"
    if len(shown) > limit:
        shown = shown[: limit - 3] + "..."
    if isinstance(value, (str, bytes, bytearray)) and len(value) > limit:
        unit = "characters" if isinstance(value, str) else "bytes"
        shown += f" ({len(value)} {unit})"
    return shown


def echo_text(text: str, limit: int = MAX_ECHO) -> str:
    """A text shown as it is (not quoted), cut to `limit` characters."""
    return text if len(text) <= limit else text[: limit - 3] + f"... ({len(text)} characters)"
