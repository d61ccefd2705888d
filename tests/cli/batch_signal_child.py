"""`camb batch` runs one after another in one process, for the signal tests (one interpreter
start instead of one per trial). Reads a JSON list of arguments per line, runs
`camb._cli.main` with them, and answers the exit status on a line of its own."""

from __future__ import annotations

import json
import sys

from camb._cli._main import main

if __name__ == "__main__":
    print("ready", flush=True)
    for line in sys.stdin:
        status = main(json.loads(line))
        print(int(status), flush=True)
