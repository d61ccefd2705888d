"""This client's defaults and fixed values, in one place.

The API's own limits (text lengths, run-id counts, option ranges, formats) are not here: they
are read from the spec by `make regen` into `camb/api_facts.py`. Plain values only: this module
imports nothing from the package, so any module may import it without a cycle (the default
schedule and backoff objects live beside their classes, in `_polling` and `_retry`).
"""

from __future__ import annotations

import httpx

DEFAULT_BASE_URL = "https://client.camb.ai/apis"
API_KEY_ENV = "CAMB_API_KEY"
BASE_URL_ENV = "CAMB_BASE_URL"
API_KEY_HEADER = "x-api-key"
USER_AGENT_PRODUCT = "camb-python"
# Only what `_body.BodyDecoder` inflates itself, with a cap (httpx would also offer br/zstd
# when their packages are installed, and inflate them without one).
ACCEPT_ENCODING = "gzip, deflate"

# Per request: 60 s between bytes, 10 s to connect.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
DEFAULT_MAX_RETRIES = 2
# Idle connections are dropped after 4 s: servers commonly close them after 5 s (uvicorn does),
# and a request sent on a connection the server is closing fails in a way that a POST, which
# costs credits, cannot safely retry.
DEFAULT_LIMITS = httpx.Limits(
    max_connections=64, max_keepalive_connections=32, keepalive_expiry=4.0
)
MAX_REDIRECTS = 5

# Waiting on tasks: the longest benchmarked task takes about 600 s.
DEFAULT_WAIT_TIMEOUT = 600.0
# Polls in flight at once for `wait_many` (each poll is one short GET).
DEFAULT_WAIT_CONCURRENCY = 16
# The API's docs advise sending bulk chunks one after another to stay clear of rate limits,
# so that is the default; raise it when your account's limits allow (429s are retried with
# Retry-After either way).
DEFAULT_BULK_CONCURRENCY = 1

EXPIRED_URL_HINT = "presigned URLs expire: fetch a fresh one with result_url()"
# The statuses with which a storage host says a presigned URL has expired (or never existed).
EXPIRED_URL_STATUSES = frozenset({401, 403, 404, 410})
# Files downloaded at once by `download_results` (from the storage host, not the API).
DEFAULT_DOWNLOAD_CONCURRENCY = 4

# Long-form speech (`tts.speak`): segments streamed at once. Small, because each is a
# synthesis the account pays for and rate limits count; raise it when your limits allow.
DEFAULT_SPEAK_CONCURRENCY = 4
# Further tries of a segment after a transient failure (5xx, a dropped connection, an answer
# cut short). One: such failures are usually passing, and each try may be billed, so a
# segment that fails twice is better reported (its neighbours are kept) than paid for again.
DEFAULT_SEGMENT_RETRIES = 1
# 429s waited out per segment (Retry-After honoured) before the segment fails: a 429 costs
# nothing, but an account that stays rate limited should not hang a call forever.
DEFAULT_RATE_LIMIT_WAITS = 20

# Batch jobs (`camb.batch.run`, `camb batch`): items spoken at once at most (the limit adapts
# below it while the API answers 429), and tries of an item in one run before it is recorded
# failed (a 429 is not a try; the next run tries failed items again).
DEFAULT_BATCH_CONCURRENCY = 8
DEFAULT_MAX_ATTEMPTS = 3
