"""Collecting the answers of a bulk call so that no id is lost. No I/O."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import attrs

from .._exceptions import (
    AuthenticationError,
    BadRequestError,
    BulkResultsError,
    CambError,
    NotFoundError,
    PaymentRequiredError,
)
from .._models import BulkResults

UNAVAILABLE = "not available: the API left it out of its answer (unknown or not finished)"


@attrs.frozen
class ChunkAnswer:
    """What one bulk request answered for the ids it asked: a URL per id, or the error of an id
    whose value was malformed. Ids in neither were left out by the API (unknown, unfinished)."""

    urls: dict[int, str]
    malformed: dict[int, CambError]


class BulkCollector:
    """Accounts for every id of a bulk call exactly once: a URL, unavailable, or failed.

    Safe to use from several threads. After an error that every later request would meet too
    (a bad key, no credits) `stopped` turns true, so the caller sends nothing more and reports
    the ids it did not send with that same error.
    """

    def __init__(self, unique_ids: Sequence[int]) -> None:
        self._ids = list(unique_ids)
        self._urls: dict[int, str] = {}
        self._unavailable: dict[int, str] = {}
        self._failed: dict[int, CambError] = {}
        self._fatal: CambError | None = None
        self._lock = threading.Lock()

    @property
    def stopped(self) -> bool:
        return self._fatal is not None

    def answered(self, chunk: Sequence[int], answer: ChunkAnswer) -> None:
        with self._lock:
            for run_id in chunk:
                if run_id in answer.urls:
                    self._urls[run_id] = answer.urls[run_id]
                elif run_id in answer.malformed:
                    self._failed[run_id] = answer.malformed[run_id]
                else:
                    self._unavailable[run_id] = UNAVAILABLE

    def failed(self, chunk: Sequence[int], error: CambError) -> None:
        with self._lock:
            if isinstance(error, (NotFoundError, BadRequestError)):
                # What the API answers when none of the runs asked for is available.
                reason = f"not available: {error}"
                self._unavailable.update(dict.fromkeys(chunk, reason))
                return
            self._failed.update(dict.fromkeys(chunk, error))
            if isinstance(error, (AuthenticationError, PaymentRequiredError)):
                self._fatal = self._fatal or error

    def results(self) -> BulkResults:
        """Everything so far; ids never sent (after a fatal error) count as failed with it."""
        with self._lock:
            failed = dict(self._failed)
            if self._fatal is not None:
                for run_id in self._ids:
                    if run_id not in self._urls and run_id not in self._unavailable:
                        failed.setdefault(run_id, self._fatal)
            # Keep the caller's order in the mapping.
            urls = {run_id: self._urls[run_id] for run_id in self._ids if run_id in self._urls}
            return BulkResults(urls=urls, unavailable=dict(self._unavailable), failed=failed)

    def finish(self, *, raise_on_error: bool) -> BulkResults:
        results = self.results()
        if results.failed and raise_on_error:
            first = next(iter(results.failed.values()))
            raise BulkResultsError(
                f"{len(results.failed)} of {len(self._ids)} run ids failed "
                f"({len(results)} succeeded; see .results); first error: {first}",
                results=results,
            )
        return results
