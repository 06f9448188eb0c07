"""Verdicts on the seed qualifications, each expected value computed by hand from the seed text.

Unit values used below (seed "Overview of Units" / "Overview of units"):

ILM 600/5929/1, registration + 3 years, credits 13..36, all of Group 1, >= 7 credits from Groups 2+3,
at most 6 credits from Group 3:
  Group 1: 8570-228, 8570-229, 8570-205            2 credits each (GLH 7, 7, 6)
  Group 2: 8750-213, -212, -207, -221, -216         1 credit each  (GLH 6, 7, 6, 5, 5)
  Group 3: 8750-300, -302, -307, -326, -303         2 credits each (GLH 9, 9, 4, 7, 9)

ISP (catalogue order within each quadrant, credits in brackets):
  BUSINESS   L3B1(3) L3B2(3) L3B3(2) L3B4(3) L3B5(4) L4B6(3)
  CORE       L3C1(3) L4C2(5) L3C2(4) L3C3(5) L3C4(4) L3C5(5) L3C6(2) L2C5(4)
  LEADERSHIP L3L1(3) L4L6(2) L3L2(3) L2L3(3) L4L4(4) L3L3(4)
  SELF       L3S1(2) L3S2(3) L4S4(3) L3S3(3) L4S3(3) L2S3(2) L4S5(2)
"""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import ILM_CERTIFICATE, ISP_APPRENTICESHIP, ISP_CERTIFICATE, ISP_DIPLOMA, learner
from qualrules.interpreter.engine.evaluator import Status, Verdict, evaluate
from qualrules.interpreter.library import Library

GROUP_1 = ["8570-228", "8570-229", "8570-205"]
APPRENTICESHIP_UNITS = ["L3B1", "L3B5", "L3C1", "L3C2", "L3C3", "L3C4", "L3C5", "L3C6", "L3L1", "L3L3", "L3S3"]


@pytest.fixture(scope="module")
def check(qualification):
    """check(QAN, units, **learner fields) -> Verdict, under the awarding body's result policy."""
    def run(qan: str, units, **fields) -> Verdict:
        compiled, body = qualification(qan)
        return evaluate(compiled, learner(units, **fields), body.counts_as_achieved)
    return run


def set_aside(verdict: Verdict) -> dict[str, str]:
    return {s.unit: s.reason for s in verdict.set_aside}


# ---- ILM Level 2 Certificate in Sales Management -----------------------------------------------

def test_ilm_cap_never_fails_a_learner_with_surplus_group_3_units(check, snapshot):
    # Held: Group 1 (6) + 8750-213 (1) + four Group 3 units (8) = 15 credits.
    # Group 3 is capped at 6, so only three of its units count: 6 + 1 + 6 = 13 >= 13;
    # Groups 2+3 = 1 + 6 = 7 >= 7. Ties between Group 3 units go to the earliest in the catalogue,
    # so 8750-300, -302, -307 count and 8750-326 is set aside. GLH 7+7+6 + 6 + 9+9+4 = 48.
    verdict = check(ILM_CERTIFICATE, GROUP_1 + ["8750-213", "8750-300", "8750-302", "8750-307", "8750-326"])
    assert verdict.status is Status.ACHIEVED
    assert verdict.credits == 13
    assert verdict.glh == 48
    assert verdict.claim == (*GROUP_1, "8750-213", "8750-300", "8750-302", "8750-307")
    assert set_aside(verdict) == {"8750-326": "Group 3 is capped at 6 credits"}
    assert verdict.unmet == ()
    assert verdict.to_json() == snapshot


def test_ilm_cap_makes_groups_2_and_3_fall_short(check, snapshot):
    # Held: Group 1 (6) + four Group 3 units (8). Only 6 Group 3 credits can count, so
    # Groups 2+3 = 6 < 7 and the total is 6 + 6 = 12 < 13.
    verdict = check(ILM_CERTIFICATE, GROUP_1 + ["8750-300", "8750-302", "8750-307", "8750-326"])
    assert verdict.status is Status.NOT_ACHIEVED
    assert verdict.credits == 12
    assert verdict.claim == (*GROUP_1, "8750-300", "8750-302", "8750-307")
    assert "Group 2 or Group 3: 6 credits counted, at least 7 required (Group 3 capped at 6 credits)" \
        in verdict.unmet
    assert "Total: 12 credits counted, at least 13 required (Group 3 capped at 6 credits)" in verdict.unmet
    assert set_aside(verdict) == {"8750-326": "Group 3 is capped at 6 credits"}
    assert verdict.to_json() == snapshot


def test_ilm_minimum_from_group_2_alone(check):
    # Group 1 (6) + all five Group 2 units (5) + 8750-300 (2) = 13; Groups 2+3 = 7; Group 3 = 2 <= 6.
    verdict = check(ILM_CERTIFICATE, GROUP_1 + ["8750-213", "8750-212", "8750-207", "8750-221", "8750-216",
                                                "8750-300"])
    assert (verdict.status, verdict.credits, verdict.set_aside) == (Status.ACHIEVED, 13, ())


def test_ilm_needs_every_group_1_unit(check):
    # 8570-228 and -229 (4) + five Group 2 (5) + three Group 3 (6) = 15 >= 13 and Groups 2+3 = 11 >= 7,
    # but "all of Group 1" lacks 8570-205.
    verdict = check(ILM_CERTIFICATE, ["8570-228", "8570-229", "8750-213", "8750-212", "8750-207", "8750-221",
                                      "8750-216", "8750-300", "8750-302", "8750-307"])
    assert verdict.status is Status.NOT_ACHIEVED
    assert verdict.credits == 15
    assert verdict.unmet == ("all of Group 1: 2 of 3 units counted, still needed: 8570-205",)


FIVE_OPTIONAL = ["8750-213", "8750-212", "8750-207", "8750-221", "8750-300"]  # 1+1+1+1+2 = 6 credits


def test_ilm_unit_after_the_completion_deadline_is_set_aside(check):
    # Registered 2024-01-15; 3 years later is 2027-01-15. 8750-216 on 2027-01-16 is one day late:
    # Group 1 (6) + FIVE_OPTIONAL (6) = 12 < 13, and Groups 2+3 = 6 < 7.
    verdict = check(ILM_CERTIFICATE, GROUP_1 + FIVE_OPTIONAL + [("8750-216", "pass", dt.date(2027, 1, 16))])
    assert verdict.status is Status.NOT_ACHIEVED
    assert verdict.credits == 12
    assert set_aside(verdict) == {
        "8750-216": "achieved on 2027-01-16, after the completion deadline of 2027-01-15"}
    # Not achieved, and the late unit shows the deadline has passed: the window is not met, and says why.
    window = verdict.outcomes[-1]
    assert (window.met, window.detail) == (False, "complete within 3 years: the deadline of 2027-01-15 has passed "
                                                  "with the qualification incomplete; 1 unit achieved after it set "
                                                  "aside (8750-216)")


def test_ilm_unit_after_the_deadline_of_an_achieved_learner_leaves_the_window_met(check):
    # Group 1 (6) + FIVE_OPTIONAL (6) + 8750-216 in time (1) = 13; 8750-303 after the deadline is surplus.
    verdict = check(ILM_CERTIFICATE, GROUP_1 + FIVE_OPTIONAL + [("8750-216", "pass", dt.date(2027, 1, 15)),
                                                                ("8750-303", "pass", dt.date(2027, 1, 16))])
    assert verdict.status is Status.ACHIEVED
    window = verdict.outcomes[-1]
    assert (window.met, window.detail) == (
        True, "complete within 3 years: units achieved by 2027-01-15 count; 1 unit achieved after that set aside")


def test_ilm_unit_on_the_completion_deadline_counts(check):
    # As above but 8750-216 on 2027-01-15, the deadline itself: 6 + 6 + 1 = 13.
    verdict = check(ILM_CERTIFICATE, GROUP_1 + FIVE_OPTIONAL + [("8750-216", "pass", dt.date(2027, 1, 15))])
    assert (verdict.status, verdict.credits) == (Status.ACHIEVED, 13)


def test_ilm_deadline_from_29_february(check):
    # Registered 2024-02-29: three years on is 2027-02-28 (2027 has no 29 February).
    units = GROUP_1 + FIVE_OPTIONAL
    on_time = check(ILM_CERTIFICATE, units + [("8750-216", "pass", dt.date(2027, 2, 28))],
                    registered_on=dt.date(2024, 2, 29))
    late = check(ILM_CERTIFICATE, units + [("8750-216", "pass", dt.date(2027, 3, 1))],
                 registered_on=dt.date(2024, 2, 29))
    assert on_time.status is Status.ACHIEVED
    assert late.status is Status.NOT_ACHIEVED
    assert set_aside(late)["8750-216"] == "achieved on 2027-03-01, after the completion deadline of 2027-02-28"


def test_ilm_unit_achieved_before_registration_counts(check):
    # Prior achievement (2023-05-01, before registering on 2024-01-15) is inside the window: 13 credits.
    verdict = check(ILM_CERTIFICATE, GROUP_1 + FIVE_OPTIONAL + [("8750-216", "pass", dt.date(2023, 5, 1))])
    assert (verdict.status, verdict.credits) == (Status.ACHIEVED, 13)


def test_ilm_missing_registration_date_is_undetermined(check, snapshot):
    # Group 1 (6) + 8750-213 (1) + three Group 3 (6) = 13 would achieve, but without a registration date
    # no unit can be placed inside the 3-year window.
    verdict = check(ILM_CERTIFICATE, GROUP_1 + ["8750-213", "8750-300", "8750-302", "8750-307"],
                    registered_on=None)
    assert verdict.status is Status.UNDETERMINED
    assert not verdict.achieved
    assert verdict.credits == 13
    assert verdict.missing == ("registration date (needed for `complete within 3 years`)",)
    window = next(o for o in verdict.outcomes if o.text == "complete within 3 years")
    assert window.met is None
    assert verdict.to_json() == snapshot


def test_ilm_missing_registration_date_but_not_achievable_anyway(check):
    # Group 1 (6) + 8750-213 (1) = 7 < 13 even if every unit were inside the window.
    verdict = check(ILM_CERTIFICATE, GROUP_1 + ["8750-213"], registered_on=None)
    assert verdict.status is Status.NOT_ACHIEVED
    assert verdict.credits == 7
    assert "Total: 7 credits counted, at least 13 required" in verdict.unmet


def test_ilm_missing_achievement_date_matters_only_when_the_unit_is_needed(check):
    # 8750-213 has no date. Needed: Group 1 (6) + 8750-213 (1) + three Group 3 (6) = 13 -> undetermined.
    needed = check(ILM_CERTIFICATE, GROUP_1 + [("8750-213", "pass", None), "8750-300", "8750-302", "8750-307"])
    assert needed.status is Status.UNDETERMINED
    assert needed.missing == ("achievement date of 8750-213 (needed for `complete within 3 years`)",)
    # Not needed: 8750-212 (1) stands in for it: 6 + 1 + 6 = 13 without 8750-213 -> achieved.
    spare = check(ILM_CERTIFICATE, GROUP_1 + [("8750-213", "pass", None), "8750-212", "8750-300", "8750-302",
                                              "8750-307"])
    assert spare.status is Status.ACHIEVED
    assert spare.credits == 13
    assert set_aside(spare) == {
        "8750-213": "the record lacks the date needed to place it within `complete within 3 years`"}


def test_ilm_failed_attempt_never_counts(check):
    # 8750-307 failed: Group 1 (6) + 8750-213 (1) + 8750-300, -302 (4) = 11 < 13.
    verdict = check(ILM_CERTIFICATE, GROUP_1 + ["8750-213", "8750-300", "8750-302", ("8750-307", "fail")])
    assert verdict.status is Status.NOT_ACHIEVED
    assert verdict.credits == 11
    assert "8750-307" not in verdict.claim
    assert set_aside(verdict) == {"8750-307": "result 'fail' does not count as achieved"}


@pytest.mark.parametrize("result", ["referred", "withdrawn"])
def test_ilm_other_non_achieving_results(check, result):
    # Same record as above with `result` in place of fail: still 11 credits.
    verdict = check(ILM_CERTIFICATE, GROUP_1 + ["8750-213", "8750-300", "8750-302", ("8750-307", result)])
    assert (verdict.status, verdict.credits) == (Status.NOT_ACHIEVED, 11)


@pytest.mark.parametrize("result", ["merit", "distinction", "exemption", "credit transfer"])
def test_ilm_achieving_results_other_than_pass(check, result):
    # 8750-307 achieved by `result`: 6 + 1 + 6 = 13.
    verdict = check(ILM_CERTIFICATE, GROUP_1 + ["8750-213", "8750-300", "8750-302", ("8750-307", result)])
    assert (verdict.status, verdict.credits) == (Status.ACHIEVED, 13)


def test_ilm_unit_passed_twice_counts_once_from_its_earliest_date(check):
    # 8750-300 passed on 2024-06-01 and again on 2027-06-01 (after the 2027-01-15 deadline): it counts
    # once (2 credits, not 4) and from its earliest date, so it is inside the window:
    # 6 + 1 + 2 + 2 + 2 = 13.
    verdict = check(ILM_CERTIFICATE, GROUP_1 + ["8750-213", "8750-300", ("8750-300", "pass", dt.date(2027, 6, 1)),
                                                "8750-302", "8750-307"])
    assert (verdict.status, verdict.credits) == (Status.ACHIEVED, 13)
    assert verdict.claim.count("8750-300") == 1
    assert verdict.set_aside == ()


# ---- ISP Level 3 Certificate in Professional Sales ----------------------------------------------

def test_isp_certificate_counts_a_level_4_unit(check):
    # L3B1 (3) + L3B2 (3) + L3C1 (3) + L4C2 (5) + L3S1 (2) = 16 in 13..36;
    # BUSINESS 2, CORE 2 only with the Level 4 unit L4C2, SELF 1.
    with_l4 = check(ISP_CERTIFICATE, ["L3B1", "L3B2", "L3C1", "L4C2", "L3S1"])
    assert (with_l4.status, with_l4.credits) == (Status.ACHIEVED, 16)
    assert "L4C2" in with_l4.claim
    # Without it: 11 credits and 1 CORE unit.
    without = check(ISP_CERTIFICATE, ["L3B1", "L3B2", "L3C1", "L3S1"])
    assert without.status is Status.NOT_ACHIEVED
    assert without.unmet == ("Total: 11 credits counted, at least 13 required",
                             "CORE: 1 unit counted, at least 2 required")


def test_isp_units_given_by_ofqual_reference(check):
    # L/650/7899 = L3B1 (3), K/651/0342 = L3B2 (3), T/651/0346 = L3C1 (3), Y/651/0347 = L3C2 (4),
    # A/650/7929 = L3S1 (2): 15 credits, reported by ISP reference in catalogue order.
    verdict = check(ISP_CERTIFICATE, ["A/650/7929", "Y/651/0347", "T/651/0346", "K/651/0342", "L/650/7899"])
    assert verdict.status is Status.ACHIEVED
    assert verdict.credits == 15
    assert verdict.claim == ("L3B1", "L3B2", "L3C1", "L3C2", "L3S1")


def test_isp_references_in_any_letter_case_and_both_forms_are_one_unit(check):
    # l/650/7899 and l3b1 are the same unit: BUSINESS has 1 unit, not 2, and 3 credits count, not 6.
    verdict = check(ISP_CERTIFICATE, ["l/650/7899", "l3b1", "L3C1", "L3C2", "L3S1"])
    assert verdict.claim == ("L3B1", "L3C1", "L3C2", "L3S1")
    assert verdict.credits == 3 + 3 + 4 + 2
    assert "BUSINESS: 1 unit counted, at least 2 required" in verdict.unmet


CERTIFICATE_UNITS = ["L3B1", "L3B2", "L3C1", "L3C2", "L3L1"]  # 3+3+3+4+3 = 16; B 2, C 2, L 1


def test_isp_learner_under_18_at_registration(check, snapshot):
    # Born 2006-06-02, registered 2024-06-01: one day short of 18, so aged 17. The units (16 credits) suffice.
    verdict = check(ISP_CERTIFICATE, CERTIFICATE_UNITS, date_of_birth=dt.date(2006, 6, 2),
                    registered_on=dt.date(2024, 6, 1))
    assert verdict.status is Status.NOT_ACHIEVED
    assert verdict.credits == 16
    assert verdict.unmet == ("age 18 or over: aged 17 at registration on 2024-06-01",)
    assert verdict.to_json() == snapshot


def test_isp_learner_turning_18_on_the_registration_date(check):
    # Born 2006-06-01, registered 2024-06-01: exactly 18.
    verdict = check(ISP_CERTIFICATE, CERTIFICATE_UNITS, date_of_birth=dt.date(2006, 6, 1),
                    registered_on=dt.date(2024, 6, 1))
    assert verdict.status is Status.ACHIEVED


@pytest.mark.parametrize("registered_on,status", [
    (dt.date(2022, 2, 28), Status.NOT_ACHIEVED),  # still 17: 2022 has no 29 February
    (dt.date(2022, 3, 1), Status.ACHIEVED),       # 18 from 1 March
])
def test_isp_age_of_a_learner_born_on_29_february(check, registered_on, status):
    verdict = check(ISP_CERTIFICATE, CERTIFICATE_UNITS, date_of_birth=dt.date(2004, 2, 29),
                    registered_on=registered_on)
    assert verdict.status is status


def test_isp_age_decided_at_registration_not_at_achievement(check):
    # Born 2006-06-02: 17 when registered on 2024-01-15, 18 by the time the units were passed (2024-06-01
    # is the day before the birthday, so use 2024-07-01): the entry age is still not met.
    verdict = check(ISP_CERTIFICATE, CERTIFICATE_UNITS, date_of_birth=dt.date(2006, 6, 2),
                    achieved_on=dt.date(2024, 7, 1))
    assert verdict.status is Status.NOT_ACHIEVED
    assert verdict.unmet == ("age 18 or over: aged 17 at registration on 2024-01-15",)


def test_isp_missing_date_of_birth(check):
    # Units suffice (16 credits) but the entry age cannot be checked -> undetermined.
    verdict = check(ISP_CERTIFICATE, CERTIFICATE_UNITS, date_of_birth=None)
    assert verdict.status is Status.UNDETERMINED
    assert verdict.missing == ("date of birth (needed for `age 18 or over`)",)
    # Units fall short (L3B1 + L3C1 = 6 credits): not achieved whatever the age.
    short = check(ISP_CERTIFICATE, ["L3B1", "L3C1"], date_of_birth=None)
    assert short.status is Status.NOT_ACHIEVED


def test_isp_referred_unit_later_passed(check):
    # L3C2 referred on 2024-03-01, passed on 2024-05-01: it counts. 16 credits, CORE 2.
    units = ["L3B1", "L3B2", "L3C1", ("L3C2", "referred", dt.date(2024, 3, 1)), ("L3C2", "pass", dt.date(2024, 5, 1)),
             "L3L1"]
    verdict = check(ISP_CERTIFICATE, units)
    assert (verdict.status, verdict.credits) == (Status.ACHIEVED, 16)
    assert "L3C2" in verdict.claim
    assert verdict.set_aside == ()


def test_isp_referred_unit_not_yet_passed(check):
    # L3C2 only referred: 3+3+3+3 = 12 credits and 1 CORE unit.
    units = ["L3B1", "L3B2", "L3C1", ("L3C2", "referred"), "L3L1"]
    verdict = check(ISP_CERTIFICATE, units)
    assert (verdict.status, verdict.credits) == (Status.NOT_ACHIEVED, 12)
    assert set_aside(verdict) == {"L3C2": "result 'referred' does not count as achieved"}


def test_isp_unit_passed_twice_counts_once(check):
    # L3B1 twice still gives BUSINESS 1 unit and 3 credits: L3B1 (3) + L3C1 (3) + L3C2 (4) + L3L1 (3) = 13,
    # which meets the credit total but not "at least 2 BUSINESS units".
    verdict = check(ISP_CERTIFICATE, ["L3B1", ("L3B1", "pass", dt.date(2024, 9, 1)), "L3C1", "L3C2", "L3L1"])
    assert verdict.credits == 13
    assert verdict.claim == ("L3B1", "L3C1", "L3C2", "L3L1")
    assert verdict.unmet == ("BUSINESS: 1 unit counted, at least 2 required",)


def test_isp_certificate_needs_leadership_or_self(check):
    # L3B1, L3B2, L3C1, L3C2, L3C3: 3+3+3+4+5 = 18 credits; no LEADERSHIP or SELF unit.
    verdict = check(ISP_CERTIFICATE, ["L3B1", "L3B2", "L3C1", "L3C2", "L3C3"])
    assert verdict.status is Status.NOT_ACHIEVED
    assert verdict.unmet == ("LEADERSHIP or SELF: 0 units counted, at least 1 required",)


def test_isp_certificate_maximum_with_42_credits_held(check, snapshot):
    # The 11 Apprenticeship units (40 credits) + L3S1 (2) = 42 > 36: the best claim leaves out exactly
    # 6 credits (shown below to be possible, so 36 is the most). BUSINESS holds only L3B1 and L3B5,
    # so both stay. Ways to leave out 6 (no 1-credit or 6-credit units; 2+2+2 impossible with two
    # 2-credit units): 3+3 from {L3C1, L3L1, L3S3}, or 4+2 from {L3C2, L3C4, L3L3} x {L3C6, L3S1}.
    # Tie-break: keep the earliest units of catalogue order L3B1 L3B5 L3C1 L3C2 L3C3 L3C4 L3C5 L3C6
    # L3L1 L3L3 L3S1 L3S3, i.e. the left-out pair whose earliest member comes latest: {L3L3, L3S1}
    # (the others start at L3C1, L3L1, L3C2, L3C4 or L3C6). CORE 6 units, LEADERSHIP or SELF: L3L1, L3S3.
    verdict = check(ISP_CERTIFICATE, APPRENTICESHIP_UNITS + ["L3S1"])
    assert verdict.status is Status.ACHIEVED
    assert verdict.credits == 36
    assert verdict.claim == ("L3B1", "L3B5", "L3C1", "L3C2", "L3C3", "L3C4", "L3C5", "L3C6", "L3L1", "L3S3")
    assert set_aside(verdict) == {"L3L3": "Total is capped at 36 credits", "L3S1": "Total is capped at 36 credits"}
    assert verdict.to_json() == snapshot


def test_isp_certificate_maximum_with_exactly_40_credits_held(check):
    # The 11 Apprenticeship units (40): leave out exactly 4 credits, one 4-credit unit other than L3B5
    # (needed for BUSINESS): L3C2, L3C4 or L3L3. The latest in catalogue order, L3L3, is left out.
    verdict = check(ISP_CERTIFICATE, APPRENTICESHIP_UNITS)
    assert (verdict.status, verdict.credits) == (Status.ACHIEVED, 36)
    assert set(verdict.claim) == set(APPRENTICESHIP_UNITS) - {"L3L3"}


# ---- ISP Level 3 Diploma and Apprenticeship Diploma --------------------------------------------

# Exactly at each Diploma minimum: BUSINESS L3B1 L3B5 L4B6 (3+4+3 = 10, 3 units); CORE L4C2 L3C2 L3C3 L3C5
# (5+4+5+5 = 19, 4 units); LEADERSHIP L4L6 (2, 1 unit); SELF L3S2 L4S4 (3+3 = 6, 2 units). Total 37.
DIPLOMA_UNITS = ["L3B1", "L3B5", "L4B6", "L4C2", "L3C2", "L3C3", "L3C5", "L4L6", "L3S2", "L4S4"]


def test_isp_diploma_at_every_minimum(check):
    verdict = check(ISP_DIPLOMA, DIPLOMA_UNITS)
    assert (verdict.status, verdict.credits) == (Status.ACHIEVED, 37)
    assert verdict.claim == tuple(DIPLOMA_UNITS)


@pytest.mark.parametrize("left_out,unmet", [
    # 37 - 3 = 34 credits and BUSINESS 2 units.
    ("L3B1", ("Total: 34 credits counted, at least 37 required", "BUSINESS: 2 units counted, at least 3 required")),
    # 37 - 4 = 33 and CORE 3.
    ("L3C2", ("Total: 33 credits counted, at least 37 required", "CORE: 3 units counted, at least 4 required")),
    # 37 - 2 = 35 and LEADERSHIP 0.
    ("L4L6", ("Total: 35 credits counted, at least 37 required",
              "LEADERSHIP: 0 units counted, at least 1 required")),
    # 37 - 3 = 34 and SELF 1.
    ("L4S4", ("Total: 34 credits counted, at least 37 required", "SELF: 1 unit counted, at least 2 required")),
])
def test_isp_diploma_one_unit_short(check, left_out, unmet):
    verdict = check(ISP_DIPLOMA, [u for u in DIPLOMA_UNITS if u != left_out])
    assert verdict.status is Status.NOT_ACHIEVED
    assert verdict.unmet == unmet


def test_isp_diploma_counts_surplus_credits(check):
    # No maximum: DIPLOMA_UNITS (37) + L3L1 (3) + L3S1 (2) = 42, all counted.
    verdict = check(ISP_DIPLOMA, DIPLOMA_UNITS + ["L3L1", "L3S1"])
    assert (verdict.status, verdict.credits) == (Status.ACHIEVED, 42)


def test_isp_apprenticeship_diploma_with_all_eleven_units(check):
    # 3+4+3+4+5+4+5+2+3+4+3 = 40, exactly as required.
    verdict = check(ISP_APPRENTICESHIP, APPRENTICESHIP_UNITS)
    assert (verdict.status, verdict.credits) == (Status.ACHIEVED, 40)
    assert verdict.glh == 200  # 15+20+15+20+25+20+25+10+15+20+15, the seed's TOTAL row


def test_isp_apprenticeship_diploma_without_one_unit(check, snapshot):
    # Without L3S3 (3): 37 credits, and the prescribed list lacks L3S3.
    verdict = check(ISP_APPRENTICESHIP, APPRENTICESHIP_UNITS[:-1])
    assert verdict.status is Status.NOT_ACHIEVED
    assert verdict.unmet == (
        "Total: 37 credits counted, exactly 40 required",
        "all of L3B1, L3B5, L3C1, L3C2, L3C3, L3C4, L3C5, L3C6, L3L1, L3L3, L3S3: 10 of 11 units counted, "
        "still needed: L3S3",
    )
    assert verdict.to_json() == snapshot


def test_isp_apprenticeship_diploma_ignores_units_outside_its_list(check):
    # L3B2 is an ISP unit but not a prescribed one: set aside, 40 credits still counted.
    verdict = check(ISP_APPRENTICESHIP, APPRENTICESHIP_UNITS + ["L3B2"])
    assert (verdict.status, verdict.credits) == (Status.ACHIEVED, 40)
    assert set_aside(verdict) == {"L3B2": "not one of this qualification's units"}


# ---- ISP Awards: each needs all its units -------------------------------------------------------

AWARDS = [
    # QAN (seed "Key Facts"), its units (seed "Qualification Structures - Awards") with their credits;
    # the Key Facts credit value is their sum.
    ("610/3791/6", {"L3B1": 3, "L3B2": 3}),  # 6
    ("610/3792/8", {"L3B3": 2, "L3C6": 2}),  # 4
    ("610/3793/X", {"L3B4": 3}),
    ("610/3794/1", {"L3B5": 4}),
    ("610/3795/3", {"L3C1": 3}),
    ("610/3796/5", {"L3C2": 4, "L3C3": 5}),  # 9
    ("610/3797/7", {"L3C4": 4}),
    ("610/3798/9", {"L3C5": 5}),
    ("610/3799/0", {"L3L1": 3, "L3L2": 3}),  # 6
    ("610/3800/3", {"L3L3": 4}),
    ("610/3801/5", {"L3S1": 2, "L3S2": 3}),  # 5
]
AWARD_UNITS = [unit for _, units in AWARDS for unit in units]


@pytest.mark.parametrize("qan,units", AWARDS, ids=[a[0] for a in AWARDS])
def test_isp_award_with_all_its_units(check, qan, units):
    verdict = check(qan, list(units))
    assert (verdict.status, verdict.credits, verdict.claim) == (Status.ACHIEVED, sum(units.values()),
                                                                tuple(units))


@pytest.mark.parametrize("qan,units", AWARDS, ids=[a[0] for a in AWARDS])
def test_isp_award_missing_each_unit(check, qan, units):
    for missing in units:
        # Every other Award unit is held, so only this one is lacking.
        verdict = check(qan, [u for u in AWARD_UNITS if u != missing])
        assert verdict.status is Status.NOT_ACHIEVED, missing
        assert verdict.credits == sum(units.values()) - units[missing]
        of = f"{len(units)} unit" if len(units) == 1 else f"{len(units)} units"
        assert verdict.unmet[0] == (f"all of {', '.join(units)}: {len(units) - 1} of {of} counted, "
                                    f"still needed: {missing}")


def test_isp_award_claim_holds_only_its_own_units(check):
    # 610/3791/6 is L3B1 + L3B2 (6 credits); the Diploma units held besides (other than L3B1) are set aside.
    verdict = check("610/3791/6", DIPLOMA_UNITS + ["L3B2"])
    assert (verdict.status, verdict.claim, verdict.credits) == (Status.ACHIEVED, ("L3B1", "L3B2"), 6)
    assert len(verdict.set_aside) == len(DIPLOMA_UNITS) - 1


# ---- rule kinds the seeds do not use, on a small ruleset through the real compiler ---------------

DEMO = """\
awarding body DEMO "Demonstration Awarding Body"
group CORE
unit C1 "Core One" level 3 credits 4
unit C2 "Core Two" level 3 credits 4
unit C3 "Core Three" level 3 credits 2
group HIGH
unit H1 "High One" level 5 credits 6
unit H2 "High Two" level 6 credits 3
unit H3 "High Three" level 4 credits 5

qualification 900/0001/1 "Choose two"
  units from CORE
  choose two of C1, C2, C3

qualification 900/0001/2 "Not both"
  units from CORE
  not both C1 and C2
  at least 6 credits

qualification 900/0001/3 "Level five or above"
  units from CORE, HIGH
  at least 8 credits at level 5 or above

qualification 900/0001/4 "Either route"
  units from CORE, HIGH
  either
    all of C1, C2
  or
    at least 1 HIGH unit, at least 6 credits
  end

qualification 900/0001/5 "Capped route"
  units from CORE, HIGH
  at least 10 credits
  either
    at most 4 credits from CORE
  or
    at most 0 credits from HIGH
  end

qualification 900/0001/6 "Routes under a total cap"
  units from CORE, HIGH
  either
    at most 4 credits from CORE
    at least 1 HIGH unit
  or
    at most 3 credits from HIGH
  end
  at most 8 credits

qualification 900/0001/7 "Barred route"
  units from CORE
  either
    not both C1 and C2
    at least 4 credits
  or
    all of C1, C2, C3
  end
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("rulesets") / "demo.qual"
    path.write_text(DEMO, encoding="utf-8")
    library = Library.load(paths=[path], bundled=False)

    def run(qan: str, units) -> Verdict:
        compiled, body = library.qualification(qan)
        return evaluate(compiled, learner(units), body.counts_as_achieved)
    return run


def test_demo_library_holds_only_the_given_file(tmp_path):
    path = tmp_path / "demo.qual"
    path.write_text(DEMO, encoding="utf-8")
    library = Library.load(paths=[path], bundled=False)
    assert sorted(library.qualifications) == [f"900/0001/{n}" for n in range(1, 8)]


def test_choose(demo):
    # C1 (4) + C3 (2): two of the three.
    two = demo("900/0001/1", ["C1", "C3"])
    assert (two.status, two.credits) == (Status.ACHIEVED, 6)
    # Three held: no cap, so all count (10).
    assert demo("900/0001/1", ["C1", "C2", "C3"]).credits == 10
    one = demo("900/0001/1", ["C3"])
    assert one.status is Status.NOT_ACHIEVED
    assert one.unmet == ("choose 2 of C1, C2, C3: 1 unit counted, at least 2 required",)


def test_not_both(demo, snapshot):
    # C1, C2, C3 held: C1 + C3 = 6 and C2 + C3 = 6 tie; C1 comes first in the catalogue.
    verdict = demo("900/0001/2", ["C1", "C2", "C3"])
    assert (verdict.status, verdict.claim, verdict.credits) == (Status.ACHIEVED, ("C1", "C3"), 6)
    assert set_aside(verdict) == {"C2": "barred: not both C1 and C2"}
    barred = next(o for o in verdict.outcomes if o.text == "not both C1 and C2")
    assert (barred.met, barred.detail) == (True, "not both C1 and C2: the record holds both, so only one side is counted")
    assert verdict.to_json() == snapshot


def test_not_both_makes_a_minimum_fall_short(demo):
    # C1 and C2 held: only one may count, 4 < 6.
    verdict = demo("900/0001/2", ["C1", "C2"])
    assert (verdict.status, verdict.claim, verdict.credits) == (Status.NOT_ACHIEVED, ("C1",), 4)
    assert verdict.unmet == ("Total: 4 credits counted, at least 6 required",)


def test_at_level_or_above(demo):
    # H1 (level 5, 6) + H2 (level 6, 3) = 9 >= 8.
    assert demo("900/0001/3", ["H1", "H2"]).status is Status.ACHIEVED
    # H1 (6) counts at level 5+; H3 is level 4 and C1 level 3, so 6 < 8 although 15 credits are held.
    verdict = demo("900/0001/3", ["H1", "H3", "C1"])
    assert (verdict.status, verdict.credits) == (Status.NOT_ACHIEVED, 15)
    assert verdict.unmet == ("Total at level 5 or above: 6 credits counted, at least 8 required",)


def test_either(demo, snapshot):
    # Option 1: C1 and C2.
    first = demo("900/0001/4", ["C1", "C2"])
    assert first.status is Status.ACHIEVED
    assert [o.detail for o in first.outcomes] == ["either (all of C1, C2) or (at least 1 HIGH unit; at least 6 "
                                                  "credits): option 1 is met"]
    # Option 2: H2 (3) + C1 (4) = 7 >= 6 with 1 HIGH unit.
    second = demo("900/0001/4", ["H2", "C1"])
    assert second.status is Status.ACHIEVED
    assert second.outcomes[0].detail.endswith("option 2 is met")
    # Neither: H2 (3) + C3 (2) = 5 < 6, and C1, C2 are not held.
    neither = demo("900/0001/4", ["H2", "C3"])
    assert neither.status is Status.NOT_ACHIEVED
    assert neither.outcomes[0].detail.endswith("none of the 2 options is met")
    assert neither.to_json() == snapshot


def test_either_choosing_between_caps(demo):
    # Held C1 (4), C2 (4), H1 (6), H3 (5): at least 10 credits, and either CORE <= 4 or no HIGH credits.
    # Option 1: one CORE unit (4) + H1 + H3 (11) = 15. Option 2: C1 + C2 = 8 < 10. So 15 via option 1,
    # keeping C1 (earlier than C2).
    verdict = demo("900/0001/5", ["C1", "C2", "H1", "H3"])
    assert (verdict.status, verdict.claim, verdict.credits) == (Status.ACHIEVED, ("C1", "H1", "H3"), 15)
    assert set_aside(verdict) == {"C2": "CORE is capped at 4 credits"}


def test_caps_of_an_option_not_taken_are_not_reasons(demo):
    # Held C1 (4), C2 (4), C3 (2), no HIGH unit, so option 1 (which needs one) cannot hold; option 2 does.
    # The total cap of 8 leaves out 2 credits: C1 + C2 = 8 beats C1 + C3 = C2 + C3 = 6. C3 is left out by
    # the total cap, not by option 1's CORE cap, which the claim (8 CORE credits) does not obey.
    verdict = demo("900/0001/6", ["C1", "C2", "C3"])
    assert (verdict.status, verdict.claim, verdict.credits) == (Status.ACHIEVED, ("C1", "C2"), 8)
    assert set_aside(verdict) == {"C3": "Total is capped at 8 credits"}


def test_a_bar_inside_the_option_taken(demo):
    # Held C1, C2: option 2 lacks C3; option 1 bars holding both, and C1 (4) comes first.
    verdict = demo("900/0001/7", ["C1", "C2"])
    assert (verdict.status, verdict.claim, verdict.credits) == (Status.ACHIEVED, ("C1",), 4)
    assert set_aside(verdict) == {"C2": "barred: not both C1 and C2"}
