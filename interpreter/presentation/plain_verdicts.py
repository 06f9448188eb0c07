"""The JSON verdicts of a block of plain learners (`records.columnar`), made together from pieces rather than
learner by learner.

A plain learner's verdict depends only on the pool units they achieved and the units they only attempted.
When a qualification's requirements are all sums (no `either` block, no bar) and it is not graded, the text
of a verdict is a run of pieces that each depend on little: the claim's credits and GLH; each unit the
claim counts; the rules it falls short of; each unit held and left out, with the claim's totals under the
caps (which say why); each unit only attempted, with its last result word. The claims of the whole block
are chosen at once (`claims.best_claims`, and `claims.closest_claims` for units that meet no claim); each
piece is made once per worker, in the verdict's own layout (`check_table`) and the evaluator's own words
(`Explanations`); a learner's text is the pieces named by their row of a matrix. The rules a claim falls
short of are told from one learner for all whose claims give the same totals and the same reasons
(`PlainVerdicts._shortfall_keys`). A learner too young for the age rule is told the same way, with the age
rule unmet after any other."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

from qualrules.interpreter import model as m
from qualrules.interpreter.engine.claims import best_claims, closest_claims
from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.engine.evaluator import Explanations, Status, age_detail, not_achieved
from qualrules.interpreter.engine.requirements import Linear
from qualrules.interpreter.lazy import lazy_module
from qualrules.interpreter.presentation.check_table import (
    EMPTY_LIST, LIST_END, MISSING, SET_ASIDE, UNMET, VERDICT_END, figures_text, set_aside_item, string_item,
    verdict_head,
)

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")


# Sets of units only attempted, each with its pieces, kept at most (their pieces are kept whatever).
ATTEMPTS_KEPT = 10_000


class Pieces:
    """Texts by number, each kept once; 0 is the empty text. The texts are made from a qualification's units,
    rules and result words, so they are few whatever the number of learners. Numbers below 0 name the texts
    of one block (`join`'s `extra`): its learners' ids, say."""

    def __init__(self):
        self.texts = [""]
        self._numbers = {"": 0}
        self._array: "np.ndarray | None" = None

    def number(self, text: str) -> int:
        found = self._numbers.get(text)
        if found is None:
            found = self._numbers[text] = len(self.texts)
            self.texts.append(text)
        return found

    def join(self, numbers: "np.ndarray", extra: Sequence[str]) -> str:
        """The texts the numbers name, in row order; number -1 - k names `extra[k]`."""
        numbers = numbers.ravel()
        numbers = numbers[numbers != 0]
        if self._array is None or len(self._array) < len(self.texts):
            self._array = np.array(self.texts, dtype=object)
        texts = np.concatenate([self._array, np.array(extra, dtype=object)])
        return "".join(texts[np.where(numbers < 0, len(self._array) - 1 - numbers, numbers)].tolist())


class PlainVerdicts:
    """The pieces of one qualification's verdicts, made as they are first needed."""

    def __init__(self, qualification: CompiledQualification, explanations: Explanations, pieces: Pieces):
        self.q = qualification
        self.explanations = explanations
        self.pieces = pieces
        number = pieces.number
        self.units = np.array([[number(string_item(ref, first)) for ref in explanations.refs]
                               for first in (False, True)], dtype=np.int64)
        # By whether the claim counts any unit: the end of its units, the empty unmet and missing lists.
        self.middle = np.array([number(end + UNMET + EMPTY_LIST + MISSING + EMPTY_LIST + SET_ASIDE)
                                for end in (EMPTY_LIST, LIST_END)], dtype=np.int64)
        # By whether any unit is set aside.
        self.close = np.array([number(end + VERDICT_END) for end in (EMPTY_LIST, LIST_END)], dtype=np.int64)
        self._heads: dict[tuple[bool, int | None, int | None], int] = {}
        self._left_out: dict[tuple[tuple[int, ...], int, bool], int] = {}
        self._attempted: dict[tuple[tuple, bool], list[int]] = {}
        self._short: dict[tuple[int, ...], tuple[int, tuple[str, ...]]] = {}

    @staticmethod
    def covers(qualification: CompiledQualification) -> bool:
        """Whether the pieces tell this qualification's verdicts whole."""
        return (qualification.grading is None and qualification.fallback is None
                and all(isinstance(r, Linear) for r in qualification.requirements))

    def rows(self, held: "np.ndarray", attempted: Sequence[tuple[tuple[str, str], ...]],
             young: Mapping[int, tuple[int, int]], block_text: Callable[[str], int]
             ) -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
        """For plain learners achieving the pool units of each row of `held`, only attempting `attempted` and,
        by row, too young for the age rule at the age and on the day of registration (an ordinal) in `young`
        (`ColumnHoldings`): the numbers of each one's verdict text after their id; whether the numbers tell
        it (a learner too young whose claim meets every rule but counts no unit has a row of zeros); and
        whether they achieve. `block_text` numbers a text of this block alone."""
        count, width = held.shape
        too_young = np.zeros(count, dtype=bool)
        too_young[list(young)] = True
        found, claims = best_claims(self.q, held)
        short = ~found
        if short.any():
            claims[short] = closest_claims(self.q, held[short])
        sums, no_credits, no_glh = self.explanations.sums(claims)
        left = held & ~claims
        counted = claims.any(axis=1)
        most = max(map(len, attempted), default=0)
        numbers = np.zeros((count, 2 + 2 * width + most + 1), dtype=np.int64)
        # Whether they achieve, the claim's credits and its GLH (or that a unit it counts declares none).
        numbers[:, 0] = self._numbered(
            np.stack([found & ~too_young, sums[:, -2], sums[:, -1], no_credits, no_glh], axis=1),
            lambda a, c, g, nc, ng: self._head(bool(a), None if nc else c, None if ng else g))
        numbers[:, 1:1 + width] = np.where(claims, self.units[(np.cumsum(claims, axis=1) == 1).astype(np.int64),
                                                                np.arange(width)], 0)
        numbers[:, 1 + width] = self.middle[counted.astype(np.int64)]
        caps = list(self.explanations.caps)
        if left.any():
            # A unit left out is named with what decides why: the claim's totals under the caps.
            rows, units = np.nonzero(left)
            first = (np.cumsum(left, axis=1) == 1)[rows, units]
            keys = np.column_stack([sums[rows][:, caps], units, first])
            numbers[rows, 2 + width + units] = self._numbered(
                keys, lambda *key: self._left_out_piece(tuple(key[:-2]), key[-2], bool(key[-1])))
        after, any_left = 2 + 2 * width, left.any(axis=1)
        tried = np.array([bool(units) for units in attempted], dtype=bool)
        for row in np.flatnonzero(tried).tolist():
            units = attempted[row]
            numbers[row, after:after + len(units)] = self._attempted_pieces(units, bool(any_left[row]))
        numbers[:, -1] = self.close[(any_left | tried).astype(np.int64)]
        shortfalls: dict[int, tuple[str, ...]] = {}
        if short.any():
            # Units that meet no claim: the closest claim, and the rules it falls short of.
            rows = np.flatnonzero(short)
            keys = np.column_stack([counted[rows], self._shortfall_keys(held[rows], claims[rows], sums[rows])])
            distinct, inverse = _distinct(keys)
            made = [self._short_middle(tuple(keys[k].tolist()), held[rows[k]], claims[rows[k]]) for k in distinct]
            numbers[rows, 1 + width] = np.array([piece for piece, _ in made], dtype=np.int64)[inverse]
            shortfalls = {row: made[inverse[k]][1] for k, row in enumerate(rows.tolist()) if too_young[row]}
        # A learner too young whose claim meets every rule but counts nothing is given the closest claim
        # instead: the evaluator's.
        told = ~(found & too_young & ~counted)
        # A learner too young is told so after the rules their claim falls short of, if any.
        for row in np.flatnonzero(told & too_young).tolist():
            age, registered_on = young[row]
            unmet = shortfalls.get(row, ()) + (
                age_detail(self.explanations.age_text, age, dt.date.fromordinal(registered_on)),)
            numbers[row, 1 + width] = block_text(
                (LIST_END if counted[row] else EMPTY_LIST) + UNMET
                + "".join(string_item(text, k == 0) for k, text in enumerate(unmet)) + LIST_END
                + MISSING + EMPTY_LIST + SET_ASIDE)
        numbers[~told] = 0
        return numbers, told, told & found & ~too_young

    def _shortfall_keys(self, held: "np.ndarray", claims: "np.ndarray", sums: "np.ndarray") -> "np.ndarray":
        """For claims that meet not every rule: what the rules' outcomes depend on (`Explanations.shortfalls`).
        Each rule's total; for each minimum not reached, whether each cap keeps out a unit held that would
        count towards it, so the outcome names the cap; for each `all of`, which of its units are counted."""
        linear = self.explanations.linear
        columns = [sums[:, :len(linear)]]
        left = held & ~claims
        for k, requirement in enumerate(linear):
            if isinstance(requirement.rule, m.AllOf):
                columns.append(claims[:, list(requirement.members)])
                continue
            if requirement.minimum is None:
                continue
            unreached = sums[:, k] < requirement.minimum
            for c in self.explanations.caps:
                cap = linear[c]
                shared = [(unit, weight) for unit, weight in zip(cap.members, cap.weights)
                          if unit in requirement.members]
                if cap is requirement or cap.equivalence is not None or not shared:
                    continue
                units, weights = zip(*shared)
                room = cap.maximum - sums[:, c]
                kept_out = (left[:, list(units)] & (np.array(weights)[None, :] > room[:, None])).any(axis=1)
                columns.append((unreached & kept_out)[:, None])
        return np.hstack(columns)

    def _short_middle(self, key: tuple[int, ...], held: "np.ndarray",
                      claim: "np.ndarray") -> tuple[int, tuple[str, ...]]:
        """The piece from the end of the units to the set-aside list of a claim that falls short (`key`: whether
        it counts any unit, then `_shortfall_keys`), made from one learner's units; and the rules unmet."""
        found = self._short.get(key)
        if found is None:
            if len(self._short) > ATTEMPTS_KEPT:
                self._short.clear()
            unmet = self.explanations.shortfalls(claim, held)
            text = ((LIST_END if key[0] else EMPTY_LIST) + UNMET
                    + "".join(string_item(detail, k == 0) for k, detail in enumerate(unmet))
                    + (LIST_END if unmet else EMPTY_LIST) + MISSING + EMPTY_LIST + SET_ASIDE)
            found = self._short[key] = (self.pieces.number(text), unmet)
        return found

    @staticmethod
    def _numbered(keys: "np.ndarray", make: Callable[..., int]) -> "np.ndarray":
        """`make(*key)` for each row of `keys`, made once for each distinct row."""
        if not len(keys):
            return np.zeros(0, dtype=np.int64)
        distinct, inverse = _distinct(keys)
        made = np.array([make(*key) for key in keys[distinct].tolist()], dtype=np.int64)
        return made[inverse]

    def _head(self, achieved: bool, credits: int | None, glh: int | None) -> int:
        """The piece from the id to the units: `achieved` or (too young) not, and the claim's figures."""
        found = self._heads.get((achieved, credits, glh))
        if found is None:
            status = Status.ACHIEVED if achieved else Status.NOT_ACHIEVED
            found = self._heads[achieved, credits, glh] = self.pieces.number(
                verdict_head(self.q.qan, self.q.title, achieved, status.value) + figures_text(credits, glh))
        return found

    def _left_out_piece(self, cap_totals: tuple[int, ...], unit: int, first: bool) -> int:
        key = (cap_totals, unit, first)
        found = self._left_out.get(key)
        if found is None:
            reason = self.explanations.left_out_under_caps(unit, cap_totals)
            found = self._left_out[key] = self.pieces.number(set_aside_item(reason.unit, reason.reason, first))
        return found

    def _attempted_pieces(self, units: tuple[tuple[str, str], ...], after_left_out: bool) -> list[int]:
        """The pieces of the units only attempted, which follow those left out: set aside as the evaluator
        words it."""
        key = (units, after_left_out)
        found = self._attempted.get(key)
        if found is None:
            if len(self._attempted) > ATTEMPTS_KEPT:
                self._attempted.clear()
            found = self._attempted[key] = [
                self.pieces.number(set_aside_item(ref, not_achieved(ref, word).reason, k == 0 and not after_left_out))
                for k, (ref, word) in enumerate(units)]
        return found



def _distinct(keys: "np.ndarray") -> tuple["np.ndarray", "np.ndarray"]:
    """The first row of each distinct row of an integer matrix, and for each row the index of its distinct row."""
    keys = keys.astype(np.int64)
    low, high = keys.min(axis=0), keys.max(axis=0)
    spans = (high - low + 1).tolist()
    if math.prod(spans) < 1 << 62:
        # Each row as one number, which sorts many times faster than rows.
        strides = np.cumprod([1] + spans[:-1]).astype(np.int64)
        _, first, inverse = np.unique((keys - low) @ strides, return_index=True, return_inverse=True)
    else:
        _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    return first, inverse.ravel()
