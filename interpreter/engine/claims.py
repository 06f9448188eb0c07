"""Choosing claims, for one learner or many: the compiled decision procedure where the compiler made one,
CP-SAT otherwise. Both give the same claims (docs/semantics.md); identical holdings are decided once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Collection

from qualrules.interpreter.engine import cpsat
from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.engine.decision import Decision
from qualrules.interpreter.lazy import lazy_module

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")


def best_claims(q: CompiledQualification, available: "np.ndarray") -> tuple["np.ndarray", "np.ndarray"]:
    """For each row of `available` (learners x pool units, bool): whether the qualification is achieved, and
    the reported claim (the most credits, ties to earlier units; all False when not achieved)."""
    unique, inverse = distinct_rows(available)
    if isinstance(q.decision, Decision):
        found, claims = q.decision.best(unique)
    else:
        found = np.zeros(len(unique), dtype=bool)
        claims = np.zeros(unique.shape, dtype=bool)
        for row, held in enumerate(unique):
            claim = cpsat.best_claim(q, np.flatnonzero(held).tolist())
            if claim is not None:
                found[row] = True
                claims[row, list(claim)] = True
    return found[inverse], claims[inverse]


def closest_claims(q: CompiledQualification, available: "np.ndarray") -> "np.ndarray":
    """For each row: the claim within every cap and bar that meets the most rules, then counts the most
    credits (ties to earlier units), as reported for a learner who has not achieved."""
    unique, inverse = distinct_rows(available)
    if isinstance(q.decision, Decision):
        claims = q.decision.closest(unique)
    else:
        claims = np.zeros(unique.shape, dtype=bool)
        for row, held in enumerate(unique):
            claims[row, list(cpsat.closest_claim(q, np.flatnonzero(held).tolist()))] = True
    return claims[inverse]


def best_claim(q: CompiledQualification, available: Collection[int]) -> tuple[int, ...] | None:
    """The reported claim for one learner's achieved pool units, or None when no claim achieves."""
    found, claims = best_claims(q, _row(q, available))
    return tuple(np.flatnonzero(claims[0]).tolist()) if found[0] else None


def closest_claim(q: CompiledQualification, available: Collection[int]) -> tuple[int, ...]:
    """The closest claim for one learner who has not achieved."""
    return tuple(np.flatnonzero(closest_claims(q, _row(q, available))[0]).tolist())


def _row(q: CompiledQualification, available: Collection[int]) -> "np.ndarray":
    row = np.zeros((1, len(q.units)), dtype=bool)
    row[0, list(available)] = True
    return row


def distinct_rows(available: "np.ndarray") -> tuple["np.ndarray", "np.ndarray"]:
    """The distinct rows of a boolean matrix, and for each row the index of its distinct row."""
    if len(available) <= 1 or available.shape[1] == 0:
        return available[:1], np.zeros(len(available), dtype=np.int64)
    packed = np.packbits(available, axis=1)
    if packed.shape[1] <= 8:
        # Up to 64 units a row is one integer, which sorts many times faster than bytes.
        packed = np.pad(packed, ((0, 0), (0, 8 - packed.shape[1])))
        keys = np.ascontiguousarray(packed).view(np.uint64)[:, 0]
    else:
        keys = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1])))[:, 0]
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return available[first], inverse.reshape(-1)
