"""Lint of graded qualifications: grade tables that are not monotone (QR410) and grades no claim can reach
(QR411)."""

from __future__ import annotations

from typing import Iterator

from qualrules.interpreter import model as m
from qualrules.interpreter.diagnostics import Diagnostic, Location, Severity
from qualrules.interpreter.engine import grading
from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.grades import statement_text
from qualrules.interpreter.lazy import lazy_module

np = lazy_module("numpy")


def grading_lint(q: CompiledQualification) -> Iterator[Diagnostic]:
    if q.grading is None:
        return
    source = q.grading.source
    for line in source.unit_points:
        given = [(grade, points) for grade, points in sorted(line.points, key=lambda p: m.UNIT_GRADES.index(p[0]))]
        for (lower, low_points), (higher, high_points) in zip(given, given[1:]):
            if high_points < low_points:
                yield _diagnostic(q, "QR410", Severity.WARNING, f"{higher} earns fewer points than {lower} "
                                  f"({high_points} against {low_points})", line,
                                  "a better unit grade earns at least as many points: check the table against "
                                  "the specification")
    ordered = q.grading.thresholds
    for lower, higher in zip(ordered, ordered[1:]):
        if m.grade_rank(higher.grade) <= m.grade_rank(lower.grade):
            yield _diagnostic(q, "QR410", Severity.WARNING, f"{higher.grade} needs more points ({higher.points}) "
                              f"than the better or equal grade {lower.grade} ({lower.points})", higher,
                              "a better grade needs more points: check the thresholds against the specification")
    yield from _unreachable_rows(q, source)
    everything = np.ones((1, len(q.units)), dtype=bool)
    # Each unit at the passing grade that earns it most.
    best = (np.argmax(np.array(q.grading.points, dtype=np.int64)[:, 1:], axis=1) + 1).astype(np.int8)[None, :]
    found, _, points = grading.graded_claims(q, everything, best)
    if not found[0]:
        return  # no claim meets the rules at all: QR401 says so
    most = int(points[0])
    for threshold in ordered:
        if threshold.points > most:
            lowest = threshold is ordered[0]
            yield _diagnostic(q, "QR411", Severity.ERROR if lowest else Severity.WARNING,
                              f"no claim reaches {threshold.grade}: at most {most} points can be counted within "
                              f"the rules" + (f", so {q.qan} can never be achieved" if lowest else ""), threshold,
                              "check the threshold and the `points` lines against the specification")


def _unreachable_rows(q: CompiledQualification, source: m.Grading) -> Iterator[Diagnostic]:
    """Rows of a table of components' grades that can never give their grade: a better grade's row asks no
    more of any component, so whoever meets this row meets that one too."""
    order = {grade: rank for rank, grade in enumerate(m.UNIT_GRADES)}
    for row in source.rows:
        asked = dict(row.components)
        easier = next((better for better in source.rows if m.grade_rank(better.grade) > m.grade_rank(row.grade)
                       and all(unit in asked and order[least] <= order[asked[unit]]
                               for unit, least in better.components)), None)
        if easier is not None:
            yield _diagnostic(q, "QR410", Severity.WARNING, f"{row.grade} is never given: whoever meets its row "
                              f"meets the row for the better grade {easier.grade}", row,
                              "a better grade asks more of its components: check the table against the specification")


def _diagnostic(q: CompiledQualification, code: str, severity: Severity, message: str, statement,
                hint: str) -> Diagnostic:
    span = statement.span
    # A statement's span runs to the start of the next line: point at its own line only.
    location = Location(q.path, span.line, span.column, span.line, span.column + len(statement_text(statement)))
    return Diagnostic(code, severity, message, location, hint)
