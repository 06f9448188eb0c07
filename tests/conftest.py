"""Shared fixtures: the bundled library, compiled qualifications and a record builder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from qualrules.interpreter.records.learner import Attempt, Learner
from qualrules.interpreter.library import Library

ILM_CERTIFICATE = "600/5929/1"
ISP_CERTIFICATE = "610/3788/6"
ISP_DIPLOMA = "610/3789/8"
ISP_APPRENTICESHIP = "610/3790/4"
# A ruleset given on the command line besides the bundled ones: one qualification of two units.
DEMO_RULESET = """\
awarding body DEMO "Demonstration Awarding Body"
group CORE
unit D1 "Demonstration One" level 2 credits 2
unit D2 "Demonstration Two" level 2 credits 3
qualification 900/0000/1 "Demonstration Award"
  level 2
  units from CORE
  at least 4 credits
"""


@pytest.fixture(scope="session")
def library() -> Library:
    return Library.load()


# The catalogue the documentation's achievement-log examples are read against, besides the bundled ones.
ACHIEVEMENT_LOG_RULESET = Path(__file__).resolve().parents[1] / "examples" / "achievement-log.qual"


@pytest.fixture(scope="session")
def log_library() -> Library:
    """The bundled library and the example catalogue whose units declare assessment criteria."""
    return Library.load([ACHIEVEMENT_LOG_RULESET])


@pytest.fixture(scope="session")
def qualification(library):
    """qualification(QAN) -> (CompiledQualification, AwardingBody)."""
    return library.qualification


def learner(units, *, id="L1", registered_on=dt.date(2024, 1, 15), date_of_birth=dt.date(1990, 1, 1),
            achieved_on=dt.date(2024, 6, 1)) -> Learner:
    """A learner from unit refs (all passed on `achieved_on`) or (ref, result[, date]) tuples."""
    attempts = []
    for unit in units:
        if isinstance(unit, str):
            attempts.append(Attempt(unit, "pass", achieved_on))
        else:
            ref, result, *date = unit
            attempts.append(Attempt(ref, result, date[0] if date else achieved_on))
    return Learner(id, date_of_birth, registered_on, tuple(attempts))
