"""explain, plan and the certification claim on criteria: the missing assessment criteria by learning outcome,
a unit's sign-off and verification, KSB coverage, the cheapest finish by criteria still to meet (proven
against every choice of units), and who is ready to be claimed for certification."""

from __future__ import annotations

import itertools
import json
import random

import attrs
import click
import pytest

from criteria_demo import (AWARD, CATALOGUE, CERTIFICATE, RULESET, UNITS, every, logged, met, signed)
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.engine import assessment, journeys, planner
from qualrules.interpreter.engine.claims import best_claims
from qualrules.interpreter.engine.compiler import compile_ruleset
from qualrules.interpreter.engine.decision import Unsupported
from qualrules.interpreter.engine.evaluator import unit_masks
from qualrules.interpreter.presentation.journeys_text import explanation_text, plan_text
from qualrules.interpreter.records.achievement import CriterionResult
from qualrules.interpreter.records.learner import Learner

COUNTS = {"pass"}.__contains__


def explained(q, learner: Learner) -> journeys.Explanation:
    return assessment.with_criteria(journeys.explain(q, learner, COUNTS), RULESET, learner, COUNTS)


# L3B1 lacks 2.2 (referred once); L3B2 is signed off and verified.
SHORT = logged("A1", every("L3B1", but=("2.2",)) + every("L3B2", 5)
               + [met("L3B1", "2.2", 9, CriterionResult.REFERRED)], [signed("L3B2", 10), signed("L3B1", 12)])


def test_explain_names_each_missing_criterion_by_outcome_and_the_ksbs_evidenced_and_remaining(snapshot):
    explanation = explained(AWARD, SHORT)
    assert not explanation.verdict.achieved
    text = click.unstyle(explanation_text(explanation))
    assert "L3B1 2.2 Explain barriers to effective communication  (referred)" in text
    assert text == snapshot


def test_explain_json_carries_the_criteria_and_the_ksbs():
    data = explained(AWARD, SHORT).to_json()["criteria"]
    l3b1, l3b2 = data["units"]
    assert (l3b1["stage"], l3b1["met"], l3b1["total"]) == ("in progress", 3, 4)
    assert l3b1["missing"] == [{"outcome": 2, "text": "Understand a communication cycle and barriers",
                                "criteria": [{"criterion": "2.2", "text": "Explain barriers to effective "
                                              "communication", "referred": True}]}]
    assert (l3b2["stage"], l3b2["achieved_on"], l3b2["missing"]) == ("verified", "2024-05-06", [])
    [ksbs] = data["ksbs"]
    assert [(k["ksb"], k["units"]) for k in ksbs["evidenced"]] == [("S1", ["L3B2"])]
    assert [(k["ksb"], k["units"]) for k in ksbs["remaining"]] == [("K7", ["L3B1"]), ("B8", ["L3B1"]), ("K9", [])]


def test_a_unit_with_every_criterion_met_says_what_it_still_needs_before_it_counts_and_can_be_claimed():
    learner = logged("A2", every("L3B1") + every("L3B2", 5),
                     [signed("L3B1", 12, learner=False), signed("L3B2", 10, verified=False)])
    found = {u.unit.ref: u for u in explained(AWARD, learner).criteria.units}
    assert found["L3B1"].standing == ("every criterion met, not yet signed off by the learner, so it does not "
                                      "count yet")
    assert found["L3B2"].standing == ("signed off; not yet verified by the IQA, so it cannot be claimed for "
                                      "certification yet")
    assert found["L3B1"].gaps == ()
    text = click.unstyle(explanation_text(explained(AWARD, learner)))
    assert "L3B1  Understand Sales Communication: every criterion met, not yet signed off by the learner" in text
    # The cheapest finish adds L3B1, whose log says all it needs is the learner's signature.
    assert ("+ L3B1  Understand Sales Communication  (3 credits, 15 GLH): every criterion met, not yet signed "
            "off by the learner, so it does not count yet") in text


def test_every_criterion_met_and_signed_off_achieves_from_the_log_alone():
    learner = logged("A3", every("L3B1") + every("L3B2", 5), [signed("L3B1", 12), signed("L3B2", 10)])
    explanation = explained(AWARD, learner)
    assert explanation.verdict.achieved
    assert [k.ksb.code for k in explanation.criteria.ksbs[0].evidenced] == ["K7", "S1", "B8"]


def test_a_learner_without_a_log_is_explained_exactly_as_before():
    plain = logged("P1", results=("L3B1",))
    explanation = journeys.explain(AWARD, plain, COUNTS)
    assert assessment.criteria_detail(AWARD, RULESET, plain, COUNTS) is None
    with_none = attrs.evolve(explanation, criteria=None)
    assert explanation_text(with_none) == explanation_text(explanation)
    assert json.dumps(with_none.to_json()) == json.dumps(explanation.to_json())
    assert "criteria" not in explanation.to_json()


# ---- plan --minimise criteria ------------------------------------------------------------------------------

def test_the_plan_by_criteria_prefers_the_unit_nearest_to_complete(snapshot):
    learner = logged("A4", every("L3B1", but=("2.2",)) + every("L3B2", 5) + every("L3S2", 3, but=("1.2",)),
                     [signed("L3B2", 10)])
    by_credits = planner.plan(CERTIFICATE, learner, COUNTS, exclude=["L3X9"])
    by_criteria = planner.plan(CERTIFICATE, learner, COUNTS, minimise="criteria", catalogue=UNITS,
                               exclude=["L3X9"])
    assert by_credits.add == ("L3B1", "L3S1")  # a tie on credits goes to the earlier unit
    assert (by_criteria.add, by_criteria.cost) == (("L3B1", "L3S2"), 2)
    assert click.unstyle(plan_text(CERTIFICATE, by_criteria)) == snapshot


def test_the_plan_says_what_the_log_shows_of_each_unit_it_adds_as_explain_does():
    finish = planner.plan(AWARD, SHORT, COUNTS)
    criteria = assessment.criteria_detail(AWARD, RULESET, SHORT, COUNTS)
    line = "+ L3B1  Understand Sales Communication  (3 credits, 15 GLH): in progress: 3 of 4 criteria met"
    assert line in click.unstyle(plan_text(AWARD, finish, (), criteria))
    assert line in click.unstyle(explanation_text(explained(AWARD, SHORT)))


def test_a_unit_with_every_criterion_met_but_not_signed_off_costs_nothing_to_finish():
    learner = logged("A5", every("L3B1") + every("L3B2", 5), [signed("L3B2", 10)])
    finish = planner.plan(AWARD, learner, COUNTS, minimise="criteria", catalogue=UNITS)
    assert (finish.status, finish.add, finish.cost) == (planner.PlanStatus.PLANNED, ("L3B1",), 0)


def test_criteria_cannot_be_minimised_over_a_unit_that_declares_none():
    with pytest.raises(planner.MeasureNotDeclared, match="L3X9 declares no assessment criteria"):
        planner.plan(CERTIFICATE, SHORT, COUNTS, minimise="criteria", catalogue=UNITS)
    with pytest.raises(ValueError, match="needs the catalogue"):
        planner.plan(CERTIFICATE, SHORT, COUNTS, minimise="criteria")


def random_log(rng: random.Random, number: int) -> Learner:
    evidence, sign_offs = [], []
    for ref in ("L3B1", "L3B2", "L3S1", "L3S2"):
        chosen = [c.number for c in UNITS[ref].criteria if rng.random() < 0.6]
        evidence += [met(ref, c, rng.randrange(20)) for c in chosen]
        if len(chosen) == len(UNITS[ref].criteria) and rng.random() < 0.6:
            sign_offs.append(signed(ref, 25))
    return logged(f"R{number}", evidence, sign_offs)


@pytest.mark.parametrize("engine", ["compiled", "cp-sat"])
def test_the_plan_by_criteria_is_the_least_of_every_choice_of_units(engine):
    q = CERTIFICATE if engine == "compiled" else attrs.evolve(CERTIFICATE, decision=Unsupported("tested"))
    rng = random.Random(8)
    learners = [random_log(rng, n) for n in range(40)]
    to_go = assessment.criteria_to_go(q, UNITS, learners)
    held = planner.HeldUnits.of(len(q.units), [planner.holdings_of(q, learner, COUNTS) for learner in learners])
    plans = planner.plan_many(q, learners, held, minimise="criteria", catalogue=UNITS, exclude=["L3X9"])
    candidates = [i for i, unit in enumerate(q.units) if unit.ref != "L3X9"]
    for row, (learner, finish) in enumerate(zip(learners, plans)):
        have = set(held.certain[row].nonzero()[0].tolist())
        best = None
        for size in range(len(candidates) + 1):
            for added in itertools.combinations([i for i in candidates if i not in have], size):
                found, _ = best_claims(q, unit_masks(len(q.units), [frozenset(have | set(added))]))
                if found[0]:
                    key = (sum(int(to_go[row, i]) for i in added), size)
                    best = key if best is None or key < best else best
        if finish.status is planner.PlanStatus.ALREADY_ACHIEVED:
            assert best == (0, 0)
        else:
            assert (finish.cost, finish.units_to_add) == best, learner.id


# ---- readiness for the certification claim ------------------------------------------------------------------

def test_a_learner_is_ready_once_every_unit_of_a_claim_is_signed_off_and_verified():
    ready = assessment.readiness(AWARD, RULESET, logged("C1", every("L3B1") + every("L3B2", 5),
                                                      [signed("L3B1", 12), signed("L3B2", 10)]), COUNTS)
    assert ready.ready
    assert [(u.unit.ref, u.result, u.achieved_on.isoformat(), u.sign_off.iqa_verifier) for u in ready.claim] == [
        ("L3B1", "pass", "2024-05-04", "V. Verifier"), ("L3B2", "pass", "2024-05-06", "V. Verifier")]


def test_a_learner_not_ready_is_told_why_for_each_unit():
    unverified = logged("C2", every("L3B1") + every("L3B2", 5),
                        [signed("L3B1", 12, verified=False), signed("L3B2", 10)])
    assert assessment.readiness(AWARD, RULESET, unverified, COUNTS).reasons == ("L3B1: not yet verified by the IQA",)
    direct = logged("C3", every("L3B2", 5), [signed("L3B2", 10)], results=("L3B1",))
    assert assessment.readiness(AWARD, RULESET, direct, COUNTS).reasons == ("L3B1: no sign-off recorded",)
    # Short of the Award: the rule not met, and the unit on the way with what it still needs.
    assert assessment.readiness(AWARD, RULESET, SHORT, COUNTS).reasons == (
        "has not achieved 900/0000/6: all of L3B1, L3B2: 1 of 2 units counted, still needed: L3B1",
        "L3B1: in progress: 3 of 4 criteria met")


def test_a_unit_result_given_directly_stands_for_the_claim_once_signed_off_and_verified():
    # L3B1 declares criteria, but its result (a credit transfer, say) is given directly, with no criterion
    # rows: the result stands as recorded, so the signed-off, verified unit may be claimed.
    direct = logged("C5", every("L3B2", 5), [signed("L3B1", 12), signed("L3B2", 10)], results=("L3B1",))
    ready = assessment.readiness(AWARD, RULESET, direct, COUNTS)
    assert ready.ready and [u.unit.ref for u in ready.claim] == ["L3B1", "L3B2"]
    assert [found.unit.ref for found in explained(AWARD, direct).criteria.units] == ["L3B2"]
    # A sign-off with neither criterion rows nor a result is still a unit whose criteria are all to meet.
    unlogged = logged("C6", every("L3B2", 5), [signed("L3B1", 12), signed("L3B2", 10)])
    assert [(found.unit.ref, found.standing) for found in explained(AWARD, unlogged).criteria.units] == [
        ("L3B1", "in progress: 0 of 4 criteria met"), ("L3B2", "signed off and verified by the IQA")]


def test_a_unit_is_claimed_only_with_its_verifier_named():
    units = every("L3B1") + every("L3B2", 5)
    nobody_verified = logged("C7", units, [attrs.evolve(signed("L3B1", 12), iqa_verifier="  "), signed("L3B2", 10)])
    assert assessment.readiness(AWARD, RULESET, nobody_verified, COUNTS).reasons == (
        "L3B1: the verification of 2024-05-18 names no IQA verifier",)
    # explain says the same: the unit is verified, but by no one named.
    assert explained(AWARD, nobody_verified).criteria.units[0].standing == (
        "signed off; the verification of 2024-05-18 names no IQA verifier, so it cannot be claimed for "
        "certification yet")
    # It still counts: the verdict is the record's, the claim the awarding body's.
    assert explained(AWARD, nobody_verified).verdict.achieved


def test_a_unit_is_claimed_only_with_its_assessor_named():
    units = every("L3B1") + every("L3B2", 5)
    no_assessor = logged("C8", units, [attrs.evolve(signed("L3B1", 12), assessor=" "), signed("L3B2", 10)])
    assert assessment.readiness(AWARD, RULESET, no_assessor, COUNTS).reasons == (
        "L3B1: the sign-off of 2024-05-13 names no assessor",)
    found = explained(AWARD, no_assessor).criteria.units[0]
    assert found.standing == ("signed off; the sign-off of 2024-05-13 names no assessor, so it cannot be claimed "
                              "for certification yet")
    assert found.to_json()["standing"] == found.standing
    # The learner signed too and the IQA verified: it counts, but it is not claimed.
    assert explained(AWARD, no_assessor).verdict.achieved
    assert assessment.readiness(AWARD, RULESET, attrs.evolve(no_assessor, sign_offs=(
        signed("L3B1", 12), signed("L3B2", 10))), COUNTS).ready


def test_readiness_claims_from_the_verified_units_when_they_achieve_it_alone():
    # L3S1 is signed off but not verified; the verified units make 10 credits without it.
    learner = logged("C4", every("L3B1") + every("L3S1", 1) + every("L3S2", 2) + every("L3B2", 3),
                     [signed("L3B1", 12), signed("L3S1", 12, verified=False), signed("L3S2", 12),
                      signed("L3B2", 12)])
    ready = assessment.readiness(CERTIFICATE, RULESET, learner, COUNTS)
    assert ready.ready and [u.unit.ref for u in ready.claim] == ["L3B1", "L3B2", "L3S2"]


def test_a_learner_who_may_have_achieved_is_told_what_the_record_lacks():
    text = CATALOGUE.replace('  all of L3B1, L3B2\n', '  all of L3B1, L3B2\n  age 18 or over\n', 1)
    ruleset = build_ruleset(text, "demo.qual")
    award = compile_ruleset(ruleset)[0]
    both = logged("C9", every("L3B1") + every("L3B2", 5), [signed("L3B1", 12), signed("L3B2", 10)])
    unknown_age = attrs.evolve(both, date_of_birth=None)
    assert assessment.readiness(award, ruleset, unknown_age, COUNTS).reasons == (
        "may have achieved 900/0000/6, but the record lacks the date of birth (needed for `age 18 or over`)",)
    assert assessment.readiness(award, ruleset, both, COUNTS).ready
