"""Locales where the task flow takes a numeric language id. Plain classes; no I/O.

`POST /tts` takes a language id; `tts.create()` also takes a locale and looks it up in the
API's own list (`GET /source-languages`), never in a table written into this client. The list
is fetched once per client (`client.languages`) and kept as a `LocaleIndex`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .._exceptions import InvalidInputError
from .._models import Language

# How many valid locales an error for an unknown one lists.
SUGGESTIONS = 5


class LocaleIndex:
    """Locale (`short_name`, lower case) -> language id, from a list of languages."""

    def __init__(self, ids: Mapping[str, int]) -> None:
        self.ids = ids

    @classmethod
    def of(cls, languages: Iterable[Language]) -> LocaleIndex:
        """The index of `languages`; when two share a locale, the first listed wins."""
        ids: dict[str, int] = {}
        for language in languages:
            ids.setdefault(language.short_name.lower(), language.id)
        return cls(ids)

    def id_of(self, param: str, locale: str) -> int:
        """The language id of `locale`, or an InvalidInputError naming `param` that lists a
        few locales that would do (those of the same language first)."""
        found = self.ids.get(locale)
        if found is not None:
            return found
        if not self.ids:
            raise InvalidInputError(
                param, "cannot be looked up: the API lists no source languages", locale
            )
        prefix = locale.split("-")[0] + "-"
        alike = [known for known in self.ids if known.startswith(prefix)]
        others = [known for known in self.ids if not known.startswith(prefix)]
        shown = ", ".join(repr(known) for known in (alike + others)[:SUGGESTIONS])
        raise InvalidInputError(
            param,
            f"is not a locale of GET /source-languages (give a numeric language id, or one of "
            f"{len(self.ids)} locales such as {shown}; client.languages.source() lists them)",
            locale,
        )
