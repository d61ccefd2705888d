"""The speech cache against the sandbox: its request counters are the evidence that the same
speech is never bought twice, across calls, clients, runs and processes."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import camb
import camb.batch
from camb._cache._store import SpeechCache, request_key
from camb.sandbox import Sandbox, running

from ._helpers import PAUSE, chapter, stream_requests, write_items

HERE = Path(__file__).parent


def client_of(sandbox: Sandbox, cache: object, **kwargs: Any) -> camb.Camb:
    return camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url, cache=cache, **kwargs)


# --- stream() ---------------------------------------------------------------------------------


def test_the_same_stream_twice_is_bought_once(sandbox: Sandbox, voice: int, tmp_path: Path) -> None:
    with client_of(sandbox, tmp_path / "cache") as client:
        before = stream_requests(sandbox)
        first = client.tts.stream("The same sentence, twice.", voice, "en-us")
        audio = first.read()
        assert not first.from_cache
        second = client.tts.stream("The same sentence, twice.", voice, "en-us")
        assert second.read() == audio
        assert second.from_cache
        assert second.credits_required == 0
        assert stream_requests(sandbox) - before == 1
        # Another voice option is another request.
        client.tts.stream("The same sentence, twice.", voice, "en-us", format="wav").read()
        assert stream_requests(sandbox) - before == 2


def test_the_same_stream_twice_is_bought_once_async(
    sandbox: Sandbox, voice: int, tmp_path: Path
) -> None:
    async def main() -> tuple[bytes, bytes, bool]:
        async with camb.AsyncCamb(
            api_key=sandbox.api_key, base_url=sandbox.url, cache=tmp_path / "cache"
        ) as client:
            first = await client.tts.stream("Async, the same twice.", voice, "en-us").read()
            stream = client.tts.stream("Async, the same twice.", voice, "en-us")
            async with stream:
                second = b"".join([chunk async for chunk in stream.iter_bytes()])
            return first, second, stream.from_cache

    before = stream_requests(sandbox)
    first, second, from_cache = asyncio.run(main())
    assert first == second
    assert from_cache
    assert stream_requests(sandbox) - before == 1


def test_a_new_process_and_another_key_share_the_cache_but_not_another_api(
    sandbox: Sandbox, voice: int, tmp_path: Path
) -> None:
    folder = tmp_path / "cache"
    with client_of(sandbox, folder) as client:
        client.tts.stream("Shared across runs.", voice, "en-us").read()
    before = stream_requests(sandbox)
    # Another run (a new process), another key: the key is not part of the request's identity.
    code = (
        "import camb,sys;"
        f"c=camb.Camb(api_key='another-key',base_url={sandbox.url!r},cache={str(folder)!r});"
        f"s=c.tts.stream('Shared across runs.',{voice},'en-us');s.read();"
        "sys.exit(0 if s.from_cache else 3)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    assert stream_requests(sandbox) == before
    # The API's origin is: the same request to another API is not answered from the cache.
    args = {"method": "POST", "url": "/tts-stream", "json": {"text": "x"}}
    assert (
        request_key("http://127.0.0.1:1", args).key != request_key("http://127.0.0.1:2", args).key
    )


def test_the_environment_variable_turns_the_cache_on(
    sandbox: Sandbox, voice: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAMB_CACHE", str(tmp_path / "env-cache"))
    before = stream_requests(sandbox)
    for _ in range(2):
        with camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
            client.tts.stream("From the environment.", voice, "en-us").read()
    assert stream_requests(sandbox) - before == 1
    with camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url, cache=False) as client:
        client.tts.stream("From the environment.", voice, "en-us").read()
    assert stream_requests(sandbox) - before == 2


# --- only whole answers -------------------------------------------------------------------------


def test_an_abandoned_or_cut_answer_is_never_stored(voice: int, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    with (
        running(rate_truncate=1.0, seed=1) as cut,
        client_of(cut, folder, max_retries=0) as client,
        pytest.raises(camb.CambError),
    ):
        client.tts.stream("Cut short on the way.", voice, "en-us").read()
    with running() as fine, client_of(fine, folder) as client:
        stream = client.tts.stream("Abandoned after one chunk.", voice, "en-us", format="wav")
        with stream:
            next(iter(stream.iter_bytes(chunk_size=64)))
        assert SpeechCache(folder).info().entries == 0
        assert list((folder / "audio").glob("*")) == []  # no partial file, no temporary
        again = client.tts.stream("Cut short on the way.", voice, "en-us")
        again.read()
        assert not again.from_cache
        assert stream_requests(fine) == 2  # the abandoned one, and this one


# --- speak() --------------------------------------------------------------------------------------


def test_a_chapter_with_one_changed_paragraph_repays_only_that_paragraph(
    sandbox: Sandbox, voice: int, tmp_path: Path
) -> None:
    with client_of(sandbox, tmp_path / "cache") as client:
        before = stream_requests(sandbox)
        first = client.tts.speak(
            chapter(), voice, "en-us", tmp_path / "one.wav", paragraph_pause=PAUSE
        )
        assert first.segments == 4
        assert first.cached_segments == 0
        assert stream_requests(sandbox) - before == 4
        seen: list[camb.SpeechProgress] = []
        edited = client.tts.speak(
            chapter(changed=2),
            voice,
            "en-us",
            tmp_path / "two.wav",
            on_progress=seen.append,
            paragraph_pause=PAUSE,
        )
        assert stream_requests(sandbox) - before == 5  # only the changed paragraph
        assert edited.cached_segments == 3
        assert edited.credits == len(chapter(changed=2).split("\n\n")[2])
        assert seen[-1].cached == 3


def test_a_chapter_with_one_changed_paragraph_repays_only_that_paragraph_async(
    sandbox: Sandbox, voice: int, tmp_path: Path
) -> None:
    async def main() -> tuple[Any, Any]:
        async with camb.AsyncCamb(
            api_key=sandbox.api_key, base_url=sandbox.url, cache=tmp_path / "cache"
        ) as client:
            first = await client.tts.speak(
                chapter(), voice, "en-us", tmp_path / "a.wav", paragraph_pause=PAUSE
            )
            second = await client.tts.speak(
                chapter(changed=0), voice, "en-us", tmp_path / "b.wav", paragraph_pause=PAUSE
            )
            return first, second

    before = stream_requests(sandbox)
    first, second = asyncio.run(main())
    assert stream_requests(sandbox) - before == 5
    assert (first.cached_segments, second.cached_segments) == (0, 3)


def test_a_one_segment_speak_and_a_stream_of_the_same_request_share_the_answer(
    sandbox: Sandbox, voice: int, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with client_of(sandbox, tmp_path / "cache") as client:
        before = stream_requests(sandbox)
        client.tts.speak("One short line.", voice, "en-us", tmp_path / "a.wav")
        with caplog.at_level(logging.INFO, logger="camb"):
            again = client.tts.speak("One short line.", voice, "en-us", tmp_path / "b.wav")
        assert again.cached_segments == 1
        assert again.credits == 0
        assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()
        assert stream_requests(sandbox) - before == 1
        assert any("speech cache hit" in record.getMessage() for record in caplog.records)


# --- batch ------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_batch_rerun_into_a_new_folder_sends_only_what_the_cache_lacks(
    mode: str, sandbox: Sandbox, voice: int, tmp_path: Path
) -> None:
    source = write_items(tmp_path / "in.jsonl", 6, prefix=f"{mode} line")
    defaults = {"voice_id": voice, "language": "en-us", "format": "wav"}
    folder = tmp_path / "cache"

    def run(out: Path) -> Any:
        if mode == "sync":
            with client_of(sandbox, folder) as client:
                return camb.batch.run(client, source, out=out, defaults=defaults)

        async def main() -> Any:
            async with camb.AsyncCamb(
                api_key=sandbox.api_key, base_url=sandbox.url, cache=folder
            ) as client:
                return await camb.batch.run(client, source, out=out, defaults=defaults)

        return asyncio.run(main())

    before = stream_requests(sandbox)
    run(tmp_path / "first")
    assert stream_requests(sandbox) - before == 6
    lines = source.read_text().splitlines()
    lines[4] = '{"id": "item-004", "text": "A line that changed."}'
    source.write_text("\n".join(lines) + "\n")
    second = run(tmp_path / "second")
    assert second.summary.counts.done == 6
    assert stream_requests(sandbox) - before == 7  # only the changed line
    assert second.summary.credits == len("A line that changed.")
    for name in (f"item-00{i}.wav" for i in (0, 1, 2, 3, 5)):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes()


# --- several processes at once ------------------------------------------------------------------


def test_two_processes_asking_the_same_request_at_once_pay_once(voice: int, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    # Slow enough that both processes ask while the first answer is still arriving.
    with running(latency=0.3) as slow:
        env = {**os.environ, "PYTHONPATH": str(HERE.parent.parent)}
        args = [sys.executable, str(HERE / "racer.py"), slow.url, slow.api_key, str(folder)]
        racers = [
            subprocess.Popen([*args, str(voice)], env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(3)
        ]
        outputs = [racer.communicate(timeout=120)[0].split() for racer in racers]
        assert all(racer.returncode == 0 for racer in racers), outputs
        assert stream_requests(slow) == 1
    digests = {output[0] for output in outputs}
    assert len(digests) == 1  # every process got the same, whole audio
    assert sorted(output[1] for output in outputs) == ["False", "True", "True"]
    info = SpeechCache(folder).info()
    assert info.entries == 1
    (stored,) = (folder / "audio").iterdir()
    assert stored.stat().st_size == info.bytes  # no partial file, no leftover temporary


# --- size and age -------------------------------------------------------------------------------


def test_the_least_recently_used_answers_go_first_past_the_size_limit(
    sandbox: Sandbox, voice: int, tmp_path: Path
) -> None:
    folder = tmp_path / "cache"
    with client_of(sandbox, folder) as client:
        one = client.tts.stream("The first answer.", voice, "en-us", format="wav").read()
    limit = len(one) * 2 + len(one) // 2  # room for two answers of this size
    cache = SpeechCache(folder, max_bytes=limit)
    with client_of(sandbox, cache) as client:
        client.tts.stream("The second answer.", voice, "en-us", format="wav").read()
        import camb._cache._store as module

        module_resolution = module.USE_RESOLUTION_SECONDS
        module.USE_RESOLUTION_SECONDS = -1.0  # every hit counts as a use
        try:
            assert client.tts.stream("The first answer.", voice, "en-us", format="wav")
            client.tts.stream("The first answer.", voice, "en-us", format="wav").read()
        finally:
            module.USE_RESOLUTION_SECONDS = module_resolution
        client.tts.stream("The third answer.", voice, "en-us", format="wav").read()
        assert cache.info().bytes <= limit
        before = stream_requests(sandbox)
        for text in ("The first answer.", "The third answer."):
            assert client.tts.stream(text, voice, "en-us", format="wav").read()
        assert stream_requests(sandbox) == before  # kept: used recently
        client.tts.stream("The second answer.", voice, "en-us", format="wav").read()
        assert stream_requests(sandbox) == before + 1  # evicted: least recently used


def test_answers_older_than_max_age_are_misses(
    sandbox: Sandbox, voice: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "cache"
    with client_of(sandbox, SpeechCache(folder, max_age=3600)) as client:
        client.tts.stream("Fresh for an hour.", voice, "en-us").read()
        before = stream_requests(sandbox)
        client.tts.stream("Fresh for an hour.", voice, "en-us").read()
        assert stream_requests(sandbox) == before
        import time

        later = time.time() + 7200
        monkeypatch.setattr(time, "time", lambda: later)
        stale = client.tts.stream("Fresh for an hour.", voice, "en-us")
        stale.read()
        assert not stale.from_cache
        assert stream_requests(sandbox) == before + 1


def test_bad_cache_arguments_are_refused_before_anything(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(camb.InvalidInputError, match="cache"):
        camb.Camb(api_key="k", cache=tmp_path / "file")
    with pytest.raises(camb.InvalidInputError, match="cache"):
        camb.Camb(api_key="k", cache=42)  # type: ignore[arg-type]
    with pytest.raises(camb.InvalidInputError, match="max_bytes"):
        SpeechCache(tmp_path, max_bytes=0)
    with pytest.raises(camb.InvalidInputError, match="max_age"):
        SpeechCache(tmp_path, max_age=-1)
    with pytest.raises(camb.InvalidInputError, match="mode"):
        SpeechCache(tmp_path, mode="record")  # type: ignore[arg-type]


def test_a_stored_file_that_is_not_what_was_stored_is_a_miss(
    sandbox: Sandbox, voice: int, tmp_path: Path
) -> None:
    folder = tmp_path / "cache"
    with client_of(sandbox, folder) as client:
        audio = client.tts.stream("Damaged later on.", voice, "en-us").read()
        (stored,) = (folder / "audio").iterdir()
        # Same size, other bytes: what a power loss can leave of a file written unsynced.
        stored.write_bytes(bytes(len(audio)))
        before = stream_requests(sandbox)
        again = client.tts.stream("Damaged later on.", voice, "en-us")
        assert again.read() == audio
        assert not again.from_cache
        assert stream_requests(sandbox) == before + 1
        assert client.tts.stream("Damaged later on.", voice, "en-us").read() == audio
        assert stream_requests(sandbox) == before + 1  # stored whole again


def test_speak_stream_reads_through_the_cache(sandbox: Sandbox, voice: int, tmp_path: Path) -> None:
    with client_of(sandbox, tmp_path / "cache") as client:
        text = chapter(3)
        before = stream_requests(sandbox)
        first = b"".join(client.tts.speak_stream(text, voice, "en-us", paragraph_pause=PAUSE))
        second = b"".join(client.tts.speak_stream(text, voice, "en-us", paragraph_pause=PAUSE))
        assert first == second
        assert stream_requests(sandbox) - before == 3
