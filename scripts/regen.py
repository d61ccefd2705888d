"""Regenerate the low-level client (generated/camb_api) from the OpenAPI spec.

Used by `make regen` and by the drift test, which regenerates into a temporary folder and
compares. The generator runs in a scratch folder so that a failed run never leaves a half-written
package behind. It writes a whole project there (`--meta uv`), because only then does it mark the
package as typed with `py.typed`; we keep just the package, since pyproject.toml at the top
level installs it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = ROOT / "openapi" / "camb-tts.yaml"
DEFAULT_CONFIG = ROOT / "openapi" / "generator-config.yaml"
DEFAULT_OUT = ROOT / "generated" / "camb_api"
# Custom templates: only endpoint_init.py.jinja, which adds the public request builders.
TEMPLATES = ROOT / "openapi" / "templates"


def generate(spec: Path, config: Path, out: Path) -> str:
    """Generate the package from `spec` into `out` (replacing it); return the generator's output."""
    bin_dir = Path(sys.executable).parent
    generator = bin_dir / "openapi-python-client"
    # The post-hooks call `ruff`: make sure it is the pinned one beside this interpreter.
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch) / "project"
        proc = subprocess.run(
            [
                str(generator),
                "generate",
                "--path",
                str(spec),
                "--config",
                str(config),
                "--meta",
                "uv",
                "--custom-template-path",
                str(TEMPLATES),
                "--output-path",
                str(project),
            ],
            cwd=scratch,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        target = project / out.name
        if proc.returncode != 0 or not target.is_dir():
            raise SystemExit(f"openapi-python-client failed:\n{proc.stdout}\n{proc.stderr}")
        for cache in target.rglob(".ruff_cache"):
            shutil.rmtree(cache)
        if out.exists():
            shutil.rmtree(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(target, out)
    return proc.stdout + proc.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    output = generate(args.spec.resolve(), args.config.resolve(), args.out.resolve())
    print(output.strip())


if __name__ == "__main__":
    main()
