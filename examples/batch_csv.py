"""Speak every line of a CSV file (columns id,text) into a folder of audio files; resumable.

    python batch_csv.py lines.csv audio/ [--voice-id N] [--language en-us]

Run it again after a crash or Ctrl-C: finished lines are skipped, never paid for twice.
Exits 1 when some lines failed (they are listed), 2 when the file has bad lines.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import camb
import camb.batch


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv_file", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--voice-id", type=int, help="default: the first voice of the account")
    parser.add_argument("--language", default="en-us", help="a lower-case locale (en-us)")
    args = parser.parse_args()

    with camb.Camb() as client:
        voice_id = args.voice_id or client.voices.list()[0].id
        try:
            result = camb.batch.run(
                client,
                args.csv_file,
                out=args.out,
                defaults={"voice_id": voice_id, "language": args.language},
            )
        except camb.batch.BatchInputError as error:
            for problem in error.problems:
                print(f"bad line: {problem}", file=sys.stderr)
            return 2
    counts = result.summary.counts
    print(f"{counts.done} done, {counts.failed} failed, {result.requests} requests this run")
    for item_id, error in result.summary.first_errors:
        print(f"failed: {item_id}: {error}", file=sys.stderr)
    return 0 if counts.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
