"""The .qual language: parse results, syntax errors and checker errors, on small inline rulesets."""

from __future__ import annotations

import enum

import attrs
import pytest

from qualrules.grammar.parser import parse, reserved_keyword
from qualrules.interpreter import model as m
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.checker import check
from qualrules.interpreter.diagnostics import DiagnosticError, render
from qualrules.interpreter.wording import rule_text

CATALOGUE = """\
awarding body DEMO "Demonstration Awarding Body"
group 1 "Mandatory units"
unit M1 "Mandatory One" level 2 credits 2 glh 7
unit M2 "Mandatory Two" level 2 credits 2 glh 6
group 2
unit O1 "Optional One" level 2 credits 1
group 3
unit T1 "Three One" level 3 credits 2
unit T2 "Three Two" level 3 credits 2
group BUSINESS "Business quadrant"
unit L3B1 "Understand Sales Communication" ofqual L/650/7899 level 3 glh 15 tqt 30 credits 3
unit L4B6 "Use Digital Technologies" ofqual K/650/7905 level 4 glh 15 tqt 30 credits 3
group LEADERSHIP
unit L3L1 "Developing Relationships" level 3 credits 3
group SELF
unit L3S1 "Personal Motivation" level 3 credits 2
"""

QUALIFICATION = """\
qualification 900/0000/1 "Demonstration Certificate"
  units from Group 1, Group 2, Group 3, BUSINESS, LEADERSHIP, SELF
"""
# Line numbers in messages: the qualification header follows the catalogue; rule lines follow the pool.
HEADER_LINE = len(CATALOGUE.splitlines()) + 1
FIRST_RULE_LINE = len((CATALOGUE + QUALIFICATION).splitlines()) + 1


def readable(value):
    """The model as plain data for snapshots: class names kept, spans written `line:column-line:column`."""
    if isinstance(value, m.Span):
        return f"{value.line}:{value.column}-{value.end_line}:{value.end_column}"
    if attrs.has(type(value)):
        fields = {f.name: readable(getattr(value, f.name)) for f in attrs.fields(type(value))}
        return {"_": type(value).__name__, **fields}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return [readable(item) for item in value]
    return value


def without_spans(value):
    """`readable` output with every position dropped, to compare phrasings written at different places."""
    if isinstance(value, dict):
        return {k: without_spans(v) for k, v in value.items() if k != "span"}
    if isinstance(value, list):
        return [without_spans(item) for item in value]
    return value


def rules_of(rule_lines: str) -> list:
    """The rules of one qualification over CATALOGUE whose body is `rule_lines`."""
    ruleset = build_ruleset(CATALOGUE + QUALIFICATION + rule_lines, "demo.qual")
    assert check(ruleset) == []
    (qualification,) = ruleset.qualifications
    return readable(qualification.rules)


def errors_of(text: str, filename: str = "demo.qual") -> list:
    """Every syntax, structure or checker error of a ruleset, as the build and the checker report them."""
    try:
        ruleset = build_ruleset(text, filename)
    except DiagnosticError as error:
        return list(error.diagnostics)
    return check(ruleset)


def rendered(text: str) -> str:
    return "\n".join(render(d, text) for d in errors_of(text))


# ---- parse results -----------------------------------------------------------------------------

def test_whole_ruleset_model(snapshot):
    text = CATALOGUE + """\
# Header facts, then the pool and the rules.
qualification 900/0000/1 "Demonstration Certificate"    # trailing comment
  level 2
  credit value 13 to 36
  guided learning hours 65
  total qualification time 370 or more
  units from Group 1, Group 2, Group 3, BUSINESS, LEADERSHIP, SELF
  all of Group 1
  at least 2 BUSINESS, credits >= 13, max 6 credits from Group 3
  complete within 3 years
  age 18 or over
"""
    ruleset = build_ruleset(text, "demo.qual")
    assert check(ruleset) == []
    assert readable(ruleset) == snapshot


def test_catalogue_lines():
    ruleset = build_ruleset(CATALOGUE, "demo.qual")
    assert ruleset.awarding_body.name == "DEMO"
    assert ruleset.awarding_body.title == "Demonstration Awarding Body"
    assert [(g.name, g.description, g.display) for g in ruleset.groups] == [
        ("1", "Mandatory units", "Group 1"), ("2", None, "Group 2"), ("3", None, "Group 3"),
        ("BUSINESS", "Business quadrant", "BUSINESS"), ("LEADERSHIP", None, "LEADERSHIP"), ("SELF", None, "SELF"),
    ]
    # Fields may come in any order (`glh 15 tqt 30 credits 3`); each unit belongs to the group above it.
    by_ref = {u.ref: u for u in ruleset.units}
    assert attrs.evolve(by_ref["L3B1"], span=None, ref_span=None) == m.Unit(
        ref="L3B1", title="Understand Sales Communication", level=3, credits=3, glh=15, tqt=30,
        ofqual="L/650/7899", group="BUSINESS", span=None, ref_span=None)
    assert attrs.evolve(by_ref["O1"], span=None, ref_span=None) == m.Unit(
        ref="O1", title="Optional One", level=2, credits=1, glh=None, tqt=None, ofqual=None, group="2", span=None,
        ref_span=None)
    assert [u.ref for u in ruleset.units] == ["M1", "M2", "O1", "T1", "T2", "L3B1", "L4B6", "L3L1", "L3S1"]


def test_unit_before_any_group_and_escaped_quotes():
    ruleset = build_ruleset('unit 8570-228 "Selling \\"well\\"" level 2 credits 2\n', "demo.qual")
    (unit,) = ruleset.units
    assert (unit.ref, unit.title, unit.group) == ("8570-228", 'Selling "well"', None)


def test_comments_are_kept_with_positions():
    ruleset = build_ruleset("# first\ngroup 1  # second\n\n   # third\n", "demo.qual")
    assert ruleset.comments == (m.Comment("# first", 1, 1), m.Comment("# second", 2, 10),
                                m.Comment("# third", 4, 4))


@pytest.mark.parametrize("line", [
    "at least 2 BUSINESS, credits >= 13, max 6 credits from Group 3",
    "at least 7 credits from Group 2 or Group 3",
    "at most 6 credits from Group 3",
    "between 13 and 36 credits",
    "credits = 16",
    "at least 1 LEADERSHIP or SELF unit",
    "at least 1 unit from LEADERSHIP or SELF",
    "choose two of T1, T2, O1",
    "not both L3B1 and L4B6",
    "all of Group 1",
    "all of L3B1, L4B6",
    "at least 3 credits at level 4 or above",
    "at least 1 BUSINESS unit at level 4 or above",
    "glh between 10 and 40 from Group 1",
    "tqt <= 60 from BUSINESS",
    "complete within 18 months",
    "age 18 or over",
])
def test_rule_model(line, snapshot):
    assert rules_of(f"  {line}\n") == snapshot


def test_nested_either_model(snapshot):
    rules = rules_of("""\
  either
    all of Group 1
    at least 1 credit from Group 2
  or
    not both L3B1 and L4B6
    either
      at least 3 credits at level 4 or above
    or
      choose one of T1, T2
    end
  end
  at least 4 credits
""")
    assert [r["_"] for r in rules] == ["Either", "Quantity"]
    first, second = rules[0]["options"]
    assert [r["_"] for r in first] == ["AllOf", "Quantity"]
    assert [r["_"] for r in second] == ["NotBoth", "Either"]
    assert [[r["_"] for r in option] for option in second[1]["options"]] == [["Quantity"], ["Choose"]]
    assert rules == snapshot


def test_either_tolerates_comments_and_blank_lines():
    plain = rules_of("  either\n    all of Group 1\n  or\n    all of Group 2\n  end\n")
    commented = rules_of("  either   # one of two routes\n\n    all of Group 1\n  # route two\n  or\n\n"
                         "    all of Group 2\n  end\n")
    assert without_spans(commented) == without_spans(plain)


@pytest.mark.parametrize("phrasings", [
    # bound, measure, scope | comparison | the seeds' own wording
    ("at least 7 credits from Group 2 or Group 3", "min 7 credits from group 2 or group 3",
     "minimum seven credits from Group 2, Group 3", "credits >= 7 from Group 2 or Group 3"),
    ("at most 6 credits from Group 3", "max 6 credits from Group 3", "maximum six credits from group 3",
     "credits <= 6 from Group 3"),
    ("between 13 and 36 credits", "credits between 13 and 36"),
    ("exactly 16 credits", "credits = 16"),
    ("at least 2 BUSINESS", "at least 2 BUSINESS units", "at least two BUSINESS units",
     "at least 2 units from BUSINESS", "units >= 2 from BUSINESS"),
    ("at least 1 LEADERSHIP or SELF unit", "at least one unit from LEADERSHIP or SELF",
     "minimum 1 unit from LEADERSHIP, SELF"),
    ("choose 2 of T1, T2", "choose two of T1 or T2", "choose two of T1 and T2"),
    ("complete within 1 year", "complete within one year"),
    # specification sentences pasted as written
    ("at least 13 credits", "A minimum of 13 credits", "a minimum 13 credits", "Learners must achieve a minimum of 13 credits.",
     "Learners must pass at least 13 credits"),
    ("at most 6 credits from Group 3", "A Maximum of 6 credits from Group 3.", "At most 6 credits may come from Group 3.",
     "a maximum of six credits must come from group 3"),
    ("at least 2 credits from Group 1", "A minimum of 2 credits must come from Group 1",
     "at least 2 credits must be from Group 1", "At least 2 credits may be from Group 1."),
    ("at least 3 credits at level 4 or above", "At least 3 credits must be at Level 4 or above",
     "at least 3 credits at level 4 or higher", "Learners must achieve at least 3 credits at level 4 or above."),
    ("at least 1 unit from BUSINESS at level 4 or above", "At least 1 unit must come from BUSINESS at level 4 or above",
     "at least one BUSINESS unit must be at level 4 or higher"),
    ("at least 1 LEADERSHIP or SELF unit", "At least one LEADERSHIP unit or SELF unit.",
     "At least 1 unit must come from LEADERSHIP or SELF."),
    ("all of Group 1", "Learners must achieve all of Group 1.", "All of Group 1."),
])
def test_phrasings_of_one_rule_give_one_model(phrasings):
    models = [without_spans(rules_of(f"  {p}\n")) for p in phrasings]
    assert all(model == models[0] for model in models[1:]), phrasings


def test_design_card_example_is_three_rules():
    rules = build_ruleset(CATALOGUE + QUALIFICATION + "  at least 2 BUSINESS, credits >= 13, max 6 credits from Group 3\n",
                          "demo.qual").qualifications[0].rules
    assert [(r.measure, r.bound, r.scope and [t.text for t in r.scope.terms]) for r in rules] == [
        (m.Measure.UNITS, m.Bound(2, None), ["BUSINESS"]),
        (m.Measure.CREDITS, m.Bound(13, None), None),
        (m.Measure.CREDITS, m.Bound(None, 6), ["Group 3"]),
    ]
    # Each rule's span covers its own text on the shared line.
    line = "  at least 2 BUSINESS, credits >= 13, max 6 credits from Group 3"
    assert [line[r.span.column - 1:r.span.end_column - 1] for r in rules] == [
        "at least 2 BUSINESS", "credits >= 13", "max 6 credits from Group 3"]


def test_specification_sentences_with_several_rules_split_at_each_article():
    text = CATALOGUE + QUALIFICATION + "  A minimum of 13 credits, a maximum of 36 credits, all of M1, M2.\n"
    rules = build_ruleset(text, "demo.qual").qualifications[0].rules
    assert [rule_text(r) for r in rules] == ["at least 13 credits", "at most 36 credits", "all of M1, M2"]


def test_a_unit_named_like_the_article_is_still_a_unit_in_a_list():
    text = CATALOGUE + 'unit A "Alpha" level 2 credits 2\n' + QUALIFICATION.replace("SELF", "SELF, A") + "  all of M1, A\n"
    (rule,) = build_ruleset(text, "demo.qual").qualifications[0].rules
    assert [t.text for t in rule.units.terms] == ["M1", "A"]


def test_a_comma_before_a_unit_reference_lists_units():
    (rule,) = build_ruleset(CATALOGUE + QUALIFICATION + "  all of L3B1, L4B6, Group 1\n", "demo.qual"
                            ).qualifications[0].rules
    assert [t.text for t in rule.units.terms] == ["L3B1", "L4B6", "Group 1"]


@pytest.mark.parametrize("number,value", [
    ("one", 1), ("two", 2), ("three", 3), ("four", 4), ("five", 5), ("six", 6), ("seven", 7), ("eight", 8),
    ("nine", 9), ("ten", 10), ("eleven", 11), ("twelve", 12), ("0", 0), ("40", 40),
])
def test_number_words(number, value):
    (rule,) = build_ruleset(CATALOGUE + QUALIFICATION + f"  at least {number} credits\n", "demo.qual"
                            ).qualifications[0].rules
    assert rule.bound == m.Bound(value, None)


def test_facts():
    text = CATALOGUE + """\
qualification 900/0000/1 "Demonstration Certificate"
  level 3
  credit value 37 or more
  guided learning hours 65 to 184
  total qualification time 400
  units from Group 1
"""
    (q,) = build_ruleset(text, "demo.qual").qualifications
    assert q.level == 3
    assert (q.credit_value.low, q.credit_value.high, q.credit_value.text) == (37, None, "37 or more")
    assert (q.glh.low, q.glh.high, q.glh.text) == (65, 184, "65 to 184")
    assert (q.tqt.low, q.tqt.high, q.tqt.text) == (400, 400, "400")
    assert [t.text for t in q.pool.terms] == ["Group 1"]
    assert q.rules == ()


def test_group_keyword_is_case_insensitive_and_crlf_parses_alike():
    lf = CATALOGUE + QUALIFICATION + "  at most 6 credits from Group 3\n"
    crlf = lf.replace("\n", "\r\n").replace("Group 3", "GROUP 3")
    assert without_spans(readable(build_ruleset(crlf, "demo.qual").qualifications)) == \
        without_spans(readable(build_ruleset(lf, "demo.qual").qualifications))


def test_parse_without_errors_returns_tree_and_comments():
    result = parse("group 1  # the only group\n", "demo.qual")
    assert result.tree is not None
    assert result.diagnostics == ()
    assert [c.value for c in result.comments] == ["# the only group"]


# ---- syntax errors -----------------------------------------------------------------------------

def test_title_without_quotes(snapshot):
    text = 'group 1\nunit A1 Alpha level 2 credits 2\n'
    (error,) = errors_of(text)
    assert (error.code, error.location.line, error.location.column) == ("QR001", 2, 9)
    assert rendered(text) == snapshot


def test_title_with_a_missing_closing_quote(snapshot):
    text = 'group 1\nunit A1 "Alpha level 2 credits 2\n'
    (error,) = errors_of(text)
    assert (error.code, error.message, error.location.line, error.location.column) == (
        "QR002", "this quote is not closed on its line", 2, 9)
    assert rendered(text) == snapshot


def test_unclosed_either_at_end_of_file(snapshot):
    text = CATALOGUE + QUALIFICATION + "  either\n    all of Group 1\n  or\n    at least 2 credits\n"
    (error,) = errors_of(text)
    assert error.code == "QR003"
    assert "`end`" in error.hint
    assert rendered(text) == snapshot


def test_unclosed_either_before_the_next_qualification(snapshot):
    text = CATALOGUE + QUALIFICATION + """\
  either
    all of Group 1
  or
    at least 2 credits
qualification 900/0000/2 "Second"
  units from Group 1
"""
    first = errors_of(text)[0]
    assert (first.code, first.location.line) == ("QR001", FIRST_RULE_LINE + 4)
    assert first.hint == f"the `either` on line {FIRST_RULE_LINE} is never closed: add `end` before line {FIRST_RULE_LINE + 4}"
    assert rendered(text) == snapshot


def test_an_unclosed_block_after_blank_lines_is_named_at_its_own_line():
    text = CATALOGUE + QUALIFICATION + "\n  # the options\n\n  either\n    all of Group 1\n" \
        'qualification 900/0000/2 "Second"\n  units from Group 1\n'
    (error,) = errors_of(text)
    assert error.hint == (f"the `either` on line {FIRST_RULE_LINE + 3} is never closed: add `end` before line "
                          f"{FIRST_RULE_LINE + 5}")
    # A keyword that is no new statement (`Group` in a rule) is reported once, not read on from.
    found = parse("qualification\n\neither\nat least 1m Group ", "x.qual").diagnostics
    assert [d.location.line for d in found] == [1, 4]


def test_after_an_unclosed_block_the_next_qualification_is_still_read_for_its_errors():
    text = CATALOGUE + QUALIFICATION + """  pathway "Retail"
    either
      all of Group 1
    or
      at least 2 credits
qualification 900/0000/2 "Second"
  units from Group 1
  at lest 2 units
"""
    assert [(e.location.line, e.message) for e in errors_of(text)] == [
        (FIRST_RULE_LINE + 5, "unexpected `qualification`; expected one of a rule, `end`, `or`"),
        (FIRST_RULE_LINE + 7, "unexpected `lest`; expected one of `least`, `most`")]
    assert errors_of(text)[0].hint == (f"the `either` on line {FIRST_RULE_LINE + 1} is never closed: add `end` "
                                       f"before line {FIRST_RULE_LINE + 5}")


def test_unexpected_character(snapshot):
    text = 'group 1\nunit A1 "Alpha" level 2 credits 2 £\n'
    (error,) = errors_of(text)
    assert (error.code, error.location.line, error.location.column, error.location.end_column) == (
        "QR002", 2, 35, 36)
    assert rendered(text) == snapshot


def test_every_recoverable_syntax_error_is_reported(snapshot):
    text = CATALOGUE + """\
unit X1 "Extra" level two credits 2
unit X2 "Extra two" level 2 credits 2 ;
qualification 900/0000/1 "Demonstration Certificate"
  units from Group 1
  at least credits
  all of Group 1
  at least 2 credits from
  age 18 or over
"""
    result = parse(text, "demo.qual")
    assert result.tree is None
    first = len(CATALOGUE.splitlines()) + 1
    assert [(d.code, d.location.line) for d in result.diagnostics] == [
        ("QR001", first), ("QR002", first + 1), ("QR001", first + 4), ("QR001", first + 6)]
    with pytest.raises(DiagnosticError) as raised:
        build_ruleset(text, "demo.qual")
    assert raised.value.diagnostics == result.diagnostics
    assert rendered(text) == snapshot


def test_syntax_error_messages_use_the_designers_terms():
    text = CATALOGUE + QUALIFICATION + "  at least 2 credits from\n  credits >=\n  choose of T1\n"
    messages = [d.message for d in errors_of(text)]
    assert len(messages) == 3
    assert messages[0].startswith("unexpected end of line; expected one of ")
    assert "a unit reference or name" in messages[0] and "`group`" in messages[0]
    assert messages[1] == "unexpected end of line; expected a number"
    assert messages[2] == "unexpected `of`; expected a number"
    assert not any("__ANON" in message or "_NL" in message for message in messages)


# ---- structure and checker errors --------------------------------------------------------------

def codes(text: str) -> list[tuple[str, int, int]]:
    return [(d.code, d.location.line, d.location.column) for d in errors_of(text)]


def test_unknown_unit_with_did_you_mean():
    (error,) = errors_of(CATALOGUE + QUALIFICATION + "  all of L3B2\n")
    assert error.code == "QR101"
    assert error.message == "`L3B2` is not a unit or group in this file"
    assert error.hint == "did you mean `L3B1`?"
    assert (error.location.line, error.location.column, error.location.end_column) == (FIRST_RULE_LINE, 10, 14)


def test_unknown_group_with_did_you_mean():
    (error,) = errors_of(CATALOGUE + QUALIFICATION + "  at most 6 credits from Group 4\n")
    assert (error.code, error.message) == ("QR101", "there is no Group 4")
    assert error.hint == ("this file's groups are `Group 1`, `Group 2`, `Group 3`, `Group BUSINESS`, "
                          "`Group LEADERSHIP` and `Group SELF`; declare another with `group`")
    (error,) = errors_of(CATALOGUE + QUALIFICATION + "  at most 6 credits from Group BUSNESS\n")
    assert error.hint == "did you mean `Group BUSINESS`?"


def test_a_group_named_in_another_case_is_told_so():
    (error,) = errors_of(CATALOGUE + QUALIFICATION + "  at most 6 credits from Group business\n")
    assert (error.code, error.message) == ("QR101", "there is no Group business")
    assert error.hint == "names are case-sensitive: did you mean `Group BUSINESS`?"


def test_unknown_name_in_the_pool():
    text = CATALOGUE + 'qualification 900/0000/1 "Demo"\n  units from Group 1, BUSNESS\n'
    (error,) = errors_of(text)
    assert (error.code, error.hint) == ("QR101", "did you mean `BUSINESS`?")


def test_duplicate_unit_and_ofqual_reference():
    text = """\
group 1
unit A1 "Alpha" level 2 credits 2 ofqual L/650/7899
unit A1 "Alpha again" level 2 credits 2
unit A2 "Beta" level 2 credits 2 ofqual L/650/7899
"""
    errors = errors_of(text)
    assert [(d.code, d.location.line, d.message) for d in errors] == [
        ("QR102", 3, "unit reference A1 is declared twice (first on line 2)"),
        ("QR102", 4, "unit reference L/650/7899 is declared twice (first on line 2)"),
    ]


def test_group_and_unit_with_one_name():
    text = 'group A1\nunit A1 "Alpha" level 2 credits 2\n'
    (error,) = errors_of(text)
    assert (error.code, error.message, error.location.line, error.location.column) == (
        "QR105", "`A1` names both a group and a unit", 1, 7)


def test_qualification_without_a_pool():
    text = CATALOGUE + 'qualification 900/0000/1 "Demo"\n  at least 2 credits\n'
    (error,) = errors_of(text)
    assert (error.code, error.location.line) == ("QR108", HEADER_LINE)
    assert error.message == "qualification 900/0000/1 has no `units from` statement"


def test_rule_naming_units_outside_the_pool():
    text = CATALOGUE + 'qualification 900/0000/1 "Demo"\n  units from Group 1, Group 2\n' \
                       '  at most 4 credits from Group 3\n  not both M1 and L3B1\n'
    errors = errors_of(text)
    assert [(d.code, d.location.line, d.location.column) for d in errors] == [
        ("QR110", HEADER_LINE + 2, 26), ("QR110", HEADER_LINE + 3, 19)]
    assert errors[0].message == "Group 3 names units outside the pool of 900/0000/1: T1, T2"
    assert errors[1].message == "L3B1 names units outside the pool of 900/0000/1: L3B1"


def test_between_with_bounds_the_wrong_way_round():
    text = CATALOGUE + QUALIFICATION + "  credits between 36 and 13\n"
    (error,) = errors_of(text)
    assert (error.code, error.hint) == ("QR114", "write `between 13 and 36`")
    assert error.message == "`between 36 and 13`: the lower bound is above the upper bound"
    assert (error.location.line, error.location.column) == (FIRST_RULE_LINE, 11)


def test_learner_requirement_stated_twice():
    text = CATALOGUE + QUALIFICATION + "  age 18 or over\n  complete within 3 years\n  age 19 or over\n"
    (error,) = errors_of(text)
    assert (error.code, error.location.line) == ("QR115", FIRST_RULE_LINE + 2)
    assert error.message == f"900/0000/1 states this learner requirement twice (first on line {FIRST_RULE_LINE})"


def test_learner_requirement_inside_either():
    text = CATALOGUE + QUALIFICATION + """\
  either
    complete within 3 years
  or
    age 18 or over
  end
"""
    assert codes(text) == [("QR116", FIRST_RULE_LINE + 1, 5), ("QR116", FIRST_RULE_LINE + 3, 5)]


def test_glh_rule_over_units_without_glh():
    # M1 and M2 give `glh`; O1 (Group 2) and L3L1, L3S1 do not. Level 4+ BUSINESS units (L4B6) give it.
    text = CATALOGUE + QUALIFICATION + "  glh >= 10 from Group 1, Group 2\n  tqt >= 30 from BUSINESS\n" \
                                       "  glh >= 5 at level 3 or above\n  glh >= 15 from BUSINESS at level 4 or above\n"
    errors = errors_of(text)
    assert [(d.code, d.location.line, d.message) for d in errors] == [
        ("QR111", FIRST_RULE_LINE, "the rule measures GLH, but O1 gives no `glh` value"),
        ("QR111", FIRST_RULE_LINE + 2, "the rule measures GLH, but T1, T2, L3L1, L3S1 give no `glh` value"),
    ]
    assert errors[0].hint == "add `glh N` to the unit line"


def test_checker_errors_rendered(snapshot):
    text = CATALOGUE + """\
group 3
unit A1 "Alpha" level 2 credits 2 ofqual L/650/7899
qualification 900/0000/1 "Demonstration Certificate"
  units from Group 1, Group 2
  all of L3B2
  at most 6 credits from Group 3
qualification 900/0000/2 "No pool"
  at least 13 credits
"""
    assert rendered(text) == snapshot


def test_a_faulty_qualification_header_does_not_hide_or_multiply_errors_below_it():
    text = ('group A\nunit A1 "One" level 2 credits 1\nqualification 603/1234/8 Certificate in Things\n'
            '  units from A\n  at least credits\n  either:\n    all of A1\n  or\n    at least 1 credit\n  end\n')
    found = [(d.code, d.location.line) for d in parse(text, "demo.qual").diagnostics]
    assert found == [("QR001", 3), ("QR001", 5), ("QR002", 6)]


def test_the_words_of_a_specification_s_phrasing_reserve_no_names():
    # `a`, `must`, `pass`... are keywords only where no unit or group name can stand.
    for name in ("A", "must", "pass", "higher", "learners"):
        assert reserved_keyword(name) is None, name
    assert reserved_keyword("AGE") == "age"
