"""Helpers shared by the command line tests."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from camb.sandbox import Sandbox

CAMB_SCRIPT = Path(sys.executable).with_name("camb")
REPO = Path(__file__).resolve().parents[2]


@attrs.frozen
class Outcome:
    """One run of `camb`: its exit status and what it wrote."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


Run = Callable[..., Outcome]


def subprocess_env(sandbox: Sandbox) -> dict[str, str]:
    """This process's environment plus the sandbox's address and key."""
    environ = dict(os.environ)
    environ.update(CAMB_BASE_URL=sandbox.url, CAMB_API_KEY=sandbox.api_key)
    return environ
