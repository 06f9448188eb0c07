"""Units sized only in guided learning hours, as BTEC Nationals specify them: no credits, mandatory and optional
units to an exact size in GLH, grades by points per GLH size (tests/data/btec_national.qual). Every figure
below is worked out by hand from that file."""

from __future__ import annotations

import csv
import io
import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import learner
from hypothesis import given, settings
from hypothesis import strategies as st

from qualrules.cli import main
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.diagnostics import DiagnosticError
from qualrules.interpreter.engine import grading
from qualrules.interpreter.engine.compiler import compile_ruleset
from qualrules.interpreter.engine.decision import Decision
from qualrules.interpreter.engine.evaluator import Status, evaluate
from qualrules.interpreter.engine.planner import MeasureNotDeclared, PlanStatus, plan
from qualrules.interpreter.engine.requirements import holds
from qualrules.interpreter.formatter import format_ruleset, without_positions
from qualrules.plugins import GenericAwardingBody

COUNTS = GenericAwardingBody().counts_as_achieved
RULESET = Path(__file__).resolve().parent / "data" / "btec_national.qual"
DIPLOMA, EXTENDED_CERTIFICATE = "699/0002/4", "699/0001/2"
# Mandatory 1 P (9), 2 M (15), 3 M (20), 7 P (6): 50 points. Optional, 360 GLH to choose: 9 and 22 at M
# (120 GLH, 20 points each), 4, 5 and 8 at D and 14 at P (60 GLH, 16 and 6 points).
TRAP = (("1", "pass"), ("2", "merit"), ("3", "merit"), ("7", "pass"), ("9", "merit"), ("22", "merit"),
        ("4", "distinction"), ("5", "distinction"), ("8", "distinction"), ("14", "pass"))


def compiled(text: str | None = None) -> dict:
    text = RULESET.read_text(encoding="utf-8") if text is None else text
    return {q.qan: q for q in compile_ruleset(build_ruleset(text, "btec_national.qual"))}


def test_the_best_grade_is_not_the_greedy_one_nor_the_naive_sum():
    q = compiled()[DIPLOMA]
    verdict = evaluate(q, learner(TRAP), COUNTS)
    # The units worth most first (9 and 22, then two of the D units) give 50 + 40 + 32 = 122, MM; counting
    # every unit held gives 144 (DD) over 840 GLH, no claim. The best claim takes one 120-GLH unit and all four
    # 60-GLH units: 50 + 20 + 16 + 16 + 16 + 6 = 124, DM, 9 before 22 in catalogue order.
    assert verdict.status is Status.ACHIEVED
    assert (verdict.claim, verdict.points, verdict.grade) == (("1", "2", "3", "7", "4", "5", "8", "14", "9"), 124, "DM")
    assert (verdict.credits, verdict.glh) == (None, 720)
    assert verdict.outcomes[-1].detail == "Points: 124 counted, enough for DM (124 or more); 20 more for DD (144)"
    assert [(s.unit, s.reason) for s in verdict.set_aside] == [("22", "Total is capped at 720 glh")]


def test_the_extended_certificate_takes_the_best_60_glh_unit():
    q = compiled()[EXTENDED_CERTIFICATE]
    verdict = evaluate(q, learner(TRAP), COUNTS)
    # 1, 2 and 3 are mandatory (300 GLH, 44 points); the other 60 GLH is best a D (16): 60 points, M. Unit 7 is
    # optional here and at P worth only 6; 4 is the first of the three D units.
    assert (verdict.claim, verdict.points, verdict.grade) == (("1", "2", "3", "4"), 60, "M")


def test_without_a_mandatory_unit_the_diploma_falls_back_to_the_extended_certificate():
    q = compiled()[DIPLOMA]
    verdict = evaluate(q, learner([pair for pair in TRAP if pair[0] != "7"]), COUNTS)
    assert verdict.status is Status.NOT_ACHIEVED
    assert verdict.grade is None
    assert (verdict.fallback.qan, verdict.fallback.grade, verdict.fallback.points) == (EXTENDED_CERTIFICATE, "M", 60)


@pytest.mark.parametrize("engine", ["compiled", "cp-sat"])
def test_both_engines_give_the_trap_s_best_claim(engine):
    q = compiled()[DIPLOMA]
    assert isinstance(q.decision, Decision)
    held = learner(TRAP)
    grades = grading.effective_grades(grading.grade_matrix(q, [held], [None]))
    available = np.zeros((1, len(q.units)), dtype=bool)
    available[0, [q.index[ref] for ref, _ in TRAP]] = True
    table = np.array(q.grading.points)
    scores = np.where(available, table[np.arange(len(q.units))[None, :], grades], 0)
    below_pass = np.zeros_like(available)
    if engine == "compiled":
        found, claims = grading._programme(q, available, below_pass, scores)
        claim = tuple(np.flatnonzero(claims[0]).tolist()) if found[0] else None
    else:
        solved = grading._solve(q, np.flatnonzero(available[0]).tolist(), below_pass[0], scores[0])
        claim = None if solved is None else tuple(sorted(solved))
    assert tuple(q.units[i].ref for i in claim) == ("1", "2", "3", "7", "4", "5", "8", "14", "9")


def replaced(pairs, **results):
    """TRAP with some units' results replaced (`none` leaves the unit out)."""
    return [(ref, results.get(f"u{ref}", result)) for ref, result in pairs if results.get(f"u{ref}") != "none"]


def test_a_near_pass_earns_its_points_where_the_allowance_names_the_unit():
    q = compiled()[DIPLOMA]
    # 2 at N earns 6 instead of M's 15: 41 mandatory points + 74 optional = 115, MM.
    verdict = evaluate(q, learner(replaced(TRAP, u2="near pass")), COUNTS)
    assert (verdict.status, verdict.points, verdict.grade) == (Status.ACHIEVED, 115, "MM")
    assert ("2", "N", 6) in [(u.unit, u.grade, u.points) for u in verdict.unit_points]
    # 2 and 3 both at N (210 GLH, the whole allowance): 9 + 6 + 8 + 6 + 74 = 103, one point short of MM.
    both = evaluate(q, learner(replaced(TRAP, u2="near pass", u3="near pass")), COUNTS)
    assert (both.points, both.grade) == (103, "MP")
    assert both.outcomes[-1].detail == "Points: 103 counted, enough for MP (88 or more); 1 more for MM (104)"


def test_a_mandatory_unit_the_allowance_does_not_name_must_pass():
    q = compiled()[DIPLOMA]
    verdict = evaluate(q, learner(replaced(TRAP, u1="near pass")), COUNTS)
    assert verdict.status is Status.NOT_ACHIEVED
    assert ("1", "graded N: only units from 2 or 3 may count at near pass") in [(s.unit, s.reason)
                                                                              for s in verdict.set_aside]
    assert verdict.fallback.status is Status.NOT_ACHIEVED  # the Extended Certificate needs unit 1 too
    # A near-pass allowance lets no unclassified unit count.
    unclassified = evaluate(q, learner(replaced(TRAP, u3="unclassified")), COUNTS)
    assert unclassified.status is Status.NOT_ACHIEVED
    assert ("3", "result 'unclassified' does not count as achieved") in [(s.unit, s.reason)
                                                                         for s in unclassified.set_aside]


def test_an_unclassified_allowance_lets_a_near_pass_count_too():
    text = RULESET.read_text(encoding="utf-8").replace("allow near pass up to 210 glh from 2 or 3",
                                                      "allow unclassified up to 60 glh from Group B", 1)
    q = compiled(text)[DIPLOMA]
    # Without 22, 360 optional GLH needs 9, 4, 5, 8 and 14: 14 at N counts under the allowance, for the
    # 0 points a 60-GLH unit earns at N: 50 + 20 + 48 = 118, MM.
    verdict = evaluate(q, learner(replaced(TRAP, u22="none", u14="near pass")), COUNTS)
    assert (verdict.status, verdict.points, verdict.grade) == (Status.ACHIEVED, 118, "MM")
    assert ("14", "N", 0) in [(u.unit, u.grade, u.points) for u in verdict.unit_points]
    # Under the file's own allowance (near pass from 2 and 3 only) 14 cannot count: no 720 GLH claim.
    strict = evaluate(compiled()[DIPLOMA], learner(replaced(TRAP, u22="none", u14="near pass")), COUNTS)
    assert strict.status is Status.NOT_ACHIEVED


GRADES = ("pass", "merit", "distinction", "near pass", "unclassified", "none")


@given(st.lists(st.sampled_from(GRADES), min_size=10, max_size=10))
@settings(max_examples=60, deadline=None)
def test_best_grade_matches_brute_force_on_both_engines(results):
    q = compiled()[DIPLOMA]
    refs = [u.ref for u in q.units]
    held = learner([(ref, result) for ref, result in zip(refs, results) if result != "none"])
    grades = grading.effective_grades(grading.grade_matrix(q, [held], [None]))
    available = grading.claimable(q, np.array([[r != "none" for r in results]]), grades)
    below_pass = available & (grades < grading.PASS)
    table = np.array(q.grading.points)
    scores = np.where(available, table[np.arange(len(q.units))[None, :], grades], 0)
    units = np.flatnonzero(available[0]).tolist()
    cap = q.grading.compensation
    best = None
    for size in range(len(units) + 1):
        for claim in itertools.combinations(units, size):
            near = sum(w for i, w in zip(cap.members, cap.weights) if i in claim and below_pass[0][i])
            if near <= cap.maximum and holds(q.requirements, claim):
                key = (sum(int(scores[0][i]) for i in claim), tuple(i in claim for i in range(len(q.units))))
                best = key if best is None or key > best else best
    expected = None if best is None else tuple(i for i, taken in enumerate(best[1]) if taken)
    found, claims = grading._programme(q, available, below_pass, scores)
    assert (tuple(np.flatnonzero(claims[0]).tolist()) if found[0] else None) == expected
    solved = grading._solve(q, units, below_pass[0], scores[0])
    assert (None if solved is None else tuple(sorted(solved))) == expected
    verdict = evaluate(q, held, COUNTS)
    if expected is None:
        assert verdict.status is Status.NOT_ACHIEVED
    else:
        assert verdict.claim == tuple(q.units[i].ref for i in expected)
        assert verdict.achieved == (sum(int(scores[0][i]) for i in expected) >= q.grading.pass_points)


# ---- credit rules over units without credits ------------------------------------------------------------
SMALL = """\
group A
unit A1 "Alpha" level 3 glh 60
unit A2 "Beta" level 3 credits 6 glh 60
group B
unit B1 "Gamma" level 3 glh 90
qualification 699/0003/3 "Award"
  units from Group A, Group B
  {rule}
"""


@pytest.mark.parametrize("rule, message", [
    ("at least 12 credits", "the rule measures credits, but A1, B1 give no `credits` value"),
    ("at most 6 credits from Group B", "the rule measures credits, but B1 gives no `credits` value"),
    ("at least 6 credits from A2", None),
    ("at least 120 glh", None),
])
def test_a_credit_rule_over_units_without_credits_is_a_located_error(rule, message):
    text = SMALL.format(rule=rule)
    if message is None:
        compiled(text)
        return
    with pytest.raises(DiagnosticError) as raised:
        compiled(text)
    (diagnostic,) = raised.value.diagnostics
    assert (diagnostic.code, diagnostic.location.line, diagnostic.message) == ("QR111", 8, message)
    assert diagnostic.hint.endswith("or measure the rule in `glh`")


def test_points_per_credit_need_credits():
    text = SMALL.format(rule="at least 60 glh\n  points per credit P 1, M 2, D 3\n  grade P at 1 points")
    with pytest.raises(DiagnosticError) as raised:
        compiled(text)
    assert [(d.code, d.message) for d in raised.value.diagnostics] == [
        ("QR154", "A1, B1 earn no points: no `points` line covers them")]


def test_a_unit_needs_credits_or_glh():
    with pytest.raises(DiagnosticError) as raised:
        compiled('unit A1 "Alpha" level 3 tqt 30\nqualification 699/0003/3 "Award"\n  units from A1\n  all of A1\n')
    assert [(d.code, d.message) for d in raised.value.diagnostics] == [("QR106", "unit A1 has no `credits` or `glh`")]


# ---- the command line ---------------------------------------------------------------------------------------
RECORDS = "learner,unit,result,achieved_on\n" + "".join(f"T1,{ref},{result},2025-06-01\n" for ref, result in TRAP)


@pytest.fixture
def records(tmp_path):
    path = tmp_path / "records.csv"
    path.write_text(RECORDS, encoding="utf-8")
    return str(path)


def run(*args):
    return CliRunner().invoke(main, [*args, "--ruleset", str(RULESET)])


def test_check_reports_no_credit_total_in_every_format(records, snapshot):
    table = run("check", records, "-q", DIPLOMA, "-q", EXTENDED_CERTIFICATE, "-j", "1")
    assert table.output == snapshot(name="table")
    rows = json.loads(run("check", records, "-q", DIPLOMA, "--format", "json").output)
    assert (rows[0]["credits"], rows[0]["glh"], rows[0]["grade"], rows[0]["points"]) == (None, 720, "DM", 124)
    (row,) = csv.DictReader(io.StringIO(run("check", records, "-q", DIPLOMA, "--format", "csv").output))
    assert (row["credits"], row["glh"], row["status"]) == ("", "720", "achieved")


def test_explain_show_and_plan(records, snapshot):
    assert run("explain", records, "--learner", "T1", "-q", DIPLOMA).output == snapshot(name="explain")
    shown = run("show", DIPLOMA)
    assert shown.exit_code == 0
    assert shown.output == snapshot(name="show")
    units = json.loads(run("show", DIPLOMA, "--format", "json").output)["groups"][0]["units"]
    assert (units[0]["ref"], units[0]["credits"], units[0]["glh"]) == ("1", None, 90)


def test_plan_minimises_glh_and_refuses_credits(tmp_path):
    short = tmp_path / "short.csv"
    short.write_text("".join(line + "\n" for line in RECORDS.splitlines() if not line.startswith("T1,7,")),
                     encoding="utf-8")
    result = run("plan", str(short), "--learner", "T1", "-q", DIPLOMA, "--minimise", "glh", "--format", "json")
    finish = json.loads(result.output)
    assert result.exit_code == 0
    assert (finish["add"], finish["glh_to_add"], finish["credits_to_add"]) == (["7"], 60, None)
    # Without --minimise, plan minimises GLH too, as explain's cheapest finish does; credits are refused.
    assert json.loads(run("plan", str(short), "--learner", "T1", "-q", DIPLOMA, "--format", "json").output) == finish
    # Told in GLH alone: 90 + 90 + 120 + 60 (1, 2, 3, 7) and 60 x 4 + 120 (4, 5, 8, 14; 9).
    told = run("plan", str(short), "--learner", "T1", "-q", DIPLOMA).output
    assert "   add 1 unit: 60 GLH\n" in told
    assert "   resulting claim: 1, 2, 3, 7, 4, 5, 8, 14, 9 (9 units, 720 GLH)\n" in told
    refused = run("plan", str(short), "--learner", "T1", "-q", DIPLOMA, "--minimise", "credits")
    assert refused.exit_code == 2
    assert "error[QR608]: cannot minimise credits: 7 declares no credits" in refused.output
    assert "minimise glh or units, or declare `credits` for every unit of the qualification" in refused.output
    q = compiled()[DIPLOMA]
    with pytest.raises(MeasureNotDeclared):
        plan(q, learner([pair for pair in TRAP if pair[0] != "7"]), COUNTS)
    assert plan(q, learner(TRAP), COUNTS).status is PlanStatus.ALREADY_ACHIEVED


def test_eligible_and_lint_measure_the_distance_in_glh(tmp_path, snapshot):
    short = tmp_path / "short.csv"
    short.write_text("".join(line + "\n" for line in RECORDS.splitlines() if not line.startswith("T1,7,")),
                     encoding="utf-8")
    assert run("eligible", str(short), "--awarding-body", "PEARSON").output == snapshot(name="eligible")
    (row, achieved) = json.loads(run("eligible", str(short), "--awarding-body", "PEARSON", "--format", "json")
                                 .output)[0]["qualifications"][::-1]
    assert (row["qualification"], row["credits_to_add"], row["add"]) == (DIPLOMA, None, ["7"])
    linted = CliRunner().invoke(main, ["lint", "-v", str(RULESET)]).output
    assert "699/0001/2 can be achieved; the smallest claim is 1, 2, 3, 7 (360 glh)" in linted


def test_fmt_keeps_the_file_as_it_is():
    text = RULESET.read_text(encoding="utf-8")
    formatted = format_ruleset(text, "btec_national.qual")
    assert formatted == text
    assert without_positions(build_ruleset(formatted, "a")) == without_positions(build_ruleset(text, "a"))


def test_the_documented_near_pass_example():
    # docs/language.md "Near Pass".
    page = (Path(__file__).resolve().parents[1] / "docs" / "language.md").read_text(encoding="utf-8")
    section = page[page.index("### Near Pass"):]
    start = section.index("```qual\n") + 8
    (q,) = compile_ruleset(build_ruleset(section[start:section.index("```\n", start)], "near.qual"))
    held = [("1", "merit"), ("2", "near pass"), ("3", "merit"), ("4", "distinction")]
    verdict = evaluate(q, learner(held), COUNTS)
    assert (verdict.status, verdict.points, verdict.grade) == (Status.ACHIEVED, 57, "M")
    assert evaluate(q, learner([("1", "near pass"), *held[1:]]), COUNTS).status is Status.NOT_ACHIEVED


ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("path", sorted([*(ROOT / "rulesets").rglob("*.qual"), *(ROOT / "examples").rglob("*.qual")]))
def test_a_grade_letter_n_leaves_the_bundled_rulesets_as_they_were(path):
    # N became a grade letter: the lexer must still read every bundled ruleset and example.
    assert compile_ruleset(build_ruleset(path.read_text(encoding="utf-8"), str(path)))


def test_a_unit_named_n_is_still_a_unit_where_a_name_stands():
    text = ('group 1 "Group 1"\nunit N "Unit N" level 3 glh 60\nqualification 699/0003/3 "Award"\n'
            '  units from Group 1\n  all of N\n  marks for N out of 10 N 3, P 5\n  grade M when N at N\n')
    (q,) = compile_ruleset(build_ruleset(text, "n.qual"))
    assert q.grading.source.marks[0].bands == (("N", 3), ("P", 5))
    assert q.grading.source.rows[0].components == (("N", "N"),)
    verdict = evaluate(q, learner([("N", "4")]), COUNTS)
    assert (verdict.status, verdict.grade) == (Status.NOT_ACHIEVED, None)  # a mark of 4 is N: no pass, no claim


@pytest.mark.parametrize("statement", ["grade PN at 40 points", "grade N at 40 points"])
def test_near_pass_is_a_unit_s_grade_never_a_qualification_s(statement):
    text = RULESET.read_text(encoding="utf-8").replace("grade P at 36 points", statement)
    with pytest.raises(DiagnosticError) as raised:
        compiled(text)
    (error,) = raised.value.diagnostics
    assert (error.code, error.message) == ("QR150", f"`{statement.split()[1]}` is not a grade a qualification awards")
