"""Argument checks, run before any network traffic. Each failure names the parameter and rule."""

from __future__ import annotations

import ipaddress
import math
import os
import re
import stat
from collections.abc import Callable, Hashable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import httpx

from . import api_facts
from ._exceptions import InvalidInputError, InvalidInputTypeError

# The form of a locale the API takes (an open list: a well-formed one not in
# `api_facts.STREAM_LOCALES` is still sent). The spec's pattern is anchored; fullmatch is used.
LOCALE_RE = re.compile(api_facts.STREAM_LOCALE_PATTERN)
# Task ids are opaque tokens (UUIDs in practice). Refusing separators and dot-segments keeps a
# task id from ever addressing another path, even before percent-encoding.
TASK_ID_RE = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*")
# The longest task id this client sends or accepts (the API's are UUIDs, 36 characters).
MAX_TASK_ID_LENGTH = 256
# The largest id (run, voice, folder) and int option: a signed 64-bit integer, as databases
# store them. A larger int is refused before its digits are ever turned into text (Python
# 3.11+ refuses to convert an int of over 4,300 digits).
MAX_INT = 2**63 - 1
STREAM_TEXT_MIN = api_facts.STREAM_TEXT_MIN_LENGTH
STREAM_TEXT_MAX = api_facts.STREAM_TEXT_MAX_LENGTH
T = TypeVar("T", bound=Hashable)
GENDERS = api_facts.GENDER_CODES
# The longest file or folder name most file systems take, in bytes.
NAME_MAX = 255


def positive_int(param: str, value: object) -> int:
    """An int > 0; `True` and `1.0` are refused (bool is an int in Python, but not an id)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputTypeError(param, "must be a positive int", value)
    if value <= 0:
        raise InvalidInputError(param, "must be a positive int", value)
    if value > MAX_INT:
        raise InvalidInputError(param, "must be a positive int below 2**63", value)
    return value


def optional_int(param: str, value: object, *, minimum: int | None = None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputTypeError(param, "must be an int", value)
    if abs(value) > MAX_INT:
        raise InvalidInputError(param, "must be an int between -2**63 and 2**63", value)
    if minimum is not None and value < minimum:
        raise InvalidInputError(param, f"must be >= {minimum}", value)
    return value


def number_in_range(
    param: str,
    value: object,
    *,
    between: tuple[float, float] | None = None,
    above: float | None = None,
) -> float | None:
    """None, or a finite number within `between` (inclusive) and greater than `above`."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputTypeError(param, "must be a number", value)
    if not math.isfinite(value):
        raise InvalidInputError(param, "must be a finite number", value)
    if between is not None and not between[0] <= value <= between[1]:
        raise InvalidInputError(param, f"must be between {between[0]} and {between[1]}", value)
    if above is not None and value <= above:
        raise InvalidInputError(param, f"must be > {above}", value)
    return value


def optional_bool(param: str, value: object) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise InvalidInputTypeError(param, "must be a bool", value)
    return value


def text(param: str, value: object, *, min_len: int = 1, max_len: int | None = None) -> str:
    if not isinstance(value, str):
        raise InvalidInputTypeError(param, "must be a str", value)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInputError(
            param, "must be valid Unicode text (it has a lone surrogate)", show_value=False
        ) from None
    if len(value) < min_len or (max_len is not None and len(value) > max_len):
        rule = (
            f"must be {min_len} to {max_len} characters long"
            if max_len is not None
            else f"must be at least {min_len} characters long"
        )
        raise InvalidInputError(param, f"{rule}, not {len(value)}", show_value=False)
    return value


def optional_text(param: str, value: object) -> str | None:
    return None if value is None else text(param, value)


def locale(param: str, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInputTypeError(param, "must be a str locale such as 'en-us'", value)
    if not LOCALE_RE.fullmatch(value):
        raise InvalidInputError(param, "must be a lower-case BCP-47 locale such as 'en-us'", value)
    return value


def choice(param: str, value: object, allowed: Iterable[object]) -> Any:
    options = tuple(allowed)
    # bool is refused outright: True == 1 would otherwise pass for an int choice.
    if isinstance(value, bool) or value not in options:
        shown = ", ".join(repr(o) for o in options)
        raise InvalidInputError(param, f"must be one of {shown}", value)
    return value


def task_id(param: str, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInputTypeError(param, "must be a str task id", value)
    if len(value) > MAX_TASK_ID_LENGTH:
        raise InvalidInputError(
            param,
            f"must be a task id of at most {MAX_TASK_ID_LENGTH} characters, not {len(value)}",
            value,
        )
    if not TASK_ID_RE.fullmatch(value):
        raise InvalidInputError(
            param,
            "must be a non-empty task id of letters, digits and '-', '_', '.', '~' "
            "(no spaces or slashes)",
            value,
        )
    return value


def _unique_items(
    param: str, values: object, item: Callable[[str, object], T], what: str
) -> list[T]:
    """Each item of an iterable checked by `item`, duplicates dropped, first-seen order kept.

    A str, bytes or mapping is refused although it iterates: `"1,2"` is a mistake, not ids.
    """
    if isinstance(values, (str, bytes, bytearray, Mapping)) or not isinstance(values, Iterable):
        raise InvalidInputTypeError(param, f"must be an iterable of {what}", values)
    seen: dict[T, None] = {}
    for index, value in enumerate(values):
        seen[item(f"{param}[{index}]", value)] = None
    return list(seen)


def run_ids(param: str, values: object) -> list[int]:
    return _unique_items(param, values, positive_int, "positive ints")


def task_ids(param: str, values: object) -> list[str]:
    return _unique_items(param, values, task_id, "task ids")


def file_path(param: str, value: object) -> Path:
    """A destination for a file that can be written, checked before anything is sent.

    A str or path-like naming a file (not a folder), without NUL characters or over-long
    names, whose nearest existing folder is a writable folder (not a file).
    """
    if not isinstance(value, (str, os.PathLike)) or isinstance(value, bytes):
        raise InvalidInputTypeError(param, "must be a str or os.PathLike file path", value)
    text = os.fspath(value)
    if not isinstance(text, str):
        raise InvalidInputTypeError(param, "must be a str or os.PathLike file path", value)
    if text == "":
        raise InvalidInputError(param, "must name a file, not a folder", value)
    if "\0" in text:
        raise InvalidInputError(param, "must not contain a NUL character", value)
    path = Path(text)
    try:
        if any(len(os.fsencode(part)) > NAME_MAX for part in path.parts):
            raise InvalidInputError(param, f"has a name longer than {NAME_MAX} bytes", value)
        if path.is_dir():
            raise InvalidInputError(param, "must name a file, not a folder", value)
        if _special_destination(param, path, value):
            return path
        folder = path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
    except (OSError, UnicodeError) as exc:
        raise InvalidInputError(param, f"cannot be used as a file path ({exc})", value) from None
    if not folder.is_dir():
        raise InvalidInputError(param, f"is inside {str(folder)!r}, which is a file", value)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InvalidInputError(param, f"is inside {str(folder)!r}, which is not writable", value)
    return path


def _special_destination(param: str, path: Path, value: object) -> bool:
    """Whether `path` is a device, FIFO or terminal that can be written into (it is, never
    replaced, so its folder need not be writable); a socket or one without write permission
    is refused."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return False
    if stat.S_ISSOCK(mode):
        raise InvalidInputError(param, "is a socket, which cannot be written as a file", value)
    if not os.access(path, os.W_OK):
        raise InvalidInputError(param, "is a device or FIFO that is not writable", value)
    return True


def folder_path(param: str, value: object) -> Path:
    """A folder to write files into: a str or path-like that is not a file (made if missing)."""
    if not isinstance(value, (str, os.PathLike)) or isinstance(value, bytes):
        raise InvalidInputTypeError(param, "must be a str or os.PathLike folder", value)
    text = os.fspath(value)
    if not isinstance(text, str) or text == "" or "\0" in text:
        raise InvalidInputError(param, "must be a folder path", value)
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise InvalidInputError(param, "must be a folder, not a file", value)
    return path


def timeout_seconds(param: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputTypeError(param, "must be a number of seconds", value)
    if not value > 0 or not math.isfinite(value):
        raise InvalidInputError(param, "must be a finite number of seconds > 0", value)
    return float(value)


def optional_seconds(param: str, value: object) -> float | None:
    """None (no limit) or a finite number of seconds > 0."""
    return None if value is None else timeout_seconds(param, value)


def http_timeout(param: str, value: object) -> httpx.Timeout:
    if isinstance(value, httpx.Timeout):
        for name in ("connect", "read", "write", "pool"):
            part = getattr(value, name)
            if part is not None:
                timeout_seconds(f"{param}.{name}", part)
        return value
    return httpx.Timeout(timeout_seconds(param, value))


def max_retries(param: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputTypeError(param, "must be an int >= 0", value)
    if value < 0:
        raise InvalidInputError(param, "must be an int >= 0", value)
    return value


def concurrency(param: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputTypeError(param, "must be an int >= 1", value)
    if value < 1:
        raise InvalidInputError(param, "must be an int >= 1", value)
    return value


def backoff(param: str, value: object) -> Any:
    """A `BackoffPolicy` (its own fields are checked when it is made)."""
    from ._retry import BackoffPolicy

    if not isinstance(value, BackoffPolicy):
        raise InvalidInputTypeError(param, "must be a camb.BackoffPolicy", value)
    return value


def api_key(value: object) -> str:
    if value is None or value == "":
        raise InvalidInputError(
            "api_key",
            "is required: pass api_key=... or set the CAMB_API_KEY environment variable",
            show_value=False,
        )
    if not isinstance(value, str):
        raise InvalidInputTypeError("api_key", "must be a str", type(value).__name__)
    if value != value.strip() or any(ord(c) < 0x21 or ord(c) > 0x7E for c in value):
        # Never echo the key back, not even part of it.
        raise InvalidInputError(
            "api_key", "must be printable ASCII without spaces", show_value=False
        )
    return value


def base_url(value: object, *, allow_insecure_http: bool) -> str:
    """An https URL, or http on a loopback host (or anywhere, when explicitly allowed)."""
    if not isinstance(value, str):
        raise InvalidInputTypeError("base_url", "must be a str URL", value)
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise InvalidInputError("base_url", "must be an absolute http(s) URL", value) from None
    idna_problem = _idna_problem(url)
    if idna_problem is not None:
        raise InvalidInputError("base_url", idna_problem, value)
    if url.scheme not in ("http", "https") or not url.host:
        raise InvalidInputError("base_url", "must be an absolute http(s) URL", value)
    problem = host_problem(url)
    if problem is not None:
        raise InvalidInputError("base_url", problem, value)
    if url.query or url.fragment:
        raise InvalidInputError("base_url", "must not have a query or fragment", value)
    if url.scheme == "http" and not allow_insecure_http and not is_loopback(url.host):
        raise InvalidInputError(
            "base_url",
            "must use https unless the host is loopback (pass allow_insecure_http=True to "
            "send the API key in clear text anyway)",
            value,
        )
    return value.rstrip("/")


_LABEL_RE = re.compile(r"[A-Za-z0-9_-]{1,63}")


def _idna_problem(url: httpx.URL) -> str | None:
    """Why `url`'s host cannot be read as a name, or None. A label in IDNA form (`xn--...`)
    that does not decode (`xn--a`) would otherwise raise a UnicodeError when the host is read
    or connected to, at the first request rather than here."""
    problem = "has a host name that is not valid IDNA (an 'xn--' label that does not decode)"
    try:
        url.host  # noqa: B018  (reading it decodes a host that starts with xn--)
        name = url.raw_host.decode("ascii")
    except (UnicodeError, ValueError):
        return problem
    for label in name.lower().split("."):
        if label.startswith("xn--"):
            try:
                decoded = _idna_decode(label)
            except (UnicodeError, ValueError):
                return problem
            if not decoded:
                return problem
    return None


def _idna_decode(label: str) -> str:
    try:
        import idna  # what httpx itself decodes with (IDNA 2008)
    except ImportError:  # pragma: no cover - httpx installs it
        return label.encode("ascii").decode("idna")
    return str(idna.decode(label))


def host_problem(url: httpx.URL) -> str | None:
    """Why no connection can be made to `url`'s host and port, or None.

    httpx checks non-ASCII host names (IDNA) when it parses, but an empty or over-long label,
    a character it percent-encoded, or a port over 65535 would fail only when connecting, and
    then as a UnicodeError or OverflowError (or a name lookup of nonsense).
    """
    if url.port is not None and not 0 < url.port < 65536:
        return f"has a port outside 1 to 65535 ({url.port})"
    idna_problem = _idna_problem(url)
    if idna_problem is not None:
        return idna_problem
    if ":" in url.host:
        return None  # an IPv6 literal, checked by httpx
    name = url.raw_host.decode("ascii", "replace")
    labels = name[:-1].split(".") if name.endswith(".") else name.split(".")
    if len(name) > 253 or not all(_LABEL_RE.fullmatch(label) for label in labels):
        return "has a host name that is not valid"
    return None


def no_lone_surrogates(param: str, value: object) -> None:
    """Refuse text (in `value`, or in the keys and items it holds) that cannot be UTF-8."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidInputError(
                param, "must be valid Unicode text (it has a lone surrogate)", show_value=False
            ) from None
    elif isinstance(value, Mapping):
        for key, item in value.items():
            no_lone_surrogates(param, key)
            no_lone_surrogates(param, item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            no_lone_surrogates(param, item)


def is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
