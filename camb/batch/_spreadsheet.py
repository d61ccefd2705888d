"""Reading batch input as spreadsheets and editors save it: the text layer and the CSV header.

What `_input` checks is the meaning of each field; this module turns the bytes into lines and
the CSV rows into records first:

- Encoding: UTF-8 unless the caller names another (`encoding=`, `camb batch --encoding`). A
  UTF-8 BOM is dropped; a UTF-16 or UTF-32 BOM selects that encoding. Bytes that are not
  UTF-8 are a problem of the whole file (not a line to skip: the lines a wrong encoding breaks
  are the ones with accents, and skipping them would quietly drop them), whose message names
  Windows-1252, what a spreadsheet's plain "CSV" is on Windows. It is never guessed: a wrong
  guess reads every accent as another letter, and that audio would be paid for.
- NUL characters: no text holds one; a line with one is refused on every Python version (3.10's
  `csv` refuses them, 3.11's keeps them), and usually means UTF-16 without a BOM.
- Cells of any length: `csv`'s default limit of 131,072 characters is raised to
  `CSV_FIELD_LIMIT` (it is process-wide, and only ever raised).
- Delimiter: `.tsv` (or format "tsv") is tab-separated; otherwise the header line decides among
  `,` `;` tab and `|`: the delimiter that makes the most known column names wins, a comma on a
  tie. Quoted cells may hold any of them.
- Header: names are matched ignoring case and surrounding spaces (`ID`, `Text`, `Voice_ID`); a
  column with no name is ignored, but a value under it is a problem of that line; a row may
  miss or add cells only where the header has no name.
- No `id` column: each item's id is `line-N`, N the line its row starts on, and the read says
  so in its notes.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator, Mapping
from typing import IO, Any

import attrs

# The largest limit `csv.field_size_limit` takes on every platform (a C long on Windows).
CSV_FIELD_LIMIT = 2**31 - 1
DELIMITERS = (",", ";", "\t", "|")
ENCODING_HINT = (
    "give the file's encoding: a spreadsheet's plain 'CSV' is often Windows-1252 "
    "(encoding='cp1252', `camb batch --encoding cp1252`), or save it as 'CSV UTF-8'"
)
NUL_RULE = (
    "contains a NUL character, which no text holds: is the file UTF-16 without a BOM "
    "(give its encoding, e.g. utf-16-le) or not text at all?"
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@attrs.define
class Reading:
    """What reading found besides records: problems as (line, field, message), those that
    concern the whole file (`fatal`: never skipped), and notes for the summary."""

    problems: list[tuple[int, str | None, str]] = attrs.Factory(list)
    fatal: bool = False
    notes: list[str] = attrs.Factory(list)
    nul_lines: set[int] = attrs.Factory(set)

    def problem(self, line: int, field: str | None, message: str, *, fatal: bool = False) -> None:
        self.problems.append((line, field, message))
        self.fatal = self.fatal or fatal


def allow_long_cells() -> None:
    """Let `csv` read a cell of any length (up to CSV_FIELD_LIMIT characters)."""
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)


def checked_encoding(encoding: object) -> str | None:
    """The codec's canonical name, or None for the default (UTF-8); ValueError if unknown."""
    if encoding is None:
        return None
    if not isinstance(encoding, str) or not encoding.strip():
        raise ValueError("must be the name of a text encoding, such as 'utf-8' or 'cp1252'")
    try:
        info = codecs.lookup(encoding.strip())
    except LookupError:
        raise ValueError(
            "is not a text encoding Python knows (e.g. 'utf-8', 'cp1252', 'utf-16')"
        ) from None
    try:
        codecs.getincrementaldecoder(info.name)
        "x".encode(info.name)
    except (LookupError, TypeError, ValueError):
        raise ValueError("is not a text encoding (e.g. 'utf-8', 'cp1252', 'utf-16')") from None
    return info.name


def decoded_lines(
    raw: IO[bytes], reading: Reading, encoding: str | None
) -> Iterator[tuple[int, str]]:
    """(line number, text) of each line. NUL characters are taken out of the text and their
    lines remembered in `reading.nul_lines` (the CSV reader refuses the records they are in)."""
    head = _peek(raw, 4)
    bom = next((name for mark, name in _BOMS if head.startswith(mark)), None)
    wide = bom or (encoding if encoding and encoding.startswith(("utf-16", "utf-32")) else None)
    lines = (
        _wide_lines(raw, reading, wide) if wide else _byte_lines(raw, reading, encoding or "utf-8")
    )
    for number, text in lines:
        if "\x00" in text:
            reading.nul_lines.add(number)
            text = text.replace("\x00", "")
        yield number, text


def _peek(raw: IO[bytes], size: int) -> bytes:
    peek = getattr(raw, "peek", None)
    return bytes(peek(size)[:size]) if peek is not None else b""


def _byte_lines(raw: IO[bytes], reading: Reading, encoding: str) -> Iterator[tuple[int, str]]:
    """Lines of an encoding whose newline is the byte 0x0A (UTF-8, cp1252, latin-1, ...)."""
    for number, data in enumerate(raw, start=1):
        if number == 1 and data.startswith(codecs.BOM_UTF8) and encoding == "utf-8":
            data = data[len(codecs.BOM_UTF8) :]
        try:
            yield number, data.decode(encoding)
        except UnicodeDecodeError as error:
            name = "UTF-8" if encoding == "utf-8" else encoding
            hint = f"; {ENCODING_HINT}" if encoding == "utf-8" else ""
            reading.problem(
                number,
                None,
                f"is not {name} text ({error.reason} at byte {error.start}){hint}",
                fatal=True,
            )
            return


def _wide_lines(raw: IO[bytes], reading: Reading, encoding: str) -> Iterator[tuple[int, str]]:
    """Lines of UTF-16 or UTF-32 (the BOM, if any, chooses the byte order and is dropped)."""
    text = io.TextIOWrapper(raw, encoding=encoding, newline="")
    number = 0
    try:
        for number, line in enumerate(text, start=1):
            yield number, line.removeprefix("\ufeff") if number == 1 else line
    except UnicodeDecodeError as error:
        reading.problem(number + 1, None, f"is not {encoding} text ({error.reason})", fatal=True)
    finally:
        # The caller's stream stays open (closing the wrapper would close it).
        text.detach()


# --- the CSV header ------------------------------------------------------------------------------


def fold(name: str) -> str:
    """A header cell as a field name: case and surrounding spaces do not matter."""
    return name.strip().lower()


def sniff_delimiter(header_line: str, is_known: Callable[[str], bool]) -> str:
    """The delimiter that makes the most known column names of the header line (a comma on a
    tie, or when none does)."""
    best, best_score = ",", 0
    for delimiter in DELIMITERS:
        try:
            cells = next(csv.reader([header_line], delimiter=delimiter))
        except (csv.Error, StopIteration):
            continue
        score = sum(1 for cell in cells if is_known(fold(cell)))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def csv_records(
    lines: Iterator[tuple[int, str]],
    reading: Reading,
    *,
    delimiter: str | None,
    header_problem: Callable[[str], str | None],
    is_known: Callable[[str], bool],
    row_record: Callable[[list[str], list[str], int], dict[str, Any] | None],
) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """(line, record) for each data row. `header_problem(name)` says what is wrong with a
    (folded) column name, or None; `row_record(columns, cells, line)` makes the record of the
    named columns (None after it reported a problem)."""
    allow_long_cells()
    first = next(lines, None)
    if first is None:
        return
    chosen = delimiter or sniff_delimiter(first[1], is_known)

    def texts() -> Iterator[str]:
        yield first[1]
        for _, text in lines:
            yield text

    # csv.reader counts physical lines itself (a quoted cell may span several); the line a
    # record starts on is one after where the previous record ended.
    reader = csv.reader(texts(), delimiter=chosen, strict=True)
    try:
        header = next(reader)
    except csv.Error as error:
        reading.problem(1, None, f"is not valid CSV ({error})", fatal=True)
        return
    except StopIteration:
        return
    if reading.nul_lines.intersection(range(1, reader.line_num + 1)):
        reading.problem(1, None, NUL_RULE, fatal=True)
        return
    columns = [fold(name) for name in header]
    named = [index for index, name in enumerate(columns) if name]
    seen: set[str] = set()
    for index in named:
        name = columns[index]
        if name in seen:
            reading.problem(1, header[index].strip(), "is a column named twice", fatal=True)
        seen.add(name)
        if not name.startswith("_"):
            rule = header_problem(name)
            if rule is not None:
                reading.problem(1, header[index].strip(), rule, fatal=True)
    if "text" not in seen:
        reading.problem(
            1,
            None,
            "the header has no 'text' column (the first row names the columns)",
            fatal=True,
        )
    if reading.fatal:
        return
    make_ids = "id" not in seen
    if make_ids:
        reading.notes.append(
            "the input has no 'id' column: each line's id is its line number (line-2, "
            "line-3, ...), which names its file; keep the lines in place to resume, or add an "
            "'id' column"
        )
    width = max(named) + 1
    ended = reader.line_num
    while True:
        start = ended + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            reading.problem(start, None, f"is not valid CSV ({error})")
            return
        ended = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if reading.nul_lines.intersection(range(start, ended + 1)):
            reading.problem(start, None, NUL_RULE)
            continue
        cells = _named_cells(row, columns, width, start, reading)
        if cells is None:
            continue
        kept = [columns[i] for i in named]
        record = row_record(kept, [cells[i] for i in named], start)
        if record is None:
            continue
        if make_ids:
            record["id"] = f"line-{start}"
        yield start, record


def _named_cells(
    row: list[str], columns: list[str], width: int, line: int, reading: Reading
) -> list[str] | None:
    """The row's cells padded to the header (cells past the last named column may be missing
    or extra when empty); None after a problem."""
    if len(row) < width or (
        len(row) > len(columns) and any(c.strip() for c in row[len(columns) :])
    ):
        reading.problem(
            line, None, f"has {len(row)} cells; the header names {len(columns)} columns"
        )
        return None
    for index, cell in enumerate(row[: len(columns)]):
        if not columns[index] and cell.strip():
            reading.problem(
                line,
                None,
                f"has a value in column {index + 1}, which has no name in the header (name the "
                "column, or start its name with '_' to have it ignored)",
            )
            return None
    return row + [""] * (len(columns) - len(row))
