"""Run one benchmark function in a fresh process: `_child.py MODULE FUNC JSON_KWARGS`.

The function's answer is printed as one `BENCH-RESULT {json}` line (see `_common.run_child`).
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import child_report


def main() -> None:
    module, func, kwargs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    result = getattr(importlib.import_module(module), func)(**kwargs)
    child_report(result)


if __name__ == "__main__":
    main()
