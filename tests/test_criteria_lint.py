"""The checker's and the linter's findings about outcomes, criteria and KSBs: their messages and locations, and
copies of one Ofqual unit in two files (QR215). docs/diagnostics.md's examples give each code alone."""

from __future__ import annotations

from qualrules.interpreter.criteria import criterion, kind_from_wording
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.diagnostics import render_plain
from qualrules.interpreter import model as m
from qualrules.interpreter.lint import lint
from qualrules.plugins import RulesetSource, discover

QUALIFICATION = '''qualification 600/5929/1 "Certificate"
  units from A1
  all of A1
'''

MESSY = '''standard "Std"
  ksb K7 "Understands"
  ksb K7 "Understands again"
unit A1 "Alpha" ofqual L/650/7899 level 3 credits 3
  outcome 1 knowledge "Be able to sell"
    1.1 "a"
    1.3 "b"
    1.2 "c"
    1.2 "d"
  outcome 2 skills "Understand buying"
    1.4 "e"
    2.1 "f"
  outcome 2 skills "Be able to close"
  outcome 5 knowledge "Understand closing"
    5.1 "x"
  ksbs K7, K8 of "Std"
  ksbs K7 of "Sdt"
''' + QUALIFICATION


def findings(*texts: str) -> list[str]:
    sources = [RulesetSource(f"file{n}.qual", text) for n, text in enumerate(texts, 1)]
    return [render_plain(d) for d in lint(sources, discover()) if d.code != "QR400"]


def test_every_numbering_kind_and_ksb_problem_is_located_and_explained(snapshot):
    assert findings(MESSY) == snapshot


def test_a_shared_unit_without_the_criteria_of_its_copy_is_pointed_out_in_the_later_file():
    with_criteria = '''unit A1 "Alpha" ofqual L/650/7899 level 3 credits 3
  outcome 1 knowledge "Understand alpha"
    1.1 "Explain alpha"
''' + QUALIFICATION
    without = with_criteria.replace('  outcome 1 knowledge "Understand alpha"\n    1.1 "Explain alpha"\n', "") \
        .replace("600/5929/1", "610/3791/6")
    reworded = with_criteria.replace("Explain alpha", "Describe alpha").replace("600/5929/1", "610/3791/6")
    assert findings(with_criteria, without) == [
        "file2.qual:1:6: warning[QR215]: unit A1 (L/650/7899) declares no criteria, but its copy A1 in file1.qual "
        "(line 1) declares 1 criterion (an Ofqual unit is assessed against one set of criteria: copy them from the unit's "
        "specification into both catalogues)"]
    assert [f.split(": ", 2)[1] for f in findings(without, with_criteria)] == ["warning[QR215]"]
    assert "differ from its copy A1 in file1.qual" in findings(with_criteria, reworded)[0]
    assert findings(with_criteria, with_criteria.replace("600/5929/1", "610/3791/6")) == []


def test_the_kind_the_wording_suggests():
    assert kind_from_wording("Be able to plan communication") is m.OutcomeKind.SKILLS
    assert kind_from_wording("Understand organisations") is m.OutcomeKind.KNOWLEDGE
    assert kind_from_wording("Know the law") is m.OutcomeKind.KNOWLEDGE
    assert kind_from_wording("Plan sales activities") is None


def test_a_criterion_is_found_by_its_number_as_printed():
    unit = build_ruleset('''unit A1 "Alpha" level 3 credits 3
  outcome 1 knowledge "Understand alpha"
    1.1 "Explain alpha"
  outcome 2 skills "Be able to beta"
    2.1 "Do beta"
''', "x.qual").units[0]
    outcome, found = criterion(unit, "2.1")
    assert (outcome.number, found.text) == (2, "Do beta")
    assert criterion(unit, "2.2") is None
