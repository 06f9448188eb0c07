"""How a records file's text is written: its encoding, told from its bytes or named in the profile,
and the delimiter between a CSV file's cells, told from its header or named.

A file that is not UTF-8 is read as Windows-1252, the encoding Excel on Windows saves "CSV" in, only when
its bytes are Windows-1252 text (no byte that encoding leaves unused, no control characters, no UTF-8
sequence, which would mean the file mixes two encodings); it is then read with a warning naming the
encoding, never silently. Any other file is refused, located by line and column.
"""

from __future__ import annotations

import codecs
import csv
import re
from pathlib import Path
from typing import Callable, Iterable, Iterator

import attrs

from qualrules.interpreter.diagnostics import Diagnostic, DiagnosticError, Location, Severity


@attrs.frozen
class Encoding:
    codec: str  # as Python names it
    name: str  # as a person knows it

    @property
    def ascii_based(self) -> bool:
        """Whether each ASCII character is its own single byte (so `"` can be counted in the bytes)."""
        return self.codec != "utf-16"


UTF8 = Encoding("utf-8-sig", "UTF-8")
UTF16 = Encoding("utf-16", "UTF-16")
CP1252 = Encoding("cp1252", "Windows-1252 (cp1252)")
LATIN1 = Encoding("latin-1", "Latin-1 (ISO-8859-1)")
# The encodings a profile may name, by their spellings (case and `-`/`_` aside).
_NAMED = {"utf8": UTF8, "utf16": UTF16, "cp1252": CP1252, "windows1252": CP1252, "latin1": LATIN1,
          "iso88591": LATIN1}
ENCODING_NAMES = ("utf-8", "utf-16", "cp1252", "latin-1")
_BOMS = ((codecs.BOM_UTF8, UTF8), (codecs.BOM_UTF16_LE, UTF16), (codecs.BOM_UTF16_BE, UTF16))

SAVE_AS_UTF8 = 'save it again as "CSV UTF-8", one of the types Excel saves as'
BLOCK_SIZE = 1 << 20

# Bytes Windows-1252 gives no character; control characters no records text holds (tab and line breaks
# aside: a NUL byte is the mark of UTF-16 without a byte-order mark, or of a file that is not text); and
# UTF-8 sequences of two to four bytes.
_CP1252_UNUSED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def encoding_named(name: str | None) -> Encoding | None:
    """The encoding the profile names (None: told from the file); raises ValueError for a name
    that is not one of `ENCODING_NAMES`."""
    if name is None:
        return None
    found = _NAMED.get(re.sub(r"[-_ ]", "", name.casefold()))
    if found is None:
        raise ValueError(f"unknown encoding {name!r}: name one of {', '.join(ENCODING_NAMES)}")
    return found


@attrs.frozen
class Decided:
    """The encoding a file is read in, and whether it was chosen because the file cannot be UTF-8."""

    encoding: Encoding
    guessed: bool

    def warning(self, file: str) -> Diagnostic | None:
        if not self.guessed:
            return None
        return Diagnostic("QR515", Severity.WARNING, f"the file is not UTF-8: read as {self.encoding.name}, "
                          "the encoding Excel on Windows saves CSV in", Location(file),
                          hint=f"{SAVE_AS_UTF8}, or name the encoding in the profile "
                               "(`encoding = \"cp1252\"`) to read it without this warning")


def file_encoding(path: Path, requested: str | None) -> Decided:
    """The encoding of a file, read in blocks without holding it; raises DiagnosticError (QR514) when its
    bytes are not text in it."""
    def blocks() -> Iterator[bytes]:
        with open(path, "rb") as handle:
            while block := handle.read(BLOCK_SIZE):
                yield block

    return _decide(str(path), blocks, requested)


def decoded(data: bytes, file: str, requested: str | None) -> tuple[str, Decided]:
    """A file's text, and the encoding it is read in; raises DiagnosticError (QR514) as `file_encoding`."""
    decided = _decide(file, lambda: iter([data]), requested)
    return data.decode(decided.encoding.codec), decided


def _decide(file: str, blocks: Callable[[], Iterable[bytes]], requested: str | None) -> Decided:
    named = encoding_named(requested)
    start = next(iter(blocks()), b"")
    by_mark = next((encoding for mark, encoding in _BOMS if start.startswith(mark)), None)
    # A byte-order mark says what the file is, whatever the options expect.
    encoding = by_mark or named or UTF8
    failed = _first_undecodable(blocks(), encoding)
    if failed is None:
        return Decided(encoding, False)
    offset, reason = failed
    if by_mark is None and named is None:
        refusal = _not_cp1252(blocks())
        if refusal is None:
            return Decided(CP1252, True)
        message = f"the file is not UTF-8 ({reason}), nor Windows-1252 text: {refusal}"
    else:
        message = f"the file is not {encoding.name} text: {reason}"
    line, column = _line_and_column(blocks(), offset, encoding)
    raise DiagnosticError([Diagnostic("QR514", Severity.ERROR, message, Location(file, line, column),
                                      hint=SAVE_AS_UTF8)])


def _first_undecodable(blocks: Iterable[bytes], encoding: Encoding) -> tuple[int, str] | None:
    """The offset of the first byte that is not text in `encoding`, and what it is; None when all are."""
    # UTF-8 without the byte-order mark's handling, which would count offsets from after the mark (a mark is
    # UTF-8 itself).
    decoder = codecs.getincrementaldecoder("utf-8" if encoding == UTF8 else encoding.codec)()
    consumed = 0
    try:
        for block in blocks:
            pending = len(decoder.getstate()[0])
            if encoding.ascii_based and (nul := block.find(b"\x00")) >= 0:
                # Valid in the encoding, but never in records text: every other byte of UTF-16 without a
                # byte-order mark, or a file that is not text.
                return consumed + nul, "byte 0x00 (NUL) is no character of a records file"
            if encoding.ascii_based and not pending and block.isascii():
                # ASCII is text in every such encoding, and telling so is many times faster than decoding it.
                consumed += len(block)
                continue
            try:
                decoder.decode(block)
            except UnicodeDecodeError as error:
                return consumed - pending + error.start, \
                    f"byte 0x{error.object[error.start]:02X} is not part of a {encoding.name} character"
            consumed += len(block)
        pending = len(decoder.getstate()[0])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        return consumed - pending + error.start, "it ends in the middle of a character"
    return None


def _not_cp1252(blocks: Iterable[bytes]) -> str | None:
    """Why a file that is not UTF-8 is not Windows-1252 text either; None when it may be."""
    tail = b""
    for block in blocks:
        if (found := _CONTROL.search(block)) is not None:
            return (f"it holds the control character 0x{found.group()[0]:02X}, so it may be UTF-16 without a "
                    "byte-order mark, or not a text file")
        if block.isascii():  # most blocks of a records file: nothing more to look for
            tail = b""
            continue
        if (found := _CP1252_UNUSED.search(block)) is not None:
            return f"it holds byte 0x{found.group()[0]:02X}, which Windows-1252 does not use"
        # A sequence split between two blocks is found in the last bytes of one and the first of the next.
        if _UTF8_SEQUENCE.search(tail + block) is not None:
            return "other characters in it are UTF-8, so it mixes two encodings"
        tail = block[-3:]
    return None


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _line_and_column(blocks: Iterable[bytes], offset: int, encoding: Encoding) -> tuple[int, int]:
    """The line and column (in characters, from 1) of a byte offset, line breaks counted as the CSV
    reader counts them."""
    decoder = codecs.getincrementaldecoder(encoding.codec)("replace")
    line, last_line, read = 1, "", 0
    for block in blocks:
        text = last_line + decoder.decode(block[:max(offset - read, 0)])
        read += len(block)
        # A \r at the end may be the first half of a \r\n: it is counted once the next character is known.
        held = "\r" if text.endswith("\r") else ""
        pieces = _LINE_BREAK.split(text.removesuffix(held))
        line += len(pieces) - 1
        last_line = pieces[-1] + held
        if read >= offset:
            break
    if last_line.endswith("\r"):
        return line + 1, 1
    return line, len(last_line) + 1


# ---- delimiters ---------------------------------------------------------------------------------------

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
# How many rows of one cell a table may have above its header (a report's title, the date it was run).
TITLE_ROWS = 10
# The fewest columns a header has: a record's learner, unit and result, at least.
HEADER_CELLS = 3


def delimiter_named(delimiter: str | None) -> str | None:
    """The delimiter the profile names (None: told from the header); raises ValueError for one that
    is not a comma, a semicolon or a tab."""
    if delimiter is not None and delimiter not in DELIMITERS:
        raise ValueError(f"the delimiter {delimiter!r} is not one qualrules reads: name \",\", \";\" or \"\\t\"")
    return delimiter


def sniffed_delimiter(line_text: str, file: str, line: int) -> str:
    """The delimiter of a CSV file, from its header line: the one of comma, semicolon and tab found there
    outside quotes (a header of one column has none: comma); raises DiagnosticError (QR516) when it has
    more than one."""
    outside = _outside_quotes(line_text)
    found = {delimiter: outside.count(delimiter) for delimiter in DELIMITERS if delimiter in outside}
    if len(found) <= 1:
        return next(iter(found), ",")
    counts = " and ".join(f"{count} {DELIMITERS[d]}{'s' if count > 1 else ''}" for d, count in found.items())
    raise DiagnosticError([Diagnostic(
        "QR516", Severity.ERROR, f"cannot tell which character separates the columns: the header has {counts}",
        Location(file, line), hint="name it in the profile: " + " or ".join(
            f"`delimiter = \"{d if d != chr(9) else chr(92) + 't'}\"`" for d in found))])


# Excel's first line naming the delimiter (`sep=;`), which it writes for a reader of another locale and
# reads itself; quoted by some programs. It is never the header.
_SEPARATOR_LINE = re.compile(r'"?sep=(.)"?', re.IGNORECASE | re.DOTALL)


def separator_line(text: str) -> str | None:
    """The delimiter a line names when it is a `sep=` line (its line break aside), else None."""
    found = _SEPARATOR_LINE.fullmatch(text.removesuffix("\n").removesuffix("\r"))
    return found.group(1) if found else None


def declared_delimiter(line_text: str, file: str) -> str:
    """The delimiter a file's `sep=` line names; raises DiagnosticError (QR516) for one that qualrules does
    not read."""
    named = separator_line(line_text)
    if named in DELIMITERS:
        return named
    raise DiagnosticError([Diagnostic(
        "QR516", Severity.ERROR, f"the file's first line names {named!r} as the character that separates the "
        "columns, which is not one qualrules reads", Location(file, 1),
        hint="save the file with commas, semicolons or tabs between the columns")])


def header_line(lines: Iterable[str]) -> tuple[int, str]:
    """The line a CSV header is on, and its number: the first that is not blank, or when it is an export's
    title (`readers.header_row`), the first of the TITLE_ROWS lines after it that a delimiter splits into as
    many cells as a header has at least (or that is Excel's `sep=` line). A title holding a delimiter
    ("Achievement report, all centres") is thus not taken for the header of a table of semicolons."""
    first, titles = None, 0
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        first = first or (number, text)
        if separator_line(text) is not None or any(_filled_cells(text, delimiter) >= HEADER_CELLS
                                                   for delimiter in DELIMITERS):
            return number, text
        titles += 1
        if titles > TITLE_ROWS:
            break
    return first or (1, "")


def _filled_cells(line_text: str, delimiter: str) -> int:
    if delimiter not in line_text:
        return 1
    return sum(1 for cell in next(csv.reader([line_text], delimiter=delimiter), []) if cell.strip())


def _outside_quotes(line_text: str) -> str:
    return "".join(piece for index, piece in enumerate(line_text.split('"')) if index % 2 == 0)
