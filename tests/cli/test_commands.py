"""Every subcommand run in-process against the sandbox: what it prints, what it writes."""

from __future__ import annotations

import io
import json
import math
import sys
import wave
from pathlib import Path

import attrs
import httpx
import pytest
import soundfile

from camb import Camb
from camb._cli._main import main
from camb.sandbox import Sandbox, running

from ._helpers import Run


def _tasks(client: Camb, count: int, prefix: str = "Line") -> list[str]:
    voice_id = client.voices.list()[0].id
    return [
        client.tts.create(f"{prefix} number {i} for the CLI.", voice_id, 1) for i in range(count)
    ]


def _run_ids(client: Camb, count: int) -> list[int]:
    done = client.tts.wait_many(_tasks(client, count), timeout=20)
    assert done.ok, done.failed
    return list(done.values())


def _bulk_requests(sandbox: Sandbox) -> int:
    return sum(sandbox.stats()["by_operation"]["get_tts_results"].values())


# --- voices ---------------------------------------------------------------------------------------


def test_voices_json_lists_every_voice(cli: Run, client: Camb) -> None:
    outcome = cli("--json", "voices")
    assert outcome.code == 0, outcome.err
    assert outcome.json() == [attrs.asdict(v) for v in client.voices.list()]
    assert outcome.err == ""


def test_voices_table_has_a_row_per_voice(cli: Run, client: Camb) -> None:
    outcome = cli("voices")
    assert outcome.code == 0
    header, *rows = outcome.out.splitlines()
    assert header.split()[:2] == ["ID", "NAME"]
    voices = client.voices.list()
    assert len(rows) == len(voices)
    for row, voice in zip(rows, voices, strict=True):
        assert row.split()[0] == str(voice.id)
        assert voice.voice_name in row


def test_global_options_also_work_after_the_command(cli: Run) -> None:
    assert isinstance(cli("voices", "--json").json(), list)


# --- speak ----------------------------------------------------------------------------------------


def test_speak_wav_uses_the_first_voice_by_default(cli: Run, client: Camb, tmp_path: Path) -> None:
    outcome = cli("--json", "speak", "Hello from the command line.", "-o", "hello.wav")
    assert outcome.code == 0, outcome.err
    report = outcome.json()
    assert report["voice_id"] == client.voices.list()[0].id
    assert report["format"] == "wav"
    assert report["content_type"] == "audio/wav"
    path = tmp_path / "hello.wav"
    assert report["bytes"] == path.stat().st_size
    with wave.open(str(path)) as audio:
        assert audio.getnframes() > 0
        seconds = audio.getnframes() / audio.getframerate()
    assert seconds > 0.1


@pytest.mark.parametrize(
    ("name", "audio_format", "magic"),
    [
        ("out.flac", "flac", b"fLaC"),
        ("out.mp3", "mp3", None),
        ("out.aac", "adts", None),
        ("out.WAV", "wav", b"RIFF"),
    ],
)
def test_speak_takes_the_format_from_the_extension(
    cli: Run, client: Camb, tmp_path: Path, name: str, audio_format: str, magic: bytes | None
) -> None:
    voice_id = client.voices.list()[-1].id
    outcome = cli(
        "--json", "speak", "Format from the name.", "-o", name, "--voice-id", str(voice_id)
    )
    assert outcome.code == 0, outcome.err
    report = outcome.json()
    assert report["format"] == audio_format
    assert report["voice_id"] == voice_id
    data = (tmp_path / name).read_bytes()
    if magic is not None:
        assert data.startswith(magic)
    if audio_format == "flac":
        assert soundfile.info(str(tmp_path / name)).format == "FLAC"
    if audio_format == "adts":
        assert data[0] == 0xFF
        assert data[1] & 0xF0 == 0xF0


def test_speak_pcm_extension_and_explicit_format(cli: Run, tmp_path: Path) -> None:
    assert cli("--json", "speak", "Raw samples here.", "-o", "raw.pcm").json()["format"] == (
        "pcm_s16le"
    )
    explicit = cli("--json", "speak", "Explicit format.", "-o", "audio.bin", "--format", "wav")
    assert explicit.code == 0, explicit.err
    assert (tmp_path / "audio.bin").read_bytes()[:4] == b"RIFF"


def test_speak_human_output_names_the_file(cli: Run, tmp_path: Path) -> None:
    outcome = cli("speak", "Plain output please.", "-o", "plain.flac")
    assert outcome.code == 0
    assert str(tmp_path / "plain.flac") in outcome.out or "plain.flac" in outcome.out


def test_speak_unknown_extension_is_a_usage_error(cli: Run, tmp_path: Path) -> None:
    outcome = cli("speak", "Which format is this?", "-o", "audio.ogg")
    assert outcome.code == 2
    assert outcome.err_lines == [outcome.err_lines[0]]
    assert "--format" in outcome.err
    assert not (tmp_path / "audio.ogg").exists()


# --- create, status, wait -------------------------------------------------------------------------


def test_create_prints_one_task_id_per_text(cli: Run, client: Camb) -> None:
    voice_id = client.voices.list()[0].id
    texts = ["First sentence.", "Second sentence.", "Third sentence."]
    outcome = cli("--json", "create", *texts, "--voice-id", str(voice_id), "--language", "1")
    assert outcome.code == 0, outcome.err
    task_ids = outcome.json()["task_ids"]
    assert len(task_ids) == len(set(task_ids)) == 3
    for task_id in task_ids:  # each is a real task on the server
        assert client.tts.status(task_id).task_id == task_id

    plain = cli(
        "create", "Plain one.", "Plain two.", "--voice-id", str(voice_id), "--language", "1"
    )
    lines = plain.out.splitlines()
    assert len(lines) == 2
    assert all(client.tts.status(t).status in ("PENDING", "SUCCESS") for t in lines)


def test_create_still_prints_the_tasks_made_before_an_error(cli: Run, client: Camb) -> None:
    voice_id = client.voices.list()[0].id
    outcome = cli(
        "--json", "create", "Made fine.", "", "--voice-id", str(voice_id), "--language", "1"
    )
    assert outcome.code == 2  # the empty text is refused before it is sent
    [task_id] = outcome.json()["task_ids"]
    assert client.tts.status(task_id).task_id == task_id
    assert len(outcome.err_lines) == 1
    assert "text" in outcome.err


def test_create_requires_voice_and_language(cli: Run) -> None:
    outcome = cli("create", "No voice given.")
    assert outcome.code == 2
    assert len(outcome.err_lines) == 1


def test_status_reports_each_task(cli: Run, client: Camb) -> None:
    task_ids = _tasks(client, 2)
    before = cli("--json", "status", *task_ids)
    assert before.code == 0
    assert set(before.json()) == set(task_ids)
    assert {entry["status"] for entry in before.json().values()} <= {"PENDING", "SUCCESS"}

    run_ids = {t: client.tts.wait(t, timeout=20) for t in task_ids}
    after = cli("--json", "status", *task_ids)
    assert {t: (e["status"], e["run_id"]) for t, e in after.json().items()} == {
        t: ("SUCCESS", r) for t, r in run_ids.items()
    }
    table = cli("status", *task_ids).out.splitlines()
    assert sorted(table) == sorted(f"{t}\tSUCCESS\t{r}" for t, r in run_ids.items())


def test_wait_maps_task_ids_to_run_ids(cli: Run, client: Camb) -> None:
    task_ids = _tasks(client, 4)
    outcome = cli("--json", "wait", *task_ids, "--wait-timeout", "20")
    assert outcome.code == 0, outcome.err
    report = outcome.json()
    assert report["failed"] == {}
    assert report["run_ids"] == {t: client.tts.status(t).run_id for t in task_ids}
    assert outcome.err == ""  # no progress bar when stderr is not a terminal


def test_wait_plain_output_and_task_ids_from_stdin(
    cli: Run, client: Camb, monkeypatch: pytest.MonkeyPatch
) -> None:
    task_ids = _tasks(client, 2)
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(task_ids) + "\n"))
    outcome = cli("wait", "--poll-interval", "0.05")
    assert outcome.code == 0, outcome.err
    assert outcome.out.splitlines() == [f"{t}\t{client.tts.status(t).run_id}" for t in task_ids]


def test_wait_reports_a_failed_task_and_exits_1(cli: Run, client: Camb) -> None:
    voice_id = client.voices.list()[0].id
    good = client.tts.create("This one works out.", voice_id, 1)
    bad = client.tts.create("This one fails [error].", voice_id, 1)
    outcome = cli("--json", "wait", good, bad)
    assert outcome.code == 1
    report = outcome.json()
    assert report["run_ids"] == {good: client.tts.status(good).run_id}
    assert set(report["failed"]) == {bad}
    assert report["failed"][bad]["error"] == "TaskFailedError"
    assert report["failed"][bad]["status"] == "ERROR"
    assert len(outcome.err_lines) == 1
    assert outcome.err.startswith("camb: error: ")
    assert bad in outcome.err
    assert "Traceback" not in outcome.err


# --- result, results ------------------------------------------------------------------------------


def test_result_url_is_a_presigned_flac(cli: Run, client: Camb, sandbox: Sandbox) -> None:
    [run_id] = _run_ids(client, 1)
    outcome = cli("--json", "result", str(run_id), "--url")
    assert outcome.code == 0, outcome.err
    report = outcome.json()
    assert report["run_id"] == run_id
    assert report["url"].startswith(sandbox.files_url)
    assert httpx.get(report["url"]).content.startswith(b"fLaC")
    assert cli("result", str(run_id), "--url").out.strip().startswith(sandbox.files_url)


def test_result_downloads_the_flac(cli: Run, client: Camb, tmp_path: Path) -> None:
    [run_id] = _run_ids(client, 1)
    default = cli("result", str(run_id))
    assert default.code == 0, default.err
    audio, rate = soundfile.read(str(tmp_path / f"{run_id}.flac"))
    assert len(audio) > 0
    assert rate > 0
    assert (tmp_path / f"{run_id}.flac").read_bytes() == client.tts.result(run_id)

    named = cli("--json", "result", str(run_id), "-o", "sub/named.flac")
    assert named.json()["bytes"] == (tmp_path / "sub" / "named.flac").stat().st_size


def test_results_prints_a_json_map_in_the_fewest_requests(
    cli: Run, client: Camb, sandbox: Sandbox
) -> None:
    run_ids = _run_ids(client, 7)
    sandbox.reset_stats()
    outcome = cli("results", *map(str, run_ids))  # JSON even without --json
    assert outcome.code == 0, outcome.err
    report = outcome.json()
    assert set(report["urls"]) == {str(r) for r in run_ids}
    assert report["unavailable"] == {}
    assert report["failed"] == {}
    assert _bulk_requests(sandbox) == math.ceil(7 / 5)
    first = report["urls"][str(run_ids[0])]
    assert httpx.get(first).content.startswith(b"fLaC")


def test_results_downloads_every_file(
    cli: Run, client: Camb, sandbox: Sandbox, tmp_path: Path
) -> None:
    run_ids = _run_ids(client, 6)
    sandbox.reset_stats()
    outcome = cli("--json", "results", *map(str, run_ids), "--download", "dl", "--concurrency", "3")
    assert outcome.code == 0, outcome.err
    files = outcome.json()["files"]
    assert set(files) == {str(r) for r in run_ids}
    assert sorted(p.name for p in (tmp_path / "dl").iterdir()) == sorted(
        f"{r}.flac" for r in run_ids
    )
    for run_id in run_ids:
        path = tmp_path / "dl" / f"{run_id}.flac"
        assert files[str(run_id)]["bytes"] == path.stat().st_size
        info = soundfile.info(str(path))
        assert info.format == "FLAC"
        assert info.frames > 0
    stats = sandbox.stats()
    assert _bulk_requests(sandbox) == 2
    assert stats["file_requests"] == 6
    assert stats["file_requests_with_api_key"] == 0


def test_results_reads_wait_output_from_stdin_and_json_from_a_file(
    cli: Run, client: Camb, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    task_ids = _tasks(client, 3)
    waited = cli("wait", *task_ids)
    run_ids = {str(client.tts.status(t).run_id) for t in task_ids}
    monkeypatch.setattr(sys, "stdin", io.StringIO(waited.out))
    from_stdin = cli("results")
    assert from_stdin.code == 0, from_stdin.err
    assert set(from_stdin.json()["urls"]) == run_ids

    (tmp_path / "ids.json").write_text(cli("--json", "wait", *task_ids).out)
    from_file = cli("results", "--file", "ids.json")
    assert set(from_file.json()["urls"]) == run_ids


def test_results_accounts_for_an_unknown_run_and_exits_1(cli: Run, client: Camb) -> None:
    run_ids = _run_ids(client, 2)
    outcome = cli("results", *map(str, run_ids), "987654")
    assert outcome.code == 1
    report = outcome.json()
    assert set(report["urls"]) == {str(r) for r in run_ids}
    assert set(report["unavailable"]) == {"987654"}
    assert len(outcome.err_lines) == 1
    assert outcome.err.startswith("camb: error: ")


def test_results_without_ids_is_a_usage_error(cli: Run) -> None:
    outcome = cli("results")  # pytest's stdin is not a terminal, and empty
    assert outcome.code == 2
    assert "no run ids" in outcome.err


def test_results_rejects_garbage_input(cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("12 banana 7\n"))
    outcome = cli("results")
    assert outcome.code == 2
    assert "line 1" in outcome.err


def test_json_output_is_valid_for_every_api_command(cli: Run, client: Camb) -> None:
    [task_id] = _tasks(client, 1)
    run_id = client.tts.wait(task_id, timeout=20)
    for args in (
        ("voices",),
        ("status", task_id),
        ("wait", task_id),
        ("result", str(run_id), "--url"),
        ("results", str(run_id)),
    ):
        outcome = cli("--json", *args)
        assert outcome.code == 0, (args, outcome.err)
        json.loads(outcome.out)


def test_results_download_retries_an_expired_url_once_then_reports_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # URLs that expire at once: the download fails, a fresh URL is fetched and fails too.
    with running(url_expiry=0.001, task_duration=0.05) as expiring:
        monkeypatch.setenv("CAMB_BASE_URL", expiring.url)
        monkeypatch.setenv("CAMB_API_KEY", expiring.api_key)
        with Camb(api_key=expiring.api_key, base_url=expiring.url) as client:
            run_ids = _run_ids(client, 3)
        expiring.reset_stats()
        code = main(["--json", "results", *map(str, run_ids), "--download", str(tmp_path / "x")])
        stats = expiring.stats()
    captured = capsys.readouterr()
    assert code == 1
    report = json.loads(captured.out)
    assert report["files"] == {}
    assert set(report["failed"]) == {str(r) for r in run_ids}
    assert {entry["status_code"] for entry in report["failed"].values()} == {403}
    assert sum(stats["by_operation"]["get_tts_result"].values()) == 3  # one fresh URL each
    assert stats["file_requests"] == 6
    assert len(captured.err.splitlines()) == 1
    assert not list((tmp_path / "x").iterdir())  # nothing half-written
