"""The least demanding grades that reach a target grade (docs/planning.md "Planning for a grade"). Pure: no I/O.

The units still to be taken are the pool units the learner has not passed (a unit graded U may be taken
again) and the caller has not excluded. A plan gives some of them a grade, P, M, D or D*, so that some claim
from the units held (at their grades) and the planned ones meets every rule and earns the target's points.
Among all such plans it takes, exactly, the one asking for the fewest D*, then the fewest D, then the
fewest M, then the fewest units, then with the resulting claim counting the most credits, then preferring
units earlier in the catalogue, then asking the lower grades of the units earlier in the catalogue. It is solved with CP-SAT, optimising those objectives in stages, each
proven optimal before the next.
"""

from __future__ import annotations

import enum
from typing import Callable, Collection

import attrs

from qualrules.interpreter import grades as g
from qualrules.interpreter import model as m
from qualrules.interpreter.prerequisites import plan_limits
from qualrules.interpreter.engine import cpsat, grading
from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.engine.evaluator import completion_deadline, holdings_of
from qualrules.interpreter.engine.pathways import graded_within
from qualrules.interpreter.engine.planner import pool_index
from qualrules.interpreter.lazy import lazy_module
from qualrules.interpreter.records.learner import Learner

np = lazy_module("numpy")

# Grades a plan may ask for, from the least demanding.
PLANNED_GRADES = ("P", "M", "D", "D*")
# Units per tie-break stage over planned grades: 5 ** 20 stays well inside 64 bits.
_GRADE_CHUNK = 20
GRADE_WORDS = {"pass": "P", "merit": "M", "distinction": "D", "distinction star": "D*"}


class GradePlanStatus(enum.Enum):
    ALREADY_REACHED = "already reached"
    PLANNED = "planned"
    IMPOSSIBLE = "impossible"


class UnknownTarget(ValueError):
    """The target is not one of the qualification's grades."""


@attrs.frozen
class GradePlan:
    qan: str
    learner: str
    target: str
    status: GradePlanStatus
    take: tuple[g.UnitGrade, ...]  # each unit to take, the grade it needs and the points that earns
    claim: tuple[g.UnitGrade, ...]  # the resulting claim, units held and planned
    points: int
    needed: int  # the target's points

    def to_json(self) -> dict:
        def units(found):
            return [{"unit": u.unit, "grade": u.grade, "points": u.points} for u in found]

        return {"learner": self.learner, "qualification": self.qan, "target": self.target,
                "status": self.status.value, "take": units(self.take), "claim": units(self.claim),
                "points": self.points, "points_needed": self.needed}


def target_threshold(q: CompiledQualification, target: str) -> m.GradeThreshold:
    """The threshold of a target written as a grade (`DMM`, `D*`) or a word (`merit`: the grade of that letter
    alone, or repeated as long as the qualification's grades are, `MMM`)."""
    thresholds = q.grading.thresholds
    word = " ".join(target.split()).lower()
    wanted = target.strip().upper()
    if word in GRADE_WORDS:
        letter = GRADE_WORDS[word]
        wanted = next((t.grade for t in thresholds if set(m.grade_letters(t.grade)) == {letter}), letter)
    found = next((t for t in thresholds if t.grade == wanted), None)
    if found is None:
        raise UnknownTarget(f"{target!r} is not a grade of {q.qan}, whose grades are "
                            + ", ".join(t.grade for t in thresholds))
    return found


def plan_grade(q: CompiledQualification, learner: Learner, counts: Callable[[str], bool], target: str,
               exclude: Collection[str] = ()) -> GradePlan:
    """The least demanding grades in the units still to be taken that reach `target` (see the module's
    docstring). `exclude` names units (unit or Ofqual references, any case) the plan may not add."""
    threshold = target_threshold(q, target)
    if q.pathways:
        q = graded_within(q, learner, counts)
    held = holdings_of(q, learner, grading.counting(q, counts), counts)
    grades = grading.effective_grades(grading.grade_matrix(q, [learner], [completion_deadline(q, learner)]))[0]
    available = np.zeros((1, len(q.units)), dtype=bool)
    available[0, sorted(held.certain)] = True
    kept = np.flatnonzero(grading.claimable(q, available, grades[None, :])[0]).tolist()
    passed = {i for i in kept if grades[i] >= grading.PASS}
    excluded = {pool_index(q, ref) for ref in exclude}
    # An equivalent is held by its originals, never taken: only the pool's own units are planned.
    candidates = [i for i in range(len(q.catalogue_units)) if i not in passed and i not in excluded]
    if q.prerequisites:  # a unit is planned only when what it requires counts already (docs/planning.md)
        allowed, _ = plan_limits(q.prerequisites, {}, [u.ref for u in q.units], held.prerequisites_held,
                                 set(candidates))
        candidates = sorted(allowed)
    claim_model = cpsat.ClaimModel(q, set(kept) | set(candidates)).require()
    model, chosen = claim_model.model, claim_model.chosen
    keep = {i: model.new_bool_var(f"keep_{i}") for i in kept}
    take = {(i, grade): model.new_bool_var(f"take_{i}_{grade}") for i in candidates for grade in PLANNED_GRADES}
    for i, unit in chosen.items():
        options = ([keep[i]] if i in keep else []) + [take[i, grade] for grade in PLANNED_GRADES if (i, grade) in take]
        model.add(sum(options) == unit)
    table = q.grading.points
    earned = sum(table[i][grades[i]] * keep[i] for i in kept) + sum(
        table[i][m.UNIT_GRADES.index(grade)] * literal for (i, grade), literal in take.items())
    model.add(earned >= threshold.points)
    compensation = q.grading.compensation
    if compensation is not None:
        unclassified = [(keep[i], w) for i, w in zip(compensation.members, compensation.weights)
                        if i in keep and grades[i] < grading.PASS]
        if unclassified:
            model.add(sum(w * literal for literal, w in unclassified) <= compensation.maximum)

    def count(grade):
        return sum(literal for (i, planned), literal in take.items() if planned == grade)

    stages = [-count(grade) for grade in reversed(PLANNED_GRADES[1:])]
    stages += [-sum(take.values()), claim_model.measure_expr(m.Measure.CREDITS), *claim_model.tie_break_stages()]
    # Finally, among plans with the same claim and the same number of each grade: the lower grades in the units
    # earlier in the catalogue (each unit's grade a digit, base 5, of a number to minimise).
    ordered = sorted(candidates)
    for start in range(0, len(ordered), _GRADE_CHUNK):
        chunk = ordered[start:start + _GRADE_CHUNK]
        stages.append(-sum(5 ** (len(chunk) - 1 - k) * (rank + 1) * take[i, grade]
                           for k, i in enumerate(chunk) for rank, grade in enumerate(PLANNED_GRADES)))
    found = claim_model.maximise(stages)
    if found is None:
        return GradePlan(q.qan, learner.id, threshold.grade, GradePlanStatus.IMPOSSIBLE, (), (), 0, threshold.points)
    planned = tuple(g.UnitGrade(q.units[i].ref, grade, table[i][m.UNIT_GRADES.index(grade)])
                    for (i, grade), literal in take.items() if claim_model.solved.boolean_value(literal))
    planned_refs = {u.unit: u for u in planned}
    order = q.equivalents.in_catalogue_order if q.equivalents is not None else sorted
    claim = tuple(planned_refs.get(q.units[i].ref) or g.UnitGrade(
        q.units[i].ref, m.UNIT_GRADES[grades[i]], table[i][grades[i]],
        q.equivalents.of(i).originals if i >= len(q.catalogue_units) else ()) for i in order(found))
    status = GradePlanStatus.PLANNED if planned else GradePlanStatus.ALREADY_REACHED
    return GradePlan(q.qan, learner.id, threshold.grade, status, planned, claim, sum(u.points for u in claim),
                     threshold.points)
