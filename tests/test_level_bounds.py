"""Level filters with an upper bound: `at level N or below` and `at level N or N+1`."""

from __future__ import annotations

import pytest

from conftest import learner
from test_exactness import COUNTS, LEVEL_BOUNDS, compiled
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.diagnostics import DiagnosticError
from qualrules.interpreter.engine.evaluator import evaluate
from qualrules.interpreter.formatter import format_ruleset
from qualrules.interpreter.wording import rule_text

CATALOGUE = LEVEL_BOUNDS.split("qualification")[0]


def rule_of(line: str):
    text = CATALOGUE + f'qualification 999/0001/1 "Q"\n  units from Group 1\n  {line}\n'
    (rule,) = build_ruleset(text, "levels.qual").qualifications[0].rules
    return rule


@pytest.mark.parametrize("written, levels, canonical", [
    ("at least 3 credits at level 3 or above", (3, None), "at least 3 credits at level 3 or above"),
    ("at least 3 credits at level 3 or higher", (3, None), "at least 3 credits at level 3 or above"),
    ("at least 3 credits at level 3 or below", (None, 3), "at least 3 credits at level 3 or below"),
    ("at least 3 credits at level 3 or lower", (None, 3), "at least 3 credits at level 3 or below"),
    ("at least 3 credits must be at level 3 or 4", (3, 4), "at least 3 credits at level 3 or 4"),
    ("at least 1 unit from Group 1 at level 3 or 4", (3, 4), "at least 1 Group 1 unit at level 3 or 4"),
])
def test_each_wording_gives_its_levels_and_one_canonical_text(written, levels, canonical):
    rule = rule_of(written)
    assert (rule.min_level, rule.max_level) == levels
    assert rule_text(rule) == canonical


def test_the_formatter_keeps_the_bounds():
    text = LEVEL_BOUNDS.replace("at level 3 or 4", "must be AT LEVEL 3 or 4").replace("or below", "or lower")
    formatted = format_ruleset(text, "levels.qual")
    assert "  at least 8 credits at level 3 or 4\n  at most 4 credits at level 2 or below\n" in formatted
    assert format_ruleset(formatted, "levels.qual") == formatted


@pytest.mark.parametrize("line, code, column, message", [
    ("at least 3 credits at level 3 or 5", "QR171", 22,
     "`at level 3 or 5` does not name a level and the one above it"),
    ("at least 3 credits at level 4 or 3", "QR171", 22,
     "`at level 4 or 3` does not name a level and the one above it"),
])
def test_levels_out_of_order_are_located_errors(line, code, column, message):
    with pytest.raises(DiagnosticError) as raised:
        rule_of(line)
    (error,) = raised.value.diagnostics
    assert (error.code, error.location.line, error.location.column, error.message) == (code, 8, column, message)


@pytest.mark.parametrize("line, pair", [("at least 3 credits at level 4 or 3", "`at level 3 or 4`"),
                                        ("at least 3 credits at level 3 or 5", "`at level 3 or 4`")])
def test_the_hint_for_two_levels_gives_the_pair_they_most_likely_mean(line, pair):
    with pytest.raises(DiagnosticError) as raised:
        rule_of(line)
    assert raised.value.diagnostics[0].hint.startswith(f"for a level and the one above it write {pair};")


def test_only_the_bounded_levels_count_and_the_explanation_says_which():
    _, q = compiled(LEVEL_BOUNDS)
    verdict = evaluate(q, learner(["A", "B", "D"]), COUNTS)
    assert not verdict.achieved
    (short, cap) = verdict.outcomes
    # D is level 5: outside `at level 3 or 4`, so only B's 3 credits count.
    assert (short.met, short.counted, short.measured) == (False, ("B",), 3)
    assert short.detail == "Total at level 3 or 4: 3 credits counted, at least 8 required"
    assert (cap.met, cap.counted, cap.detail) == (True, ("A",), "Total at level 2 or below: 4 credits counted, "
                                                                "at most 4 allowed")
