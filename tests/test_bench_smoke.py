"""The benchmarks still run: `scripts/bench/run.py --smoke` end to end, in a subprocess.

Benchmarks are measured and reported by `make bench`, never asserted here: this only checks
that every benchmark completes at tiny sizes and writes its section, table and plots.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RUN = REPO / "scripts" / "bench" / "run.py"
SECTIONS = (
    "Bulk URLs",
    "Waiting",
    "Per-call overhead",
    "Start-up",
    "Streaming",
    "Concurrency",
    "Long-form speech",
    "Batch jobs",
    "Live speech over the WebSocket",
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_smoke_run_writes_every_section(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    pytest.importorskip("uvicorn")
    pytest.importorskip("soundfile")
    proc = subprocess.run(
        [sys.executable, str(RUN), "--smoke", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        # About a minute alone; far more on a loaded machine (CI runs a worker per core).
        timeout=300,
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    report = (tmp_path / "benchmarks.md").read_text()
    assert "## Summary" in report
    assert "(failed)" not in report
    # The new sections' checks ran (verdicts are not asserted: a smoke run is no result).
    assert "sync start imports neither `asyncio` nor `camb_api.models`" in report
    assert "SIGKILLed 2 times and resumed" in report
    assert "speak_stream(): first audio" in report
    assert "word timestamp error against the sandbox's synthetic speech" in report
    for title in SECTIONS:
        assert f". {title}" in report, title
    for plot in ("bulk.png", "wait.png", "longform.png"):
        assert (tmp_path / "img" / plot).stat().st_size > 0
        assert f"(img/{plot})" in report
    # The summary went to stdout too, with a row per benchmark.
    for name in (
        "bulk",
        "wait",
        "overhead",
        "startup",
        "streaming",
        "concurrency",
        "longform",
        "batch",
        "live",
    ):
        assert f"\n{name} " in proc.stdout, name
