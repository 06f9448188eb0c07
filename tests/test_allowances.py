"""`# lint: allow QRnnn because ...`: a warning kept on purpose becomes a note with its reason; an allowance
without a reason, or that allows nothing, is itself reported; fmt keeps allowances working."""

from __future__ import annotations

import re
from pathlib import Path

from qualrules.interpreter.allowances import is_allowed
from qualrules.interpreter.diagnostics import Severity, render
from qualrules.interpreter.formatter import format_ruleset
from qualrules.interpreter.lint import lint
from qualrules.plugins import RulesetSource, discover

BODIES = discover()
DIAGNOSTICS = Path(__file__).resolve().parents[1] / "docs" / "diagnostics.md"

# L3C1 breaks the TQT/10 rule (QR301); `at least 5 credits` restates `all of L3C1, L3C2` (QR404).
TEXT = """\
unit L3C1 "Prospect for New Business" level 3 glh 20 tqt 40 credits 5{c1}
unit L3C2 "Overcome Sales Objections" level 3 glh 20 tqt 40 credits 4{c2}
qualification 610/3795/3 "Award"
  units from L3C1, L3C2
{own}  at least 5 credits{c6}
  all of L3C1, L3C2
"""


def ruleset(c1="", c2="", own="", c6="") -> str:
    return TEXT.format(c1=c1, c2=c2, own=own, c6=c6)


def found(text: str) -> list[tuple[int, str, str, str]]:
    return [(d.location.line, d.code, d.severity.value, d.message)
            for d in lint([RulesetSource("example.qual", text)], BODIES) if d.code != "QR400"]


QR301 = "unit L3C1 has 5 credits, but its TQT of 40 hours gives 4 credits (one tenth, rounded)"
QR404 = "`at least 5 credits` never binds: any claim meeting `all of L3C1, L3C2` (line 6) has at least 9 credits"


def test_without_allowances_both_warnings_are_reported():
    assert found(ruleset()) == [(1, "QR301", "warning", QR301), (5, "QR404", "warning", QR404)]


def test_an_allowance_at_the_end_of_the_line_or_on_the_line_before_makes_the_warning_a_note():
    text = ruleset(c1="  # lint: allow QR301 because the specification gives TQT 40 and 5 credits.",
                   own="  # lint: allow QR404 because the specification states both rules\n")
    assert found(text) == [
        (1, "QR301", "note", f"allowed because the specification gives TQT 40 and 5 credits: {QR301}"),
        (6, "QR404", "note", f"allowed because the specification states both rules: {QR404.replace('line 6', 'line 7')}"),
    ]


def test_an_allowance_may_follow_other_text_and_name_several_codes():
    text = ruleset(c1='  # "as printed"; lint: allow QR302, QR301 because kept as printed')
    (allowed, *_) = found(text)
    assert allowed == (1, "QR301", "note", f"allowed because kept as printed: {QR301}")
    # QR302 is not warned about on line 1, so that half of the allowance is reported.
    assert (1, "QR126", "warning", "this allowance of QR302 allows nothing: line 1 has no such warning") \
        in found(text)


def test_an_allowance_without_a_reason_allows_nothing_and_is_reported():
    for comment, message in [("# lint: allow QR301", "this allowance of QR301 gives no reason"),
                             ("# lint: allow QR301 because", "this allowance of QR301 gives no reason"),
                             ("# lint: allow because it is fine", "this allowance names no code to allow")]:
        assert found(ruleset(c1="  " + comment))[:2] == [(1, "QR301", "warning", QR301),
                                                         (1, "QR125", "warning", message)], comment


def test_an_allowance_that_allows_nothing_is_reported_where_it_is():
    text = ruleset(c2="  # lint: allow QR301 because the specification gives TQT 40 and 5 credits")
    assert found(text) == [
        (1, "QR301", "warning", QR301),
        (2, "QR126", "warning", "this allowance of QR301 allows nothing: line 2 has no such warning"),
        (5, "QR404", "warning", QR404),
    ]


def test_errors_cannot_be_allowed():
    text = ruleset(c1="  # lint: allow QR101 because it is fine").replace("units from L3C1, L3C2", "units from L3C9")
    codes = [(line, code, severity) for line, code, severity, _ in found(text)]
    assert (4, "QR101", "error") in codes and (1, "QR126", "warning") in codes


def test_an_allowance_of_an_error_on_its_line_says_errors_cannot_be_allowed():
    text = ruleset(c6="  # lint: allow QR401 because the specification says so").replace(
        "at least 5 credits", "at least 50 credits")
    assert (5, "QR126", "warning", "this allowance of QR401 allows nothing: on line 5 it is an error, which no "
            "allowance can keep") in found(text)


def test_an_allowance_names_its_codes_in_any_letter_case():
    text = ruleset(c1="  # lint: allow qr301 because kept as printed")
    assert found(text)[0] == (1, "QR301", "note", f"allowed because kept as printed: {QR301}")


def test_the_allowances_own_warnings_cannot_be_allowed():
    text = ruleset(c6="  # lint: allow QR404",
                   own="  # lint: allow QR125, QR404 because an allowance without a reason is fine here\n")
    assert [(line, code, severity) for line, code, severity, _ in found(text)] == [
        (1, "QR301", "warning"), (5, "QR126", "warning"), (6, "QR404", "note"), (6, "QR125", "warning")]


def test_formatting_keeps_every_allowance_working():
    text = ruleset(c1="  # lint: allow QR301 because the specification gives TQT 40 and 5 credits",
                   own="# lint: allow QR404 because the specification states both rules\n")
    formatted = format_ruleset(text, "example.qual")
    assert formatted != text
    assert [(code, severity) for _, code, severity, _ in found(formatted)] == [("QR301", "note"), ("QR404", "note")]


def test_allowed_notes_rendered(snapshot):
    text = ruleset(c1="  # lint: allow QR301 because the specification gives TQT 40 and 5 credits",
                   c2="  # lint: allow QR301 because the specification says so",
                   c6="  # lint: allow QR404")
    diagnostics = [d for d in lint([RulesetSource("example.qual", text)], BODIES) if d.code != "QR400"]
    assert [is_allowed(d) for d in diagnostics] == [True, False, False, False]
    assert "\n".join(render(d, text) for d in diagnostics) == snapshot


def test_the_documented_allowance_allows_its_warning():
    section = DIAGNOSTICS.read_text(encoding="utf-8").split("### Allowing a warning", 1)[1]
    (example,) = re.findall(r"^```qual\n(.*?)^```", section.split("\n### ", 1)[0], re.M | re.S)
    diagnostics = lint([RulesetSource("example.qual", example)], BODIES)
    assert not [d for d in diagnostics if d.severity is not Severity.NOTE]
    assert [d.code for d in diagnostics if is_allowed(d)] == ["QR301"]


def test_an_allowance_of_a_solver_warning_stands_while_errors_stop_the_solver():
    # An error elsewhere stops the solver's checks, so the QR404 the allowance keeps is not looked for: the
    # allowance is not reported as allowing nothing (to be deleted, only to come back once the error is fixed).
    text = ruleset(own="  # lint: allow QR404 because the specification states both rules\n") + \
        'qualification 600/0001/6 "Other"\n  units from L3C1\n  all of L3C9\n'
    assert [(line, code) for line, code, *_ in found(text)] == [(1, "QR301"), (10, "QR101")]
