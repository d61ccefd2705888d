"""`camb speak` for any length of text, and `camb batch` / `camb batch status`."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
import soundfile

from camb import Camb
from camb._longform._segmenting import plan_segments

from ._helpers import Run

LONG = "\n\n".join(" ".join(f"Sentence {n} of paragraph {p}." for n in range(45)) for p in range(4))


def test_speak_reads_a_long_text_from_a_file_into_one_file(cli: Run, tmp_path: Path) -> None:
    (tmp_path / "chapter.txt").write_text(LONG, encoding="utf-8")
    outcome = cli("--json", "speak", "-f", "chapter.txt", "-o", "chapter.wav")
    assert outcome.code == 0, outcome.err
    report = outcome.json()
    assert report["segments"] == len(plan_segments(LONG, join_paragraphs=True)) >= 2
    assert report["cached_segments"] == 0
    info = soundfile.info(str(tmp_path / "chapter.wav"))
    assert info.duration == pytest.approx(report["duration"], abs=0.01)
    assert report["bytes"] == (tmp_path / "chapter.wav").stat().st_size


def test_speak_reads_stdin_for_a_dash(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(LONG))
    outcome = cli("speak", "-", "-o", "piped.wav")
    assert outcome.code == 0, outcome.err
    assert f"{len(plan_segments(LONG, join_paragraphs=True))} segments" in outcome.out
    assert soundfile.info(str(tmp_path / "piped.wav")).duration > 60


def test_speak_needs_exactly_one_source_of_text(cli: Run, tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text("Some text.", encoding="utf-8")
    assert cli("speak", "-o", "x.wav").code == 2
    assert cli("speak", "Both at once.", "-f", "t.txt", "-o", "x.wav").code == 2
    assert not (tmp_path / "x.wav").exists()


def _write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_batch_runs_resumes_and_reports(cli: Run, client: Camb, tmp_path: Path) -> None:
    voice = client.voices.list()[0].id
    rows: list[dict[str, object]] = [
        {"id": f"line-{i}", "text": f"Batch line number {i}."} for i in range(12)
    ]
    rows.append({"id": "long-one", "text": LONG, "format": "mp3"})
    _write_jsonl(tmp_path / "lines.jsonl", rows)
    args = ("batch", "lines.jsonl", "--out", "audio", "--voice-id", str(voice))
    first = cli("--json", *args, "--language", "en-us")
    assert first.code == 0, first.err
    assert first.json()["done"] == 13
    assert (tmp_path / "audio" / "long-one.mp3").exists()
    assert soundfile.info(str(tmp_path / "audio" / "line-3.wav")).frames > 0
    again = cli("--json", *args, "--language", "en-us")
    assert again.json()["requests"] == 0
    status = cli("batch", "status", "audio")
    assert status.code == 0
    assert "13 items: 13 done" in status.out
    document = cli("--json", "batch", "status", "audio").json()
    assert {row["id"] for row in document["items"]} == {row["id"] for row in rows}
    manifest = (tmp_path / "audio" / "manifest.jsonl").read_text().splitlines()
    assert len(manifest) == 13


def test_batch_refuses_a_file_with_bad_lines_with_exit_2(cli: Run, tmp_path: Path) -> None:
    _write_jsonl(
        tmp_path / "bad.jsonl",
        [{"id": "ok", "text": "Fine."}, {"id": "bad", "text": "", "voice-id": 3}],
    )
    outcome = cli("batch", "bad.jsonl", "--out", "o", "--voice-id", "7", "--language", "en-us")
    assert outcome.code == 2
    assert "line 2" in outcome.err
    assert not (tmp_path / "o").exists()


def test_batch_with_a_failed_item_exits_1(cli: Run, client: Camb, tmp_path: Path) -> None:
    voice = client.voices.list()[0].id
    _write_jsonl(
        tmp_path / "in.jsonl",
        [
            {"id": "good", "text": "A good line."},
            {"id": "unknown-voice", "text": "A line for nobody.", "voice_id": 999999},
        ],
    )
    outcome = cli(
        "batch", "in.jsonl", "--out", "o", "--voice-id", str(voice), "--language", "en-us"
    )
    assert outcome.code == 1
    assert "unknown-voice" in outcome.err
    assert (tmp_path / "o" / "good.wav").exists()


def test_ctrl_c_stops_a_batch_promptly_and_records_what_was_under_way(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import time

    import camb.batch
    from camb.sandbox import running

    rows = [{"id": f"line-{i}", "text": f"Slow line number {i}."} for i in range(60)]
    _write_jsonl(tmp_path / "lines.jsonl", rows)
    with running(latency=0.3) as sandbox:
        voice = Camb(api_key=sandbox.api_key, base_url=sandbox.url).voices.list()[0].id
        env = {**os.environ, "CAMB_API_KEY": sandbox.api_key, "CAMB_BASE_URL": sandbox.url}
        command = [sys.executable, "-m", "camb._cli._main", "batch", "lines.jsonl", "--out", "o"]
        child = subprocess.Popen(
            [*command, "--voice-id", str(voice), "--language", "en-us", "--concurrency", "2"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if camb.batch.status(tmp_path / "o")["counts"]["done"] >= 2:
                    break
            except Exception:  # the state file is not there yet
                pass
            time.sleep(0.05)
        child.send_signal(signal.SIGINT)
        started = time.monotonic()
        _, err = child.communicate(timeout=30)
        stopped_in = time.monotonic() - started
    assert child.returncode == 130, err
    assert stopped_in < 5  # the requests under way, not the 60 items
    counts = camb.batch.status(tmp_path / "o")["counts"]
    assert counts["in_flight"] == 0
    assert 0 < counts["done"] < 60
