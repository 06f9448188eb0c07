"""Graded qualifications (docs/language.md "Grades"): the points a unit earns for its grade, the grade a total
of points gives, and the static checks of a qualification's grading statements."""

from __future__ import annotations

from typing import Callable, Sequence

import attrs

from qualrules.interpreter import model as m
from qualrules.interpreter.engine.requirements import Linear
from qualrules.interpreter.wording import measure_word, plural, set_text

# The grade a result word gives a unit. Exemptions and credit transfers carry no grade of their own: they
# earn a pass's points.
RESULT_GRADES = {"pass": "P", "merit": "M", "distinction": "D", "distinction star": "D*", "unclassified": "U",
                 "near pass": "N", "exemption": "P", "credit transfer": "P"}
# The result words of the grades below a pass, which only an allowance lets a claim count.
BELOW_PASS_RESULTS = {"U": ("unclassified", "near pass"), "N": ("near pass",)}


@attrs.frozen
class CompiledGrading:
    source: m.Grading
    # points[unit][grade]: what each pool unit earns at each grade of m.UNIT_GRADES.
    points: tuple[tuple[int, ...], ...]
    thresholds: tuple[m.GradeThreshold, ...]  # lowest first
    # The cap on the units counted unclassified, over the units that may be; None when none may be.
    compensation: Linear | None

    @property
    def pass_points(self) -> int:
        """The fewest points that give a grade: below them the qualification is not achieved (0 for a
        qualification graded by a table of components' grades)."""
        return self.thresholds[0].points if self.thresholds else 0


def compile_grading(grading: m.Grading, pool: Sequence[m.Unit], compensation: Linear | None) -> CompiledGrading:
    # Graded by a table of components' grades, units earn no points: the claim is chosen as a pass-only one.
    none = dict.fromkeys(m.UNIT_GRADES, 0)
    points = tuple(tuple(table[grade] for grade in m.UNIT_GRADES)
                   for table in (points_table(grading, unit) if grading.unit_points else none for unit in pool))
    return CompiledGrading(grading, points, tuple(sorted(grading.thresholds, key=lambda t: t.points)), compensation)


def points_table(grading: m.Grading, unit: m.Unit) -> dict[str, int] | None:
    """The points the unit earns for each grade (U and N earn 0 unless the line says otherwise, a D* without
    points of its own earns a D's), or None when no `points` line covers it (points per credit need its credits)."""
    line = next((p for p in grading.unit_points if p.glh is not None and p.glh == unit.glh), None)
    scale = 1
    if line is None:
        per_credit = [p for p in grading.unit_points if p.glh is None]
        line = next((p for p in per_credit if p.level == unit.level), None) or next(
            (p for p in per_credit if p.level is None), None)
        scale = unit.credits
    if line is None or scale is None:
        return None
    table = {"U": 0, "N": 0, **dict(line.points)}
    table.setdefault("D*", table.get("D", 0))
    return {grade: points * scale for grade, points in table.items()}


def grade_for(grading: m.Grading, points: int) -> m.GradeThreshold | None:
    """The best grade whose threshold `points` reaches, or None (unclassified: below every threshold)."""
    reached = [t for t in grading.thresholds if t.points <= points]
    return max(reached, key=lambda t: t.points) if reached else None


def row_met(grading: m.Grading, grades: dict[str, str]) -> m.GradeRow | None:
    """The best row of a table of components' grades that `grades` (unit reference to grade) meets."""
    met = [row for row in grading.rows
           if all(unit in grades and UNIT_ORDER[grades[unit]] >= UNIT_ORDER[least] for unit, least in row.components)]
    return max(met, key=lambda row: m.grade_rank(row.grade)) if met else None


def mark_grade(bands: m.MarkBands, mark: int) -> str:
    """The grade a mark gives: the highest band it reaches, U below them all."""
    reached = [grade for grade, least in bands.bands if mark >= least]
    return max(reached, key=UNIT_ORDER.__getitem__) if reached else "U"


UNIT_ORDER = {grade: rank for rank, grade in enumerate(m.UNIT_GRADES)}


def next_grade(grading: m.Grading, points: int) -> m.GradeThreshold | None:
    """The lowest threshold above `points`, or None when the best grade is reached."""
    above = [t for t in grading.thresholds if t.points > points]
    return min(above, key=lambda t: t.points) if above else None


def compensation_cap(qualification: m.Qualification) -> m.Quantity | None:
    """The compensation as the cap it sets on the unclassified units a claim counts: checked and compiled as
    the quantity rule it reads as (`at most 60 glh from Group B`)."""
    grading = qualification.grading
    if grading is None or grading.compensation is None:
        return None
    allowed = grading.compensation
    return m.Quantity(allowed.measure, m.Bound(None, allowed.amount), allowed.scope, None, allowed.span)


def check_grading(qualification: m.Qualification, pool: list[m.Unit], mandatory: set[str],
                  qualifications: dict[str, m.Qualification], error: Callable[..., None]) -> None:
    """The errors in one qualification's grading statements: `error(code, message, span, hint)` for each."""
    grading, fallback = qualification.grading, qualification.fallback
    if fallback is not None:
        if fallback.qan == qualification.qan:
            error("QR155", f"{qualification.qan} names itself as the award to give instead", fallback.span,
                  hint="name the smaller qualification this one contains")
        elif fallback.qan not in qualifications:
            error("QR155", f"there is no qualification {fallback.qan} in this file to award instead", fallback.span,
                  hint="declare the smaller qualification in the same file")
        elif (chain := _fallback_chain(qualifications, fallback.qan, qualification.qan)) is not None:
            turn = "in turn falls back to it" if len(chain) == 1 else \
                f"the awards given instead come back to it: {' -> '.join((qualification.qan, *chain, qualification.qan))}"
            error("QR155", f"{fallback.qan} is awarded instead of {qualification.qan}, and {turn}",
                  fallback.span, hint="only the larger qualification names the smaller one")
    if grading is None:
        return
    _check_marks(grading, {u.ref for u in pool}, error)
    if grading.rows:
        if grading.unit_points or grading.thresholds:
            first = (grading.unit_points or grading.thresholds)[0]
            error("QR161", f"{qualification.qan} is graded both by points and by a table of components' grades",
                  first.span, hint="grade it one way: `points` and `grade ... at N points` lines, or `grade ... when`")
        for row in grading.rows:
            optional = [unit for unit, _ in row.components if unit not in mandatory]
            if optional:
                error("QR160", f"{', '.join(optional)} {'is' if len(optional) == 1 else 'are'} not a mandatory unit "
                      f"of {qualification.qan}", row.span,
                      hint="a table of components' grades names only units an `all of` rule requires")
        return
    if not grading.unit_points or not grading.thresholds:
        missing = "`points` lines" if not grading.unit_points else "`grade ... at N points` lines"
        error("QR152", f"{qualification.qan} is graded but has no {missing}", qualification.qan_span,
              hint="a graded qualification gives the points of each unit grade and the points each grade needs")
        return
    kinds = {p.glh is None for p in grading.unit_points}
    if len(kinds) > 1:
        error("QR156", f"{qualification.qan} gives points both by unit size and per credit",
              grading.unit_points[0].span, hint="use one kind of `points` line for all of a qualification's units")
    for line in grading.unit_points:
        given = dict(line.points)
        lacking = [grade for grade in ("P", "M", "D") if grade not in given]
        if lacking:
            error("QR153", f"this `points` line gives no points for {', '.join(lacking)}", line.span,
                  hint="give the points of P, M and D (and D*, U where the specification gives them)")
    if len(kinds) == 1:
        uncovered = [u.ref for u in pool if points_table(grading, u) is None]
        if uncovered:
            sizes = "a `points for N glh` line for its GLH" if kinds == {False} else "a `points per credit` line"
            error("QR154", f"{', '.join(uncovered)} {'earns' if len(uncovered) == 1 else 'earn'} no points: "
                  f"no `points` line covers {'it' if len(uncovered) == 1 else 'them'}", grading.unit_points[0].span,
                  hint=f"add {sizes} (each unit needs its `glh` for points by size, its `credits` for points "
                  "per credit)")
    by_points: dict[int, m.GradeThreshold] = {}
    for threshold in grading.thresholds:
        first = by_points.get(threshold.points)
        if first is not None:
            error("QR157", f"{first.grade} and {threshold.grade} both need {threshold.points} points",
                  threshold.span, hint="each grade needs its own number of points")
        by_points.setdefault(threshold.points, threshold)
        if {"U", "N"} & set(m.grade_letters(threshold.grade)):
            error("QR150", f"`{threshold.grade}` is not a grade a qualification awards", threshold.span,
                  hint="U (unclassified) is what a learner gets below every threshold, and N (near pass) is a "
                  "unit's grade: give no threshold for them")


def _fallback_chain(qualifications: dict[str, m.Qualification], start: str, target: str) -> tuple[str, ...] | None:
    """The QANs that following `otherwise award` from `start` passes through, `start` first, up to `target`
    (which ends them); None when it never comes to `target`."""
    chain: list[str] = []
    while start not in chain and start in qualifications:
        if start == target:
            return tuple(chain)
        chain.append(start)
        fallback = qualifications[start].fallback
        if fallback is None:
            return None
        start = fallback.qan
    return None


@attrs.frozen
class UnitGrade:
    """A counted unit's grade and the points it earns."""

    unit: str
    grade: str
    points: int
    # The units the claim counts it by, when it counts the unit by an equivalent (`unit A counts as B`).
    by: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """`B1 by OLD1`, as explanations name the unit counted."""
        return f"{self.unit} by {' and '.join(self.by)}" if self.by else self.unit


def statement_text(statement) -> str:
    """A grading statement in its canonical one-line .qual wording."""
    if isinstance(statement, m.GradeRow):
        return f"grade {statement.grade} when " + ", ".join(f"{unit} at {grade}" for unit, grade in statement.components)
    if isinstance(statement, m.MarkBands):
        out_of = f" out of {statement.out_of}" if statement.out_of is not None else ""
        return f"marks for {statement.unit}{out_of} " + ", ".join(f"{g} {least}" for g, least in statement.bands)
    if isinstance(statement, m.UnitPoints):
        size = f"for {statement.glh} glh" if statement.glh is not None else "per credit" + (
            f" at level {statement.level}" if statement.level is not None else "")
        return f"points {size} " + ", ".join(f"{grade} {points}" for grade, points in statement.points)
    if isinstance(statement, m.GradeThreshold):
        return f"grade {statement.grade} at {statement.points} points"
    if isinstance(statement, m.Compensation):
        scope = f" from {set_text(statement.scope)}" if statement.scope is not None else ""
        allowed = "unclassified" if statement.lowest == "U" else "near pass"
        return f"allow {allowed} up to {statement.amount} {measure_word(statement.measure, statement.amount)}{scope}"
    return f"otherwise award {statement.qan}"


def statements(qualification: m.Qualification) -> list:
    """A qualification's grading statements, in the order `fmt` writes them: by kind, each kind as written."""
    grading = qualification.grading
    found: list = []
    if grading is not None:
        found.extend(grading.marks)
        found.extend(grading.unit_points)
        found.extend(grading.thresholds)
        found.extend(grading.rows)
        if grading.compensation is not None:
            found.append(grading.compensation)
    if qualification.fallback is not None:
        found.append(qualification.fallback)
    return found


def _check_marks(grading: m.Grading, pool: set[str], error: Callable[..., None]) -> None:
    for bands in grading.marks:
        if bands.unit not in pool:
            error("QR159", f"`marks for {bands.unit}`: {bands.unit} is not a unit of this qualification's pool",
                  bands.span, hint="give marks for units in `units from`, by their unit reference")
        given = dict(bands.bands)
        ordered = sorted(given.items(), key=lambda item: UNIT_ORDER[item[0]])
        if "P" not in given:
            error("QR158", "the marks give no pass band (P)", bands.span, hint="give the least mark of a pass: `P 41`")
        elif any(low >= high for (_, low), (_, high) in zip(ordered, ordered[1:])):
            error("QR158", "each better grade needs a higher mark", bands.span,
                  hint="give each grade's least mark, rising with the grade: `P 41, M 50, D 55`")
        elif bands.out_of is not None and ordered[-1][1] > bands.out_of:
            error("QR158", f"{ordered[-1][0]} needs {ordered[-1][1]} marks, more than the {bands.out_of} available",
                  bands.span, hint="check the bands against the specification")


def grading_sentences(qualification: m.Qualification) -> tuple[str, ...]:
    """A qualification's grading statements in English, as `show` presents them (none for a pass-only one)."""
    out = []
    for statement in statements(qualification):
        if isinstance(statement, m.UnitPoints):
            (first, points), *rest = statement.points
            earns = ", ".join([f"{plural(points, 'point')} for {first}", *(f"{p} for {grade}" for grade, p in rest)])
            if statement.glh is not None:
                out.append(f"A unit of {statement.glh} guided learning hours earns {earns}.")
            else:
                level = f" of a unit at level {statement.level}" if statement.level is not None else ""
                out.append(f"Each credit{level} earns {earns}.")
        elif isinstance(statement, m.MarkBands):
            out_of = f" (out of {statement.out_of})" if statement.out_of is not None else ""
            bands = ", ".join(f"{least} or more is {grade}" for grade, least in statement.bands)
            out.append(f"{statement.unit}{out_of} is graded by its mark: {bands}.")
        elif isinstance(statement, m.GradeThreshold):
            out.append(f"{statement.grade} needs {plural(statement.points, 'point')} or more.")
        elif isinstance(statement, m.GradeRow):
            needs = " and ".join(f"{unit} at {grade} or better" for unit, grade in statement.components)
            out.append(f"{statement.grade} needs {needs}.")
        elif isinstance(statement, m.Compensation):
            scope = f" from {set_text(statement.scope)}" if statement.scope is not None else ""
            graded = "U or N (near pass)" if statement.lowest == "U" else "N (near pass)"
            out.append(f"Units graded {graded}{scope} may count, up to {statement.amount} "
                       f"{measure_word(statement.measure, statement.amount)} between them.")
        else:
            out.append(f"When it is not achieved, {statement.qan} is awarded instead.")
    return tuple(out)
