"""Start one task per line of text (the deprecated task flow) and wait for them all.

    python wait_on_tasks.py "First line." "Second line." [--voice-id N] [--language 1]

Prints each task's run id, or why it failed; exits 1 when any task failed. The key comes from
$CAMB_API_KEY (and the address from $CAMB_BASE_URL).
"""

from __future__ import annotations

import argparse
import sys

import camb


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lines", nargs="+", help="one task per line of text")
    parser.add_argument("--voice-id", type=int, help="default: the first voice of the account")
    parser.add_argument("--language", type=int, default=1, help="a language id (1 is en-us)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait in all")
    args = parser.parse_args()

    try:
        with camb.Camb() as client:
            voice_id = args.voice_id or client.voices.list()[0].id
            task_ids = {
                client.tts.create(text, voice_id, args.language): text for text in args.lines
            }
            print(f"started {len(task_ids)} tasks; waiting")
            # Never raises for one task: each has a run id, or its error in `done.failed`.
            done = client.tts.wait_many(list(task_ids), timeout=args.timeout)
    except camb.CambError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1

    for task_id, line in task_ids.items():
        if task_id in done:
            print(f"ok      run {done[task_id]}: {line}")
        else:
            error = done.failed[task_id]
            print(f"failed  {type(error).__name__}: {line} ({error})")
    return 0 if done.ok else 1


if __name__ == "__main__":
    sys.exit(main())
