"""A verdict's JSON text made from pieces (CheckRow.json_element, check_table.verdict_rest) is the text of its
dict (Verdict.to_json) as `json.dumps(..., indent=2)` lays out an element of a list, for every kind of
verdict: achieved, not achieved, undetermined, with units set aside, rules unmet and data missing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_exactness import COUNTS, compiled, exactness_settings, rulesets
from test_explanations import BUNDLED, learners

from qualrules.interpreter.engine.evaluator import evaluate_many
from qualrules.interpreter.presentation.check_table import CheckRow
from qualrules.interpreter.records.learner import Attempt, Learner


def assert_laid_out_as_json_dumps(q, verdicts) -> None:
    for verdict in verdicts:
        row = CheckRow(verdict.learner, q.qan, q.title, verdict)
        expected = json.dumps([row.to_json()], indent=2)
        assert f"[\n{row.json_element()}\n]" == expected


@pytest.mark.parametrize("qan", BUNDLED)
@exactness_settings(max_examples=20)
@given(data=st.data())
def test_a_verdict_of_a_bundled_qualification_is_laid_out_as_its_dict(library, qan, data):
    q, body = library.qualification(qan)
    batch = data.draw(learners([unit.ref for unit in q.units] + ["NOT-A-UNIT"], data.draw(st.integers(1, 8))))
    assert_laid_out_as_json_dumps(q, evaluate_many(q, batch, body.counts_as_achieved))


@exactness_settings(max_examples=200)
@given(data=st.data())
def test_a_verdict_of_a_random_ruleset_is_laid_out_as_its_dict(data):
    text, catalogue = data.draw(rulesets())
    _, q = compiled(text)
    batch = data.draw(learners([unit.ref for unit in catalogue.units], data.draw(st.integers(1, 8))))
    assert_laid_out_as_json_dumps(q, evaluate_many(q, batch, COUNTS))


@exactness_settings(max_examples=200)
@given(learner_id=st.text(), result=st.text(min_size=1))
def test_ids_and_words_of_any_text_are_escaped_as_json_escapes_them(library, learner_id, result):
    """Quotes, backslashes, control and non-ASCII characters in an id or in a result word a reason quotes."""
    q, body = library.qualification(BUNDLED[0])
    attempts = (Attempt(q.units[0].ref, result, dt.date(2024, 6, 1)), Attempt(q.units[1].ref, "pass", None))
    learner = Learner(learner_id, dt.date(1990, 1, 1), dt.date(2024, 1, 15), attempts)
    assert_laid_out_as_json_dumps(q, evaluate_many(q, [learner], body.counts_as_achieved))
