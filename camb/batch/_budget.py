"""A batch's cost: its plan (`camb.batch.plan`, `camb batch --dry-run`) and its budget
(`max_credits=`, `--max-credits`), both over the items this run would synthesise."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._cache._cost import CostPlan, CreditBudget, combine, rate_from
from .._exceptions import BudgetExceededError
from ._identity import Shard, item_hash
from ._input import BatchItem
from ._state import DONE, StateStore, state_file_name

if TYPE_CHECKING:
    from ._runner import BatchResult


def _done_rows(
    out_dir: Path, shard: Shard | None
) -> dict[str, tuple[str, str | None, int | None, float | None]]:
    """id -> (hash, file, bytes, credits) of the items a folder's state holds as done."""
    path = out_dir / state_file_name(shard)
    if not path.exists():
        return {}
    store = StateStore.open_readonly(path)
    try:
        return {
            row.id: (row.hash, row.file, row.bytes, row.credits)
            for row in store.iter_rows()
            if row.state == DONE
        }
    finally:
        store.close()


def seed_budget(
    budget: CreditBudget, items: list[BatchItem], out_dir: Path, shard: Shard | None
) -> None:
    """A resumed run's budget starts with what the folder's earlier runs reported for their
    done items, and knows the rate they were charged at."""
    texts = {item.id: item.text for item in items}
    for item_id, (_, _, _, credits) in _done_rows(out_dir, shard).items():
        if credits is not None:
            budget.add_spent(credits, characters=len(texts.get(item_id, "")))


def plan_items(
    client: Any,
    items: list[BatchItem],
    out_dir: Path,
    shard: Shard | None,
    *,
    credits_per_character: object = None,
) -> CostPlan:
    """What a run would send, counted without sending: items already done (same line, file
    intact) count as done; every other item as `tts.plan()` counts it."""
    rate = rate_from("credits_per_character", credits_per_character)
    done = _done_rows(out_dir, shard)
    plans: list[CostPlan] = []
    already = 0
    for item in items:
        row = done.get(item.id)
        if row is not None and row[0] == item_hash(item) and _intact(out_dir, row[1], row[2]):
            already += 1
            continue
        plans.append(
            client.tts.plan(
                item.text,
                item.voice_id,
                item.language,
                out_dir / item.file_name,
                credits_per_character=rate,
                **item.options(),
            )
        )
    return combine(plans, units=len(items), done_units=already)


def _intact(out_dir: Path, file: str | None, size: int | None) -> bool:
    if file is None or size is None:
        return False
    try:
        return os.stat(out_dir / file).st_size == size
    except OSError:
        return False


def budget_for(max_credits: object) -> CreditBudget | None:
    from .._cache._cost import budget_from

    return budget_from("max_credits", max_credits)


def stopped(
    result: BatchResult, error: BudgetExceededError, budget: CreditBudget
) -> BudgetExceededError:
    """The batch's budget error: what this folder holds done, and what is left."""
    summary = result.summary
    left = summary.counts.total - summary.counts.done
    reason: BaseException = error
    seen = {id(error)}
    # The budget's own words, under what speak() and the runner wrapped them in.
    while isinstance(reason.__cause__, BudgetExceededError) and id(reason.__cause__) not in seen:
        reason = reason.__cause__
        seen.add(id(reason))
    return BudgetExceededError(
        f"the batch stopped at max_credits={budget.max_credits:g}: {summary.counts.done} of "
        f"{summary.counts.total} item(s) done and kept ({budget.spent:g} credits spent, "
        f"earlier runs included), {left} not done; run it again with a larger budget to "
        f"synthesise only those. {reason}",
        spent=budget.spent,
        max_credits=budget.max_credits,
        done=summary.counts.done,
        not_done=left,
        result=result,
    )
