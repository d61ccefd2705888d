"""max_credits on a live session: text stops going out before its estimate would cross the
budget; what was sent is still spoken, and the error says what was and was not sent."""

from __future__ import annotations

import pytest

from camb import AsyncCamb, BudgetExceededError, Camb, InvalidInputError, LiveSummary
from camb.sandbox import Sandbox

from .conftest import VOICE

SENTENCES = ["First sentence is here. ", "Second one follows it. ", "Third one is last. "]


def test_a_live_session_stops_sending_at_its_budget_blocking(sandbox: Sandbox) -> None:
    # 1 credit a character: the first two sentences (24 + 23 characters) fit in 50.
    with (
        Camb(api_key=sandbox.api_key, base_url=sandbox.url) as client,
        client.tts.live(VOICE, format="wav", max_credits=50, credits_per_character=1.0) as session,
    ):
        session.send(SENTENCES[0])
        session.send(SENTENCES[1])
        with pytest.raises(BudgetExceededError) as info:
            session.send(SENTENCES[2])
        events = list(session)
    assert "47 characters sent before are spoken" in str(info.value)
    summary = events[-1]
    assert isinstance(summary, LiveSummary)
    assert summary.spoken_text.strip() == (SENTENCES[0] + SENTENCES[1]).strip()
    sent = [f for f in sandbox.live_sessions()[0].client_frames if f.get("type") == "text.chunk"]
    assert len(sent) == 2


async def test_a_fed_live_session_stops_at_its_budget_asyncio(sandbox: Sandbox) -> None:
    async with AsyncCamb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
        session = client.tts.live(VOICE, format="wav", max_credits=30, credits_per_character=1.0)
        async with session:
            await session.send(SENTENCES[0])
            with pytest.raises(BudgetExceededError):
                await session.send(SENTENCES[1])
            with pytest.raises(Exception):  # noqa: B017, PT011 - input has ended
                await session.send("more")
            events = [event async for event in session]
    assert events[-1].spoken_text.strip() == SENTENCES[0].strip()


def test_a_budget_without_a_rate_is_refused_before_any_traffic(sandbox: Sandbox) -> None:
    with Camb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
        with pytest.raises(InvalidInputError, match="credits_per_character") as info:
            client.tts.live(VOICE, max_credits=10)
        assert info.value.param == "max_credits"
    assert sandbox.live_sessions() == []
