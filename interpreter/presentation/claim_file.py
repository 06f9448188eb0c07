"""The certification claim as a file: CSV text or an .xlsx workbook, one row per learner ready to be claimed,
in the column layout docs/criteria.md documents (modelled on an awarding body's registration & certification
template), and in a workbook a second sheet of the learners not ready, with the reason.

Readiness in, rows out; the rows of a whole cohort wait in temporary files (`Claim`) until they are written.
Every value from a record or a ruleset is written as text, never as a spreadsheet formula.
"""

from __future__ import annotations

import marshal
import tempfile
from typing import IO, Iterable, Iterator, Sequence

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
FORMATS = (".csv", ".xlsx")


def claim_columns(units: int) -> tuple[str, ...]:
    """The header of a claim whose longest has `units` units: the learner's and the qualification's columns,
    then the unit columns that many times (at least once, so the layout shows even with nobody ready)."""
    return LEARNER_COLUMNS + tuple(f"unit_{k}{suffix}" for k in range(1, max(units, 1) + 1) for suffix in UNIT_COLUMNS)


def claim_row(q: CompiledQualification, readiness: Readiness) -> tuple[Cell, ...]:
    """A ready learner's row, as far as their own claim's units go (`Claim.rows` fills the rest)."""
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
    return tuple(row)


def _date(value) -> str | None:
    return value.isoformat() if value is not None else None


class Claim:
    """One qualification's claim gathered a block of learners at a time, in input order: the rows of the
    learners ready and the reasons of the others. They wait in temporary files, not in memory: the header,
    as wide as the longest claim, is known only once every learner is decided, and a national cohort's rows
    are more than memory holds. Used as a context manager, which deletes the files."""

    def __init__(self, q: CompiledQualification):
        self.qualification = q
        self.ready = self.not_ready = 0
        self._units = 0  # the most units of any claim
        self._ready_rows: IO[bytes] = tempfile.TemporaryFile()
        self._reasons: IO[bytes] = tempfile.TemporaryFile()

    def add(self, rows: Iterable[tuple[Cell, ...]], not_ready: Iterable[tuple[str, tuple[str, ...]]]) -> None:
        """The rows of learners ready (`claim_row`), and each learner not ready with the reasons."""
        for row in rows:
            marshal.dump(row, self._ready_rows)
            self._units = max(self._units, row[len(LEARNER_COLUMNS) - 1])
            self.ready += 1
        for learner, reasons in not_ready:
            marshal.dump((learner, tuple(reasons)), self._reasons)
            self.not_ready += 1

    @property
    def columns(self) -> tuple[str, ...]:
        return claim_columns(self._units)

    def rows(self) -> Iterator[tuple[Cell, ...]]:
        """The ready learners' rows, each as wide as the header: cells after a short claim are empty."""
        width = len(self.columns)
        for row in _read_back(self._ready_rows):
            yield row + (None,) * (width - len(row))

    def not_ready_learners(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        return _read_back(self._reasons)

    def close(self) -> None:
        self._ready_rows.close()
        self._reasons.close()

    def __enter__(self) -> Claim:
        return self

    def __exit__(self, *raised) -> None:
        self.close()


def _read_back(spool: IO[bytes]) -> Iterator:
    """What `Claim.add` wrote to a file of its own, in order (marshal, of its own values only)."""
    spool.flush()
    end = spool.seek(0, 2)
    spool.seek(0)
    while spool.tell() < end:
        yield marshal.load(spool)


def not_ready_rows(q: CompiledQualification, not_ready: Iterable[tuple[str, Sequence[str]]]
                   ) -> Iterator[tuple[Cell, ...]]:
    """(learner, reasons) as one row per reason."""
    return ((learner, q.qan, reason) for learner, reasons in not_ready for reason in reasons)


def not_ready_notes(q: CompiledQualification, not_ready: Iterable[tuple[str, Sequence[str]]]) -> Iterator[str]:
    """A line for each learner not ready to be claimed, with the reasons (unprintable text escaped)."""
    return (escaped(f"learner {learner!r} is not ready to be claimed for {q.qan}: " + "; ".join(reasons))
            for learner, reasons in not_ready)
