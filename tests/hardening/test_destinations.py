"""Class 3: a destination that cannot be written is refused before any request.

Parent is a file, NUL in the path, a name over 255 bytes, a read-only folder (a read-only
tmpfs where root may mount one: root passes every permission check, but not a read-only file
system), a folder for a file, a lone surrogate: `InvalidInputError` with `param == "path"`,
and the server sees nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import camb

from .conftest import Api, try_mount, unmount
from .hostile_server import HostileServer, audio_reply


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody may write to: a read-only tmpfs if it can be mounted, else mode 0o555
    (which does not stop root, so that case then needs a non-root user)."""
    target = tmp_path / "read-only"
    if try_mount(target, "ro,size=64k"):
        try:
            yield target
        finally:
            unmount(target)
        return
    if os.geteuid() == 0:
        pytest.skip("running as root without mount(8): no folder is read-only to root")
    target.mkdir()
    target.chmod(0o555)
    try:
        yield target
    finally:
        target.chmod(0o755)


def bad_destinations(tmp_path: Path, read_only: Path) -> dict[str, Any]:
    a_file = tmp_path / "a-file"
    a_file.write_bytes(b"x")
    return {
        "parent is a file": a_file / "speech.flac",
        "grandparent is a file": a_file / "sub" / "speech.flac",
        "NUL in the path": str(tmp_path / "spe\0ech.flac"),
        "name longer than 255 bytes": tmp_path / ("é" * 128 + ".flac"),
        "folder name longer than 255 bytes": tmp_path / ("d" * 256) / "speech.flac",
        "read-only folder": read_only / "speech.flac",
        "read-only folder, new subfolder": read_only / "new" / "speech.flac",
        "an existing folder": tmp_path,
        "empty": "",
        "lone surrogate": str(tmp_path / "speech\ud800.flac"),
    }


CASES = [
    "parent is a file",
    "grandparent is a file",
    "NUL in the path",
    "name longer than 255 bytes",
    "folder name longer than 255 bytes",
    "read-only folder",
    "read-only folder, new subfolder",
    "an existing folder",
    "empty",
    "lone surrogate",
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("method", ["download", "download_url", "stream.save"])
def test_a_destination_that_cannot_be_written_is_refused_before_any_request(
    make_api: Callable[..., Api],
    server: HostileServer,
    tmp_path: Path,
    read_only_folder: Path,
    method: str,
    case: str,
) -> None:
    server.handler = lambda seen: audio_reply()
    path = bad_destinations(tmp_path, read_only_folder)[case]
    api = make_api(base_url=server.url)
    calls: dict[str, Callable[[Any], Any]] = {
        "download": lambda c: c.tts.download(7, path),
        "download_url": lambda c: c.tts.download_url(f"{server.url}/files/7.flac", path),
        "stream.save": lambda c: c.tts.stream("Hello there", 1, "en-us").save(path),
    }
    before = sorted(str(p) for p in tmp_path.rglob("*"))

    with pytest.raises(camb.InvalidInputError) as caught:
        api(calls[method])

    assert caught.value.param == "path"
    assert caught.value.rule
    assert server.seen == [], "nothing may be sent for a destination that cannot be written"
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before
