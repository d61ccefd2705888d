"""Whether a file name's extension contradicts the audio format written into it.

`--format mp3 -o x.wav` or `stream(format="wav").save("x.mp3")` would write one format under
another's name: players that trust the name fail, and the mistake shows only later (after the
synthesis was paid for). A name whose extension is an audio format's must match the format
being written; a name with another extension (`.bin`, `.raw`, none) is the caller's choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath

from .._exceptions import InvalidInputError
from .._models import AUDIO_FORMATS

# Each audio extension -> the formats a file so named may hold.
FORMATS_OF_EXTENSION: Mapping[str, frozenset[str]] = {
    ".wav": frozenset({"wav"}),
    ".wave": frozenset({"wav"}),
    ".flac": frozenset({"flac"}),
    ".mp3": frozenset({"mp3"}),
    ".aac": frozenset({"adts"}),
    ".adts": frozenset({"adts"}),
    ".pcm": frozenset(name for name in AUDIO_FORMATS if name.startswith("pcm_")),
}
# The extension to suggest for each format.
EXTENSION_OF: Mapping[str, str] = {
    name: extension
    for extension, names in reversed(list(FORMATS_OF_EXTENSION.items()))
    if extension not in (".wave", ".adts")
    for name in names
}


def check_name_matches_format(param: str, path: PurePath, format: str | None) -> None:
    """InvalidInputError naming `param` when `path`'s extension names another audio format."""
    if format is None:
        return
    allowed = FORMATS_OF_EXTENSION.get(path.suffix.lower())
    if allowed is None or format in allowed:
        return
    better = path.with_suffix(EXTENSION_OF.get(format, path.suffix)).name
    raise InvalidInputError(
        param,
        f"ends in {path.suffix!r}, but the audio written is {format}: name the file "
        f"{better!r}, or ask for the format its name says",
        str(path),
    )


def stream_format(format: object, extra_body: object) -> str | None:
    """The format `tts.stream()` was asked for, which `save()` holds the file name to; None
    when none was asked for (the API's default is not promised: the name is not checked) or
    `extra_body` may set it."""
    if isinstance(extra_body, Mapping) and "output_configuration" in extra_body:
        return None
    return format if isinstance(format, str) else None
