"""Many tasks at once with asyncio: create, wait, fetch the URLs, download every file.

    python async_many.py OUT_DIR [--count 20] [--concurrency 8]

The key comes from $CAMB_API_KEY (and the address from $CAMB_BASE_URL).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import camb


async def speak_many(out_dir: Path, count: int, concurrency: int) -> int:
    async with camb.AsyncCamb() as client:
        voice_id = (await client.voices.list())[0].id
        texts = [f"This is line number {n} of {count}." for n in range(1, count + 1)]

        # Creating costs credits and is not retried once sent: a few at a time is plenty.
        limit = asyncio.Semaphore(concurrency)

        async def create(text: str) -> str:
            async with limit:
                return await client.tts.create(text, voice_id, 1)

        task_ids = await asyncio.gather(*(create(text) for text in texts))
        done = await client.tts.wait_many(task_ids, concurrency=concurrency)
        urls = await client.tts.results(done.values(), concurrency=2)

        async def download(run_id: int, url: str) -> Path:
            async with limit:
                return await client.tts.download_url(url, out_dir / f"{run_id}.flac")

        paths = await asyncio.gather(*(download(r, u) for r, u in urls.items()))

    print(f"{len(paths)} files in {out_dir}; {len(done.failed)} tasks failed")
    for run_id, reason in urls.missing().items():
        print(f"no file for run {run_id}: {reason}")
    return 0 if done.ok and urls.ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    try:
        return asyncio.run(speak_many(args.out_dir, args.count, args.concurrency))
    except camb.CambError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
