"""What a new user meets on the command line (issue 22 items 3, 4, 6, 9, 10 and 12): stdin and
BOMs for `speak`, spreadsheet CSVs for `batch`, defaults said plainly, file names that
contradict the format, interrupted `speak`, and the small things."""

from __future__ import annotations

import errno
import io
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from camb import Camb, InvalidInputError
from camb._cli._main import main
from camb.sandbox import Sandbox, running

from ._helpers import CAMB_SCRIPT, REPO, Run, subprocess_env

TEXT = "Hello there, this is a test."
LONG = "\n\n".join(" ".join(f"Sentence {n} of paragraph {p}." for n in range(45)) for p in range(4))


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


# --- 22.6: `speak -f -` and the BOM -------------------------------------------------------------


def test_speak_file_dash_reads_stdin_without_its_bom(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stdin(monkeypatch, b"\xef\xbb\xbf" + TEXT.encode())
    outcome = cli("--json", "speak", "-f", "-", "-o", "x.mp3")
    assert outcome.code == 0, outcome.err
    # The sandbox bills one credit per character: the BOM was not sent.
    assert outcome.json()["credits_required"] == len(TEXT)
    assert (tmp_path / "x.mp3").stat().st_size > 0


def test_speak_dash_argument_and_file_drop_a_bom(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "notepad.txt").write_bytes(b"\xef\xbb\xbf" + TEXT.encode())
    outcome = cli("--json", "speak", "-f", "notepad.txt", "-o", "a.wav")
    assert outcome.code == 0, outcome.err
    assert outcome.json()["credits_required"] == len(TEXT)
    _stdin(monkeypatch, b"\xef\xbb\xbf" + TEXT.encode())
    outcome = cli("--json", "speak", "-", "-o", "b.wav")
    assert outcome.code == 0, outcome.err
    assert outcome.json()["credits_required"] == len(TEXT)


def test_speak_refuses_a_file_that_is_not_utf8_saying_so(cli: Run, tmp_path: Path) -> None:
    (tmp_path / "latin.txt").write_bytes(
        "Caf\u00e9 au lait, s'il vous pla\u00eet.".encode("cp1252")
    )
    outcome = cli("speak", "-f", "latin.txt", "-o", "a.wav")
    assert outcome.code == 2
    assert "not UTF-8" in outcome.err


# --- 22.9: defaults said plainly; one message for a missing voice; names vs formats ------------


def test_speak_help_says_it_defaults_what_python_requires(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["speak", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "tts.speak() requires" in text
    assert "the first voice of `camb voices`" in text
    assert "default en-us" in text


def test_batch_without_voice_or_language_says_so_once(cli: Run, tmp_path: Path) -> None:
    lines = "".join(f"line-{n},Line number {n}.\n" for n in range(1500))
    (tmp_path / "in.csv").write_text("id,text\n" + lines)
    outcome = cli("batch", "in.csv", "--out", "out")
    assert outcome.code == 2
    assert len(outcome.err_lines) == 1, outcome.err[:2000]
    assert "--voice-id" in outcome.err
    assert "--language" in outcome.err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("fmt", "name"), [("mp3", "x.wav"), ("wav", "x.mp3"), ("flac", "x.aac"), ("pcm_s16le", "x.wav")]
)
def test_speak_refuses_a_name_that_contradicts_the_format(
    cli: Run, tmp_path: Path, fmt: str, name: str
) -> None:
    outcome = cli("speak", TEXT, "-o", name, "--format", fmt, "--voice-id", "147320")
    assert outcome.code == 2
    assert "path" in outcome.err
    assert fmt in outcome.err
    assert not (tmp_path / name).exists()


def test_a_name_the_format_allows_is_written(cli: Run, tmp_path: Path) -> None:
    for fmt, name in (("pcm_s16le", "x.pcm"), ("adts", "x.aac"), ("mp3", "x.audio")):
        outcome = cli("speak", TEXT, "-o", name, "--format", fmt, "--voice-id", "147320")
        assert outcome.code == 0, outcome.err
        assert (tmp_path / name).stat().st_size > 0


def test_stream_save_refuses_a_name_that_contradicts_the_format(
    client: Camb, tmp_path: Path
) -> None:
    stream = client.tts.stream(TEXT, 147320, "en-us", format="wav")
    with pytest.raises(InvalidInputError) as caught:
        stream.save(tmp_path / "x.mp3")
    assert caught.value.param == "path"
    assert "x.wav" in str(caught.value)
    assert not (tmp_path / "x.mp3").exists()
    with pytest.raises(InvalidInputError):
        client.tts.speak(TEXT, 147320, "en-us", tmp_path / "y.wav", format="mp3")
    assert client.tts.stream(TEXT, 147320, "en-us", format="wav").save(tmp_path / "x.wav")


# --- 22.3 and 22.4 through the command line -----------------------------------------------------


def test_batch_reads_a_semicolon_spreadsheet_export(cli: Run, tmp_path: Path) -> None:
    (tmp_path / "sheet.csv").write_bytes(
        "Text;;\r\nBonjour \u00e0 tous.;;\r\nAu revoir.;;\r\n".encode("cp1252")
    )
    args = ["batch", "sheet.csv", "--out", "out", "--voice-id", "147320", "--language", "fr-fr"]
    refused = cli(*args)
    assert refused.code == 2
    assert "--encoding cp1252" in refused.err
    outcome = cli(*args, "--encoding", "cp1252")
    assert outcome.code == 0, outcome.err
    assert outcome.out.startswith("done 2,")
    assert "line number" in outcome.out  # the summary says where the ids came from
    assert sorted(p.name for p in (tmp_path / "out").glob("*.wav")) == ["line-2.wav", "line-3.wav"]


def test_batch_tsv_from_stdin_with_input_format(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stdin(monkeypatch, b"ID\tText\na\tHello there.\n")
    args = ["batch", "-", "--input-format", "tsv", "--out", "out", "--voice-id", "147320"]
    outcome = cli(*args, "--language", "en-us")
    assert outcome.code == 0, outcome.err
    assert (tmp_path / "out" / "a.wav").exists()


def test_batch_skip_invalid_that_skips_everything_fails(cli: Run, tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text("id,text,,\na,,,\nb,,,\n")
    outcome = cli(
        "batch",
        "in.csv",
        "--out",
        "out",
        "--voice-id",
        "1",
        "--language",
        "en-us",
        "--skip-invalid",
    )
    assert outcome.code == 2
    assert "every line was refused" in outcome.err
    (tmp_path / "bad.csv").write_text("id,txt\na,Hello there.\n")
    outcome = cli(
        "batch",
        "bad.csv",
        "--out",
        "out",
        "--voice-id",
        "1",
        "--language",
        "en-us",
        "--skip-invalid",
    )
    assert outcome.code == 2
    assert "txt" in outcome.err


# --- 22.10: interrupted and failed `speak` -------------------------------------------------------


def test_a_422_leaves_no_empty_segment_folder(cli: Run, tmp_path: Path) -> None:
    outcome = cli("speak", LONG, "-o", "long.wav", "--language", "xx-yy", "--voice-id", "147320")
    assert outcome.code != 0
    assert not (tmp_path / ".long.wav.segments").exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_during_speak_says_where_the_segments_are_and_the_rerun_resumes(
    tmp_path: Path,
) -> None:
    with running(latency=0.4) as sandbox:
        env = dict(os.environ, CAMB_BASE_URL=sandbox.url, CAMB_API_KEY=sandbox.api_key)
        command = [str(CAMB_SCRIPT), "speak", "-f", "long.txt", "-o", "long.wav"]
        command += ["--voice-id", "147320", "--concurrency", "1"]
        (tmp_path / "long.txt").write_text(LONG, encoding="utf-8")
        process = subprocess.Popen(
            command,
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        folder = tmp_path / ".long.wav.segments"
        try:
            deadline = time.monotonic() + 60
            while not (
                folder.is_dir() and any(not p.name.startswith(".") for p in folder.iterdir())
            ):
                assert time.monotonic() < deadline, "no segment finished"
                assert process.poll() is None, process.communicate()
                time.sleep(0.05)
            process.send_signal(signal.SIGINT)
            _out, err = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        assert process.returncode == 130
        kept = len(list(folder.iterdir()))
        assert kept >= 1
        assert repr(str(Path(".long.wav.segments"))) in err or str(folder) in err, err
        assert "run the same command again to resume" in err
        assert f"{kept} finished segment" in err
        again = subprocess.run(
            [str(CAMB_SCRIPT), "--json", *command[1:]],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout)["cached_segments"] == kept
        assert not folder.exists()


# --- 22.12: the small things ---------------------------------------------------------------------


def test_a_failed_segment_message_has_one_full_stop(cli: Run, tmp_path: Path) -> None:
    outcome = cli("speak", TEXT, "-o", "a.wav", "--voice-id", "999999")
    assert outcome.code == 1
    assert "list-voices" in outcome.err
    assert ".." not in outcome.err


def test_sandbox_help_lists_no_client_only_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "--help"]) == 0
    text = capsys.readouterr().out
    for client_only in ("--base-url", "--max-retries", "--timeout", "$CAMB_API_KEY"):
        assert client_only not in text
    assert "--api-key KEY" in text  # the sandbox's own key


def test_sandbox_on_a_port_in_use_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    try:
        port = holder.getsockname()[1]
        assert main(["sandbox", "--port", str(port)]) == 2
    finally:
        holder.close()
    err = capsys.readouterr().err
    assert os.strerror(errno.EADDRINUSE) in err
    assert "--port 0" in err


def test_the_manifest_gets_the_mode_of_the_audio(cli: Run, tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text("id,text\na,Hello there.\n")
    outcome = cli("batch", "in.csv", "--out", "out", "--voice-id", "147320", "--language", "en-us")
    assert outcome.code == 0, outcome.err
    audio = stat.S_IMODE((tmp_path / "out" / "a.wav").stat().st_mode)
    manifest = stat.S_IMODE((tmp_path / "out" / "manifest.jsonl").stat().st_mode)
    assert manifest == audio


def test_the_speak_file_example_counts_one_piece_as_one(sandbox: Sandbox, tmp_path: Path) -> None:
    (tmp_path / "short.txt").write_text(TEXT, encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, str(REPO / "examples" / "speak_file.py"), "short.txt", "short.wav"],
        cwd=tmp_path,
        env=subprocess_env(sandbox),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert " 1 piece," in completed.stdout
