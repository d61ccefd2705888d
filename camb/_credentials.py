"""Every credential the caller gives, kept to the API's origin and out of every message.

The caller can authenticate in more ways than the API key: `default_headers` or a call's
`extra_headers` (`Authorization: Bearer ...`, a gateway's key under any name, a cookie) and a
`user:pass@` base URL (HTTP Basic). None of them is for a presigned storage host or for a
redirect to another origin, and a header's name does not tell a credential from a harmless
one, so a request to another origin carries only the headers in `SAFE_ELSEWHERE`; all of
the caller's headers go to the API's origin alone, like the key.

Where a request is shown (an error's `request`, a log line, `repr`), the value of every header
that is not in `SAFE_ELSEWHERE` is "[redacted]", and a URL loses its `user:pass@`.
"""

from __future__ import annotations

import base64

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


def keep_safe_headers(headers: httpx.Headers) -> None:
    """Drop, in place, every header that may hold a credential (for another origin)."""
    for name in {name.lower() for name in headers}:
        if name not in SAFE_ELSEWHERE:
            del headers[name]


def redacted_headers(headers: httpx.Headers) -> httpx.Headers:
    """A copy of `headers` in which only the values of `SAFE_ELSEWHERE` headers are kept."""
    return httpx.Headers(
        [
            (name, value if name.lower() in SAFE_ELSEWHERE else REDACTED)
            for name, value in headers.multi_items()
        ]
    )
