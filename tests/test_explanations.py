"""Explanations kept across learners (evaluator.Explanations) change no verdict.

A rule's outcome is kept by the units of its scope that a claim counts and reused for later learners; a
verdict reached with what earlier learners left behind must equal the verdict of the same learner
evaluated alone, on random learners of every bundled qualification and of random rulesets (with `either`
and `not both`), with stores small enough to start afresh mid-batch.
"""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import ISP_CERTIFICATE
from hypothesis import given
from hypothesis import strategies as st
from test_exactness import COUNTS, compiled, exactness_settings, rulesets

from qualrules.interpreter.engine.evaluator import Explanations, evaluate, evaluate_many
from qualrules.interpreter.library import Library
from qualrules.interpreter.records.learner import Attempt, Learner

RESULTS = ("pass", "pass", "pass", "referred", "fail", "merit")
BUNDLED = sorted(Library.load().qualifications)
DAYS = st.integers(dt.date(2015, 1, 1).toordinal(), dt.date(2026, 1, 1).toordinal()).map(dt.date.fromordinal)


@st.composite
def learners(draw, refs: list[str], count: int) -> list[Learner]:
    """Learners holding random units of `refs`, some with dates missing, late or before birth."""
    found = []
    for number in range(count):
        attempts = tuple(Attempt(ref, draw(st.sampled_from(RESULTS)), draw(st.none() | DAYS))
                         for ref in draw(st.lists(st.sampled_from(refs), max_size=len(refs) + 2)))
        found.append(Learner(f"L{number}", draw(st.none() | DAYS), draw(st.none() | DAYS), attempts))
    return found


def assert_unchanged_by_what_is_kept(q, counts, batch: list[Learner], limit: int, split: int) -> None:
    explanations = Explanations(q, limit=limit)
    together = (evaluate_many(q, batch[:split], counts, explanations)
                + evaluate_many(q, batch[split:], counts, explanations))
    assert together == [evaluate(q, learner, counts) for learner in batch]


@pytest.mark.parametrize("qan", BUNDLED)
@exactness_settings(max_examples=25)
@given(data=st.data())
def test_kept_explanations_change_no_verdict_of_a_bundled_qualification(library, qan, data):
    q, body = library.qualification(qan)
    refs = [unit.ref for unit in q.units] + ["NOT-A-UNIT"]
    batch = data.draw(learners(refs, data.draw(st.integers(1, 12))))
    assert_unchanged_by_what_is_kept(q, body.counts_as_achieved, batch, data.draw(st.sampled_from([1, 3, 50_000])),
                                     data.draw(st.integers(0, len(batch))))


@exactness_settings(max_examples=300)
@given(data=st.data())
def test_kept_explanations_change_no_verdict_of_a_random_ruleset(data):
    text, catalogue = data.draw(rulesets())
    _, q = compiled(text)
    refs = [unit.ref for unit in catalogue.units] + [unit.ofqual for unit in catalogue.units if unit.ofqual]
    batch = data.draw(learners(refs, data.draw(st.integers(1, 10))))
    assert_unchanged_by_what_is_kept(q, COUNTS, batch, data.draw(st.sampled_from([1, 3, 50_000])),
                                     data.draw(st.integers(0, len(batch))))


def test_learners_holding_the_same_units_of_a_rule_share_its_outcome(library):
    """Two claims that differ outside a rule's scope get the very same outcome object for it."""
    q, body = library.qualification(ISP_CERTIFICATE)
    explanations = Explanations(q)
    common = [Attempt(ref, "pass", dt.date(2024, 6, 1)) for ref in ("L3B1", "L3B2", "L3C1", "L3C2", "L3L1")]
    first, second = (Learner(f"L{k}", dt.date(1990, 1, 1), dt.date(2024, 1, 15),
                             tuple(common) + (Attempt(extra, "pass", dt.date(2024, 6, 1)),))
                     for k, extra in enumerate(("L3S1", "L3S2")))
    one, other = evaluate_many(q, [first, second], body.counts_as_achieved, explanations)
    business = next(k for k, o in enumerate(one.outcomes) if "BUSINESS" in o.text)
    assert one.outcomes[business] is other.outcomes[business]
    assert one.outcomes[business] == evaluate(q, first, body.counts_as_achieved).outcomes[business]


def test_what_is_kept_is_bounded(library):
    """Each of the three stores (rule outcomes, reasons for units left out, outcomes on the learner) keeps at
    most `limit` parts, where keeping everything would hold many more."""
    q, body = library.qualification(ISP_CERTIFICATE)
    refs = [unit.ref for unit in q.units]
    batch = [Learner(f"L{k}", dt.date(1990, 1, 1 + k % 28), dt.date(2024, 1, 15),
                     tuple(Attempt(ref, "pass", dt.date(2024, 6, 1)) for ref in refs[k % 7:k % 7 + 3 + k % 11]))
             for k in range(60)]
    bounded, unbounded = Explanations(q, limit=5), Explanations(q)
    evaluate_many(q, batch, body.counts_as_achieved, bounded)
    evaluate_many(q, batch, body.counts_as_achieved, unbounded)
    assert 0 < bounded.kept <= 3 * 5 < unbounded.kept
