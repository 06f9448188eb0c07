"""The compiled cheapest finish (`Decision.cheapest`) against brute force and CP-SAT.

For a qualification whose rules are all sums, the cheapest finish is found by the compiled dynamic programme
instead of CP-SAT. Its claim must be the very claim `cpsat.cheapest_completion` gives (docs/planning.md):
among claims from the units held plus some candidates that meet every rule,

1. the least total cost of the candidates added (credits, GLH or units);
2. then the fewest candidates;
3. then the most credits;
4. then the lexicographically greatest 0/1 vector in pool order (earlier units).

Small random rulesets are checked against a brute force that judges claims on the model and against CP-SAT;
wider catalogues (capped and uncapped, many start cells in one batch) against CP-SAT; the seeds by hand and
on seeded cohorts; then the engine's limits: chunks, 64-bit sums, and CP-SAT when the cells are too many.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import ILM_CERTIFICATE, ISP_APPRENTICESHIP, ISP_CERTIFICATE, ISP_DIPLOMA, learner
from hypothesis import given
from hypothesis import strategies as st
from test_compiled_engine import event, sum_rulesets, wide_rulesets
from test_exactness import BruteForce, compiled, exactness_settings

from qualrules.interpreter import model as m
from qualrules.interpreter.engine import cpsat
from qualrules.interpreter.engine import decision as decision_module
from qualrules.interpreter.engine.decision import Decision
from qualrules.interpreter.engine.evaluator import holdings_of
from qualrules.interpreter.engine.planner import HeldUnits, plan, plan_many

MEASURES = {"credits": m.Measure.CREDITS, "glh": m.Measure.GLH, "units": m.Measure.UNITS}
HELD, CANDIDATE, EXCLUDED = 0, 1, 2


def costs_of(q, measure: m.Measure) -> list[int]:
    return [q.measure(measure, i) for i in range(len(q.units))]


def kinds_to_rows(kinds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(held, candidates) from a learners x units array of HELD / CANDIDATE / EXCLUDED."""
    return kinds == HELD, kinds == CANDIDATE


def batch(draw, units: int, *, max_rows: int) -> np.ndarray:
    """Learners' units, each held, a candidate or excluded; then one holding nothing with every unit a
    candidate (the whole pool to choose from), and the first row again (identical rows in one batch)."""
    rows = draw(st.lists(st.lists(st.sampled_from([HELD, CANDIDATE, CANDIDATE, EXCLUDED]), min_size=units,
                                  max_size=units), min_size=1, max_size=max_rows))
    rows += [[CANDIDATE] * units, rows[0]]
    return np.array(rows, dtype=np.int64).reshape(len(rows), units)


def indices(row: np.ndarray) -> tuple[int, ...]:
    return tuple(np.flatnonzero(row).tolist())


def as_claim(found: bool, row: np.ndarray) -> tuple[int, ...] | None:
    return indices(row) if found else None


def brute_cheapest(brute: BruteForce, q, held: set[int], candidates: set[int], costs: list[int]):
    """Every claim from the units held and the candidates, judged on the model; the order of the tie-breaks
    spelled out. None when no claim meets every rule."""
    pool = sorted(held | candidates)
    best_key, best = None, None
    for size in range(len(pool) + 1):
        for claim in itertools.combinations(pool, size):
            refs = frozenset(q.units[i].ref for i in claim)
            if not brute.satisfies(refs):
                continue
            added = [i for i in claim if i in candidates]
            key = (sum(costs[i] for i in added), len(added), -sum(q.units[i].credits for i in claim),
                   tuple(0 if i in claim else 1 for i in range(len(q.units))))
            if best_key is None or key < best_key:
                best_key, best = key, claim
    return best


# ---- 1. small rulesets: compiled == brute force == CP-SAT ------------------------------------------------
@exactness_settings(max_examples=300)
@given(st.data())
def test_cheapest_matches_brute_force_and_cpsat(data):
    text, _ = data.draw(sum_rulesets(), label="ruleset")
    ruleset, q = compiled(text)
    if not isinstance(q.decision, Decision):  # GLH in steps of 1 can pass MAX_STATES on small catalogues
        event("too many states: CP-SAT")
        return
    measure = MEASURES[data.draw(st.sampled_from(sorted(MEASURES)), label="measure")]
    held, candidates = kinds_to_rows(batch(data.draw, len(q.units), max_rows=4))
    costs = costs_of(q, measure)
    found, claims = q.decision.cheapest(held, candidates, costs)
    event("capped" if q.decision.capped else "uncapped: the units held are claimed from the start")
    brute = BruteForce(ruleset)
    for r in range(len(held)):
        expected = brute_cheapest(brute, q, set(indices(held[r])), set(indices(candidates[r])), costs)
        event("a finish" if expected is not None else "no finish")
        if expected is not None and set(indices(held[r])) - set(expected):
            event("a unit held is left out: a cap binds")
        assert as_claim(found[r], claims[r]) == expected, f"row {r}"
        assert found[r] or not claims[r].any(), "no claim is reported when nothing completes it"
        assert cpsat.cheapest_completion(q, indices(held[r]), indices(candidates[r]), measure) == expected


# ---- 2. wider catalogues: compiled == CP-SAT -------------------------------------------------------------
def check_against_cpsat(q, held: np.ndarray, candidates: np.ndarray, measure: m.Measure) -> None:
    found, claims = q.decision.cheapest(held, candidates, costs_of(q, measure))
    for r in range(len(held)):
        expected = cpsat.cheapest_completion(q, indices(held[r]), indices(candidates[r]), measure)
        event("a finish" if expected is not None else "no finish")
        assert as_claim(found[r], claims[r]) == expected, f"row {r}: held {indices(held[r])}"


@exactness_settings(max_examples=120)
@given(st.data())
def test_cheapest_matches_cpsat_on_wide_catalogues(data):
    text, _ = data.draw(wide_rulesets(), label="ruleset")
    _, q = compiled(text)
    if not isinstance(q.decision, Decision) or not q.decision.compiles_finishes:
        event("too many states or cells: CP-SAT")
        return
    event("capped" if q.decision.capped else "uncapped")
    measure = MEASURES[data.draw(st.sampled_from(["credits", "credits", "glh", "units"]), label="measure")]
    held, candidates = kinds_to_rows(batch(data.draw, len(q.units), max_rows=2))
    check_against_cpsat(q, held, candidates, measure)


UNCAPPED = """\
group CORE "Core"
unit C1 "c1" level 3 credits 5 glh 40
unit C2 "c2" level 3 credits 2 glh 35
unit C3 "c3" level 4 credits 4 glh 40
unit C4 "c4" level 4 credits 3 glh 20
unit C5 "c5" level 3 credits 3 glh 25
group SELF "Self"
unit S1 "s1" level 2 credits 4 glh 15
unit S2 "s2" level 3 credits 1 glh 30
unit S3 "s3" level 4 credits 2 glh 10
unit S4 "s4" level 2 credits 2 glh 5
group OPT "Options"
unit O1 "o1" level 2 credits 2 glh 5
unit O2 "o2" level 4 credits 6 glh 30
qualification 999/0001/1 "Minimums only"
  units from CORE, SELF, OPT
  at least 20 credits
  at least 3 CORE units
  at least 2 units from SELF
  at least 6 credits at level 4 or above
  choose 1 of O1, O2
"""


def test_uncapped_learners_start_from_the_units_they_hold():
    """Without caps every unit held is in the finish, and each learner's search starts from the cell of the
    units they hold, searched with those who start from the same state: every holding of the first six units
    in one batch (many start cells and states), the other units candidates or excluded in turn."""
    _, q = compiled(UNCAPPED)
    assert isinstance(q.decision, Decision) and not q.decision.capped
    rows = np.array(list(itertools.product([HELD, CANDIDATE], repeat=6)), dtype=np.int64)
    tails = [[CANDIDATE] * 5, [EXCLUDED, CANDIDATE, CANDIDATE, EXCLUDED, CANDIDATE], [HELD, EXCLUDED, HELD,
                                                                                      CANDIDATE, CANDIDATE]]
    kinds = np.concatenate([np.hstack([rows, np.tile(tail, (len(rows), 1))]) for tail in tails])
    held, candidates = kinds_to_rows(kinds)
    starts = q.decision._finish_starts(held)
    assert len(np.unique(starts)) > 20
    found, claims = q.decision.cheapest(held, candidates, costs_of(q, m.Measure.CREDITS))
    assert not (held & ~claims)[found].any(), "every unit held is claimed"
    sample = np.random.default_rng(20).choice(len(kinds), size=60, replace=False)
    check_against_cpsat(q, held[sample], candidates[sample], m.Measure.CREDITS)
    check_against_cpsat(q, held[sample], candidates[sample], m.Measure.GLH)


# ---- 3. the seeds ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("qan", [ISP_CERTIFICATE, ISP_DIPLOMA, ILM_CERTIFICATE, ISP_APPRENTICESHIP])
def test_seeded_cohorts_of_the_seeds_match_cpsat(qualification, qan):
    """Sparse to nearly full holdings, a few units excluded, some learners repeated."""
    q, _ = qualification(qan)
    assert isinstance(q.decision, Decision) and q.decision.compiles_finishes
    rng = np.random.default_rng(3789)
    n = len(q.units)
    held = np.concatenate([rng.random((8, n)) < p for p in (0.1, 0.3, 0.5, 0.8)])
    excluded = (rng.random(held.shape) < 0.1) & ~held
    held, excluded = np.concatenate([held, held[::4]]), np.concatenate([excluded, excluded[::4]])
    check_against_cpsat(q, held, ~held & ~excluded, m.Measure.CREDITS)


def refs(q, claim) -> tuple[str, ...]:
    return tuple(q.units[i].ref for i in claim)


def test_isp_diploma_from_five_certificate_units(qualification):
    # A001 of the example cohort holds L3B1, L3B2, L3C1, L3C2 and L3L1 (16 credits). The Diploma needs 37
    # credits, 3 BUSINESS, 4 CORE, 1 LEADERSHIP and 2 SELF units: one more BUSINESS, two more CORE and two SELF
    # units add at most 4 + 10 + 6 = 20 of the 21 missing, so six units; 21 credits in six units can be done.
    q, _ = qualification(ISP_DIPLOMA)
    held = np.zeros((1, len(q.units)), dtype=bool)
    held[0, [q.index[ref] for ref in ("L3B1", "L3B2", "L3C1", "L3C2", "L3L1")]] = True
    found, claims = q.decision.cheapest(held, ~held, costs_of(q, m.Measure.CREDITS))
    expected = cpsat.cheapest_completion(q, indices(held[0]), indices(~held[0]), m.Measure.CREDITS)
    assert found[0] and indices(claims[0]) == expected
    added = claims[0] & ~held[0]
    assert (sum(q.units[i].credits for i in indices(added)), int(added.sum())) == (21, 6)


def test_isp_certificate_caps_leave_held_units_out(qualification):
    # Six BUSINESS units (18 credits) and one CORE unit: 2 CORE units are needed and a LEADERSHIP or SELF unit,
    # within 36 credits. The cheapest finish adds L3C6 (2) and L4L6 (2); the claim then counts every unit held
    # (18 + 3 + 2 + 2 = 25 credits, under the cap).
    q, _ = qualification(ISP_CERTIFICATE)
    held = np.zeros((1, len(q.units)), dtype=bool)
    held[0, [q.index[ref] for ref in ("L3B1", "L3B2", "L3B3", "L3B4", "L3B5", "L4B6", "L3C1")]] = True
    found, claims = q.decision.cheapest(held, ~held, costs_of(q, m.Measure.CREDITS))
    assert found[0]
    assert refs(q, indices(claims[0] & ~held[0])) == ("L3C6", "L4L6")
    assert indices(claims[0]) == cpsat.cheapest_completion(q, indices(held[0]), indices(~held[0]),
                                                          m.Measure.CREDITS)


# ---- 4. limits: chunks, 64-bit sums, too many cells ------------------------------------------------------
def test_chunks_and_64_bit_sums_give_the_same_claims(qualification, monkeypatch):
    """ILM learners decided in one chunk, in chunks of a few learners, and with costs so large that the sums
    need 64 bits (scaling every cost alike changes no finish)."""
    q, _ = qualification(ILM_CERTIFICATE)
    rng = np.random.default_rng(5929)
    held = rng.random((200, len(q.units))) < 0.4
    candidates = ~held & (rng.random(held.shape) < 0.85)
    costs = costs_of(q, m.Measure.CREDITS)
    found, claims = q.decision.cheapest(held, candidates, costs)
    assert found.any() and not found.all()
    wide, _ = q.decision._finish_weights(held, candidates, [c * 10 ** 7 for c in costs])
    assert wide.dtype == np.int64
    found_wide, claims_wide = q.decision.cheapest(held, candidates, [c * 10 ** 7 for c in costs])
    assert (found_wide == found).all() and (claims_wide == claims).all()
    # Per learner the tables take (13 + 1) units x (cells + 1) x 4 bytes: three learners a chunk.
    monkeypatch.setattr(decision_module, "CHUNK_BYTES", 14 * (q.decision.finish_cells + 1) * 4 * 3)
    found_chunked, claims_chunked = q.decision.cheapest(held, candidates, costs)
    assert (found_chunked == found).all() and (claims_chunked == claims).all()


def test_too_many_cells_leave_the_finish_to_cpsat(qualification, monkeypatch):
    """Past MAX_FINISH_CELLS plans are searched by CP-SAT: the same plans, learner by learner."""
    q, body = qualification(ISP_DIPLOMA)
    records = [learner(units) for units in (["L3B1", "L3B2", "L3C1", "L3C2", "L3L1"], ["L3B1"], [],
                                            [u.ref for u in q.units], ["L3S1", "L3S2", "L4S4", "L3L1", "L3C6"])]
    held = HeldUnits.of(len(q.units), [holdings_of(q, record, body.counts_as_achieved) for record in records])
    compiled_plans = plan_many(q, records, held)
    monkeypatch.setattr(decision_module, "MAX_FINISH_CELLS", q.decision.finish_cells - 1)
    assert not q.decision.compiles_finishes
    searched = plan_many(q, records, held)
    assert searched == compiled_plans
    assert [p.units_to_add for p in searched] == [6, 9, 10, 0, 6]
    assert searched[0] == plan(q, records[0], body.counts_as_achieved)


UNREACHABLE = """\
group 1 "All"
unit U1 "u1" level 3 credits 1 glh 5
unit U2 "u2" level 3 credits 2 glh 10
qualification 999/0001/1 "More units than the pool holds"
  units from Group 1
  at least 3 units from Group 1
"""


def test_a_rule_no_claim_can_meet_has_no_finish():
    _, q = compiled(UNREACHABLE)
    assert isinstance(q.decision, Decision) and q.decision.impossible
    held = np.array([[False, False], [True, False]])
    found, claims = q.decision.cheapest(held, ~held, costs_of(q, m.Measure.CREDITS))
    assert not found.any() and not claims.any()
    assert cpsat.cheapest_completion(q, (), (0, 1), m.Measure.CREDITS) is None
