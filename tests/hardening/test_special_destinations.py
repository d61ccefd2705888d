"""Issue 20, item 1: a destination that is not a regular file is written into, never replaced.

A FIFO, a character device (`/dev/null`, through a symlink), and `/dev/stdout`-like links keep
being what they were; the complete audio is written into them (`cp` semantics). A symlink to a
regular file stays a symlink to the new file. A socket is refused with a typed error.
"""

from __future__ import annotations

import os
import socket
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import camb

from .conftest import Api
from .hostile_server import AUDIO, HostileServer, audio_reply


@pytest.fixture
def audio_server() -> Iterator[HostileServer]:
    with HostileServer(lambda seen: audio_reply(AUDIO)) as running:
        yield running


def save_stream(c: Any, path: Any) -> Any:
    return c.tts.stream("Hello there", 1, "en-us").save(path)


def read_fifo_in_background(fifo: Path) -> tuple[threading.Thread, list[bytes]]:
    got: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as reader:
            got.append(reader.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return reader, got


def test_saving_into_a_fifo_writes_the_audio_into_it_and_keeps_it_a_fifo(
    make_api: Callable[..., Api], audio_server: HostileServer, tmp_path: Path
) -> None:
    fifo = tmp_path / "speech.flac"
    os.mkfifo(fifo)
    reader, got = read_fifo_in_background(fifo)
    api = make_api(base_url=audio_server.url)
    api(lambda c: save_stream(c, fifo))
    reader.join(10)
    assert got == [AUDIO]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["speech.flac"]


def test_saving_to_a_symlink_to_dev_null_keeps_dev_null_a_device(
    make_api: Callable[..., Api], audio_server: HostileServer, tmp_path: Path
) -> None:
    link = tmp_path / "null.flac"
    link.symlink_to(os.devnull)
    before = os.stat(os.devnull)
    api = make_api(base_url=audio_server.url)
    api(lambda c: save_stream(c, link))
    after = os.stat(os.devnull)
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert link.is_symlink()
    assert os.readlink(link) == os.devnull
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null.flac"]


def test_speak_into_a_fifo_writes_a_whole_file_into_it(camb_sandbox: Any, tmp_path: Path) -> None:
    fifo = tmp_path / "speech.wav"
    os.mkfifo(fifo)
    reader, got = read_fifo_in_background(fifo)
    with camb.Camb(api_key=camb_sandbox.api_key, base_url=camb_sandbox.url) as client:
        voice = client.voices.list()[0].id
        result = client.tts.speak("Hello there, this is a test.", voice, "en-us", fifo)
    reader.join(10)
    assert got
    assert got[0][:4] == b"RIFF"
    assert len(got[0]) == result.bytes
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    # Nothing was made beside it (no temporary file, no segment cache).
    assert sorted(p.name for p in tmp_path.iterdir()) == ["speech.wav"]


def test_the_cli_speaks_into_a_symlink_to_dev_null_and_leaves_it_a_device(
    camb_sandbox: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from camb._cli._main import main

    link = tmp_path / "out.wav"
    link.symlink_to(os.devnull)
    status = main(
        [
            "--api-key",
            camb_sandbox.api_key,
            "--base-url",
            camb_sandbox.url,
            "speak",
            "Hello there, this is a test.",
            "-o",
            str(link),
        ]
    )
    assert status == 0, capsys.readouterr().err
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    assert link.is_symlink()


def test_a_symlink_to_a_regular_file_stays_a_link_to_the_new_file(
    make_api: Callable[..., Api], audio_server: HostileServer, tmp_path: Path
) -> None:
    real = tmp_path / "real.flac"
    real.write_bytes(b"old")
    link = tmp_path / "link.flac"
    link.symlink_to(real)
    api = make_api(base_url=audio_server.url)
    api(lambda c: save_stream(c, link))
    assert link.is_symlink()
    assert real.read_bytes() == AUDIO


def test_a_dangling_symlink_is_replaced_by_the_new_file(
    make_api: Callable[..., Api], audio_server: HostileServer, tmp_path: Path
) -> None:
    """A link to nothing (its file was deleted, its folder too): the audio takes the link's
    place, and nothing is created where the link pointed."""
    link = tmp_path / "link.flac"
    link.symlink_to(tmp_path / "gone" / "deleted.flac")
    api = make_api(base_url=audio_server.url)
    api(lambda c: save_stream(c, link))
    assert not link.is_symlink()
    assert link.read_bytes() == AUDIO
    assert not (tmp_path / "gone").exists()


def test_a_socket_is_refused_with_a_typed_error_before_any_request(
    make_api: Callable[..., Api], audio_server: HostileServer
) -> None:
    import tempfile

    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        path = Path(folder) / "s.flac"
        listener = socket.socket(socket.AF_UNIX)
        try:
            listener.bind(str(path))
            api = make_api(base_url=audio_server.url)
            with pytest.raises(camb.InvalidInputError) as caught:
                api(lambda c: save_stream(c, path))
            assert caught.value.param == "path"
            assert stat.S_ISSOCK(os.lstat(path).st_mode)
        finally:
            listener.close()
    assert audio_server.seen == []


def test_the_cli_speaks_to_a_link_to_its_stdout_and_keeps_stdout_audio_only(
    camb_sandbox: Any, tmp_path: Path
) -> None:
    """`camb speak -o LINK` where LINK is /proc/self/fd/1 (as /dev/stdout is): the audio goes
    down the pipe, whole, and the summary goes to stderr instead of after it."""
    import subprocess
    import sys

    link = tmp_path / "out.wav"
    link.symlink_to("/proc/self/fd/1")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from camb._cli._main import main; sys.exit(main())",
            "--api-key",
            camb_sandbox.api_key,
            "--base-url",
            camb_sandbox.url,
            "speak",
            "Hello there, this is a test.",
            "-o",
            str(link),
        ],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout[:4] == b"RIFF"
    assert int.from_bytes(done.stdout[4:8], "little") + 8 == len(done.stdout)
    assert f"{len(done.stdout):,} bytes".encode() in done.stderr
    assert link.is_symlink()
