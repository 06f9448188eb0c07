"""Lint of graded qualifications: grade tables that are not monotone (QR410), grades no claim can reach
(QR411), an award given instead that can never be given (QR412), grades never awarded because every claim
that reaches one reaches a better one (QR413), rows that ask for a grade a unit's marks never give (QR414),
and the pass grade's points floor the solver's checks keep to."""

from __future__ import annotations

from typing import Iterator

from qualrules.interpreter import model as m
from qualrules.interpreter.diagnostics import Diagnostic, Location, Severity
from qualrules.interpreter.engine import grading
from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.engine.cpsat import ClaimModel, cp_model
from qualrules.interpreter.grades import UNIT_ORDER, grade_for, statement_text
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
    floor = pass_points_floor(q, claim_model)
    if floor is not None:
        claim_model.model.add(floor == 1)
    return claim_model


def pass_points_floor(q: CompiledQualification, claim_model: ClaimModel) -> cp_model.IntVar | None:
    """A new literal that, when true, keeps `claim_model` to the claims `require_pass_points` keeps to, so that
    a check can ask whether the floor is needed; None where the grading sets no points floor."""
    if q.grading is None or q.grading.pass_points == 0:
        return None
    floor = claim_model.model.new_bool_var("pass_points")
    claim_model.model.add(points_at_best(q, claim_model) >= q.grading.pass_points).only_enforce_if(floor)
    return floor


def pass_points_text(q: CompiledQualification) -> str:
    """The points floor as a message names it: `the 40 points P needs (line 9)`."""
    lowest = q.grading.thresholds[0]
    return f"the {lowest.points} points {lowest.grade} needs (line {lowest.span.line})"


def points_at_best(q: CompiledQualification, claim_model: ClaimModel) -> cp_model.LinearExpr:
    """The points of the chosen units, each at its best grade."""
    best = best_points(q)
    return cp_model.LinearExpr.weighted_sum(list(claim_model.chosen.values()), [best[i] for i in claim_model.chosen])


def grading_lint(q: CompiledQualification) -> Iterator[Diagnostic]:
    yield from _fallback_never_given(q)
    if q.grading is None:
        return
    source = q.grading.source
    yield from _rows_beyond_marks(q, source)
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
    for award, chain in _down_the_chain(q):
        path = _requirement_path(award, q.qan)
        if path is not None:
            which = "".join(f", which requires {line.qan} achieved" for line in path[1:])
            yield _diagnostic(q, "QR412", Severity.WARNING, f"{award.qan} can never be awarded instead of {q.qan}"
                              f"{chain}: it requires {path[0].qan} achieved (line {path[0].span.line}){which}, but is "
                              f"checked only for a learner who has not achieved {q.qan}", q.source.fallback,
                              f"award instead a qualification that does not require {q.qan}, or delete "
                              f"`{path[0].text}` from {award.qan} if the specification does not state it")


def _down_the_chain(q: CompiledQualification) -> Iterator[tuple[CompiledQualification, str]]:
    """Each award down `q`'s chain of awards given instead, with where a message says it is in the chain."""
    through: list[str] = []
    award = q.fallback
    while award is not None:
        yield award, f", down the chain through {word_list(through, 'and')}" if through else ""
        through.append(award.qan)
        award = award.fallback


def solved_awards_lint(q: CompiledQualification, deadline: float) -> Iterator[Diagnostic]:
    """For a qualification some claim achieves, the checks that need the claim solver within `deadline`: each
    grade every claim reaching it passes beyond (QR413), and each award given instead that every claim achieving
    it achieves `q` too (QR412)."""
    if q.grading is not None and q.grading.thresholds:
        yield from _grades_passed_beyond(q, deadline)
    for award, chain in _down_the_chain(q):
        if _requirement_path(award, q.qan) is None and _always_achieves(award, q, deadline):
            yield _diagnostic(q, "QR412", Severity.WARNING, f"{award.qan} can never be awarded instead of {q.qan}"
                              f"{chain}: every claim that achieves it also achieves {q.qan}, and it is checked only "
                              f"for a learner who has not achieved {q.qan}", q.source.fallback,
                              f"award instead a qualification a learner can achieve without achieving {q.qan}, or "
                              f"check the rules of {award.qan} against the specification")


def _grades_passed_beyond(q: CompiledQualification, deadline: float) -> Iterator[Diagnostic]:
    """Each grade that every claim reaching its points passes beyond the next grade's, so that it is never awarded:
    the fewest points a claim within the rules earns at or above its threshold, with every unit at any grade it may
    count at, is exact (a learner holding just that claim at those grades has those points)."""
    ordered = q.grading.thresholds
    for threshold, above in zip(ordered, ordered[1:]):
        claim_model, points = _graded_claim_model(q, deadline)
        claim_model.model.add(points >= threshold.points)
        if claim_model.maximise([-points]) is None:
            return  # no claim reaches it, nor any better grade: QR411 says so
        least = claim_model.solved.value(points)
        if least >= above.points:
            reached = grade_for(q.grading.source, least)
            yield _diagnostic(q, "QR413", Severity.WARNING, f"{threshold.grade} is never awarded: every claim within "
                              f"the rules that reaches its {threshold.points} points earns at least {least}, enough "
                              f"for {reached.grade} ({reached.points})", threshold,
                              "check the thresholds and the `points` lines against the specification")


def _graded_claim_model(q: CompiledQualification, deadline: float) -> tuple[ClaimModel, cp_model.LinearExpr]:
    """The claims that meet every rule, each unit counted at any grade that lets it count (a pass or better, or
    below a pass where the allowance lets it, within its cap), and the points they earn."""
    claim_model = ClaimModel(q, range(len(q.units)), deadline).require()
    model = claim_model.model
    allowance, compensation = q.grading.source.compensation, q.grading.compensation
    allowed = dict(zip(compensation.members, compensation.weights)) if compensation is not None else {}
    earned, below = [], []
    for i, chosen in claim_model.chosen.items():
        lowest = m.UNIT_GRADES.index(allowance.lowest) if i in allowed else PASS
        grades = {grade: model.new_bool_var(f"unit_{i}_grade_{grade}") for grade in range(lowest, len(m.UNIT_GRADES))}
        model.add(cp_model.LinearExpr.sum(list(grades.values())) == chosen)
        earned += [(literal, q.grading.points[i][grade]) for grade, literal in grades.items()]
        below += [(literal, allowed[i]) for grade, literal in grades.items() if grade < PASS]
    if below:
        model.add(cp_model.LinearExpr.weighted_sum([x for x, _ in below], [w for _, w in below]) <= compensation.maximum)
    return claim_model, cp_model.LinearExpr.weighted_sum([x for x, _ in earned], [p for _, p in earned])


def _always_achieves(award: CompiledQualification, q: CompiledQualification, deadline: float) -> bool:
    """Whether some claim achieves `award` and every one does so with units among which a claim achieves `q`, so
    that no learner who has not achieved `q` achieves `award`. Asked only where the answer is exact: `q` is
    decided by its units alone (no completion window, entry age, English and maths, qualification or pathway
    required, no equivalent, graded by points only if `award` is pass-only, so that a learner holding the award's
    units at their least-earning pass falls short of `q` whenever any learner can) and `award` has no
    equivalent. Each claim found achieving `q` rules out every claim that holds it, until none is left or one
    is found that does not achieve `q`."""
    graded = q.grading is not None and q.grading.pass_points > 0
    if (q.window or q.minimum_age or q.attainment or q.required_qualifications or q.pathway_required
            or q.equivalents is not None or award.equivalents is not None
            or (q.grading is not None and (not graded or award.grading is not None))):
        return False
    least = [min(points[PASS:]) for points in q.grading.points] if graded else []
    achieving_q: list[tuple[str, ...]] = []
    while True:
        award_model = require_pass_points(award, ClaimModel(award, range(len(award.units)), deadline).require())
        for refs in achieving_q:
            award_model.model.add_bool_or([~award_model.chosen[award.index[ref]] for ref in refs])
        claim = award_model.maximise([-award_model.measure_expr(m.Measure.UNITS)])
        if claim is None:
            return bool(achieving_q)
        held = [q.index[award.units[i].ref] for i in claim if award.units[i].ref in q.index]
        q_model = ClaimModel(q, held, deadline).require()
        if graded:
            q_model.model.add(cp_model.LinearExpr.weighted_sum([q_model.chosen[i] for i in held],
                                                               [least[i] for i in held]) >= q.grading.pass_points)
        within = q_model.maximise([-q_model.measure_expr(m.Measure.UNITS)])
        if within is None:
            return False
        if not within:
            return True  # `q` is achieved with no units at all
        achieving_q.append(tuple(q.units[i].ref for i in within))


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


def _rows_beyond_marks(q: CompiledQualification, source: m.Grading) -> Iterator[Diagnostic]:
    """Rows of a table of components' grades that ask a unit graded by its mark for a grade above its best band:
    no mark gives it, so the row is never met."""
    bands = {b.unit: b for b in source.marks}
    for row in source.rows:
        for unit, least in row.components:
            marks = bands.get(unit)
            if marks is None:
                continue
            best = max((grade for grade, _ in marks.bands), key=UNIT_ORDER.__getitem__)
            if UNIT_ORDER[least] > UNIT_ORDER[best]:
                yield _diagnostic(q, "QR414", Severity.WARNING, f"{row.grade} is never given: its row asks for {unit} "
                                  f"at {least}, but no mark gives {unit} more than {best} (line {marks.span.line})",
                                  row, f"add the least mark of {least} to `marks for {unit}`, or ask for a grade its "
                                  "bands give: check both against the specification")
                break


def _diagnostic(q: CompiledQualification, code: str, severity: Severity, message: str, statement,
                hint: str) -> Diagnostic:
    span = statement.span
    # A statement's span runs to the start of the next line: point at its own line only.
    location = Location(q.path, span.line, span.column, span.line, span.column + len(statement_text(statement)))
    return Diagnostic(code, severity, message, location, hint)
