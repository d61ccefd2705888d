"""Replay (no network, no key), cost preview (`plan()`) and budgets (`max_credits`)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

import camb
import camb.batch
from camb._cache._store import SpeechCache
from camb.sandbox import Sandbox, running

from ._helpers import PAUSE, chapter, stream_requests, write_items

# --- replay -----------------------------------------------------------------------------------


def test_replay_serves_a_recorded_session_with_no_network_and_no_key(
    voice: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "recorded"
    with running() as sandbox:
        url = sandbox.url
        with camb.Camb(api_key=sandbox.api_key, base_url=url, cache=folder) as client:
            recorded = client.tts.stream("Recorded once.", voice, "en-us").read()
            client.tts.speak(
                chapter(2), voice, "en-us", tmp_path / "rec.wav", paragraph_pause=PAUSE
            )
    # The sandbox is gone: anything sent now would fail to connect. No key anywhere either.
    monkeypatch.delenv("CAMB_API_KEY", raising=False)
    replay = SpeechCache(folder, mode="replay")
    with camb.Camb(base_url=url, cache=replay) as client:
        stream = client.tts.stream("Recorded once.", voice, "en-us")
        assert stream.read() == recorded
        assert stream.from_cache
        result = client.tts.speak(
            chapter(2), voice, "en-us", tmp_path / "replayed.wav", paragraph_pause=PAUSE
        )
        assert result.cached_segments == 2
        assert result.credits == 0
        assert (tmp_path / "replayed.wav").read_bytes() == (tmp_path / "rec.wav").read_bytes()
        with pytest.raises(camb.CacheMissError, match="Never recorded") as miss:
            client.tts.stream("Never recorded.", voice, "en-us").read()
        assert "Never recorded" in miss.value.summary
        assert len(miss.value.key) == 64
        with pytest.raises(camb.CacheMissError, match="Also never recorded"):
            client.tts.speak("Also never recorded.", voice, "en-us", tmp_path / "miss.wav")
        with pytest.raises(camb.CacheMissError, match="list-voices"):
            client.voices.list()
        assert not (tmp_path / "miss.wav").exists()


def test_replay_from_the_environment_async(
    sandbox: Sandbox, voice: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "recorded"
    with camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url, cache=folder) as client:
        client.tts.stream("Recorded for async.", voice, "en-us").read()
    monkeypatch.setenv("CAMB_CACHE", str(folder))
    monkeypatch.setenv("CAMB_CACHE_MODE", "replay")
    before = stream_requests(sandbox)

    async def main() -> bytes:
        async with camb.AsyncCamb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
            audio = await client.tts.stream("Recorded for async.", voice, "en-us").read()
            with pytest.raises(camb.CacheMissError):
                await client.tts.stream("Not recorded for async.", voice, "en-us").read()
            return audio

    assert asyncio.run(main())
    assert stream_requests(sandbox) == before
    monkeypatch.setenv("CAMB_CACHE_MODE", "record")
    with pytest.raises(camb.InvalidInputError, match="CAMB_CACHE_MODE"):
        camb.Camb(api_key="k")


def test_replay_of_a_folder_that_holds_no_cache_says_so(tmp_path: Path) -> None:
    with pytest.raises(camb.CacheError, match="no speech cache to replay"):
        camb.Camb(base_url="http://127.0.0.1:9", cache=SpeechCache(tmp_path, mode="replay"))


# --- plan() -------------------------------------------------------------------------------------


def test_plan_sends_nothing_and_its_counts_match_a_real_run(
    sandbox: Sandbox, voice: int, tmp_path: Path
) -> None:
    with camb.Camb(
        api_key=sandbox.api_key, base_url=sandbox.url, cache=tmp_path / "cache"
    ) as client:
        client.tts.speak(chapter(), voice, "en-us", tmp_path / "a.wav", paragraph_pause=PAUSE)
        text = chapter(changed=1) + "\n\nA new closing paragraph."
        before = sandbox.stats()["requests"]
        plan = client.tts.plan(text, voice, "en-us", tmp_path / "b.wav", paragraph_pause=PAUSE)
        assert sandbox.stats()["requests"] == before  # nothing sent
        assert (plan.segments, plan.requests, plan.cached) == (5, 2, 3)
        assert plan.characters == len(text.replace("\n\n", ""))
        sent = len(text.split("\n\n")[1]) + len("A new closing paragraph.")
        assert plan.characters_to_send == sent
        # The sandbox charges a credit per character; the cache learned that rate.
        assert plan.estimated_credits == pytest.approx(sent)
        assert "estimate" in plan.describe()
        assert "learned from" in plan.describe()
        result = client.tts.speak(text, voice, "en-us", tmp_path / "b.wav", paragraph_pause=PAUSE)
        assert stream_requests_since(sandbox, before) == plan.requests
        assert result.cached_segments == plan.cached
        assert result.credits == pytest.approx(plan.estimated_credits)


def stream_requests_since(sandbox: Sandbox, before_all: int) -> int:
    return int(sandbox.stats()["requests"] - before_all)


def test_plan_without_a_cache_needs_a_given_rate(sandbox: Sandbox, voice: int) -> None:
    with camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
        unknown = client.tts.plan("Twenty characters!!", voice, "en-us")
        assert unknown.estimated_credits is None
        assert "unknown" in unknown.describe()
        given = client.tts.plan("Twenty characters!!", voice, "en-us", credits_per_character=2)
        assert given.estimated_credits == 38
        assert given.rate_source == "given"
        with pytest.raises(camb.InvalidInputError, match="credits_per_character"):
            client.tts.plan("Twenty characters!!", voice, "en-us", credits_per_character=-1)


@pytest.mark.parametrize("client_kind", ["sync", "async"])
def test_a_batch_plan_counts_what_a_run_then_sends(
    client_kind: str, sandbox: Sandbox, voice: int, tmp_path: Path
) -> None:
    source = write_items(tmp_path / "in.jsonl", 5, prefix=f"Planned {client_kind}")
    defaults = {"voice_id": voice, "language": "en-us", "format": "wav"}
    cache = tmp_path / "cache"
    with camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url, cache=cache) as client:
        camb.batch.run(
            client,
            write_items(tmp_path / "two.jsonl", 2, prefix=f"Planned {client_kind}"),
            out=tmp_path / "o1",
            defaults=defaults,
        )
    factory: Any = camb.Camb if client_kind == "sync" else camb.AsyncCamb
    client = factory(api_key=sandbox.api_key, base_url=sandbox.url, cache=cache)
    before = sandbox.stats()["requests"]
    plan = camb.batch.plan(client, source, out=tmp_path / "o2", defaults=defaults)
    assert sandbox.stats()["requests"] == before
    assert (plan.units, plan.done_units, plan.segments, plan.requests, plan.cached) == (
        5,
        0,
        5,
        3,
        2,
    )
    with camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url, cache=cache) as sync_client:
        result = camb.batch.run(sync_client, source, out=tmp_path / "o2", defaults=defaults)
        assert stream_requests_since(sandbox, before) == plan.requests
        assert result.summary.credits == pytest.approx(plan.estimated_credits)
        again = camb.batch.plan(sync_client, source, out=tmp_path / "o2", defaults=defaults)
        assert (again.done_units, again.requests) == (5, 0)


# --- budgets ------------------------------------------------------------------------------------


def test_speak_refuses_before_sending_when_the_estimate_crosses_the_budget(
    sandbox: Sandbox, voice: int, tmp_path: Path
) -> None:
    with camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
        before = stream_requests(sandbox)
        with pytest.raises(camb.BudgetExceededError, match="nothing was sent") as stop:
            client.tts.speak(
                chapter(),
                voice,
                "en-us",
                tmp_path / "a.wav",
                paragraph_pause=PAUSE,
                max_credits=100,
                credits_per_character=1.0,
            )
        assert stream_requests(sandbox) == before
        assert (stop.value.done, stop.value.not_done, stop.value.max_credits) == (0, 4, 100)
        with pytest.raises(camb.InvalidInputError, match="max_credits"):
            client.tts.speak("Text.", voice, "en-us", tmp_path / "b.wav", max_credits=-5)


def test_speak_stops_once_the_reported_credits_reach_the_budget(
    sandbox: Sandbox, voice: int, tmp_path: Path
) -> None:
    # No rate is known (no cache, none given): only the reported credits can stop it.
    text = chapter()
    first = len(text.split("\n\n")[0])
    with camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
        before = stream_requests(sandbox)
        with pytest.raises(camb.BudgetExceededError, match="1 of 4 segment") as stop:
            client.tts.speak(
                text,
                voice,
                "en-us",
                tmp_path / "a.wav",
                paragraph_pause=PAUSE,
                concurrency=1,
                max_credits=first,
            )
        assert stream_requests(sandbox) - before == 1
        assert stop.value.spent == first
        assert stop.value.not_done == 3
        assert not (tmp_path / "a.wav").exists()
        # The paid segment is kept: a larger budget pays only for the rest.
        result = client.tts.speak(
            text, voice, "en-us", tmp_path / "a.wav", paragraph_pause=PAUSE, max_credits=10**6
        )
        assert result.cached_segments == 1
        assert stream_requests(sandbox) - before == 4


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_max_credits_stops_a_batch_at_the_budget_with_every_finished_item_kept(
    mode: str, sandbox: Sandbox, voice: int, tmp_path: Path
) -> None:
    source = write_items(tmp_path / "in.jsonl", 10, prefix=f"Budgeted {mode}")
    each = len(f"Budgeted {mode} number 0 of the batch.")
    defaults = {"voice_id": voice, "language": "en-us", "format": "wav"}
    out = tmp_path / "out"
    budget = each * 4 - 1  # enough for three items, not a fourth

    def run(max_credits: float) -> Any:
        if mode == "sync":
            with camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
                return camb.batch.run(
                    client,
                    source,
                    out=out,
                    defaults=defaults,
                    concurrency=1,
                    max_credits=max_credits,
                )

        async def main() -> Any:
            async with camb.AsyncCamb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
                return await camb.batch.run(
                    client,
                    source,
                    out=out,
                    defaults=defaults,
                    concurrency=1,
                    max_credits=max_credits,
                )

        return asyncio.run(main())

    before = stream_requests(sandbox)
    with pytest.raises(camb.BudgetExceededError, match="3 of 10 item") as stop:
        run(budget)
    assert stream_requests(sandbox) - before == 3
    assert (stop.value.done, stop.value.not_done) == (3, 7)
    assert stop.value.spent == 3 * each
    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    done = [row for row in manifest if row["state"] == "done"]
    assert len(done) == 3
    for row in done:
        assert (out / row["file"]).stat().st_size == row["bytes"]
    # A resumed run counts what the folder already spent: the same budget sends nothing more.
    with pytest.raises(camb.BudgetExceededError, match="3 of 10 item"):
        run(budget)
    assert stream_requests(sandbox) - before == 3
    # Room for two more items (the three earlier ones count): it stops at five.
    with pytest.raises(camb.BudgetExceededError, match="5 of 10 item"):
        run(each * 5)
    assert stream_requests(sandbox) - before == 5
    finished = run(each * 10)
    assert finished.summary.counts.done == 10
    assert stream_requests(sandbox) - before == 10


def test_the_new_errors_pickle_with_what_they_say(tmp_path: Path) -> None:
    import pickle

    miss = pickle.loads(pickle.dumps(camb.CacheMissError("m", key="k" * 64, summary="text='x'")))
    assert (miss.key, miss.summary) == ("k" * 64, "text='x'")
    stop = camb.BudgetExceededError("s", spent=3.0, max_credits=2.0, done=1, not_done=4)
    again = pickle.loads(pickle.dumps(stop))
    assert (again.spent, again.max_credits, again.done, again.not_done) == (3.0, 2.0, 1, 4)
