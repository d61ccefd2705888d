"""Download the audio of finished runs, any number of them, in the fewest bulk requests.

    python download_results.py OUT_DIR RUN_ID [RUN_ID ...]
    camb create "One." "Two." --voice-id 147320 --language 1 | camb wait | cut -f2 \
        | xargs python download_results.py out/

Files that are already there and complete are not fetched again. Exits 1 when some run has no
file. The key comes from $CAMB_API_KEY (and the address from $CAMB_BASE_URL).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import camb


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("run_ids", nargs="+", type=int)
    args = parser.parse_args()

    # download_url() replaces a file only with a complete one, so a file that exists is whole.
    wanted = [run_id for run_id in args.run_ids if not (args.out_dir / f"{run_id}.flac").exists()]
    print(f"{len(args.run_ids) - len(wanted)} already downloaded, {len(wanted)} to fetch")
    if not wanted:
        return 0

    with camb.Camb() as client:
        # 2 to 5 ids a request; every id comes back as a URL, unavailable, or failed.
        urls = client.tts.results(wanted, raise_on_error=False)
        for run_id, url in urls.items():
            path = client.tts.download_url(url, args.out_dir / f"{run_id}.flac")
            print(f"{run_id}\t{path}\t{path.stat().st_size} bytes")

    for run_id, reason in urls.missing().items():
        print(f"{run_id}\tno file: {reason}", file=sys.stderr)
    return 0 if urls.ok else 1


if __name__ == "__main__":
    sys.exit(main())
