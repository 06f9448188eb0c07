"""Learning outcomes, assessment criteria, sector, simulation and KSBs in the language: the model the builder
makes of them, the errors it reports, and the formatter's canonical layout of them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qualrules.grammar.parser import parse
from qualrules.interpreter import model as m
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.diagnostics import DiagnosticError, Severity
from qualrules.interpreter.formatter import format_ruleset
from qualrules.interpreter.lint import lint
from qualrules.plugins import EVIDENCE_METHODS, RulesetSource, discover

from test_formatter import assert_format_properties

CATALOGUE = '''\
awarding body ISP "Institute of Sales Professionals"

standard "Level 3 IT Technical Salesperson Apprenticeship"
  ksb K7 "Understands how to communicate using the appropriate language"
  ksb B8 "Ability to communicate effectively in a variety of situations"

group BUSINESS "Business quadrant"
unit L3B1  "Understand Sales Communication"  ofqual L/650/7899  level 3  glh 15  tqt 30  credits 3
  sector 15.4 "Marketing and Sales"
  simulation not permitted
  outcome 1 knowledge "Understand effective communication in sales"
    1.1 "Explain the importance of effective communication in the sales process"
    1.2 "Explain communication channels used within sales"
  outcome 3 skills "Be able to plan communication for a target audience"
    3.1 "Evaluate the factors that impact on the selection of communication types"
  ksbs K7, B8 of "Level 3 IT Technical Salesperson Apprenticeship"

unit L3B2  "Understand Organisations"        ofqual K/651/0342  level 3  glh 15  tqt 30  credits 3

qualification 610/3791/6 "ISP Level 3 Award"
  units from L3B1, L3B2
  all of L3B1, L3B2
'''


def built(text: str = CATALOGUE) -> m.Ruleset:
    return build_ruleset(text, "demo.qual")


def errors(text: str) -> list:
    with pytest.raises(DiagnosticError) as raised:
        build_ruleset(text, "demo.qual")
    return raised.value.diagnostics


def test_a_unit_carries_its_outcomes_criteria_sector_simulation_and_ksbs():
    ruleset = built()
    l3b1, l3b2 = ruleset.units
    assert [(o.number, o.kind, o.text) for o in l3b1.outcomes] == [
        (1, m.OutcomeKind.KNOWLEDGE, "Understand effective communication in sales"),
        (3, m.OutcomeKind.SKILLS, "Be able to plan communication for a target audience"),
    ]
    assert [c.number for c in l3b1.criteria] == ["1.1", "1.2", "3.1"]
    assert l3b1.outcomes[0].criteria[1].text == "Explain communication channels used within sales"
    assert l3b1.outcomes[1].criteria[0].outcome_number == "3"
    assert (l3b1.sector.code, l3b1.sector.title) == ("15.4", "Marketing and Sales")
    assert l3b1.simulation is m.Simulation.NOT_PERMITTED
    (link,) = l3b1.ksb_links
    assert (link.standard, [k.code for k in link.ksbs]) == ("Level 3 IT Technical Salesperson Apprenticeship",
                                                            ["K7", "B8"])
    assert (l3b2.outcomes, l3b2.sector, l3b2.simulation, l3b2.ksb_links) == ((), None, m.Simulation.NOT_STATED, ())
    (standard,) = ruleset.standards
    assert [(k.code, k.text[:10]) for k in standard.ksbs] == [("K7", "Understand"), ("B8", "Ability to")]


def test_criteria_and_outcomes_have_the_spans_of_their_lines():
    l3b1 = built().units[0]
    assert (l3b1.outcomes[0].span.line, l3b1.outcomes[0].criteria[0].span.line) == (11, 12)
    assert l3b1.ksb_links[0].ksbs[1].span == m.Span(16, 12, 16, 14)
    assert l3b1.sector.span.line == 9 and l3b1.simulation_span.line == 10


def test_a_detail_stated_twice_is_an_error():
    text = CATALOGUE.replace('  simulation not permitted\n', '  simulation not permitted\n  simulation permitted\n')
    (error,) = errors(text)
    assert (error.code, error.location.line) == ("QR131", 11)
    assert error.message == "unit L3B1 states its simulation twice (first on line 10)"


def test_the_kind_of_an_outcome_must_be_stated():
    result = parse(CATALOGUE.replace("outcome 1 knowledge", "outcome 1"), "demo.qual")
    (error,) = result.diagnostics
    assert error.code == "QR001" and error.location.line == 11
    assert "`knowledge` (\"Understand ...\") or `skills`" in error.hint


def test_a_criterion_outside_an_outcome_is_a_syntax_error_with_a_hint():
    text = CATALOGUE.replace('  sector 15.4 "Marketing and Sales"\n', '  1.1 "Explain"\n')
    (error,) = parse(text, "demo.qual").diagnostics
    assert (error.code, error.location.line) == ("QR001", 9)
    assert error.hint.startswith("an assessment criterion goes under its learning outcome")


def test_the_canonical_layout_of_criteria_round_trips(snapshot):
    messy = '''\
awarding body ISP
unit L3B1 "Understand Sales Communication" level 3 credits 3
    ksbs K7 of "Std"    # mapped
    # the outcomes come first in the specification's table
   outcome 1 KNOWLEDGE "Understand effective communication in sales"
  1.1   "Explain the importance"
      1.2 "Explain \\"channels\\""   # quoted
  SECTOR 15.4
  Simulation   permitted
unit L3B2 "Understand Organisations" level 3 credits 3
standard "Std"
'''.replace("KNOWLEDGE", "knowledge")
    # A standard must come before the units: the layout above is refused, and the canonical one is not.
    assert parse(messy, "demo.qual").diagnostics
    messy = messy.replace('standard "Std"\n', "").replace("awarding body ISP\n",
                                                          'awarding body ISP\nstandard "Std"\n  ksb K7 "Text"\n')
    formatted = assert_format_properties(messy, comments_keep_order=False)
    assert formatted == snapshot


def test_the_formatter_keeps_the_example_catalogue_as_it_is():
    assert assert_format_properties(CATALOGUE, comments_keep_order=True) == CATALOGUE


CRITERIA_PAGE = Path(__file__).resolve().parents[1] / "docs" / "criteria.md"


def test_the_criteria_pages_examples_build_lint_clean_and_are_canonical():
    examples = re.findall(r"^```qual\n(.*?)^```$", CRITERIA_PAGE.read_text(encoding="utf-8"), re.M | re.S)
    assert len(examples) >= 2
    for example in examples:
        found = lint([RulesetSource("criteria.qual", example)], discover())
        assert [d for d in found if d.severity is not Severity.NOTE] == []
        assert format_ruleset(example, "criteria.qual") == example


def test_the_criteria_pages_table_of_default_methods_is_the_default():
    page = CRITERIA_PAGE.read_text(encoding="utf-8")
    for kind in m.OutcomeKind:
        (row,) = re.findall(rf"^\| {kind.value} \| (.*) \|$", page, re.M)
        assert set(re.findall(r"`([^`]+)`", row)) == EVIDENCE_METHODS[kind]


def test_a_faulty_unit_or_outcome_line_does_not_hide_the_errors_under_it():
    text = '''unit L3B1 T level 3 credits 3
  outcome 1 knowledge "Understand x"
    1.1 "a"
  outcome two skills "Be able to y"
    2.1 "b"
    2.2 c
'''
    assert [(d.code, d.location.line) for d in parse(text, "demo.qual").diagnostics] == [
        ("QR001", 1), ("QR001", 4), ("QR001", 6)]
