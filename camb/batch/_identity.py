"""What makes an item's audio, and which shard an item belongs to: both stable everywhere.

`item_hash` is the SHA-256 of a canonical JSON document of everything that is synthesised for
an item (text, voice, language and every option that changes the audio, after defaults), so
a resumed run redoes a line whose audio would change and never one whose audio would not. The
id and the line number are left out: the id only names the file, and moving a line does not
change its audio. The text is hashed as it is sent: stripped, with whitespace runs collapsed
(`spoken_text`, what `speak()` cuts its requests from), so a trailing space added to a line
asks for nothing new. Hashes of the first identity (the raw text) still match
(`hash_matches`), so a folder made by an older camb is not paid for again.

`shard_of` spreads ids over N shards by SHA-256 of the id (never Python's `hash()`, which is
salted per process), so N machines given the same input and `--shard K/N` split it with no
coordination, identically on every machine and Python version.

Shards are numbered from 0: `--shard 0/8` to `--shard 7/8`. That is the index job systems
hand out (a Kubernetes Indexed Job's `JOB_COMPLETION_INDEX`, AWS Batch's
`AWS_BATCH_JOB_ARRAY_INDEX`), so `--shard "$JOB_COMPLETION_INDEX/8"` works as is. `8/8` is
refused with a message that says so, which also catches someone counting from 1.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import attrs

from .._exceptions import InvalidInputError
from .._longform._segmenting import spoken_text
from ._input import OPTION_NAMES, BatchItem

__all__ = ["HASH_VERSION", "Shard", "hash_matches", "item_hash", "parse_shard", "shard_of"]

# Part of every hashed document: changing what is hashed (or how) bumps it, and every item is
# redone once rather than some items being wrongly kept.
HASH_VERSION = "camb-batch-item/2"
LEGACY_HASH_VERSION = "camb-batch-item/1"
_SHARD_RE = re.compile(r"\s*([0-9]+)\s*/\s*([0-9]+)\s*")
MAX_SHARDS = 1_000_000


def _jsonable(value: Any) -> Any:
    if attrs.has(type(value)):
        return {k: v for k, v in attrs.asdict(value).items() if v is not None}
    return value


def item_hash(item: BatchItem) -> str:
    """The hex SHA-256 of what is synthesised for `item` (same audio request -> same hash)."""
    return _hash(item, HASH_VERSION, spoken_text(item.text))


def hash_matches(stored: object, item: BatchItem, digest: str | None = None) -> bool:
    """Whether a stored hash is `item`'s, of this identity or of the first one (raw text)."""
    if stored == (digest or item_hash(item)):
        return True
    return stored == _hash(item, LEGACY_HASH_VERSION, item.text)


def _hash(item: BatchItem, version: str, text: str) -> str:
    document: dict[str, Any] = {
        "v": version,
        "text": text,
        "voice_id": item.voice_id,
        "language": item.language,
    }
    if item.source_language is not None:
        # Translated speech (POST /translated-tts): `language` is the target.
        document["source_language"] = item.source_language
    for name in OPTION_NAMES:
        value = _jsonable(getattr(item, name))
        # An empty options object asks for the same audio as none at all.
        if value is not None and value != {}:
            document[name] = value
    canonical = json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def shard_of(item_id: str, count: int) -> int:
    """The 0-based shard of `item_id` among `count` shards (stable across machines)."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise InvalidInputError("count", "must be an int >= 1", count)
    digest = hashlib.sha256(item_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count


@attrs.frozen
class Shard:
    """One share of the items: shard `index` (0-based) of `count`."""

    index: int
    count: int

    def contains(self, item_id: str) -> bool:
        """Whether `item_id` belongs to this shard."""
        return shard_of(item_id, self.count) == self.index

    @property
    def label(self) -> str:
        """`K-of-N`, for file names (the state file of each shard is its own)."""
        return f"{self.index}-of-{self.count}"

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(value: str) -> Shard:
    """`"K/N"` -> Shard(K, N), with K from 0 to N-1; InvalidInputError naming `--shard`."""
    match = _SHARD_RE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidInputError("shard", "must be K/N, e.g. 0/8 (K counts from 0)", value)
    index, count = int(match.group(1)), int(match.group(2))
    if not 1 <= count <= MAX_SHARDS:
        raise InvalidInputError("shard", f"N must be 1 to {MAX_SHARDS}", value)
    if index >= count:
        raise InvalidInputError(
            "shard",
            f"K counts from 0 and must be 0 to {count - 1} (the completion index of a "
            "Kubernetes Indexed Job, for example)",
            value,
        )
    return Shard(index, count)
