"""Learner records from a Parquet file, or a folder of Parquet parts (as Spark writes `extract.parquet/`):
the columns of a records table, read in batches with pyarrow.

Only the columns that are read are taken from the file. Each is read as text, as the CSV readers read
their cells, so every value meets the same rules and every problem the same code: a date column holds
dates (written as ISO dates) or text in one of the date forms, and a number in it is a mistake unless
the profile names `serial`. Rows are numbered from 1, the first row of data, in place of lines;
a folder's parts are read in the order of their names, as one table, its rows numbered through them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import attrs

from qualrules.interpreter.diagnostics import Diagnostic, DiagnosticError, Location, Severity
from qualrules.interpreter.records.columnar import declared_columns, holds_no_value
from qualrules.interpreter.records.options import DEFAULT_OPTIONS, ReadOptions
from qualrules.interpreter.records.readers import Header, Records, Vocabulary, read_header, read_table_block
from qualrules.interpreter.records.stream import LearnerScan, batch_blocks, scan_learner_column

BATCH_ROWS = 65_536


@attrs.frozen
class ParquetTable:
    """A Parquet file or folder opened for reading: its parts, and its header, numbering the columns that
    are read as the batches hold them."""

    path: Path
    parts: tuple[Path, ...]
    header: Header
    names: tuple[str, ...]  # the file's names of the columns read, in the batches' order


def open_parquet(path: Path, vocabulary: Vocabulary, options: ReadOptions = DEFAULT_OPTIONS) -> ParquetTable:
    """The file's columns (a folder's first part's, which every part must have), checked and mapped by
    `options` as a CSV header is, with those `vocabulary` declares (`columnar.declared_columns`); raises
    DiagnosticError when it is no Parquet file or lacks a column."""
    parts = tuple(sorted(path.glob("*.parquet"))) if path.is_dir() else (path,)
    if not parts:
        raise _refused(path, "the folder holds no .parquet file")
    names = _names(parts[0])
    try:
        header = read_header(str(path), iter([(0, names)]), "row", options)
    except DiagnosticError as error:  # about the file's columns, which are on no row
        raise DiagnosticError([attrs.evolve(d, location=Location(str(path))) for d in error.diagnostics]) from None
    indices = {*header.position.values(), *declared_columns(header, vocabulary).values()}
    read = tuple(names[index] for index in sorted(indices))
    for part in parts[1:]:
        missing = [name for name in read if name not in _names(part)]
        if missing:
            raise _refused(path, f"the part {part.name} has no column {missing[0]!r}, which {parts[0].name} has")
    table = ParquetTable(path, parts, read_header(str(path), iter([(0, list(read))]), "row", options), read)
    _refuse_what_is_not_text(table)
    return table


def _refuse_what_is_not_text(table: ParquetTable) -> None:
    """Raise DiagnosticError (QR518) for a column read that holds lists, structures or bytes that are not
    UTF-8 text, at its first such row, before any learner is decided: met as the blocks are read, it would
    stop a check with its output half-written. Only columns of such types are read for it."""
    import pyarrow.parquet as pq

    doubtful = set()
    for part in table.parts:
        schema = pq.ParquetFile(part).schema_arrow
        doubtful |= {name for name in table.names if not _always_text(schema.field(name).type)}
    for _ in batches(table, tuple(name for name in table.names if name in doubtful)) if doubtful else ():
        pass


def _always_text(kind) -> bool:
    """Whether every value of an Arrow type reads as text (`_as_text`)."""
    import pyarrow as pa

    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return any(test(kind) for test in (pa.types.is_string, pa.types.is_large_string, pa.types.is_integer,
                                       pa.types.is_floating, pa.types.is_boolean, pa.types.is_date,
                                       pa.types.is_timestamp, pa.types.is_decimal, pa.types.is_null))


def _names(part: Path) -> list[str]:
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(part).schema_arrow.names
    except Exception as error:  # pyarrow raises assorted errors for files that are not Parquet
        raise _refused(part, f"cannot read the file as Parquet: {error}") from error


def _refused(path: Path, message: str) -> DiagnosticError:
    return DiagnosticError([Diagnostic("QR505", Severity.ERROR, message, Location(str(path)))])


def batches(table: ParquetTable, columns: tuple[str, ...] | None = None) -> Iterator[Any]:
    """The file's rows as record batches of strings (an empty string for a missing value), of the columns
    read or of `columns`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = columns or table.names
    offset = 0
    for part in table.parts:
        with pq.ParquetFile(part) as file:
            for batch in file.iter_batches(batch_size=BATCH_ROWS, columns=list(names)):
                yield pa.RecordBatch.from_arrays(
                    [_as_text(table, name, batch.column(index), offset) for index, name in enumerate(names)],
                    names=[f"f{k}" for k in range(len(names))])
                offset += batch.num_rows


def _as_text(table: ParquetTable, name: str, column, offset: int):
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    if holds_no_value(column):  # of lists or structures too: no value in it to refuse
        return pa.repeat("", len(column))
    if pa.types.is_timestamp(column.type) and column.type.tz is not None:
        column = pc.local_timestamp(column)  # the day as written in its time zone
    try:
        text = column.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        row = offset + 1
        if pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
            row += _first_not_utf8(column)
            what = "bytes that are not UTF-8 text"
        else:
            row += column.is_valid().to_pylist().index(True)  # a value there: a column of nulls alone is read
            what = f"values of type {column.type}, not single values"
        raise DiagnosticError([Diagnostic(
            "QR518", Severity.ERROR, f"the `{name}` column holds {what}",
            Location(str(table.path), row, element=f"row {row}"), hint="write the column as text, dates or numbers")]) \
            from error
    return text.fill_null("")


def _first_not_utf8(column) -> int:
    for index, value in enumerate(column.to_pylist()):
        try:
            if value is not None:
                value.decode("utf-8")
        except UnicodeDecodeError:
            return index
    return 0


def scan_parquet(table: ParquetTable) -> LearnerScan:
    """Count the learners of a Parquet file and tell whether each one's rows are together."""
    learner = table.names[table.header.position["learner"]]
    return scan_learner_column(batch.column(0) for batch in batches(table, (learner,)))


def parquet_blocks(table: ParquetTable, learners_per_block: int, rows_per_block: int | None = None):
    """The file's rows in columnar blocks cut only between learners (`stream.block_starts`)."""
    return batch_blocks(str(table.path), table.header, batches(table), learners_per_block, lines_are_rows=True,
                        rows_per_block=rows_per_block)


def read_parquet(path: Path, vocabulary: Vocabulary, options: ReadOptions = DEFAULT_OPTIONS,
                 learner: str | None = None) -> Records:
    """Every learner of a Parquet file, read whole (only `learner`'s, given one, as `read_records` reads
    them)."""
    table = open_parquet(path, vocabulary, options)

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = 1
        for batch in batches(table):
            for row in zip(*(column.to_pylist() for column in batch.columns)):
                yield number, list(row)
                number += 1

    return read_table_block(str(path), vocabulary, table.header, rows(), options, learner)
