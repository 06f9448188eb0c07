"""The best grade within the rules of combination (docs/semantics.md "Grades"), on both exact engines.

The reported claim of a graded qualification is the one that earns the most points, then counts the most
credits, then prefers units earlier in the catalogue. It is one more objective of the same engines:

- the compiled decision procedure keeps its cells (a state of the rules' running totals and a credit total,
  `Decision.finish_tables`) and, where the qualification allows unclassified units, one more running total,
  the measure counted unclassified, exact up to its cap; over these cells a max-plus programme gives, from the
  last unit back, the most that units i.. can still add to one sum (points outweighing any credit total, then
  credits) and end where every rule is met. A unit held at grade U moves the extra total, any other grade
  leaves it. The claim is read forwards, taking each unit whenever the best sum can still be reached with it:
  the catalogue-order tie-break, as for pass-only claims;
- CP-SAT maximises the points, then the credits, then the catalogue order, in stages, with the cap on the
  units counted unclassified as one more constraint.

Points never fall when a unit is added, so when the claim of every unit a learner may count meets every rule,
it is the answer on both engines, as for pass-only claims. A qualification graded by a table of components'
grades gives every unit 0 points, so its claim is the pass-only one. The verdicts' grades, the cheapest
finish with the pass grade's points (`cheapest_graded`) and the award given instead are also here.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

import attrs

from qualrules.interpreter import grades as g
from qualrules.interpreter import model as m
from qualrules.interpreter.engine import cpsat
from qualrules.interpreter.engine.decision import CHUNK_BYTES, MAX_FINISH_CELLS, Decision
from qualrules.interpreter.engine.requirements import holds
from qualrules.interpreter.lazy import lazy_module
from qualrules.interpreter.grades import statement_text
from qualrules.interpreter.records.learner import Learner
from qualrules.interpreter.wording import set_text

if TYPE_CHECKING:
    import numpy as np

    from qualrules.interpreter.engine.compiler import CompiledQualification
    from qualrules.interpreter.engine.evaluator import SetAside, Verdict
else:
    np = lazy_module("numpy")

# The verdict's classes are imported where they are used: the evaluator imports this module.

# A sum no claim reaches; the weights of any claim stay far below half of it.
_INFINITY = 1 << 60
# No grade recorded for the unit.
NO_GRADE = -1
PASS = m.UNIT_GRADES.index("P")


def grade_matrix(q: "CompiledQualification", learners: Sequence[Learner], deadlines: Sequence[dt.date | None],
                 counts_from: Sequence[Mapping[str, dt.date]] = (), sure: bool = False) -> "np.ndarray":
    """(learners, pool units) int8: each unit's best graded result (an index of m.UNIT_GRADES), NO_GRADE where
    there is none. Results dated after the learner's completion deadline give no grade, nor do results of a
    unit with prerequisites dated before the day it counts from (`counts_from`, by learner: reference to
    day). `sure`: only results certain to count give grades, so an undated one gives none where a completion
    window or a prerequisite bounds its unit. An equivalent's grade is its original's best result as the unit
    it counts as (a mark graded by that unit's bands, or else by the original's own)."""
    grades = np.full((len(learners), len(q.units)), NO_GRADE, dtype=np.int8)
    counts_from = counts_from or [{}] * len(learners)
    bands = {b.unit: b for b in q.grading.source.marks}
    outside = q.equivalents.outside if q.equivalents is not None else {}
    by_original: dict[str, list[int]] = {}
    for equivalent in q.equivalents.units if q.equivalents is not None else ():
        for original in equivalent.originals:
            by_original.setdefault(original, []).append(equivalent.index)
    for row, (learner, deadline, starts) in enumerate(zip(learners, deadlines, counts_from)):
        for attempt in learner.attempts:
            ref = q.catalogue_refs.get(attempt.unit.casefold()) or outside.get(attempt.unit.casefold())
            if ref is None or not _may_count(attempt.achieved_on, deadline, starts.get(ref)):
                continue
            if sure and not _counts_surely(attempt.achieved_on, q.window is not None, deadline, ref in starts):
                continue
            uses = ([(q.index[ref], bands.get(ref))] if ref in q.index else []) + [
                (e, bands.get(q.units[e].ref) or bands.get(ref)) for e in by_original.get(ref, ())]
            for index, marks in uses:
                grade = _result_grade(attempt.result, marks)
                if grade is not None:
                    grades[row, index] = max(grades[row, index], m.UNIT_GRADES.index(grade))
    return grades


def _result_grade(result: str, bands: m.MarkBands | None) -> str | None:
    """The grade a result gives a unit graded by `bands` (None: by none); None for a word that gives no grade.
    A mark without bands is no pass."""
    if result.isdigit():
        return g.mark_grade(bands, int(result)) if bands is not None else "U"
    return g.RESULT_GRADES.get(result)


def _may_count(achieved_on: dt.date | None, deadline: dt.date | None, start: dt.date | None) -> bool:
    """Whether a result is not dated outside its unit's bounds: after the deadline, or before the day a unit
    with prerequisites counts from."""
    return achieved_on is None or ((deadline is None or achieved_on <= deadline)
                                   and (start is None or achieved_on >= start))


def _counts_surely(achieved_on: dt.date | None, windowed: bool, deadline: dt.date | None, bounded: bool) -> bool:
    """Whether a result that may count surely does: dated, where a window (with its deadline known) or a
    prerequisite bounds its unit."""
    if achieved_on is None:
        return not (windowed or bounded)
    return deadline is not None or not windowed


def claimable(q: "CompiledQualification", available: "np.ndarray", grades: "np.ndarray") -> "np.ndarray":
    """The units each learner may count: those held at a pass or better, and those held below a pass (U or N)
    where the qualification's allowance lets them count."""
    passing = available & (grades >= PASS)
    compensation = q.grading.compensation
    if compensation is None:
        return passing
    allowed = np.zeros(len(q.units), dtype=bool)
    allowed[list(compensation.members)] = True
    lowest = m.UNIT_GRADES.index(q.grading.source.compensation.lowest)
    return passing | (available & (grades >= lowest) & (grades < PASS) & allowed[None, :])


def graded_claims(q: "CompiledQualification", available: "np.ndarray",
                  grades: "np.ndarray") -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    """For each row of `available` (learners x pool units the learner may count, `claimable`) with their
    `grades`: whether some claim meets every rule, that claim (the most points, then credits, then earlier
    units; all False when none) and its points."""
    grading = q.grading
    table = np.array(grading.points, dtype=np.int64).reshape(len(q.units), len(m.UNIT_GRADES))
    scores = np.where(available, table[np.arange(len(q.units))[None, :], np.maximum(grades, 0)], 0)
    unclassified = available & (grades < PASS)  # below a pass: counted under the allowance
    keys = np.where(available, grades.astype(np.int64) + 1, 0)
    unique, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    found = np.zeros(len(unique), dtype=bool)
    claims = np.zeros(unique.shape, dtype=bool)
    search = []
    for row, index in enumerate(first):
        whole = np.flatnonzero(available[index]).tolist()
        if _meets(q, whole, unclassified[index]):
            found[row], claims[row, whole] = True, True
        else:
            search.append(row)
    if search:
        rows = first[search]
        if _compiles(q):
            found[search], claims[search] = _programme(q, available[rows], unclassified[rows], scores[rows])
        else:
            for row, index in zip(search, rows):
                claim = _solve(q, np.flatnonzero(available[index]).tolist(), unclassified[index], scores[index])
                if claim is not None:
                    found[row], claims[row, list(claim)] = True, True
    found, claims = found[inverse], claims[inverse]
    return found, claims, (scores * claims).sum(axis=1)


def _meets(q: "CompiledQualification", claim: list[int], unclassified: "np.ndarray") -> bool:
    """Whether a claim meets every rule and keeps within the cap on units counted unclassified."""
    compensation = q.grading.compensation
    if compensation is not None:
        counted = sum(w for i, w in zip(compensation.members, compensation.weights) if unclassified[i] and i in claim)
        if counted > compensation.maximum:
            return False
    return holds(q.requirements, claim)


def _compiles(q: "CompiledQualification") -> bool:
    """Whether the compiled programme decides the best grade: its cells are few enough, and its one sum (points
    outweighing credits) stays far inside 64 bits, as it does for any real table."""
    decision = q.decision
    if not isinstance(decision, Decision) or decision.finish_cells * _extra_size(q) > MAX_FINISH_CELLS:
        return False
    per_point = sum(decision.credits) + 1
    return (sum(max(points) for points in q.grading.points) + 1) * per_point < _INFINITY // 4


def _extra_size(q: "CompiledQualification") -> int:
    compensation = q.grading.compensation
    return 1 if compensation is None else compensation.maximum + 1


def _graded_tables(q: "CompiledQualification") -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    """(pass moves, unclassified moves, ends) over the cells (finish cell x total counted unclassified): the
    cell each cell moves to when a unit is claimed at a pass or better, or unclassified (the sentinel, the
    number of cells, for no claim), and the cells where every rule is met."""
    moves, ends = q.decision.finish_tables()
    cells, extra = q.decision.finish_cells, _extra_size(q)
    size = cells * extra
    counted = np.arange(extra)
    base = moves[:, :cells, None]
    passing = np.where(base == cells, size, base * extra + counted[None, None, :]).reshape(len(moves), size)
    unclassified = np.full((len(moves), size), size, dtype=passing.dtype)
    compensation = q.grading.compensation
    if compensation is not None:
        for unit, weight in zip(compensation.members, compensation.weights):
            moved = counted + weight
            target = np.where((base[unit] == cells) | (moved[None, :] >= extra), size,
                              base[unit] * extra + moved[None, :])
            unclassified[unit] = target.reshape(size)
    sentinel = np.full((len(moves), 1), size, dtype=passing.dtype)
    return (np.hstack([passing, sentinel]), np.hstack([unclassified, sentinel]),
            np.append(np.repeat(ends, extra), False))


def _programme(q: "CompiledQualification", available: "np.ndarray", unclassified: "np.ndarray",
               scores: "np.ndarray") -> tuple["np.ndarray", "np.ndarray"]:
    found = np.zeros(len(available), dtype=bool)
    claims = np.zeros(available.shape, dtype=bool)
    if q.decision.impossible:  # a rule no claim can meet, which the tables do not track
        return found, claims
    passing_moves, unclassified_moves, ends = _graded_tables(q)
    credits = np.array(q.decision.credits, dtype=np.int64)
    # One sum to minimise: a point outweighs any credit total, a credit is one; unclaimable units weigh infinity.
    weights = np.where(available, -(scores * (int(credits.sum()) + 1) + credits[None, :]), _INFINITY)
    per_learner = (len(credits) + 1) * len(ends) * 8
    step = max(1, CHUNK_BYTES // per_learner)
    for start in range(0, len(available), step):
        rows = slice(start, start + step)
        layers = _layers(weights[rows], unclassified[rows], passing_moves, unclassified_moves, ends)
        found[rows], claims[rows] = _read(layers, weights[rows], unclassified[rows], passing_moves, unclassified_moves)
    return found, claims


def _layers(weights, unclassified, passing_moves, unclassified_moves, ends) -> list:
    """F[0..n], (learners, cells + 1) each: the least sum units i.. can add from each cell and end where every
    rule is met (`_INFINITY` or more when none can)."""
    final = np.where(ends, 0, _INFINITY).astype(np.int64)
    layers = [np.broadcast_to(final, (len(weights), len(final)))]
    for unit in range(weights.shape[1] - 1, -1, -1):
        after = layers[-1]
        weight = weights[:, unit]
        if (weight >= _INFINITY).all():
            layers.append(after)
            continue
        taken = after[:, passing_moves[unit]]
        if unclassified[:, unit].any():
            taken = np.where(unclassified[:, unit][:, None], after[:, unclassified_moves[unit]], taken)
        taken = taken + weight[:, None]
        np.minimum(taken, after, out=taken)
        taken[:, -1] = _INFINITY
        layers.append(taken)
    layers.reverse()
    return layers


def _read(layers, weights, unclassified, passing_moves, unclassified_moves) -> tuple["np.ndarray", "np.ndarray"]:
    """Forwards from the empty claim: take each unit whenever the least sum can still be reached with it."""
    learners = np.arange(len(weights))
    cell = np.zeros(len(weights), dtype=np.intp)
    remaining = layers[0][:, 0].copy()
    found = remaining < _INFINITY // 2
    claims = np.zeros(weights.shape, dtype=bool)
    for unit in range(weights.shape[1]):
        moved = np.where(unclassified[:, unit], unclassified_moves[unit][cell], passing_moves[unit][cell])
        weight = weights[:, unit]
        take = found & (weight < _INFINITY) & (layers[unit + 1][learners, moved] + weight == remaining)
        claims[:, unit] = take
        cell = np.where(take, moved, cell)
        remaining = np.where(take, remaining - weight, remaining)
    return found, claims


def _solve(q: "CompiledQualification", available: list[int], unclassified: "np.ndarray",
           scores: "np.ndarray") -> tuple[int, ...] | None:
    """CP-SAT: the most points, then the most credits, then units earlier in the catalogue."""
    claim_model = cpsat.ClaimModel(q, available).require()
    compensation = q.grading.compensation
    if compensation is not None:
        counted = [(claim_model.chosen[i], w) for i, w in zip(compensation.members, compensation.weights)
                   if i in claim_model.chosen and unclassified[i]]
        if counted:
            claim_model.model.add(sum(w * x for x, w in counted) <= compensation.maximum)
    points = cpsat.cp_model.LinearExpr.weighted_sum([claim_model.chosen[i] for i in available],
                                                    [int(scores[i]) for i in available])
    return claim_model.maximise([points, claim_model.measure_expr(m.Measure.CREDITS),
                                 *claim_model.tie_break_stages()])


def counting(q: "CompiledQualification", counts: Callable[[str], bool]) -> Callable[[str], bool]:
    """The policy for result words towards a graded qualification: where it allows units below a pass, a unit
    graded U or N (as the allowance says) is held too (whether it may be counted is the claim's to say)."""
    allowance, marks = q.grading.source.compensation, bool(q.grading.source.marks)
    if allowance is None and not marks:
        return counts
    below = g.BELOW_PASS_RESULTS[allowance.lowest] if allowance is not None else ()
    return lambda result: counts(result) or result in below or (marks and result.isdigit())


def passing(available: "np.ndarray", grades: "np.ndarray") -> "np.ndarray":
    """The units held at a pass or better (or counted by a result word that carries no grade)."""
    return available & ((grades >= PASS) | (grades == NO_GRADE))


def effective_grades(grades: "np.ndarray") -> "np.ndarray":
    # A result that counts without a grade of its own (a plugin's word) earns a pass's points.
    return np.where(grades == NO_GRADE, PASS, grades)


def best_graded(q: "CompiledQualification", available: "np.ndarray",
                grades: "np.ndarray") -> tuple["np.ndarray", "np.ndarray"]:
    """Whether each learner achieves a grade, and the claim with the most points (kept, and reported, when it
    meets every rule but falls short of the pass grade's points)."""
    grades = effective_grades(grades)
    found, claims, points = graded_claims(q, claimable(q, available, grades), grades)
    if q.grading.source.rows:
        return found & np.array([_row(q, claim, row) is not None for claim, row in zip(claims, grades)]), claims
    return found & (points >= q.grading.pass_points), claims


def grade_ranks(q: "CompiledQualification", found: "np.ndarray", claims: "np.ndarray",
                grades: "np.ndarray") -> list[tuple]:
    """The rank (`m.grade_rank`) of the grade each learner's claim reaches (`best_graded`'s); () for none."""
    ranks: list[tuple] = []
    for achieves, claim, row in zip(found.tolist(), claims, effective_grades(grades)):
        if not achieves:
            ranks.append(())
        elif q.grading.source.rows:
            ranks.append(m.grade_rank(_row(q, claim, row).grade))
        else:
            points = sum(q.grading.points[i][row[i]] for i in np.flatnonzero(claim).tolist())
            ranks.append(m.grade_rank(g.grade_for(q.grading.source, points).grade))
    return ranks


def doubtful_results(q: "CompiledQualification", sure: "np.ndarray", possible: "np.ndarray") -> list[str]:
    """What the record lacks to tell a learner's grade: the date of each result that may count, giving its
    unit a better grade than the results sure to count (`grade_matrix`)."""
    return [f"achievement date of the {m.UNIT_GRADES[possible[i]]} result of {q.units[i].ref} (needed to tell "
            "whether it counts)"
            for i in np.flatnonzero(possible > sure).tolist()]


def _row(q: "CompiledQualification", claim: "np.ndarray", grades: "np.ndarray") -> m.GradeRow | None:
    """The best row of the table of components' grades the claim's units meet."""
    held = {q.units[i].ref: m.UNIT_GRADES[grades[i]] for i in np.flatnonzero(claim).tolist()}
    return g.row_met(q.grading.source, held)


def graded_verdicts(q: "CompiledQualification", verdicts: list["Verdict"], grades: "np.ndarray",
                    held: "np.ndarray") -> list["Verdict"]:
    """The verdicts with their grades and points, and a line for the grade they reach; `held` are the units
    each learner holds (learners x pool units)."""
    from qualrules.interpreter.engine.evaluator import RuleOutcome, Status

    grades = effective_grades(grades)
    compiled = q.grading
    graded = []
    for verdict, row, holding in zip(verdicts, grades, held):
        # A unit the claim counts by an equivalent is graded as that equivalent.
        counted_as = {e.replacement: e for e in verdict.equivalents or ()}
        unit_points = []
        for ref in verdict.claim:
            equivalent = counted_as.get(ref)
            i = q.index[ref] if equivalent is None else equivalent.index
            unit_points.append(g.UnitGrade(ref, m.UNIT_GRADES[row[i]], compiled.points[i][row[i]],
                                           () if equivalent is None else equivalent.originals))
        unit_points = tuple(unit_points)
        points = sum(u.points for u in unit_points)
        if compiled.source.rows:
            graded.append(_table_graded(q, verdict, unit_points, row, holding))
            continue
        reached = g.grade_for(compiled.source, points)
        lowest = compiled.thresholds[0]
        above = g.next_grade(compiled.source, points)
        if reached is None:
            detail = f"Points: {points} counted, at least {lowest.points} required for {lowest.grade}"
        else:
            detail = f"Points: {points} counted, enough for {reached.grade} ({reached.points} or more)"
            if above is not None:
                detail += f"; {above.points - points} more for {above.grade} ({above.points})"
        outcome = RuleOutcome(lowest, f"grade {lowest.grade} at {lowest.points} points",
                              reached is not None, detail, tuple(u.unit for u in unit_points), None, points,
                              None, None)
        graded.append(attrs.evolve(verdict, outcomes=verdict.outcomes + (outcome,),
                                   set_aside=_unclassified_reasons(q, verdict, row, holding),
                                   grade=reached.grade if verdict.status is Status.ACHIEVED and reached else None,
                                   points=points, unit_points=unit_points, graded=True))
    return graded


def _table_graded(q: "CompiledQualification", verdict: "Verdict", unit_points: tuple, grades: "np.ndarray",
                  held: "np.ndarray") -> "Verdict":
    """A verdict graded by a table of components' grades: the row the claim meets, if any."""
    from qualrules.interpreter.engine.evaluator import RuleOutcome, Status

    source = q.grading.source
    claimed = {u.unit: u.grade for u in unit_points}
    row = g.row_met(source, claimed)
    components = sorted({unit for table_row in source.rows for unit, _ in table_row.components},
                        key=lambda ref: q.index[ref])
    shown = ", ".join(f"{unit} {claimed.get(unit, 'not counted')}" for unit in components)
    detail = f"Components: {shown}: " + (f"grade {row.grade}" if row else "no row of the grade table is met")
    outcome = RuleOutcome(source.rows[0], "grade table", row is not None, detail,
                          tuple(unit for unit in components if unit in claimed))
    return attrs.evolve(verdict, outcomes=verdict.outcomes + (outcome,),
                        set_aside=_unclassified_reasons(q, verdict, grades, held),
                        grade=row.grade if row and verdict.status is Status.ACHIEVED else None,
                        points=None, unit_points=unit_points, graded=True)


def _unclassified_reasons(q: "CompiledQualification", verdict: "Verdict", grades: "np.ndarray",
                          held: "np.ndarray") -> tuple:
    """The verdict's units set aside, those held at U (a mark below the pass band, or an unclassified result
    under an allowance) saying why they do not count."""
    compiled = q.grading.compensation
    # What each unit the allowance may count weighs, and how much of it the claim leaves unused.
    allowed = dict(zip(compiled.members, compiled.weights)) if compiled is not None else {}
    claimed = {q.index[ref] for ref in verdict.claim if ref in q.index}
    room = compiled.maximum - sum(w for i, w in allowed.items() if i in claimed and grades[i] < PASS) \
        if compiled is not None else 0
    return tuple(_unclassified_reason(q, s, allowed, room, m.UNIT_GRADES[grades[q.index[s.unit]]])
                 if s.unit in q.index and held[q.index[s.unit]] and grades[q.index[s.unit]] < PASS else s
                 for s in verdict.set_aside)


def _unclassified_reason(q: "CompiledQualification", aside: "SetAside", allowed: dict[int, int], room: int,
                         grade: str) -> "SetAside":
    """Why a unit held below a pass is not counted: its grade, where the allowance (or its absence) is the
    reason, else the verdict's own (a cap, say, when the allowance had room for it)."""
    compensation = q.grading.source.compensation
    if compensation is None:
        reason = f"graded {grade}: below the pass band"
    elif m.UNIT_GRADES.index(grade) < m.UNIT_GRADES.index(compensation.lowest):
        reason = f"graded {grade}: `{statement_text(compensation)}` allows near pass only"
    elif q.index[aside.unit] not in allowed:
        where = "" if compensation.scope is None else f" from {set_text(compensation.scope)}"
        below = "unclassified" if compensation.lowest == "U" else "at near pass"
        reason = f"graded {grade}: only units{where} may count {below}"
    elif allowed[q.index[aside.unit]] <= room:
        return aside
    else:
        reason = f"graded {grade}: not counted within `{statement_text(compensation)}`"
    return attrs.evolve(aside, reason=reason)


def with_fallbacks(q: "CompiledQualification", learners: Sequence[Learner], verdicts: list["Verdict"],
                   counts: Callable[[str], bool], evaluate_many) -> list["Verdict"]:
    """Each verdict that is not achieved, with the verdict of the smaller award given instead."""
    from qualrules.interpreter.engine.evaluator import Status

    short = [k for k, v in enumerate(verdicts) if v.status is Status.NOT_ACHIEVED]
    if not short:
        return verdicts
    instead = evaluate_many(q.fallback, [learners[k] for k in short], counts)
    verdicts = list(verdicts)
    for k, fallback in zip(short, instead):
        verdicts[k] = attrs.evolve(verdicts[k], fallback=fallback)
    return verdicts


def verdict_json(verdict: "Verdict") -> dict:
    """A graded verdict's own JSON keys."""
    return {
        "grade": verdict.grade,
        "points": verdict.points,
        "unit_points": [{"unit": u.unit, "grade": u.grade, "points": u.points} for u in verdict.unit_points],
        "fallback": verdict.fallback.to_json() if verdict.fallback is not None else None,
    }


def finish_units(q: "CompiledQualification", learners: Sequence[Learner], deadlines: Sequence[dt.date | None],
                 certain: "np.ndarray", uncertain: "np.ndarray") -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    """For a cheapest finish of a graded qualification: the learners' grades, and the units held that a claim
    may count (certain, and in doubt): a unit held below a pass that may not count is one to take again, and
    one that may count is held and may be taken again too (`cheapest_graded`)."""
    grades = effective_grades(grade_matrix(q, learners, deadlines))
    return grades, claimable(q, certain, grades), claimable(q, uncertain, grades)


# Units per stage of the tie-break between units taken again: 1 << 30 stays well inside 64 bits.
_RETAKE_CHUNK = 30


def cheapest_graded(q: "CompiledQualification", held: "np.ndarray", candidates: "np.ndarray", grades: "np.ndarray",
                    costs: "np.ndarray") -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    """For each row: whether adding candidates, each passed at P, gives a claim that meets every rule and reaches
    the pass grade's points, the claim whose added candidates cost the least (`costs`: of each unit, or for
    each row of each unit), then the fewest, then counts the most credits, then prefers units earlier in the
    catalogue (CP-SAT), and the candidates it adds. A candidate also held (below a pass, where the allowance
    lets it count) is counted at its grade or taken again at P; among finishes of one claim and cost, those
    taken again are the ones earlier in the catalogue."""
    found = np.zeros(len(held), dtype=bool)
    claims = np.zeros(held.shape, dtype=bool)
    added = np.zeros(held.shape, dtype=bool)
    table = q.grading.points
    compensation = q.grading.compensation
    for row in range(len(held)):
        kept, extra = np.flatnonzero(held[row]).tolist(), np.flatnonzero(candidates[row]).tolist()
        claim_model = cpsat.ClaimModel(q, set(kept) | set(extra)).require()
        model, chosen = claim_model.model, claim_model.chosen
        # Taken again: counted at P in place of its grade, and out of the allowance.
        retaken = {i: model.new_bool_var(f"retake_{i}") for i in extra if held[row, i]}
        for i, literal in retaken.items():
            model.add_implication(literal, chosen[i])
        taken = {i: retaken.get(i, chosen[i]) for i in extra}
        earned = ([(chosen[i], table[i][grades[row, i]]) for i in kept]
                  + [(taken[i], table[i][PASS] - (table[i][grades[row, i]] if i in retaken else 0)) for i in extra])
        model.add(sum(p * x for x, p in earned) >= q.grading.pass_points)
        if compensation is not None:
            counted = []
            for i, w in zip(compensation.members, compensation.weights):
                if held[row, i] and grades[row, i] < PASS:
                    counted += [(chosen[i], w)] + ([(retaken[i], -w)] if i in retaken else [])
            if counted:
                model.add(sum(w * x for x, w in counted) <= compensation.maximum)
        row_costs = costs[row] if costs.ndim == 2 else costs
        spent = cpsat.cp_model.LinearExpr.weighted_sum([taken[i] for i in extra], [int(row_costs[i]) for i in extra])
        order = sorted(retaken)
        chunks = [order[start:start + _RETAKE_CHUNK] for start in range(0, len(order), _RETAKE_CHUNK)]
        claim = claim_model.maximise([
            -spent, -cpsat.cp_model.LinearExpr.sum(list(taken.values())),
            claim_model.measure_expr(m.Measure.CREDITS), *claim_model.tie_break_stages(),
            *(cpsat.cp_model.LinearExpr.weighted_sum([retaken[i] for i in chunk],
                                                     [1 << (len(chunk) - 1 - k) for k in range(len(chunk))])
              for chunk in chunks)])
        if claim is not None:
            found[row], claims[row, list(claim)] = True, True
            added[row, [i for i in extra if claim_model.solved.boolean_value(taken[i])]] = True
    return found, claims, added
