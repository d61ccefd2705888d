"""What a newcomer looks for is where they look (issue 22 item 8): the client's resources in
help(), installing from a checkout, the examples, and the dependencies as they are."""

from __future__ import annotations

import pydoc
import re
import typing
from pathlib import Path

import pytest

import camb

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest brings tomli
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(path.name for path in (ROOT / "examples").glob("*.py"))


@pytest.mark.parametrize("client", [camb.Camb, camb.AsyncCamb])
def test_help_of_the_client_shows_its_resources(client: type) -> None:
    text = pydoc.render_doc(client, renderer=pydoc.plaintext)
    for name, says in (("tts", "stream()"), ("voices", "list()"), ("languages", "source()")):
        entry = re.search(rf"\n \|  {name}\n((?: \|      .*\n)+)", text)
        assert entry, f"help({client.__name__}) does not show {name}"
        assert says in entry.group(1)
        hints = typing.get_type_hints(getattr(client, name).fget)
        assert hints["return"] is type(getattr(client(api_key="k"), name))


def test_the_readme_says_how_to_install_from_a_checkout() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "pip install -e '/path/to/checkout" in readme
    assert "pip wheel" in readme


def test_every_example_is_linked_from_the_readme_and_named_in_the_docs() -> None:
    readme = (ROOT / "README.md").read_text()
    docs = (ROOT / "docs" / "index.md").read_text()
    assert EXAMPLES
    for name in EXAMPLES:
        assert f"](examples/{name})" in readme, name
        assert f"examples/{name}" in docs, name


def test_getting_started_names_the_real_dependencies() -> None:
    text = (ROOT / "docs" / "getting-started.md").read_text()
    assert "dateutil" not in text
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {re.split(r"[<>=!~ \[]", dep)[0] for dep in project["dependencies"]}
    said = re.search(r"depends only on ([\w\s,-]+?)\.", text)
    assert said
    assert set(re.split(r",\s*|\s+and\s+", said.group(1))) == names


def test_the_batch_guide_shows_a_spreadsheet_csv_and_its_rules() -> None:
    guide = (ROOT / "docs" / "guides" / "batch.md").read_text()
    section = guide.split("## CSV from a spreadsheet", 1)[1].split("\n## ", 1)[0]
    for rule in ("ignoring case", "no name", "delimiter", "--encoding cp1252", "line-N", "NUL"):
        assert rule in section, rule
    assert "```sh\n" in section
    assert "camb batch sheet.csv" in section


def test_the_cli_guide_says_what_speak_defaults_and_python_requires() -> None:
    guide = (ROOT / "docs" / "guides" / "cli.md").read_text()
    assert "`client.tts.speak()` and `client.tts.stream()` have no such defaults" in guide
