"""Barring codes: the `barring code` and `not barred` lines, the cap of one unit they place on a pool, the reason
explain gives for a barred unit, the formatter's canonical form and what lint says."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import learner
from test_exactness import BARRING, COUNTS, compiled
from qualrules.cli import main
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.diagnostics import DiagnosticError, Severity, render
from qualrules.interpreter.engine import cpsat
from qualrules.interpreter.engine.decision import Decision, Unsupported
from qualrules.interpreter.engine.evaluator import evaluate
from qualrules.interpreter.formatter import format_ruleset
from qualrules.interpreter.lint import lint
from qualrules.plugins import RulesetSource, discover


def test_the_lines_give_the_unit_its_code():
    ruleset = build_ruleset(BARRING, "barring.qual")
    units = {u.ref: u for u in ruleset.units}
    assert (units["H1"].barring, units["H2"].barring) == ("HS1", "hs1")
    assert units["H1"].barring_span.line == 3
    # `not barred` is recorded, and bars nothing, as no line at all.
    assert (units["C1"].barring, units["C1"].barring_span.line) == (None, 5)
    assert (units["R1"].barring, units["R1"].barring_span) == (None, None)


def test_a_second_barring_line_is_an_error():
    text = BARRING.replace("  not barred\n", "  barring code X1\n  not barred\n")
    with pytest.raises(DiagnosticError) as raised:
        build_ruleset(text, "barring.qual")
    (error,) = raised.value.diagnostics
    assert (error.code, error.location.line) == ("QR131", 6)
    assert error.message == "unit C1 states its barring code twice (first on line 5)"


def test_codes_sharing_a_pool_become_one_cap_of_one_unit_for_the_compiled_engine():
    _, q = compiled(BARRING)
    (cap,) = [r for r in q.requirements if r.barring is not None]
    # Codes compare ignoring letter case: HS1 and hs1 are one code.
    assert [q.units[i].ref for i in cap.members] == ["H1", "H2"]
    assert (cap.minimum, cap.maximum, cap.text) == (None, 1, "barring code HS1: at most one of H1, H2 counts")
    assert isinstance(q.decision, Decision)


def test_a_code_only_one_pool_unit_carries_bars_nothing():
    text = BARRING.replace("units from Group A, Group B", "units from H1, C1, R1").replace(
        "at least 1 unit from Group B", "at least 1 unit from R1")
    _, q = compiled(text)
    assert all(r.barring is None for r in q.requirements)
    assert evaluate(q, learner(["H1", "C1", "R1"]), COUNTS).claim == ("H1", "C1", "R1")


@pytest.mark.parametrize("extra", ["", "  not both C1 and R1\n"], ids=["compiled", "CP-SAT"])
def test_a_greedy_choice_of_the_bigger_barred_unit_loses_the_claim(extra):
    _, q = compiled(BARRING + extra)
    assert isinstance(q.decision, Unsupported) == bool(extra)
    verdict = evaluate(q, learner(["H1", "C1", "H2"]), COUNTS)
    # H1 (6) with C1 is 10 credits but no Group B unit; H2 (4) with C1 is 8 credits and one.
    assert (verdict.achieved, verdict.claim, verdict.credits) == (True, ("C1", "H2"), 8)
    assert [(s.unit, s.reason) for s in verdict.set_aside] == [
        ("H1", "barred: it shares barring code HS1 with a unit the claim counts")]
    assert cpsat.best_claim(q, (0, 1, 2)) == (1, 2)


def test_barred_units_never_both_count_even_when_the_learner_falls_short():
    _, q = compiled(BARRING.replace("at least 8 credits", "at least 20 credits"))
    verdict = evaluate(q, learner(["H1", "H2"]), COUNTS)
    assert (verdict.achieved, verdict.claim) == (False, ("H2",))
    assert [s.unit for s in verdict.set_aside] == ["H1"]


@pytest.fixture
def barring_file(tmp_path):
    path = tmp_path / "barring.qual"
    path.write_text('awarding body DEMO "Demonstration Awarding Body"\n'
                    + BARRING.replace("999/0001/1", "DEMO/7"), encoding="utf-8")
    records = tmp_path / "records.csv"
    records.write_text("learner,unit,result,achieved_on\n"
                       "B1,H1,pass,2024-05-01\nB1,C1,pass,2024-05-01\nB1,H2,pass,2024-05-01\n", encoding="utf-8")
    return str(path), str(records)


def test_explain_names_the_code_and_why_the_barred_unit_is_not_counted(barring_file, snapshot):
    ruleset, records = barring_file
    result = CliRunner().invoke(main, ["explain", records, "--learner", "B1", "-q", "DEMO/7", "--ruleset", ruleset])
    assert result.exit_code == 0, result.output
    assert "barring code HS1: 1 unit counted, at most 1 allowed" in result.stdout
    assert result.stdout == snapshot


def test_the_verdict_json_gives_the_reason(barring_file):
    ruleset, records = barring_file
    result = CliRunner().invoke(main, ["check", records, "-q", "DEMO/7", "--ruleset", ruleset, "--format", "json"])
    assert result.exit_code == 0, result.output
    (verdict,) = json.loads(result.stdout)
    assert verdict["set_aside"] == [
        {"unit": "H1", "reason": "barred: it shares barring code HS1 with a unit the claim counts"}]


def test_show_gives_each_unit_s_code_and_the_units_a_code_bars(barring_file, snapshot):
    ruleset, _ = barring_file
    result = CliRunner().invoke(main, ["show", "DEMO/7", "--ruleset", ruleset])
    assert result.exit_code == 0, result.output
    assert result.output == snapshot
    shown = json.loads(CliRunner().invoke(main, ["show", "DEMO/7", "--ruleset", ruleset, "--format", "json"]).output)
    units = {u["ref"]: u["barring"] for group in shown["groups"] for u in group["units"]}
    assert units == {"H1": {"code": "HS1"}, "C1": {"code": None}, "H2": {"code": "hs1"}, "R1": None}
    assert shown["barring_codes"] == [{"code": "HS1", "units": ["H1", "H2"]}]


def test_the_formatter_writes_the_lines_under_the_unit_and_is_idempotent():
    scrambled = BARRING.replace("  barring code HS1\n", "      BARRING CODE HS1\n").replace(
        "  not barred\n", "NOT   Barred\n")
    formatted = format_ruleset(scrambled, "barring.qual")
    assert "unit H1  \"Health and safety\"  level 2  glh 10  credits 6\n  barring code HS1\n" in formatted
    assert "  not barred\n" in formatted and "  barring code hs1\n" in formatted
    assert format_ruleset(formatted, "barring.qual") == formatted
    built = {u.ref: u.barring for u in build_ruleset(formatted, "barring.qual").units}
    assert built == {"H1": "HS1", "C1": None, "H2": "hs1", "R1": None}


BODIES = discover()


def lint_text(text: str):
    # A QAN with a right check character, so that each case's findings are its own.
    text = text.replace("999/0001/1", "600/5929/1")
    return [d for d in lint([RulesetSource("barring.qual", text)], BODIES) if d.severity is not Severity.NOTE]


def test_a_code_on_one_unit_only_is_warned_about(snapshot):
    text = BARRING.replace("barring code hs1", "barring code HSI")
    found = lint_text(text)
    assert [(d.code, d.location.line) for d in found] == [("QR170", 3), ("QR170", 8)]
    text = text.replace("999/0001/1", "600/5929/1")
    assert found[1].message == "barring code HSI is on unit H2 only, so it bars nothing"
    assert render(found[0], text) == snapshot


def test_units_of_one_code_required_together_make_the_qualification_impossible():
    (found,) = lint_text(BARRING + "  all of H1, H2\n")
    assert (found.code, found.severity, found.location.line) == ("QR402", Severity.ERROR, 3)
    assert "`all of H1, H2` (line 14)" in found.message and "can never be achieved" in found.message
    assert found.hint == "check the barring codes against the specification, or require only one of the units"


def test_a_barring_code_is_never_reported_as_a_rule_that_never_binds():
    # The rule restates the code: the rule is the one reported, and the code is named as what implies it.
    (found,) = lint_text(BARRING + "  at most 1 unit from H1, H2\n")
    assert (found.code, found.location.line) == ("QR404", 14)
    assert "it restates what `barring code HS1: at most one of H1, H2 counts` (line 3)" in found.hint
    # A code that never binds (a cap already keeps one of its units out) is not reported at all.
    found = lint_text(BARRING + "  at most 0 units from H2\n")
    assert [d.location.line for d in found if d.code == "QR404"] == []
