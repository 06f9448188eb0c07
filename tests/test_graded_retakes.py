"""A graded qualification's units held below a pass: a finish that takes one again says so, and a unit the
allowance had room for, left out for another reason, is given that reason (hand-worked answers below)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from qualrules.cli import main

CATALOGUE = """\
awarding body PEARSON "Pearson"
group A "Mandatory"
unit 1 "Exploring Business" level 3 credits 9 glh 90
unit 2 "Finance" level 3 credits 9 glh 90
group B "Optional"
unit 6 "Principles" level 3 credits 6 glh 60
unit 7 "Recruitment" level 3 credits 6 glh 60
"""
# Group A is mandatory; up to 60 GLH of Group B may count unclassified (U, 0 points). 240 GLH exactly: both
# Group A units (90 + 90) and one Group B unit (60). P at 24 points: 9 + 9 + 6 passes just reach it.
RULESET = CATALOGUE + """
qualification 601/7155/8 "Extended Certificate"
  units from Group A, Group B
  all of Group A
  exactly 240 glh
  points for 60 glh P 6, M 10, D 16
  points for 90 glh P 9, M 15, D 24
  grade P at 24 points
  grade M at 40 points
  allow unclassified up to 60 glh from Group B
"""

RECORDS = """\
learner,unit,result,achieved_on
SURPLUS,1,distinction,2024-03-01
SURPLUS,2,merit,2024-03-01
SURPLUS,6,unclassified,2024-03-01
SURPLUS,7,pass,2024-03-01
SHORT,1,pass,2024-03-01
SHORT,2,pass,2024-03-01
SHORT,6,unclassified,2024-03-01
SHORT,7,unclassified,2024-03-01
MANDATORY,1,pass,2024-03-01
MANDATORY,2,unclassified,2024-03-01
MANDATORY,6,pass,2024-03-01
"""


# The same units, in qualifications whose allowance never lets a U count: 601/7157/1 has none (both Group A
# units at P: 9 + 9 = 18 points, just P); 601/7156/X lets only near passes count (240 GLH as above).
STRICT = CATALOGUE + """
qualification 601/7157/1 "Certificate"
  units from Group A
  all of Group A
  points for 90 glh P 9, M 15, D 24
  grade P at 18 points

qualification 601/7156/X "Extended Certificate, near passes only"
  units from Group A, Group B
  all of Group A
  exactly 240 glh
  points for 60 glh P 6, M 10, D 16
  points for 90 glh P 9, M 15, D 24
  grade P at 24 points
  allow near pass up to 60 glh from Group B
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "national.qual").write_text(RULESET, encoding="utf-8")
    (tmp_path / "strict.qual").write_text(STRICT, encoding="utf-8")
    (tmp_path / "records.csv").write_text(RECORDS, encoding="utf-8")
    return tmp_path


def run(files, *arguments: str, ruleset: str = "national.qual"):
    return CliRunner().invoke(main, [*arguments, str(files / "records.csv"), "--ruleset", str(files / ruleset)])


def test_a_finish_that_passes_a_unit_held_unclassified_takes_it_again(files):
    # SHORT counts 1 P, 2 P and 6 U (the allowance's 60 GLH): 18 points. Passing 6 or 7 at P gives 24.
    # Both cost 6 credits; the one earlier in the catalogue, 6, is taken again.
    result = run(files, "plan", "--learner", "SHORT", "-q", "601/7155/8", "--format", "json")
    plan = json.loads(result.stdout)
    assert (plan["add"], plan["retake"], plan["claim"]) == (["6"], ["6"], ["1", "2", "6"])
    text = run(files, "plan", "--learner", "SHORT", "-q", "601/7155/8").stdout
    assert "+ 6  Principles  (6 credits, 60 GLH), to be taken again (held below a pass)" in text


def test_a_mandatory_unit_held_unclassified_is_taken_again_and_a_new_unit_is_only_added(files):
    # MANDATORY's unit 2 (U) may not count unclassified: it is taken again.
    plan = json.loads(run(files, "plan", "--learner", "MANDATORY", "-q", "601/7155/8", "--format", "json").stdout)
    assert (plan["add"], plan["retake"]) == (["2"], ["2"])
    eligible = run(files, "eligible", "--awarding-body", "PEARSON")
    assert "add 2 (taken again)" in eligible.stdout
    entry = json.loads(run(files, "eligible", "--awarding-body", "PEARSON", "--format", "json").stdout)[2]
    assert entry["learner"] == "MANDATORY" and entry["qualifications"][0]["retake"] == ["2"]


def test_a_unit_held_unclassified_is_taken_again_where_the_qualification_has_no_allowance(files):
    # MANDATORY counts 1 P (9 points); 2 (U) may not count, so the finish adds it at P: 18 points, P.
    plan = json.loads(run(files, "plan", "--learner", "MANDATORY", "-q", "601/7157/1", "--format", "json",
                          ruleset="strict.qual").stdout)
    assert (plan["add"], plan["retake"], plan["claim"], plan["cost"]) == (["2"], ["2"], ["1", "2"], 9)
    text = run(files, "explain", "--learner", "MANDATORY", "-q", "601/7157/1", ruleset="strict.qual").stdout
    assert "+ 2  Finance  (9 credits, 90 GLH), to be taken again (held below a pass)" in text
    eligible = run(files, "eligible", "--awarding-body", "PEARSON", ruleset="strict.qual").stdout
    assert "add 2 (taken again)" in eligible


def test_a_unit_held_unclassified_is_taken_again_where_the_allowance_counts_near_passes_only(files):
    # SHORT counts 1 P and 2 P (18 points); 6 and 7 (U) may not count as near passes. Passing 6 or 7 at P
    # gives 24 for 6 credits: 6, earlier in the catalogue, is taken again.
    plan = json.loads(run(files, "plan", "--learner", "SHORT", "-q", "601/7156/X", "--format", "json",
                          ruleset="strict.qual").stdout)
    assert (plan["add"], plan["retake"], plan["claim"]) == (["6"], ["6"], ["1", "2", "6"])


def test_a_unit_held_unclassified_that_the_allowance_had_room_for_gives_the_reason_it_was_left_out(files):
    # SURPLUS counts 1 D, 2 M, 7 P (45 points, M); 6 (U) is left out by the 240 GLH cap, not by the
    # allowance, which the claim does not use at all.
    result = run(files, "explain", "--learner", "SURPLUS", "-q", "601/7155/8", "--format", "json")
    verdict = json.loads(result.stdout)
    assert (verdict["grade"], verdict["points"]) == ("M", 45)
    assert verdict["not_counted"] == [{"unit": "6", "reason": "Total is capped at 240 glh"}]
    # SHORT's claim fills the allowance with 6 (60 GLH): 7 is left out by it.
    short = json.loads(run(files, "explain", "--learner", "SHORT", "-q", "601/7155/8", "--format", "json").stdout)
    assert short["not_counted"] == [
        {"unit": "7", "reason": "graded U: not counted within `allow unclassified up to 60 glh from Group B`"}]


def test_the_report_names_the_units_its_plan_takes_again(files):
    page = files / "report.html"
    CliRunner().invoke(main, ["report", str(files / "records.csv"), "-q", "601/7155/8", "--ruleset",
                              str(files / "national.qual"), "-o", str(page)])
    html = page.read_text(encoding="utf-8")
    assert html.count("To be taken again (held below a pass): ") == 2
    assert "To be taken again (held below a pass): 6.</p>" in html
    assert "To be taken again (held below a pass): 2.</p>" in html
