"""A large CSV file read in blocks of whole learners, so memory stays flat however many learners it holds.

A learner's verdict needs all of their rows, so blocks can be cut only where one learner's rows end and the
next learner's begin. That is safe only when every learner's rows are together, as in an export sorted by
learner; a quick scan of the learner column (pyarrow's multi-threaded CSV reader) tells, before any verdict
is given, whether they are. A file that is not grouped is read whole instead.
"""

from __future__ import annotations

import array
import codecs
from pathlib import Path
from typing import Any, Iterator

import attrs

from qualrules.interpreter.records.readers import Header, csv_rows, read_header

Row = tuple[int, list[Any]]


@attrs.frozen
class LearnerScan:
    """What the scan of the learner column found."""

    learners: int
    # Every learner's rows stand together, so the file can be read in blocks.
    grouped: bool


def is_utf8(path: Path) -> bool:
    """Whether the whole file decodes as UTF-8, checked in blocks without holding it."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def open_table(path: Path) -> tuple[Header, Iterator[Row]]:
    """The header of a CSV file and an iterator over the rows after it (the file stays open until they end)."""
    handle = open(path, encoding="utf-8-sig", newline="")
    rows = _closing(csv_rows(handle, str(path)), handle)
    return read_header(str(path), rows, "line"), rows


def _closing(rows: Iterator[Row], handle) -> Iterator[Row]:
    with handle:
        yield from rows


def scan_learners(path: Path, header: Header) -> LearnerScan:
    """Count the learners of a CSV file and tell whether each one's rows are together."""
    import pyarrow as pa
    from pyarrow import csv as arrow_csv

    column = header.position["learner"]
    ragged = []
    options = (
        arrow_csv.ReadOptions(autogenerate_column_names=True, skip_rows=header.line, block_size=1 << 22),
        arrow_csv.ParseOptions(newlines_in_values=True, invalid_row_handler=lambda row: ragged.append(row) or "skip"),
        arrow_csv.ConvertOptions(include_columns=[f"f{column}"], column_types={f"f{column}": pa.string()},
                                 strings_can_be_null=False),
    )
    try:
        runs = _runs(batch.column(0) for batch in arrow_csv.open_csv(path, *options))
        if not ragged:
            return _scan_of(runs)
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError):
        pass
    # Rows with fewer cells than the header, or a file the fast reader refuses: the standard reader decides.
    _, rows = open_table(path)
    return _scan_of(_python_runs(str(row[column]).strip() if column < len(row) else "" for _, row in rows))


def _runs(columns) -> Iterator[str]:
    """The learner id at the start of each run of rows for one learner (rows without an id belong to none)."""
    import pyarrow.compute as pc

    previous = None
    for column in columns:
        ids = pc.utf8_trim_whitespace(column)
        ids = ids.filter(pc.not_equal(ids, ""))
        if len(ids) == 0:
            continue
        starts = ids.slice(1).filter(pc.not_equal(ids.slice(1), ids.slice(0, len(ids) - 1))).to_pylist()
        first = ids[0].as_py()
        if first != previous:
            yield first
        yield from starts
        previous = ids[-1].as_py()


def _python_runs(ids: Iterator[str]) -> Iterator[str]:
    previous = None
    for learner in ids:
        if learner and learner != previous:
            yield learner
            previous = learner


def _scan_of(runs: Iterator[str]) -> LearnerScan:
    # 8-byte hashes, not the ids, keep the scan small; a collision only costs reading the file whole.
    import numpy as np

    keys = array.array("q", map(hash, runs))
    distinct = len(np.unique(np.frombuffer(keys, dtype=np.int64))) if keys else 0
    return LearnerScan(distinct, distinct == len(keys))


def learner_blocks(rows: Iterator[Row], header: Header, learners_per_block: int) -> Iterator[list[Row]]:
    """The rows in blocks of up to `learners_per_block` learners, cut only between two learners."""
    column = header.position["learner"]
    block: list[Row] = []
    learners, current = 0, None
    for number, row in rows:
        learner = str(row[column]).strip() if column < len(row) else ""
        if learner and learner != current:
            if learners == learners_per_block:
                yield block
                block, learners = [], 0
            current = learner
            learners += 1
        block.append((number, row))
    if block:
        yield block
