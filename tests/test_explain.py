"""`qualrules explain`: the reasoning tree for one learner (snapshots of the seed qualifications and of a
small catalogue with `either` and `not both`), its figures checked by hand, and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ILM_CERTIFICATE, ISP_CERTIFICATE, ISP_DIPLOMA, learner
from qualrules.cli import main
from qualrules.interpreter.engine.journeys import RuleStatus, explain
from qualrules.interpreter.library import Library

ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data"
COHORT = str(ROOT / "examples" / "cohort.csv")
JOURNEYS = str(DATA / "journeys.json")
DEMO = ["--ruleset", str(DATA / "demo.qual")]
DEMO_RECORDS = str(DATA / "demo.csv")


def run(*args: str, color: bool = False):
    return CliRunner().invoke(main, ["explain", *args], color=color)


CASES = {
    "A002-certificate": (COHORT, "A002", ISP_CERTIFICATE, ()),     # three rules short; the finish covers them
    "A001-diploma": (COHORT, "A001", ISP_DIPLOMA, ()),             # the Certificate's units towards the Diploma
    "A003-under-age": (COHORT, "A003", ISP_CERTIFICATE, ()),       # every unit rule met, under age
    "I001-ilm": (JOURNEYS, "I001", ILM_CERTIFICATE, ()),           # Group 1 and two Group 3 units
    "I002-ilm-achieved": (JOURNEYS, "I002", ILM_CERTIFICATE, ()),  # a unit over the Group 3 cap, a referred one
    "I003-ilm-late": (JOURNEYS, "I003", ILM_CERTIFICATE, ()),      # a unit after the completion deadline
    "I004-ilm-undated": (JOURNEYS, "I004", ILM_CERTIFICATE, ()),   # an achievement date missing
    "P002-no-birth-date": (JOURNEYS, "P002", "610/3792/8", ()),    # date of birth missing
    "X1-either-unmet": (DEMO_RECORDS, "X1", "DEMO/1", DEMO),       # `either` unmet, a barred pair
    "X2-either-met": (DEMO_RECORDS, "X2", "DEMO/1", DEMO),         # achieved through the first option
}


@pytest.mark.parametrize("records, learner_id, qan, extra", CASES.values(), ids=CASES.keys())
def test_explain_text(snapshot, records, learner_id, qan, extra):
    result = run(records, "--learner", learner_id, "--qualification", qan, *extra)
    assert result.exit_code in (0, 1), result.output
    assert result.stdout == snapshot


def test_explain_json(snapshot):
    result = run(JOURNEYS, "--learner", "I001", "-q", ILM_CERTIFICATE, "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == snapshot


def test_exit_status_follows_the_verdict():
    assert run(JOURNEYS, "--learner", "I002", "-q", ILM_CERTIFICATE).exit_code == 0
    assert run(JOURNEYS, "--learner", "I001", "-q", ILM_CERTIFICATE).exit_code == 1
    assert run(JOURNEYS, "--learner", "I004", "-q", ILM_CERTIFICATE).exit_code == 1


def test_text_is_coloured_on_a_terminal():
    result = run(COHORT, "--learner", "A002", "-q", ISP_CERTIFICATE, color=True)
    red, green = "\x1b[31m", "\x1b[32m"
    assert f"{red}\x1b[1m✗ " in result.stdout and f"{green}\x1b[1m✓ " in result.stdout


def test_unknown_learner_suggests_the_ids_in_the_file():
    result = run(COHORT, "--learner", "A02", "-q", ISP_CERTIFICATE)
    assert result.exit_code == 2
    assert "no learner 'A02' in" in result.stderr
    assert "did you mean `A002`" in result.stderr


def test_unknown_learner_with_nothing_close_lists_the_ids():
    result = run(COHORT, "--learner", "zzz", "-q", ISP_CERTIFICATE)
    assert result.exit_code == 2
    assert "names A001, A002, A003" in result.stderr


def test_a_learner_whose_rows_cannot_be_read_is_an_error(tmp_path):
    records = tmp_path / "records.csv"
    records.write_text("learner,unit,result,achieved_on\nB1,L3B1,pass,2024-01-01\nB1,L3B1,pased,2024-01-02\n")
    result = run(str(records), "--learner", "B1", "-q", ISP_CERTIFICATE)
    assert result.exit_code == 2
    assert "the result is 'pased'" in result.stderr


def test_unknown_qualification_is_a_usage_error():
    result = run(COHORT, "--learner", "A001", "-q", "610/3788/7")
    assert result.exit_code == 2
    assert "no qualification 610/3788/7 is loaded" in result.stderr


# ---- the figures behind the tree, by hand ----------------------------------------------------------------

def test_failing_rules_carry_their_shortfall_and_the_units_of_the_cheapest_finish(qualification):
    compiled, body = qualification(ISP_CERTIFICATE)
    # A002's record: L3B1, L3B2 (BUSINESS, 3 credits each) and L3C3 (CORE, 5) = 11 credits.
    explanation = explain(compiled, learner(["L3B1", "L3B2", "L3C3"]), body.counts_as_achieved)
    rules = {rule.outcome.text: rule for rule in explanation.rules}
    total = rules["between 13 and 36 credits"]
    assert (total.status, total.outcome.measured, total.shortfall) == (RuleStatus.NOT_MET, 11, 2)
    assert total.towards == ("L3C6", "L4L6")
    core = rules["at least 2 CORE units"]
    assert (core.shortfall, core.towards, core.label) == (1, ("L3C6",), "CORE")
    either = rules["at least 1 LEADERSHIP or SELF unit"]
    assert (either.shortfall, either.towards) == (1, ("L4L6",))
    business = rules["at least 2 BUSINESS units"]
    assert (business.status, business.shortfall, business.towards) == (RuleStatus.MET, None, ())
    age = rules["age 18 or over"]
    assert (age.status, age.label) == (RuleStatus.MET, None)
    assert explanation.plan.add == ("L3C6", "L4L6")


def test_either_options_are_judged_on_the_reported_claim():
    demo = Library.load([DATA / "demo.qual"], bundled=False)
    compiled, body = demo.qualification("DEMO/1")
    explanation = explain(compiled, learner(["D101", "D201", "D202", "D204"]), body.counts_as_achieved)
    either = explanation.rules[1]
    assert [(o.rules, o.met) for o in either.options] == [
        (("all of A",), False), (("at least 6 credits from B at level 3 or above",), False)]
    assert either.towards == ("D102",)  # the finish meets the first option; D203 is for the total
    assert explanation.plan.add == ("D102", "D203")
    assert [(s.unit, s.reason) for s in explanation.verdict.set_aside] == [("D202", "barred: not both D201 and D202")]


# ---- wordings a tutor acts on -----------------------------------------------------------------------------

# Registered 2020-01-10, so the deadline is 2023-01-10. I02: Group 1 and four Group 3 units; I03: Group 1, three
# optional units in time and 8750-307 after the deadline; I05: Group 1 but 8570-228 referred, four optional units.
ILM_ROWS = ("learner,unit,result,achieved_on,registered_on,date_of_birth\n"
            "I02,8570-228,pass,2020-03-01,2020-01-10,1990-05-05\n"
            "I02,8570-229,pass,2020-04-01,2020-01-10,1990-05-05\n"
            "I02,8570-205,pass,2020-05-01,2020-01-10,1990-05-05\n"
            "I02,8750-300,pass,2021-02-01,2020-01-10,1990-05-05\n"
            "I02,8750-302,pass,2021-03-01,2020-01-10,1990-05-05\n"
            "I02,8750-307,pass,2021-04-01,2020-01-10,1990-05-05\n"
            "I02,8750-326,pass,2021-05-01,2020-01-10,1990-05-05\n"
            "I03,8570-228,pass,2020-03-01,2020-01-10,1990-05-05\n"
            "I03,8570-229,pass,2020-04-01,2020-01-10,1990-05-05\n"
            "I03,8570-205,pass,2020-05-01,2020-01-10,1990-05-05\n"
            "I03,8750-213,pass,2021-01-01,2020-01-10,1990-05-05\n"
            "I03,8750-300,pass,2021-02-01,2020-01-10,1990-05-05\n"
            "I03,8750-302,pass,2021-03-01,2020-01-10,1990-05-05\n"
            "I03,8750-307,pass,2023-06-01,2020-01-10,1990-05-05\n"
            "I05,8570-228,referred,2020-03-01,2020-01-10,1990-05-05\n"
            "I05,8570-229,pass,2020-04-01,2020-01-10,1990-05-05\n"
            "I05,8570-205,pass,2020-05-01,2020-01-10,1990-05-05\n"
            "I05,8750-213,pass,2021-01-01,2020-01-10,1990-05-05\n"
            "I05,8750-300,pass,2021-02-01,2020-01-10,1990-05-05\n"
            "I05,8750-302,pass,2021-03-01,2020-01-10,1990-05-05\n"
            "I05,8750-307,pass,2021-04-01,2020-01-10,1990-05-05\n")


@pytest.fixture
def ilm_records(tmp_path) -> str:
    path = tmp_path / "ilm.csv"
    path.write_text(ILM_ROWS)
    return str(path)


def test_a_deadline_passed_with_the_qualification_incomplete_is_not_met(ilm_records):
    # I03's 8750-307, passed after the deadline, would have made 13 credits: the window is what failed.
    result = run(ilm_records, "--learner", "I03", "-q", ILM_CERTIFICATE)
    assert result.exit_code == 1
    assert ("└─ ✗ complete within 3 years  not met\n"
            "   complete within 3 years: the deadline of 2023-01-10 has passed with the qualification incomplete; "
            "1 unit achieved after it set aside (8750-307)\n") in result.stdout
    # The table hints at it too.
    table = CliRunner().invoke(main, ["check", ilm_records, "-q", ILM_CERTIFICATE])
    assert ("x complete within 3 years: the deadline of 2023-01-10 has passed with the qualification incomplete; "
            "1 unit achieved after it set aside (8750-307)") in table.stdout


def test_a_gap_names_only_the_groups_a_cap_leaves_open(ilm_records):
    # I02 holds four Group 3 units, and Group 3 counts at most 6 credits: only Group 2 can add the credit.
    result = run(ilm_records, "--learner", "I02", "-q", ILM_CERTIFICATE)
    assert result.exit_code == 1
    assert ("│  needs 1 more credit from Group 2 (Group 3 is at its 6-credit cap), e.g. 8750-213\n"
            in result.stdout)


def test_a_gap_in_the_whole_pool_at_a_level_is_told_at_that_level(tmp_path):
    ruleset = tmp_path / "levels.qual"
    ruleset.write_text('group A\nunit 501 "Five" level 5 credits 6\nunit 401 "Four" level 4 credits 6\n'
                       'qualification 600/1234/1 "Diploma"\n  units from A\n  at least 6 credits at level 5 or above\n')
    records = tmp_path / "records.csv"
    records.write_text("learner,unit,result,achieved_on\nK2,401,pass,2024-01-10\n")
    result = CliRunner().invoke(main, ["explain", str(records), "--learner", "K2", "-q", "600/1234/1",
                                       "--ruleset", str(ruleset)])
    assert result.exit_code == 1
    assert "   needs 6 more credits at level 5 or above, e.g. 501\n" in result.stdout


CAPPED = """awarding body T "Test"
group 2 "Level 2"
unit A1 "One"   level 2  credits 1
unit A2 "Two"   level 2  credits 1
unit A3 "Three" level 2  credits 1
group 3 "Level 3"
unit B1 "Four"  level 3  credits 2
unit B2 "Five"  level 3  credits 2
unit B3 "Six"   level 3  credits 2
qualification 999/0000/1 "Capped"
  units from Group 2, Group 3
  at least 6 credits from Group 2 or Group 3
  at most 5 credits from Group 3
"""


@pytest.mark.parametrize("held, sources", [
    (["B1", "B2"], "Group 2 (Group 3 has room for only 1 more credit under its 5-credit cap)"),
    (["B1"], None),  # room for B2: the scope stays whole
    (["A1", "A2", "A3", "B1"], None),  # Group 2 is all held, but no cap shuts a group
])
def test_a_gap_names_the_cap_that_shuts_a_group_even_below_its_maximum(tmp_path, held, sources):
    path = tmp_path / "capped.qual"
    path.write_text(CAPPED)
    compiled, body = Library.load([path], bundled=False).qualification("999/0000/1")
    explanation = explain(compiled, learner(held), body.counts_as_achieved)
    assert explanation.rules[0].sources == sources


def test_an_all_of_rule_lists_the_units_it_still_requires(ilm_records, tmp_path):
    result = run(ilm_records, "--learner", "I05", "-q", ILM_CERTIFICATE)
    assert result.exit_code == 1
    assert "│  still needs 8570-228\n" in result.stdout
    assert "e.g. 8570-228" not in result.stdout.split("├─ ✗ between")[0]
    isp = tmp_path / "isp.csv"
    isp.write_text("learner,unit,result,achieved_on,registered_on,date_of_birth\n"
                   "S01,L3C1,pass,2024-03-01,2024-01-10,1990-05-05\n")
    result = run(str(isp), "--learner", "S01", "-q", "610/3790/4")
    assert "│  still needs L3B1, L3B5, L3C2, L3C3, L3C4, L3C5, L3C6, L3L1, L3L3, L3S3\n" in result.stdout


# Three learners' rows: B1's name a unit in no catalogue, C1's hold an error, and a row names no learner.
OTHERS = ("learner,unit,result,achieved_on,date_of_birth,registered_on\n"
          "A1,L3B1,pass,2024-01-10,1990-01-01,2023-01-01\n"
          "B1,FS-ENG-L2,pass,2024-01-10,1990-01-01,2023-01-01\n"
          "A1,L3B2,pass,2024-01-10,1990-01-01,2023-01-01\n"
          "C1,L3B1,pass,2024-13-10,1990-01-01,2023-01-01\n"
          ",L3B1,pass,2024-01-10,1990-01-01,2023-01-01\n"
          "A1,FS-ENG-L2,pass,2024-01-10,1990-01-01,2023-01-01\n")


@pytest.mark.parametrize("command", [["explain"], ["plan"], ["log", "-o", "log.html"]])
def test_one_learner_s_command_reports_what_concerns_that_learner_alone(tmp_path, monkeypatch, command):
    # A tutor explaining A1 is told of A1's own unit in no catalogue, at A1's row, and of the row that names
    # no learner (it may be A1's), but not of B1's unit nor of C1's error.
    monkeypatch.chdir(tmp_path)
    Path("records.csv").write_text(OTHERS, encoding="utf-8")
    result = CliRunner().invoke(main, [*command, "records.csv", "--learner", "A1", "-q", "610/3791/6"])
    assert result.exit_code == 0, result.output
    assert [line.split(": ")[0:2] for line in result.stderr.splitlines() if "[QR" in line] == [
        ["records.csv:6", "error[QR506]"], ["records.csv:7", "warning[QR520]"]]


def test_a_learner_whose_own_record_has_errors_is_still_refused_with_them(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("records.csv").write_text(OTHERS, encoding="utf-8")
    result = run("records.csv", "--learner", "C1", "-q", "610/3791/6")
    assert result.exit_code == 2
    assert "records.csv:5: error[QR502]: `achieved_on` is not a date: '2024-13-10'" in result.stderr


@pytest.mark.parametrize("command", ["explain", "plan"])
def test_a_learner_whose_record_has_errors_is_written_for_programs_as_check_writes_one(tmp_path, monkeypatch,
                                                                                      command):
    monkeypatch.chdir(tmp_path)
    Path("records.csv").write_text(OTHERS, encoding="utf-8")
    result = CliRunner().invoke(main, [command, "records.csv", "--learner", "C1", "-q", "610/3791/6",
                                       "--format", "json"])
    assert result.exit_code == 2
    written = json.loads(result.stdout)
    assert (written["learner"], written["status"], [e["code"] for e in written["errors"]]) == ("C1", "error", ["QR502"])
    check = CliRunner().invoke(main, ["check", "records.csv", "-q", "610/3791/6", "--format", "json"])
    assert written == next(row for row in json.loads(check.stdout) if row["learner"] == "C1")
