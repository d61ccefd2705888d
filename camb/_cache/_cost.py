"""What speech will cost before it is bought, and a cap on what a job may spend.

`plan()` (`tts.plan`, `camb.batch.plan`, `--dry-run`) counts segments, characters and the
requests that would be sent, and how many of them the caches answer, without sending
anything. Its credits are an *estimate*: characters to be synthesised times a per-model rate,
either given by the user (`credits_per_character=`) or learned by the speech cache from the
`X-Credits-Required` answers it stored.

`CreditBudget` (`max_credits=` on `speak()` and `camb.batch.run`, `--max-credits`) stops a job
before a request whose estimate would cross the budget and, when the credits actually
reported cross it, before any further request. It is shared by every request of a job
(thread-safe), so a batch's items draw on one budget, and a resumed batch starts it with what
its earlier runs spent.

Hooks for the features being written on other branches:

- live sessions (cache and budget per segment): before each paid segment, build its gate with
  `camb._cache.gate_for(client, request_args, options, budget=budget)`; a `SpeechCache.lookup`
  hit is the segment's audio for 0 credits; otherwise `budget.reserve(gate.estimate, what,
  characters=...)`, then `budget.settle(reserved, reported_credits, characters=...)`, and
  store the whole segment with `cache.writer(gate.key)` (`write()`, then `commit()`);
- translate: `plan()` returns a `CostPlan` (one per request it would send, summed with
  `combine()`), `--dry-run`/`--max-credits`/`--credits-per-character` come from
  `camb._cli_cache.add_cost_options(parser)` and `print_plan(console, plan)`, and its paid
  requests go through `CreditBudget.reserve()`/`settle()` like the speech above.
"""

from __future__ import annotations

import threading
from typing import Any

import attrs

from .._exceptions import BudgetExceededError, InvalidInputError


def _non_negative(param: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError(param, "must be a number >= 0", value)
    if not value >= 0 or value == float("inf"):
        raise InvalidInputError(param, "must be a finite number >= 0", value)
    return float(value)


class CreditBudget:
    """At most `max_credits` for a job; `spent` starts at what it spent before (a resume)."""

    def __init__(self, max_credits: float, *, spent: float = 0.0) -> None:
        self.max_credits = _non_negative("max_credits", max_credits)
        self._lock = threading.Lock()
        self._spent = _non_negative("spent", spent)
        self._reserved = 0.0
        # The job's own answers: a rate for requests nothing else can estimate.
        self._seen_credits = 0.0
        self._seen_characters = 0

    def __repr__(self) -> str:
        return f"CreditBudget(max_credits={self.max_credits:g}, spent={self.spent:g})"

    @property
    def spent(self) -> float:
        with self._lock:
            return self._spent

    def add_spent(self, credits: float, *, characters: int = 0) -> None:
        """Credits spent before this run (a resumed batch's finished items), and for how many
        characters, if known (a rate for estimates)."""
        with self._lock:
            self._spent += credits
            if characters:
                self._seen_credits += credits
                self._seen_characters += characters

    def reserve(self, estimate: float, what: str, *, characters: int = 0) -> float:
        """Before a paid request: raise BudgetExceededError if its estimate would take what
        is spent and under way past the budget, or if the reported credits already reached
        it. With no estimate (no rate given or learned by a cache) the rate this budget saw
        in the job's own answers so far is used. Returns the estimate reserved."""
        with self._lock:
            if estimate == 0 and characters and self._seen_characters:
                estimate = characters * self._seen_credits / self._seen_characters
            committed = self._spent + self._reserved
            if committed + estimate > self.max_credits or (
                estimate == 0 and committed >= self.max_credits
            ):
                reason = (
                    f"the credits reported reached it ({self._spent:g} spent)"
                    if self._spent >= self.max_credits
                    else f"{what} is estimated at {estimate:g} credits, and {committed:g} are "
                    "already spent or under way"
                )
                raise BudgetExceededError(
                    f"max_credits={self.max_credits:g} would be crossed: {reason}",
                    spent=self._spent,
                    max_credits=self.max_credits,
                )
            self._reserved += estimate
            return estimate

    def settle(self, estimate: float, credits: float | None, *, characters: int = 0) -> None:
        """After the answer's headers: the reservation becomes what was reported (or stays the
        estimate when the server reported nothing)."""
        with self._lock:
            self._reserved = max(0.0, self._reserved - estimate)
            self._spent += estimate if credits is None else credits
            if credits is not None and characters:
                self._seen_credits += credits
                self._seen_characters += characters

    def release(self, estimate: float) -> None:
        """A reserved request that was never answered (it failed before any header)."""
        with self._lock:
            self._reserved = max(0.0, self._reserved - estimate)


def budget_from(param: str, value: object) -> CreditBudget | None:
    """`max_credits=`: a number, a shared CreditBudget, or None for no limit."""
    if value is None or isinstance(value, CreditBudget):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError(param, "must be a number >= 0, a camb.CreditBudget, or None", value)
    return CreditBudget(_non_negative(param, value))


def rate_from(param: str, value: object) -> float | None:
    """`credits_per_character=`: a number >= 0, or None (learn it from the cache)."""
    return None if value is None else _non_negative(param, value)


@attrs.frozen
class CostPlan:
    """What a job would send, counted without sending anything.

    `segments` requests' worth of text (`characters` characters) of which `cached` come from
    a cache (the speech cache, or the segments an interrupted call kept) and `requests` would
    be sent, with `characters_to_send` characters. `estimated_credits` is an ESTIMATE:
    `characters_to_send` times `credits_per_character`, which came from `rate_source`
    ("given", or "learned from N answers"); None when no rate is known. `units` counts the
    job's items (1 for `speak()`; a batch's items, `done_units` of them already done).
    """

    segments: int
    characters: int
    requests: int
    cached: int
    characters_to_send: int
    estimated_credits: float | None
    credits_per_character: float | None
    rate_source: str | None
    units: int = 1
    done_units: int = 0

    def describe(self) -> str:
        head = (
            f"{self.segments} segment(s), {self.characters} characters: {self.requests} "
            f"request(s) to send ({self.characters_to_send} characters), {self.cached} from "
            "the cache"
        )
        if self.units != 1 or self.done_units:
            head = f"{self.units} item(s), {self.done_units} already done; " + head
        if self.requests == 0:
            return head + "; 0 credits (nothing to send)"
        if self.estimated_credits is None or self.credits_per_character is None:
            return head + "; credits: unknown (no rate: pass credits_per_character, or use a "
            "cache that has seen an answer of this model)"
        return (
            f"{head}; about {self.estimated_credits:g} credits (estimate: "
            f"{self.credits_per_character:g} per character, {self.rate_source})"
        )

    def as_dict(self) -> dict[str, Any]:
        return {**attrs.asdict(self), "estimate": True}


def combine(plans: list[CostPlan], *, units: int, done_units: int) -> CostPlan:
    """A batch's plan: the sum of its pending items' plans."""
    known = [plan for plan in plans if plan.estimated_credits is not None]
    sending = [plan for plan in plans if plan.requests]
    unknown = any(plan.estimated_credits is None for plan in sending)
    rates = {(plan.credits_per_character, plan.rate_source) for plan in known}
    rate, source = rates.pop() if len(rates) == 1 else (None, "per model" if rates else None)
    return CostPlan(
        segments=sum(plan.segments for plan in plans),
        characters=sum(plan.characters for plan in plans),
        requests=sum(plan.requests for plan in plans),
        cached=sum(plan.cached for plan in plans),
        characters_to_send=sum(plan.characters_to_send for plan in plans),
        estimated_credits=None if unknown else sum(plan.estimated_credits or 0.0 for plan in plans),
        credits_per_character=rate,
        rate_source=source,
        units=units,
        done_units=done_units,
    )
