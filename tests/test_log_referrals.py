"""A referral recorded after a unit's sign-off (an IQA sending the unit back, say): a later row cannot undo an
assessment already made, so the unit still counts, but the log no longer says whether the sign-off stands.
It is warned about at the referral's row (QR545), and the unit is not claimed for certification until the
record is put right; explain, the log page and the claim say why. Read against examples/achievement-log.qual:
the Award 999/0001/4 of SC1 (criteria 1.1, 1.2, 2.1) and SC2 (criterion 1.1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualrules.cli import main
from qualrules.interpreter.diagnostics import render_plain
from qualrules.interpreter.engine import assessment
from qualrules.interpreter.records.readers import read_records

from conftest import ACHIEVEMENT_LOG_RULESET
from criteria_demo import AWARD as DEMO_AWARD, RULESET as DEMO_RULESET, every, logged, met, signed
from qualrules.interpreter.records.achievement import CriterionResult

AWARD = "999/0001/4"
HEADER = ("learner,unit,criterion,result,achieved_on,evidence,method,assessor,signed_off_on,learner_signed_on,"
          "iqa_verified_on,iqa_verifier,registered_on")


def complete(learner: str) -> list[str]:
    """Every criterion of SC1 and SC2 met, each unit signed off on 5 and 12 April and verified on 20 April."""
    return [f"{learner},SC1,1.1,met,2024-03-04,p.2,assignment,A. Khan,,,,,2024-01-10",
            f"{learner},SC1,1.2,met,2024-03-18,p.5,assignment,A. Khan,,,,,",
            f"{learner},SC1,2.1,met,2024-04-02,obs 1,observation,A. Khan,,,,,",
            f"{learner},SC1,,,,,,A. Khan,2024-04-05,2024-04-06,2024-04-20,R. Patel,",
            f"{learner},SC2,1.1,met,2024-04-09,p.9,assignment,A. Khan,,,,,",
            f"{learner},SC2,,,,,,A. Khan,2024-04-12,2024-04-12,2024-04-20,R. Patel,"]


ROWS = [
    # R01: the IQA refers SC2 on 25 April, after verifying it on 20 April (a unit row).
    *complete("R01"), "R01,SC2,,referred,2024-04-25,IQA sample: not the learner's own work,,R. Patel,,,,,",
    # R02: SC1 1.2 is referred on 7 April, after SC1's sign-off of 5 April (a criterion row).
    *complete("R02"), "R02,SC1,1.2,referred,2024-04-07,p.6,assignment,A. Khan,,,,,",
    # R03: a referral before the sign-off, then a pass: nothing to say.
    *complete("R03"), "R03,SC1,1.2,referred,2024-03-11,p.4,assignment,A. Khan,,,,,",
]


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("achievement-log.qual").write_text(ACHIEVEMENT_LOG_RULESET.read_text(encoding="utf-8"), encoding="utf-8")
    Path("log.csv").write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    return tmp_path


def line_of(text: str) -> int:
    return ROWS.index(text) + 2


def test_a_referral_after_the_sign_off_is_a_located_warning_naming_the_unit_and_both_dates(folder, log_library):
    records = read_records("log.csv", log_library.vocabulary())
    assert records.diagnostics == ()
    hint = ("if the IQA rejected the unit, withdraw its sign-off and verification in the system the log comes "
            "from, and export it again; otherwise correct or delete this row")
    assert [render_plain(w) for w in records.warnings] == [
        f"log.csv:{line_of(ROWS[6])}: warning[QR545]: SC2 is referred on 2024-04-25, after the IQA verified the "
        f"unit on 2024-04-20, at line {line_of(ROWS[5])}: the unit still counts, since a later row cannot undo an "
        f"assessment already made, but it is not claimed for certification ({hint})",
        f"log.csv:{line_of(ROWS[13])}: warning[QR545]: SC1 1.2 is referred on 2024-04-07, after the assessor "
        f"signed the unit off on 2024-04-05, at line {line_of(ROWS[10])}: the unit still counts, since a later row "
        "cannot undo an "
        f"assessment already made, but it is not claimed for certification ({hint})"]


def test_the_verdict_stands_and_check_gives_the_warnings(folder):
    result = run("check", "log.csv", "-q", AWARD, "--ruleset", "achievement-log.qual", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert [(row["learner"], row["status"]) for row in json.loads(result.stdout)] == [
        ("R01", "achieved"), ("R02", "achieved"), ("R03", "achieved")]
    assert result.stderr.count("warning[QR545]") == 2


def test_the_unit_referred_after_its_sign_off_is_not_claimed(folder, snapshot):
    result = run("claim", "log.csv", "-q", AWARD, "--ruleset", "achievement-log.qual", "-o", "claim.csv")
    assert result.exit_code == 1
    assert result.stderr == snapshot
    assert [line.split(",")[0] for line in Path("claim.csv").read_text(encoding="utf-8-sig").splitlines()[1:]] \
        == ["R03"]


def test_explain_and_the_log_page_show_the_referral(folder, snapshot):
    explained = run("explain", "log.csv", "--learner", "R01", "-q", AWARD, "--ruleset", "achievement-log.qual",
                    "--no-color")
    assert explained.exit_code == 0
    assert explained.stdout == snapshot
    assert run("log", "log.csv", "--learner", "R02", "-q", AWARD, "--ruleset", "achievement-log.qual",
               "-o", "log.html").exit_code == 0
    assert ("signed off; criterion 1.2 referred on 2024-04-07 (log.csv:15), after the assessor signed it off on "
            "2024-04-05, so it cannot be claimed for certification yet") in Path("log.html").read_text(encoding="utf-8")


def test_a_unit_result_given_directly_and_referred_after_its_sign_off_is_not_claimed(folder, log_library):
    Path("units.csv").write_text(
        "learner,unit,result,achieved_on,assessor,signed_off_on,learner_signed_on,iqa_verified_on,iqa_verifier\n"
        "U01,SC1,pass,2024-03-01,A. Khan,2024-04-01,2024-04-01,2024-04-10,R. Patel\n"
        "U01,SC2,pass,2024-03-02,A. Khan,2024-04-01,2024-04-01,2024-04-10,R. Patel\n"
        "U01,SC2,Referred,2024-04-11,,,,,\n", encoding="utf-8")
    records = read_records("units.csv", log_library.vocabulary())
    assert [(w.code, w.location.line) for w in records.warnings] == [("QR545", 4)]
    result = run("claim", "units.csv", "-q", AWARD, "--ruleset", "achievement-log.qual", "-o", "claim.csv")
    assert result.exit_code == 1
    assert ("note: learner 'U01' is not ready to be claimed for 999/0001/4: SC2: referred on 2024-04-11 "
            "(units.csv:4), after the IQA verified it on 2024-04-10") in result.stderr


def test_readiness_reads_the_referral_from_the_learner_s_record_itself():
    # A learner built directly, as the API takes one: L3B2's criterion 1.1 is referred after its sign-off.
    evidence = [*every("L3B1"), *every("L3B2", 5), met("L3B2", "1.1", 12, CriterionResult.REFERRED)]
    referred = logged("C1", evidence, [signed("L3B1", 12), signed("L3B2", 10)])
    ready, not_ready = assessment.cohort_readiness(DEMO_AWARD, DEMO_RULESET, [referred], ["C1"], {},
                                                   {"pass"}.__contains__)
    assert (ready, not_ready) == ([], [("C1", ("L3B2: criterion 1.1 referred on 2024-05-13, after the assessor "
                                               "signed it off on 2024-05-11",))])

