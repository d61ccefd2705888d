"""Class 1: a failed write never replaces a good file.

A full disk (a real 64 KiB tmpfs where this machine lets root mount one, else an injected
ENOSPC) at every step of writing the temporary file (write, flush, fsync, close), and a
failing rename: the destination keeps its old bytes, no temporary file remains, folders the
call created are gone again, and the error is a `camb.FileWriteError`.
"""

from __future__ import annotations

import errno
import os
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import camb
import camb._files

from .conftest import Api, try_mount, unmount
from .hostile_server import AUDIO, HostileServer, Reply, audio_reply

OLD = b"the caller's good file"
BIG_AUDIO = AUDIO * 20  # 320 KiB: more than the small disk holds


def saving_calls(server: HostileServer) -> dict[str, Callable[[Any, Path], Any]]:
    """Every way the client writes audio to a file, by name."""
    return {
        "stream.save": lambda c, p: c.tts.stream("Hello there", 1, "en-us").save(p),
        "download": lambda c, p: c.tts.download(7, p),
        "download_url": lambda c, p: c.tts.download_url(f"{server.url}/files/7.flac?sig=x", p),
    }


def audio_everywhere(seen: Any) -> Reply:
    return audio_reply(BIG_AUDIO)


class FaultyFile:
    """A file object that fails with ENOSPC at one step, like a file on a full disk."""

    def __init__(self, real: Any, stage: str) -> None:
        self._real = real
        self._stage = stage

    def _fail(self, stage: str) -> None:
        if self._stage == stage:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def write(self, data: bytes) -> int:
        self._fail("write")
        return int(self._real.write(data))

    def flush(self) -> None:
        self._real.flush()
        self._fail("flush")

    def fileno(self) -> int:
        return int(self._real.fileno())

    def close(self) -> None:
        # A close that fails (NFS reports a full disk here) still releases the descriptor.
        self._real.close()
        self._fail("close")


def inject(monkeypatch: pytest.MonkeyPatch, stage: str) -> None:
    """Make `camb._files` see a disk that fails at `stage`."""
    real_os = os

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        return FaultyFile(real_os.fdopen(fd, *args, **kwargs), stage)

    def fsync(fd: int) -> None:
        if stage == "fsync":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_os.fsync(fd)

    def replace(src: Any, dst: Any) -> None:
        if stage == "rename":
            raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))
        real_os.replace(src, dst)

    fake = types.SimpleNamespace(
        **{name: getattr(real_os, name) for name in dir(real_os) if not name.startswith("__")}
    )
    fake.fdopen, fake.fsync, fake.replace = fdopen, fsync, replace
    monkeypatch.setattr(camb._files, "os", fake)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path | None]:
    """A 64 KiB tmpfs, or None where mounting is not allowed."""
    target = tmp_path / "small-disk"
    if not try_mount(target, "size=64k"):
        yield None
        return
    try:
        yield target
    finally:
        unmount(target)


def leftovers(folder: Path, keep: Path | None) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p != keep)


METHODS = ["stream.save", "download", "download_url"]
STAGES = ["disk_full", "write", "flush", "fsync", "close", "rename"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("destination", ["existing_file", "new_folders"])
def test_failed_write_keeps_the_old_file_and_leaves_nothing_behind(
    make_api: Callable[..., Api],
    server: HostileServer,
    monkeypatch: pytest.MonkeyPatch,
    small_disk: Path | None,
    tmp_path: Path,
    method: str,
    stage: str,
    destination: str,
) -> None:
    server.handler = audio_everywhere
    if stage == "disk_full":
        if small_disk is None:
            # No tmpfs here: the same full disk, injected where the first write hits it.
            folder = tmp_path / "disk"
            folder.mkdir()
            inject(monkeypatch, "write")
        else:
            folder = small_disk
    else:
        folder = tmp_path / "disk"
        folder.mkdir()
        inject(monkeypatch, stage)
    if destination == "existing_file":
        path = folder / "speech.flac"
        path.write_bytes(OLD)
        keep: Path | None = path
    else:
        path = folder / "made" / "by" / "the call" / "speech.flac"
        keep = None
    api = make_api(base_url=server.url)

    with pytest.raises(camb.FileWriteError) as caught:
        api(lambda c: saving_calls(server)[method](c, path))

    assert isinstance(caught.value, camb.CambError)
    assert caught.value.path == str(path)
    assert isinstance(caught.value.__cause__, OSError)
    if stage != "rename":
        assert caught.value.__cause__.errno == errno.ENOSPC
    if keep is not None:
        assert path.read_bytes() == OLD
    else:
        assert not (folder / "made").exists(), "folders the call created must be removed"
    assert leftovers(folder, keep) == [], "no temporary file may remain"
    # The audio was requested: the failure happened while writing, not before.
    assert len(server.seen) == 1


@pytest.mark.parametrize("method", METHODS)
def test_a_body_cut_short_keeps_the_old_file(
    make_api: Callable[..., Api], server: HostileServer, tmp_path: Path, method: str
) -> None:
    server.handler = lambda seen: audio_reply(BIG_AUDIO, cut_after=50_000)
    path = tmp_path / "speech.flac"
    path.write_bytes(OLD)
    api = make_api(base_url=server.url, max_retries=0)

    with pytest.raises(camb.APIConnectionError):
        api(lambda c: saving_calls(server)[method](c, path))

    assert path.read_bytes() == OLD
    assert leftovers(tmp_path, path) == []


@pytest.mark.parametrize("method", METHODS)
def test_a_complete_write_replaces_the_file(
    make_api: Callable[..., Api], server: HostileServer, tmp_path: Path, method: str
) -> None:
    # The other side of the rule: when nothing fails, the new audio is there and nothing else.
    server.handler = audio_everywhere
    path = tmp_path / "new" / "speech.flac"
    api = make_api(base_url=server.url)

    saved = api(lambda c: saving_calls(server)[method](c, path))

    assert Path(saved) == path
    assert path.read_bytes() == BIG_AUDIO
    assert leftovers(tmp_path, path) == ["new"]
