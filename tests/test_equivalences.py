"""Unit equivalences: the statements, the equivalents both engines count exactly (never one achievement twice),
what explain, show, fmt and check's outputs say of them, the checker's and the linter's findings, and a
property against brute force over random rulesets."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
from pathlib import Path

import attrs
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import event, given
from hypothesis import strategies as st

from conftest import learner
from test_exactness import COUNTS, BruteForce, catalogue_lines, catalogues, compiled, exactness_settings, simple_rules
from qualrules.cli import main
from qualrules.interpreter import model as m
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.diagnostics import DiagnosticError, Severity, render
from qualrules.interpreter.engine import cpsat
from qualrules.interpreter.engine.decision import Decision, Unsupported
from qualrules.interpreter.engine.evaluator import evaluate, holdings_of
from qualrules.interpreter.engine.planner import plan
from qualrules.interpreter.formatter import format_ruleset
from qualrules.interpreter.lint import lint
from qualrules.interpreter.records.learner import Attempt, Learner
from qualrules.plugins import RulesetSource, discover

# A predecessor-unit table as ILM-style specifications print it: "Learners who achieved units of the 2012
# Certificate may use them towards this one: achievement of 8600-201 will be accepted as 8607-201", with two
# old units of another body mapped onto one new one, and an old unit whose content two new units now cover.
# The 2012 unit 8600-201 is declared (in no group, so in no pool) for its credit.
PREDECESSORS = """\
awarding body ILM "Institute of Leadership and Management"

unit 8600-201 "Understanding leadership (2012)" level 2  credits 6

group 1 "Mandatory units"
unit 8607-201 "Understanding leadership"            level 2  credits 4
unit 8607-202 "Developing yourself as a team leader" level 2  credits 3

group 2 "Optional units"
unit 8607-203 "Solving problems and making decisions" level 2  credits 3
unit 8607-204 "Planning and allocating work"          level 2  credits 2
unit 8607-205 "Managing conflict at work"             level 2  credits 4

unit 8600-201 counts as 8607-201 with its own credit
units 8600-210 and 8600-211 together count as 8607-202
unit 8600-230 counts as 8607-203 and 8607-204

qualification 600/1000/9 "ILM Level 2 Certificate in Team Leading"
  units from Group 1, Group 2
  all of Group 1
  at least 13 credits
  at most 6 credits from Group 2
"""


def line_of(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(start))


def needing(credits: int, text: str = PREDECESSORS) -> str:
    return text.replace("at least 13 credits", f"at least {credits} credits")


def claims_of(text: str, units, **kwargs):
    """The verdict of the compiled engine, which must be CP-SAT's too."""
    _, q = compiled(text)
    assert isinstance(q.decision, Decision), q.engine
    found = evaluate(q, learner(units, **kwargs), COUNTS)
    cp = _on_cpsat(q, learner(units, **kwargs))
    assert (cp.status, cp.claim, cp.credits, cp.equivalents, cp.set_aside) == (
        found.status, found.claim, found.credits, found.equivalents, found.set_aside)
    return found


def _on_cpsat(q, who):
    return evaluate(attrs.evolve(q, decision=Unsupported("for the test")), who, COUNTS)


def equivalents(verdict) -> list[str]:
    return [e.text for e in verdict.equivalents]


def set_aside(verdict) -> list[tuple[str, str]]:
    return [(s.unit, s.reason) for s in verdict.set_aside]


# ---- the statements --------------------------------------------------------------------------------

def test_the_three_forms_build_their_originals_replacements_and_credit():
    ruleset = build_ruleset(PREDECESSORS, "table.qual")
    found = [([n.name for n in e.originals], [n.name for n in e.replacements], e.credit)
             for e in ruleset.equivalences]
    assert found == [(["8600-201"], ["8607-201"], m.EquivalentCredit.OWN),
                     (["8600-210", "8600-211"], ["8607-202"], m.EquivalentCredit.REPLACEMENT),
                     (["8600-230"], ["8607-203", "8607-204"], m.EquivalentCredit.REPLACEMENT)]
    assert ruleset.equivalences[1].span.line == line_of(PREDECESSORS, "units 8600-210")


def test_an_equivalence_may_stand_among_the_units_of_a_group():
    text = PREDECESSORS.replace('unit 8607-204 "Planning and allocating work"          level 2  credits 2\n',
                                'Unit 8600-205 COUNTS AS 8607-205\n'
                                'unit 8607-204 "Planning and allocating work" level 2 credits 2\n')
    ruleset = build_ruleset(text, "table.qual")
    # In source order, wherever they stand.
    assert [e.originals[0].name for e in ruleset.equivalences] == ["8600-205", "8600-201", "8600-210", "8600-230"]
    assert [u.ref for u in ruleset.units if u.group == "2"] == ["8607-203", "8607-204", "8607-205"]


# ---- counting, by hand -----------------------------------------------------------------------------

def test_a_predecessor_unit_counts_as_its_replacement_with_its_own_credit():
    units = ["8600-201", "8607-202", "8607-203", "8607-204"]
    verdict = claims_of(PREDECESSORS, units)
    # 6 (8600-201's own credit, as 8607-201) + 3 + 3 + 2 = 14.
    assert (verdict.achieved, verdict.credits) == (True, 14)
    assert verdict.claim == ("8607-201", "8607-202", "8607-203", "8607-204")
    assert equivalents(verdict) == ["8607-201 by 8600-201, with its own credit"]
    assert set_aside(verdict) == []
    # With the replacement's credit, the same learner has 4 + 3 + 3 + 2 = 12 credits: one short.
    verdict = claims_of(PREDECESSORS.replace(" with its own credit", ""), units)
    assert (verdict.achieved, verdict.credits) == (False, 12)
    assert equivalents(verdict) == ["8607-201 by 8600-201, with 8607-201's credit"]


def test_the_trap_holding_a_unit_and_its_predecessor_counts_one_of_them():
    # A naive mapping counts 8607-201 twice, by itself (4) and by 8600-201 (6): 4 + 6 + 3 + 2 = 15 achieves.
    verdict = claims_of(PREDECESSORS, ["8607-201", "8600-201", "8607-202", "8607-204"])
    # Once only, with the bigger credit: 6 + 3 + 2 = 11.
    assert (verdict.achieved, verdict.credits) == (False, 11)
    assert verdict.claim == ("8607-201", "8607-202", "8607-204")
    assert equivalents(verdict) == ["8607-201 by 8600-201, with its own credit"]
    assert set_aside(verdict) == [("8607-201", "counted once, by 8600-201 instead")]


def test_the_trap_mapping_a_unit_onto_its_equivalent_loses_its_credit():
    text = needing(11, PREDECESSORS.replace("unit 8600-230 counts as 8607-203 and 8607-204\n",
                                            "unit 8607-205 counts as 8607-203\n"))
    # Mapped onto 8607-203 (3 credits), 8607-205 gives 4 + 3 + 3 = 10; counted as itself, 4 + 3 + 4 = 11.
    verdict = claims_of(text, ["8607-201", "8607-202", "8607-205"])
    assert (verdict.achieved, verdict.claim, verdict.credits) == (True, ("8607-201", "8607-202", "8607-205"), 11)
    assert equivalents(verdict) == []


def test_choosing_the_equivalent_is_part_of_the_optimisation():
    text = PREDECESSORS.replace("units 8600-210 and 8600-211 together count as 8607-202\n",
                                "unit 8607-205 counts as 8607-202 with 8607-202's credit\n")
    # Counted as itself, 8607-205 leaves the mandatory 8607-202 out; as 8607-202: 4 + 3 + 3 = 10.
    verdict = claims_of(needing(10, text), ["8607-201", "8607-205", "8607-203"])
    assert (verdict.achieved, verdict.claim, verdict.credits) == (True, ("8607-201", "8607-202", "8607-203"), 10)
    assert equivalents(verdict) == ["8607-202 by 8607-205, with 8607-202's credit"]
    assert set_aside(verdict) == [("8607-205", "counted as 8607-202, by an equivalence")]
    verdict = claims_of(text, ["8607-201", "8607-205", "8607-203"])
    assert (verdict.achieved, verdict.credits) == (False, 10)


def test_two_units_together_count_as_one_and_one_alone_counts_as_nothing():
    units = ["8607-201", "8600-210", "8600-211", "8607-203", "8607-205"]
    # 4 + 3 (8607-202 by the pair) + 4 (8607-205; with 8607-203 too Group 2 would pass its cap of 6) = 11.
    verdict = claims_of(needing(11), units)
    assert (verdict.achieved, verdict.claim, verdict.credits) == (True, ("8607-201", "8607-202", "8607-205"), 11)
    assert equivalents(verdict) == ["8607-202 by 8600-210 and 8600-211, with 8607-202's credit"]
    assert set_aside(verdict) == [("8607-203", "Group 2 is capped at 6 credits")]
    verdict = claims_of(PREDECESSORS, ["8607-201", "8600-210", "8607-205"])
    assert verdict.achieved is False
    assert set_aside(verdict) == [("8600-210", "not one of this qualification's units; it counts as 8607-202 only "
                                   "together with 8600-211")]
    assert "all of Group 1: 1 of 2 units counted, still needed: 8607-202" in verdict.unmet


def test_one_unit_counts_as_two_and_the_claim_may_use_one_of_them():
    # 8600-230 gives 8607-203 and 8607-204 at once; beside 8607-205 only 8607-204 by it fits Group 2's cap:
    # 4 + 3 + 4 + 2 = 13.
    verdict = claims_of(PREDECESSORS, ["8607-201", "8607-202", "8600-230", "8607-205"])
    assert (verdict.achieved, verdict.claim, verdict.credits) == (
        True, ("8607-201", "8607-202", "8607-204", "8607-205"), 13)
    assert equivalents(verdict) == ["8607-204 by 8600-230, with 8607-204's credit"]
    assert set_aside(verdict) == []
    # Beside 8607-203 held itself, the tie (5 credits either way) goes to the unit counted as itself.
    verdict = claims_of(PREDECESSORS, ["8607-201", "8607-202", "8600-230", "8607-203"])
    assert (verdict.achieved, verdict.claim, verdict.credits) == (
        False, ("8607-201", "8607-202", "8607-203", "8607-204"), 12)


def test_an_original_whose_equivalents_the_claim_does_not_need_says_why():
    # Beside 8607-203 held itself, 8600-230's equivalents would pass Group 2's cap.
    verdict = claims_of(PREDECESSORS, ["8607-201", "8607-202", "8607-203", "8607-204", "8600-230"])
    assert (verdict.claim, equivalents(verdict)) == (("8607-201", "8607-202", "8607-203", "8607-204"), [])
    assert set_aside(verdict) == [
        ("8600-230", "counts as 8607-203 or 8607-204 but is not counted: Group 2 is capped at 6 credits")]
    # With 8607-201's credit, 8600-201 ties with 8607-201 itself, which the claim counts as the earlier unit.
    verdict = claims_of(PREDECESSORS.replace(" with its own credit", ""), ["8607-201", "8600-201", "8607-202"])
    assert (verdict.claim, equivalents(verdict)) == (("8607-201", "8607-202"), [])
    assert set_aside(verdict) == [
        ("8600-201", "counts as 8607-201 but is not counted: 8607-201 counts once, and the claim counts it already")]


def test_an_equivalent_is_achieved_when_the_last_of_its_originals_is():
    text = needing(11) + "  complete within 1 year\n"
    on_time, late = dt.date(2024, 6, 1), dt.date(2025, 6, 1)
    units = [("8607-201", "pass", on_time), ("8600-210", "pass", on_time), ("8607-205", "pass", on_time)]
    verdict = claims_of(text, units + [("8600-211", "pass", late)])
    assert verdict.achieved is False
    assert set_aside(verdict) == [
        ("8600-211", "achieved on 2025-06-01, after the completion deadline of 2025-01-15"),
        ("8600-210", "not one of this qualification's units; it counts as 8607-202 only together with 8600-211")]
    assert claims_of(text, units + [("8600-211", "pass", on_time)]).achieved is True


def test_an_original_without_a_date_under_a_window_gives_cannot_tell():
    text = needing(11) + "  complete within 1 year\n"
    verdict = claims_of(text, ["8607-201", "8600-210", ("8600-211", "pass", None), "8607-205"])
    assert verdict.status.value == "undetermined"
    assert verdict.missing == ("achievement date of 8600-211 (needed for `complete within 1 year`)",)
    assert verdict.unmet[0] == "all of Group 1: 2 of 2 units counted (only with units whose dates are in doubt)"


def test_a_plan_never_proposes_an_equivalent_but_counts_the_ones_held():
    _, q = compiled(PREDECESSORS)
    # Held: 8607-201, and by 8600-230 8607-203 and 8607-204. The mandatory 8607-202 (3) and 8607-205 (4, with
    # 8607-204 by 8600-230 filling Group 2's 6) finish at 13 credits; 8607-205 with 8607-203 would pass the cap.
    finish = plan(q, learner(["8607-201", "8600-230"]), COUNTS)
    assert (finish.status.value, finish.add, finish.cost) == ("planned", ("8607-202", "8607-205"), 7)
    assert finish.claim == ("8607-201", "8607-202", "8607-204", "8607-205")


# ---- the engines and the caps ----------------------------------------------------------------------

def test_each_equivalent_is_a_pool_unit_after_the_catalogues_with_caps_of_one_unit():
    _, q = compiled(PREDECESSORS)
    assert [u.ref for u in q.units] == ["8607-201", "8607-202", "8607-203", "8607-204", "8607-205",
                                        "8607-201", "8607-202", "8607-203", "8607-204"]
    assert q.equivalents.first == 5 and q.catalogue_units == q.units[:5]
    assert [u.credits for u in q.units[5:]] == [6, 3, 3, 2]  # 8600-201's own credit, then the replacements'
    caps = [(r.members, r.text) for r in q.requirements if r.equivalence is not None]
    assert caps == [
        ((0, 5), "unit 8607-201 counts once: as itself or by one equivalence"),
        ((1, 6), "unit 8607-202 counts once: as itself or by one equivalence"),
        ((2, 7), "unit 8607-203 counts once: as itself or by one equivalence"),
        ((3, 8), "unit 8607-204 counts once: as itself or by one equivalence"),
    ]
    # `all of Group 1` counts either of each unit's two ways, and still needs two units.
    all_of = q.requirements[0]
    assert (all_of.members, all_of.minimum) == ((0, 1, 5, 6), 2)


def test_the_trap_an_original_used_by_two_statements_counts_in_one_of_them():
    text = PREDECESSORS.replace("unit 8600-230 counts as 8607-203 and 8607-204\n",
                                "unit 8600-230 counts as 8607-203 and 8607-204\nunit 8600-230 counts as 8607-205\n")
    _, q = compiled(text)
    pairs = [r.members for r in q.requirements if r.equivalence is not None and "8600-230" in r.text]
    # 8607-203 and 8607-204 by the first statement (7, 8) never with 8607-205 by the second (9).
    assert pairs == [(7, 9), (8, 9)]
    # 8607-204 and 8607-205 both by 8600-230 would fill Group 2's 6 credits and reach 13; one achievement
    # counts in one statement only: 8607-203 and 8607-204 by it, 5 credits, 12 in all.
    verdict = claims_of(text, ["8607-201", "8607-202", "8600-230"])
    assert (verdict.achieved, verdict.credits) == (False, 12)
    assert equivalents(verdict) == ["8607-203 by 8600-230, with 8607-203's credit",
                                    "8607-204 by 8600-230, with 8607-204's credit"]


def test_a_bar_treats_the_equivalent_as_its_unit_on_cpsat():
    _, q = compiled(PREDECESSORS + "  not both 8607-203 and 8607-205\n")
    assert isinstance(q.decision, Unsupported)
    verdict = evaluate(q, learner(["8607-201", "8607-202", "8600-230", "8607-205"]), COUNTS)
    # 8607-203 by 8600-230 may not count beside 8607-205; 8607-204 by it may: 4 + 3 + 4 + 2 = 13.
    assert (verdict.achieved, verdict.claim) == (True, ("8607-201", "8607-202", "8607-204", "8607-205"))


def test_a_barring_code_bars_the_equivalent_of_its_unit():
    text = PREDECESSORS.replace('credits 3\n\ngroup 2', 'credits 3\n  barring code TL1\n\ngroup 2').replace(
        '"Planning and allocating work"          level 2  credits 2\n',
        '"Planning and allocating work"          level 2  credits 2\n  barring code TL1\n')
    # 8607-202 and 8607-204 share a code; 8607-202 by the pair shares it too, so 8607-204 is left out.
    verdict = claims_of(needing(11, text), ["8607-201", "8600-210", "8600-211", "8607-204", "8607-205"])
    assert (verdict.achieved, verdict.claim, verdict.credits) == (True, ("8607-201", "8607-202", "8607-205"), 11)
    assert set_aside(verdict) == [("8607-204", "barred: it shares barring code TL1 with a unit the claim counts")]


def test_show_names_each_unit_of_a_barring_code_once_though_an_equivalent_stands_for_one(tmp_path):
    text = PREDECESSORS.replace('credits 3\n\ngroup 2', 'credits 3\n  barring code TL1\n\ngroup 2').replace(
        '"Planning and allocating work"          level 2  credits 2\n',
        '"Planning and allocating work"          level 2  credits 2\n  barring code TL1\n')
    (tmp_path / "table.qual").write_text(text, encoding="utf-8")
    shown = CliRunner().invoke(main, ["show", "600/1000/9", "--ruleset", str(tmp_path / "table.qual")]).stdout
    assert "  - Only one of 8607-202 and 8607-204 counts: they share barring code TL1.\n" in shown


# ---- explain, show, check, fmt --------------------------------------------------------------------

@pytest.fixture
def table_files(tmp_path):
    ruleset = tmp_path / "table.qual"
    ruleset.write_text(PREDECESSORS, encoding="utf-8")
    records = tmp_path / "records.csv"
    records.write_text("learner,unit,result,achieved_on\n"
                       "T1,8600-201,pass,2024-05-01\nT1,8607-201,pass,2024-05-01\nT1,8600-210,pass,2024-05-01\n"
                       "T1,8600-211,pass,2024-05-02\nT1,8600-230,pass,2024-05-01\nT1,8607-203,pass,2024-05-01\n"
                       "T2,8600-210,pass,2024-05-01\nT2,8607-201,pass,2024-05-01\n", encoding="utf-8")
    return str(ruleset), str(records)


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_explain_says_which_held_unit_stands_for_which_with_whose_credit(table_files, snapshot):
    ruleset, records = table_files
    result = run("explain", records, "--learner", "T1", "-q", "600/1000/9", "--ruleset", ruleset)
    assert result.exit_code == 0, result.output
    # 6 (8607-201 by 8600-201) + 3 (8607-202 by the pair) + 3 (8607-203) + 2 (8607-204 by 8600-230) = 14.
    assert "achieved; the claim counts 4 units, 14 credits" in result.stdout
    assert "8607-201 by 8600-201, with its own credit" in result.stdout
    assert result.stdout == snapshot


def test_explain_of_a_learner_short_of_a_partner_unit(table_files, snapshot):
    ruleset, records = table_files
    result = run("explain", records, "--learner", "T2", "-q", "600/1000/9", "--ruleset", ruleset)
    assert result.exit_code == 1, result.output
    assert "it counts as 8607-202 only together with 8600-211" in result.stdout
    assert result.stdout == snapshot


def test_plan_says_which_held_units_its_claim_counts_by_equivalence(table_files, snapshot):
    ruleset, records = table_files
    result = run("plan", records, "--learner", "T2", "-q", "600/1000/9", "--ruleset", ruleset)
    assert result.exit_code == 0, result.output
    assert result.stdout == snapshot
    folder = Path(records).parent
    (folder / "p1.csv").write_text("learner,unit,result,achieved_on\nP1,8600-201,pass,2024-01-01\n"
                                   "P1,8600-230,pass,2024-01-01\n", encoding="utf-8")
    result = run("plan", str(folder / "p1.csv"), "--learner", "P1", "-q", "600/1000/9", "--ruleset", ruleset)
    # 6 (8607-201 by 8600-201) + 3 (8607-202, added) + 3 + 2 (by 8600-230) = 14.
    assert "resulting claim: 8607-201, 8607-202, 8607-203, 8607-204 (4 units, 14 credits)" in result.stdout
    assert result.stdout == snapshot
    found = json.loads(run("plan", str(folder / "p1.csv"), "--learner", "P1", "-q", "600/1000/9", "--ruleset",
                           ruleset, "--format", "json").stdout)
    assert (found["add"], found["equivalents"][0]) == (["8607-202"], {"unit": "8607-201", "by": ["8600-201"],
                                                                      "credit": "own"})


def test_show_prints_the_table(table_files, snapshot):
    ruleset, _ = table_files
    result = run("show", "600/1000/9", "--ruleset", ruleset)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("8607-201  ") == 1  # the pool's table lists each catalogue unit once
    assert result.stdout == snapshot
    shown = json.loads(run("show", "600/1000/9", "--ruleset", ruleset, "--format", "json").stdout)
    assert shown["equivalences"] == [
        "Unit 8600-201 counts as 8607-201, with its own credit (6).",
        "Units 8600-210 and 8600-211 together count as 8607-202, with 8607-202's credit (3).",
        "Unit 8600-230 counts as 8607-203 and 8607-204, each with the credit of the unit it counts as."]


def test_check_json_and_csv_give_the_equivalents(table_files):
    ruleset, records = table_files
    first, second = json.loads(run("check", records, "-q", "600/1000/9", "--ruleset", ruleset,
                                   "--format", "json").stdout)
    assert first["units"] == ["8607-201", "8607-202", "8607-203", "8607-204"]
    assert first["equivalents"] == [
        {"unit": "8607-201", "by": ["8600-201"], "credit": "own"},
        {"unit": "8607-202", "by": ["8600-210", "8600-211"], "credit": "replacement"},
        {"unit": "8607-204", "by": ["8600-230"], "credit": "replacement"}]
    assert first["set_aside"] == [{"unit": "8607-201", "reason": "counted once, by 8600-201 instead"}]
    assert second["equivalents"] == []
    written = run("check", records, "-q", "600/1000/9", "--ruleset", ruleset, "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(written)))
    assert rows[0]["equivalents"] == ("8607-201 by 8600-201, with its own credit; 8607-202 by 8600-210 and "
                                      "8600-211, with 8607-202's credit; 8607-204 by 8600-230, with 8607-204's credit")


def test_the_formatter_gathers_the_table_after_the_catalogue_and_keeps_the_credit_words():
    scrambled = PREDECESSORS.replace("unit 8600-201 counts as 8607-201 with its own credit\n", "").replace(
        'group 2 "Optional units"', 'UNIT 8600-201 COUNTS AS 8607-201 WITH ITS OWN CREDIT  # table 3\n'
        'group 2 "Optional units"').replace("units 8600-210 and 8600-211 together count as 8607-202",
                                            "units 8600-210 and 8600-211   Together Count as 8607-202 with "
                                            "8607-202's credit")
    formatted = format_ruleset(scrambled, "table.qual")
    assert ("unit 8607-205  \"Managing conflict at work\"              level 2  credits 4\n\n"
            "unit 8600-201 counts as 8607-201 with its own credit  # table 3\n"
            "units 8600-210 and 8600-211 together count as 8607-202 with 8607-202's credit\n"
            "unit 8600-230 counts as 8607-203 and 8607-204\n\nqualification") in formatted
    assert format_ruleset(formatted, "table.qual") == formatted


# ---- the checker and the linter --------------------------------------------------------------------

def errors_of(text: str) -> list:
    with pytest.raises(DiagnosticError) as raised:
        compiled(text)
    return raised.value.diagnostics


def test_an_equivalence_to_an_undeclared_unit_says_which_was_meant(snapshot):
    text = PREDECESSORS.replace("counts as 8607-201 with", "counts as 8607-2O1 with")
    (error,) = errors_of(text)
    assert (error.code, error.location.line) == ("QR185", line_of(text, "unit 8600-201 counts"))
    assert error.hint.startswith("did you mean `8607-201`")
    assert render(error, text) == snapshot


@pytest.mark.parametrize("statement, code, message", [
    ("units 8600-210 and 8600-210 together count as 8607-202", "QR186",
     "unit 8600-210 is named twice in this equivalence"),
    ("unit 8607-202 counts as 8607-202", "QR186", "unit 8607-202 counts as itself"),
    ("unit 8600-210 counts as Group 1", None, None),
    ("unit 8600-210 counts as 8607-202 with 8607-201's credit", "QR187",
     "`with 8607-201's credit` names no unit this equivalence counts as alone"),
    ("unit 8600-210 counts as 8607-202 when approved", "QR188",
     "`when approved`, but the file declares no approval column to read the approval from"),
    ("unit 8607-205 counts as 8607-203 and 8607-204 with its own credit", "QR187",
     "`with its own credit` on an equivalence that counts as several units: the original's credit cannot be "
     "shared between them"),
    ("units 8600-210 and 8600-211 together count as 8607-202 with their own credit", "QR187",
     "`with their own credit`, but 8600-210 and 8600-211 are not declared in this file, so the credit is "
     "unknown"),
])
def test_statements_the_checker_refuses(statement, code, message):
    text = PREDECESSORS.replace("units 8600-210 and 8600-211 together count as 8607-202", statement)
    if code is None:  # `Group 1` is not a unit reference: the grammar refuses it
        with pytest.raises(DiagnosticError) as raised:
            build_ruleset(text, "table.qual")
        assert raised.value.diagnostics[0].code == "QR001"
        return
    assert [(e.code, e.message) for e in errors_of(text)] == [(code, message)]


def test_a_group_named_as_a_unit_is_refused():
    text = PREDECESSORS.replace('group 2 "Optional units"', 'group OPTIONS "Optional units"').replace(
        "units from Group 1, Group 2", "units from Group 1, OPTIONS").replace("from Group 2", "from OPTIONS")
    text = text.replace("unit 8600-230 counts as 8607-203 and 8607-204", "unit 8600-230 counts as OPTIONS")
    ((error), *others) = errors_of(text)
    assert (error.code, error.message) == ("QR186", "`OPTIONS` is a group: an equivalence names units")


def test_a_second_approval_column_is_refused():
    text = PREDECESSORS.replace("unit 8600-230 counts", 'approval column "Approved"\napproval column "CICM"\n'
                                "unit 8600-230 counts")
    (error,) = errors_of(text)
    assert (error.code, error.location.line) == ("QR188", line_of(text, 'approval column "CICM"'))
    assert error.message == f"a second approval column (the first is on line {line_of(text, 'approval column')})"


def test_a_graded_qualification_refuses_only_equivalents_of_several_units():
    # One original's equivalents carry its grade (tests/test_graded_equivalences.py); no rule grades several.
    text = PREDECESSORS + "  points per credit P 7, M 8, D 9\n  grade P at 70 points\n"
    (error,) = errors_of(text)
    assert (error.code, error.location.line) == ("QR189", line_of(text, "qualification"))
    assert error.message == ("600/1000/9 is graded, and 8607-202 in its pool is counted by several units together: "
                             "such an equivalent has no grade of its own")
    compiled(text.replace("units 8600-210 and 8600-211 together count as 8607-202\n", ""))  # no error


BODIES = discover()


def lint_of(text: str) -> list:
    return [d for d in lint([RulesetSource("table.qual", text)], BODIES)
            if d.severity is not Severity.NOTE and d.code in ("QR423", "QR424", "QR122")]


def test_a_round_of_equivalences_is_warned_about_once(snapshot):
    text = PREDECESSORS.replace(
        "unit 8600-230 counts as 8607-203 and 8607-204\n",
        "unit 8607-203 counts as 8607-204\nunit 8607-204 counts as 8607-205\nunit 8607-205 counts as 8607-203\n"
        "unit 8607-201 counts as 8607-202\nunit 8607-202 counts as 8607-201\n")
    found = lint_of(text)
    assert [(d.code, d.location.line) for d in found] == [("QR423", line_of(text, "unit 8607-203 counts")),
                                                          ("QR423", line_of(text, "unit 8607-201 counts"))]
    assert found[0].message == ("these equivalences come back to where they started: 8607-203 counts as 8607-204 "
                                "counts as 8607-205 counts as 8607-203")
    assert render(found[1], text) == snapshot


def test_a_unit_counting_as_itself_is_the_checker_s_error_alone():
    # QR186 says it; QR423 would say it again, at another equivalence of the unit.
    text = PREDECESSORS.replace("unit 8600-230 counts as 8607-203 and 8607-204\n",
                                "unit 8600-230 counts as 8607-203 and 8607-204\nunit 8600-230 counts as 8600-230\n")
    found = [d.code for d in lint([RulesetSource("table.qual", text)], BODIES) if d.severity is not Severity.NOTE]
    assert "QR186" in found and "QR423" not in found


def test_an_equivalence_to_units_in_no_pool_can_never_count():
    text = PREDECESSORS.replace("  units from Group 1, Group 2", "  units from Group 1, 8607-205").replace(
        "  at most 6 credits from Group 2\n", "")
    found = lint_of(text)
    assert [(d.code, d.location.line) for d in found] == [
        ("QR122", line_of(text, "unit 8607-203")), ("QR122", line_of(text, "unit 8607-204")),
        ("QR424", line_of(text, "unit 8600-230"))]
    assert found[-1].message == ("8607-203 and 8607-204 are in no qualification's pool, so this equivalence can "
                                 "never count")


def test_the_linter_judges_a_qualification_by_its_own_units():
    # With 8600-201's own 6 credits, 8607-202 and 8607-205 would make 13 from three units; from the pool's own
    # units the smallest claim is four.
    (note,) = [d for d in lint([RulesetSource("table.qual", PREDECESSORS)], BODIES) if d.code == "QR400"]
    assert note.message == ("600/1000/9 can be achieved; the smallest claim is 8607-201, 8607-202, 8607-204, "
                            "8607-205 (13 credits)")
    # A qualification only an equivalent could complete can never be achieved by a learner new to it.
    text = PREDECESSORS.replace("at least 13 credits", "at least 14 credits")
    assert "QR401" in {d.code for d in lint([RulesetSource("table.qual", text)], BODIES)}


def test_a_predecessor_declared_for_its_equivalence_is_in_no_pool_without_a_warning():
    assert lint_of(PREDECESSORS) == []


# ---- exemptions that need approval ------------------------------------------------------------------

# CICM-style exemptions: another body's unit is accepted only once the awarding body approves each claim.
EXEMPTIONS = PREDECESSORS.replace("unit 8600-230 counts as 8607-203 and 8607-204\n",
                                  'approval column "Exemption approved"\n'
                                  "unit ACCA-F4 counts as 8607-205 when approved\n"
                                  "unit 8607-203 counts as 8607-202 when approved\n")


def with_approvals(units) -> Learner:
    """A learner from (ref, approved) pairs, each passed on one day."""
    return Learner("L1", dt.date(1990, 1, 1), dt.date(2024, 1, 15),
                   tuple(Attempt(ref, "pass", dt.date(2024, 6, 1), None, approved) for ref, approved in units))


def decided(text: str, units):
    _, q = compiled(text)
    found = evaluate(q, with_approvals(units), COUNTS)
    cp = _on_cpsat(q, with_approvals(units))
    assert (cp.status, cp.claim, cp.credits, cp.set_aside, cp.missing) == (
        found.status, found.claim, found.credits, found.set_aside, found.missing)
    return found


BASE = [("8607-201", None), ("8607-202", None), ("8607-204", None)]


def test_an_approved_exemption_counts():
    verdict = decided(EXEMPTIONS, BASE + [("ACCA-F4", True)])
    # 4 + 3 + 2 + 4 (8607-205 by ACCA-F4) = 13.
    assert (verdict.achieved, verdict.credits, equivalents(verdict)) == (
        True, 13, ["8607-205 by ACCA-F4, with 8607-205's credit"])


def test_a_refused_exemption_counts_as_the_unit_held_only():
    verdict = decided(EXEMPTIONS, BASE + [("ACCA-F4", False)])
    assert (verdict.achieved, verdict.credits, equivalents(verdict)) == (False, 9, [])
    assert set_aside(verdict) == [("ACCA-F4", "not one of this qualification's units; its exemption as 8607-205 is "
                                   "not approved")]
    # A pool unit whose exemption is refused still counts as itself: 8607-203 in Group 2.
    # Its exemption refused, 8607-203 cannot stand for the mandatory 8607-202; as itself it loses to 8607-205
    # under Group 2's cap.
    verdict = decided(EXEMPTIONS, [("8607-201", None), ("8607-203", False), ("8607-205", None)])
    assert (verdict.claim, verdict.credits, equivalents(verdict)) == (("8607-201", "8607-205"), 8, [])
    assert verdict.unmet[0] == "all of Group 1: 1 of 2 units counted, still needed: 8607-202"
    assert set_aside(verdict) == [("8607-203", "Group 2 is capped at 6 credits")]
    # Approved, it stands for 8607-202: 4 + 3 + 4 = 11.
    verdict = decided(EXEMPTIONS, [("8607-201", None), ("8607-203", True), ("8607-205", None)])
    assert (verdict.claim, verdict.credits) == (("8607-201", "8607-202", "8607-205"), 11)
    assert set_aside(verdict) == [("8607-203", "counted as 8607-202, by an equivalence")]


def test_an_approval_not_recorded_gives_cannot_tell():
    verdict = decided(EXEMPTIONS, BASE + [("ACCA-F4", None)])
    assert verdict.status.value == "undetermined"
    assert verdict.missing == ("approval of ACCA-F4 in `Exemption approved` (needed for `unit ACCA-F4 counts as "
                               "8607-205 when approved`)",)
    assert verdict.unmet == ("Total: 13 credits counted, at least 13 required (only with units whose approvals are "
                             "in doubt)",)
    # Achieved without it, the verdict stands: the approval cannot change it.
    verdict = decided(EXEMPTIONS, BASE + [("8607-205", None), ("ACCA-F4", None)])
    assert verdict.achieved and set_aside(verdict) == [
        ("ACCA-F4", "counts as 8607-205 but is not counted: the record does not say whether the exemption was "
                    "approved")]


def test_two_units_together_need_both_approved():
    text = EXEMPTIONS.replace("unit ACCA-F4 counts as 8607-205 when approved",
                              "units ACCA-F4 and ACCA-F5 together count as 8607-205 when approved")
    verdict = decided(text, BASE + [("ACCA-F4", True), ("ACCA-F5", False)])
    assert (verdict.achieved, equivalents(verdict)) == (False, [])
    assert set_aside(verdict) == [
        ("ACCA-F4", "not one of this qualification's units; it counts as 8607-205 only with the exemption of "
                    "ACCA-F5 approved"),
        ("ACCA-F5", "not one of this qualification's units; its exemption as 8607-205 is not approved")]
    assert decided(text, BASE + [("ACCA-F4", True), ("ACCA-F5", True)]).achieved


def test_one_approved_row_of_several_is_enough():
    verdict = decided(EXEMPTIONS, BASE + [("ACCA-F4", None), ("ACCA-F4", False), ("ACCA-F4", True)])
    assert verdict.achieved
    verdict = decided(EXEMPTIONS, BASE + [("ACCA-F4", None), ("ACCA-F4", False)])
    assert verdict.status.value == "undetermined"


@pytest.fixture
def exemption_files(tmp_path):
    ruleset = tmp_path / "exemptions.qual"
    ruleset.write_text(EXEMPTIONS, encoding="utf-8")
    return tmp_path, str(ruleset)


def test_the_approval_column_is_read_from_csv_and_json(exemption_files):
    folder, ruleset = exemption_files
    rows = "".join(f"{learner},{ref},pass,2024-06-01,{approved}\n" for learner, approved in
                   (("A", "Yes"), ("R", "not approved"), ("U", "")) for ref in ("8607-201", "8607-202", "8607-204"))
    rows += "A,ACCA-F4,exemption,2023-06-01,Yes\nR,ACCA-F4,exemption,2023-06-01,NOT  APPROVED\nU,ACCA-F4,exemption,2023-06-01,\n"
    (folder / "records.csv").write_text("learner,unit,result,achieved_on,Exemption Approved\n" + rows, encoding="utf-8")
    found = json.loads(run("check", str(folder / "records.csv"), "-q", "600/1000/9", "--ruleset", ruleset,
                           "--format", "json").stdout)
    assert [(v["learner"], v["status"]) for v in found] == [("A", "achieved"), ("R", "not achieved"),
                                                             ("U", "undetermined")]
    document = {"learners": [{"id": "J", "units": [
        {"unit": "8607-201", "result": "pass"}, {"unit": "8607-202", "result": "pass"},
        {"unit": "8607-204", "result": "pass"},
        {"unit": "ACCA-F4", "result": "exemption", "Exemption approved": "approved"}]}]}
    (folder / "records.json").write_text(json.dumps(document), encoding="utf-8")
    (verdict,) = json.loads(run("check", str(folder / "records.json"), "-q", "600/1000/9", "--ruleset", ruleset,
                                "--format", "json").stdout)
    assert (verdict["status"], verdict["equivalents"]) == (
        "achieved", [{"unit": "8607-205", "by": ["ACCA-F4"], "credit": "replacement"}])


def test_an_approval_that_says_neither_is_a_record_error(exemption_files):
    folder, ruleset = exemption_files
    (folder / "records.csv").write_text("learner,unit,result,achieved_on,exemption approved\n"
                                        "E001,ACCA-F4,exemption,2023-06-30,pending\n", encoding="utf-8")
    result = run("check", str(folder / "records.csv"), "-q", "600/1000/9", "--ruleset", ruleset)
    assert result.exit_code == 2
    assert ("records.csv:2: error[QR546]: `exemption approved` is 'pending', which does not say whether the "
            "exemption was approved") in result.output


def test_the_formatter_keeps_the_approval_column_and_when_approved():
    formatted = format_ruleset(EXEMPTIONS.replace("when approved", "WHEN Approved"), "table.qual")
    assert ('approval column "Exemption approved"\nunit 8600-201 counts as 8607-201 with its own credit\n'
            "units 8600-210 and 8600-211 together count as 8607-202\n"
            "unit ACCA-F4 counts as 8607-205 when approved\n") in formatted
    assert format_ruleset(formatted, "table.qual") == formatted


# ---- against brute force ---------------------------------------------------------------------------

EXTERNAL = ("X/1", "X/2")


@attrs.frozen
class Item:
    """One way a claim may count a unit: as itself (`statement` None) or by an equivalence statement."""

    unit: str
    statement: int | None
    credits: int
    uses: tuple[str, ...]


class EquivalenceBrute(BruteForce):
    """Every claim of items, judged against the model's rules, each unit counted once and each original used
    as itself or by one statement."""

    def __init__(self, ruleset: m.Ruleset):
        super().__init__(ruleset)
        self.statements = ruleset.equivalences
        self.credit_of: dict[str, int] = {}

    def amount(self, rule, claim):
        if rule.measure is not m.Measure.CREDITS:
            return super().amount(rule, claim)
        counted = claim if rule.scope is None else claim & self.resolve_set(rule.scope)
        return sum(self.credit_of[ref] for ref in counted
                   if (rule.min_level is None or self.units[ref].level >= rule.min_level)
                   and (rule.max_level is None or self.units[ref].level <= rule.max_level))

    def items(self, held: set[str], approved: set[str]) -> list[Item]:
        found = [Item(ref, None, self.units[ref].credits, (ref,)) for ref in self.pool if ref in held]
        for k, statement in enumerate(self.statements):
            originals = tuple(n.name for n in statement.originals)
            if not set(originals) <= (approved if statement.approval else held):
                continue
            for name in statement.replacements:
                if name.name in self.pool:
                    credits = (sum(self.units[o].credits for o in originals)
                               if statement.credit is m.EquivalentCredit.OWN else self.units[name.name].credits)
                    found.append(Item(name.name, k, credits, originals))
        return found

    def valid(self, items: tuple[Item, ...]) -> bool:
        if len({i.unit for i in items}) < len(items):
            return False
        sources: dict[str, set] = {}
        for item in items:
            for original in item.uses:
                sources.setdefault(original, set()).add(item.statement)
        return all(len(s) == 1 for s in sources.values())

    def judge(self, items: tuple[Item, ...]) -> tuple[bool, bool, frozenset[str]]:
        claim = frozenset(i.unit for i in items)
        self.credit_of = {i.unit: i.credits for i in items}
        return self.satisfies(claim), self.within_limits(claim), claim

    def best_items(self, held: set[str], approved: set[str]) -> tuple[Item, ...] | None:
        """The reported claim: most credits, then the greatest choice vector over the items in engine order."""
        items = self.items(held, approved)
        best, best_key = None, None
        for size in range(len(items) + 1):
            for chosen in itertools.combinations(items, size):
                if not self.valid(chosen) or not self.judge(chosen)[0]:
                    continue
                key = (sum(i.credits for i in chosen), tuple(i in chosen for i in items))
                if best_key is None or key > best_key:
                    best, best_key = chosen, key
        return best


@st.composite
def equivalence_scenarios(draw):
    catalogue = draw(catalogues())
    refs = [u.ref for u in catalogue.units]
    statements = []
    for _ in range(draw(st.integers(1, 3))):
        originals = draw(st.lists(st.sampled_from(refs + list(EXTERNAL)), min_size=1, max_size=2, unique=True))
        others = [r for r in refs if r not in originals]
        if not others:
            continue
        replacements = draw(st.lists(st.sampled_from(others), min_size=1, max_size=2, unique=True))
        own = len(replacements) == 1 and set(originals) <= set(refs) and draw(st.booleans())
        head = (f"unit {originals[0]} counts as" if len(originals) == 1
                else f"units {' and '.join(originals)} together count as")
        statements.append(f"{head} {' and '.join(replacements)}" + (" with its own credit" if own else "")
                          + (" when approved" if draw(st.integers(0, 3)) == 0 else ""))
    lines = catalogue_lines(catalogue)
    lines[-2:-2] = ['approval column "Approved"'] + statements
    for _ in range(draw(st.integers(1, 3))):
        lines.append("  " + draw(simple_rules(catalogue, ("total", "credits from", "units from", "all of",
                                                           "choose", "level"))))
    # Each unit held, with whether its row records an exemption approved.
    held = [(r, draw(st.booleans())) for r in refs + list(EXTERNAL) if draw(st.booleans())]
    return "\n".join(lines) + "\n", held


@exactness_settings(max_examples=300)
@given(equivalence_scenarios())
def test_verdict_and_claim_with_equivalences_agree_with_brute_force_on_both_engines(scenario):
    text, held = scenario
    ruleset, q = compiled(text)
    brute = EquivalenceBrute(ruleset)
    expected = brute.best_items({ref for ref, _ in held}, {ref for ref, approved in held if approved})
    event("achieved" if expected is not None else "not achieved")
    if expected is not None and any(i.statement is not None for i in expected):
        event("the claim counts an equivalent")
    who = with_approvals(held)
    verdicts = [evaluate(q, who, COUNTS), _on_cpsat(q, who)]
    if not isinstance(q.decision, Decision):
        verdicts = verdicts[1:]
    for verdict in verdicts:
        assert verdict.achieved == (expected is not None)
        if expected is None:
            continue
        assert verdict.credits == sum(i.credits for i in expected)
        counted = sorted((i.unit, None if i.statement is None else tuple(i.uses)) for i in expected)
        stood_for = {e.replacement: tuple(e.originals) for e in verdict.equivalents}
        assert sorted((ref, stood_for.get(ref)) for ref in verdict.claim) == counted
    # The closest claims of the two engines agree too, for learners who do not achieve.
    available = holdings_of(q, who, COUNTS).certain
    if isinstance(q.decision, Decision):
        row = np.zeros((1, len(q.units)), dtype=bool)
        row[0, sorted(available)] = True
        assert tuple(np.flatnonzero(q.decision.closest(row)[0]).tolist()) == cpsat.closest_claim(q, sorted(available))
