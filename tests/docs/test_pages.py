"""What the documentation states about the code is what the code does: the exception tree, the
sandbox's knobs, the reference's coverage of `camb.__all__`, and the site's configuration."""

from __future__ import annotations

import re
import textwrap

import attrs
import yaml

import camb
from camb import _exceptions
from camb._cli._commands import SANDBOX_SETTINGS
from camb.sandbox import SandboxConfig

from .._markdown import code_blocks
from ._paths import DOCS, MKDOCS_YML, PENDING, ROOT

REFERENCE = DOCS / "reference"
ERRORS_GUIDE = DOCS / "guides" / "errors.md"
SANDBOX_GUIDE = DOCS / "guides" / "sandbox.md"


def _docstring_tree() -> str:
    doc = _exceptions.__doc__ or ""
    return textwrap.dedent(doc[doc.index("::") + 2 : doc.index("No message ever")]).strip("\n")


def test_the_errors_guide_draws_the_hierarchy_of_the_exceptions_module() -> None:
    trees = [block.code.strip("\n") for block in code_blocks(ERRORS_GUIDE)]
    assert _docstring_tree() in trees


def test_the_drawn_hierarchy_is_the_classes_hierarchy() -> None:
    parents: list[tuple[int, str]] = []  # (depth, name) of the enclosing classes
    checked = 0
    for line in _docstring_tree().splitlines():
        match = re.match(r"^(?P<prefix>[│├└─ ]*)(?P<name>[A-Z]\w+)", line)
        if match is None:
            continue
        depth = len(match["prefix"]) // 4
        name = match["name"]
        if not hasattr(_exceptions, name):
            continue  # a builtin named beside it, e.g. "(ValueError)"
        parents = [(d, n) for d, n in parents if d < depth]
        cls = getattr(camb, name)
        if parents:
            assert issubclass(cls, getattr(camb, parents[-1][1])), (name, parents[-1][1])
        parents.append((depth, name))
        checked += 1
    assert checked == len(_exceptions.__all__)


def _knob_table() -> dict[str, tuple[str, str]]:
    """field -> (flag, default) from the guide's table."""
    rows = re.findall(
        r"^\| `(\w+)` \| `(--[\w-]+)` \| `([^`]*)` \|", SANDBOX_GUIDE.read_text(), re.MULTILINE
    )
    return {field: (flag, default) for field, flag, default in rows}


def test_the_sandbox_guide_lists_every_knob_with_its_flag_and_default() -> None:
    table = _knob_table()
    fields = {field.name: field.default for field in attrs.fields(SandboxConfig)}
    assert set(table) == set(fields)
    for name, default in fields.items():
        assert table[name][1] == str(default), name
    flags = {field: flag for flag, field, _type, _help in SANDBOX_SETTINGS}
    flags.update(
        {
            "api_key": "--api-key",
            "access_log": "--access-log",
            "strict_documented": "--strict-documented",
        }
    )
    assert {name: flag for name, (flag, _) in table.items()} == flags


def _documented_names() -> set[str]:
    names: set[str] = set()
    for page in REFERENCE.glob("*.md"):
        names.update(re.findall(r"^::: camb\.(\w+)\s*$", page.read_text(), re.MULTILINE))
    return names


def test_the_reference_documents_every_public_name() -> None:
    assert set(camb.__all__) <= _documented_names()


def test_the_reference_documents_the_resources_of_both_clients() -> None:
    text = (REFERENCE / "resources.md").read_text()
    for client in ("Camb", "AsyncCamb"):
        for member in ("tts", "voices", "languages"):
            assert f"::: type(camb.{client}().{member})" in text


def test_the_site_excludes_the_drafts_and_builds_strictly() -> None:
    # mkdocs.yml has no Python-specific tags, so the safe loader reads it.
    config = yaml.safe_load(MKDOCS_YML.read_text())
    assert config["strict"] is True
    assert config["exclude_docs"].split() == [f"{PENDING.relative_to(DOCS)}/"]
    assert all(value == "warn" for value in config["validation"].values())
    assert config["theme"]["font"] is False  # no fonts fetched from another host
    assert (ROOT / "docs" / "benchmarks.md").exists()
