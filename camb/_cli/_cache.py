"""The CLI's speech cache and cost options: `--cache DIR`, `--replay`, `camb cache info|clear`,
and `--dry-run`, `--max-credits`, `--credits-per-character` of `speak` and `batch`.

Translation (being added on another branch) takes the same cost options by calling
`add_cost_options(parser)` and `print_plan(console, plan)`."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any

from .._constants import CACHE_ENV, CACHE_MODE_ENV
from ._support import Console, ExitStatus, UsageError

if TYPE_CHECKING:
    from .._cache._cost import CostPlan
    from .._cache._store import SpeechCache


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number >= 0, not {text}")
    return value


def add_cache_options(group: Any, default: Any) -> None:
    """The global `--cache DIR` and `--replay` (in every command's help)."""
    group.add_argument(
        "--cache",
        default=default(None),
        metavar="DIR",
        help=f"a speech cache shared by runs: the same speech is never paid twice "
        f"(default: ${CACHE_ENV}, else none)",
    )
    group.add_argument(
        "--replay",
        action="store_true",
        default=default(False),
        help="serve speech only from the cache, send nothing; a miss is an error naming it",
    )


def add_cost_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="send nothing: print the segments, characters, requests, how many the cache "
        "answers, and an estimate of the credits",
    )
    parser.add_argument(
        "--max-credits",
        type=_non_negative_float,
        metavar="N",
        help="stop before a request whose estimate would cross N credits, and once the "
        "credits reported reach N (what is done is kept)",
    )
    parser.add_argument(
        "--credits-per-character",
        type=_non_negative_float,
        metavar="R",
        help="the rate for estimates (default: the one the cache learned from earlier answers)",
    )


def cache_of(args: argparse.Namespace) -> SpeechCache | None:
    """The cache `--cache`/`--replay` (or the environment) name, or None."""
    from .._cache._store import SpeechCache

    folder = getattr(args, "cache", None) or os.environ.get(CACHE_ENV)
    replay = getattr(args, "replay", False) or os.environ.get(CACHE_MODE_ENV) == "replay"
    if not folder:
        if getattr(args, "replay", False):
            raise UsageError(f"--replay needs a cache: give --cache DIR or set ${CACHE_ENV}")
        return None
    return SpeechCache(folder, mode="replay" if replay else "readwrite")


def client_cache_option(args: argparse.Namespace) -> dict[str, Any]:
    """`cache=` for the client, when the command line chose one."""
    if getattr(args, "cache", None) or getattr(args, "replay", False):
        return {"cache": cache_of(args)}
    return {}


def print_plan(console: Console, plan: CostPlan) -> ExitStatus:
    if console.json_mode:
        console.emit_json(plan.as_dict())
    else:
        console.out(f"dry run, nothing sent: {plan.describe()}")
    return ExitStatus.OK


def cache_command(args: argparse.Namespace, console: Console) -> ExitStatus:
    """`camb cache info [DIR]` and `camb cache clear [DIR]`."""
    from .._cache._store import SpeechCache

    folder = args.folder or getattr(args, "cache", None) or os.environ.get(CACHE_ENV)
    if not folder:
        raise UsageError(f"which cache? give DIR, --cache DIR, or set ${CACHE_ENV}")
    cache = SpeechCache(folder)
    try:
        if args.action == "clear":
            removed = cache.clear()
            if console.json_mode:
                console.emit_json({"path": str(cache.path), "removed": removed})
            else:
                console.out(f"removed {removed} answer(s) from {cache.path}")
            return ExitStatus.OK
        info = cache.info()
    finally:
        cache.close()
    if console.json_mode:
        console.emit_json(info.as_dict())
        return ExitStatus.OK
    age = "none" if info.max_age is None else f"{info.max_age:g} s"
    console.out(
        f"{info.path}: {info.entries} answer(s), {info.bytes:,} bytes "
        f"(limit {info.max_bytes:,}; max age {age})"
    )
    for rate in info.rates:
        console.out(
            f"  {rate.model}: {rate.credits_per_character:g} credits per character "
            f"(learned from {rate.answers} answer(s))"
        )
    return ExitStatus.OK


def add_cache_command(sub: Any, command: Any) -> None:
    cache = command("cache", "show or empty the speech cache (`info`, `clear`)")
    cache.add_argument("action", choices=("info", "clear"), help="info or clear")
    cache.add_argument(
        "folder", nargs="?", metavar="DIR", help=f"the cache (default: --cache, else ${CACHE_ENV})"
    )
    cache.set_defaults(local_command=cache_command)
