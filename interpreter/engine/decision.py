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
    # numpy comes with OR-Tools; commands such as `fmt` and `show` never need it.
    np = lazy_module("numpy")

# Beyond this many states CP-SAT is the better engine: the tables grow with the product of the totals.
MAX_STATES = 4096
# Memory for one chunk's tables; learners are decided in chunks that fit it.
CHUNK_BYTES = 48 << 20


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
        per_learner = (len(self.credits) + 1) * thresholds * (self.states + 1) * self.words * 8
        size = max(1, CHUNK_BYTES // per_learner)
        for start in range(0, len(rows), size):
            yield rows[start:start + size]

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
            moved &= np.where(holders, np.uint64(0xFFFFFFFFFFFFFFFF), np.uint64(0))[:, None, None, None]
            layers.append(after | moved)
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


def _shift_left(bitsets: "np.ndarray", amount: int, width: int) -> "np.ndarray":
    """Each multi-word bitset (last axis: words, least significant first) shifted up by `amount`, cut to `width`."""
    words = bitsets.shape[-1]
    whole, part = divmod(amount, 64)
    out = np.zeros_like(bitsets)
    if whole < words:
        if part == 0:
            out[..., whole:] = bitsets[..., :words - whole]
        else:
            out[..., whole:] = bitsets[..., :words - whole] << np.uint64(part)
            if words - whole > 1:
                out[..., whole + 1:] |= bitsets[..., :words - whole - 1] >> np.uint64(64 - part)
    spare = words * 64 - width
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
