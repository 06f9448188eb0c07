"""The cheapest way to finish a qualification. Pure: no I/O, no clock, no global state.

A plan adds pool units the learner has not achieved (and the caller has not excluded) so that the units
held plus those added admit a claim meeting every rule. Among all such sets the plan takes, exactly, the
least total of the measure to minimise; ties go to fewer units, then to the resulting claim with the most
credits, then to units earlier in the catalogue. See docs/planning.md. The finish is found by the compiled
decision procedure (`Decision.cheapest`) where the qualification has one that keeps few enough cells, by
CP-SAT otherwise; many learners are planned at once, identical holdings once.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Callable, Collection, Iterable, Mapping, Sequence

import attrs

from qualrules.interpreter import model as m
from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.engine.decision import Decision
from qualrules.interpreter.engine.requirements import Linear, declared_total
from qualrules.interpreter.engine.evaluator import Holdings, holdings_of, add_period, age_on, unit_masks
from qualrules.interpreter.records.learner import Learner
from qualrules.interpreter.engine import grading, pathways
from qualrules.interpreter.engine.claims import distinct_rows, best_claims
from qualrules.interpreter.engine.cpsat import (
    ClaimModel, Part, PartKind, cheapest_completion, cheapest_with_prerequisites)
from qualrules.interpreter.engine.assessment import criteria_to_go
from qualrules.interpreter.equivalences import Equivalent
from qualrules.interpreter.prerequisites import plan_limits
from qualrules.interpreter.lazy import lazy_module
from qualrules.interpreter.wording import measure_word, rule_text, word_list

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")

# What a plan can minimise: a measure of the units added, or the assessment criteria they still need, which
# differ from learner to learner (counted from each one's achievement log, `assessment.criteria_to_go`).
MEASURES = {"credits": m.Measure.CREDITS, "glh": m.Measure.GLH, "units": m.Measure.UNITS}
CRITERIA = "criteria"
MINIMISABLE = (*MEASURES, CRITERIA)


class PlanStatus(enum.Enum):
    ALREADY_ACHIEVED = "already achieved"
    PLANNED = "planned"
    IMPOSSIBLE = "impossible"
    UNDETERMINED = "undetermined"


@attrs.frozen
class Plan:
    """The cheapest finish for one learner and qualification.

    `add` and `claim` are unit references in catalogue order; IMPOSSIBLE plans add and claim nothing.
    UNDETERMINED plans hold the cheapest finish on the assumption that the data the record lacks (listed
    in `reasons`) turns out in the learner's favour. `deadline` is the last day units count under the
    qualification's completion window, when it has one and the registration date is known: the planner
    has no clock, so it states the deadline rather than comparing it with today.
    """

    qan: str
    learner: str
    status: PlanStatus
    minimise: str
    add: tuple[str, ...]
    cost: int
    claim: tuple[str, ...]
    credits_to_add: int | None  # None when an added unit declares no credits (sized in GLH only)
    units_to_add: int
    glh_to_add: int | None  # None when an added unit declares no GLH
    reasons: tuple[str, ...]
    deadline: dt.date | None = None
    # The equivalents the resulting claim counts (which held units stand for which); None when the
    # qualification has no equivalences.
    equivalents: tuple[Equivalent, ...] | None = None
    # A qualification with pathways only: the pathway the plan completes (None: the general title).
    pathway: str | None = None
    # The units of `add` the record holds below a pass (a graded qualification's U or N): taken again.
    retake: tuple[str, ...] = ()

    @property
    def shown_sizes(self) -> tuple[int | None, int | None, int | None, int | None]:
        """The cost, credits, units and GLH to add as the outputs give them: None for a qualification that
        cannot be achieved, which has no finish to size (0 would read as nothing left to do)."""
        if self.status is PlanStatus.IMPOSSIBLE:
            return None, None, None, None
        return self.cost, self.credits_to_add, self.units_to_add, self.glh_to_add

    def to_json(self) -> dict:
        cost, credits, units, glh = self.shown_sizes
        return {
            "learner": self.learner,
            "qualification": self.qan,
            "status": self.status.value,
            "minimise": self.minimise,
            "add": list(self.add),
            "retake": list(self.retake),
            "cost": cost,
            "claim": list(self.claim),
            "credits_to_add": credits,
            "units_to_add": units,
            "glh_to_add": glh,
            "reasons": list(self.reasons),
            "deadline": self.deadline.isoformat() if self.deadline else None,
            **({} if self.equivalents is None else {"equivalents": [e.to_json() for e in self.equivalents]}),
            **({"pathway": self.pathway} if self.pathway is not None else {}),
        }


def pool_index(q: CompiledQualification, ref: str) -> int | None:
    """The pool position of a unit given by its unit or Ofqual reference (any case); None outside the pool."""
    unit = q.catalogue_refs.get(ref.casefold())
    return None if unit is None else q.index.get(unit)


class MeasureNotDeclared(ValueError):
    """The measure to minimise (GLH, or assessment criteria) is not declared for every unit a plan could add."""


@attrs.frozen
class HeldUnits:
    """What many learners' records give towards one pool, as a plan needs it: the units achieved (`certain`)
    and those whose dates are in doubt (`uncertain`), learners x pool units; and per learner the data the
    record lacks and whether the age rule and the other requirements of the learner hold (None: cannot tell)."""

    certain: "np.ndarray"
    uncertain: "np.ndarray"
    missing: Sequence[tuple[str, ...]]
    age_ok: Sequence[bool | None]
    # Per learner, the first requirement of the learner besides units and age that fails, as explained.
    failures: Sequence[str | None] = ()
    # Per learner, where units have prerequisites: the catalogue units that count, or may, as one.
    prerequisites_held: Sequence[frozenset[str]] = ()

    @classmethod
    def of(cls, width: int, holdings: Sequence[Holdings]) -> "HeldUnits":
        """From each learner's holdings (`holdings_of`) towards a pool of `width` units."""
        return cls(unit_masks(width, (h.certain for h in holdings)), unit_masks(width, (h.uncertain for h in holdings)),
                   [h.missing for h in holdings], [h.learner_ok for h in holdings],
                   [next((o.detail for o in h.attainment if o.met is False), None) for h in holdings],
                   [h.prerequisites_held for h in holdings])

    def projected(self, columns: Sequence[int]) -> "HeldUnits":
        """Towards the pool whose units are these columns of this one."""
        return HeldUnits(self.certain[:, columns], self.uncertain[:, columns], self.missing, self.age_ok,
                         self.failures, self.prerequisites_held)


def plan(q: CompiledQualification, learner: Learner, counts: Callable[[str], bool], *, minimise: str = "credits",
         exclude: Collection[str] = (), assume_passed: Collection[str] = (),
         catalogue: Mapping[str, m.Unit] | None = None) -> Plan:
    """The cheapest finish. `counts(result)` is the awarding body's policy for result words; `exclude` names
    units the plan may not add; `assume_passed` names units to treat as achieved in time (what-if).
    References outside the qualification's pool have no effect. Minimising criteria needs the `catalogue`'s
    units by reference, which declare them. Raises ValueError for an unknown `minimise`, and
    MeasureNotDeclared when minimising credits, GLH or criteria over units that declare none."""
    held = HeldUnits.of(len(q.units), [holdings_of(q, learner, grading.counting(q, counts) if q.grading else counts,
                                                   counts)])
    return plan_many(q, [learner], held, minimise=minimise, exclude=exclude, assume_passed=assume_passed,
                     catalogue=catalogue)[0]


# What decides a learner's plan, in the order `plan_many` tells them apart; the last three are impossible.
_PLANNED, _ACHIEVED, _UNKNOWN, _UNDER_AGE, _NO_FINISH, _TOO_LATE = range(6)
_STATUS_OF = (PlanStatus.PLANNED, PlanStatus.ALREADY_ACHIEVED, PlanStatus.UNDETERMINED, PlanStatus.IMPOSSIBLE,
              PlanStatus.IMPOSSIBLE, PlanStatus.IMPOSSIBLE)


def plan_many(q: CompiledQualification, learners: Sequence[Learner], held: HeldUnits, *,
              minimise: str = "credits", exclude: Collection[str] = (),
              assume_passed: Collection[str] = (), catalogue: Mapping[str, m.Unit] | None = None) -> list[Plan]:
    """The cheapest finish for each learner, as `plan` gives it, from what their records give towards `q`:
    the claims of all of them are chosen together."""
    if q.pathways:  # each pathway's qualification has the same pool, so the same holdings
        return pathways.plans_within(q, learners, lambda target: plan_many(
            target, learners, held, minimise=minimise, exclude=exclude, assume_passed=assume_passed,
            catalogue=catalogue))
    if minimise not in MINIMISABLE:
        raise ValueError(f"cannot minimise {minimise!r}: choose one of {', '.join(MINIMISABLE)}")
    if minimise == CRITERIA and catalogue is None:
        raise ValueError("minimising criteria needs the catalogue's units, which declare them")
    measure = MEASURES.get(minimise)
    assumed, excluded = sorted(_indices(q, assume_passed)), _indices(q, exclude)
    certain, uncertain = held.certain.copy(), held.uncertain.copy()
    grades = None
    if q.grading is not None:  # units held below a pass, where they may not count, are to be taken again
        grades, certain, uncertain = grading.finish_units(q, learners, _deadlines(q, learners), certain, uncertain)
        grades[:, assumed] = np.maximum(grades[:, assumed], grading.PASS)
    certain[:, assumed], uncertain[:, assumed] = True, False
    candidates = ~(certain | uncertain)
    if grades is not None:  # a unit held below a pass may be taken again at P, even where it may count
        candidates |= (certain | uncertain) & (grades < grading.PASS)
    candidates[:, sorted(excluded)] = False
    if q.equivalents is not None:
        candidates[:, q.equivalents.first:] = False  # an equivalent is held by its originals, never taken
    if measure in (m.Measure.GLH, m.Measure.CREDITS):
        _refuse_undeclared(q, candidates, measure)
    if measure is None:
        to_go = criteria_to_go(q, catalogue, learners)
        _refuse_undeclared_criteria(q, candidates, to_go)
        costs = np.maximum(to_go, 0)  # a unit that declares none is never a candidate, so never costed
    else:
        costs = _costs(q, measure)
    implications = _prerequisite_limits(q, held, assumed, candidates, graded=grades is not None)
    age_failed = np.array([ok is False for ok in held.age_ok], dtype=bool)
    age_met = np.array([ok is True for ok in held.age_ok], dtype=bool)

    settled, claims = best_claims(q, certain) if grades is None else grading.best_graded(q, certain, grades)
    searched = ~settled & ~age_failed
    hopeful, hopeful_claims, hopeful_added = _cheapest(
        q, (certain | uncertain)[searched], candidates[searched], _rows(costs, searched),
        None if grades is None else grades[searched], _rows_of(implications, searched))
    finishes = np.zeros(len(learners), dtype=bool)
    finishes[searched] = hopeful
    claims[searched] = hopeful_claims
    # The units each finish adds: those its claim counts, units taken again, prerequisites it need not count.
    added = np.zeros(claims.shape, dtype=bool)
    added[searched] = hopeful_added
    # Prefer a finish that does not depend on the dates the record lacks, when it costs no more.
    relies_on_missing = np.zeros(len(learners), dtype=bool)
    doubted = finishes & uncertain.any(axis=1)
    if doubted.any():
        doubted_costs = _rows(costs, doubted)
        sure, sure_claims, sure_added = _cheapest(q, certain[doubted], candidates[doubted], doubted_costs,
                                                  None if grades is None else grades[doubted],
                                                  _rows_of(implications, doubted))
        relies = ~sure | (_sizes(sure_added, doubted_costs) > _sizes(added[doubted], doubted_costs))
        relies_on_missing[doubted] = relies
        claims[np.flatnonzero(doubted)[~relies]] = sure_claims[~relies]
        added[np.flatnonzero(doubted)[~relies]] = sure_added[~relies]

    deadlines = _deadlines(q, learners)
    passed = [_deadline_passed(learner, deadline) for learner, deadline in zip(learners, deadlines)]
    too_late = finishes & added.any(axis=1) & np.array([p is not None for p in passed], dtype=bool)
    outcomes = np.select([age_failed, settled & age_met, settled, ~finishes, too_late, relies_on_missing | ~age_met],
                         [_UNDER_AGE, _ACHIEVED, _UNKNOWN, _NO_FINISH, _TOO_LATE, _UNKNOWN], _PLANNED)
    claims[outcomes >= _UNDER_AGE] = False  # an impossible plan adds and claims nothing
    added[outcomes >= _UNDER_AGE] = False
    # A unit the finish adds that the record holds graded below a pass (U or N) is taken again, whatever the
    # allowance: one that may not count is not among the units held, but its grade is still the record's.
    retake = added & (grades < grading.PASS) if grades is not None else None
    parts = _claim_parts(q, claims, added, retake)
    spent = _spent(added, costs).tolist()
    impossible: dict[tuple, tuple[str, ...]] = {}
    unknown: dict[tuple[str, ...], tuple[str, ...]] = {}
    plans = []
    for k, (learner, outcome, missing, part) in enumerate(zip(learners, outcomes.tolist(), held.missing, parts)):
        if outcome == _UNKNOWN:
            if missing not in unknown:
                unknown[missing] = tuple(f"the record lacks the {needed}" for needed in missing)
            reasons = unknown[missing]
        elif outcome == _UNDER_AGE:
            reasons = (_age_reason(q, learner, held.failures[k]),)
        elif outcome == _NO_FINISH and grades is not None and _cheapest(
                q, (certain | uncertain)[k:k + 1], candidates[k:k + 1] & ~(certain | uncertain)[k:k + 1],
                _rows(costs, slice(k, k + 1)))[0][0]:
            lowest = q.grading.thresholds[0]  # the rules alone can be met: the points fall short
            reasons = (f"no claim reaches the {lowest.points} points of {lowest.grade} with the units still to be "
                       f"taken passed at P; `plan --target-grade {lowest.grade}` says which grades would",)
        elif outcome == _NO_FINISH:
            reasons = _why_impossible_once(q, impossible, certain[k] | uncertain[k], candidates[k], excluded)
        elif outcome == _TOO_LATE:
            reasons = (passed[k],)
        else:
            reasons = ()
        plans.append(Plan(qan=q.qan, learner=learner.id, status=_STATUS_OF[outcome], minimise=minimise,
                          cost=spent[k], reasons=reasons, deadline=deadlines[k], **part))
    return plans


def _cheapest(q: CompiledQualification, held: "np.ndarray", candidates: "np.ndarray", costs: "np.ndarray",
              grades: "np.ndarray | None" = None, implications: Sequence[tuple[tuple[int, int], ...]] | None = None
              ) -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    """For each row: whether some candidates complete the claim, the claim `cheapest_completion` gives
    (`costs`: of each unit, or for each row of each unit), and the candidates the finish adds; identical rows
    are decided once. For a graded qualification (`grades` of the units held), the claim must also reach the
    pass grade's points, each candidate at P, and a candidate may also be held (below a pass, to take again).
    Otherwise no unit is both. `implications`, for each row: the pairs (b, a) where adding b needs a added too
    (CP-SAT keeps them), a prerequisite the finish adds though its claim may not count it."""
    found = np.zeros(len(held), dtype=bool)
    claims = np.zeros(held.shape, dtype=bool)
    added = np.zeros(held.shape, dtype=bool)
    if not len(held):
        return found, claims, added
    if grades is not None:
        return grading.cheapest_graded(q, held, candidates, grades, costs)
    bound = [row for row, pairs in enumerate(implications or ()) if pairs]
    if bound:
        for row in bound:
            row_costs = costs[row] if costs.ndim == 2 else costs
            solved = cheapest_with_prerequisites(q, np.flatnonzero(held[row]).tolist(),
                                                 np.flatnonzero(candidates[row]).tolist(), row_costs.tolist(),
                                                 implications[row])
            if solved is not None:
                claim, row_added = solved
                found[row], claims[row, list(claim)], added[row, list(row_added)] = True, True, True
        free = np.setdiff1d(np.arange(len(held)), bound)
        found[free], claims[free], added[free] = _cheapest(q, held[free], candidates[free], _rows(costs, free))
        return found, claims, added
    if costs.ndim == 2:
        # Costs that differ between rows (criteria still to go): the rows of each cost row together.
        rows: dict[bytes, list[int]] = {}
        for row, row_costs in enumerate(costs):
            rows.setdefault(row_costs.tobytes(), []).append(row)
        for group in rows.values():
            found[group], claims[group], added[group] = _cheapest(q, held[group], candidates[group], costs[group[0]])
        return found, claims, added
    width = held.shape[1]
    unique, inverse = distinct_rows(np.hstack([held, candidates]))
    unique_held, unique_candidates = unique[:, :width], unique[:, width:]
    if isinstance(q.decision, Decision) and q.decision.compiles_finishes:
        unique_found, unique_claims = q.decision.cheapest(unique_held, unique_candidates, costs)
    else:
        unique_found = np.zeros(len(unique), dtype=bool)
        unique_claims = np.zeros(unique_held.shape, dtype=bool)
        for row, (row_held, row_candidates) in enumerate(zip(unique_held, unique_candidates)):
            claim = cheapest_completion(q, np.flatnonzero(row_held).tolist(),
                                        np.flatnonzero(row_candidates).tolist(), costs.tolist())
            if claim is not None:
                unique_found[row] = True
                unique_claims[row, list(claim)] = True
    claims = unique_claims[inverse]
    return unique_found[inverse], claims, claims & candidates


def _costs(q: CompiledQualification, measure: m.Measure) -> "np.ndarray":
    """What adding each pool unit costs in `measure`. A unit that declares no GLH (or credits) is never a
    candidate when they are minimised (`_refuse_undeclared`), so its cost of 0 is never counted."""
    return np.array([0 if measure is m.Measure.GLH and unit.glh is None else q.measure(measure, i)
                     for i, unit in enumerate(q.units)], dtype=np.int64)


_UNDECLARED = {m.Measure.GLH: ("GLH", "guided learning hours"), m.Measure.CREDITS: ("credits", "credits")}


def _refuse_undeclared(q: CompiledQualification, candidates: "np.ndarray", measure: m.Measure) -> None:
    """MeasureNotDeclared, naming the first learner's candidates that declare no GLH (or credits), if any
    learner has some."""
    undeclared = candidates & np.array([getattr(unit, measure.value) is None for unit in q.units], dtype=bool)
    if undeclared.any():
        refs = [q.units[i].ref for i in np.flatnonzero(undeclared[undeclared.any(axis=1)][0]).tolist()]
        verb = "declares" if len(refs) == 1 else "declare"
        short, long = _UNDECLARED[measure]
        raise MeasureNotDeclared(f"cannot minimise {short}: {word_list(refs, 'and')} {verb} no {long}")


def finish_measure(q: CompiledQualification) -> str:
    """What a finish that names no measure minimises: credits, or GLH for a qualification whose units are sized
    in GLH only (BTEC Nationals), or units when neither is declared for every unit."""
    for name in ("credits", "glh"):
        if all(getattr(unit, name) is not None for unit in q.units):
            return name
    return "units"


def _refuse_undeclared_criteria(q: CompiledQualification, candidates: "np.ndarray", to_go: "np.ndarray") -> None:
    """MeasureNotDeclared, naming the candidates of the first learner who has some that declare no criteria."""
    undeclared = candidates & (to_go < 0)
    if undeclared.any():
        refs = [q.units[i].ref for i in np.flatnonzero(undeclared[undeclared.any(axis=1)][0]).tolist()]
        verb = "declares" if len(refs) == 1 else "declare"
        raise MeasureNotDeclared(f"cannot minimise criteria: {word_list(refs, 'and')} {verb} no assessment criteria")


def _prerequisite_limits(q: CompiledQualification, held: HeldUnits, assumed: Sequence[int], candidates: "np.ndarray",
                         graded: bool) -> list[tuple[tuple[int, int], ...]] | None:
    """Where units have prerequisites, narrow each learner's candidates (a row of `candidates`, in place) to the
    units that can count once added, and give the pairs (b, a) where adding b needs a added too. A graded
    plan cannot keep such pairs, so there a unit is added only when what it requires counts already."""
    if not q.prerequisites:
        return None
    refs = [u.ref for u in q.units]
    assumed_refs = frozenset(refs[i] for i in assumed)
    found = []
    for k, held_refs in enumerate(held.prerequisites_held):
        allowed, pairs = plan_limits(q.prerequisites, {} if graded else q.index, refs, held_refs | assumed_refs,
                                     set(np.flatnonzero(candidates[k]).tolist()))
        candidates[k] = False
        candidates[k, sorted(allowed)] = True
        found.append(tuple(pairs))
    return found


def _rows_of(implications: list | None, rows: "np.ndarray") -> list | None:
    """The implications of the rows a boolean mask selects."""
    return None if implications is None else [implications[k] for k in np.flatnonzero(rows)]


def _rows(costs: "np.ndarray", rows: "np.ndarray") -> "np.ndarray":
    """The costs of these rows: the same for every row, or each row's own."""
    return costs[rows] if costs.ndim == 2 else costs


def _spent(added: "np.ndarray", costs: "np.ndarray") -> "np.ndarray":
    """The total cost of each row's added units."""
    added = added.astype(np.int64)
    return (added * costs).sum(axis=1) if costs.ndim == 2 else added @ costs


def _sizes(added: "np.ndarray", costs: "np.ndarray") -> "np.ndarray":
    """The total cost of each row's added units, then their number, as one comparable number."""
    return _spent(added, costs) * (added.shape[1] + 1) + added.sum(axis=1)


def _deadlines(q: CompiledQualification, learners: Sequence[Learner]) -> list[dt.date | None]:
    """Each learner's completion deadline, when the qualification has a window and the record a registration
    date; worked out once for each registration date."""
    if q.window is None:
        return [None] * len(learners)
    found: dict[dt.date | None, dt.date | None] = {None: None}
    for registered in {learner.registered_on for learner in learners} - {None}:
        found[registered] = add_period(registered, q.window.amount, q.window.unit)
    return [found[learner.registered_on] for learner in learners]


def _claim_parts(q: CompiledQualification, claims: "np.ndarray", added: "np.ndarray",
                 retake: "np.ndarray | None") -> list[dict]:
    """For each row, what a plan says of its claim, the units it adds and those of them taken again;
    identical rows share one."""
    width = len(q.units)
    if retake is None:
        retake = np.zeros(added.shape, dtype=bool)
    unique, inverse = distinct_rows(np.hstack([claims, added, retake]))
    chosen, added, retake = unique[:, :width], unique[:, width:2 * width], unique[:, 2 * width:]
    refs = np.array([unit.ref for unit in q.units], dtype=object)
    glh = [unit.glh for unit in q.units]
    credits = [unit.credits for unit in q.units]
    # Equivalents stand where the units they count as do, as in a verdict's claim.
    ordered = q.equivalents.in_catalogue_order if q.equivalents is not None else tuple
    claims = [ordered(tuple(np.flatnonzero(row).tolist())) for row in chosen]
    shared = []
    for claim, row_added, row_retake, units in zip(claims, added, retake, added.sum(axis=1).tolist()):
        added_indices = np.flatnonzero(row_added).tolist()
        shared.append(dict(add=tuple(refs[row_added].tolist()), retake=tuple(refs[row_retake].tolist()),
                           claim=tuple(refs[i] for i in claim),
                           credits_to_add=declared_total(credits[i] for i in added_indices), units_to_add=units,
                           glh_to_add=declared_total(glh[i] for i in added_indices),
                           equivalents=None if q.equivalents is None else q.equivalents.counted(claim)))
    return [shared[k] for k in inverse.tolist()]


def _why_impossible_once(q: CompiledQualification, found: dict, held: "np.ndarray", candidates: "np.ndarray",
                         excluded: frozenset[int]) -> tuple[str, ...]:
    """`why_impossible`, asked once for each set of units held and candidates."""
    key = (np.flatnonzero(held).tobytes(), np.flatnonzero(candidates).tobytes())
    if key not in found:
        found[key] = tuple(why_impossible(q, frozenset(np.flatnonzero(held).tolist()),
                                          frozenset(np.flatnonzero(candidates).tolist()), excluded))
    return found[key]


def _indices(q: CompiledQualification, refs: Iterable[str]) -> frozenset[int]:
    return frozenset(i for ref in refs if (i := pool_index(q, ref)) is not None)


def _age_reason(q: CompiledQualification, learner: Learner, failure: str | None) -> str:
    """Why a requirement of the learner rather than of units fails: the age rule, else one that reads the
    record's own columns (English and maths), which no unit can change."""
    if q.minimum_age is not None and learner.date_of_birth is not None and learner.registered_on is not None:
        age = age_on(learner.date_of_birth, learner.registered_on)
        if age < q.minimum_age.years:
            return (f"the learner was aged {age} at registration on {learner.registered_on.isoformat()}, "
                    f"and the qualification requires `{rule_text(q.minimum_age)}`")
    return f"no unit can meet this requirement of the learner: {failure}"


def _deadline_passed(learner: Learner, deadline: dt.date | None) -> str | None:
    """The record itself shows the completion deadline has passed when it holds a result dated after it."""
    if deadline is None:
        return None
    latest = max((a.achieved_on for a in learner.attempts if a.achieved_on is not None), default=None)
    if latest is None or latest <= deadline:
        return None
    return (f"the completion deadline was {deadline.isoformat()} and the record has a result dated "
            f"{latest.isoformat()}, so no further unit can be achieved in time")


def why_impossible(q: CompiledQualification, held: frozenset[int], candidates: frozenset[int],
                    excluded: frozenset[int]) -> list[str]:
    """Name the rules that cannot hold together, with the specific shortfall where one rule alone fails."""
    available = held | candidates
    parts = ClaimModel(q, available).conflict()
    assert parts, "an infeasible plan has a conflict among its rules"
    without = [q.units[i].ref for i in sorted(excluded - held)]
    because_excluded = bool(without) and ClaimModel(q, range(len(q.units))).conflict() is None
    tail = f" with {', '.join(without)} excluded" if because_excluded else " even from every unit of the pool"
    if len(parts) == 1 and parts[0].kind is PartKind.MINIMUM:
        requirement = q.requirements[parts[0].requirement]
        assert isinstance(requirement, Linear), "only linear requirements have a minimum"
        most = sum(w for i, w in zip(requirement.members, requirement.weights) if i in available)
        word = measure_word(requirement.measure, requirement.minimum)
        return [f"`{requirement.text}` needs {requirement.minimum} {word}, "
                f"but at most {most} can count{tail}"]
    # Both sides of one `exactly` rule read as the rule once: no set of the units it counts sums to it.
    texts = list(dict.fromkeys(part_text(q, part) for part in parts))
    if len(texts) == 1 and len(parts) == 2:
        return [f"{texts[0]} cannot hold: no set of the units it counts gives exactly that total,{tail}"]
    listed = word_list(texts, "and")
    verb = "cannot hold" if len(texts) == 1 else "cannot all hold" if len(texts) > 2 else "cannot both hold"
    return [f"{listed} {verb}{tail}"]


def part_text(q: CompiledQualification, part: Part) -> str:
    requirement = q.requirements[part.requirement]
    text = f"`{requirement.text}`"
    if isinstance(requirement, Linear) and None not in (requirement.minimum, requirement.maximum) \
            and requirement.minimum != requirement.maximum:
        side = "minimum" if part.kind is PartKind.MINIMUM else "maximum"
        return f"the {side} of {text}"
    return text
