"""Lint of graded qualifications: grade tables that are not monotone (QR410), grades no claim can reach
(QR411), an award given instead that can never be given (QR412), and the pass grade's points floor the
solver's checks keep to."""

from __future__ import annotations

from typing import Iterator

from qualrules.interpreter import model as m
from qualrules.interpreter.diagnostics import Diagnostic, Location, Severity
from qualrules.interpreter.engine import grading
from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.engine.cpsat import ClaimModel, cp_model
from qualrules.interpreter.grades import statement_text
from qualrules.interpreter.lazy import lazy_module
from qualrules.interpreter.wording import word_list

np = lazy_module("numpy")

PASS = m.UNIT_GRADES.index("P")


def best_points(q: CompiledQualification) -> list[int]:
    """What each pool unit earns at the passing grade that earns it most: the most it can add to a claim."""
    return [max(points[PASS:]) for points in q.grading.points]


def require_pass_points(q: CompiledQualification, claim_model: ClaimModel) -> ClaimModel:
    """`claim_model` kept to the claims that reach the pass grade's points with every unit at its best grade:
    a claim short of them achieves for no learner (a table of components' grades sets no such floor)."""
    if q.grading is not None and q.grading.pass_points > 0:
        claim_model.model.add(points_at_best(q, claim_model) >= q.grading.pass_points)
    return claim_model


def points_at_best(q: CompiledQualification, claim_model: ClaimModel) -> cp_model.LinearExpr:
    """The points of the chosen units, each at its best grade."""
    best = best_points(q)
    return cp_model.LinearExpr.weighted_sum(list(claim_model.chosen.values()), [best[i] for i in claim_model.chosen])


def grading_lint(q: CompiledQualification) -> Iterator[Diagnostic]:
    yield from _fallback_never_given(q)
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
    # Each unit at the passing grade that earns it most, as `best_points` and so the witness (QR400) count it.
    best = (np.argmax(np.array(q.grading.points, dtype=np.int64)[:, PASS:], axis=1) + PASS).astype(np.int8)[None, :]
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


def _fallback_never_given(q: CompiledQualification) -> Iterator[Diagnostic]:
    """Each award down `q`'s chain of awards given instead that requires `q` achieved, directly or through the
    qualifications it requires: it is checked only for a learner who has not achieved `q`, so it is never given
    (one that requires an award between them is reported down that award's own chain)."""
    through: list[str] = []
    award = q.fallback
    while award is not None:
        path = _requirement_path(award, q.qan)
        if path is not None:
            chain = f", down the chain through {word_list(through, 'and')}" if through else ""
            which = "".join(f", which requires {line.qan} achieved" for line in path[1:])
            yield _diagnostic(q, "QR412", Severity.WARNING, f"{award.qan} can never be awarded instead of {q.qan}"
                              f"{chain}: it requires {path[0].qan} achieved (line {path[0].span.line}){which}, but is "
                              f"checked only for a learner who has not achieved {q.qan}", q.source.fallback,
                              f"award instead a qualification that does not require {q.qan}, or delete "
                              f"`{path[0].text}` from {award.qan} if the specification does not state it")
        through.append(award.qan)
        award = award.fallback


def _requirement_path(q: CompiledQualification, target: str) -> list[m.QualificationPrerequisite] | None:
    """The `requires QAN achieved` lines that lead from `q` to `target`, or None (the checker refuses cycles)."""
    for line, required in q.required_qualifications:
        rest = [] if required.qan == target else _requirement_path(required, target)
        if rest is not None:
            return [line, *rest]
    return None


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
