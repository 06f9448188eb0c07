"""What achievement-log rows make of a unit: hand-worked cases of criteria met, referred, signed off and
verified, on a unit of two outcomes and three criteria."""

from __future__ import annotations

import datetime as dt

from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.records.achievement import (
    CriterionEvidence, CriterionResult, SignOff, Stage, learner_progress, unit_progress)

RULESET = build_ruleset('''\
unit L3B1  "Understand Sales Communication"  level 3  credits 3
  outcome 1 knowledge "Understand effective communication in sales"
    1.1 "Explain the importance of effective communication in the sales process"
    1.2 "Explain communication channels used within sales"
  outcome 2 knowledge "Understand a communication cycle and barriers"
    2.1 "Explain a communication cycle and its application in the workplace"
unit L3B2  "Understand Organisations"  level 3  credits 3

qualification 610/3791/6 "Award"
  units from L3B1, L3B2
  all of L3B1, L3B2
''', "award.qual")
UNITS = {unit.ref: unit for unit in RULESET.units}
L3B1 = UNITS["L3B1"]


def row(criterion: str, day: int | None, result: CriterionResult = CriterionResult.MET) -> CriterionEvidence:
    return CriterionEvidence("L3B1", criterion, result, None if day is None else dt.date(2024, 5, day),
                             "portfolio p.3", "assignment", "A. Assessor")


def sign_off(signed: int | None = 20, learner: int | None = 21, verified: int | None = None) -> SignOff:
    def on(day):
        return None if day is None else dt.date(2024, 5, day)
    return SignOff("L3B1", on(signed), "A. Assessor", on(learner), on(verified), "V. Verifier" if verified else None)


def test_every_criterion_met_is_achieved_on_the_last_date_but_counts_only_once_signed_off():
    rows = [row("1.1", 3), row("2.1", 9), row("1.2", 7)]
    progress = unit_progress(L3B1, rows, None)
    assert (progress.stage, progress.achieved_on, progress.met, progress.missing) == (
        Stage.CRITERIA_MET, dt.date(2024, 5, 9), ("1.1", "1.2", "2.1"), ())
    assert not progress.counts
    assert unit_progress(L3B1, rows, sign_off(learner=None)).stage is Stage.CRITERIA_MET
    signed = unit_progress(L3B1, rows, sign_off())
    assert (signed.stage, signed.counts, signed.claimable) == (Stage.SIGNED_OFF, True, False)
    verified = unit_progress(L3B1, rows, sign_off(verified=25))
    assert (verified.stage, verified.counts, verified.claimable) == (Stage.VERIFIED, True, True)


def test_a_missing_criterion_keeps_the_unit_in_progress_whatever_is_signed():
    progress = unit_progress(L3B1, [row("1.1", 3), row("2.1", 9)], sign_off(verified=25))
    assert progress.stage is Stage.IN_PROGRESS
    assert [c.number for c in progress.missing] == ["1.2"]
    assert progress.missing[0].text == "Explain communication channels used within sales"
    assert progress.achieved_on is None and not progress.counts


def test_a_referral_then_a_pass_is_met_on_the_pass_and_a_referral_alone_is_missing_and_referred():
    rows = [row("1.1", 2, CriterionResult.REFERRED), row("1.1", 6), row("1.2", 4),
            row("2.1", 5, CriterionResult.NOT_YET), row("2.1", 8, CriterionResult.REFERRED)]
    progress = unit_progress(L3B1, rows, None)
    assert progress.met == ("1.1", "1.2")
    assert progress.referred == ("2.1",)
    # A later referral does not undo a criterion already met.
    again = unit_progress(L3B1, rows + [row("2.1", 10), row("1.1", 12, CriterionResult.REFERRED)], None)
    assert (again.stage, again.achieved_on) == (Stage.CRITERIA_MET, dt.date(2024, 5, 10))


def test_a_criterion_met_twice_is_met_on_the_earlier_date():
    progress = unit_progress(L3B1, [row("1.1", 9), row("1.1", 3), row("1.2", 4), row("2.1", 5)], None)
    assert progress.achieved_on == dt.date(2024, 5, 5)


def test_a_met_criterion_without_a_date_leaves_the_unit_without_an_achievement_date():
    progress = unit_progress(L3B1, [row("1.1", None), row("1.2", 4), row("2.1", 5)], sign_off())
    assert (progress.stage, progress.achieved_on) == (Stage.SIGNED_OFF, None)


def test_rows_for_criteria_the_unit_does_not_declare_are_ignored():
    progress = unit_progress(L3B1, [row("1.1", 3), row("1.2", 4), row("2.1", 5), row("2.2", 6)], None)
    assert (progress.met, progress.achieved_on) == (("1.1", "1.2", "2.1"), dt.date(2024, 5, 5))


def test_learner_progress_covers_each_unit_with_criteria_that_the_log_names_in_order():
    signed_only = SignOff("L3B1", dt.date(2024, 5, 1), "A. Assessor", None, None, None)
    progress = learner_progress([], [signed_only], UNITS)
    assert list(progress) == ["L3B1"] and progress["L3B1"].stage is Stage.IN_PROGRESS
    # A result given directly, with no criterion rows, stands as recorded: the sign-off does not make the
    # unit judged from criteria it never logged.
    assert learner_progress([], [signed_only], UNITS, given={"L3B1"}) == {}
    # L3B2 declares no criteria: a unit result row is what achieves it, not a log.
    other = CriterionEvidence("L3B2", "1.1", CriterionResult.MET, dt.date(2024, 5, 1), None, None, None)
    assert learner_progress([other], [], UNITS) == {}
