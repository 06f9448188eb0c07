"""Inputs that real files bring: byte-order marks, capitals, placeholder dates, oversized cells."""

from __future__ import annotations

import datetime as dt

import pytest

from qualrules.interpreter import model as m
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.checker import check
from qualrules.interpreter.engine.compiler import compile_ruleset
from qualrules.interpreter.engine.evaluator import Status, add_period, evaluate
from qualrules.interpreter.records.learner import Attempt, Learner
from qualrules.interpreter.records.readers import Vocabulary, read_records
from qualrules.plugins import RESULT_WORDS


def compiled(text: str):
    (q,) = compile_ruleset(build_ruleset(text, "edge.qual"))
    return q


def test_a_byte_order_mark_before_a_ruleset_is_ignored():
    ruleset = build_ruleset('\ufeffgroup A\nunit A1 "One" level 2 credits 1\n', "edge.qual")
    assert [u.ref for u in ruleset.units] == ["A1"]


def test_unit_references_that_differ_only_in_case_are_a_duplicate():
    # Records match references in any case, so `a1` and `A1` would be indistinguishable there.
    ruleset = build_ruleset('group A\nunit A1 "Upper" level 2 credits 3\nunit a1 "Lower" level 2 credits 5\n',
                            "edge.qual")
    (error,) = check(ruleset)
    assert (error.code, error.location.line, error.location.column) == ("QR102", 3, 6)


@pytest.mark.parametrize("line", [
    "at least 3 credits, Maximum 6 credits",
    "At least 1 A unit, At most 2 A units",
    "all of A1, Complete within 3 years",
])
def test_a_comma_before_a_capitalised_rule_word_starts_a_rule(line):
    q = compiled(f'group A\nunit A1 "One" level 2 credits 3\nunit A2 "Two" level 2 credits 3\n'
                 f'qualification 603/1234/8 "Q"\n  units from A\n  {line}\n')
    assert len(q.source.rules) == 2


def test_not_both_over_overlapping_sides_needs_two_different_units():
    q = compiled('group A\nunit A1 "One" level 2 credits 3\nunit A2 "Two" level 2 credits 3\n'
                 'qualification 603/1234/8 "Q"\n  units from A\n  not both A and A1\n  at least 3 credits\n')
    alone = evaluate(q, Learner("L1", None, None, (Attempt("A1", "pass", None),)), lambda r: r == "pass")
    assert alone.status is Status.ACHIEVED
    assert alone.outcomes[0].detail == "not both A and A1: met"
    both = evaluate(q, Learner("L2", None, None, (Attempt("A1", "pass", None), Attempt("A2", "pass", None))),
                    lambda r: r == "pass")
    assert both.claim == ("A1",)
    assert both.outcomes[0].detail == "not both A and A1: the record holds both, so only one side is counted"


def test_glh_is_unknown_rather_than_zero_when_a_counted_unit_declares_none():
    q = compiled('group A\nunit A1 "One" level 2 credits 3\nunit A2 "Two" level 2 credits 3 glh 10\n'
                 'qualification 603/1234/8 "Q"\n  units from A\n  at least 3 credits\n')
    held = lambda *refs: Learner("L1", None, None, tuple(Attempt(r, "pass", None) for r in refs))  # noqa: E731
    assert evaluate(q, held("A1", "A2"), lambda r: True).glh is None
    assert evaluate(q, held("A2"), lambda r: True).glh == 10


def test_a_placeholder_registration_date_does_not_overflow_the_calendar():
    assert add_period(dt.date(9999, 12, 31), 3, m.TimeUnit.YEARS) == dt.date.max
    assert add_period(dt.date(2024, 2, 29), 1, m.TimeUnit.YEARS) == dt.date(2025, 2, 28)


VOCABULARY = Vocabulary({"l3b1": "L3B1"}, RESULT_WORDS)


def test_a_csv_cell_beyond_the_csv_modules_size_limit_fails_only_its_row(tmp_path):
    path = tmp_path / "records.csv"
    path.write_text('learner,unit,result,achieved_on,notes\nL1,L3B1,pass,2024-05-01,"' + "x" * 140_000 + '"\n'
                    'L2,L3B1,pass,"' + "x" * 140_000 + '",\nL3,L3B1,pass,2024-05-01,\n')
    records = read_records(path, VOCABULARY)
    assert [learner.id for learner in records.learners] == ["L1", "L3"]  # a large note is not read: no error
    (error,) = records.unreadable["L2"]
    assert (error.code, error.location.line) == ("QR511", 3)


def test_json_learner_ids_are_trimmed_like_csv_ones(tmp_path):
    path = tmp_path / "records.json"
    path.write_text('{"learners": [{"id": " L4 ", "units": [{"unit": "L3B1", "result": "pass"}]}]}')
    assert read_records(path, VOCABULARY).order == ("L4",)


def test_a_qan_is_found_whatever_the_case_of_its_check_character(library):
    assert library.qualification(" 610/3793/x ")[0].qan == "610/3793/X"
