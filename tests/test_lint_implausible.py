"""`qualrules lint` on figures a designer most likely mistyped: an entry age no specification sets (QR127), a
completion window of no time (QR128) and a cap of 0 that bars units from every claim (QR129)."""

from __future__ import annotations

import pytest

from qualrules.interpreter.diagnostics import Severity, render
from qualrules.interpreter.lint import OLDEST_ENTRY_AGE, lint
from qualrules.plugins import RulesetSource, discover

BODIES = discover()

CERTIFICATE = """\
group 1 "Mandatory"
unit A1 "Alpha" level 2 credits 2
group 3 "Optional"
unit C1 "Gamma" level 2 credits 2
unit C2 "Delta" level 2 credits 2
qualification 600/5929/1 "Certificate"
  units from Group 1, Group 3
  all of Group 1
"""


def warnings_of(text: str) -> list:
    return [d for d in lint([RulesetSource("demo.qual", text)], BODIES) if d.severity is not Severity.NOTE]


def spanned(text: str, diagnostic) -> str:
    line = text.splitlines()[diagnostic.location.line - 1]
    return line[diagnostic.location.column - 1:diagnostic.location.end_column - 1]


@pytest.mark.parametrize("code,rule", [
    ("QR127", "age 150 or over"),
    ("QR128", "complete within 0 years"),
    ("QR129", "at most 0 units from Group 3"),
])
def test_each_mistyped_figure_is_a_located_warning(code, rule, snapshot):
    text = CERTIFICATE + f"  {rule}\n"
    (found,) = warnings_of(text)
    assert (found.code, found.severity, found.location.line, spanned(text, found)) == (
        code, Severity.WARNING, 9, rule)
    assert render(found, text) == snapshot


def test_an_entry_age_past_the_oldest_a_specification_sets_is_warned_of():
    assert OLDEST_ENTRY_AGE == 25
    assert not warnings_of(CERTIFICATE + f"  age {OLDEST_ENTRY_AGE} or over\n")
    (found,) = warnings_of(CERTIFICATE + "  age 81 or over\n")
    assert found.message == "an entry age of 81 is older than any specification sets: entry ages run up to 25"


def test_a_window_of_no_months_is_one_of_no_time_too():
    (found,) = warnings_of(CERTIFICATE + "  complete within 0 months\n")
    assert found.message == ("`complete within 0 months` sets aside every unit achieved after the day the learner "
                             "registers")
    assert not warnings_of(CERTIFICATE + "  complete within 1 month\n")


@pytest.mark.parametrize("cap,message", [
    ("at most 0 credits from Group 3", "`at most 0 credits from Group 3` bars C1 and C2 from every claim"),
    ("exactly 0 credits from C2", "`exactly 0 credits from C2` bars C2 from every claim"),
    ("glh <= 0 from C1", "`at most 0 glh from C1` bars C1 from every claim"),
])
def test_a_cap_of_0_names_the_units_it_bars(cap, message):
    text = CERTIFICATE.replace("credits 2\n", "credits 2 glh 20\n") + f"  {cap}\n"
    found = [d for d in warnings_of(text) if d.code == "QR129"]
    assert [d.message for d in found] == [message]
    singular = "to leave it out of 600/5929/1, take it out of `units from`; otherwise give the cap the specification states"
    assert found[0].hint == (singular if "C1" in cap or "C2" in cap else singular.replace(" it ", " them "))


def test_a_cap_of_0_on_units_of_some_levels_bars_them():
    text = CERTIFICATE.replace('unit C2 "Delta" level 2', 'unit C2 "Delta" level 3') + \
        "  at most 0 credits at level 3 or above\n"
    assert [(d.code, d.message) for d in warnings_of(text)] == [
        ("QR129", "`at most 0 credits at level 3 or above` bars C2 from every claim")]


def test_a_cap_of_0_inside_an_option_or_a_pathway_says_what_that_route_counts():
    either = CERTIFICATE + "  either\n    at most 0 units from Group 3\n  or\n    all of Group 3\n  end\n"
    pathway = CERTIFICATE + '  pathway "Core only"\n    at most 0 units from Group 3\n  end\n'
    assert "QR129" not in [d.code for d in warnings_of(either)]
    assert "QR129" not in [d.code for d in warnings_of(pathway)]


def test_a_cap_of_0_on_the_whole_pool_is_left_to_the_solver_s_findings():
    # Only the empty claim is left: QR402 says so (a cap below `all of Group 1`), not QR129 as well.
    text = CERTIFICATE + "  at most 0 units from Group 1, Group 3\n"
    assert [d.code for d in warnings_of(text)] == ["QR402"]
    assert [d.code for d in warnings_of(CERTIFICATE.replace("  all of Group 1\n", "") + "  at most 0 credits\n")] == [
        "QR403"]


def test_a_zero_cap_no_longer_passes_unremarked_beside_what_it_makes_of_other_rules():
    # The cap bars C1 and C2, so `at least 2 credits` implies `all of Group 1` (QR404): QR129 names the cause.
    text = CERTIFICATE + "  at least 2 credits\n  at most 0 credits from Group 3\n"
    assert [(d.code, d.location.line) for d in warnings_of(text)] == [("QR404", 8), ("QR129", 10)]


def test_a_mistyped_figure_may_be_allowed_with_its_reason():
    text = CERTIFICATE + "  age 30 or over  # lint: allow QR127 because the licence it leads to is for learners of 30\n"
    assert not warnings_of(text)
