"""Results as tables for spreadsheets: CSV text and .xlsx workbooks, one row per learner and qualification.

The columns and how each value is written are a contract (docs/outputs.md): programs and spreadsheets
read them by name, so a column is only ever added at the end. Lists of unit references are joined with
`; `; lists of sentences (which may hold `;` themselves) are one sentence per line of the cell. A learner
whose rows cannot be read has the status `unreadable` and their errors in the `errors` column; a workbook
also lists every error, one per row, on a sheet of its own.
"""

from __future__ import annotations

import csv
import io
from typing import IO, Iterable, Iterator, Sequence

from qualrules.interpreter.diagnostics import Diagnostic, escaped, render_plain, surrogates_escaped
from qualrules.interpreter.engine.journeys import Distance
from qualrules.interpreter.presentation.check_table import CheckRow

Cell = str | int | None

CHECK_COLUMNS = ("learner", "qualification", "title", "status", "credits", "glh", "units", "unmet", "missing",
                 "set_aside", "errors", "equivalents", "pathway", "grade", "points", "fallback_qualification",
                 "fallback_status", "fallback_grade")
ELIGIBLE_COLUMNS = ("learner", "qualification", "title", "awarding_body", "status", "credits_to_add",
                    "units_to_add", "add", "reasons", "errors")
ERROR_COLUMNS = ("learner", "file", "line", "element", "code", "severity", "message", "hint")
UNREADABLE = "unreadable"
RESULTS_SHEET, ERRORS_SHEET = "Results", "Errors"
# Excel's limits: rows per sheet (the header is one of them) and characters per cell.
SHEET_ROWS, CELL_CHARACTERS = 1_048_576, 32_767


def _errors_text(errors: Sequence[Diagnostic]) -> str:
    return "\n".join(map(render_plain, errors))


def check_cells(rows: Iterable[CheckRow]) -> Iterator[tuple[Cell, ...]]:
    """The values of CHECK_COLUMNS for each verdict or record-error row."""
    for row in rows:
        verdict = row.verdict
        if verdict is None:
            yield (row.learner, row.qan, row.title, UNREADABLE, None, None, "", "", "", "", _errors_text(row.errors),
                   "", "", "", None, "", "", "")
            continue
        fallback = verdict.award_instead
        yield (row.learner, row.qan, row.title, verdict.status.value, verdict.credits, verdict.glh,
               "; ".join(verdict.claim), "\n".join(verdict.unmet), "\n".join(verdict.missing),
               "\n".join(f"{s.unit}: {s.reason}" for s in verdict.set_aside), "",
               "; ".join(e.text for e in verdict.equivalents or ()), verdict.pathway or "", verdict.grade or "",
               verdict.points, *((fallback.qan, fallback.status.value, fallback.grade or "") if fallback else ("",) * 3))


def eligible_cells(learners: Iterable[tuple[str, Sequence[Distance] | Sequence[Diagnostic]]]
                   ) -> Iterator[tuple[Cell, ...]]:
    """The values of ELIGIBLE_COLUMNS: a row per learner and qualification, nearest first as `eligible`
    orders them, or one row for a learner whose rows cannot be read."""
    for learner, entries in learners:
        if entries and isinstance(entries[0], Diagnostic):
            yield (learner, "", "", "", UNREADABLE, None, None, "", "", _errors_text(entries))
            continue
        for distance in entries:
            q, finish = distance.qualification, distance.plan
            _, credits, units, _ = finish.shown_sizes
            yield (learner, q.qan, q.title, distance.awarding_body, finish.status.value, credits, units,
                   "; ".join(finish.add), "\n".join(finish.reasons), "")


def error_cells(learner: str, errors: Iterable[Diagnostic]) -> Iterator[tuple[Cell, ...]]:
    """The values of ERROR_COLUMNS for each of a learner's errors ("" for rows that name no learner)."""
    for error in errors:
        where = error.location
        yield (learner, where.file, where.line, where.element, error.code, error.severity.value, error.message,
               error.hint)


def csv_text(rows: Iterable[Sequence[Cell]]) -> str:
    """CSV lines for these rows (RFC 4180: quoted where needed, lines ending CRLF); None is an empty cell, and
    a lone surrogate its escape (`surrogates_escaped`)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return surrogates_escaped(buffer.getvalue())


def results_sheets(columns: Sequence[str]) -> tuple[tuple[str, Sequence[str]], ...]:
    """A results workbook's sheets: a row per result in `columns`, then one per error."""
    return (RESULTS_SHEET, columns), (ERRORS_SHEET, ERROR_COLUMNS)


class TooManyRows(Exception):
    """More rows than a spreadsheet's sheet holds."""


class Workbook:
    """An .xlsx workbook written as rows arrive (openpyxl's write-only mode keeps each sheet in a temporary
    file, not in memory), of the sheets given, each by its name and header (`results_sheets`: the results
    and their errors). Every text is a text cell, never a formula, whatever it starts with. Used as
    a context manager, which closes the sheets of a workbook left unsaved by an exception."""

    def __init__(self, sheets: Sequence[tuple[str, Sequence[str]]]):
        import openpyxl  # loaded only when a workbook is written: it takes a while to import

        self._book = openpyxl.Workbook(write_only=True)
        self._sheets = {}
        for name, header in sheets:
            sheet = self._book.create_sheet(name)
            sheet.append(header)
            self._sheets[name] = [sheet, 1]

    def add(self, sheet_name: str, rows: Iterable[Sequence[Cell]]) -> None:
        """Append rows to a sheet; raises TooManyRows when the sheet is full."""
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        entry = self._sheets[sheet_name]
        sheet = entry[0]
        for row in rows:
            if entry[1] == SHEET_ROWS:
                raise TooManyRows(f"the {sheet_name} sheet is full at {SHEET_ROWS:,} rows")
            cells = []
            for value in row:
                if isinstance(value, str):
                    # Control characters and lone surrogates (only a JSON record holds one), which a workbook
                    # may not hold: openpyxl would write XML that no spreadsheet opens.
                    value = surrogates_escaped(value)
                    if ILLEGAL_CHARACTERS_RE.search(value):
                        value = escaped(value)
                    if len(value) > CELL_CHARACTERS:
                        value = value[:CELL_CHARACTERS - 1] + "…"
                    if value.startswith("="):
                        value = WriteOnlyCell(sheet, value)
                        value.data_type = "s"
                cells.append(value)
            sheet.append(cells)
            entry[1] += 1

    def save(self, handle: IO[bytes]) -> None:
        self._book.save(handle)

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, kind, error, trace) -> None:
        if error is not None:
            for sheet, _ in self._sheets.values():
                if not sheet.closed:
                    sheet.close()
