"""A batch run in a child process, for the SIGKILL tests: crash_child.py INPUT OUT LOG SEED"""

from __future__ import annotations

import random
import sys
import threading
from pathlib import Path

from camb.batch._input import read_items
from camb.batch._manifest import MANIFEST_FILE, write_manifest
from camb.batch._runner import run_batch
from camb.batch._state import StateStore, state_file_name

sys.path.insert(0, str(Path(__file__).parent))
from fake_synth import FakeSynth, random_latency, rate_limit_error


def main(argv: list[str]) -> None:
    source, out, log, seed = argv[0], Path(argv[1]), Path(argv[2]), int(argv[3])
    items = read_items(source).items
    generator = random.Random(seed)
    lock = threading.Lock()

    def decide(item: object, number: int) -> BaseException | None:
        with lock:
            return rate_limit_error("0.005") if generator.random() < 0.1 else None

    synth = FakeSynth(latency=random_latency(seed, 0.002, 0.015), decide=decide, log_path=log)
    with StateStore.open(out / state_file_name()) as state:
        result = run_batch(items, state, synth, concurrency=8)
        write_manifest(out / MANIFEST_FILE, state.rows())
    sys.exit(0 if result.summary.complete else 1)


if __name__ == "__main__":
    main(sys.argv[1:])
