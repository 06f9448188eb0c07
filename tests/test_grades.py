"""Graded qualifications: unit grades to points, points to the qualification's grade, the best grade within
the rules on both engines (against brute force), unclassified units allowed from optional units, and the
smaller award given instead."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import learner
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from test_exactness import exactness_settings, rulesets, term_text

from qualrules.cli import main
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter import model as m
from qualrules.interpreter.diagnostics import DiagnosticError
from qualrules.interpreter.formatter import format_ruleset, without_positions
from qualrules.interpreter.engine import grading
from qualrules.interpreter.engine.compiler import compile_ruleset
from qualrules.interpreter.engine.decision import Decision
from qualrules.interpreter.engine.evaluator import Status, evaluate
from qualrules.interpreter.engine.requirements import holds
from qualrules.interpreter.records.learner import Attempt, Learner
from qualrules.plugins import GenericAwardingBody

COUNTS = GenericAwardingBody().counts_as_achieved

# Shaped on a BTEC National: points per grade by unit size in GLH, then the points each overall grade needs.
# B3 is listed before B1 and B2, so that catalogue order alone
# (the pass-only tie-break) would choose it.
NATIONAL = """\
group A "Mandatory units"
unit A1 "Exploring Business" level 3 credits 6 glh 60
group B "Optional units"
unit B3 "Investigating Customer Service" level 3 credits 12 glh 120
unit B1 "Marketing Campaign" level 3 credits 6 glh 60
unit B2 "Personal and Business Finance" level 3 credits 6 glh 60

qualification 601/0001/1 "Extended Certificate"
  units from Group A, Group B
  all of Group A
  exactly 180 glh
  points for 60 glh P 6, M 10, D 16
  points for 120 glh P 12, M 20, D 32
  grade PP at 24 points
  grade MP at 30 points
  grade MM at 36 points
  grade DM at 42 points
  grade DD at 48 points
  {extra}
"""


def national(extra: str = "") -> dict:
    return {q.qan: q for q in compile_ruleset(build_ruleset(NATIONAL.format(extra=extra), "national.qual"))}


def grades_of(*pairs):
    return learner([(ref, result) for ref, result in pairs])


def test_the_best_graded_units_are_chosen_not_the_earliest_nor_the_largest_sum():
    q = national()["601/0001/1"]
    # Every unit held: the naive sum 6 + 20 + 16 + 16 = 58 is no claim (300 GLH); catalogue order or the unit
    # worth most (B3, 20 points) gives A1 + B3 = 26 points, PP; the best claim is A1 + B1 + B2 = 38, MM.
    verdict = evaluate(q, grades_of(("A1", "pass"), ("B3", "merit"), ("B1", "distinction"), ("B2", "distinction")),
                       COUNTS)
    assert verdict.status is Status.ACHIEVED
    assert (verdict.claim, verdict.points, verdict.grade) == (("A1", "B1", "B2"), 38, "MM")
    assert [(u.unit, u.grade, u.points) for u in verdict.unit_points] == [("A1", "P", 6), ("B1", "D", 16),
                                                                         ("B2", "D", 16)]
    assert verdict.outcomes[-1].detail == "Points: 38 counted, enough for MM (36 or more); 4 more for DM (42)"


def test_equal_points_go_to_the_claim_with_more_credits_then_earlier_units():
    q = national()["601/0001/1"]
    # A1 + B3 and A1 + B1 + B2 both earn 26 points and count 18 credits: the earlier unit B3 is preferred.
    verdict = evaluate(q, grades_of(("A1", "pass"), ("B3", "merit"), ("B1", "merit"), ("B2", "merit")), COUNTS)
    assert (verdict.claim, verdict.points, verdict.grade) == (("A1", "B3"), 26, "PP")


def test_meeting_every_rule_below_the_pass_grade_s_points_is_not_achieved():
    q = national()["601/0001/1"]
    verdict = evaluate(q, grades_of(("A1", "pass"), ("B1", "pass"), ("B2", "pass")), COUNTS)
    assert verdict.status is Status.NOT_ACHIEVED
    assert (verdict.claim, verdict.points, verdict.grade) == (("A1", "B1", "B2"), 18, None)
    assert verdict.unmet == ("Points: 18 counted, at least 24 required for PP",)


def test_unclassified_optional_units_count_within_the_allowance_and_a_mandatory_one_never():
    q = national("allow unclassified up to 60 glh from Group B")["601/0001/1"]
    held = grades_of(("A1", "distinction"), ("B1", "unclassified"), ("B2", "merit"))
    verdict = evaluate(q, held, COUNTS)
    assert (verdict.status, verdict.claim, verdict.points, verdict.grade) == (Status.ACHIEVED, ("A1", "B1", "B2"), 26,
                                                                              "PP")
    assert evaluate(national()["601/0001/1"], held, COUNTS).status is Status.NOT_ACHIEVED
    # Two unclassified units are 120 GLH, past the allowance of 60.
    two = evaluate(q, grades_of(("A1", "distinction"), ("B1", "unclassified"), ("B2", "unclassified")), COUNTS)
    assert two.status is Status.NOT_ACHIEVED
    mandatory = evaluate(q, grades_of(("A1", "unclassified"), ("B3", "merit"), ("B1", "merit"), ("B2", "merit")),
                         COUNTS)
    assert mandatory.status is Status.NOT_ACHIEVED
    assert ("A1", "graded U: only units from Group B may count unclassified") in [
        (s.unit, s.reason) for s in mandatory.set_aside]


def test_without_an_allowance_an_unclassified_unit_does_not_count():
    q = national()["601/0001/1"]
    verdict = evaluate(q, grades_of(("A1", "merit"), ("B3", "merit"), ("B1", "unclassified")), COUNTS)
    assert (verdict.status, verdict.claim) == (Status.ACHIEVED, ("A1", "B3"))
    assert ("B1", "result 'unclassified' does not count as achieved") in [(s.unit, s.reason) for s in verdict.set_aside]


def test_the_smaller_award_is_given_with_its_own_grade_when_the_larger_is_not_achieved():
    text = NATIONAL.format(extra="otherwise award 601/0002/2") + """
qualification 601/0002/2 "Certificate"
  units from Group A, Group B
  all of Group A
  exactly 120 glh
  points for 60 glh P 6, M 10, D 16
  points for 120 glh P 12, M 20, D 32
  grade P at 12 points
  grade M at 20 points
  grade D at 32 points
"""
    larger = {q.qan: q for q in compile_ruleset(build_ruleset(text, "national.qual"))}["601/0001/1"]
    verdict = evaluate(larger, grades_of(("A1", "distinction"), ("B1", "distinction")), COUNTS)
    assert verdict.status is Status.NOT_ACHIEVED
    fallback = verdict.fallback
    assert (fallback.qan, fallback.status, fallback.claim, fallback.points, fallback.grade) == (
        "601/0002/2", Status.ACHIEVED, ("A1", "B1"), 32, "D")
    assert verdict.to_json()["fallback"]["grade"] == "D"
    achieved = evaluate(larger, grades_of(("A1", "merit"), ("B3", "merit")), COUNTS)
    assert achieved.fallback is None


# A chain of awards given instead, pass-only: Diploma, else Certificate, else Award; the Award also
# requires another qualification when REQUIRES is filled in.
CHAIN = """\
unit A1 "Alpha" level 3 credits 6
unit A2 "Beta" level 3 credits 6
unit A3 "Gamma" level 3 credits 6
unit Z1 "Zeta" level 3 credits 6
qualification 600/0000/4 "Diploma"
  units from A1, A2, A3
  all of A1, A2, A3
  otherwise award 600/0001/6
qualification 600/0001/6 "Certificate"
  units from A1, A2
  all of A1, A2
  otherwise award 600/0002/8
qualification 600/0002/8 "Award"
  units from A1
  all of A1
{requires}
qualification 600/0003/1 "Other"
  units from Z1
  all of Z1
"""


def chain_verdict(units: tuple[str, ...], requires: str = ""):
    compiled = {q.qan: q for q in compile_ruleset(build_ruleset(CHAIN.format(requires=requires), "chain.qual"))}
    return evaluate(compiled["600/0000/4"], grades_of(*((unit, "pass") for unit in units)), COUNTS)


def test_the_award_given_instead_is_the_first_down_the_chain_the_learner_achieves():
    # A1 alone: neither the Diploma (A1-A3) nor the Certificate (A1, A2), but the Award (A1).
    verdict = chain_verdict(("A1",))
    assert [(v.qan, v.status) for v in (verdict.fallback, verdict.fallback.fallback)] == [
        ("600/0001/6", Status.NOT_ACHIEVED), ("600/0002/8", Status.ACHIEVED)]
    assert (verdict.award_instead.qan, verdict.award_instead.status) == ("600/0002/8", Status.ACHIEVED)
    # A1 and A2: the Certificate, which is not short of anything, so the chain stops there.
    verdict = chain_verdict(("A1", "A2"))
    assert (verdict.award_instead.qan, verdict.award_instead.fallback) == ("600/0001/6", None)
    # Nothing held: no award down the chain, so the first is told, not achieved.
    verdict = chain_verdict(())
    assert (verdict.award_instead.qan, verdict.award_instead.status) == ("600/0001/6", Status.NOT_ACHIEVED)


def test_the_award_given_instead_has_its_own_qualification_prerequisites():
    verdict = chain_verdict(("A1",), requires="  requires 600/0003/1 achieved")
    assert verdict.award_instead.status is Status.NOT_ACHIEVED
    assert verdict.fallback.fallback.unmet == ("requires 600/0003/1 achieved: 600/0003/1 Other is not achieved",)
    assert chain_verdict(("A1", "Z1"), requires="  requires 600/0003/1 achieved").award_instead.achieved


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_every_format_tells_the_award_given_instead_down_the_chain(tmp_path, monkeypatch, jobs):
    monkeypatch.chdir(tmp_path)
    Path("chain.qual").write_text(CHAIN.format(requires=""), encoding="utf-8")
    Path("records.csv").write_text("learner,unit,result,achieved_on\nF1,A1,pass,2024-01-01\n"
                                   "F2,A1,pass,2024-01-01\nF2,A2,pass,2024-01-01\n", encoding="utf-8")

    def run(*args: str) -> str:
        result = CliRunner().invoke(main, ["check", "records.csv", "-q", "600/0000/4", "--ruleset", "chain.qual",
                                           "--jobs", jobs, *args])
        assert result.exit_code == 1, result.output
        return result.stdout

    table = run()
    assert "> awarded instead: 600/0002/8 Award, achieved" in table
    assert "> awarded instead: 600/0001/6 Certificate, achieved" in table
    rows = list(csv.DictReader(io.StringIO(run("--format", "csv"))))
    assert [(r["learner"], r["fallback_qualification"], r["fallback_status"]) for r in rows] == [
        ("F1", "600/0002/8", "achieved"), ("F2", "600/0001/6", "achieved")]
    verdicts = json.loads(run("--format", "json"))
    assert [v["fallback"]["qualification"] for v in verdicts] == ["600/0001/6", "600/0001/6"]
    assert verdicts[0]["fallback"]["fallback"]["status"] == "achieved"
    assert "fallback" not in verdicts[1]["fallback"]  # the Certificate is achieved: nothing instead of it


DATED = """\
unit A1 "Alpha" level 3 credits 6 glh 60
unit A2 "Beta" level 3 credits 6 glh 60
{prerequisite}
qualification 600/5929/1 "Certificate"
  units from A1, A2
  all of A1, A2
{window}
  points for 60 glh P 6, M 10, D 16
  grade P at {pass_points} points
  grade M at 20 points
  grade D at 32 points
"""


def dated_verdict(rows, pass_points=12, prerequisite="", window="", registered_on=None):
    text = DATED.format(prerequisite=prerequisite, window=window, pass_points=pass_points)
    (q,) = compile_ruleset(build_ruleset(text, "dated.qual"))
    attempts = tuple(Attempt(unit, result, on) for unit, result, on in rows)
    return evaluate(q, Learner("K1", date_of_birth=None, registered_on=registered_on, attempts=attempts), COUNTS)


@pytest.mark.parametrize("pass_points,status,grade,points", [
    # Sure results: A1 P (6) + A2 D (16) = 22. The undated D of A1 would make 32, a D.
    (12, Status.UNDETERMINED, None, 32),  # achieved at M either way, but D is possible
    (24, Status.UNDETERMINED, None, 32),  # not achieved on sure results (22 < 24), achieved on the undated D
])
def test_an_undated_better_result_under_a_completion_window_leaves_the_grade_undetermined(
        pass_points, status, grade, points):
    on = dt.date(2024, 1, 1)
    verdict = dated_verdict([("A1", "pass", on), ("A1", "distinction", None), ("A2", "distinction", on)],
                            pass_points, window="  complete within 1 year", registered_on=dt.date(2023, 9, 1))
    assert (verdict.status, verdict.grade, verdict.points) == (status, grade, points)
    assert verdict.missing == ("achievement date of the D result of A1 (needed to tell whether it counts)",)


def test_an_undated_result_no_better_than_a_sure_one_leaves_the_grade_as_it_is():
    on = dt.date(2024, 1, 1)
    verdict = dated_verdict([("A1", "distinction", on), ("A1", "pass", None), ("A2", "merit", on)],
                            window="  complete within 1 year", registered_on=dt.date(2023, 9, 1))
    assert (verdict.status, verdict.grade, verdict.points, verdict.missing) == (Status.ACHIEVED, "M", 26, ())


def test_without_a_window_or_prerequisite_an_undated_result_counts_for_its_grade():
    verdict = dated_verdict([("A1", "distinction", None), ("A2", "distinction", dt.date(2024, 1, 1))])
    assert (verdict.status, verdict.grade, verdict.points) == (Status.ACHIEVED, "D", 32)


def test_a_result_achieved_before_the_unit_s_prerequisite_gives_no_grade():
    # A2 requires A1: A2's January D came before A1 (February), so only its March P counts: 16 + 6 = 22, M.
    rows = [("A2", "distinction", dt.date(2024, 1, 1)), ("A1", "distinction", dt.date(2024, 2, 1)),
            ("A2", "pass", dt.date(2024, 3, 1))]
    verdict = dated_verdict(rows, prerequisite="  requires A1")
    assert (verdict.status, verdict.grade, verdict.points) == (Status.ACHIEVED, "M", 22)
    assert [(u.unit, u.grade) for u in verdict.unit_points] == [("A1", "D"), ("A2", "P")]
    # The D dated on A1's own day counts: on or after the prerequisite.
    rows[0] = ("A2", "distinction", dt.date(2024, 2, 1))
    assert dated_verdict(rows, prerequisite="  requires A1").grade == "D"


def test_points_per_credit_by_level():
    text = """\
unit A1 "One" level 3 credits 10
unit A2 "Two" level 2 credits 5
qualification 500/0001/1 "Diploma"
  units from A1, A2
  all of A1, A2
  points per credit at level 3 P 7, M 8, D 9
  points per credit P 5, M 6, D 7
  grade P at 80 points
  grade M at 100 points
"""
    (q,) = compile_ruleset(build_ruleset(text, "credit.qual"))
    verdict = evaluate(q, grades_of(("A1", "merit"), ("A2", "distinction")), COUNTS)
    assert (verdict.points, verdict.grade) == (8 * 10 + 7 * 5, "M")


def test_pass_only_verdicts_carry_no_grade_keys():
    q = national()["601/0001/1"]
    graded = evaluate(q, grades_of(("A1", "pass")), COUNTS).to_json()
    assert {"grade", "points", "unit_points", "fallback"} <= set(graded)
    text = 'unit A1 "One" level 3 credits 6\nqualification 500/0001/1 "Award"\n  units from A1\n  all of A1\n'
    (plain,) = compile_ruleset(build_ruleset(text, "plain.qual"))
    assert "grade" not in evaluate(plain, learner(["A1"]), COUNTS).to_json()


@pytest.mark.parametrize("extra,code", [
    ("grade PP at 24 points", "QR151"),
    ("points for 60 glh P 6, M 10, D 16", "QR151"),
    ("points per credit P 1, M 2, D 3", "QR156"),
    ("grade D*D*D at 48 points", "QR157"),
    ("grade UU at 10 points", "QR150"),
    ("otherwise award 601/0009/9", "QR155"),
    ("otherwise award 601/0001/1", "QR155"),
])
def test_grading_errors(extra, code):
    with pytest.raises(DiagnosticError) as raised:
        compile_ruleset(build_ruleset(NATIONAL.format(extra=extra), "national.qual"))
    assert {d.code for d in raised.value.diagnostics} == {code}


def test_a_second_allowance_is_told_there_is_one_allowance():
    extra = "allow unclassified up to 60 glh from Group B\n  allow near pass up to 90 glh from Group B"
    with pytest.raises(DiagnosticError) as raised:
        compile_ruleset(build_ruleset(NATIONAL.format(extra=extra), "national.qual"))
    (error,) = raised.value.diagnostics
    assert error.code == "QR151" and error.message.endswith("has one allowance, stated already on line 19")
    again = "allow unclassified up to 60 glh from Group B\n  allow unclassified up to 60 glh from Group B"
    with pytest.raises(DiagnosticError) as raised:
        compile_ruleset(build_ruleset(NATIONAL.format(extra=again), "national.qual"))
    assert "states this grading statement twice (first on line 19)" in raised.value.diagnostics[0].message


def test_a_unit_no_points_line_covers_and_a_line_without_every_grade():
    text = NATIONAL.replace("unit B2 \"Personal and Business Finance\" level 3 credits 6 glh 60",
                            "unit B2 \"Personal and Business Finance\" level 3 credits 9 glh 90")
    with pytest.raises(DiagnosticError) as raised:
        compile_ruleset(build_ruleset(text.format(extra="points for 30 glh P 3, M 5"), "national.qual"))
    assert [d.code for d in raised.value.diagnostics] == ["QR154", "QR153"]


# ---- exactness against brute force, on both engines ----------------------------------------------------
RESULTS = ("pass", "merit", "distinction", "distinction star", "near pass", "unclassified", "none")


@st.composite
def graded_scenarios(draw):
    text, catalogue = draw(rulesets())
    steps = draw(st.lists(st.integers(0, 4), min_size=4, max_size=4))
    points = list(itertools.accumulate(steps))  # P <= M <= D <= D*, as real tables are
    near_pass = draw(st.integers(0, points[0]))
    lines = [f"  points per credit N {near_pass}, P {points[0]}, M {points[1]}, D {points[2]}, D* {points[3]}"]
    top = points[3] * sum(u.credits for u in catalogue.units)
    for k, value in enumerate(sorted(set(draw(st.lists(st.integers(0, max(1, top)), min_size=1, max_size=3))))):
        lines.append(f"  grade {'D' * (k + 1)} at {value} points")
    if draw(st.booleans()):
        kind, index = draw(st.sampled_from(catalogue.terms()))
        scope = term_text(draw, catalogue, (kind, index))
        allowed = draw(st.sampled_from(["unclassified", "near pass"]))
        lines.append(f"  allow {allowed} up to {draw(st.integers(1, 8))} credits from {scope}")
    results = [draw(st.sampled_from(RESULTS)) for _ in catalogue.units]
    return text + "\n".join(lines) + "\n", [u.ref for u in catalogue.units], results


def brute_force(q, available: np.ndarray, grades: np.ndarray):
    """The claim with the most points, then credits, then the lexicographically greatest choice in catalogue
    order, by trying every subset; None when no claim meets every rule."""
    units = np.flatnonzero(available).tolist()
    compensation = q.grading.compensation
    table = q.grading.points
    best = None
    for size in range(len(units) + 1):
        for claim in itertools.combinations(units, size):
            if compensation is not None:
                unclassified = sum(w for i, w in zip(compensation.members, compensation.weights)
                                   if i in claim and grades[i] < grading.PASS)
                if unclassified > compensation.maximum:
                    continue
            if not holds(q.requirements, claim):
                continue
            key = (sum(table[i][grades[i]] for i in claim), sum(q.units[i].credits for i in claim),
                   tuple(i in claim for i in range(len(q.units))))
            best = key if best is None or key > best else best
    return None if best is None else tuple(i for i, taken in enumerate(best[2]) if taken)


@given(graded_scenarios())
@exactness_settings(300)
def test_best_grade_claim_matches_brute_force_on_both_engines(scenario):
    text, refs, results = scenario
    (q,) = compile_ruleset(build_ruleset(text, "random.qual"))
    held = learner([(ref, result) for ref, result in zip(refs, results) if result != "none"])
    grades = grading.effective_grades(grading.grade_matrix(q, [held], [None]))
    index = [q.index[ref] for ref in refs]
    available = np.zeros((1, len(q.units)), dtype=bool)
    available[0, [i for i, result in zip(index, results) if result != "none"]] = True
    claimable = grading.claimable(q, available, grades)
    expected = brute_force(q, claimable[0], grades[0])
    unclassified = claimable & (grades < grading.PASS)
    table = np.array(q.grading.points)
    scores = np.where(claimable, table[np.arange(len(q.units))[None, :], grades], 0)
    solved = grading._solve(q, np.flatnonzero(claimable[0]).tolist(), unclassified[0], scores[0])
    assert (None if solved is None else tuple(sorted(solved))) == expected
    if isinstance(q.decision, Decision):
        found, claims = grading._programme(q, claimable, unclassified, scores)
        assert (tuple(np.flatnonzero(claims[0]).tolist()) if found[0] else None) == expected
    # The evaluator's verdict reports the same claim, achieved exactly when it reaches the pass grade's points.
    verdict = evaluate(q, held, COUNTS)
    if expected is None:
        assert verdict.status is Status.NOT_ACHIEVED
    else:
        points = sum(q.grading.points[i][grades[0][i]] for i in expected)
        assert verdict.claim == tuple(q.units[i].ref for i in expected)
        assert verdict.achieved == (points >= q.grading.pass_points)
        assert verdict.points == points


def test_the_documented_example_gives_the_documented_grade():
    # docs/semantics.md "Grades", on the ruleset of docs/language.md "Grades".
    page = (Path(__file__).resolve().parents[1] / "docs" / "language.md").read_text(encoding="utf-8")
    section = page[page.index("## Grades"):]
    text = section[section.index("```qual\n") + 8:section.index("```\n", section.index("```qual\n") + 8)]
    q = {q.qan: q for q in compile_ruleset(build_ruleset(text, "national.qual"))}["601/7155/8"]
    held = grades_of(("1", "merit"), ("2", "merit"), ("4", "distinction"), ("5", "distinction"), ("6", "merit"),
                     ("7", "pass"), ("8", "distinction"))
    verdict = evaluate(q, held, COUNTS)
    assert (verdict.claim, verdict.points, verdict.grade) == (("1", "2", "4", "5", "8"), 78, "D")
    assert verdict.outcomes[-1].detail == "Points: 78 counted, enough for D (74 or more); 12 more for D* (90)"


# ---- the command line -------------------------------------------------------------------------------------
RECORDS = """\
learner,unit,result,achieved_on
G1,1,merit,2024-05-01
G1,2,merit,2024-05-01
G1,4,distinction,2024-05-01
G1,5,distinction,2024-05-01
G1,6,merit,2024-05-01
G1,7,pass,2024-05-01
G1,8,distinction,2024-05-01
G2,1,distinction,2024-05-01
G2,2,merit,2024-05-01
G2,4,pass,2024-05-01
"""


@pytest.fixture
def national_files(tmp_path):
    page = (Path(__file__).resolve().parents[1] / "docs" / "language.md").read_text(encoding="utf-8")
    section = page[page.index("## Grades"):]
    start = section.index("```qual\n") + 8
    (tmp_path / "national.qual").write_text(section[start:section.index("```\n", start)], encoding="utf-8")
    (tmp_path / "records.csv").write_text(RECORDS, encoding="utf-8")
    return ["--ruleset", str(tmp_path / "national.qual")], str(tmp_path / "records.csv")


def test_explain_shows_points_per_unit_the_distance_to_the_next_grade_and_the_award_instead(national_files,
                                                                                             snapshot):
    ruleset, records = national_files
    for learner_id in ("G1", "G2"):
        result = CliRunner().invoke(main, ["explain", *ruleset, "-q", "601/7155/8", "--learner", learner_id, records])
        assert result.exit_code == (0 if learner_id == "G1" else 1), result.output
        assert result.output == snapshot(name=learner_id)


def test_check_gives_the_grade_in_the_table_and_in_json(national_files, snapshot):
    ruleset, records = national_files
    table = CliRunner().invoke(main, ["check", *ruleset, "-q", "601/7155/8", "-j", "1", records])
    assert table.output == snapshot(name="table")
    result = CliRunner().invoke(main, ["check", *ruleset, "-q", "601/7155/8", "-j", "1", "--format", "json", records])
    rows = json.loads(result.output)
    assert [(r["learner"], r["grade"], r["points"]) for r in rows] == [("G1", "D", 78), ("G2", None, 45)]
    assert rows[1]["fallback"]["qualification"] == "601/7157/1"
    assert (rows[1]["fallback"]["grade"], rows[1]["fallback"]["points"]) == ("M", 24 + 15)
    # The table names the award given instead; CSV gives the grades and that award as JSON does.
    assert "  > awarded instead: 601/7157/1 " in table.output and ", achieved, grade M\n" in table.output
    csv_result = CliRunner().invoke(main, ["check", *ruleset, "-q", "601/7155/8", "-j", "1", "--format", "csv", records])
    cells = [(r["learner"], r["grade"], r["points"], r["fallback_qualification"], r["fallback_status"],
              r["fallback_grade"]) for r in csv.DictReader(io.StringIO(csv_result.stdout))]
    assert cells == [("G1", "D", "78", "", "", ""), ("G2", "", "45", "601/7157/1", "achieved", "M")]


# ---- planning for a grade ---------------------------------------------------------------------------------
def test_plan_target_grade_asks_for_the_fewest_high_grades(national_files):
    ruleset, records = national_files
    # G2 holds 1 D, 2 M, 4 P (45 points, 240 GLH) and needs 120 GLH more. For M (52): one unit at P does it
    # (6 at P: 57). For D (74) the plan needs 29 more: 6 at D* earns only a D's 32 (no D* points of its own),
    # so a D in one 120-GLH unit, not two 60-GLH units at D (16 + 16) with one more unit.
    result = CliRunner().invoke(main, ["plan", *ruleset, "-q", "601/7155/8", "--learner", "G2", "--target-grade",
                                       "merit", "--format", "json", records])
    found = json.loads(result.output)
    assert (result.exit_code, found["status"], found["take"]) == (0, "planned", [{"unit": "6", "grade": "P",
                                                                                   "points": 12}])
    result = CliRunner().invoke(main, ["plan", *ruleset, "-q", "601/7155/8", "--learner", "G2", "--target-grade",
                                       "D", "--format", "json", records])
    found = json.loads(result.output)
    assert (found["take"], found["points"]) == ([{"unit": "6", "grade": "D", "points": 32}], 77)
    result = CliRunner().invoke(main, ["plan", *ruleset, "-q", "601/7155/8", "--learner", "G2", "--target-grade",
                                       "D*", records])
    assert result.exit_code == 1 and "impossible" in result.output


def test_plan_target_grade_text(national_files, snapshot):
    ruleset, records = national_files
    result = CliRunner().invoke(main, ["plan", *ruleset, "-q", "601/7155/8", "--learner", "G2", "--target-grade",
                                       "D", "--exclude", "6", records])
    assert result.output == snapshot


def test_the_documented_target_grade_commands(national_files, tmp_path, monkeypatch):
    # docs/diagnostics.md, QR221: run from the folder holding national.qual and records.csv.
    monkeypatch.chdir(tmp_path)
    page = (Path(__file__).resolve().parents[1] / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    section = page[page.index("### QR221"):page.index("### QR301")]
    wrong, right = [line for line in section.splitlines() if line.startswith("qualrules ")]
    failed = CliRunner().invoke(main, wrong.split()[1:])
    assert (failed.exit_code, "QR221" in failed.stderr) == (2, True)
    passed = CliRunner().invoke(main, right.split()[1:])
    assert passed.exit_code == 0 and "QR" not in passed.stderr


def test_fmt_writes_every_grading_statement_back_with_the_same_meaning():
    text = NATIONAL.format(extra="allow unclassified up to 60 glh from Group B")
    formatted = format_ruleset(text, "national.qual")
    assert "  points for 120 glh P 12, M 20, D 32\n" in formatted
    assert "  grade DD at 48 points\n" in formatted
    assert "  allow unclassified up to 60 glh from Group B\n" in formatted
    assert without_positions(build_ruleset(formatted, "x.qual")) == without_positions(build_ruleset(text, "x.qual"))


@st.composite
def grade_plan_scenarios(draw):
    text, refs, results = draw(graded_scenarios())
    return text, refs, results, draw(st.integers(0, 3))


@given(grade_plan_scenarios())
@exactness_settings(60)
def test_grade_plan_matches_brute_force(scenario):
    from hypothesis import assume

    from qualrules.interpreter.engine.grade_plan import PLANNED_GRADES, GradePlanStatus, plan_grade

    text, refs, results, which = scenario
    assume(len(refs) <= 6)
    (q,) = compile_ruleset(build_ruleset(text, "random.qual"))
    thresholds = q.grading.thresholds
    target = thresholds[min(which, len(thresholds) - 1)]
    held = learner([(ref, result) for ref, result in zip(refs, results) if result != "none"])
    grades = grading.effective_grades(grading.grade_matrix(q, [held], [None]))[0]
    available = np.zeros((1, len(q.units)), dtype=bool)
    available[0, [q.index[ref] for ref, result in zip(refs, results) if result != "none"]] = True
    kept = set(np.flatnonzero(grading.claimable(q, available, grades[None, :])[0]).tolist())
    passed = {i for i in kept if grades[i] >= grading.PASS}
    table, compensation = q.grading.points, q.grading.compensation
    options = []
    for i in range(len(q.units)):
        choices = [None] + (["keep"] if i in kept else []) + (list(PLANNED_GRADES) if i not in passed else [])
        options.append(choices)
    best = None
    for choice in itertools.product(*options):
        claim = [i for i, c in enumerate(choice) if c is not None]
        if not holds(q.requirements, claim):
            continue
        if compensation is not None and sum(w for i, w in zip(compensation.members, compensation.weights)
                                            if choice[i] == "keep" and grades[i] < grading.PASS) > compensation.maximum:
            continue
        points = sum(table[i][grades[i]] if c == "keep" else table[i][m.UNIT_GRADES.index(c)]
                     for i, c in enumerate(choice) if c is not None)
        if points < target.points:
            continue
        planned = [c for c in choice if c not in (None, "keep")]
        key = (-planned.count("D*"), -planned.count("D"), -planned.count("M"), -len(planned),
               sum(q.units[i].credits for i in claim), tuple(c is not None for c in choice),
               tuple(-(PLANNED_GRADES.index(c) + 1) if c not in (None, "keep") else 0 for c in choice))
        if best is None or key > best[0]:
            best = (key, choice)
    found = plan_grade(q, held, COUNTS, target.grade)
    if best is None:
        assert found.status is GradePlanStatus.IMPOSSIBLE
        return
    key, choice = best
    expected = [(q.units[i].ref, c) for i, c in enumerate(choice) if c not in (None, "keep")]
    assert [(u.unit, u.grade) for u in found.take] == expected
    assert [u.unit for u in found.claim] == [q.units[i].ref for i, c in enumerate(choice) if c is not None]


@st.composite
def finish_scenarios(draw):
    """As `graded_scenarios`, shaped for finishes: at most 6 units, a pass grade that passes can reach, always
    an allowance below a pass, and results often below one."""
    from hypothesis import assume

    text, catalogue = draw(rulesets())
    assume(len(catalogue.units) <= 6)
    steps = draw(st.lists(st.integers(0, 4), min_size=4, max_size=4))
    points = list(itertools.accumulate(steps))
    lines = [f"  points per credit N {draw(st.integers(0, points[0]))}, U {draw(st.integers(0, 1))}, "
             f"P {points[0]}, M {points[1]}, D {points[2]}, D* {points[3]}",
             f"  grade P at {draw(st.integers(0, points[0] * sum(u.credits for u in catalogue.units)))} points"]
    kind, index = draw(st.sampled_from(catalogue.terms()))
    allowed = draw(st.sampled_from(["unclassified", "near pass"]))
    lines.append(f"  allow {allowed} up to {draw(st.integers(1, 8))} credits from "
                 f"{term_text(draw, catalogue, (kind, index))}")
    refs = [u.ref for u in catalogue.units]
    results = [draw(st.sampled_from(("pass", "merit", "distinction", "near pass", "unclassified", "none")))
               for _ in refs]
    return (text + "\n".join(lines) + "\n", refs, results, draw(st.lists(st.sampled_from(refs), unique=True, max_size=2)),
            draw(st.sampled_from(["credits", "glh", "units"])))


@given(finish_scenarios())
@exactness_settings(150)
def test_the_cheapest_graded_finish_matches_brute_force(scenario):
    """Each unit not passed may be taken at P, a unit held below a pass that the allowance lets count either
    kept at its grade or taken again; the planner's order of tie-breaks, spelled out."""
    from qualrules.interpreter.engine.planner import PlanStatus, plan

    text, refs, results, exclude, minimise = scenario
    (q,) = compile_ruleset(build_ruleset(text, "random.qual"))
    held = learner([(ref, result) for ref, result in zip(refs, results) if result != "none"])
    grades = grading.effective_grades(grading.grade_matrix(q, [held], [None]))[0]
    available = np.zeros((1, len(q.units)), dtype=bool)
    available[0, [q.index[ref] for ref, result in zip(refs, results) if result != "none"]] = True
    kept = set(np.flatnonzero(grading.claimable(q, available, grades[None, :])[0]).tolist())
    excluded = {q.index[ref] for ref in exclude}
    table, compensation = q.grading.points, q.grading.compensation
    cost = {"credits": lambda i: q.units[i].credits, "glh": lambda i: q.units[i].glh, "units": lambda i: 1}[minimise]
    settled, best = False, None
    for choice in itertools.product(*[[None] + (["keep"] if i in kept else [])
                                      + (["P"] if i not in excluded and not (i in kept and grades[i] >= grading.PASS)
                                         else []) for i in range(len(q.units))]):
        claim = [i for i, c in enumerate(choice) if c is not None]
        if not holds(q.requirements, claim):
            continue
        if compensation is not None and sum(w for i, w in zip(compensation.members, compensation.weights)
                                            if choice[i] == "keep" and grades[i] < grading.PASS) > compensation.maximum:
            continue
        if sum(table[i][grades[i] if c == "keep" else grading.PASS]
               for i, c in enumerate(choice) if c is not None) < q.grading.pass_points:
            continue
        taken = [i for i, c in enumerate(choice) if c == "P"]
        settled = settled or not taken
        # Least cost, fewest units, most credits, earlier units claimed, then earlier units taken again.
        key = (sum(cost(i) for i in taken), len(taken), -sum(q.units[i].credits for i in claim),
               tuple(c is None for c in choice), tuple(not (c == "P" and i in kept) for i, c in enumerate(choice)))
        best = (key, claim, taken) if best is None or key < best[0] else best
    found = plan(q, held, COUNTS, minimise=minimise, exclude=exclude)
    if settled:
        assert found.status is PlanStatus.ALREADY_ACHIEVED and found.add == ()
    elif best is None:
        assert found.status is PlanStatus.IMPOSSIBLE
    else:
        key, claim, taken = best
        assert found.status is PlanStatus.PLANNED
        assert (found.add, found.claim, found.cost) == (tuple(q.units[i].ref for i in taken),
                                                        tuple(q.units[i].ref for i in claim), key[0])
        # Passing the units added achieves it.
        finished = learner([(a.unit, a.result) for a in held.attempts] + [(ref, "pass") for ref in found.add])
        assert evaluate(q, finished, COUNTS).status is Status.ACHIEVED


# ---- scored components -------------------------------------------------------------------------------------
def technical_award_text() -> str:
    page = (Path(__file__).resolve().parents[1] / "docs" / "language.md").read_text(encoding="utf-8")
    section = page[page.index("### Scored components"):]
    start = section.index("```qual\n") + 8
    return section[start:section.index("```\n", start)]


def technical_award():
    (q,) = compile_ruleset(build_ruleset(technical_award_text(), "award.qual"))
    return q


@pytest.mark.parametrize("mark,grade", [(40, "U"), (41, "P"), (49, "P"), (50, "M"), (54, "M"), (55, "D"), (60, "D")])
def test_a_mark_gets_the_grade_of_its_band(mark, grade):
    q = technical_award()
    verdict = evaluate(q, grades_of(("EXAM", str(mark)), ("PROJ", "distinction"), ("OPT1", "pass")), COUNTS)
    if grade == "U":
        assert verdict.status is Status.NOT_ACHIEVED
        assert ("EXAM", "graded U: below the pass band") in [(s.unit, s.reason) for s in verdict.set_aside]
    else:
        assert dict((u.unit, u.grade) for u in verdict.unit_points)["EXAM"] == grade


def test_the_grade_table_gives_the_best_row_the_components_meet():
    q = technical_award()
    # EXAM M and PROJ D meet the rows for M and P, not D: the lower component decides.
    verdict = evaluate(q, grades_of(("EXAM", "52"), ("PROJ", "distinction"), ("OPT1", "pass")), COUNTS)
    assert (verdict.status, verdict.grade, verdict.points) == (Status.ACHIEVED, "M", None)
    assert verdict.outcomes[-1].detail == "Components: EXAM M, PROJ D: grade M"
    # A merit in an optional unit changes nothing: only the components count.
    both = evaluate(q, grades_of(("EXAM", "58"), ("PROJ", "distinction"), ("OPT2", "merit")), COUNTS)
    assert (both.grade, both.to_json()["points"]) == ("D", None)


def test_a_mark_towards_a_pass_only_qualification_does_not_count():
    text = 'unit EXAM "Exam" level 2 credits 4\nqualification 600/5929/1 "Award"\n  units from EXAM\n  all of EXAM\n'
    (q,) = compile_ruleset(build_ruleset(text, "plain.qual"))
    verdict = evaluate(q, grades_of(("EXAM", "58")), COUNTS)
    assert verdict.status is Status.NOT_ACHIEVED
    assert ("EXAM", "result '58' does not count as achieved") in [(s.unit, s.reason) for s in verdict.set_aside]


def test_a_record_gives_a_mark_as_its_result(tmp_path, library):
    from qualrules.interpreter.records.readers import read_records

    path = tmp_path / "records.csv"
    path.write_text("learner,unit,result,achieved_on\nT1,L3B1,52,2024-05-01\nT1,L3B2,52.0,2024-05-01\n",
                    encoding="utf-8")
    records = read_records(path, library.vocabulary())
    assert [a.result for a in records.learners[0].attempts] == ["52", "52"]
    assert not records.diagnostics


@pytest.mark.parametrize("statement,code", [
    ("marks for EXAM out of 50 P 41, M 50, D 55", "QR158"),
    ("marks for EXAM M 50, D 55", "QR158"),
    ("marks for EXAM P 41, M 55, D 50", "QR158"),
    ("marks for NONE P 1, M 2, D 3", "QR159"),
    ("grade D* when EXAM at D, OPT1 at D", "QR160"),
    ("points per credit P 1, M 2, D 3", "QR161"),
])
def test_component_errors(statement, code):
    text = technical_award_text()
    marks = next(line for line in text.splitlines() if line.strip().startswith("marks for"))
    text = text.replace(marks, f"  {statement}") if statement.startswith("marks") else text + f"  {statement}\n"
    with pytest.raises(DiagnosticError) as raised:
        compile_ruleset(build_ruleset(text, "award.qual"))
    assert {d.code for d in raised.value.diagnostics} == {code}


def test_show_gives_the_grading_in_english(national_files, tmp_path, snapshot):
    ruleset, _ = national_files
    result = CliRunner().invoke(main, ["show", *ruleset, "601/7155/8"])
    assert result.exit_code == 0
    assert result.output[result.output.index("Grading"):] == snapshot
    shown = json.loads(CliRunner().invoke(main, ["show", *ruleset, "601/7155/8", "--format", "json"]).output)
    assert shown["grading"][3] == "P needs 36 points or more."
    (tmp_path / "award.qual").write_text(technical_award_text(), encoding="utf-8")
    award = CliRunner().invoke(main, ["show", "--ruleset", str(tmp_path / "award.qual"), "600/5929/1"]).output
    assert "  - EXAM (out of 60) is graded by its mark: 41 or more is P, 50 or more is M, 55 or more is D.\n" in award
    assert "  - M needs EXAM at M or better and PROJ at M or better.\n" in award
    plain = json.loads(CliRunner().invoke(main, ["show", "610/3788/6", "--format", "json"]).output)
    assert "grading" not in plain


def test_the_cheapest_finish_of_a_graded_qualification_reaches_the_pass_grade_s_points():
    from qualrules.interpreter.engine.planner import PlanStatus, plan

    q = national()["601/0001/1"]
    # Every rule met, 18 points of the 24 PP needs: not achieved, and no unit passed at P makes it up
    # (the 180 GLH are all used).
    short = plan(q, grades_of(("A1", "pass"), ("B1", "pass"), ("B2", "pass")), COUNTS)
    assert short.status is PlanStatus.IMPOSSIBLE
    assert short.reasons == ("no claim reaches the 24 points of PP with the units still to be taken passed at P; "
                             "`plan --target-grade PP` says which grades would",)
    # A1 at D and B1 at M (26 points with B2 at P): the finish adds B2, assumed passed at P.
    finish = plan(q, grades_of(("A1", "distinction"), ("B1", "merit")), COUNTS)
    assert (finish.status, finish.add, finish.claim) == (PlanStatus.PLANNED, ("B2",), ("A1", "B1", "B2"))
    # A passing mark is held, not a unit to take: a mark below the pass band is one to take again.
    award = technical_award()
    assert plan(award, grades_of(("EXAM", "52"), ("PROJ", "merit")), COUNTS).add == ("OPT1",)
    assert plan(award, grades_of(("EXAM", "30"), ("PROJ", "merit"), ("OPT1", "pass")), COUNTS).add == ("EXAM",)


RETAKE = """\
unit A1 "Alpha" level 3 credits 6 glh 60
unit B1 "Beta" level 3 credits 6 glh 60
unit B2 "Gamma" level 3 credits 12 glh 120
qualification 699/1234/5 "Certificate"
  units from A1, B1, B2
  all of A1
  exactly 120 glh
  points for 60 glh P 6, M 10, D 16
  points for 120 glh P 12, M 20, D 32
  grade P at 12 points
  allow unclassified up to 60 glh from B1, B2
"""


def test_a_unit_held_unclassified_that_the_allowance_may_count_may_be_taken_again(tmp_path):
    from qualrules.interpreter.engine.planner import PlanStatus, plan

    (q,) = compile_ruleset(build_ruleset(RETAKE, "retake.qual"))
    # A1 P (6) and B1 U (0) fall 6 points short of P, and 120 GLH leave no room for B2: taking B1 again at P
    # gives A1 P (6) + B1 P (6) = 12 points, P.
    finish = plan(q, learner([("A1", "pass"), ("B1", "unclassified")], id="G2"), COUNTS)
    assert (finish.status, finish.add, finish.claim) == (PlanStatus.PLANNED, ("B1",), ("A1", "B1"))
    assert (finish.cost, finish.credits_to_add, finish.glh_to_add, finish.units_to_add) == (6, 6, 60, 1)
    # explain's cheapest finish and eligible give the same plan.
    (tmp_path / "retake.qual").write_text(RETAKE, encoding="utf-8")
    (tmp_path / "retake.csv").write_text("learner,unit,result,achieved_on\nG2,A1,pass,2024-01-10\n"
                                         "G2,B1,unclassified,2024-02-10\n", encoding="utf-8")
    common = [str(tmp_path / "retake.csv"), "--ruleset", str(tmp_path / "retake.qual"), "--format", "json"]
    planned = CliRunner().invoke(main, ["plan", *common, "--learner", "G2", "-q", "699/1234/5"])
    assert planned.exit_code == 0 and json.loads(planned.output) == finish.to_json() | {"not_read": []}
    explained = CliRunner().invoke(main, ["explain", *common, "--learner", "G2", "-q", "699/1234/5"])
    assert json.loads(explained.output)["plan"] == finish.to_json()
    eligible = CliRunner().invoke(main, ["eligible", *common])
    (distance,) = [d for d in json.loads(eligible.output)[0]["qualifications"] if d["qualification"] == "699/1234/5"]
    assert (distance["status"], distance["add"], distance["credits_to_add"]) == ("planned", ["B1"], 6)


def test_a_unit_held_unclassified_that_counts_within_the_allowance_already_suffices():
    from qualrules.interpreter.engine.planner import PlanStatus, plan

    (q,) = compile_ruleset(build_ruleset(RETAKE, "retake.qual"))
    # A1 D (16) + B1 U (0) = 16 points, P, with B1's 60 GLH within the allowance: nothing to take again.
    finish = plan(q, grades_of(("A1", "distinction"), ("B1", "unclassified")), COUNTS)
    assert (finish.status, finish.add, finish.claim) == (PlanStatus.ALREADY_ACHIEVED, (), ("A1", "B1"))


def test_lint_warns_of_a_grade_table_row_that_is_never_given():
    from qualrules.interpreter.lint import lint_ruleset

    text = technical_award_text().replace("grade D when EXAM at D, PROJ at D", "grade D when EXAM at M")
    found = [(d.code, d.message) for d in lint_ruleset(build_ruleset(text, "award.qual"), GenericAwardingBody())
             if d.code == "QR410"]
    assert found == [("QR410", "M is never given: whoever meets its row meets the row for the better grade D")]
    assert not [d for d in lint_ruleset(build_ruleset(technical_award_text(), "award.qual"), GenericAwardingBody())
                if d.code == "QR410"]


FLOOR = """\
unit A1 "Alpha" level 3 credits 6 glh 60
unit B1 "Beta" level 3 credits 6 glh 60
unit B2 "Gamma" level 3 credits 6 glh 60
qualification 600/5929/1 "Certificate"
  units from A1, B1, B2
  all of A1
  at least 6 credits
  points for 60 glh P 6, M 10, D 16
  grade P at {points} points
"""


def lint_ruleset_of(text: str):
    from qualrules.interpreter.lint import lint_ruleset

    return lint_ruleset(build_ruleset(text, "example.qual"), GenericAwardingBody())


def graded_lint(text: str) -> list[tuple[str, str]]:
    # `at least 6 credits` restates `all of A1` (QR404), beside the point here.
    return [(d.code, d.message) for d in lint_ruleset_of(text) if d.code != "QR404"]


def test_the_witness_is_the_smallest_claim_that_can_reach_the_pass_grade():
    # A1 alone earns at most 16 points (D), two units 32: P at 40 needs all three, 48 at D.
    assert graded_lint(FLOOR.format(points=40)) == [
        ("QR400", "600/5929/1 can be achieved; the smallest claim is A1, B1, B2 (18 credits), earning up to 48 points "
                  "where P needs 40")]
    assert graded_lint(FLOOR.format(points=32))[0][1].startswith(
        "600/5929/1 can be achieved; the smallest claim is A1, B1 (12 credits), earning up to 32 points")
    # 49 points no claim reaches: QR411 says the qualification can never be achieved, and no witness contradicts it.
    assert graded_lint(FLOOR.format(points=49)) == [
        ("QR411", "no claim reaches P: at most 48 points can be counted within the rules, so 600/5929/1 can never "
                  "be achieved")]


FALLBACK = """\
unit A1 "Alpha" level 3 credits 6 glh 60
unit A2 "Beta" level 3 credits 6 glh 60
qualification 600/5929/1 "Certificate"
  units from A1, A2
  all of A1, A2
  otherwise award 610/3788/6
qualification 610/3788/6 "Award"
  units from A1
  all of A1
{award}qualification 610/3789/8 "Other award"
  units from A2
  all of A2
{other}"""


@pytest.mark.parametrize("award,other,message", [
    # Checked only for a learner who has not achieved 600/5929/1, the award can never meet its requirement.
    ("  requires 600/5929/1 achieved\n", "", "610/3788/6 can never be awarded instead of 600/5929/1: it requires "
     "600/5929/1 achieved (line 10), but is checked only for a learner who has not achieved 600/5929/1"),
    ("  requires 600/5929/1 achieved before registration\n", "", "610/3788/6 can never be awarded instead of "
     "600/5929/1: it requires 600/5929/1 achieved (line 10), but is checked only for a learner who has not "
     "achieved 600/5929/1"),
    # Through another qualification it requires.
    ("  requires 610/3789/8 achieved\n", "  requires 600/5929/1 achieved\n", "610/3788/6 can never be awarded "
     "instead of 600/5929/1: it requires 610/3789/8 achieved (line 10), which requires 600/5929/1 achieved, but "
     "is checked only for a learner who has not achieved 600/5929/1"),
    # Down the chain: the second award is checked only when neither of the first two is achieved.
    ("  otherwise award 610/3789/8\n", "  requires 600/5929/1 achieved\n", "610/3789/8 can never be awarded "
     "instead of 600/5929/1, down the chain through 610/3788/6: it requires 600/5929/1 achieved (line 14), but is "
     "checked only for a learner who has not achieved 600/5929/1"),
])
def test_lint_warns_of_an_award_given_instead_that_requires_the_qualification_it_replaces(award, other, message):
    found = [(d.code, d.message, d.location.line) for d in lint_ruleset_of(FALLBACK.format(award=award, other=other))
             if d.code == "QR412"]
    assert found == [("QR412", message, 6)]


def test_an_award_given_instead_that_requires_another_qualification_is_not_warned_of():
    text = FALLBACK.format(award="  requires 610/3789/8 achieved\n", other="")
    assert not [d for d in lint_ruleset_of(text) if d.code != "QR400"]


def test_grading_lines_may_end_with_a_full_stop_as_a_specification_s_sentences_do():
    written = """\
unit A1 "Alpha" level 3 credits 6 glh 60
qualification 601/7155/8 "Certificate"
  units from A1
  all of A1
  points for 60 glh P 6, M 10, D 16{stop}
  grade P at 6 points{stop}
  allow unclassified up to 6 credits{stop}
  otherwise award 601/7157/1{stop}
qualification 601/7157/1 "Award"
  units from A1
  all of A1
"""
    with_stops, without = (written.format(stop=stop) for stop in (".", ""))
    assert without_positions(build_ruleset(with_stops, "stops.qual")) == \
        without_positions(build_ruleset(without, "stops.qual"))
    assert format_ruleset(with_stops, "stops.qual") == format_ruleset(without, "stops.qual")
