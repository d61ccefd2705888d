"""Presigned file URLs: what the API hands out and the files origin checks. No I/O."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode


def signature(secret: bytes, run_id: int, expires: str) -> str:
    """The HMAC-SHA256 of one run's file and expiry time."""
    return hmac.new(secret, f"{run_id}:{expires}".encode(), hashlib.sha256).hexdigest()


def presign(files_url: str, secret: bytes, run_id: int, expires_at: float) -> str:
    """A URL on the files origin for run ``run_id``'s FLAC, valid until ``expires_at`` (unix)."""
    expires = f"{expires_at:.3f}"
    query = urlencode({"expires": expires, "signature": signature(secret, run_id, expires)})
    return f"{files_url}/files/{run_id}.flac?{query}"


def presign_problem(
    secret: bytes, run_id: int, expires: str | None, given: str | None, now: float
) -> str | None:
    """Why a presigned URL is refused (None when it is valid)."""
    if expires is None or given is None:
        return "Query-string authentication requires the expires and signature parameters."
    if not hmac.compare_digest(signature(secret, run_id, expires), given):
        return "The request signature we calculated does not match the signature you provided."
    try:
        deadline = float(expires)
    except ValueError:
        return "Invalid expires parameter."
    if now > deadline:
        return "Request has expired."
    return None
