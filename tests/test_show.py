"""`qualrules show`: a qualification as its specification presents it, and the English sentences of its rules."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from qualrules.cli import main
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.checker import Catalogue
from qualrules.interpreter.presentation.sentences import sentences

from conftest import ILM_CERTIFICATE, ISP_CERTIFICATE

ISP_AWARD = "610/3791/6"


def show(*args: str):
    return CliRunner().invoke(main, ["show", *args])


@pytest.mark.parametrize("qan", [ILM_CERTIFICATE, ISP_CERTIFICATE, ISP_AWARD])
def test_show_text(qan, snapshot):
    result = show(qan)
    assert result.exit_code == 0, result.output
    assert result.stdout == snapshot


@pytest.mark.parametrize("qan", [ILM_CERTIFICATE, ISP_CERTIFICATE, ISP_AWARD])
def test_show_json(qan, snapshot):
    result = show(qan, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == snapshot


def test_show_json_has_the_facts_units_and_rules_of_the_qualification():
    data = json.loads(show(ISP_CERTIFICATE, "--format", "json").stdout)
    assert data["credit_value"] == {"text": "13 to 36", "minimum": 13, "maximum": 36}
    assert [g["name"] for g in data["groups"]] == ["BUSINESS", "CORE", "LEADERSHIP", "SELF"]
    assert sum(len(g["units"]) for g in data["groups"]) == 27
    assert [r["rule"] for r in data["rules"]] == [
        "between 13 and 36 credits", "at least 2 BUSINESS units", "at least 2 CORE units",
        "at least 1 LEADERSHIP or SELF unit", "age 18 or over",
    ]


def test_show_an_unknown_qualification_is_a_usage_error():
    result = show("610/3788/7")
    assert result.exit_code == 2
    assert "error[QR601]: no qualification 610/3788/7 is loaded" in result.stderr
    assert "help: did you mean `610/3788/6`" in result.stderr


EVERY_RULE = """\
awarding body DEMO "Demonstration Awarding Body"
unit A "Alpha" level 2 credits 2 glh 10 tqt 20
unit B "Beta" level 4 credits 3 glh 15 tqt 30
group 1 "Mandatory units"
unit M "Mandatory" level 2 credits 1 glh 5 tqt 10
group SPECIALIST
unit S "Specialist" level 3 credits 4 glh 20 tqt 40
qualification 900/0000/1 "Demonstration Diploma"
  units from A, B, Group 1, SPECIALIST
  all of Group 1
  all of A
  all of A, B, SPECIALIST
  exactly 10 credits
  at most 9 credits
  at least 1 credit from A
  between 2 and 3 units from SPECIALIST or B at level 3 or above
  at least 10 glh
  at most 40 tqt from Group 1 or SPECIALIST
  choose 1 of A, B
  not both A and SPECIALIST
  either
    all of B
  or
    at least 2 units
    either
      all of S
    or
      not both A and B
    end
  end
  complete within 18 months
  age 16 or over
"""


def test_every_kind_of_rule_reads_as_an_english_sentence():
    ruleset = build_ruleset(EVERY_RULE, "demo.qual")
    written = sentences(ruleset.qualifications[0].rules, Catalogue.of(ruleset))
    assert [s.text for s in written] == [
        "All units of Group 1 are mandatory.",
        "Unit A is mandatory.",
        "All units of SPECIALIST and units A and B are mandatory.",
        "Learners must achieve exactly 10 credits.",
        "At most 9 credits may count towards the qualification.",
        "At least 1 credit must come from A.",
        "Between 2 and 3 units at level 3 or above must come from SPECIALIST or B.",
        "Learners must achieve at least 10 guided learning hours.",
        "At most 40 hours of total qualification time may come from Group 1 or SPECIALIST.",
        "Learners must choose at least 1 unit from A or B.",
        "Learners may not count both unit A and units from SPECIALIST.",
        "Either: Unit B is mandatory. Or: Learners must achieve at least 2 units. "
        "Either: Unit S is mandatory. Or: Learners may not count both unit A and unit B.",
        "The qualification must be completed within 18 months of registration.",
        "Learners must be 16 or over when they register.",
    ]
    either = written[11]
    assert [[s.text for s in option] for option in either.options[1][1].options] == [
        ["Unit S is mandatory."], ["Learners may not count both unit A and unit B."],
    ]


def test_show_nests_either_blocks_and_lists_units_outside_groups(tmp_path, snapshot):
    path = tmp_path / "demo.qual"
    path.write_text(EVERY_RULE, encoding="utf-8")
    result = show("900/0000/1", "--ruleset", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout == snapshot


@pytest.mark.parametrize("header, shown", [('awarding body TQUK "TQUK"', "TQUK"),
                                            ('awarding body TQUK "tquk"', "TQUK"),
                                            ('awarding body TQUK "Training Qualifications UK"',
                                             "TQUK, Training Qualifications UK")])
def test_show_names_the_awarding_body_once_when_its_title_repeats_its_name(tmp_path, header, shown):
    ruleset = tmp_path / "tquk.qual"
    ruleset.write_text(f'{header}\nunit D/601/5313 "Principles of Customer Service" level 2 credits 3\n'
                       'qualification 900/0000/1 "Award"\n  units from D/601/5313\n  all of D/601/5313\n',
                       encoding="utf-8")
    result = show("900/0000/1", "--ruleset", str(ruleset))
    assert result.exit_code == 0, result.output
    assert f"Awarding body             {shown}\n" in result.stdout


def test_show_and_list_show_unprintable_text_from_a_ruleset_escaped(tmp_path):
    ruleset = tmp_path / "hostile.qual"
    ruleset.write_text('awarding body EVIL "Evil \x1b[2J Body"\n'
                       'group CORE "Core \x1b]0;title\x07"\n'
                       'unit E1 "Clears \x1b[2J the screen" level 2 credits 2\n'
                       'qualification 900/0000/1 "Award \x1b[31m in red"\n'
                       '  units from CORE\n'
                       '  at least 2 credits\n', encoding="utf-8")
    shown = show("900/0000/1", "--ruleset", str(ruleset))
    listed = CliRunner().invoke(main, ["list", "--ruleset", str(ruleset)])
    for output in (shown.stdout, listed.stdout):
        assert "\x1b" not in output and "\x07" not in output
    assert "Award \\x1b[31m in red" in shown.stdout and "Clears \\x1b[2J the screen" in shown.stdout
    assert "Core \\x1b]0;title\\x07" in shown.stdout
    assert "Award \\x1b[31m in red" in listed.stdout


def test_show_lists_each_units_outcomes_criteria_sector_simulation_and_ksbs():
    text = show(ISP_AWARD).stdout
    assert "      2. Understand a communication cycle and barriers (knowledge)\n" \
           "         2.1  Explain a communication cycle and its application in the workplace\n" \
           "         2.2  Explain barriers to effective communication\n" in text
    assert text.count("Simulation: not permitted") == 2 and text.count("Sector: 15.4 Marketing and Sales") == 2
    assert "    KSBs: not linked to an apprenticeship standard" in text.split("L3B2 Understand Organisations\n")[-1]
    data = json.loads(show(ISP_AWARD, "--format", "json").stdout)
    l3b1, l3b2 = data["groups"][0]["units"]
    assert [(o["number"], o["kind"], len(o["criteria"])) for o in l3b1["outcomes"]] == [
        (1, "knowledge", 4), (2, "knowledge", 3), (3, "skills", 3)]
    assert l3b1["outcomes"][1]["criteria"][1] == {"number": "2.2", "text": "Explain barriers to effective communication"}
    assert [k["code"] for k in l3b1["ksbs"]] == ["K7", "S1", "B8"]
    assert (l3b1["sector"], l3b2["simulation"], l3b2["ksbs"]) == (
        {"code": "15.4", "title": "Marketing and Sales"}, "not permitted", [])
    assert data["criterion_assessment"] is True
