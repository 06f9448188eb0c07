"""The certification claim as a file: CSV text or an .xlsx workbook, one row per learner ready to be claimed,
in the column layout docs/criteria.md documents (modelled on an awarding body's registration & certification
template), and in a workbook a second sheet of the learners not ready, with the reason.

Pure but for the workbook's own temporary files: readiness in, text or bytes out. Every value from a record
or a ruleset is written as text, never as a spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
from typing import Iterable, Sequence

from qualrules.interpreter.diagnostics import escaped
from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.engine.assessment import Readiness

Cell = str | int | None

LEARNER_COLUMNS = ("learner", "date_of_birth", "registered_on", "qualification", "title", "result",
                   "achieved_on", "units")
# Repeated for each unit claimed, numbered from 1: `unit_1`, `unit_1_ofqual`, ...
UNIT_COLUMNS = ("", "_ofqual", "_title", "_result", "_achieved_on", "_assessor", "_signed_off_on",
                "_iqa_verifier", "_iqa_verified_on")
NOT_READY_COLUMNS = ("learner", "qualification", "reason")
CLAIM_SHEET, NOT_READY_SHEET = "Claim", "Not ready"
# The result of a qualification claimed: the seed's qualifications are not graded.
QUALIFICATION_RESULT = "Pass"


def claim_columns(ready: Sequence[Readiness]) -> tuple[str, ...]:
    """The header: the learner's and the qualification's columns, then the unit columns as many times as the
    longest claim has units (at least once, so the layout shows even with nobody ready)."""
    most = max((len(r.claim) for r in ready), default=1) or 1
    return LEARNER_COLUMNS + tuple(f"unit_{k}{suffix}" for k in range(1, most + 1) for suffix in UNIT_COLUMNS)


def claim_rows(q: CompiledQualification, ready: Sequence[Readiness]) -> list[tuple[Cell, ...]]:
    """One row per learner ready to be claimed, in the order given; cells after a short claim are empty."""
    width = len(claim_columns(ready))
    rows = []
    for readiness in ready:
        learner = readiness.learner
        dates = [u.achieved_on for u in readiness.claim]
        achieved = max(dates).isoformat() if None not in dates else None
        row: list[Cell] = [learner.id, _date(learner.date_of_birth), _date(learner.registered_on), q.qan, q.title,
                           QUALIFICATION_RESULT, achieved, len(readiness.claim)]
        for unit in readiness.claim:
            sign_off = unit.sign_off
            row += [unit.unit.ref, unit.unit.ofqual, unit.unit.title, unit.result, _date(unit.achieved_on),
                    sign_off.assessor, _date(sign_off.signed_off_on), sign_off.iqa_verifier,
                    _date(sign_off.iqa_verified_on)]
        rows.append(tuple(row + [None] * (width - len(row))))
    return rows


def not_ready_rows(q: CompiledQualification, not_ready: Iterable[tuple[str, Sequence[str]]]) -> list[tuple[Cell, ...]]:
    """(learner, reasons) as one row per reason."""
    return [(learner, q.qan, reason) for learner, reasons in not_ready for reason in reasons]


def _date(value) -> str | None:
    return value.isoformat() if value is not None else None


def claim_csv(q: CompiledQualification, ready: Sequence[Readiness]) -> str:
    """The claim as CSV (RFC 4180: quoted where needed, lines ending CRLF); an empty cell for no value."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(claim_columns(ready))
    writer.writerows(claim_rows(q, ready))
    return buffer.getvalue()


def claim_workbook(q: CompiledQualification, ready: Sequence[Readiness],
                   not_ready: Iterable[tuple[str, Sequence[str]]]) -> bytes:
    """The claim as an .xlsx workbook: the claim sheet, then the learners not ready with the reasons."""
    import openpyxl  # loaded only when a workbook is written: it takes a while to import
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = openpyxl.Workbook(write_only=True)
    for name, header, rows in ((CLAIM_SHEET, claim_columns(ready), claim_rows(q, ready)),
                               (NOT_READY_SHEET, NOT_READY_COLUMNS, not_ready_rows(q, not_ready))):
        sheet = book.create_sheet(name)
        for row in (header, *rows):
            cells = []
            for value in row:
                if isinstance(value, str):
                    if ILLEGAL_CHARACTERS_RE.search(value):  # control characters a workbook may not hold
                        value = escaped(value)
                    value = WriteOnlyCell(sheet, value)
                    value.data_type = "s"  # text, never a formula, whatever it starts with
                cells.append(value)
            sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


FORMATS = (".csv", ".xlsx")


def claim_file(q: CompiledQualification, ready: Sequence[Readiness], not_ready: Sequence[tuple[str, Sequence[str]]],
               suffix: str) -> str | bytes:
    """The claim in the form its file name's suffix (one of FORMATS) asks for."""
    return claim_workbook(q, ready, not_ready) if suffix == ".xlsx" else claim_csv(q, ready)


def not_ready_notes(q: CompiledQualification, not_ready: Iterable[tuple[str, Sequence[str]]]) -> list[str]:
    """A line for each learner not ready to be claimed, with the reasons (unprintable text escaped)."""
    return [escaped(f"learner {learner!r} is not ready to be claimed for {q.qan}: " + "; ".join(reasons))
            for learner, reasons in not_ready]
