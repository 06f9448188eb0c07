"""Where a command's results go (`-o FILE`, or standard output for `-` or no `-o`) and in which format: the
one given with `--format`, else the one the file's extension names."""

from __future__ import annotations

import contextlib
import itertools
import sys
from pathlib import Path
from typing import IO, Iterable, Iterator, Sequence

import attrs
import click

from qualrules.interpreter.cohort import Block, json_array
from qualrules.interpreter.files import replacing
from qualrules.interpreter.presentation.claim_file import (CLAIM_SHEET, NOT_READY_COLUMNS, NOT_READY_SHEET, Claim,
                                                          not_ready_rows)
from qualrules.interpreter.presentation.check_table import CheckTable
from qualrules.interpreter.presentation.eligible_blocks import EligibleText
from qualrules.interpreter.presentation.terminal import stdout_columns
from qualrules.interpreter.presentation.tabular import (CHECK_COLUMNS, ELIGIBLE_COLUMNS, ERRORS_SHEET,
                                                       RESULTS_SHEET, Workbook, check_cells, csv_text, error_cells,
                                                       results_sheets)

STDOUT = "-"
FORMAT_OF_EXTENSION = {".csv": "csv", ".xlsx": "xlsx", ".json": "json"}
# A CSV file starts with a byte order mark, as Excel's own "CSV UTF-8" does: without it Excel reads the file
# in the computer's legacy encoding and garbles every accented name. Standard output gets none (programs).
BYTE_ORDER_MARK = "\ufeff"
CSV_ROWS_WRITTEN_AT_ONCE = 1000


@attrs.define
class OutputRefused(Exception):
    """An output that cannot be written, with its diagnostic code."""

    code: str
    message: str
    hint: str


@attrs.frozen
class Output:
    """A chosen output: its format, and the file to write as it was given (None: standard output)."""

    format: str
    path: str | None

    @property
    def binary(self) -> bool:
        return self.format == "xlsx"


def choose_output(output: str | None, given_format: str | None, default_format: str) -> Output:
    """The output `-o OUTPUT --format GIVEN_FORMAT` asks for; raises OutputRefused when the two disagree or
    the format cannot be told."""
    if output is None or output == STDOUT:
        return Output(given_format or default_format, None)
    named = FORMAT_OF_EXTENSION.get(Path(output).suffix.lower())
    if given_format is None and named is None:
        raise OutputRefused("QR650", f"cannot tell which format to write to {output}",
                            f"name a file ending {', '.join(FORMAT_OF_EXTENSION)}, or give --format")
    if given_format is not None and named is not None and given_format != named:
        raise OutputRefused("QR651", f"--format {given_format} disagrees with the file name {output}, which "
                                     f"names {named}", "leave out --format: the file name says which format "
                                                       "to write")
    return Output(given_format or named, output)


def page_output(output: str) -> Output:
    """The output of a command that writes an HTML page (`report`, `log`); raises OutputRefused for a file
    named by another format's extension, which the page would misname."""
    named = FORMAT_OF_EXTENSION.get(Path(output).suffix.lower()) if output != STDOUT else None
    if named is not None:
        raise OutputRefused("QR651", f"the command writes an HTML page, and the file name {output} names {named}",
                            f"name the file {Path(output).stem}.html")
    return Output("html", None if output == STDOUT else output)


@contextlib.contextmanager
def opened(output: Output, *, inputs: Iterable[str | Path], force: bool) -> Iterator[IO | None]:
    """The handle to write the results to (None for standard output). A file is replaced whole, only once the
    block ends without an exception (interpreter/files.py), so it is never left half-written."""
    if output.path is None:
        yield None
        return
    with replacing(Path(output.path), inputs=inputs, force=force, binary=output.binary) as handle:
        yield handle


def _echo(text: str, handle: IO | None) -> None:
    """A line for people: in colour on a terminal that shows it (or when asked), never in a file, which a
    program or another person reads later (even with --color or FORCE_COLOR)."""
    click.echo(text, file=handle, color=False if handle is not None else None)


def write(handle: IO | None, text: str) -> None:
    """Text for programs, written as it is (`click.echo` would take escape sequences out of it on a pipe)."""
    (handle or sys.stdout).write(text)


def write_check(blocks: Iterable[Block], output_format: str, handle: IO | None) -> None:
    """`check`'s verdicts in a format, block by block as they are decided; the blocks hold rows (table,
    xlsx), JSON text (json) or CSV lines (csv), as `check_run` was asked for."""
    if output_format == "json":
        for piece in json_array(block.json for block in blocks):
            write(handle, piece)
        write(handle, "\n")
    elif output_format == "csv":
        write(handle, _csv_start(handle, CHECK_COLUMNS))
        for block in blocks:
            write(handle, block.csv)
    elif output_format == "xlsx":
        with Workbook(results_sheets(CHECK_COLUMNS)) as book:
            for block in blocks:
                book.add(RESULTS_SHEET, check_cells(block.rows))
                listed = {row.learner: row.errors for row in block.rows if row.verdict is None}
                for learner, errors in listed.items():
                    book.add(ERRORS_SHEET, error_cells(learner, errors))
                book.add(ERRORS_SHEET, error_cells("", block.problems))
            book.save(handle)
    else:
        columns = stdout_columns() if handle is None else None
        table = None
        for block in blocks:
            if table is None:
                table = CheckTable(block.rows, columns)
                _echo(table.header(), handle)
            for line in table.lines(block.rows):
                _echo(line, handle)
        if table is None:  # no learners: the header all the same
            table = CheckTable((), columns)
            _echo(table.header(), handle)
        _echo("\n" + table.summary(), handle)



def write_eligible(blocks: Iterable[EligibleText], output_format: str, handle: IO | None) -> None:
    """`eligible`'s results in a format, a block of learners at a time, each made as `eligible_text`."""
    if output_format == "json":
        for piece in json_array(block.text for block in blocks):
            write(handle, piece)
        write(handle, "\n")
    elif output_format == "csv":
        write(handle, _csv_start(handle, ELIGIBLE_COLUMNS))
        for block in blocks:
            write(handle, block.text)
    elif output_format == "xlsx":
        with Workbook(results_sheets(ELIGIBLE_COLUMNS)) as book:
            for block in blocks:
                book.add(RESULTS_SHEET, block.results)
                book.add(ERRORS_SHEET, block.errors)
            book.save(handle)
    else:
        for number, block in enumerate(blocks):
            _echo(("\n" if number else "") + block.text, handle)  # a blank line between learners


def write_claim(claim: Claim, output_format: str, handle: IO | None) -> None:
    """A certification claim gathered whole, as CSV or as an .xlsx workbook with the learners not ready."""
    if output_format == "xlsx":
        with Workbook(((CLAIM_SHEET, claim.columns), (NOT_READY_SHEET, NOT_READY_COLUMNS))) as book:
            book.add(CLAIM_SHEET, claim.rows())
            book.add(NOT_READY_SHEET, not_ready_rows(claim.qualification, claim.not_ready_learners()))
            book.save(handle)
        return
    write(handle, _csv_start(handle, claim.columns))
    rows = claim.rows()
    while written := csv_text(itertools.islice(rows, CSV_ROWS_WRITTEN_AT_ONCE)):
        write(handle, written)


def _csv_start(handle: IO | None, columns: Sequence[str]) -> str:
    return _file_start(handle) + csv_text([columns])


def _file_start(handle: IO | None) -> str:
    """What a CSV text starts with: the byte order mark in a file, nothing on standard output (programs)."""
    return BYTE_ORDER_MARK if handle is not None else ""
