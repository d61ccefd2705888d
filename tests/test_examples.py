"""The scripts in examples/ run as a user would run them: in their own process, configured by
CAMB_API_KEY and CAMB_BASE_URL only, against the sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from camb import Camb
from camb.sandbox import Sandbox, running

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with running(task_duration=0.1) as sb:
        yield sb


def _run(sandbox: Sandbox, cwd: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAMB_")}
    env.update(CAMB_API_KEY=sandbox.api_key, CAMB_BASE_URL=sandbox.url)
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _finished_runs(sandbox: Sandbox, count: int) -> list[int]:
    client = Camb(api_key=sandbox.api_key, base_url=sandbox.url)
    voice_id = client.voices.list()[0].id
    tasks = [client.tts.create(f"Run number {n}.", voice_id, 1) for n in range(count)]
    done = client.tts.wait_many(tasks, timeout=30)
    assert done.ok
    return [done[task] for task in tasks]


def test_every_example_is_tested() -> None:
    tested = {
        "speak_file.py",
        "batch_csv.py",
        "wait_on_tasks.py",
        "async_many.py",
        "download_results.py",
    }
    assert {path.name for path in EXAMPLES.glob("*.py")} == tested


def test_speak_file(sandbox: Sandbox, tmp_path: Path) -> None:
    (tmp_path / "story.txt").write_text("Once upon a time, a client spoke a file aloud.\n")
    done = _run(sandbox, tmp_path, "speak_file.py", "story.txt", "story.wav")
    assert done.returncode == 0, done.stderr
    audio = (tmp_path / "story.wav").read_bytes()
    assert audio[:4] == b"RIFF"
    assert audio[8:12] == b"WAVE"
    assert f"wrote story.wav ({len(audio)} bytes," in done.stdout


def test_speak_file_speaks_a_long_text_into_one_file(sandbox: Sandbox, tmp_path: Path) -> None:
    import soundfile

    text = "\n\n".join(f"Part {n}. " + "A sentence of the long story. " * 90 for n in range(3))
    (tmp_path / "long.txt").write_text(text)
    done = _run(sandbox, tmp_path, "speak_file.py", "long.txt", "long.mp3")
    assert done.returncode == 0, done.stderr
    assert "3 pieces" in done.stdout
    assert done.stderr.count("  piece ") == 3
    assert soundfile.info(str(tmp_path / "long.mp3")).duration > 60


def test_batch_csv_runs_and_resumes(sandbox: Sandbox, tmp_path: Path) -> None:
    rows = "".join(f"line-{n},Line number {n} of the file.\n" for n in range(8))
    (tmp_path / "lines.csv").write_text("id,text\n" + rows)
    first = _run(sandbox, tmp_path, "batch_csv.py", "lines.csv", "audio")
    assert first.returncode == 0, first.stderr
    assert "8 done, 0 failed, 8 requests this run" in first.stdout
    assert sorted(p.name for p in (tmp_path / "audio").glob("*.wav")) == sorted(
        f"line-{n}.wav" for n in range(8)
    )
    again = _run(sandbox, tmp_path, "batch_csv.py", "lines.csv", "audio")
    assert "8 done, 0 failed, 0 requests this run" in again.stdout


def test_batch_csv_lists_bad_lines(sandbox: Sandbox, tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("id,text\nok,Fine.\n../escape,Nope.\n")
    done = _run(sandbox, tmp_path, "batch_csv.py", "bad.csv", "audio")
    assert done.returncode == 2
    assert "bad line: line 3" in done.stderr
    assert not (tmp_path / "audio").exists()


def test_speak_file_refuses_an_unknown_extension(sandbox: Sandbox, tmp_path: Path) -> None:
    (tmp_path / "story.txt").write_text("Some text to say.")
    done = _run(sandbox, tmp_path, "speak_file.py", "story.txt", "story.ogg")
    assert done.returncode == 2
    assert "must end with one of" in done.stderr
    assert not (tmp_path / "story.ogg").exists()


def test_wait_on_tasks(sandbox: Sandbox, tmp_path: Path) -> None:
    done = _run(sandbox, tmp_path, "wait_on_tasks.py", "First line.", "Second line.")
    assert done.returncode == 0, done.stderr
    assert "started 2 tasks" in done.stdout
    assert done.stdout.count("ok      run ") == 2


def test_wait_on_tasks_reports_a_failed_task(sandbox: Sandbox, tmp_path: Path) -> None:
    done = _run(sandbox, tmp_path, "wait_on_tasks.py", "Fine line.", "Broken line [error].")
    assert done.returncode == 1
    assert "ok      run " in done.stdout
    assert "failed  TaskFailedError: Broken line [error]." in done.stdout


def test_async_many(sandbox: Sandbox, tmp_path: Path) -> None:
    done = _run(sandbox, tmp_path, "async_many.py", "out", "--count", "7", "--concurrency", "4")
    assert done.returncode == 0, done.stderr
    files = sorted((tmp_path / "out").glob("*.flac"))
    assert len(files) == 7
    assert all(path.read_bytes()[:4] == b"fLaC" for path in files)
    assert "7 files in out; 0 tasks failed" in done.stdout


def test_download_results_fetches_then_skips(sandbox: Sandbox, tmp_path: Path) -> None:
    run_ids = [str(run_id) for run_id in _finished_runs(sandbox, 7)]
    before = sandbox.stats()["by_operation"]["get_tts_results"]
    done = _run(sandbox, tmp_path, "download_results.py", "out", *run_ids)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"{run_id}.flac" for run_id in run_ids
    )
    after = sandbox.stats()["by_operation"]["get_tts_results"]
    assert sum(after.values()) - sum(before.values()) == 2  # 7 ids: one request of 4, one of 3

    again = _run(sandbox, tmp_path, "download_results.py", "out", *run_ids)
    assert again.returncode == 0, again.stderr
    assert "7 already downloaded, 0 to fetch" in again.stdout


def test_download_results_names_a_run_without_a_file(sandbox: Sandbox, tmp_path: Path) -> None:
    run_ids = [str(run_id) for run_id in _finished_runs(sandbox, 2)]
    done = _run(sandbox, tmp_path, "download_results.py", "out", *run_ids, "999999")
    assert done.returncode == 1
    assert "999999\tno file:" in done.stderr
    assert len(list((tmp_path / "out").glob("*.flac"))) == 2
