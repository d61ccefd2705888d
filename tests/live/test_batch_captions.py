"""Captions beside each batch item's audio, from `camb.batch.run` and `camb batch`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import srt
import webvtt

from camb import Camb, InvalidInputError, batch
from camb.sandbox import Sandbox

from .conftest import VOICE

ITEMS = [
    {"id": "one", "text": "A short first item. With two sentences in it!"},
    {"id": "two", "text": "The second item has one sentence only."},
]


def _input(tmp_path: Path) -> Path:
    source = tmp_path / "items.jsonl"
    lines = [json.dumps({**item, "voice_id": VOICE, "language": "en-us"}) for item in ITEMS]
    source.write_text("\n".join(lines) + "\n")
    return source


def test_batch_run_writes_exact_captions_beside_each_item(
    camb_sandbox: Sandbox, tmp_path: Path
) -> None:
    with Camb(api_key=camb_sandbox.api_key, base_url=camb_sandbox.url) as client:
        batch.run(
            client,
            _input(tmp_path),
            out=tmp_path / "out",
            defaults={"format": "wav"},
            captions="srt",
            caption_sentences=True,
        )
    one = list(srt.parse((tmp_path / "out" / "one.srt").read_text()))
    assert [c.content for c in one] == ["A short first item.", "With two sentences in it!"]
    assert one[0].end.total_seconds() == pytest.approx(len("A short first item.") * 0.06)
    assert one[1].start == one[0].end
    two = list(srt.parse((tmp_path / "out" / "two.srt").read_text()))
    assert len(two) == 1


def test_batch_refuses_an_unknown_captions_format_before_any_traffic(
    camb_sandbox: Sandbox, tmp_path: Path
) -> None:
    client = Camb(api_key=camb_sandbox.api_key, base_url=camb_sandbox.url)
    with client, pytest.raises(InvalidInputError, match="captions"):
        batch.run(client, _input(tmp_path), out=tmp_path / "out", captions="txt")
    assert camb_sandbox.stats()["requests"] == 0


def test_camb_batch_captions(camb_sandbox: Sandbox, tmp_path: Path) -> None:
    env = dict(os.environ, CAMB_BASE_URL=camb_sandbox.url, CAMB_API_KEY=camb_sandbox.api_key)
    camb = Path(sys.executable).with_name("camb")
    result = subprocess.run(
        [
            str(camb),
            "batch",
            str(_input(tmp_path)),
            "--out",
            str(tmp_path / "out"),
            "--format",
            "wav",
            "--captions",
            "vtt",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    captions = webvtt.from_string((tmp_path / "out" / "two.vtt").read_text())
    assert [c.text for c in captions.captions] == ["The second item has one sentence only."]
