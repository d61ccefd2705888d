"""The speech cache: never pay twice for the same speech, across calls, runs and processes.

Opt-in with `Camb(cache=PATH)`, `$CAMB_CACHE`, or the CLI's `--cache DIR`. What is stored is
the audio of one `/tts-stream` request (a `stream()`, one segment of `speak()`, one item of a
batch), under a key that is the hash of the canonical request that shapes the audio: the
API's origin and path, the JSON body (text, voice, locale, model, every voice and output
option, `extra_body` included) and any `extra_query`; never the key or any other header.

Layout of a cache folder:

- `index.sqlite3`: one row per stored answer (size, Content-Type, credits it cost, when it was
  stored and last used) and the credits-per-character rate learned for each speech model from
  the `X-Credits-Required` answers (for `plan()` and budgets). WAL mode, short transactions:
  readers never block a writer, and several processes share it.
- `audio/<key>`: the audio, written with `AtomicFile` (complete or absent) and only after the
  whole answer arrived and was checked (status, Content-Type, body not cut short).
- `locks/<key>.lock`: taken while one caller synthesises that request, so that another caller
  (another task, thread or process) asking for the same request waits for it and is then
  served from the cache instead of paying a second time.

A size limit (`max_bytes`) evicts the least recently used answers; `max_age` (seconds) makes
older answers misses. `mode="replay"` serves only from the cache: a miss raises
`CacheMissError` naming the request, and no request is ever sent (no key needed).

This module does no network I/O; the stream that reads through the cache is
`camb/_async/_streaming.py` (and its generated twin).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
import sys
import threading
import time
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any, Literal

import attrs

from .._exceptions import CacheError, CacheMissError, CambError, FileWriteError, InvalidInputError
from .._files import AtomicFile, leftover_temporaries

log = logging.getLogger("camb")

from .._constants import CACHE_ENV, CACHE_MODE_ENV  # noqa: E402

CacheMode = Literal["readwrite", "replay"]
CACHE_MODES: tuple[CacheMode, ...] = ("readwrite", "replay")
DEFAULT_MAX_BYTES = 2 * 1024**3
INDEX_FILE = "index.sqlite3"
SCHEMA_VERSION = 1  # entries(key, bytes, crc32, content_type, credits, ...)
BUSY_TIMEOUT_MS = 10_000
# How stale an answer's "last used" time may get before a hit writes it again.
USE_RESOLUTION_SECONDS = 60.0
# The header a cached answer carries, so that anything holding the response can tell.
CACHE_HEADER = "x-camb-cache"


@attrs.frozen
class RequestKey:
    """One request's identity in the cache, and what a cost estimate needs of it."""

    key: str
    model: str
    characters: int
    summary: str


def request_key(
    base_url: str,
    request_args: Mapping[str, Any],
    *,
    extra_body: Mapping[str, Any] | None = None,
    extra_query: Mapping[str, Any] | None = None,
) -> RequestKey:
    """The cache key of a `/tts-stream` request: sha256 of its canonical form.

    Only what shapes the audio goes in: the API's base URL (its origin and path), the method
    and path, the JSON body with `extra_body` merged as it is sent, and `extra_query`. Headers
    (the API key among them) never do.
    """
    body = dict(request_args.get("json") or {})
    if extra_body:
        body.update(extra_body)
    canonical = {
        "api": base_url.rstrip("/"),
        "method": str(request_args.get("method", "POST")).upper(),
        "url": request_args.get("url"),
        "params": dict(request_args.get("params") or {}) | dict(extra_query or {}),
        "body": body,
    }
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    spoken = str(body.get("text", ""))
    model = str(body.get("speech_model") or "default")
    preview = spoken if len(spoken) <= 40 else spoken[:37] + "..."
    summary = (
        f"model={model} language={body.get('language')} voice_id={body.get('voice_id')} "
        f"text={preview!r}"
    )
    return RequestKey(key=digest, model=model, characters=len(spoken), summary=summary)


@attrs.frozen
class CachedAudio:
    """A stored answer, read whole (so that an eviction meanwhile cannot cut it short)."""

    key: str
    content: bytes
    content_type: str | None
    credits: float | None


@attrs.frozen
class Rate:
    """Credits per character of one speech model, learned from `X-Credits-Required`."""

    model: str
    credits_per_character: float
    answers: int


@attrs.frozen
class CacheInfo:
    """What `camb cache info` shows."""

    path: Path
    entries: int
    bytes: int
    max_bytes: int
    max_age: float | None
    mode: CacheMode
    rates: tuple[Rate, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "entries": self.entries,
            "bytes": self.bytes,
            "max_bytes": self.max_bytes,
            "max_age": self.max_age,
            "mode": self.mode,
            "rates": [attrs.asdict(rate) for rate in self.rates],
        }


class KeyLock:
    """An exclusive lock on one key's lock file, released by the OS if the process dies.

    flock locks belong to an open file, so two threads (or two tasks) of one process holding
    separate `KeyLock`s exclude each other as two processes do.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None

    def try_acquire(self) -> bool:
        try:
            file = open(self.path, "a+b")  # noqa: SIM115 (held open while locked)
        except OSError:
            return False
        try:
            if sys.platform == "win32":  # pragma: no cover (tested on POSIX only)
                import msvcrt

                file.seek(0)
                msvcrt.locking(file.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            file.close()
            return False
        self._file = file
        return True

    @property
    def held(self) -> bool:
        return self._file is not None

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class CacheWriter:
    """One answer on its way into the cache: fed as it arrives, stored only by `commit()`."""

    def __init__(self, cache: SpeechCache, key: RequestKey) -> None:
        self._cache = cache
        self._key = key
        self._file: AtomicFile | None = None
        self._failed = False
        self._crc = 0

    def write(self, chunk: bytes) -> None:
        if self._failed:
            return
        try:
            if self._file is None:
                # Not synced: a CRC-32 in the index is checked on every read instead, so a
                # file a power loss left torn or zeroed is a miss (measured: the sync cost
                # ~20 ms, a tenth of a request's time; the check ~1 ms per MB, a SHA-256 ~3).
                self._file = AtomicFile(
                    self._cache.audio_path(self._key.key), sync_folder=False, sync_file=False
                )
                self._file.__enter__()
            self._file.write(chunk)
            self._crc = zlib.crc32(chunk, self._crc)
        except FileWriteError as error:
            # The cache is a convenience: a full disk there must not fail the caller's audio.
            log.warning("camb: not caching %s: %s", self._key.key[:12], error)
            self.abort()
            self._failed = True

    def commit(self, *, content_type: str | None, credits: float | None) -> None:
        """The answer arrived whole and checked: rename it into place, then index it."""
        if self._file is None or self._failed:
            return
        file, self._file = self._file, None
        try:
            file.__exit__(None, None, None)
        except FileWriteError as error:
            log.warning("camb: not caching %s: %s", self._key.key[:12], error)
            return
        self._cache._index(
            self._key,
            file.size,
            self._crc,
            content_type=content_type,
            credits=credits,
        )

    def abort(self) -> None:
        """The answer failed or was abandoned part-way: nothing of it is stored."""
        if self._file is not None:
            file, self._file = self._file, None
            file.__exit__(CambError, CambError("abandoned"), None)


def _positive_number(param: str, value: object, *, integer: bool = False) -> float:
    rule = "a positive integer" if integer else "a positive number"
    if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)):
        raise InvalidInputError(param, f"must be {rule}", value)
    if not value > 0:
        raise InvalidInputError(param, f"must be {rule}", value)
    if value != value or value == float("inf"):
        raise InvalidInputError(param, "must be a finite number", value)
    return float(value)


class SpeechCache:
    """A folder of answers of `/tts-stream`, shared by calls, runs and processes.

    `max_bytes` (default 2 GiB) is the size the audio may take; past it the least recently
    used answers are evicted. `max_age` (seconds, default none) makes older answers misses.
    `mode="replay"` serves only from the cache and raises CacheMissError on a miss; it never
    writes, so a cache checked into a repository can be replayed from a read-only checkout.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_age: float | None = None,
        mode: CacheMode = "readwrite",
    ) -> None:
        if not isinstance(path, (str, os.PathLike)) or isinstance(path, bytes):
            raise InvalidInputError("cache", "must be a str or os.PathLike folder", path)
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise InvalidInputError("cache", "must be a folder, not a file", path)
        self.max_bytes = int(_positive_number("max_bytes", max_bytes, integer=True))
        self.max_age = None if max_age is None else _positive_number("max_age", max_age)
        if mode not in CACHE_MODES:
            raise InvalidInputError("mode", f"must be one of {', '.join(CACHE_MODES)}", mode)
        self.mode: CacheMode = mode
        if self.replay and not (self.path / INDEX_FILE).is_file():
            raise CacheError(
                f"{str(self.path)!r} holds no speech cache to replay: record one first (the "
                "same folder, mode='readwrite')"
            )
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._pid = os.getpid()
        self._locks_made = False

    def __repr__(self) -> str:
        return f"SpeechCache({str(self.path)!r}, mode={self.mode!r})"

    @property
    def replay(self) -> bool:
        return self.mode == "replay"

    def audio_path(self, key: str) -> Path:
        return self.path / "audio" / key

    def lock(self, key: str) -> KeyLock:
        folder = self.path / "locks"
        if not self._locks_made:
            with contextlib.suppress(OSError):
                folder.mkdir(parents=True, exist_ok=True)
                self._locks_made = True
        return KeyLock(folder / f"{key}.lock")

    def writer(self, key: RequestKey) -> CacheWriter:
        return CacheWriter(self, key)

    # --- the index -------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        if self._connection is not None and self._pid == os.getpid():
            return self._connection
        # A connection must not cross a fork: the child opens its own.
        self._pid = os.getpid()
        index = self.path / INDEX_FILE
        try:
            if self.replay:
                if not index.exists():
                    raise CacheError(f"{str(self.path)!r} holds no speech cache to replay")
                connection = _read_only(index)
            else:
                (self.path / "audio").mkdir(parents=True, exist_ok=True)
                connection = sqlite3.connect(
                    str(index),
                    isolation_level=None,
                    check_same_thread=False,
                    timeout=BUSY_TIMEOUT_MS / 1000,
                )
                connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                connection.execute("PRAGMA journal_mode = WAL")
                connection.execute("PRAGMA synchronous = NORMAL")
                connection.executescript(
                    """
                    CREATE TABLE IF NOT EXISTS entries (
                        key TEXT PRIMARY KEY, bytes INTEGER NOT NULL, crc32 INTEGER NOT NULL,
                        content_type TEXT,
                        credits REAL, model TEXT, characters INTEGER, summary TEXT,
                        created REAL NOT NULL, used REAL NOT NULL);
                    CREATE INDEX IF NOT EXISTS entries_used ON entries (used);
                    CREATE TABLE IF NOT EXISTS rates (
                        model TEXT PRIMARY KEY, credits REAL NOT NULL,
                        characters INTEGER NOT NULL, answers INTEGER NOT NULL);
                    """
                )
                connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            raise CacheError(f"cannot open the speech cache {str(self.path)!r}: {exc}") from exc
        except OSError as exc:
            raise CacheError(
                f"cannot make the speech cache {str(self.path)!r}: {exc.strerror}"
            ) from exc
        self._connection = connection
        return connection

    @contextlib.contextmanager
    def _db(self, *, write: bool = False) -> Iterator[sqlite3.Connection]:
        with self._lock:
            connection = self._open()
            try:
                if write:
                    connection.execute("BEGIN IMMEDIATE")
                    try:
                        yield connection
                    except BaseException:
                        connection.execute("ROLLBACK")
                        raise
                    connection.execute("COMMIT")
                else:
                    yield connection
            except sqlite3.Error as exc:
                raise CacheError(f"the speech cache {str(self.path)!r}: {exc}") from exc

    def close(self) -> None:
        """Close the index (it reopens when used again). A writer folds its WAL into the
        index file first, so that the folder can be copied or committed as it is."""
        with self._lock:
            if self._connection is not None and self._pid == os.getpid():
                if not self.replay:
                    with contextlib.suppress(sqlite3.Error):
                        self._connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                self._connection.close()
            self._connection = None

    def contains(self, key: RequestKey) -> bool:
        """Whether `lookup` would answer (for `plan()`); does not mark the answer used."""
        return self._row(key.key) is not None

    def _row(self, key: str) -> tuple[int, int, str | None, float | None, float] | None:
        """(bytes, crc32, content type, credits, last used) of a stored, unexpired answer."""
        if not (self.path / INDEX_FILE).exists():
            return None
        with self._db() as db:
            row: Any = db.execute(
                "SELECT bytes, crc32, content_type, credits, created, used FROM entries "
                "WHERE key = ?",
                (key,),
            ).fetchone()
        if row is None:
            return None
        if self.max_age is not None and row[4] < time.time() - self.max_age:
            return None
        return (int(row[0]), int(row[1]), row[2], row[3], float(row[5]))

    def lookup(self, key: RequestKey) -> CachedAudio | None:
        """The stored answer, or None. A row whose file is gone or has another size (removed
        by hand, or evicted meanwhile) is a miss."""
        row = self._row(key.key)
        if row is None:
            return None
        size, crc, content_type, credits, used = row
        try:
            content = self.audio_path(key.key).read_bytes()
        except OSError:
            content = b""
        if len(content) != size or not content or zlib.crc32(content) != crc:
            # Removed by hand, evicted meanwhile, or not what was stored: a miss.
            log.warning("camb: speech cache entry %s is missing or damaged: a miss", key.key[:12])
            return None
        now = time.time()
        if not self.replay and now - used > USE_RESOLUTION_SECONDS:
            # Least-recently-used to the minute: a hit costs a write only once a minute.
            with self._db(write=True) as db:
                db.execute("UPDATE entries SET used = ? WHERE key = ?", (now, key.key))
        log.info("camb: speech cache hit %s (%s): 0 credits", key.key[:12], key.summary)
        return CachedAudio(key=key.key, content=content, content_type=content_type, credits=credits)

    def _index(
        self,
        key: RequestKey,
        size: int,
        crc: int,
        *,
        content_type: str | None,
        credits: float | None,
    ) -> None:
        now = time.time()
        with self._db(write=True) as db:
            db.execute(
                "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key.key,
                    size,
                    crc,
                    content_type,
                    credits,
                    key.model,
                    key.characters,
                    key.summary,
                    now,
                    now,
                ),
            )
            if credits is not None and key.characters > 0:
                db.execute(
                    "INSERT INTO rates VALUES (?, ?, ?, 1) ON CONFLICT (model) DO UPDATE SET "
                    "credits = credits + excluded.credits, "
                    "characters = characters + excluded.characters, answers = answers + 1",
                    (key.model, credits, key.characters),
                )
            evicted = self._evict(db)
        for victim in evicted:
            with contextlib.suppress(OSError):
                self.audio_path(victim).unlink()
        log.debug("camb: speech cache stored %s (%s, %d bytes)", key.key[:12], key.summary, size)

    def _evict(self, db: sqlite3.Connection) -> list[str]:
        """Rows to drop (least recently used first) so that the total fits `max_bytes`, and
        those past `max_age`; removed from the index here, their files by the caller."""
        victims: list[str] = []
        if self.max_age is not None:
            cutoff = time.time() - self.max_age
            victims += [
                k for (k,) in db.execute("SELECT key FROM entries WHERE created < ?", (cutoff,))
            ]
            db.execute("DELETE FROM entries WHERE created < ?", (cutoff,))
        (total,) = db.execute("SELECT COALESCE(SUM(bytes), 0) FROM entries").fetchone()
        if total > self.max_bytes:
            for key, size in db.execute(
                "SELECT key, bytes FROM entries ORDER BY used ASC"
            ).fetchall():
                if total <= self.max_bytes:
                    break
                victims.append(key)
                total -= size
                db.execute("DELETE FROM entries WHERE key = ?", (key,))
        return victims

    def rate(self, model: str) -> Rate | None:
        """The credits per character learned for `model` (None before any answer said)."""
        if not (self.path / INDEX_FILE).exists():
            return None
        with self._db() as db:
            row = db.execute(
                "SELECT credits, characters, answers FROM rates WHERE model = ?", (model,)
            ).fetchone()
        if row is None or not row[1]:
            return None
        return Rate(model=model, credits_per_character=row[0] / row[1], answers=int(row[2]))

    def info(self) -> CacheInfo:
        entries = size = 0
        rates: list[Rate] = []
        if (self.path / INDEX_FILE).exists():
            with self._db() as db:
                entries, size = db.execute(
                    "SELECT COUNT(*), COALESCE(SUM(bytes), 0) FROM entries"
                ).fetchone()
                for model, credits, characters, answers in db.execute(
                    "SELECT model, credits, characters, answers FROM rates ORDER BY model"
                ):
                    if characters:
                        rates.append(Rate(model, credits / characters, int(answers)))
        return CacheInfo(
            path=self.path,
            entries=int(entries),
            bytes=int(size),
            max_bytes=self.max_bytes,
            max_age=self.max_age,
            mode=self.mode,
            rates=tuple(rates),
        )

    def clear(self) -> int:
        """Remove every stored answer (and leftovers of killed writers); keep the learned
        rates. Returns how many answers were removed."""
        if self.replay:
            raise CacheError("a replay cache is read-only: open it in readwrite mode to clear it")
        with self._db(write=True) as db:
            keys = [k for (k,) in db.execute("SELECT key FROM entries")]
            db.execute("DELETE FROM entries")
        folder = self.path / "audio"
        for file in folder.iterdir() if folder.is_dir() else []:
            with contextlib.suppress(OSError):
                file.unlink()
        # Lock files stay: one may be held by a caller synthesising now.
        return len(keys)

    def leftovers(self, key: str) -> list[Path]:
        return leftover_temporaries(self.audio_path(key))


def _read_only(index: Path) -> sqlite3.Connection:
    """A read-only connection: one that sees the WAL of a live writer where the folder can be
    written (SQLite needs its -shm file), else an immutable one (a read-only checkout)."""
    base = index.resolve().as_uri()
    for query in ("?mode=ro", "?mode=ro&immutable=1"):
        connection = sqlite3.connect(
            base + query, uri=True, isolation_level=None, check_same_thread=False
        )
        try:
            connection.execute("SELECT COUNT(*) FROM entries").fetchone()
        except sqlite3.Error:
            connection.close()
            continue
        return connection
    raise CacheError(f"{str(index.parent)!r} holds no readable speech cache to replay")


def cache_from(value: object, *, environ: Mapping[str, str] | None = None) -> SpeechCache | None:
    """`Camb(cache=...)`: a SpeechCache, a folder, or None for $CAMB_CACHE (else no cache).
    `False` turns the cache off even when $CAMB_CACHE is set."""
    env = os.environ if environ is None else environ
    if value is False:
        return None
    if isinstance(value, SpeechCache):
        return value
    if value is None:
        folder = env.get(CACHE_ENV)
        if not folder:
            return None
        value = folder
    if not isinstance(value, (str, os.PathLike)) or isinstance(value, bytes):
        raise InvalidInputError(
            "cache", "must be a folder (str or os.PathLike), a camb.SpeechCache, or None", value
        )
    mode = env.get(CACHE_MODE_ENV) or "readwrite"
    if mode not in CACHE_MODES:
        raise InvalidInputError(CACHE_MODE_ENV, f"must be one of {', '.join(CACHE_MODES)}", mode)
    return SpeechCache(value, mode=mode)


# How long a caller waits for another caller (thread, task or process) already synthesising
# the same request before paying for it itself; a call's deadline shortens it.
LOCK_WAIT_SECONDS = 60.0
LOCK_POLL_SECONDS = 0.02


@attrs.frozen
class SpeechGate:
    """What stands between one `/tts-stream` request and the network: the speech cache (if
    any), the job's credit budget (if any), and the request's estimated credits."""

    url: str
    key: RequestKey
    cache: SpeechCache | None
    budget: Any = None  # a camb._cost.CreditBudget
    estimate: float = 0.0

    def miss(self) -> CacheMissError:
        assert self.cache is not None
        return CacheMissError(
            f"replay: the speech cache {str(self.cache.path)!r} holds no answer for "
            f"{self.key.summary} (key {self.key.key[:16]}); replay mode sends nothing: record "
            "it once with the cache in readwrite mode",
            key=self.key.key,
            summary=self.key.summary,
        )


def estimate_for(
    cache: SpeechCache | None, key: RequestKey, rate: float | None
) -> tuple[float | None, str | None]:
    """Estimated credits of `key`'s request and where the rate came from (None: unknown)."""
    if rate is not None:
        return rate * key.characters, "given"
    learned = cache.rate(key.model) if cache is not None else None
    if learned is None:
        return None, None
    return (
        learned.credits_per_character * key.characters,
        f"learned from {learned.answers} answer(s) of {key.model}",
    )


def gate_for(
    client: Any,
    request_args: Mapping[str, Any],
    options: Any,
    *,
    budget: Any = None,
    rate: float | None = None,
) -> SpeechGate | None:
    """The gate of a request of `client` (None when it has no cache and no budget applies)."""
    cache: SpeechCache | None = getattr(client, "_speech_cache", None)
    if cache is None and budget is None:
        return None
    key = request_key(
        client.base_url,
        request_args,
        extra_body=options.extra_body,
        extra_query=options.extra_query,
    )
    estimate = 0.0
    if budget is not None:
        estimate = estimate_for(cache, key, rate)[0] or 0.0
    return SpeechGate(
        url=client.base_url + str(request_args.get("url", "")),
        key=key,
        cache=cache,
        budget=budget,
        estimate=estimate,
    )


def replay_refusal(cache: SpeechCache, what: str) -> CacheMissError:
    return CacheMissError(
        f"replay: the client replays {str(cache.path)!r} and sends nothing; {what} is not a "
        "speech request the cache can answer",
        key="",
        summary=what,
    )
