"""Every credential the caller gives, kept to the API's origin and out of every message.

The caller can authenticate in more ways than the API key: `default_headers` or a call's
`extra_headers` (`Authorization: Bearer ...`, a gateway's key under any name, a cookie) and a
`user:pass@` base URL (HTTP Basic). None of them is for a presigned storage host or for a
redirect to another origin. A request to another origin therefore carries none of the
client's `default_headers` (they are for the API, whatever their names) and no header whose
name says it holds a credential (`Authorization`, `Cookie`, `X-Gateway-Key`, `X-Auth-Token`,
...), wherever it came from; a call's other `extra_headers` (`X-Trace: ...`) still go with
the presigned download that call asked for.

Where a request is shown (an error's `request`, a log line, `repr`), the value of every header
that is not in `SAFE_ELSEWHERE` is "[redacted]", and a URL loses its `user:pass@`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable

import httpx

REDACTED = "[redacted]"

# Headers that never hold a credential: the only ones sent to another origin, and the only
# ones whose value is shown.
SAFE_ELSEWHERE = frozenset(
    {
        "accept",
        "accept-encoding",
        "accept-language",
        "content-length",
        "content-type",
        "host",
        "if-match",
        "if-modified-since",
        "if-none-match",
        "if-range",
        "if-unmodified-since",
        "range",
        "user-agent",
    }
)


# A header whose name says it holds a credential.
_CREDENTIAL_NAME = re.compile(
    r"auth|key|token|secret|passw|session|cookie|credential|signature|bearer|jwt", re.IGNORECASE
)


def split_userinfo(url: str) -> tuple[str, str | None]:
    """`url` without `user:pass@`, and the `Authorization: Basic` value it stood for."""
    parsed = httpx.URL(url)
    if not parsed.userinfo:
        return url, None
    pair = f"{parsed.username}:{parsed.password}".encode()
    plain = str(parsed.copy_with(userinfo=b""))
    return plain, "Basic " + base64.b64encode(pair).decode("ascii")


def without_userinfo(url: httpx.URL) -> httpx.URL:
    return url.copy_with(userinfo=b"") if url.userinfo else url


def drop_credentials(headers: httpx.Headers, client_headers: Iterable[str]) -> None:
    """Drop, in place, every header that may hold a credential (for another origin): those
    of `client_headers` (the client's `default_headers`) and those named like one."""
    client = {name.lower() for name in client_headers}
    for name in {name.lower() for name in headers}:
        if name in SAFE_ELSEWHERE:
            continue
        if name in client or _CREDENTIAL_NAME.search(name):
            del headers[name]


def redacted_headers(headers: httpx.Headers) -> httpx.Headers:
    """A copy of `headers` in which only the values of `SAFE_ELSEWHERE` headers are kept."""
    return httpx.Headers(
        [
            (name, value if name.lower() in SAFE_ELSEWHERE else REDACTED)
            for name, value in headers.multi_items()
        ]
    )
