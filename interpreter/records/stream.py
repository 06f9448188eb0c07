"""A large CSV file read in blocks of whole learners, so memory stays flat however many learners it holds.

A learner's verdict needs all of their rows, so blocks can be cut only where one learner's rows end and the
next learner's begin. That is safe only when every learner's rows are together, as in an export sorted by
learner; a quick scan of the learner column (pyarrow's multi-threaded CSV reader) tells, before any verdict
is given, whether they are. A file that is not grouped is read whole instead.

A file in another encoding than UTF-8 streams the same way: the columnar reader transcodes it as it reads.
"""

from __future__ import annotations

import array
import codecs
import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

import attrs

from qualrules.interpreter.records.columnar import ColumnarBlock, too_long_cells
from qualrules.interpreter.lazy import lazy_module
from qualrules.interpreter.records.options import DEFAULT_OPTIONS, ReadOptions
from qualrules.interpreter.records.readers import (
    CELL_LIMIT, Header, QuotedLines, csv_delimiter, csv_rows, names_the_headings, read_header,
)
from qualrules.interpreter.records.text import BLOCK_SIZE, UTF8, Decided, file_encoding

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")

Row = tuple[int, list[Any]]


@attrs.frozen
class LearnerScan:
    """What the scan of the learner column found."""

    learners: int
    # Every learner's rows stand together, so the file can be read in blocks.
    grouped: bool
    # The columnar reader reads every row (no row has more or fewer cells than the header).
    columnar: bool
    # How many rows follow the header, and whether each names its learner (an id neither empty nor too long).
    rows: int = 0
    all_named: bool = False
    # The rows (counted from 0 after the header) at which blocks start (`block_starts`).
    cuts: tuple[int, ...] = ()


@attrs.frozen
class CsvFile:
    """A CSV file, and how its text is written, from one pass over its bytes before any row is read; the
    options it is read with (what its headings mean)."""

    path: Path
    decided: Decided
    delimiter: str
    # How many quotes it holds (a file without any is parsed as one whose cells hold no line break).
    quotes: int
    options: ReadOptions = DEFAULT_OPTIONS
    # For a UTF-8 file whose lines all end in \n (or \r\n): the line breaks in each BLOCK_SIZE bytes of it,
    # so that where a line starts can be found without reading the lines before it; and how many lines it
    # has. Empty for any other file.
    newlines: tuple[int, ...] = ()
    lines: int = 0
    # Every quoted cell opens where a cell starts and closes where one ends (`_Quoting`), so the columnar
    # reader splits the cells as the row reader does. Any other quote (one never closed, which swallows the
    # rows after it, or one inside a cell that does not start with one) leaves the file to the row reader.
    regular_quotes: bool = True


def csv_file(path: Path, options: ReadOptions = DEFAULT_OPTIONS) -> CsvFile:
    """Read the file in blocks, without holding it, for its `CsvFile`; raises DiagnosticError when its text
    cannot be decoded or its delimiter cannot be told."""
    decided = file_encoding(path, options.encoding)
    encoding = decided.encoding
    with open(path, encoding=encoding.codec, newline="") as handle:
        delimiter = csv_delimiter(handle, str(path), options)
    quotes = 0
    quoting = _Quoting(delimiter) if encoding.ascii_based else None
    newlines: list[int] = []
    # A \r alone ends a line too; one at the end of a block is alone unless the next block starts with \n.
    lone_returns = False
    last = b""
    with open(path, "rb") as handle:
        decoder = codecs.getincrementaldecoder(encoding.codec)()
        while block := handle.read(BLOCK_SIZE):
            if quoting is None:
                quotes += decoder.decode(block).count('"')
            elif b'"' in block:  # many times faster than counting, and most blocks hold none
                quotes += block.count(b'"')
                quoting.read(block)
            else:
                quoting.passed(block)
            if quoting is not None and not lone_returns:
                lone_returns = last == b"\r" and not block.startswith(b"\n")
                if b"\r" in block:  # one ending the block is the next block's to decide
                    lone_returns |= block.count(b"\r") - block.endswith(b"\r") != block.count(b"\r\n")
            if encoding == UTF8:
                newlines.append(block.count(b"\n"))
            last = block[-1:]
    lone_returns = lone_returns or last == b"\r"
    # Quotes this check does not read (UTF-16's) are taken for irregular, as a quote never closed is; so are
    # any in a file with lone \r line breaks, which the check of quoted cells does not count (`_Quoting`).
    regular = quotes == 0 or quoting is not None and quoting.regular() and not lone_returns
    if encoding != UTF8 or lone_returns:
        return CsvFile(path, decided, delimiter, quotes, options, regular_quotes=regular)
    return CsvFile(path, decided, delimiter, quotes, options, tuple(newlines),
                   sum(newlines) + (last not in (b"", b"\n")), regular)


class _Quoting:
    """Whether a file's quotes are regular, read block by block: each quote that opens a quoted cell stands
    where a cell starts (the file's start, or after a delimiter or a line break), and each that closes one
    stands where a cell ends (before a delimiter, a line break or the file's end). Quotes alternate, opening
    and closing, so a doubled quote inside a quoted cell, or any quote inside a cell that does not start with
    one, reads as irregular: such a file is left to the row reader, which is exact for any quoting."""

    def __init__(self, delimiter: str):
        # By byte: whether it may stand beside a quote that opens or closes a cell.
        self.bounds = np.zeros(256, dtype=bool)
        self.bounds[[ord(delimiter), ord("\n"), ord("\r")]] = True
        self.delimiter = ord(delimiter)
        self.inside = False  # the blocks read so far end inside a quoted cell
        self.broken = False  # ... and the cell holds a line break so far
        self.last = ord("\n")  # the byte before the next block (the file's start stands after a line break)
        self.closing_at_end = False  # the last block ended with a closing quote, whose next byte is unread
        self.irregular = False
        self.first = True

    def read(self, block: bytes) -> None:
        """Read a block holding a quote."""
        data = np.frombuffer(self._cells(block), dtype=np.uint8)
        if not len(data):
            return
        self._closing_checked(int(data[0]))
        at = np.flatnonzero(data == ord('"'))
        # Quotes alternate: the first of the block opens a cell unless the blocks before end inside one.
        opening, closing = at[int(self.inside)::2], at[1 - int(self.inside)::2]
        before = data[opening - 1]
        if len(opening) and opening[0] == 0:
            before[0] = self.last  # the block's first byte opens a cell: the byte before is the last block's
        self.closing_at_end = bool(len(closing)) and closing[-1] + 1 == len(data)
        after = data[closing[:-1] + 1] if self.closing_at_end else data[closing + 1]
        self.irregular |= not self.bounds[before].all() or not self.bounds[after].all()
        self._rows_in_cells(data, at, opening, closing)
        self.inside ^= len(at) % 2 == 1
        self.last = int(data[-1])

    def _rows_in_cells(self, data: "np.ndarray", quotes: "np.ndarray", opening: "np.ndarray",
                       closing: "np.ndarray") -> None:
        """A quoted cell with the delimiter after a line break in it may hold rows that a stray quote
        swallowed (until a later quote closed it): the row reader, which tells, reads such a file."""
        open_at_end = self.inside ^ (len(quotes) % 2 == 1)
        # Line breaks by their \n (a \r\n's too); a file with lone \r breaks is left to the row reader.
        breaks = np.flatnonzero(data == ord("\n"))
        # Most quoted cells hold no line break (a file quoting every cell, say): a break is inside one when an
        # odd number of quotes stand before it in the block (with the cell the blocks before leave open).
        if not ((np.searchsorted(quotes, breaks) + self.inside) % 2).any():
            self.broken = open_at_end and self.broken and not len(quotes)
            return
        starts = np.concatenate([[0], opening]) if self.inside else opening
        ends = np.concatenate([closing, [len(data)]]) if open_at_end else closing
        first_break = np.append(breaks, len(data))[np.searchsorted(breaks, starts)]
        if self.inside and self.broken:
            first_break[0] = 0
        broken = first_break < ends
        delimiters = np.flatnonzero(data == self.delimiter)
        last_delimiter = np.insert(delimiters, 0, -1)[np.searchsorted(delimiters, ends)]
        self.irregular |= bool((last_delimiter > first_break).any())
        self.broken = open_at_end and bool(broken[-1])

    def passed(self, block: bytes) -> None:
        """Read a block holding no quote."""
        block = self._cells(block)
        if block and self.inside:
            none = np.zeros(0, np.int64)
            self._rows_in_cells(np.frombuffer(block, dtype=np.uint8), none, none, none)
        if block:
            self._closing_checked(block[0])
            self.closing_at_end = False
            self.last = block[-1]

    def _cells(self, block: bytes) -> bytes:
        """The block without the byte-order mark that may start the file, before its first cell."""
        if self.first:
            self.first = False
            return block.removeprefix(codecs.BOM_UTF8)
        return block

    def _closing_checked(self, next_byte: int) -> None:
        if self.closing_at_end and not self.bounds[next_byte]:
            self.irregular = True

    def regular(self) -> bool:
        """Whether every quote read was regular, none is left open at the file's end, and no quoted cell
        may hold swallowed rows (`_rows_in_cells`)."""
        return not self.irregular and not self.inside


def open_table(file: CsvFile) -> tuple[Header, Iterator[Row]]:
    """The header of a CSV file, its headings mapped by the file's options, and an iterator over the rows
    after it (the file stays open until they end)."""
    handle = open(file.path, encoding=file.decided.encoding.codec, newline="")
    rows = _closing(csv_rows(handle, str(file.path), file.delimiter), handle)
    return read_header(str(file.path), rows, "line", file.options), rows


def _closing(rows: Iterator[Row], handle) -> Iterator[Row]:
    with handle:
        yield from rows


def _arrow_options(file: CsvFile, header: Header, skip_rows: int | None = None):
    """Every cell a string; blank lines kept as rows, so row numbers follow the file's lines. The columns are
    the header's, so a row of another width (a blank line, say) is refused, whichever row it is. The rows
    are those after the header, or after the first `skip_rows` lines."""
    from pyarrow import csv as arrow_csv
    import pyarrow as pa

    # UTF-8 is read as it is (a byte-order mark skipped); any other encoding is transcoded as it is read.
    encoding = file.decided.encoding
    return (
        arrow_csv.ReadOptions(column_names=[f"f{k}" for k in range(header.width)],
                              skip_rows=header.line if skip_rows is None else skip_rows,
                              block_size=1 << 20, encoding="utf8" if encoding == UTF8 else encoding.codec),
        # Only a quoted cell can hold a line break; a file without quotes is parsed faster for saying so.
        arrow_csv.ParseOptions(delimiter=file.delimiter, newlines_in_values=file.quotes > 0,
                               ignore_empty_lines=False),
        arrow_csv.ConvertOptions(column_types={f"f{k}": pa.string() for k in range(header.width)},
                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
    )


def scan_learners(file: CsvFile, header: Header, learners_per_block: int = 1,
                  rows_per_block: int | None = None) -> LearnerScan:
    """Count the learners of a CSV file and tell whether each one's rows are together, and whether the
    columnar reader takes every row as the row-by-row reader would; and where its blocks would start
    (`block_starts`)."""
    import pyarrow as pa
    from pyarrow import csv as arrow_csv

    column = f"f{header.position['learner']}"
    read, parse, convert = _arrow_options(file, header)
    # Every row is still split into all its cells (so a row of another width is found), but only the
    # learner column is made into strings.
    convert.include_columns = [column]
    # Irregular quotes split cells otherwise in the columnar reader: a quote never closed, say, would be one
    # long cell to it, hiding the learners after it.
    if file.regular_quotes:
        try:
            batches = arrow_csv.open_csv(file.path, read, parse, convert)
            heading = header.headings[header.position["learner"]]
            scan = scan_learner_column((batch.column(column) for batch in batches), learners_per_block, heading,
                                       rows_per_block)
            if scan.columnar:
                return scan
        except (pa.ArrowInvalid, OSError):
            pass
    # A row with more or fewer cells than the header, irregular quotes, a file the columnar reader refuses,
    # or one that may hold the header again: the row-by-row reader decides, and reads every block.
    _, rows = open_table(file)
    index = header.position["learner"]
    quoted_lines = False

    def ids() -> Iterator[str]:
        nonlocal quoted_lines
        for _, row in rows:
            quoted_lines = quoted_lines or isinstance(row, QuotedLines)
            yield "" if names_the_headings(row, header) else _learner_cell(row, index)

    scan = _scan_of(_python_runs(ids()), columnar=False)
    # Lines inside a quoted cell may be rows naming learners the scan cannot see: the file is read whole.
    return attrs.evolve(scan, grouped=False) if quoted_lines else scan


def scan_learner_column(columns: Iterable, learners_per_block: int = 1, heading: str | None = None,
                        rows_per_block: int | None = None) -> LearnerScan:
    """The scan of a table's learner column, as string arrays in row order, every row read as columns. A
    column whose header stands on a row (`heading`) may hold the header again (a file joined from several
    exports), which only the row reader tells (`readers.names_the_headings`): such a column is not
    `columnar`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    counts = {"rows": 0, "named": 0}
    ids, rows = [], []
    for starts, at in _runs(columns, counts):
        ids.append(starts)
        rows.append(at)
    runs = pa.chunked_array(ids, pa.string())
    distinct = pc.count_distinct(runs).as_py() if len(runs) else 0
    columnar = heading is None or not len(runs) or not _heading_again(runs, heading)
    starts = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    cuts = starts[block_starts(starts, learners_per_block, rows_per_block)].tolist()
    return LearnerScan(distinct, distinct == len(runs), columnar, counts["rows"], counts["named"] == counts["rows"],
                       (0,) + tuple(cuts[1:]))


def block_starts(starts: "np.ndarray", learners_per_block: int, rows_per_block: int | None = None) -> list[int]:
    """Of the learners whose rows start at `starts` (ascending), the indices of those who start a block.
    A block holds up to `learners_per_block` learners and, when `rows_per_block` is given, no learner
    starting that many rows or more after its first one: a learner's rows are never cut, so a block holds
    at least one learner whatever their rows. Rows matter where a learner has many (an achievement log of
    criteria), since a block's rows are held in memory together."""
    firsts, first = [], 0
    while first < len(starts):
        firsts.append(first)
        after = first + learners_per_block
        if rows_per_block is not None:
            after = min(after, max(first + 1, int(np.searchsorted(starts, starts[first] + rows_per_block))))
        first = after
    return firsts


def _heading_again(ids, heading: str) -> bool:
    """Whether an id may be the heading, as headers are matched (`column_key`, loosened here: in any case
    Arrow lowers, without white space or underscores), so that a repeat the row reader tells is not missed.
    An id of ASCII letters and digits alone (most are) is only lowered: the loosening is slower."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def loose(texts):
        # Python's white space: Unicode's separators and the ASCII controls str.split() splits at.
        return pc.replace_substring_regex(pc.utf8_lower(texts), r"[\s_\p{Z}\x{0b}\x{1c}-\x{1f}\x{85}]+", "")

    keys = loose(pa.array([heading, heading.casefold()]))
    alphanumeric = pc.ascii_is_alnum(ids)
    others = ids.filter(pc.invert(alphanumeric))
    return bool(pc.any(pc.is_in(pc.ascii_lower(ids.filter(alphanumeric)), keys)).as_py()
                or len(others) and pc.any(pc.is_in(loose(others), keys)).as_py())


def columnar_blocks(file: CsvFile, header: Header, learners_per_block: int,
                    rows_per_block: int | None = None) -> Iterator[ColumnarBlock]:
    """The file's rows as Arrow batches cut only between learners (`block_starts`), each row with its
    physical line (a quoted newline in a cell moves the rows after it down)."""
    from pyarrow import csv as arrow_csv

    batches = arrow_csv.open_csv(file.path, *_arrow_options(file, header))
    return batch_blocks(str(file.path), header, batches, learners_per_block, lines_are_rows=False,
                        rows_per_block=rows_per_block)


def line_ranges(file: CsvFile, header: Header, scan: LearnerScan) -> Iterator[tuple[int, int, int]] | None:
    """Where in the file each block of `scan.cuts` lies, as (first byte, end byte, first line), when every
    row is one line (no cell holds a line break) and names its learner, so that a block can be read on its
    own (`read_lines`) without reading the rows before it; else None."""
    if not (file.newlines and scan.columnar and scan.grouped and scan.all_named and file.regular_quotes
            and file.lines - header.line == scan.rows and scan.rows):
        return None
    return _line_ranges(file, header, scan)


def _line_ranges(file: CsvFile, header: Header, scan: LearnerScan) -> Iterator[tuple[int, int, int]]:
    lines = [header.line + 1 + row for row in scan.cuts]
    starts = _line_starts(file, lines) + [file.path.stat().st_size]
    for line, start, end in zip(lines, starts, starts[1:]):
        yield start, end, line


def _line_starts(file: CsvFile, lines: list[int]) -> list[int]:
    """The first byte of each line (numbered from 1, as the file's line breaks count them)."""
    before = np.cumsum(file.newlines)
    found = []
    with open(file.path, "rb") as handle:
        for line in lines:
            # Line L starts after the (L - 1)th line break: find its block of bytes, then it in the block.
            block = int(np.searchsorted(before, line - 1))
            handle.seek(block * BLOCK_SIZE)
            breaks = np.flatnonzero(np.frombuffer(handle.read(BLOCK_SIZE), dtype=np.uint8) == ord("\n"))
            found.append(block * BLOCK_SIZE + int(breaks[line - 2 - (before[block - 1] if block else 0)]) + 1)
    return found


def read_lines(file: CsvFile, header: Header, start: int, end: int, line: int) -> ColumnarBlock:
    """The rows of one of `line_ranges`' blocks: bytes `start` to `end` of the file, from line `line` on."""
    import pyarrow as pa
    from pyarrow import csv as arrow_csv

    with open(file.path, "rb") as handle:
        handle.seek(start)
        text = handle.read(end - start)
    # The columnar reader drops a byte-order mark that starts its text; one that starts a learner's id on the
    # block's first line is the id's own, so that line is read as the second of the text.
    skip = int(text.startswith(codecs.BOM_UTF8))
    if skip:
        text = b"\n" + text
    read, parse, convert = _arrow_options(file, header, skip_rows=skip)
    # One thread reads a block faster than several (it is a megabyte or two), and the other cores are the
    # other workers'.
    read.use_threads = False
    table = arrow_csv.read_csv(pa.py_buffer(text), read, parse, convert)
    batch = pa.RecordBatch.from_arrays([column.combine_chunks() for column in table.columns],
                                       names=table.column_names)
    return ColumnarBlock(str(file.path), header, line + np.arange(batch.num_rows), batch)


def batch_blocks(file: str, header: Header, batches, learners_per_block: int,
                 lines_are_rows: bool, rows_per_block: int | None = None) -> Iterator[ColumnarBlock]:
    """Arrow batches of a table's rows (every column a string, as the header numbers them) regrouped into
    blocks cut only between learners (`block_starts`). Rows are numbered from the one after the header, each
    line break in a cell moving the rows after it down unless `lines_are_rows`."""
    import pyarrow as pa

    column = header.position["learner"]
    pending = None
    next_line = header.line + 1

    def cut(rows, end: int) -> ColumnarBlock:
        nonlocal next_line
        # Copied out of the batch, so that sending the block to a worker sends only its own rows.
        part = pa.RecordBatch.from_arrays([pa.concat_arrays([c.slice(0, end)]) for c in rows.columns],
                                          names=rows.schema.names)
        if lines_are_rows:
            breaks = np.zeros(part.num_rows, dtype=np.int64)
        else:
            breaks = sum(_line_breaks(c) for c in part.columns)
        lines = next_line + np.arange(part.num_rows) + np.concatenate([[0], np.cumsum(breaks)[:-1]])
        next_line += part.num_rows + int(np.sum(breaks))
        return ColumnarBlock(file, header, lines, part)

    for batch in batches:
        # `pending` holds the rows from the last learner start on, so `rows` begins where a learner does.
        rows = batch if pending is None else pa.concat_batches([pending, batch])
        starts = _learner_starts(rows.column(column))
        # The last block may go on in the next batch; the others are whole. The first takes any rows before
        # the first learner's, which belong to no learner.
        ends = starts[block_starts(starts, learners_per_block, rows_per_block)[1:]].tolist()
        for begin, end in zip([0] + ends, ends):
            yield cut(rows.slice(begin), end - begin)
        pending = rows.slice(ends[-1]) if ends else rows
    if pending is not None and pending.num_rows:
        yield cut(pending, pending.num_rows)


def _line_breaks(column) -> "np.ndarray":
    r"""The line breaks in each cell as the row reader counts lines: \r\n, \r or \n (plain substring counts,
    which are many times faster than one regular expression)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = column.buffers()[2] if pa.types.is_string(column.type) else b"\n"
    if text is None or not np.isin(np.frombuffer(text, dtype=np.uint8), (10, 13)).any():
        # No cell holds a line break (most files): nothing to count, cell by cell.
        return np.zeros(len(column), dtype=np.int64)

    def count(text: str) -> "np.ndarray":
        return pc.count_substring(column, text).to_numpy(zero_copy_only=False)

    newlines, returns = count("\n"), count("\r")
    return newlines + returns - count("\r\n") if returns.any() else newlines


def _runs(columns, counts: dict[str, int]) -> Iterator:
    """The learner id at the start of each run of rows for one learner (rows without an id, or with one too
    long to read, belong to none), as string arrays, with the row of each (counted from 0). `counts` is told
    how many rows there are, and how many name a learner."""
    import pyarrow as pa
    import pyarrow.compute as pc

    previous = None
    for column in columns:
        ids = pc.utf8_trim_whitespace(column)
        named = pc.not_equal(ids, "").to_numpy(zero_copy_only=False) & ~too_long_cells(column)
        at = np.flatnonzero(named) + counts["rows"]
        counts["rows"] += len(column)
        counts["named"] += len(at)
        ids = ids.filter(pa.array(named))
        if len(ids) == 0:
            continue
        changed = np.flatnonzero(pc.not_equal(ids.slice(1), ids.slice(0, len(ids) - 1))
                                 .to_numpy(zero_copy_only=False)) + 1
        if ids[0].as_py() != previous:
            changed = np.concatenate([[0], changed])
        starts, at = ids.take(changed), at[changed]
        previous = ids[-1].as_py()
        # Python's idea of white space, as the row reader strips ids, may be wider than Arrow's: two runs
        # that differ only by such a character then read as one learner twice, and the file is read whole.
        if _python_only_space() and pc.any(pc.match_substring_regex(starts, _python_only_space())).as_py():
            starts = pa.array([learner.strip() for learner in starts.to_pylist()], pa.string())
        yield starts, at


@functools.cache
def _python_only_space() -> str:
    """A pattern for an id that starts or ends with a character Python's str.strip takes for white space
    and Arrow's trim does not (the last such character of Python's is U+3000); empty when there is none."""
    import pyarrow as pa
    import pyarrow.compute as pc

    spaces = [chr(code) for code in range(0x3001) if chr(code).isspace()]
    kept = [c for c, trimmed in zip(spaces, pc.utf8_trim_whitespace(pa.array(spaces)).to_pylist()) if trimmed]
    if not kept:
        return ""
    either = "".join(f"\\x{{{ord(c):x}}}" for c in kept)
    return f"^[{either}]|[{either}]$"


def _learner_starts(column) -> "np.ndarray":
    """The rows where a learner's rows begin: an id unlike the last id seen (rows without an id, or with one
    too long to read, belong to the learner before them, as the scan reads them)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ids = pc.utf8_trim_whitespace(column)
    named = pc.and_(pc.not_equal(ids, ""), pa.array(~too_long_cells(column)))
    if pc.all(named).as_py() is not False:
        # Every row names its learner (most files): a learner starts wherever the id changes.
        changed = pc.not_equal(ids.slice(1), ids.slice(0, max(len(ids) - 1, 0))).to_numpy(zero_copy_only=False)
        return np.flatnonzero(np.concatenate([[len(ids) > 0], changed]))
    last_seen = pc.fill_null_forward(pc.if_else(named, ids, pa.scalar(None, pa.string())))
    before = pa.concat_arrays([pa.array([None], pa.string()), last_seen.slice(0, max(len(ids) - 1, 0))])
    starts = pc.and_(named, pc.fill_null(pc.not_equal(ids, before), True))
    return np.flatnonzero(starts.to_numpy(zero_copy_only=False))


def _learner_cell(row: list[Any], index: int) -> str:
    """A row's learner id as the row reader takes it; empty when the row belongs to no learner."""
    cell = str(row[index]) if index < len(row) else ""
    return cell.strip() if len(cell) <= CELL_LIMIT else ""


def _python_runs(ids: Iterator[str]) -> Iterator[str]:
    previous = None
    for learner in ids:
        if learner and learner != previous:
            yield learner
            previous = learner


def _scan_of(runs: Iterator[str], columnar: bool) -> LearnerScan:
    # 8-byte hashes, not the ids, keep the scan small; a collision only costs reading the file whole.
    keys = array.array("q", map(hash, runs))
    distinct = len(np.unique(np.frombuffer(keys, dtype=np.int64))) if keys else 0
    return LearnerScan(distinct, distinct == len(keys), columnar)


def learner_blocks(rows: Iterator[Row], header: Header, learners_per_block: int,
                   rows_per_block: int | None = None) -> Iterator[list[Row]]:
    """The rows in blocks cut only between two learners (`block_starts`)."""
    column = header.position["learner"]
    block: list[Row] = []
    learners, current, first_row = 0, None, 0
    for number, row in rows:
        # As the scan reads ids: a row whose id is too long to read belongs to no learner, like one without,
        # and so does a header again (a file joined from several exports).
        learner = "" if names_the_headings(row, header) else _learner_cell(row, column)
        if learner and learner != current:
            if learners == learners_per_block or learners and rows_per_block is not None \
                    and len(block) - first_row >= rows_per_block:
                yield block
                block, learners = [], 0
            if not learners:
                first_row = len(block)  # rows before the first learner's belong to no learner
            current = learner
            learners += 1
        block.append((number, row))
    if block:
        yield block
