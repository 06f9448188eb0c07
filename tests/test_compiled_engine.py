"""The compiled decision procedure (engine/decision.py) against brute force and CP-SAT.

A qualification whose rules are all sums is decided by a bitset dynamic programme instead of CP-SAT. Its
claims must be the very claims the semantics give (docs/semantics.md), tie-breaks included:

- best: among claims meeting every rule, the most credits, then the lexicographically greatest 0/1 vector
  in pool order;
- closest: among claims within every cap, the most rule minimums met, then the most credits, then the
  same tie-break.

Small random rulesets are checked against the brute force of test_exactness and against CP-SAT; wider
catalogues (multi-word bitsets, GLH in steps of 5, caps of 0, minimums nobody can meet) against CP-SAT
only; the seeds by hand. Rulesets with `either` or `not both`, or with too many states, fall back to
CP-SAT and must still answer.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import ILM_CERTIFICATE, ISP_CERTIFICATE, ISP_APPRENTICESHIP, ISP_DIPLOMA, learner
from hypothesis import event as hypothesis_event, given
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from test_exactness import (BARRED, BARRING, EITHER_WITH_CAPS, ILM_LIKE, KNAPSACK, LEVEL_BOUNDS, QAN, SUM_RULE_KINDS,
                            BruteForce, CatalogueSpec, CatalogueUnit, bound_phrase, catalogues, compiled,
                            exactness_settings, level_filter, catalogue_lines, indices, simple_rules, term_text)

from qualrules.interpreter.engine import claims, cpsat
from qualrules.interpreter.engine import decision as decision_module
from qualrules.interpreter.engine.decision import MAX_STATES, Decision, Unsupported
from qualrules.interpreter.engine.evaluator import Status, evaluate


def event(name: str) -> None:
    """A hypothesis event when under @given (the checks below also run as plain tests)."""
    if currently_in_test_context():
        hypothesis_event(name)


# ---- rulesets of sums only ---------------------------------------------------------------------------
def ruleset_text(catalogue: CatalogueSpec, rules: list[str]) -> str:
    """A ruleset holding the catalogue and one qualification over all of it with these rule lines."""
    return "\n".join(catalogue_lines(catalogue) + [f"  {rule}" for rule in rules]) + "\n"


@st.composite
def sum_rulesets(draw) -> tuple[str, CatalogueSpec]:
    catalogue = draw(catalogues())
    rules = draw(st.lists(simple_rules(catalogue, SUM_RULE_KINDS), min_size=1, max_size=5))
    # Two rules on one line, comma-separated, as test_exactness writes them half the time.
    if len(rules) >= 2 and draw(st.booleans()):
        rules[:2] = [", ".join(rules[:2])]
    return ruleset_text(catalogue, rules), catalogue


def availability(draw, units: int, *, min_rows: int, max_rows: int) -> np.ndarray:
    """A batch of learners' holdings: random rows, plus one holding everything (where caps bind most)."""
    rows = draw(st.lists(st.lists(st.booleans(), min_size=units, max_size=units),
                         min_size=min_rows, max_size=max_rows))
    rows.append([True] * units)
    return np.array(rows, dtype=bool).reshape(len(rows), units)


def held(row: np.ndarray) -> tuple[int, ...]:
    return tuple(np.flatnonzero(row).tolist())


def as_claim(found: bool, row: np.ndarray) -> tuple[int, ...] | None:
    return held(row) if found else None


def check_batch_through_claims(q, available: np.ndarray, order: list[int], best: list, closest: list) -> None:
    """claims.best_claims / closest_claims on the batch rows taken in `order` (every row repeated, shuffled): the
    dedupe must map each row back to its own answer, in the order given."""
    repeated = available[order]
    found, chosen = claims.best_claims(q, repeated)
    nearest = claims.closest_claims(q, repeated)
    assert found.shape == (len(order),) and chosen.shape == repeated.shape == nearest.shape
    for k, r in enumerate(order):
        assert as_claim(found[k], chosen[k]) == best[r], f"row {k} (learner {r}) of the repeated batch"
        assert not chosen[k].any() or found[k]
        assert held(nearest[k]) == closest[r], f"row {k} (learner {r}) of the repeated batch"


def repeated_order(draw, rows: int) -> list[int]:
    return draw(st.permutations(list(range(rows)) * 2), label="row order")


def fixed_order(rows: int) -> list[int]:
    return list(range(rows)) + list(reversed(range(rows)))


# ---- 1. small rulesets: compiled == brute force == CP-SAT -------------------------------------------
ALL_OF_AND_CAP = """\
group 1 "All"
unit U1 "u1" level 3 credits 2 glh 10
unit U2 "u2" level 3 credits 3 glh 15
unit U3 "u3" level 4 credits 3 glh 20
unit U4 "u4" level 2 credits 1 glh 5
qualification 999/0001/1 "Cap against an all of"
  units from Group 1
  all of U1, U3
  at most 4 credits
  at least 2 units from Group 1
"""


def check_against_brute_force(text: str, available: np.ndarray, order: list[int]) -> None:
    ruleset, q = compiled(text)
    brute = BruteForce(ruleset)
    assert tuple(u.ref for u in q.units) == brute.pool
    if isinstance(q.decision, Unsupported):
        # Sums only, so the one reason allowed is the size of the tables (GLH caps in steps of 1 can pass
        # MAX_STATES even on small catalogues); claims.* then answer through CP-SAT, checked below all the same.
        assert "states" in q.decision.reason, q.engine
        event("too many states: CP-SAT")
        found = chosen = nearest = None
    else:
        found, chosen = q.decision.best(available)
        nearest = q.decision.closest(available)
        assert found.dtype == bool and chosen.shape == available.shape == nearest.shape
    best, closest = [], []
    for r, row in enumerate(available):
        refs = {q.units[i].ref for i in held(row)}
        expected = brute.best(refs)
        expected = None if expected is None else indices(q, expected)
        event("achieved" if expected is not None else "not achieved")
        if expected is not None and expected != held(row):
            event("achieved with a capped claim")
        expected_closest = indices(q, brute.closest(refs))
        if expected_closest != held(row):
            event("closest claim leaves units out")
        if found is not None:
            assert as_claim(found[r], chosen[r]) == expected, f"best, row {r}"
            assert found[r] or not chosen[r].any(), "no claim is reported when nothing achieves"
            assert held(nearest[r]) == expected_closest, f"closest, row {r}"
        assert cpsat.best_claim(q, held(row)) == expected
        assert claims.best_claim(q, held(row)) == expected
        assert cpsat.closest_claim(q, held(row)) == expected_closest
        assert claims.closest_claim(q, held(row)) == expected_closest
        best.append(expected)
        closest.append(expected_closest)
    check_batch_through_claims(q, available, order, best, closest)


@pytest.mark.parametrize("text, rows", [
    (ILM_LIKE, [[True] * 8, [True, True, False, False, True, True, True, True]]),
    (KNAPSACK, [[True] * 4, [True, False, True, False], [False, True, False, True]]),
    (ALL_OF_AND_CAP, [[True] * 4, [True, True, False, True], [False] * 4]),
    (BARRING, [[True] * 4, [True, True, True, False], [True, False, True, True]]),
    (LEVEL_BOUNDS, [[True] * 4, [True, True, False, True], [False, True, True, False]]),
], ids=["ILM-like cap", "knapsack", "all of against a cap", "barring code", "level bounds"])
def test_compiled_matches_brute_force_by_hand_cases(text, rows):
    _, q = compiled(text)
    assert isinstance(q.decision, Decision)
    check_against_brute_force(text, np.array(rows, dtype=bool), fixed_order(len(rows)))


@exactness_settings(max_examples=500)
@given(st.data())
def test_compiled_matches_brute_force_and_cpsat(data):
    text, _ = data.draw(sum_rulesets(), label="ruleset")
    units = text.count("\nunit ")
    available = availability(data.draw, units, min_rows=1, max_rows=4)
    check_against_brute_force(text, available, repeated_order(data.draw, len(available)))


# ---- 2. wider catalogues: compiled == CP-SAT ---------------------------------------------------------
@st.composite
def wide_catalogues(draw) -> CatalogueSpec:
    group_count = draw(st.integers(2, 4))
    unit_count = draw(st.integers(15, 30))
    groups = tuple(str(g + 1) if draw(st.booleans()) else ("BUSINESS", "CORE", "SELF", "LEADERSHIP")[g]
                   for g in range(group_count))
    membership = sorted(list(range(group_count)) + draw(st.lists(
        st.integers(0, group_count - 1), min_size=unit_count - group_count, max_size=unit_count - group_count)))
    numbers = draw(st.permutations(range(1, unit_count + 1)))
    # GLH in multiples of 5 (sometimes 10): the rule's running total moves in steps of their gcd.
    glh_step = draw(st.sampled_from([5, 10]))
    units = tuple(
        CatalogueUnit(ref=f"U{n}", ofqual=None, credits=draw(st.integers(1, 30)), level=draw(st.integers(2, 5)),
                      glh=glh_step * draw(st.integers(1, 8)), group=group)
        for n, group in zip(numbers, membership)
    )
    return CatalogueSpec(groups, units)


def wide_set(draw, catalogue: CatalogueSpec):
    """One or two groups, or a few units: text and members."""
    if draw(st.booleans()):
        terms = draw(st.lists(st.sampled_from([("group", g) for g in range(len(catalogue.groups))]),
                              min_size=1, max_size=2, unique=True))
    else:
        terms = draw(st.lists(st.sampled_from([("unit", u) for u in range(len(catalogue.units))]),
                              min_size=1, max_size=6, unique=True))
    joiner = draw(st.sampled_from([" or ", ", "]))
    return joiner.join(term_text(draw, catalogue, t) for t in terms), catalogue.members(terms)


@st.composite
def wide_rules(draw, catalogue: CatalogueSpec) -> str:
    total = sum(u.credits for u in catalogue.units)
    kind = draw(st.sampled_from(["total", "total", "exactly", "credits from", "credits from", "units from", "glh from",
                                 "glh from", "level", "choose", "all of", "cap of 0"]
                                + ["unreachable"] * draw(st.sampled_from([0, 0, 1]))))
    if kind == "total":  # over the whole pool: the bitset, not a state
        return bound_phrase(draw, total, "credits", comparison=draw(st.booleans()))
    if kind == "exactly":
        return f"exactly {draw(st.integers(1, total))} credits"
    text, members = wide_set(draw, catalogue)
    if kind == "credits from":
        # Bounds kept modest so that a few such rules stay within MAX_STATES.
        largest = min(40, sum(u.credits for u in members))
        return f"{bound_phrase(draw, largest, 'credits', comparison=False)} from {text}"
    if kind == "units from":
        return f"{bound_phrase(draw, len(members), 'units', comparison=False)} from {text}"
    if kind == "glh from":
        return f"{bound_phrase(draw, sum(u.glh for u in members), 'glh', comparison=False)} from {text}"
    if kind == "level":
        text, counted = level_filter(draw)
        high = sum(u.credits for u in catalogue.units if counted(u.level))
        return f"at least {draw(st.integers(1, max(1, min(40, high))))} credits {text}"
    if kind == "choose":
        return f"choose {draw(st.integers(1, len(members)))} of {', '.join(u.ref for u in members)}"
    if kind == "all of":
        return f"all of {', '.join(u.ref for u in members[:3])}"
    measure = draw(st.sampled_from(["credits", "units", "glh"]))
    if kind == "unreachable":  # a minimum no claim can meet
        reachable = {"credits": sum(u.credits for u in members), "units": len(members),
                     "glh": sum(u.glh for u in members)}[measure]
        return f"at least {reachable + 1} {measure} from {text}"
    return f"at most 0 {measure} from {text}"


@st.composite
def wide_rulesets(draw) -> tuple[str, CatalogueSpec]:
    catalogue = draw(wide_catalogues())
    rules = draw(st.lists(wide_rules(catalogue), min_size=1, max_size=4))
    return ruleset_text(catalogue, rules), catalogue


WIDE_CAPPED = """\
group CORE "Core"
unit C1 "c1" level 3 credits 30 glh 40
unit C2 "c2" level 3 credits 29 glh 35
unit C3 "c3" level 4 credits 28 glh 40
unit C4 "c4" level 4 credits 27 glh 20
unit C5 "c5" level 3 credits 26 glh 25
unit C6 "c6" level 5 credits 25 glh 40
group SELF "Self"
unit S1 "s1" level 2 credits 17 glh 15
unit S2 "s2" level 3 credits 13 glh 30
unit S3 "s3" level 4 credits 11 glh 10
unit S4 "s4" level 2 credits 7 glh 5
unit S5 "s5" level 5 credits 5 glh 10
unit S6 "s6" level 3 credits 3 glh 20
group OPT "Options"
unit O1 "o1" level 2 credits 2 glh 5
unit O2 "o2" level 4 credits 19 glh 30
unit O3 "o3" level 3 credits 23 glh 25
unit O4 "o4" level 5 credits 1 glh 5
qualification 999/0001/1 "Wide and capped"
  units from CORE, SELF, OPT
  between 100 and 200 credits
  at most 60 credits from CORE
  between 60 and 75 glh from SELF
  at most 0 units from O4
  choose 2 of S1, S2, O1, O2
"""


def check_against_cpsat(text: str, available: np.ndarray | None, order: list[int] | None, draw=None) -> None:
    """Compiled against CP-SAT; `available` and `order` are drawn with `draw` when None."""
    _, q = compiled(text)
    if isinstance(q.decision, Unsupported):  # rare: the bounds above keep the states few
        assert "states" in q.decision.reason
        event("too many states")
        return
    decision = q.decision
    event(f"{decision.words} bitset words" if decision.words < 4 else "4+ bitset words")
    if decision.impossible:
        event("a rule no claim can meet")
    if available is None:
        available = availability(draw, len(q.units), min_rows=1, max_rows=2)
        order = repeated_order(draw, len(available))
    found, chosen = decision.best(available)
    nearest = decision.closest(available)
    best, closest = [], []
    for r, row in enumerate(available):
        expected = cpsat.best_claim(q, held(row))
        event("achieved" if expected is not None else "not achieved")
        assert as_claim(found[r], chosen[r]) == expected, f"best, row {r}"
        assert found[r] or not chosen[r].any()
        if expected is None:
            expected_closest = cpsat.closest_claim(q, held(row))
        else:
            # Achieved: every minimum is met, so the closest claim is the best one.
            expected_closest = expected
        assert held(nearest[r]) == expected_closest, f"closest, row {r}"
        best.append(expected)
        closest.append(expected_closest)
    check_batch_through_claims(q, available, order, best, closest)


@exactness_settings(max_examples=250)
@given(st.data())
def test_compiled_matches_cpsat_on_wide_catalogues(data):
    text, _ = data.draw(wide_rulesets(), label="ruleset")
    check_against_cpsat(text, None, None, data.draw)


def test_compiled_matches_cpsat_on_a_wide_capped_catalogue():
    rows = np.array([[True] * 16, [True, True, True, False] * 4, [False, True] * 8], dtype=bool)
    check_against_cpsat(WIDE_CAPPED, rows, fixed_order(len(rows)))


def test_wide_capped_example_takes_several_words():
    _, q = compiled(WIDE_CAPPED)
    assert isinstance(q.decision, Decision)
    # Credits over the pool are capped at 200: totals 0..200 in four 64-bit words.
    assert q.engine.endswith("over credit totals 0 to 200")
    assert q.decision.words == 4
    # GLH of SELF move in steps of 5: 60..75 glh is 12..15 steps of the 18 SELF can reach, so the cap binds
    # and the total is tracked exactly (0..15).
    (self_glh,) = [d for d in q.decision.dimensions if d.size == 16]
    assert self_glh.goal == 12 and not self_glh.saturating
    assert set(self_glh.weights) == {3, 6, 2, 1, 4}


# ---- 3. the seeds --------------------------------------------------------------------------------------
def test_every_bundled_qualification_is_compiled(library, snapshot):
    engines = {qan: q.engine for qan, (q, _) in sorted(library.qualifications.items())}
    for qan, (q, _) in library.qualifications.items():
        assert isinstance(q.decision, Decision), f"{qan}: {q.engine}"
    # ISP Certificate: 2 BUSINESS units (0..2), 2 CORE units (0..2), 1 LEADERSHIP or SELF unit (0..1):
    # 3 x 3 x 2 states; credits capped at 36.
    assert engines[ISP_CERTIFICATE] == "compiled: 18 states over credit totals 0 to 36"
    # ILM: all of Group 1 (0..3 units), Groups 2+3 at least 7 credits (0..7), Group 3 at most 6 credits in
    # steps of 2 (0..3): 4 x 8 x 4 states; credits 6 + 5 + 10 = 21 reachable, under the cap of 36.
    assert engines[ILM_CERTIFICATE] == "compiled: 128 states over credit totals 0 to 21"
    assert engines == snapshot


def refs(q, claim) -> tuple[str, ...] | None:
    return None if claim is None else tuple(q.units[i].ref for i in claim)


def every_answer(q, units: list[str]):
    """best and closest, for one learner holding `units`, by every route: they must all agree."""
    available = tuple(sorted(q.index[u] for u in units))
    row = np.zeros((1, len(q.units)), dtype=bool)
    row[0, list(available)] = True
    found, chosen = q.decision.best(row)
    best = {refs(q, as_claim(found[0], chosen[0])), refs(q, claims.best_claim(q, available)),
            refs(q, cpsat.best_claim(q, available))}
    closest = {refs(q, held(q.decision.closest(row)[0])), refs(q, claims.closest_claim(q, available)),
               refs(q, cpsat.closest_claim(q, available))}
    assert len(best) == 1 and len(closest) == 1, (best, closest)
    return best.pop(), closest.pop()


def test_isp_certificate_learner_holding_every_unit(qualification):
    q, body = qualification(ISP_CERTIFICATE)
    everything = [u.ref for u in q.units]
    assert len(everything) == 27 and sum(u.credits for u in q.units) == 87
    # At most 36 of the 87 credits count, and 36 can be reached, so the claim has 36 credits; then each unit
    # in catalogue order is taken whenever 36, with >= 2 BUSINESS, >= 2 CORE and >= 1 LEADERSHIP or SELF,
    # can still be reached:
    #   BUSINESS L3B1 3, L3B2 6, L3B3 8, L3B4 11, L3B5 15, L4B6 18       all taken
    #   CORE     L3C1 21, L4C2 26, L3C2 30                             taken
    #            L3C3 (5) -> 35: 1 credit left for a LEADERSHIP/SELF unit, none has 1: skipped
    #            L3C4 (4) -> 34: 2 left, L4L6 has 2: taken
    #            L3C5 (5) -> 39, L3C6 (2) -> 36 with no LEADERSHIP/SELF unit, L2C5 (4) -> 38: skipped
    #   LEADERSHIP L3L1 (3) -> 37: skipped; L4L6 (2) -> 36: taken; nothing more fits.
    expected = ("L3B1", "L3B2", "L3B3", "L3B4", "L3B5", "L4B6", "L3C1", "L4C2", "L3C2", "L3C4", "L4L6")
    assert sum(u.credits for u in q.units if u.ref in expected) == 36
    best, closest = every_answer(q, everything)
    assert best == closest == expected
    verdict = evaluate(q, learner(everything), body.counts_as_achieved)
    assert (verdict.status, verdict.claim, verdict.credits) == (Status.ACHIEVED, expected, 36)


def test_isp_certificate_closest_claim_with_no_business_unit(qualification):
    q, body = qualification(ISP_CERTIFICATE)
    core = ["L3C1", "L4C2", "L3C2", "L3C3", "L3C4", "L3C5", "L3C6", "L2C5"]  # 32 credits
    leadership = ["L3L1", "L4L6", "L3L2", "L2L3", "L4L4", "L3L3"]  # 19 credits
    # No BUSINESS unit: "at least 2 BUSINESS units" cannot be met. The other three minimums (13..36 credits,
    # 2 CORE units, 1 LEADERSHIP unit) can, within the cap of 36 (e.g. 36 = 32 CORE + L4L4). Taking units in
    # catalogue order: all eight CORE units (32), then L3L1 -> 35 leaves 1 (no unit has 1): skipped;
    # L4L6 -> 34 leaves 2 (the remaining units have 3 or 4): skipped; L3L2, L2L3 -> 35: skipped;
    # L4L4 -> 36: taken.
    best, closest = every_answer(q, core + leadership)
    assert best is None
    assert closest == (*core, "L4L4")
    verdict = evaluate(q, learner(core + leadership), body.counts_as_achieved)
    assert (verdict.status, verdict.claim, verdict.credits) == (Status.NOT_ACHIEVED, (*core, "L4L4"), 36)


def test_ilm_cap_on_group_3_leaves_the_learner_short(qualification):
    q, body = qualification(ILM_CERTIFICATE)
    group_1 = ["8570-228", "8570-229", "8570-205"]
    group_3 = ["8750-300", "8750-302", "8750-307", "8750-326"]
    # Group 1 (6 credits) + four Group 3 units (8 credits), of which at most 6 credits (three units) count.
    # Minimums: all of Group 1; at least 13 credits; at least 7 credits from Groups 2+3. Within the cap the
    # total is at most 6 + 6 = 12 < 13 and Groups 2+3 at most 6 < 7, so only `all of Group 1` can be met:
    # not achieved. Closest: all of Group 1 met, then the most credits (12: three Group 3 units), then the
    # earliest three Group 3 units: 8750-326 is left out.
    best, closest = every_answer(q, group_1 + group_3)
    assert best is None
    assert closest == (*group_1, "8750-300", "8750-302", "8750-307")
    # One Group 2 unit more: 6 + 1 + 6 = 13 credits, Groups 2+3 = 7: achieved with the same three Group 3 units.
    best, _ = every_answer(q, group_1 + ["8750-213"] + group_3)
    assert best == (*group_1, "8750-213", "8750-300", "8750-302", "8750-307")


def test_isp_diploma_and_apprenticeship_by_hand(qualification):
    diploma, _ = qualification(ISP_DIPLOMA)
    everything = [u.ref for u in diploma.units]
    # No cap: holding every unit (87 credits) meets every minimum, and the claim is everything.
    assert every_answer(diploma, everything) == (tuple(everything), tuple(everything))
    apprenticeship, _ = qualification(ISP_APPRENTICESHIP)
    units = [u.ref for u in apprenticeship.units]
    # Exactly 40 credits and all of the 11 units (which total 40): everything, or nothing achieves; one unit
    # short, the closest claim is every unit held (within the cap of 40, the most units of the `all of`).
    assert every_answer(apprenticeship, units) == (tuple(units), tuple(units))
    assert every_answer(apprenticeship, units[1:]) == (None, tuple(units[1:]))


def test_ilm_every_holding_in_chunks_of_a_few_learners(qualification, monkeypatch):
    """All 2^13 holdings of the ILM pool at once, decided in one chunk and in chunks of a few learners (as
    CHUNK_BYTES cuts a large cohort): the same answers, and CP-SAT's on a seeded sample of them."""
    q, _ = qualification(ILM_CERTIFICATE)
    n = len(q.units)
    everything = np.array(list(itertools.product([False, True], repeat=n)), dtype=bool)
    found, chosen = q.decision.best(everything)
    nearest = q.decision.closest(everything)
    # Per learner the closest claim's tables take (13 + 1) units x 3 thresholds x 129 states x 1 word x 8 bytes.
    monkeypatch.setattr(decision_module, "CHUNK_BYTES", 14 * 3 * 129 * 8 * 7)
    found_chunked, chosen_chunked = q.decision.best(everything)
    assert (found_chunked == found).all() and (chosen_chunked == chosen).all()
    assert (q.decision.closest(everything) == nearest).all()
    assert found.sum() > 0 and (~found).sum() > 0
    # Claims hold only units held.
    assert not (chosen & ~everything).any() and not (nearest & ~everything).any()
    monkeypatch.undo()
    for r in np.random.default_rng(5929).choice(len(everything), size=60, replace=False):
        row = everything[r]
        assert as_claim(found[r], chosen[r]) == cpsat.best_claim(q, held(row)), held(row)
        assert held(nearest[r]) == cpsat.closest_claim(q, held(row)), held(row)


@pytest.mark.parametrize("qan", [ISP_CERTIFICATE, ISP_DIPLOMA, ISP_APPRENTICESHIP])
def test_isp_seeded_cohort_matches_cpsat(qualification, qan):
    """Seeded random cohorts of the ISP pools, sparse to nearly full, with repeated learners."""
    q, _ = qualification(qan)
    rng = np.random.default_rng(3788)
    n = len(q.units)
    rows = np.concatenate([rng.random((12, n)) < p for p in (0.2, 0.5, 0.8, 0.95)])
    available = np.concatenate([rows, rows[::3]])
    found, chosen = claims.best_claims(q, available)
    nearest = claims.closest_claims(q, available)
    outcomes = set()
    for r, row in enumerate(available):
        expected = cpsat.best_claim(q, held(row))
        outcomes.add(expected is None)
        assert as_claim(found[r], chosen[r]) == expected, held(row)
        assert held(nearest[r]) == (expected if expected is not None else cpsat.closest_claim(q, held(row)))
    if qan != ISP_APPRENTICESHIP:  # 11 mandatory units: a random learner rarely holds them all
        assert outcomes == {True, False}


# ---- 4. either and not both: CP-SAT, through the same entry points --------------------------------------
@pytest.mark.parametrize("text, kind", [(BARRED, "a `not both` bar"), (EITHER_WITH_CAPS, "an `either` block")],
                         ids=["not both", "either"])
def test_either_and_not_both_are_decided_by_cpsat(text, kind):
    ruleset, q = compiled(text)
    assert isinstance(q.decision, Unsupported)
    assert q.decision.reason == f"{kind} needs CP-SAT"
    assert q.engine == f"CP-SAT: {kind} needs CP-SAT"
    brute = BruteForce(ruleset)
    n = len(q.units)
    # Every possible holding, each twice, the second copies in reverse.
    rows = np.array(list(itertools.product([False, True], repeat=n)), dtype=bool)
    available = np.concatenate([rows, rows[::-1]])
    found, chosen = claims.best_claims(q, available)
    nearest = claims.closest_claims(q, available)
    for r, row in enumerate(available):
        expected = cpsat.best_claim(q, held(row))
        assert as_claim(found[r], chosen[r]) == expected
        picked = brute.best({q.units[i].ref for i in held(row)})
        assert expected == (None if picked is None else indices(q, picked))
        assert held(nearest[r]) == cpsat.closest_claim(q, held(row))
        assert held(nearest[r]) == indices(q, brute.closest({q.units[i].ref for i in held(row)}))


@exactness_settings(max_examples=40)
@given(st.data())
def test_mixed_rulesets_answer_through_claims(data):
    """Any ruleset, sums with either blocks and bars among them: claims.* give CP-SAT's answers row by row."""
    text, _ = data.draw(sum_rulesets(), label="sums")
    extra = data.draw(st.sampled_from(["either", "not both"]), label="extra")
    _, q0 = compiled(text)
    first, second = q0.units[0].ref, q0.units[-1].ref
    if extra == "not both":
        text += f"  not both {first} and {second}\n"
    else:
        text += f"  either\n    all of {first}\n  or\n    at least 2 units\n  end\n"
    _, q = compiled(text)
    assert isinstance(q.decision, Unsupported) and "CP-SAT" in q.decision.reason
    available = availability(data.draw, len(q.units), min_rows=1, max_rows=3)
    available = np.concatenate([available, available[:1]])
    found, chosen = claims.best_claims(q, available)
    nearest = claims.closest_claims(q, available)
    for r, row in enumerate(available):
        assert as_claim(found[r], chosen[r]) == cpsat.best_claim(q, held(row))
        assert held(nearest[r]) == cpsat.closest_claim(q, held(row))


# ---- 5. too many states ------------------------------------------------------------------------------------
def glh_groups(sizes: list[int]) -> str:
    """One group per size, each with GLH 7, 9 and `size` (gcd 1: 7 and 9 are coprime), and a rule
    `at least size - 1 glh from` it: a saturating running total of `size` states."""
    lines = []
    for g, size in enumerate(sizes, start=1):
        lines.append(f'group {g} "Group {g}"')
        for k, glh in enumerate((7, 9, size), start=1):
            lines.append(f'unit G{g}U{k} "g{g}u{k}" level 3 credits {k} glh {glh}')
    lines += [f'qualification {QAN} "Many states"', "  units from " + ", ".join(f"Group {g}" for g in
                                                                                 range(1, len(sizes) + 1))]
    lines += [f"  at least {size - 1} glh from Group {g}" for g, size in enumerate(sizes, start=1)]
    return "\n".join(lines) + "\n"


def test_max_states_is_the_limit():
    assert MAX_STATES == 4096  # the sizes below are chosen around it
    _, q = compiled(glh_groups([64, 64]))
    assert isinstance(q.decision, Decision) and q.decision.states == MAX_STATES
    _, q = compiled(glh_groups([17, 241]))  # 4097 states
    assert isinstance(q.decision, Unsupported)
    assert q.decision.reason == "4097 states are more than the compiled engine keeps"
    assert "states" in q.engine and q.engine.startswith("CP-SAT")


def test_too_many_states_falls_back_to_cpsat():
    # A credit cap makes the search bind (9 units of 1, 2 and 3 credits: 18 in all).
    _, q = compiled(glh_groups([51, 51, 51]) + "  at most 15 credits\n")
    assert isinstance(q.decision, Unsupported)
    assert "states" in q.decision.reason and str(51 ** 3) in q.decision.reason
    n = len(q.units)
    available = np.array([[True] * n, [True, True, False] * 3, [True, False, True] * 3, [True] * n], dtype=bool)
    found, chosen = claims.best_claims(q, available)
    nearest = claims.closest_claims(q, available)
    for r, row in enumerate(available):
        assert as_claim(found[r], chosen[r]) == cpsat.best_claim(q, held(row))
        assert held(nearest[r]) == cpsat.closest_claim(q, held(row))
    # Every unit (18 credits): each group needs 50 glh, so its 51-glh unit (3 credits): 9 credits; the
    # other 6 fill up with 1- and 2-credit units, the earliest first: G1U1 + G1U2 + G2U1 + G2U2 = 6.
    assert held(chosen[0]) == (0, 1, 2, 3, 4, 5, 8)
    # Without the 51-glh units no group reaches 50 glh: within 15 credits everything held counts.
    assert not found[1] and held(nearest[1]) == held(available[1])
