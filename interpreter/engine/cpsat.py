"""Exact claim selection with CP-SAT.

A claim is a set of pool units; each requirement of a compiled qualification becomes linear constraints
over one 0/1 variable per unit a learner could claim. Every top-level requirement is split into parts
(its minimum, its maximum, a barred pair, an `either` block), each guarded by a literal, so that one
model answers three questions:

- `require`: all parts hold (is there a claim that achieves the qualification?);
- `soften`: caps and bars hold, minimums and alternatives are rewarded (which claim comes closest?);
- `conflict`: all parts are assumptions (which rules cannot hold together?).

Objectives are optimised in stages, each stage fixing the optimum of the last, so ties are broken
exactly and deterministically (finally by preferring units earlier in the catalogue).
"""

from __future__ import annotations

import enum
import time
from typing import TYPE_CHECKING, Collection, Iterable, Sequence

import attrs
from qualrules.interpreter.lazy import lazy_module

if TYPE_CHECKING:
    from ortools.sat.python import cp_model
else:
    # OR-Tools takes a third of a second to import (it brings numpy and pandas): load it on the first search,
    # which verdicts on the fast path and commands such as `fmt` and `show` never make.
    cp_model = lazy_module("ortools.sat.python.cp_model")

from qualrules.interpreter import model as m
from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.engine.requirements import Alternatives, Barred, Linear, Requirement, holds

# Tie-break weights are powers of two; chunks keep each stage's objective well inside 64 bits.
_TIE_BREAK_CHUNK = 48


class SolverTimeout(Exception):
    """The model's deadline passed before the solver could answer."""


class PartKind(enum.Enum):
    MINIMUM = "minimum"
    MAXIMUM = "maximum"
    BARRED = "barred"
    EITHER = "either"


@attrs.frozen
class Part:
    requirement: int
    kind: PartKind


class ClaimModel:
    """A CP-SAT model of the claims that can be made from `available` pool units. With a `deadline` (a
    `time.monotonic()` instant) every solve stops there and raises SolverTimeout; without one it runs until
    it has the exact answer."""

    def __init__(self, qualification: CompiledQualification, available: Collection[int],
                 deadline: float | None = None):
        self.qualification = qualification
        self.deadline = deadline
        self.model = cp_model.CpModel()
        self.chosen = {i: self.model.new_bool_var(f"unit_{i}") for i in sorted(available)}
        self.parts: dict[Part, cp_model.IntVar] = {}
        for index, requirement in enumerate(qualification.requirements):
            self._add(requirement, [], index)

    # ---- building --------------------------------------------------------------------------------
    def measure_expr(self, measure: m.Measure, members: Iterable[int] | None = None) -> cp_model.LinearExpr:
        indices = self.chosen if members is None else [i for i in members if i in self.chosen]
        q = self.qualification
        return cp_model.LinearExpr.weighted_sum([self.chosen[i] for i in indices],
                                                [q.measure(measure, i) for i in indices])

    def _literal(self, top: int | None, kind: PartKind) -> list:
        if top is None:
            return []
        literal = self.model.new_bool_var(f"part_{top}_{kind.value}")
        self.parts[Part(top, kind)] = literal
        return [literal]

    def _add(self, requirement: Requirement, enforce: list, top: int | None) -> None:
        if isinstance(requirement, Linear):
            expr = self._linear_expr(requirement)
            if requirement.minimum is not None:
                guard = enforce + self._literal(top, PartKind.MINIMUM)
                self.model.add(expr >= requirement.minimum).only_enforce_if(guard)
            if requirement.maximum is not None:
                guard = enforce + self._literal(top, PartKind.MAXIMUM)
                self.model.add(expr <= requirement.maximum).only_enforce_if(guard)
        elif isinstance(requirement, Barred):
            guard = enforce + self._literal(top, PartKind.BARRED)
            for a, b in self._barred_pairs(requirement):
                self.model.add_bool_or([~self.chosen[a], ~self.chosen[b]]).only_enforce_if(guard)
        elif isinstance(requirement, Alternatives):
            guard = enforce + self._literal(top, PartKind.EITHER)
            options = [self.model.new_bool_var("option") for _ in requirement.options]
            self.model.add_bool_or(options).only_enforce_if(guard)
            for literal, option in zip(options, requirement.options):
                for nested in option:
                    self._add(nested, enforce + [literal], None)
        else:  # pragma: no cover - the compiler produces only the three kinds above
            raise TypeError(requirement)

    def _linear_expr(self, requirement: Linear) -> cp_model.LinearExpr:
        available = [(i, w) for i, w in zip(requirement.members, requirement.weights) if i in self.chosen]
        return cp_model.LinearExpr.weighted_sum([self.chosen[i] for i, _ in available], [w for _, w in available])

    def _barred_pairs(self, requirement: Barred) -> list[tuple[int, int]]:
        return [(a, b) for a in requirement.first if a in self.chosen
                for b in requirement.second if b in self.chosen and b != a]

    def holds(self, requirement: Requirement, kind: PartKind | None = None) -> cp_model.IntVar:
        """A new literal, true exactly when `requirement` holds for the chosen units (for a Linear, only its
        minimum or only its maximum when `kind` says so). It lets a caller ask what-if questions, such as
        whether a rule can fail while every other rule holds."""
        if isinstance(requirement, Linear):
            expr = self._linear_expr(requirement)
            conditions = []
            if requirement.minimum is not None and kind is not PartKind.MAXIMUM:
                conditions.append(self._reified(expr >= requirement.minimum, expr <= requirement.minimum - 1))
            if requirement.maximum is not None and kind is not PartKind.MINIMUM:
                conditions.append(self._reified(expr <= requirement.maximum, expr >= requirement.maximum + 1))
        elif isinstance(requirement, Barred):
            conditions = [~self._all([self.chosen[a], self.chosen[b]]) for a, b in self._barred_pairs(requirement)]
        else:
            options = [self._all([self.holds(nested) for nested in option]) for option in requirement.options]
            conditions = [~self._all([~option for option in options])]
        return self._all(conditions)

    def holds_all(self, requirements: Iterable[Requirement]) -> cp_model.IntVar:
        """A new literal, true exactly when every one of `requirements` holds for the chosen units."""
        return self._all([self.holds(requirement) for requirement in requirements])

    def _reified(self, when_true, when_false) -> cp_model.IntVar:
        literal = self.model.new_bool_var("condition")
        self.model.add(when_true).only_enforce_if(literal)
        self.model.add(when_false).only_enforce_if(~literal)
        return literal

    def _all(self, literals: list) -> cp_model.IntVar:
        """A literal equal to the conjunction of `literals` (true when there are none)."""
        literal = self.model.new_bool_var("all")
        self.model.add_bool_and(literals).only_enforce_if(literal)
        self.model.add_bool_or([~x for x in literals]).only_enforce_if(~literal)
        return literal

    # ---- modes -----------------------------------------------------------------------------------
    def require(self, parts: Iterable[Part] | None = None) -> "ClaimModel":
        """Every part must hold; only `parts` when given (the others are left free)."""
        for part in self.parts if parts is None else parts:
            self.model.add(self.parts[part] == 1)
        return self

    def soften(self) -> cp_model.LinearExpr:
        """Caps and bars become hard; returns the number of minimums and alternatives that hold."""
        rewarded = []
        for part, literal in self.parts.items():
            if part.kind in (PartKind.MAXIMUM, PartKind.BARRED):
                self.model.add(literal == 1)
            else:
                rewarded.append(literal)
        return cp_model.LinearExpr.sum(rewarded)

    # ---- solving ---------------------------------------------------------------------------------
    def tie_break_stages(self) -> list[cp_model.LinearExpr]:
        """Prefer units earlier in the catalogue: lexicographically greatest choice vector."""
        indices = sorted(self.chosen)
        stages = []
        for start in range(0, len(indices), _TIE_BREAK_CHUNK):
            chunk = indices[start:start + _TIE_BREAK_CHUNK]
            weights = [1 << (len(chunk) - 1 - k) for k in range(len(chunk))]
            stages.append(cp_model.LinearExpr.weighted_sum([self.chosen[i] for i in chunk], weights))
        return stages

    def maximise(self, stages: Sequence[cp_model.LinearExpr]) -> tuple[int, ...] | None:
        """Optimise each stage in turn; the chosen pool indices, or None when no claim satisfies the model."""
        solver = self._solver()
        status = self._solve(solver)
        if status == cp_model.INFEASIBLE:
            return None
        for stage in stages:
            self.model.maximize(stage)
            self._hint(solver)
            status = self._solve(solver)
            _expect_optimal(status, solver)
            self.model.add(stage == int(solver.value(stage)))
            self.model.clear_objective()
        if not stages:
            _expect_optimal(status, solver)
        self.solved = solver  # the solution, for callers that read variables of their own
        return tuple(i for i, var in self.chosen.items() if solver.boolean_value(var))

    def _hint(self, solver: cp_model.CpSolver) -> None:
        """Start the next stage from the last solution, set in bulk (a call per unit is slow in Python)."""
        self.model.clear_hints()
        solution = solver.response_proto.solution
        hint = self.model.proto.solution_hint
        indices = [var.index for var in self.chosen.values()]
        hint.vars.extend(indices)
        hint.values.extend(solution[i] for i in indices)

    def conflict(self) -> list[Part] | None:
        """None when all parts can hold together; otherwise a minimal set of parts that cannot."""
        by_literal = {literal.index: part for part, literal in self.parts.items()}
        active = list(self.parts.values())
        if self.feasible_with(active):
            return None
        solver = self._solver()
        self.model.clear_assumptions()
        self.model.add_assumptions(active)
        self._solve(solver)
        core = [lit for lit in active if lit.index in set(solver.sufficient_assumptions_for_infeasibility())]
        core = core or active
        # Deletion filter: drop each part the conflict does not need.
        for literal in list(core):
            trial = [lit for lit in core if lit is not literal]
            if not self.feasible_with(trial):
                core = trial
        self.model.clear_assumptions()
        return [by_literal[lit.index] for lit in core]

    def feasible_with(self, literals: list) -> bool:
        """Whether some claim satisfies the model while every one of `literals` is true."""
        self.model.clear_assumptions()
        self.model.add_assumptions(literals)
        status = self._solve(self._solver())
        self.model.clear_assumptions()
        return status in (cp_model.OPTIMAL, cp_model.FEASIBLE)

    def _solver(self) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        # One worker: deterministic, and these models are far too small to gain from parallel search.
        solver.parameters.num_workers = 1
        if self.deadline is not None:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise SolverTimeout()
            solver.parameters.max_time_in_seconds = remaining
        return solver

    def _solve(self, solver: cp_model.CpSolver) -> int:
        status = solver.solve(self.model)
        # Within a deadline, an unproven optimum (FEASIBLE) is as unfinished as no answer at all.
        if self.deadline is not None and status in (cp_model.UNKNOWN, cp_model.FEASIBLE):
            raise SolverTimeout()
        return status


def _expect_optimal(status: int, solver: cp_model.CpSolver) -> None:
    if status != cp_model.OPTIMAL:
        raise RuntimeError(f"the claim solver stopped without an exact answer ({solver.status_name(status)})")


def best_claim(qualification: CompiledQualification, available: Collection[int]) -> tuple[int, ...] | None:
    """The claim that achieves the qualification with the most credits (ties: earliest units), or None."""
    if holds(qualification.requirements, available):  # no cap or bar binds: the claim is everything
        return tuple(sorted(available))
    claim_model = ClaimModel(qualification, available).require()
    return claim_model.maximise([claim_model.measure_expr(m.Measure.CREDITS), *claim_model.tie_break_stages()])


def closest_claim(qualification: CompiledQualification, available: Collection[int]) -> tuple[int, ...]:
    """For a learner who has not achieved: the claim within every cap and bar that meets the most
    requirements, then counts the most credits (ties: earliest units)."""
    claim_model = ClaimModel(qualification, available)
    met = claim_model.soften()
    claim = claim_model.maximise([met, claim_model.measure_expr(m.Measure.CREDITS),
                                  *claim_model.tie_break_stages()])
    assert claim is not None, "the empty claim satisfies every cap and bar"
    return claim


def cheapest_completion(qualification: CompiledQualification, held: Collection[int], candidates: Collection[int],
                        measure: m.Measure | Sequence[int], deadline: float | None = None) -> tuple[int, ...] | None:
    """The claim from the `held` units plus some `candidates` that achieves the qualification while using
    the least total `measure` of candidates (a measure of the units, or a cost for each pool unit); ties go
    to fewer candidates, then the claim with the most credits, then earliest units. None when no choice of
    candidates would do."""
    claim_model = ClaimModel(qualification, set(held) | set(candidates), deadline).require()
    extra = sorted(candidates)
    cost = (claim_model.measure_expr(measure, extra) if isinstance(measure, m.Measure) else
            cp_model.LinearExpr.weighted_sum([claim_model.chosen[i] for i in extra], [measure[i] for i in extra]))
    return claim_model.maximise([
        -cost,
        -claim_model.measure_expr(m.Measure.UNITS, extra),
        claim_model.measure_expr(m.Measure.CREDITS),
        *claim_model.tie_break_stages(),
    ])


def cheapest_with_prerequisites(qualification: CompiledQualification, held: Collection[int],
                                candidates: Collection[int], costs: Sequence[int],
                                implications: Iterable[tuple[int, int]]) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """As `cheapest_completion` with a cost for each pool unit, where adding candidate b needs candidate a added
    too, for each pair (b, a): a prerequisite, which must be achieved first but need not count. The claim and
    the candidates added (those it counts and the prerequisites they need), or None."""
    claim_model = ClaimModel(qualification, set(held) | set(candidates)).require()
    model, chosen = claim_model.model, claim_model.chosen
    ordered = sorted(candidates)
    added = {i: model.new_bool_var(f"added_{i}") for i in ordered}
    for i in ordered:
        model.add(chosen[i] <= added[i])
    for b, a in implications:
        model.add(added[b] <= added[a])
    claim = claim_model.maximise([
        -cp_model.LinearExpr.weighted_sum([added[i] for i in ordered], [costs[i] for i in ordered]),
        -cp_model.LinearExpr.sum([added[i] for i in ordered]),
        claim_model.measure_expr(m.Measure.CREDITS),
        *claim_model.tie_break_stages(),
    ])
    if claim is None:
        return None
    return claim, tuple(i for i in ordered if claim_model.solved.boolean_value(added[i]))
