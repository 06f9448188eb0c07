"""Awards given instead (`otherwise award`) that come back to where they started: QR155 at each, naming the
whole chain when it is longer than two."""

from __future__ import annotations

import pytest

from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.diagnostics import DiagnosticError
from qualrules.interpreter.lint import lint_ruleset
from qualrules.plugins import GenericAwardingBody

UNITS = ('unit A1 "Alpha" level 3 credits 6 glh 60\nunit A2 "Beta" level 3 credits 6 glh 60\n'
         'unit A3 "Gamma" level 3 credits 6 glh 60\n')


def qualification(qan: str, units: str, fallback: str) -> str:
    return f'qualification {qan} "Q"\n  units from {units}\n  all of {units}\n  otherwise award {fallback}\n'


def messages(text: str) -> list[str]:
    try:
        found = lint_ruleset(build_ruleset(text, "chain.qual"), GenericAwardingBody())
    except DiagnosticError as error:
        found = error.diagnostics
    return [d.message for d in found if d.code == "QR155"]


def test_two_awards_that_fall_back_to_each_other():
    text = UNITS + qualification("600/5929/1", "A1, A2", "610/3788/6") + qualification("610/3788/6", "A1", "600/5929/1")
    assert messages(text) == ["610/3788/6 is awarded instead of 600/5929/1, and in turn falls back to it",
                              "600/5929/1 is awarded instead of 610/3788/6, and in turn falls back to it"]


def test_a_longer_chain_is_named_step_by_step():
    text = (UNITS + qualification("600/5929/1", "A1, A2, A3", "610/3788/6")
            + qualification("610/3788/6", "A1, A2", "610/3789/8") + qualification("610/3789/8", "A1", "600/5929/1"))
    assert messages(text)[0] == ("610/3788/6 is awarded instead of 600/5929/1, and the awards given instead come "
                                 "back to it: 600/5929/1 -> 610/3788/6 -> 610/3789/8 -> 600/5929/1")
    assert len(messages(text)) == 3


@pytest.mark.parametrize("fallback", ["610/3788/6", "610/3789/8"])
def test_a_chain_that_ends_is_no_error(fallback):
    # 600/5929/1 falls back to 610/3788/6 (which falls back to 610/3789/8) or straight to 610/3789/8.
    text = (UNITS + qualification("600/5929/1", "A1, A2, A3", fallback)
            + qualification("610/3788/6", "A1, A2", "610/3789/8")
            + 'qualification 610/3789/8 "Q"\n  units from A1\n  all of A1\n')
    assert messages(text) == []
