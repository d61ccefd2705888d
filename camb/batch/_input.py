"""Batch input: JSON Lines or CSV, one item a line, checked whole before anything is sent.

Each line names an `id` (it becomes the file name `<id>.<ext>`), the `text` (any length), the
`voice_id` and `language`, and optionally the options of `tts.speak`. Options missing from a
line (or empty CSV cells, or JSON `null`) take the caller's `defaults` (the command line's
options). Every bad line is reported with its line number, field and rule, all at once, as one
`BatchInputError`; nothing is returned while any line is bad unless `skip_invalid=True`.

Rules worth knowing:

- `id`: 1 to 128 ASCII letters, digits, `.`, `_`, `-`, starting with a letter or digit, and not
  a Windows device name (`con`, `nul`, `com1`, ...). Ids are unique *ignoring case*, so two ids
  never name one file on a case-insensitive file system (macOS, Windows). ASCII only: Unicode
  names have several normal forms that macOS folds together, so two distinct ids could again
  meet in one file. A JSON integer id is taken as its decimal string.
- Unknown fields are refused (with a "did you mean" for typos like `voice-id`), because a
  misspelt option silently ignored would make audio the user did not ask for and pay for it.
  Fields whose name starts with `_` are ignored: room for the user's own notes or columns.
- CSV: the first row names the columns (ignoring case; a column with no name is ignored); the
  delimiter is found from it (`,` `;` tab `|`; `.tsv` is tab-separated); with no `id` column
  each line's id is `line-N` from its line number. `voice_settings.speaking_rate`-style
  columns fill the nested options (or a cell may hold the whole object as JSON); booleans are
  `true/false/yes/no/1/0`. The text layer (encodings, NUL, cell length) is `_spreadsheet`'s.
- A file-wide problem (the header, the encoding) or a file whose every line is bad is refused
  even with `skip_invalid`.
- Numbers in float options are kept as floats, so `1` and `1.0` are the same item (and hash).
"""

from __future__ import annotations

import difflib
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, Literal

import attrs

from .. import _rules as rules
from .. import _validation as check
from .._exceptions import InvalidInputError
from .._models import AudioFormat, InferenceOptions, VoiceSettings
from ._spreadsheet import NUL_RULE, Reading, checked_encoding, csv_records, decoded_lines

__all__ = [
    "DEFAULT_FORMAT",
    "EXTENSIONS",
    "BatchInputError",
    "BatchItem",
    "InputFormat",
    "InputProblem",
    "ReadResult",
    "check_item_id",
    "read_items",
]

InputFormat = Literal["jsonl", "csv", "tsv"]
INPUT_FORMATS: tuple[InputFormat, ...] = ("jsonl", "csv", "tsv")
# The format asked for when neither the line nor the defaults name one: WAV is lossless and
# every decoder reads it, and the file's extension always matches what was asked for.
DEFAULT_FORMAT: AudioFormat = "wav"
EXTENSIONS: Mapping[str, str] = {
    "wav": "wav",
    "flac": "flac",
    "mp3": "mp3",
    "adts": "aac",
    "pcm_s16le": "pcm",
    "pcm_s16be": "pcm",
    "pcm_s32le": "pcm",
    "pcm_s32be": "pcm",
    "pcm_f32le": "pcm",
    "pcm_f32be": "pcm",
}
FILE_EXTENSIONS: Mapping[str, InputFormat] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".jsonlines": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
}
ID_MAX = 128
ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# Windows refuses these as a file's stem whatever the extension ("con.wav" included).
WINDOWS_DEVICE_NAMES = frozenset(
    {"con", "prn", "aux", "nul", "conin$", "conout$"}
    | {f"{name}{n}" for name in ("com", "lpt") for n in [*"0123456789", "¹", "²", "³"]}
)
MAX_PROBLEMS_IN_MESSAGE = 10
NESTED_TOO_DEEPLY = "is nested too deeply to be a batch item (a line is one flat JSON object)"


@attrs.frozen
class InputProblem:
    """One thing wrong with the input: its 1-based line (0: the file as a whole), the field
    (None: the line as a whole) and the rule it breaks."""

    line: int
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "input"
        return (
            f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class BatchInputError(InvalidInputError):
    """The batch input has bad lines; nothing was sent. `problems` lists every one of them."""

    def __init__(self, problems: Iterable[InputProblem], *, source: str = "input") -> None:
        self.problems = list(problems)
        shown = "; ".join(str(p) for p in self.problems[:MAX_PROBLEMS_IN_MESSAGE])
        more = len(self.problems) - MAX_PROBLEMS_IN_MESSAGE
        tail = f"; and {more} more" if more > 0 else ""
        count = len(self.problems)
        super().__init__(
            source,
            f"{count} problem{'s' if count != 1 else ''}: {shown}{tail}",
            show_value=False,
        )


@attrs.frozen
class BatchItem:
    """One line of the input, checked, with the caller's defaults applied.

    `line` is where it came from (for messages only: it is not part of what is synthesised).
    """

    id: str
    text: str
    voice_id: int
    language: str
    format: AudioFormat = DEFAULT_FORMAT
    speech_model: str | None = None
    user_instructions: str | None = None
    sample_rate: int | None = None
    apply_enhancement: bool | None = None
    enhance_named_entities_pronunciation: bool | None = None
    paragraph_pause: float | None = None
    voice_settings: VoiceSettings | None = None
    inference_options: InferenceOptions | None = None
    # Languages to translate the text into (`POST /translated-tts`): a line that has them is
    # read as one item per language (see `_translations`), whose `source_language` is the
    # line's `language` and whose `language` is the target.
    target_languages: tuple[str, ...] = ()
    source_language: str | None = None
    line: int = attrs.field(default=0, eq=False)

    @property
    def file_name(self) -> str:
        """The output file's name in the output folder: `<id>.<extension of the format>`."""
        return f"{self.id}.{EXTENSIONS[self.format]}"

    def options(self) -> dict[str, Any]:
        """The keyword arguments for `tts.speak` besides text, voice and language (None left
        out, so the API's own defaults apply)."""
        return {name: value for name in OPTION_NAMES if (value := getattr(self, name)) is not None}


# What `speak()` takes besides the voice and the language (the rule table's list).
OPTION_NAMES = tuple(name for name in rules.SPEAK_OPTIONS if name not in ("voice_id", "language"))


@attrs.frozen
class ReadResult:
    """The valid items in input order, and the problems (empty unless `skip_invalid=True`)."""

    items: list[BatchItem]
    problems: list[InputProblem]
    # What the summary should say about how the input was read (ids made from line numbers).
    notes: list[str] = attrs.field(factory=list)


class _Problem(Exception):
    """A field's value breaks its rule (internal: becomes an InputProblem)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- field checks: (value, from_csv) -> checked value; raise InvalidInputError or _Problem ---
# Every option's rule is the rule table's (camb/_rules.py, read from the spec), the same that
# `tts.speak()` follows, so a line is refused here exactly when `speak()` would refuse it. A CSV
# cell is first turned into the rule's type (`from_text`).

Check = Callable[[str, object, bool], Any]


def _rule_check(name: str) -> Check:
    """The check of option `name` (the facade's name, or `outer.field` for nested ones)."""
    rule = rules.rule_of(name)

    def checked(param: str, value: object, from_csv: bool) -> Any:
        if from_csv and isinstance(value, str):
            value = rules.from_text(rule, param, value)
        result = rules.apply(rule, param, value, name=name)
        # Numbers in float options are kept as floats: `1` and `1.0` are the same item.
        if "number" in rule.kinds and isinstance(result, int) and not isinstance(result, bool):
            return float(result)
        return result

    return checked


def _non_empty_text(param: str, value: object, from_csv: bool) -> str:
    """The text of an item: any length (`speak()` splits it), but not empty."""
    checked = check.text(param, value, min_len=0)
    if not checked.strip():
        raise _Problem("must not be empty or only white space")
    return checked


_LANGUAGE_SEPARATORS = re.compile(r"[\s,]+")


def _target_languages(param: str, value: object, from_csv: bool) -> tuple[str, ...]:
    """Locale tags: a JSON list, or (in CSV, or one string) separated by commas or spaces."""
    if isinstance(value, str):
        value = [part for part in _LANGUAGE_SEPARATORS.split(value) if part]
    if not isinstance(value, list):
        raise _Problem('must be a list of locale tags such as ["fr-fr", "de-de"]')
    if not value:
        raise _Problem("must name at least one target language")
    return tuple(dict.fromkeys(check.locale(f"{param}[{i}]", v) for i, v in enumerate(value)))


NESTED_FIELDS: Mapping[str, Mapping[str, Check]] = {
    outer: {field.name: _rule_check(f"{outer}.{field.name}") for field in attrs.fields(cls)}
    for outer, cls in (("voice_settings", VoiceSettings), ("inference_options", InferenceOptions))
}
SCALAR_FIELDS: Mapping[str, Check] = {
    "text": _non_empty_text,
    **{name: _rule_check(name) for name in rules.SPEAK_OPTIONS if name not in NESTED_FIELDS},
    "target_languages": _target_languages,
}
REQUIRED = ("id", "text", "voice_id", "language")
KNOWN_FIELDS = ("id", *SCALAR_FIELDS, *NESTED_FIELDS)
NOT_DEFAULTABLE = frozenset({"id", "text"})


def check_item_id(value: object) -> str:
    """An item id that is safe as a file name everywhere; raises InvalidInputError if not."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        value = str(value)
    if not isinstance(value, str):
        raise InvalidInputError("id", "must be a str (or a whole number >= 0)", value)
    if not value:
        raise InvalidInputError("id", "must not be empty", value)
    if len(value) > ID_MAX:
        raise InvalidInputError(
            "id", f"must be at most {ID_MAX} characters long, not {len(value)}", show_value=False
        )
    if not ID_RE.fullmatch(value):
        raise InvalidInputError(
            "id",
            "must be ASCII letters, digits, '.', '_' and '-', starting with a letter or digit "
            "(it becomes a file name)",
            value,
        )
    if value.split(".", 1)[0].lower() in WINDOWS_DEVICE_NAMES:
        raise InvalidInputError(
            "id", "must not be a Windows device name such as 'con' or 'nul'", value
        )
    return value


# --- one record -> one item --------------------------------------------------------------------


def _unknown_field_message(name: str) -> str:
    candidates = [*KNOWN_FIELDS] + [
        f"{outer}.{inner}" for outer, fields in NESTED_FIELDS.items() for inner in fields
    ]
    close = difflib.get_close_matches(name.replace("-", "_"), candidates, n=1, cutoff=0.75)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"is not a known field (prefix it with '_' to have it ignored){hint}"


def _check_field(
    problems: list[InputProblem],
    line: int,
    field: str,
    check_: Check,
    value: object,
    from_csv: bool,
) -> tuple[bool, Any]:
    try:
        return True, check_(field, value, from_csv)
    except InvalidInputError as error:
        problems.append(InputProblem(line, field, str(error).removeprefix(f"{field}: ")))
    except _Problem as problem:
        problems.append(InputProblem(line, field, problem.message))
    return False, None


def _check_nested(
    problems: list[InputProblem],
    line: int,
    outer: str,
    value: object,
    from_csv: bool,
) -> tuple[bool, dict[str, Any]]:
    if not isinstance(value, Mapping):
        problems.append(
            InputProblem(line, outer, f"must be an object (got {type(value).__name__})")
        )
        return False, {}
    fields = NESTED_FIELDS[outer]
    ok = True
    checked: dict[str, Any] = {}
    for key, inner_value in value.items():
        name = f"{outer}.{key}"
        if key not in fields:
            known = ", ".join(fields)
            problems.append(InputProblem(line, name, f"is not a known option (known: {known})"))
            ok = False
            continue
        if inner_value is None or (from_csv and inner_value == ""):
            continue
        good, result = _check_field(problems, line, name, fields[key], inner_value, from_csv)
        ok = ok and good
        if result is not None:
            checked[key] = result
    return ok, checked


def _record_to_item(
    record: Mapping[str, Any],
    line: int,
    defaults: Mapping[str, Any],
    from_csv: bool,
    problems: list[InputProblem],
    first_line_of: dict[str, tuple[int, str]],
) -> BatchItem | None:
    """The item a record describes, or None after adding its problems to `problems`."""
    before = len(problems)
    values: dict[str, Any] = {}
    for name, value in record.items():
        if name.startswith("_"):
            continue
        if name not in KNOWN_FIELDS:
            problems.append(InputProblem(line, name, _unknown_field_message(name)))
            continue
        if value is None or (from_csv and value == ""):
            continue
        if name == "id":
            try:
                item_id = check_item_id(
                    value.strip() if from_csv and isinstance(value, str) else value
                )
            except InvalidInputError as error:
                problems.append(InputProblem(line, "id", str(error).removeprefix("id: ")))
                continue
            values["id"] = item_id
            # Checked also when other fields are bad, so one pass reports every problem. The
            # first line with an id keeps it.
            folded = item_id.lower()
            if folded in first_line_of:
                other_line, other_id = first_line_of[folded]
                how = "" if other_id == item_id else f" ({other_id!r}) when case is ignored"
                problems.append(
                    InputProblem(
                        line, "id", f"repeats the id of line {other_line}{how}: ids must be unique"
                    )
                )
            else:
                first_line_of[folded] = (line, item_id)
        elif name in NESTED_FIELDS:
            good, nested = _check_nested(problems, line, name, value, from_csv)
            if good:
                values[name] = nested
        else:
            good, result = _check_field(problems, line, name, SCALAR_FIELDS[name], value, from_csv)
            if good and result is not None:
                values[name] = result
    for name in REQUIRED:
        if (
            name not in values
            and name not in defaults
            and not any(p.field == name for p in problems[before:])
        ):
            hint = "" if name in NOT_DEFAULTABLE else " (or give a default for every line)"
            problems.append(InputProblem(line, name, f"is required{hint}"))
    if "target_languages" in values:
        from ._translations import line_problems

        problems.extend(line_problems(values, line, values.get("format")))
    if len(problems) > before:
        return None
    merged: dict[str, Any] = {**defaults, **values}
    try:
        # Options some models ignore (user_instructions), with the line's or the default model.
        rules.check_models(
            {"user_instructions": merged.get("user_instructions")}, merged.get("speech_model")
        )
    except InvalidInputError as error:
        problems.append(InputProblem(line, error.param, error.rule))
        return None
    for outer, cls in (("voice_settings", VoiceSettings), ("inference_options", InferenceOptions)):
        nested = {**defaults.get(outer, {}), **values.get(outer, {})}
        merged[outer] = cls(**nested) if nested else None
    return BatchItem(**merged, line=line)


def _checked_defaults(defaults: Mapping[str, Any] | None) -> dict[str, Any]:
    """The caller's defaults, checked like a JSON line; InvalidInputError naming the default."""
    if not defaults:
        return {}
    checked: dict[str, Any] = {}
    for name, value in defaults.items():
        param = f"defaults[{name!r}]"
        if name in NOT_DEFAULTABLE or name not in KNOWN_FIELDS:
            raise InvalidInputError(
                param, "is not an option a default can be given for", show_value=False
            )
        if value is None:
            continue
        problems: list[InputProblem] = []
        if name in NESTED_FIELDS:
            good, result = _check_nested(problems, 0, name, value, False)
        else:
            good, result = _check_field(problems, 0, name, SCALAR_FIELDS[name], value, False)
        if not good:
            raise InvalidInputError(
                f"defaults[{problems[0].field!r}]", problems[0].message, show_value=False
            )
        if result is not None and result != {}:
            checked[name] = result
    return checked


# --- reading the file --------------------------------------------------------------------------


def _jsonl_records(
    lines: Iterator[tuple[int, str]], reading: Reading
) -> Iterator[tuple[int, Mapping[str, Any]]]:
    for number, text in lines:
        if number in reading.nul_lines:
            reading.problem(number, None, NUL_RULE)
            continue
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as error:
            reading.problem(
                number, None, f"is not valid JSON ({error.msg} at column {error.colno})"
            )
            continue
        except RecursionError:
            reading.problem(number, None, NESTED_TOO_DEEPLY)
            continue
        if not isinstance(record, dict):
            reading.problem(number, None, f"must be a JSON object (got {type(record).__name__})")
            continue
        yield number, record


def _csv_header_problem(name: str) -> str | None:
    """What is wrong with a (case-folded) CSV column name, or None."""
    outer, dot, inner = name.partition(".")
    if dot and outer in NESTED_FIELDS:
        if inner not in NESTED_FIELDS[outer]:
            return f"is not a known option (known: {', '.join(NESTED_FIELDS[outer])})"
        return None
    if name not in KNOWN_FIELDS:
        return _unknown_field_message(name)
    return None


def _csv_records(
    lines: Iterator[tuple[int, str]], reading: Reading, delimiter: str | None
) -> Iterator[tuple[int, Mapping[str, Any]]]:
    def row_record(columns: list[str], row: list[str], line: int) -> dict[str, Any] | None:
        problems: list[InputProblem] = []
        record = _csv_row_record(columns, row, line, problems)
        for problem in problems:
            reading.problem(problem.line, problem.field, problem.message)
        return record

    return csv_records(
        lines,
        reading,
        delimiter=delimiter,
        header_problem=_csv_header_problem,
        is_known=lambda name: _csv_header_problem(name) is None,
        row_record=row_record,
    )


def _csv_row_record(
    columns: list[str], row: list[str], line: int, problems: list[InputProblem]
) -> dict[str, Any] | None:
    record: dict[str, Any] = {}
    nested: dict[str, dict[str, str]] = {}
    for name, cell in zip(columns, row, strict=True):
        outer, dot, inner = name.partition(".")
        if name.startswith("_"):
            continue
        if dot:
            if cell != "":
                nested.setdefault(outer, {})[inner] = cell
        elif name in NESTED_FIELDS:
            if cell.strip():
                try:
                    record[name] = json.loads(cell)
                except (json.JSONDecodeError, RecursionError):
                    problems.append(
                        InputProblem(
                            line,
                            name,
                            "must be a JSON object, or use columns like "
                            f"'{name}.{next(iter(NESTED_FIELDS[name]))}'",
                        )
                    )
                    return None
        else:
            record[name] = cell
    for outer, cells in nested.items():
        if outer in record:
            problems.append(
                InputProblem(
                    line, outer, f"is given both as a JSON cell and as '{outer}.*' columns"
                )
            )
            return None
        record[outer] = cells
    return record


def _detect_format(name: str) -> InputFormat:
    suffix = Path(name).suffix.lower()
    if suffix not in FILE_EXTENSIONS:
        known = ", ".join(FILE_EXTENSIONS)
        raise InvalidInputError("input", f"must end in one of {known} (or name its format)", name)
    return FILE_EXTENSIONS[suffix]


def read_items(
    source: str | os.PathLike[str] | IO[bytes],
    *,
    format: InputFormat | None = None,
    defaults: Mapping[str, Any] | None = None,
    skip_invalid: bool = False,
    encoding: str | None = None,
) -> ReadResult:
    """Read and check a whole batch input file.

    `source` is a path (its extension tells the format unless `format` is given: `.jsonl`,
    `.ndjson`, `.csv`, `.tsv`) or a binary stream such as `sys.stdin.buffer` (JSON Lines when
    its first character is `{`, else CSV, unless `format` is given). A CSV's delimiter (`,`
    `;` tab `|`) is found from its header, whose names are matched ignoring case; "tsv" is CSV
    separated by tabs. `encoding` is the file's text encoding (default UTF-8; a BOM is
    honoured). `defaults` fill what a line leaves out: any field but `id` and `text`, checked
    like a line (a bad default raises `InvalidInputError` naming it). Raises
    `BatchInputError` listing every problem unless `skip_invalid`, which returns the valid
    items with the problems; even then a problem of the whole file (its header, its encoding)
    or a file with no valid line raises. A duplicated id is a problem of the later line; the
    first keeps the id.
    """
    if format is not None:
        check.choice("format", format, INPUT_FORMATS)
    try:
        codec = checked_encoding(encoding)
    except ValueError as error:
        raise InvalidInputError("encoding", str(error), encoding) from None
    checked_defaults = _checked_defaults(defaults)
    if isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        chosen = format or _detect_format(name)
        try:
            with open(name, "rb") as raw:
                return _read(raw, chosen, checked_defaults, skip_invalid, name, codec)
        except OSError as error:
            raise InvalidInputError("input", f"cannot be read ({error.strerror})", name) from None
    raw = source if isinstance(source, io.BufferedReader) else io.BufferedReader(source)  # type: ignore[arg-type]
    if format is None:
        first = raw.peek(64).lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        format = "jsonl" if first == b"{" else "csv"
    return _read(raw, format, checked_defaults, skip_invalid, "input", codec)


def _read(
    raw: IO[bytes],
    format: InputFormat,
    defaults: dict[str, Any],
    skip_invalid: bool,
    name: str,
    encoding: str | None = None,
) -> ReadResult:
    from ._translations import expand

    reading = Reading()
    lines = decoded_lines(raw, reading, encoding)
    records = (
        _jsonl_records(lines, reading)
        if format == "jsonl"
        else _csv_records(lines, reading, "\t" if format == "tsv" else None)
    )
    problems: list[InputProblem] = []
    items: list[BatchItem] = []
    first_line_of: dict[str, tuple[int, str]] = {}
    seen_fields: set[str] = set()
    for line, record in records:
        seen_fields.update(name for name, value in record.items() if value not in (None, ""))
        item = _record_to_item(record, line, defaults, format != "jsonl", problems, first_line_of)
        if item is None:
            continue
        items.extend(expand(item, problems, first_line_of))
    problems.extend(InputProblem(*found) for found in reading.problems)
    problems = _missing_everywhere(problems, seen_fields)
    if not items and not problems:
        problems.append(InputProblem(0, None, "has no items"))
    problems.sort(key=lambda p: p.line)
    if problems and (not skip_invalid or reading.fatal):
        raise BatchInputError(problems, source=name)
    if problems and not items:
        # Skipping every line is not a run: say so, instead of a success with nothing done.
        raise BatchInputError(
            [*problems, InputProblem(0, None, "every line was refused: nothing to do")],
            source=name,
        )
    return ReadResult(items, problems, notes=list(reading.notes))


def _missing_everywhere(problems: list[InputProblem], seen: set[str]) -> list[InputProblem]:
    """One problem for a required field that no line gives and no default fills, instead of
    one per line."""
    for name in REQUIRED:
        if name in NOT_DEFAULTABLE or name in seen:
            continue
        rule = "is required (or give a default for every line)"
        missing = [p for p in problems if p.field == name and p.message == rule]
        if len(missing) < 2:
            continue
        problems = [p for p in problems if not (p.field == name and p.message == rule)]
        problems.append(
            InputProblem(
                0,
                name,
                f"no line gives it and there is no default: add a {name!r} column or field, or "
                f"give one for every line (defaults={{{name!r}: ...}}, "
                f"`camb batch --{name.replace('_', '-')} ...`)",
            )
        )
    return problems
