"""Live sessions through the speech cache (issue 21): a sentence bought once is played from
the cache in every later session with the same voice and options, in order, for 0 credits;
only the sentences the cache cannot answer are sent. Replay mode connects to nothing."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from camb import (
    AsyncCamb,
    BudgetExceededError,
    CacheError,
    CacheMissError,
    Camb,
    LiveAudio,
    LiveConnectionError,
    LiveSegment,
    LiveSegmentDone,
    LiveSkipped,
    LiveSummary,
    LiveTimeoutError,
    SpeechCache,
)
from camb._live._cache_plan import CachedSegment, LiveCachePlan, decode_unit, encode_unit
from camb.sandbox import Sandbox

from ._checks import check_order
from .conftest import VOICE, slow_async_tokens, slow_tokens, token_chunks

CHAPTER = (
    "The lighthouse keeper woke before dawn. He climbed the spiral stairs one last time. "
    "The lamp was cold and the sea was calm. Nobody would come to relieve him now. "
    "He wrote one line in the log and closed the book"
)
EDITED = CHAPTER.replace("The lamp was cold and the sea was calm.", "The lamp was dark.")


def _sent_chunks(sandbox: Sandbox) -> list[str]:
    record = sandbox.live_sessions()[-1]
    return [frame["text"] for frame in record.client_frames if frame["type"] == "text.chunk"]


def _spoken(events: list[Any]) -> list[tuple[str, bool]]:
    return [(e.text, e.cached) for e in events if isinstance(e, LiveSegmentDone)]


def _audio(events: list[Any]) -> dict[str, bytes]:
    """Each segment's audio, by its text."""
    by_id: dict[int, bytearray] = {}
    texts: dict[int, str] = {}
    for event in events:
        if isinstance(event, LiveSegment):
            texts[event.segment_id] = event.text
            by_id[event.segment_id] = bytearray()
        elif isinstance(event, LiveAudio):
            by_id[event.segment_id] += event.data
    return {texts[key]: bytes(value) for key, value in by_id.items()}


def _session(client: Camb, text: Any, **options: Any) -> list[Any]:
    with client.tts.live(VOICE, format="wav", word_timestamps=True, text=text, **options) as s:
        return list(s)


async def _async_session(client: AsyncCamb, text: Any, **options: Any) -> list[Any]:
    async with client.tts.live(
        VOICE, format="wav", word_timestamps=True, text=text, **options
    ) as session:
        return [event async for event in session]


def test_the_same_session_twice_sends_no_text_the_second_time(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    chunks = token_chunks(CHAPTER)
    with Camb(api_key=sandbox.api_key, base_url=sandbox.url, cache=tmp_path / "c") as client:
        first = _session(client, slow_tokens(chunks, 0.001))
        assert _sent_chunks(sandbox)  # the first session paid for every sentence
        paid = sandbox.live_sessions()[-1].credits_used
        assert paid > 0
        second = _session(client, slow_tokens(chunks, 0.001))
    # Nothing was sent (and nothing paid) the second time; the same audio, words and order.
    assert _sent_chunks(sandbox) == []
    assert sandbox.live_sessions()[-1].credits_used == 0
    assert [text for text, _ in _spoken(first)] == [text for text, _ in _spoken(second)]
    assert all(cached for _, cached in _spoken(second))
    assert not any(cached for _, cached in _spoken(first))
    assert _audio(first) == _audio(second)
    first_words = [
        (w.word, w.session_start, w.char_start)
        for e in first
        if isinstance(e, LiveSegmentDone)
        for w in e.words or ()
    ]
    second_words = [
        (w.word, w.session_start, w.char_start)
        for e in second
        if isinstance(e, LiveSegmentDone)
        for w in e.words or ()
    ]
    assert first_words
    assert first_words == second_words
    summary = second[-1]
    assert isinstance(summary, LiveSummary)
    assert summary.cached_segments == summary.segments == len(_spoken(first))
    assert summary.spoken_text == first[-1].spoken_text
    check_order(second)


async def test_an_edited_sentence_is_the_only_text_sent_asyncio(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async with AsyncCamb(
        api_key=sandbox.api_key, base_url=sandbox.url, cache=tmp_path / "c"
    ) as client:
        first = await _async_session(client, slow_async_tokens(token_chunks(CHAPTER), 0.001))
        second = await _async_session(client, slow_async_tokens(token_chunks(EDITED), 0.001))
    assert [text.strip() for text in _sent_chunks(sandbox)] == ["The lamp was dark."]
    spoken = _spoken(second)
    assert [text for text, _ in spoken] == [
        "The lighthouse keeper woke before dawn.",
        "He climbed the spiral stairs one last time.",
        "The lamp was dark.",
        "Nobody would come to relieve him now.",
        "He wrote one line in the log and closed the book",
    ]
    assert [cached for _, cached in spoken] == [True, True, False, True, True]
    # The sentences heard before are the very same audio; ids and times run on in order.
    before, after = _audio(first), _audio(second)
    for text, cached in spoken:
        if cached:
            assert after[text] == before[text]
    check_order(second)
    assert second[-1].cached_segments == 4


def test_a_miss_after_a_hit_waits_so_the_order_holds(sandbox: Sandbox, tmp_path: Path) -> None:
    """Only the middle sentence is cached: the first is sent, the middle one played from the
    cache once the first is spoken, and the last sent only then (never joined with the
    first by the server)."""
    middle = "He climbed the spiral stairs one last time."
    with Camb(api_key=sandbox.api_key, base_url=sandbox.url, cache=tmp_path / "c") as client:
        _session(client, middle)
        events = _session(client, [CHAPTER[:120], CHAPTER[120:]])
    assert _sent_chunks(sandbox)[1].strip() != middle
    assert middle not in "".join(_sent_chunks(sandbox))
    texts = [text for text, _ in _spoken(events)]
    assert texts[:3] == [
        "The lighthouse keeper woke before dawn.",
        middle,
        "The lamp was cold and the sea was calm.",
    ]
    assert [cached for text, cached in _spoken(events) if text == middle] == [True]
    check_order(events)
    # text.done went out after the last sentence sent.
    record = sandbox.live_sessions()[-1]
    assert record.client_frames[-1]["type"] == "text.done"


def test_another_voice_option_is_another_sentence(sandbox: Sandbox, tmp_path: Path) -> None:
    with Camb(api_key=sandbox.api_key, base_url=sandbox.url, cache=tmp_path / "c") as client:
        _session(client, CHAPTER)
        _session(client, CHAPTER, speaking_rate=1.2)
        assert len(_sent_chunks(sandbox)) == 5
        # idle_timeout does not shape the audio: the same sentences, nothing sent.
        _session(client, CHAPTER, idle_timeout=2.0)
        assert _sent_chunks(sandbox) == []


def test_replay_plays_a_recorded_session_with_no_network(sandbox: Sandbox, tmp_path: Path) -> None:
    folder = tmp_path / "recorded"
    with Camb(api_key=sandbox.api_key, base_url=sandbox.url, cache=folder) as client:
        recorded = _session(client, slow_tokens(token_chunks(CHAPTER), 0.001))
    sessions = len(sandbox.live_sessions())
    # No key, and the API's address as recorded: nothing may be connected.
    replay = SpeechCache(folder, mode="replay")
    with Camb(base_url=sandbox.url, cache=replay) as client:
        replayed = _session(client, slow_tokens(token_chunks(CHAPTER), 0.001))
        assert len(sandbox.live_sessions()) == sessions
        assert _audio(replayed) == _audio(recorded)
        summary = replayed[-1]
        assert isinstance(summary, LiveSummary)
        assert summary.run_id is None
        assert summary.cached_segments == summary.segments == 5
        with pytest.raises(CacheMissError, match="Never said before") as missed:
            _session(client, "Never said before. " + CHAPTER)
    assert missed.value.summary.startswith("model=mars-8.1-flash-beta")
    assert len(sandbox.live_sessions()) == sessions


async def test_replay_asyncio_fails_a_miss_sent_by_hand(sandbox: Sandbox, tmp_path: Path) -> None:
    folder = tmp_path / "recorded"
    async with AsyncCamb(api_key=sandbox.api_key, base_url=sandbox.url, cache=folder) as client:
        await _async_session(client, "One sentence. Another one.")
    replay = SpeechCache(folder, mode="replay")
    async with (
        AsyncCamb(base_url=sandbox.url, cache=replay) as client,
        client.tts.live(VOICE, format="wav", word_timestamps=True) as session,
    ):
        await session.send("One sentence. ")
        iterator = aiter(session)
        first = await anext(iterator)
        assert isinstance(first, LiveSegment)
        assert first.cached
        with pytest.raises(CacheMissError, match="Something new"):
            await session.send("Something new. ")


def test_a_skipped_sentence_is_not_stored(sandbox: Sandbox, tmp_path: Path) -> None:
    text = "A fine sentence. This one [skip] fails. The end."
    with Camb(api_key=sandbox.api_key, base_url=sandbox.url, cache=tmp_path / "c") as client:
        first = _session(client, text)
        assert any(isinstance(e, LiveSkipped) for e in first)
        second = _session(client, text)
    assert [chunk.strip() for chunk in _sent_chunks(sandbox)] == ["This one [skip] fails."]
    assert [cached for _, cached in _spoken(second)] == [True, True]


def test_the_budget_counts_only_what_is_sent(sandbox: Sandbox, tmp_path: Path) -> None:
    with Camb(api_key=sandbox.api_key, base_url=sandbox.url, cache=tmp_path / "c") as client:
        _session(client, CHAPTER)
        # Only the edited sentence (18 characters) is paid: a budget of 30 holds.
        events = _session(client, EDITED, max_credits=30, credits_per_character=1)
        assert [cached for _, cached in _spoken(events)].count(False) == 1
        with pytest.raises(BudgetExceededError):
            _session(
                client, "Something entirely new here. " * 3, max_credits=30, credits_per_character=1
            )


def test_a_fragment_left_idle_is_its_own_sentence(sandbox: Sandbox, tmp_path: Path) -> None:
    """A fragment with no sentence end is cut after idle_timeout without text, as the server
    would, and a later session that says it after the same pause plays it from the cache."""

    def pausing() -> Any:
        yield "Waiting for the rest"
        import time

        time.sleep(0.5)
        yield ". And then it came."

    with Camb(api_key=sandbox.api_key, base_url=sandbox.url, cache=tmp_path / "c") as client:
        first = _session(client, pausing(), idle_timeout=0.2)
        assert next(text for text, _ in _spoken(first)) == "Waiting for the rest"
        second = _session(client, pausing(), idle_timeout=0.2)
    assert _sent_chunks(sandbox) == []
    assert [text for text, _ in _spoken(second)] == [text for text, _ in _spoken(first)]


def test_two_sessions_at_once_share_the_cache_safely(sandbox: Sandbox, tmp_path: Path) -> None:
    folder = tmp_path / "c"

    async def both() -> list[list[Any]]:
        async with AsyncCamb(api_key=sandbox.api_key, base_url=sandbox.url, cache=folder) as c:
            return await asyncio.gather(_async_session(c, CHAPTER), _async_session(c, CHAPTER))

    one, two = asyncio.run(both())
    assert _audio(one) == _audio(two)
    with Camb(api_key=sandbox.api_key, base_url=sandbox.url, cache=folder) as client:
        third = _session(client, CHAPTER)
    assert _sent_chunks(sandbox) == []
    assert _audio(third) == _audio(one)


# --- the plan, without I/O ----------------------------------------------------------------------


def _take(plan: LiveCachePlan) -> tuple[list[str], bool]:
    """What the plan says to send now, and whether text.done follows, as a sender takes it."""
    taken = plan.take_sends()
    plan.sent()
    return taken


def _segment(text: str) -> CachedSegment:
    return CachedSegment(text, ((text.split()[0], 0.0, 0.1),), text.encode())


def test_plan_cuts_sentences_and_sends_misses_at_once() -> None:
    plan = LiveCachePlan(lambda text: None, 1.0)
    plan.add("One. Two", 0.0)
    assert _take(plan) == (["One."], False)
    plan.add(" more.", 0.1)
    assert _take(plan) == ([" Two more."], False)
    plan.on_segment(_segment("One."), "One.", checked=True)
    plan.on_segment(_segment("Two more."), "Two more.", checked=True)
    assert [unit.text for unit in plan.take_stores()] == ["One.", "Two more."]
    plan.end()
    assert _take(plan) == ([], True)
    assert _take(plan) == ([], False)


def test_plan_segments_cut_finer_than_a_sentence_store_the_sentence_whole() -> None:
    plan = LiveCachePlan(lambda text: None, 1.0)
    plan.add("A rather long sentence, cut in two. ", 0.0)
    _take(plan)
    plan.on_segment(_segment("A rather long sentence,"), "A rather long sentence,", checked=True)
    assert plan.take_stores() == []
    plan.on_segment(_segment("cut in two."), "cut in two.", checked=True)
    (stored,) = plan.take_stores()
    assert stored.text == "A rather long sentence, cut in two."
    assert [segment.text for segment in stored.segments] == [
        "A rather long sentence,",
        "cut in two.",
    ]


def test_plan_a_segment_across_two_sentences_is_spoken_but_never_stored() -> None:
    plan = LiveCachePlan(lambda text: None, 1.0)
    plan.add("Dr. Who arrived. ", 0.0)
    assert _take(plan) == (["Dr.", " Who arrived."], False)
    plan.on_segment(_segment("Dr. Who arrived."), "Dr. Who arrived.", checked=True)
    assert plan.take_stores() == []
    assert not plan.waiting


def test_plan_a_server_that_changes_the_text_ends_the_cache_for_the_session() -> None:
    cached = (_segment("Two."),)
    plan = LiveCachePlan(lambda text: cached if text == "Two." else None, 1.0)
    plan.add("One. Two. Three. ", 0.0)
    assert _take(plan) == (["One."], False)  # Two. is a hit, Three. waits behind it
    plan.on_segment(_segment("Uno."), "Uno.", checked=True)  # not what was sent
    # Everything still waiting goes to the server, in order; nothing is played or stored.
    assert _take(plan) == ([" Two.", " Three."], False)
    assert plan.next_hits() == []
    assert plan.take_stores() == []
    assert (plan.hits, plan.misses) == (0, 3)


def test_plan_audio_that_could_not_be_read_is_not_stored() -> None:
    plan = LiveCachePlan(lambda text: None, 1.0)
    plan.add("One. ", 0.0)
    _take(plan)
    plan.on_segment(_segment("One."), "One.", checked=False)
    assert plan.take_stores() == []


def test_plan_entries_round_trip_and_damaged_ones_are_misses() -> None:
    segments = (_segment("One, two."), CachedSegment("Three.", None, b"\x00" * 70_000))
    blob = encode_unit(segments)
    assert decode_unit(blob) == segments
    assert decode_unit(blob[:-1]) is None
    assert decode_unit(b"not a unit") is None
    assert decode_unit(b'{"segments": 3}\n') is None


def test_plan_a_miss_behind_a_hit_is_parked_until_the_hit_is_played() -> None:
    cached = (_segment("Two."),)
    plan = LiveCachePlan(lambda text: cached if text == "Two." else None, 1.0)
    plan.add("One. Two. Three. ", 0.0)
    assert _take(plan) == (["One."], False)
    assert plan.next_hits() == []  # One. is not spoken yet
    plan.end()
    assert _take(plan) == ([], False)  # Three. is still parked: no text.done yet
    plan.on_segment(_segment("One."), "One.", checked=True)
    assert plan.next_hits() == list(cached)
    assert _take(plan) == ([" Three."], True)


def test_plan_one_sender_at_a_time() -> None:
    plan = LiveCachePlan(lambda text: None, 1.0)
    plan.add("One. ", 0.0)
    assert plan.take_sends() == (["One."], False)
    plan.add("Two. ", 0.1)
    # The first sender has not finished: a second one gets nothing, so it cannot overtake.
    assert plan.take_sends() == ([], False)
    plan.sent()
    assert _take(plan) == ([" Two."], False)


def test_plan_stopped_by_a_budget_keeps_only_what_was_sent() -> None:
    cached = (_segment("Three."),)
    plan = LiveCachePlan(lambda text: cached if text == "Three." else None, 1.0)
    plan.add("One. Two. Three. Four. ", 0.0)
    texts, _ = plan.take_sends()
    assert texts == ["One.", " Two."]
    plan.stop(1)  # Two. was over the budget: not sent; Three. and Four. never will be
    plan.sent()
    assert _take(plan) == ([], False)  # text.done went out with the stop
    plan.on_segment(_segment("One."), "One.", checked=True)
    assert plan.next_hits() == []
    assert not plan.waiting


# --- faults with a cache: the same typed errors as without one -------------------------------


async def test_a_dropped_connection_with_a_cache_says_what_arrived_asyncio(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    text = "First one arrives. Second too. Then the line [drop] goes dead. Never."
    events: list[Any] = []
    async with AsyncCamb(
        api_key=sandbox.api_key, base_url=sandbox.url, cache=tmp_path / "c"
    ) as client:
        async with client.tts.live(VOICE, format="wav", text=text) as session:
            with pytest.raises(LiveConnectionError) as raised:  # noqa: PT012
                async for event in session:
                    events.append(event)
        arrived = [e for e in events if isinstance(e, LiveSegmentDone)]
        # The error says what arrived (the drop may also cut frames still on the way).
        assert raised.value.segments == [e.segment_id for e in arrived]
        assert [e.text for e in arrived] == ["First one arrives.", "Second too."][: len(arrived)]
        # What arrived whole was stored: the next session does not pay for it again.
        with pytest.raises(LiveConnectionError):
            await _async_session(client, text)
    sent = [c.strip() for c in _sent_chunks(sandbox)]
    assert "Then the line [drop] goes dead." in sent
    assert not {e.text for e in arrived} & set(sent)


def test_a_dropped_connection_with_a_cache_says_what_arrived_blocking(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    text = "First one arrives. Then the line [drop] goes dead. Never."
    events: list[Any] = []
    with (
        Camb(api_key=sandbox.api_key, base_url=sandbox.url, cache=tmp_path / "c") as client,
        client.tts.live(VOICE, format="wav", text=text) as session,
        pytest.raises(LiveConnectionError) as raised,
    ):
        events.extend(session)
    arrived = [e.segment_id for e in events if isinstance(e, LiveSegmentDone)]
    assert raised.value.segments == arrived
    assert arrived in ([], [0])


@pytest.mark.parametrize("replay", [False, True], ids=["connected", "replay"])
def test_nothing_arriving_for_the_read_timeout_with_a_cache_is_a_timeout(
    sandbox: Sandbox, tmp_path: Path, replay: bool
) -> None:
    folder = tmp_path / "c"
    with Camb(api_key=sandbox.api_key, base_url=sandbox.url, cache=folder) as client:
        _session(client, "Recorded.")
    cache: Any = SpeechCache(folder, mode="replay") if replay else folder
    # A fragment with no sentence end waits for idle_timeout (30 s): nothing is sent, so
    # nothing arrives, and the read timeout (0.3 s) ends the session.
    with (
        Camb(api_key=sandbox.api_key, base_url=sandbox.url, cache=cache, timeout=0.3) as client,
        client.tts.live(VOICE, format="wav", idle_timeout=30.0) as session,
    ):
        session.send("waiting for the end of this sentence")
        with pytest.raises(LiveTimeoutError, match="read timeout"):
            list(session)


async def test_replay_with_a_total_timeout_asyncio(sandbox: Sandbox, tmp_path: Path) -> None:
    folder = tmp_path / "c"
    async with AsyncCamb(api_key=sandbox.api_key, base_url=sandbox.url, cache=folder) as client:
        await _async_session(client, "Recorded.")
    async with (
        AsyncCamb(base_url=sandbox.url, cache=SpeechCache(folder, mode="replay")) as client,
        client.tts.live(VOICE, format="wav", total_timeout=0.3) as session,
    ):
        await session.send("Recorded. And a fragment")
        with pytest.raises(LiveTimeoutError, match="total_timeout"):
            _ = [event async for event in session]


async def test_a_budget_stops_a_cached_session_asyncio(sandbox: Sandbox, tmp_path: Path) -> None:
    async with AsyncCamb(
        api_key=sandbox.api_key, base_url=sandbox.url, cache=tmp_path / "c"
    ) as client:
        await _async_session(client, CHAPTER)
        text = "New words here. " + CHAPTER + " More new words, far too many to pay for."
        events: list[Any] = []
        async with client.tts.live(
            VOICE, format="wav", max_credits=20, credits_per_character=1, text=text
        ) as session:
            # The last sentence waits behind the cached ones; the budget stops it when it is
            # its turn to be sent, while the session is read.
            with pytest.raises(BudgetExceededError, match="not sent"):  # noqa: PT012
                async for event in session:
                    events.append(event)
    # The first sentence was paid, the chapter played from the cache, the last never sent.
    assert [c.strip() for c in _sent_chunks(sandbox)] == ["New words here."]
    assert _spoken(events)[0] == ("New words here.", False)
    assert [cached for _, cached in _spoken(events)[1:]] == [True] * 4


def test_a_failing_cache_never_fails_the_session(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise CacheError("the disk is gone")

    with Camb(api_key=sandbox.api_key, base_url=sandbox.url, cache=tmp_path / "c") as client:
        monkeypatch.setattr(SpeechCache, "_index", broken)
        first = _session(client, CHAPTER)
        monkeypatch.setattr(SpeechCache, "lookup", broken)
        second = _session(client, CHAPTER)
    assert _audio(first) == _audio(second)
    assert len(_sent_chunks(sandbox)) == 5
    assert "not caching a live sentence" in caplog.text
    assert "without the speech cache" in caplog.text


@pytest.mark.parametrize("cached", [False, True], ids=["plain", "with-a-cache"])
def test_a_callers_own_send_after_the_server_closed_says_why(tmp_path: Path, cached: bool) -> None:
    from camb import LivePaymentRequiredError
    from camb.sandbox import running

    with running(live_credits=20) as sandbox:
        options: dict[str, Any] = {"cache": tmp_path / "c"} if cached else {}
        with (
            Camb(api_key=sandbox.api_key, base_url=sandbox.url, **options) as client,
            client.tts.live(VOICE, format="wav") as session,
        ):
            session.send("A sentence that costs more than twenty credits. ")
            deadline = time.monotonic() + 10
            with pytest.raises(LivePaymentRequiredError, match="4402"):  # noqa: PT012
                while time.monotonic() < deadline:
                    session.send("More. ")
                    time.sleep(0.05)
