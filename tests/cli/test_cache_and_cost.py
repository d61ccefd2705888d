"""`--cache`, `--replay`, `camb cache info|clear`, `--dry-run` and `--max-credits`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from camb import Camb
from camb.sandbox import Sandbox

from ._helpers import Run


def stream_requests(sandbox: Sandbox) -> int:
    return int(sandbox.stats()["attempts"]["create_tts_stream"])


def chapter(changed: int | None = None) -> str:
    return "\n\n".join(
        " ".join(
            f"{'Edited' if p == changed else 'Plain'} sentence {s} of part {p}." for s in range(6)
        )
        for p in range(3)
    )


@pytest.fixture
def voice(client: Camb) -> str:
    return str(client.voices.list()[0].id)


def test_speak_dry_run_sends_nothing_and_matches_the_real_run(
    cli: Run, env: Sandbox, voice: str, tmp_path: Path
) -> None:
    (tmp_path / "one.txt").write_text(chapter())
    (tmp_path / "two.txt").write_text(chapter(changed=1))
    common = ["--cache", "cache", "--voice-id", voice, "--paragraph-pause", "0.1"]
    assert cli("speak", "-f", "one.txt", "-o", "one.wav", *common).code == 0
    before = env.stats()["requests"]
    dry = cli("--json", "speak", "-f", "two.txt", "-o", "two.wav", "--dry-run", *common)
    assert dry.code == 0, dry.err
    assert env.stats()["requests"] == before  # 0 requests
    plan = dry.json()
    assert (plan["segments"], plan["requests"], plan["cached"], plan["estimate"]) == (
        3,
        1,
        2,
        True,
    )
    real = cli("--json", "speak", "-f", "two.txt", "-o", "two.wav", *common)
    assert real.code == 0, real.err
    assert env.stats()["requests"] - before == plan["requests"]
    assert real.json()["cached_segments"] == plan["cached"]
    assert real.json()["credits_required"] == plan["estimated_credits"]
    text = cli("speak", "-f", "two.txt", "-o", "three.wav", "--dry-run", *common)
    assert "nothing sent" in text.out
    assert "0 credits (nothing to send)" in text.out
    (tmp_path / "three.txt").write_text(chapter(changed=2))
    text = cli("speak", "-f", "three.txt", "-o", "three.wav", "--dry-run", *common)
    assert "1 request(s)" in text.out
    assert "credits (estimate: 1 per character" in text.out
    no_voice = cli("speak", "Hello there.", "-o", "x.wav", "--dry-run")
    assert no_voice.code == 2
    assert "--voice-id" in no_voice.err


def test_batch_dry_run_and_max_credits(cli: Run, env: Sandbox, voice: str, tmp_path: Path) -> None:
    lines = [json.dumps({"id": f"n{i}", "text": f"Batch line number {i}."}) for i in range(8)]
    Path("in.jsonl").write_text("\n".join(lines) + "\n")
    each = len("Batch line number 0.")
    common = ["--out", "out", "--voice-id", voice, "--language", "en-us", "--format", "wav"]
    before = env.stats()["requests"]
    dry = cli("--json", "batch", "in.jsonl", *common, "--dry-run", "--credits-per-character", "1")
    assert dry.code == 0, dry.err
    assert env.stats()["requests"] == before
    assert (dry.json()["units"], dry.json()["requests"]) == (8, 8)
    assert dry.json()["estimated_credits"] == 8 * each
    stopped = cli(
        "--json", "batch", "in.jsonl", *common, "--concurrency", "1", "--max-credits", str(3 * each)
    )
    assert stopped.code == 1
    assert "max_credits" in stopped.err
    assert "3 of 8 item" in stopped.err
    assert stopped.json()["done"] == 3
    assert stream_requests(env) >= 3
    manifest = [json.loads(line) for line in Path("out/manifest.jsonl").read_text().splitlines()]
    assert sum(row["state"] == "done" for row in manifest) == 3
    resumed = cli("--json", "batch", "in.jsonl", *common, "--dry-run")
    assert (resumed.json()["done_units"], resumed.json()["requests"]) == (3, 5)


def test_cache_info_clear_and_replay(cli: Run, env: Sandbox, voice: str, tmp_path: Path) -> None:
    assert (
        cli("--cache", "c", "speak", "Cached once.", "-o", "a.wav", "--voice-id", voice).code == 0
    )
    info = cli("--json", "cache", "info", "c")
    assert info.code == 0
    assert info.json()["entries"] == 1
    assert info.json()["rates"][0]["credits_per_character"] == 1.0
    assert "1 answer(s)" in cli("cache", "info", "--cache", "c").out
    before = stream_requests(env)
    replay = cli(
        "--cache", "c", "--replay", "speak", "Cached once.", "-o", "b.wav", "--voice-id", voice
    )
    assert replay.code == 0, replay.err
    assert "1 segment, 1 from the cache" in replay.out
    miss = cli(
        "--cache", "c", "--replay", "speak", "Never said.", "-o", "c.wav", "--voice-id", voice
    )
    assert miss.code == 1
    assert "Never said." in miss.err
    assert stream_requests(env) == before
    assert Path("a.wav").read_bytes() == Path("b.wav").read_bytes()
    cleared = cli("--json", "cache", "clear", "c")
    assert cleared.json()["removed"] == 1
    assert cli("--json", "cache", "info", "c").json()["entries"] == 0
    assert cli("cache", "info").code == 2
