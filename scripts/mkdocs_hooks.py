"""MkDocs hooks for the documentation site (mkdocs.yml `hooks:`).

The resource classes behind `client.tts` and `client.voices` are not exported by `camb`, and
the module that defines them may move. A reference page names them through the client instead:

    ::: type(camb.Camb().tts)

and this hook replaces that line, before mkdocstrings reads the page, with the class's real
import path (`::: camb._sync._tts.TTS` today), found by building a client and looking at the
attribute. Building a client sends nothing. Options indented under the line are kept.
"""

from __future__ import annotations

import re
from typing import Any

TYPE_OF_MEMBER = re.compile(
    r"^(?P<indent>[ \t]*):::[ \t]+type\((?P<client>camb\.\w+)\(\)\.(?P<member>\w+)\)[ \t]*$",
    re.MULTILINE,
)


class UnknownResourceError(LookupError):
    """A `::: type(...)` line that names no client or no member."""


def resource_class_path(client_path: str, member: str) -> str:
    """The import path of the class of `member` on a client built from `client_path`."""
    import camb

    client_name = client_path.removeprefix("camb.")
    client_class = getattr(camb, client_name, None)
    if not isinstance(client_class, type):
        raise UnknownResourceError(f"{client_path} is not a class exported by camb")
    # A loopback address and a stand-in key: the client is built, never used.
    client = client_class(api_key="docs-build", base_url="http://127.0.0.1:9")
    try:
        resource = getattr(client, member)
    except AttributeError:
        raise UnknownResourceError(f"{client_path}() has no attribute {member!r}") from None
    cls = type(resource)
    return f"{cls.__module__}.{cls.__qualname__}"


def expand_resource_references(markdown: str) -> str:
    """`markdown` with every `::: type(camb.Client().member)` line made a plain `:::` line."""

    def replace(match: re.Match[str]) -> str:
        path = resource_class_path(match["client"], match["member"])
        return f"{match['indent']}::: {path}"

    return TYPE_OF_MEMBER.sub(replace, markdown)


def on_page_markdown(markdown: str, **_kwargs: Any) -> str:
    return expand_resource_references(markdown)
