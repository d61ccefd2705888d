# Everything runs inside .venv, created on first use, so a fresh clone needs only Python 3.10+
# and make. `make demo` installs only what the demo needs (the package with its sandbox and cli
# extras); the other targets install the `dev` extra (a superset) too.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.dev-stamp
DEMO_STAMP := $(VENV)/.demo-stamp
SPEC := openapi/camb-tts.yaml
GEN_CONFIG := openapi/generator-config.yaml
GEN_DIR := generated/camb_api

.PHONY: install regen unasync test check test-pythons lint typecheck demo bench docs clean

install: $(STAMP)

$(VENV)/pyvenv.cfg:
	$(PYTHON) -m venv $(VENV)

# The distribution was named `camb` before it became `camb-tts`: a .venv made then still holds
# that name's metadata, whose uninstall would delete files of camb-tts. Drop it once.
FORGET_OLD_NAME = ls $(VENV)/lib/python*/site-packages/camb-[0-9]*.dist-info >/dev/null 2>&1 \
	&& $(BIN)/python -m pip uninstall --quiet --yes camb || true

$(STAMP): pyproject.toml | $(VENV)/pyvenv.cfg
	$(FORGET_OLD_NAME)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $(DEMO_STAMP)

$(DEMO_STAMP): pyproject.toml | $(VENV)/pyvenv.cfg
	$(FORGET_OLD_NAME)
	$(BIN)/python -m pip install --quiet -e '.[sandbox,cli]'
	touch $(DEMO_STAMP)

# Regenerate the low-level client from the spec. The generator and ruff are pinned, so the
# output is identical on every machine; never edit generated/ by hand.
regen: $(STAMP)
	$(BIN)/python scripts/regen.py --spec $(SPEC) --config $(GEN_CONFIG) --out $(GEN_DIR)

# The blocking client is generated from the asyncio one (camb/_async -> camb/_sync).
unasync: $(STAMP)
	$(BIN)/python scripts/unasync.py

# Line coverage of camb/ must stay at or above 95%. pytest's own exit code (including 5 for
# "no tests collected") fails the target before the report runs. Lint and types are part of
# the test: CI runs this target. The suite is split across the machine's cores (pytest-xdist;
# coverage follows the workers, which are subprocesses): 27 minutes on one core of CI's two,
# about 15 on both.
test: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet
	rm -f .coverage .coverage.*
	$(BIN)/python -m coverage run -m pytest -n auto
	$(BIN)/python -m coverage combine --quiet
	$(BIN)/python -m coverage report --fail-under=95
	$(MAKE) --no-print-directory lint typecheck

# The quick loop while developing (a few minutes on two cores): every test but the slow ones
# (the docs site and browser, packaging builds, whole-process runs, load and property sweeps;
# tests/conftest.py lists them), then lint and types. `make test` is the full suite CI runs.
check: $(STAMP)
	$(BIN)/python -m pytest -q -n auto -m "not slow"
	$(MAKE) --no-print-directory lint typecheck

# The suite on the oldest and newest Pythons supported (CI runs it after `make test`): each gets
# its own venv (.venv-3.10, ...), from pyenv's interpreters where pyenv is installed, else from
# pythonX.Y on PATH. What differs between Pythons is the library's behaviour (asyncio, csv,
# sqlite3, the stdlib's codecs), so these runs leave out the slow tests and the command-line
# tests, which start a process per case and call the same library code: `make test` runs them.
PYTHONS ?= 3.10 3.13
test-pythons:
	@set -e; for v in $(PYTHONS); do \
		py=$$(ls $$HOME/.pyenv/versions/$$v.*/bin/python$$v 2>/dev/null | head -n 1); \
		[ -n "$$py" ] || py=python$$v; \
		echo "== Python $$v ($$py)"; \
		[ -x .venv-$$v/bin/python ] || $$py -m venv .venv-$$v; \
		[ -f .venv-$$v/.dev-stamp ] && [ .venv-$$v/.dev-stamp -nt pyproject.toml ] || { \
			.venv-$$v/bin/python -m pip install --quiet --upgrade pip && \
			.venv-$$v/bin/python -m pip install --quiet -e '.[dev]' && \
			touch .venv-$$v/.dev-stamp; }; \
		.venv-$$v/bin/python -m pytest -q -n auto -p no:cacheprovider -m "not slow" --ignore=tests/cli; \
	done

# The README's first command: the whole flow against a local sandbox, through the CLI.
demo: $(DEMO_STAMP)
	$(BIN)/python scripts/demo.py

# Benchmarks against the sandbox and raw httpx; rewrites docs/benchmarks.md and its plots.
bench: $(STAMP)
	$(BIN)/python scripts/bench/run.py

# The documentation site, into site/ (mkdocs.yml; strict: a warning or a broken link fails).
# NO_MKDOCS_2_WARNING silences the theme's notice about its successor, printed on every build.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

lint: $(STAMP)
	$(BIN)/ruff check camb tests scripts examples _camb_tts.py
	$(BIN)/ruff format --check camb tests scripts examples _camb_tts.py

typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov demo-output site
