"""Exact claims without search: a qualification compiled once into a dynamic programme over the few numbers
its rules constrain, run for many learners at once with numpy.

It covers qualifications whose requirements are all sums (`Linear`: credit, unit, GLH and TQT totals, group
minimums and caps, level thresholds, `all of`, `choose N of`); `either` blocks and `not both` bars are left
to CP-SAT (`cpsat.py`). The answers are the same as CP-SAT's, tie-breaks included (docs/semantics.md):

- a *state* holds one running total per constraining rule, in steps of the gcd of its weights: exact up to
  the rule's maximum (a total past it is no claim), or saturating at its minimum when it has no maximum;
- credit totals over the whole pool are not states: they are the bits of a bitset, so a state's value is
  the set of credit totals its claims can reach;
- `V[i][s]` is the set of credit totals that units i.. can still add from state s and end in an accepted
  state; it is computed from the last unit back, so the claim can then be read forwards, taking each unit
  (in catalogue order) whenever the best total can still be reached with it: the lexicographically
  greatest optimal claim, which is the semantics' tie-break;
- the closest claim (for a learner who has not achieved) keeps every cap, and maximises the number of
  minimums met, then credits: "accepted" becomes "meets at least j of the minimums the states track", for
  each j at once, and each credit minimum met adds one more.

The cheapest finish (docs/planning.md) is the same programme with sums instead of bitsets: the claim from the
units held plus some candidates that adds the least cost, then the fewest candidates, then counts the most
credits, then prefers earlier units, as `cpsat.cheapest_completion` gives it.

- the three objectives become one sum over the units claimed (`_finish_weights`), each outweighing any
  difference in the next, so a cell (state, credit total) holds the least sum that units i.. can still add
  from it and end where every rule is met; the claim is read forwards as above;
- the credit total is a dimension of the cells: exact up to the cap, or saturating at the minimum;
- without caps every unit held is in the finish (it never breaks a rule, costs nothing and adds credits), so
  a learner's search starts from the cell of the units held and only the cells above it are computed, for
  all learners who start there at once: near-complete learners search a few cells, not all of them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

import attrs

from qualrules.interpreter import model as m
from qualrules.interpreter.engine.requirements import Linear, Requirement
from qualrules.interpreter.lazy import lazy_module

if TYPE_CHECKING:
    import numpy as np
else:
    # Loaded on first use: commands such as `fmt` and `show` never need numpy.
    np = lazy_module("numpy")

# Beyond this many states CP-SAT is the better engine: the tables grow with the product of the totals.
MAX_STATES = 4096
# Memory for one chunk's tables; learners are decided in chunks that fit it.
CHUNK_BYTES = 48 << 20
# Beyond this many cells (states x credit totals) a cheapest finish is left to CP-SAT.
MAX_FINISH_CELLS = 1 << 15


@attrs.frozen
class Dimension:
    """One rule's running total, in steps of `step`."""

    members: tuple[int, ...]
    weights: tuple[int, ...]  # divided by `step`
    size: int  # totals 0 .. size - 1
    saturating: bool  # True: size - 1 means "at least"; False: a total past size - 1 is no claim
    goal: int | None  # the minimum the rule sets, in steps; None when it sets none that can fail


@attrs.frozen
class Unsupported:
    """Why a qualification is decided by CP-SAT instead."""

    reason: str


class Decision:
    """The compiled decision procedure for one qualification's requirements."""

    def __init__(self, credits: Sequence[int], dimensions: Sequence[Dimension], credit_minimums: Sequence[int],
                 credit_maximum: int | None, impossible: bool):
        self.credits = tuple(credits)
        self.dimensions = tuple(dimensions)
        # Every minimum over the pool's credit total (each is one rule for the closest claim's count).
        self.credit_minimums = tuple(sorted(credit_minimums))
        self.credit_maximum = credit_maximum
        # A rule no claim can meet (a minimum above what its units add up to): nobody achieves.
        self.impossible = impossible
        self.states = math.prod(d.size for d in self.dimensions)
        self.goals = sum(d.goal is not None for d in self.dimensions)
        reachable = sum(self.credits)
        self.totals = (reachable if credit_maximum is None else min(reachable, credit_maximum)) + 1
        self.words = (self.totals + 63) // 64
        # Without a cap, claiming more never breaks a rule: every unit held is the best and the closest claim.
        self.capped = credit_maximum is not None or any(not d.saturating for d in self.dimensions)
        self._tables = None
        self._finish_tables_cache = None

    @property
    def description(self) -> str:
        return (f"compiled: {self.states} state{'s' if self.states != 1 else ''} "
                f"over credit totals 0 to {self.totals - 1}")

    # ---- tables ------------------------------------------------------------------------------------
    def tables(self):
        """(transitions, met): for each unit, the state each state moves to when the unit is claimed (the
        sentinel `states` for no claim); and for each state, how many goals it meets."""
        if self._tables is None:
            index = np.arange(self.states)
            stride, values = 1, []
            for d in self.dimensions:
                values.append((index // stride) % d.size)
                stride *= d.size
            met = np.zeros(self.states + 1, dtype=np.int64)
            for d, value in zip(self.dimensions, values):
                if d.goal is not None:
                    met[:-1] += value >= d.goal
            transitions = np.empty((len(self.credits), self.states + 1), dtype=np.int64)
            for unit in range(len(self.credits)):
                target = index.copy()
                valid = np.ones(self.states, dtype=bool)
                stride = 1
                for d, value in zip(self.dimensions, values):
                    if unit in d.members:
                        moved = value + d.weights[d.members.index(unit)]
                        if d.saturating:
                            moved = np.minimum(moved, d.size - 1)
                        else:
                            valid &= moved < d.size
                        target = target + (moved - value) * stride
                    stride *= d.size
                transitions[unit, :-1] = np.where(valid, target, self.states)
                transitions[unit, -1] = self.states
            self._tables = (transitions, met)
        return self._tables

    # ---- deciding ------------------------------------------------------------------------------------
    def best(self, available: "np.ndarray") -> tuple["np.ndarray", "np.ndarray"]:
        """For each row of `available` (learners x pool units, bool): whether some claim meets every rule,
        and the claim with the most credits, ties to units earlier in the catalogue (all False if none)."""
        found = np.zeros(len(available), dtype=bool)
        claims = np.zeros(available.shape, dtype=bool)
        if self.impossible:
            return found, claims
        within, met = self._everything(available)
        # When claiming every unit held meets every rule, nothing counts more credits or comes earlier.
        found[met], claims[met] = True, available[met]
        searched = np.flatnonzero(~met) if self.capped else np.zeros(0, dtype=np.int64)
        low = self.credit_minimums[-1] if self.credit_minimums else 0
        thresholds = (self.goals,)
        for rows in self._chunks(searched, len(thresholds)):
            layers = self._layers(available[rows], thresholds)
            bits = self._top_bits(layers)[:, 0, :]
            bits[:, :low] = False
            chunk_found = bits.any(axis=1)
            best_total = self.totals - 1 - np.argmax(bits[:, ::-1], axis=1)
            level = np.zeros(len(bits), dtype=np.int64)
            chunk_claims = self._read_claims(layers, available[rows], level, best_total)
            found[rows] = chunk_found
            claims[rows] = chunk_claims & chunk_found[:, None]
        return found, claims

    def closest(self, available: "np.ndarray") -> "np.ndarray":
        """For each row: the claim within every cap that meets the most minimums, then counts the most credits
        (ties to units earlier in the catalogue)."""
        within, _ = self._everything(available)
        # Within every cap, claiming everything held meets the most minimums and counts the most credits.
        claims = np.where(within[:, None], available, False)
        searched = np.flatnonzero(~within)
        thresholds = tuple(range(self.goals + 1))
        credit_met = np.searchsorted(np.array(self.credit_minimums, dtype=np.int64),
                                     np.arange(self.totals), side="right")
        # Rules met by a claim at threshold j with total t: at least j + credit_met[t]; ranked, then by credits.
        rank = (np.array(thresholds)[:, None] + credit_met[None, :]) * self.totals + np.arange(self.totals)[None, :]
        for rows in self._chunks(searched, len(thresholds)):
            layers = self._layers(available[rows], thresholds)
            bits = self._top_bits(layers)
            scored = np.where(bits, rank[None, :, :], -1).reshape(len(bits), -1)
            best = np.argmax(scored, axis=1)
            level, total = np.divmod(best, self.totals)
            claims[rows] = self._read_claims(layers, available[rows], level, total)
        return claims

    # ---- the cheapest finish -------------------------------------------------------------------------
    @property
    def finish_totals(self) -> int:
        """The credit totals a cheapest finish tracks: exact up to the cap, or saturating at the minimum."""
        if self.credit_maximum is not None:
            return self.totals
        return (self.credit_minimums[-1] if self.credit_minimums else 0) + 1

    @property
    def finish_cells(self) -> int:
        """The cells of a cheapest finish's tables: states x credit totals."""
        return self.states * self.finish_totals

    @property
    def compiles_finishes(self) -> bool:
        """Whether `cheapest` is the engine for this qualification's cheapest finishes (else CP-SAT)."""
        return self.finish_cells <= MAX_FINISH_CELLS

    def cheapest(self, held: "np.ndarray", candidates: "np.ndarray",
                 costs: Sequence[int]) -> tuple["np.ndarray", "np.ndarray"]:
        """For each row of `held` and `candidates` (learners x pool units, bool, never both): whether some claim
        from the units held and some candidates meets every rule, and the claim that adds the least total of
        `costs` (one per pool unit) in candidates, then the fewest candidates, then counts the most credits,
        ties to units earlier in the catalogue (all False if none)."""
        found = np.zeros(len(held), dtype=bool)
        claims = np.zeros(held.shape, dtype=bool)
        if self.impossible or not len(held):
            return found, claims
        moves, ends = self.finish_tables()
        weights, infinity = self._finish_weights(held, candidates, costs)
        starts = self._finish_starts(held)
        # Learners who start from one state are searched together, over the cells above the least total
        # among them; each reads its claim from its own cell, the same state with its own total.
        order = np.argsort(starts, kind="stable")
        start_states = starts[order] // self.finish_totals
        for group in np.split(order, np.flatnonzero(np.diff(start_states)) + 1):
            corner = int(starts[group[0]])
            box_moves, box_ends = self._box_tables(corner, moves, ends)
            per_learner = (len(self.credits) + 1) * (len(box_ends) + 1) * weights.itemsize
            for rows in _chunked(group, per_learner):
                layers = self._finish_layers(weights[rows], box_moves, box_ends, infinity)
                found[rows], claims[rows] = self._read_finish(layers, weights[rows], box_moves, infinity,
                                                              starts[rows] - corner)
        if not self.capped:
            claims |= held & found[:, None]
        return found, claims

    def _finish_weights(self, held: "np.ndarray", candidates: "np.ndarray",
                        costs: Sequence[int]) -> tuple["np.ndarray", int]:
        """What claiming each unit adds to the one sum a cheapest finish minimises, per learner: a candidate's
        cost outweighs any number of candidates, and one candidate more outweighs any credit total; every unit
        claimed takes its credits off (the most credits is best). A unit that cannot be claimed weighs
        `infinity`, which no claim reaches; without caps that includes the units held, claimed from the start."""
        credits = np.array(self.credits, dtype=np.int64)
        costs = np.asarray(costs, dtype=np.int64)
        per_candidate = int(credits.sum()) + 1
        per_cost = (len(credits) + 1) * per_candidate
        largest = int(costs.sum()) * per_cost + len(credits) * per_candidate
        # int32 tables are half the memory and twice the speed; the sums must stay well inside them.
        dtype, infinity = (np.int32, 1 << 29) if largest < 1 << 28 else (np.int64, 1 << 61)
        claimable_held = held if self.capped else np.zeros_like(held)
        weights = np.where(candidates, costs * per_cost + per_candidate - credits,
                           np.where(claimable_held, -credits, infinity))
        return weights.astype(dtype), infinity

    def _finish_starts(self, held: "np.ndarray") -> "np.ndarray":
        """The cell each learner's search starts from. Without caps, claiming a unit held never breaks a rule
        and adds credits at no cost, so the cheapest finish claims them all: it starts from their cell, and
        only the cells above it (every total at least as high) are searched. With caps it starts from nothing."""
        if self.capped:
            return np.zeros(len(held), dtype=np.int64)
        counted = held.astype(np.int64)
        state, stride = np.zeros(len(held), dtype=np.int64), 1
        for d in self.dimensions:
            total = counted[:, list(d.members)] @ np.array(d.weights, dtype=np.int64)
            state += np.minimum(total, d.size - 1) * stride
            stride *= d.size
        total = np.minimum(counted @ np.array(self.credits, dtype=np.int64), self.finish_totals - 1)
        return state * self.finish_totals + total

    def finish_tables(self) -> tuple["np.ndarray", "np.ndarray"]:
        """(moves, ends): for each unit, the cell (state x totals + credit total) each cell moves to when the
        unit is claimed, the sentinel `finish_cells` for no claim; and the cells where a claim meets every rule."""
        if self._finish_tables_cache is None:
            transitions, met = self.tables()
            totals, cells = self.finish_totals, self.finish_cells
            state, total = np.divmod(np.arange(cells), totals)
            moves = np.full((len(self.credits), cells + 1), cells, dtype=np.intp)
            for unit, credit in enumerate(self.credits):
                target = transitions[unit][state]
                moved = total + credit
                if self.credit_maximum is None:
                    moved = np.minimum(moved, totals - 1)
                valid = (target < self.states) & (moved < totals)
                moves[unit, :-1] = np.where(valid, target * totals + moved, cells)
            low = self.credit_minimums[-1] if self.credit_minimums else 0
            ends = (met[state] == self.goals) & (total >= low)
            self._finish_tables_cache = (moves, ends)
        return self._finish_tables_cache

    def _box_tables(self, start: int, moves: "np.ndarray", ends: "np.ndarray") -> tuple["np.ndarray", "np.ndarray"]:
        """`moves` and `ends` over the cells at or above `start` in every total, renumbered from 0 (`start`
        itself, then the cells of its state with higher credit totals); claims only add, so they never leave
        these cells. From cell 0 that is every cell."""
        state, total = divmod(start, self.finish_totals)
        states, stride = np.zeros(1, dtype=np.intp), 1
        for d in self.dimensions:
            value = state // stride % d.size
            states = np.add.outer(np.arange(value, d.size) * stride, states).ravel()
            stride *= d.size
        box = np.add.outer(states * self.finish_totals, np.arange(total, self.finish_totals)).ravel()
        position = np.full(self.finish_cells + 1, len(box), dtype=np.intp)
        position[box] = np.arange(len(box))
        box_moves = np.full((len(self.credits), len(box) + 1), len(box), dtype=np.intp)
        box_moves[:, :-1] = position[moves[:, box]]
        return box_moves, ends[box]

    def _finish_layers(self, weights: "np.ndarray", moves: "np.ndarray", ends: "np.ndarray", infinity: int) -> list:
        """F[0..n] for these learners, (learners, cells + 1) each: the least sum that units i.. can add from
        each cell and end where a claim meets every rule (`infinity` or more when none can)."""
        final = np.append(np.where(ends, 0, infinity), infinity).astype(weights.dtype)
        layers = [np.broadcast_to(final, (len(weights), len(final)))]
        for unit in range(len(self.credits) - 1, -1, -1):
            after = layers[-1]
            weight = weights[:, unit]
            if (weight >= infinity).all():
                layers.append(after)
                continue
            taken = after[:, moves[unit]]
            taken += weight[:, None]
            np.minimum(taken, after, out=taken)
            taken[:, -1] = infinity  # claiming a unit never leaves the sentinel "no claim"
            layers.append(taken)
        layers.reverse()
        return layers

    def _read_finish(self, layers: list, weights: "np.ndarray", moves: "np.ndarray", infinity: int,
                     starts: "np.ndarray") -> tuple["np.ndarray", "np.ndarray"]:
        """Forwards through the units from each learner's start cell: take each unit whenever the least sum can
        still be reached with it."""
        learners = np.arange(len(weights))
        cell = starts.astype(np.intp)
        remaining = layers[0][learners, cell].astype(np.int64)
        # Sums reached only through `infinity` stay above half of it: the weights of a claim are far smaller.
        found = remaining < infinity // 2
        claims = np.zeros(weights.shape, dtype=bool)
        for unit in range(len(self.credits)):
            moved = moves[unit][cell]
            weight = weights[:, unit].astype(np.int64)
            take = found & (layers[unit + 1][learners, moved] + weight == remaining)
            claims[:, unit] = take
            cell = np.where(take, moved, cell)
            remaining = np.where(take, remaining - weight, remaining)
        return found, claims

    def _everything(self, available: "np.ndarray") -> tuple["np.ndarray", "np.ndarray"]:
        """For the claim of every unit held: whether it keeps every cap, and whether it meets every rule."""
        counted = available.astype(np.int64)
        credits = counted @ np.array(self.credits, dtype=np.int64)
        within = credits <= (self.credit_maximum if self.credit_maximum is not None else credits.max(initial=0))
        met = within & (credits >= (self.credit_minimums[-1] if self.credit_minimums else 0))
        for d in self.dimensions:
            total = counted[:, list(d.members)] @ np.array(d.weights, dtype=np.int64)
            if not d.saturating:
                within &= total < d.size
            if d.goal is not None:
                met &= total >= d.goal
        return within, met & within

    def _chunks(self, rows: "np.ndarray", thresholds: int):
        """`rows` in groups whose tables fit in CHUNK_BYTES."""
        return _chunked(rows, (len(self.credits) + 1) * thresholds * (self.states + 1) * self.words * 8)

    def _layers(self, available: "np.ndarray", thresholds: tuple[int, ...]) -> list:
        """V[0..n] for these learners: arrays (learners, thresholds, states + 1, words) of uint64 bitsets."""
        transitions, met = self.tables()
        learners = len(available)
        last = np.zeros((learners, len(thresholds), self.states + 1, self.words), dtype=np.uint64)
        for k, threshold in enumerate(thresholds):
            last[:, k, :, 0] = np.where(met >= threshold, 1, 0).astype(np.uint64)[None, :]
        last[:, :, self.states, :] = 0
        layers = [last]
        for unit in range(len(self.credits) - 1, -1, -1):
            after = layers[-1]
            holders = available[:, unit]
            if not holders.any():
                layers.append(after)
                continue
            moved = _shift_left(after[:, :, transitions[unit], :], self.credits[unit], self.totals)
            moved[~holders] = 0
            moved |= after
            layers.append(moved)
        layers.reverse()
        return layers

    def _top_bits(self, layers: list) -> "np.ndarray":
        """The credit totals reachable from the empty claim: (learners, thresholds, totals) bool."""
        top = np.ascontiguousarray(layers[0][:, :, 0, :]).astype("<u8")
        bits = np.unpackbits(top.view(np.uint8), axis=-1, bitorder="little")
        return bits[:, :, :self.totals].astype(bool)

    def _read_claims(self, layers: list, available: "np.ndarray", level: "np.ndarray",
                     total: "np.ndarray") -> "np.ndarray":
        """Forwards through the units: take each one whenever the chosen total can still be reached with it."""
        transitions, _ = self.tables()
        learners = np.arange(len(available))
        state = np.zeros(len(available), dtype=np.int64)
        remaining = total.astype(np.int64)
        claims = np.zeros(available.shape, dtype=bool)
        for unit, credit in enumerate(self.credits):
            moved = transitions[unit][state]
            need = remaining - credit
            possible = available[:, unit] & (moved != self.states) & (need >= 0)
            need = np.maximum(need, 0)
            word = layers[unit + 1][learners, level, moved, need // 64]
            reachable = ((word >> (need % 64).astype(np.uint64)) & np.uint64(1)).astype(bool)
            take = possible & reachable
            claims[:, unit] = take
            state = np.where(take, moved, state)
            remaining = np.where(take, need, remaining)
        return claims


def _chunked(rows: "np.ndarray", per_learner: int):
    """`rows` in groups whose tables, `per_learner` bytes each, fit in CHUNK_BYTES."""
    size = max(1, CHUNK_BYTES // per_learner)
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _shift_left(bitsets: "np.ndarray", amount: int, width: int) -> "np.ndarray":
    """Each multi-word bitset (last axis: words, least significant first) shifted up by `amount`, cut to
    `width`; a one-word `bitsets` is shifted in place."""
    words = bitsets.shape[-1]
    spare = words * 64 - width
    if words == 1:
        # One word (credit totals up to 63): a plain shift, the most common case by far.
        if amount >= 64:
            return np.zeros_like(bitsets)
        bitsets <<= np.uint64(amount)
        bitsets &= np.uint64((1 << (64 - spare)) - 1)
        return bitsets
    whole, part = divmod(amount, 64)
    out = np.zeros_like(bitsets)
    if whole < words:
        if part == 0:
            out[..., whole:] = bitsets[..., :words - whole]
        else:
            out[..., whole:] = bitsets[..., :words - whole] << np.uint64(part)
            if words - whole > 1:
                out[..., whole + 1:] |= bitsets[..., :words - whole - 1] >> np.uint64(64 - part)
    if spare:
        out[..., -1] &= np.uint64((1 << (64 - spare)) - 1)
    return out


def compile_decision(credits: Sequence[int], requirements: Sequence[Requirement]) -> Decision | Unsupported:
    """The decision procedure for a pool with these credit values and requirements, or why there is none."""
    pool = frozenset(range(len(credits)))
    dimensions: list[Dimension] = []
    credit_minimums: list[int] = []
    credit_maximum: int | None = None
    impossible = False
    for requirement in requirements:
        if not isinstance(requirement, Linear):
            kind = "an `either` block" if hasattr(requirement, "options") else "a `not both` bar"
            return Unsupported(f"{kind} needs CP-SAT")
        if requirement.measure is m.Measure.CREDITS and frozenset(requirement.members) == pool:
            if requirement.minimum is not None:
                credit_minimums.append(requirement.minimum)
            if requirement.maximum is not None:
                credit_maximum = requirement.maximum if credit_maximum is None else min(credit_maximum,
                                                                                        requirement.maximum)
            continue
        dimension, never = _dimension(requirement)
        impossible |= never
        if dimension is not None:
            dimensions.append(dimension)
    if credit_maximum is not None and credit_minimums and max(credit_minimums) > credit_maximum:
        impossible = True
    if credit_minimums and max(credit_minimums) > sum(credits):
        impossible = True
    decision = Decision(credits, dimensions, credit_minimums, credit_maximum, impossible)
    if decision.states > MAX_STATES:
        return Unsupported(f"{decision.states} states are more than the compiled engine keeps")
    return decision


def _dimension(requirement: Linear) -> tuple[Dimension | None, bool]:
    """The running total a rule needs (None when it can never fail), and whether no claim can meet it."""
    weights = requirement.weights
    step = math.gcd(*weights) or 1
    scaled = tuple(w // step for w in weights)
    reachable = sum(scaled)
    goal = None if requirement.minimum is None else -(-requirement.minimum // step)
    cap = None if requirement.maximum is None else requirement.maximum // step
    if goal is not None and goal <= 0:
        goal = None
    if cap is not None and cap >= reachable:
        cap = None  # a cap the rule's own units cannot pass never binds
    never = goal is not None and goal > (reachable if cap is None else cap)
    if cap is None:
        if goal is None or never:
            return None, never  # nothing to track: the rule always holds, or never does whatever is claimed
        return Dimension(requirement.members, scaled, goal + 1, True, goal), False
    # A cap binds: track the exact total; a goal past the cap is simply never met.
    return Dimension(requirement.members, scaled, cap + 1, False, goal), never
