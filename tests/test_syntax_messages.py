"""Syntax errors speak the designer's language: never a parser-internal name, always the word at fault,
and a hint where the mistake is a common one."""

from __future__ import annotations

import re

import pytest

from qualrules.grammar.parser import expected_text, lark_parser, parse
from qualrules.interpreter.diagnostics import render

# Every construct of the language, for the mutation test below.
RULESET = """\
awarding body ISP "Institute of Sales Professionals"
group BUSINESS "Business quadrant"
unit L3B1 "Understand Sales Communication" ofqual L/650/7899 level 3 glh 15 tqt 30 credits 3
unit L4B6 "Use Digital Technologies" level 4 credits 3
group 3 "Optional units"
unit T1 "Three One" level 3 credits 2
qualification 610/3788/6 "Certificate"
  level 3
  credit value 13 to 36
  guided learning hours 65 or more
  total qualification time 130
  units from BUSINESS, Group 3
  at least 2 BUSINESS units, credits >= 3, max 6 credits from Group 3
  between 1 and 2 units from BUSINESS at level 4 or above
  choose two of L3B1, T1
  not both L3B1 and L4B6
  either
    all of Group 3
  or
    exactly 3 credits
  end
  complete within 3 years
  age 18 or over
"""

# Names that belong to the parser, not to the designer.
INTERNAL = re.compile(r"__ANON|__IGNORE|\$END|\b_NL\b|RULE_SEP|\b(REF|INT|STRING|COMMENT)\b")
TERMINAL_NAMES = {t.name for t in lark_parser().terminals if t.name != t.name.lower()}


def leaks(text: str) -> list[str]:
    words = set(re.findall(r"[A-Z_$][A-Z0-9_]+", text))
    return [*INTERNAL.findall(text), *(words & TERMINAL_NAMES)]


def mutations(text: str):
    """Each line cut short after every word, and each line with one word deleted."""
    lines = text.splitlines()
    for number, line in enumerate(lines):
        words = line.split()
        indent = line[:len(line) - len(line.lstrip())]
        for cut in range(1, len(words)):
            yield "\n".join(lines[:number] + [indent + " ".join(words[:cut])] + lines[number + 1:]) + "\n"
            yield "\n".join(lines[:number] + [indent + " ".join(words[:cut] + words[cut + 1:])]
                            + lines[number + 1:]) + "\n"


def test_every_terminal_has_a_designer_facing_name():
    for terminal in lark_parser().terminals:
        if terminal.name == "COMMENT" or terminal.name.startswith("__IGNORE"):
            continue
        described = expected_text({terminal.name})
        assert not leaks(described), (terminal.name, described)
    assert expected_text({"$END"}) == "the end of the file"


def test_no_parser_internal_name_reaches_a_message():
    assert parse(RULESET, "demo.qual").diagnostics == ()
    checked = 0
    for text in mutations(RULESET):
        for diagnostic in parse(text, "demo.qual").diagnostics:
            checked += 1
            shown = diagnostic.message + " " + (diagnostic.hint or "")
            assert not leaks(shown), (text, shown)
    # The mutations really do produce errors to look at.
    assert checked > 150


MISTAKES = {
    "misspelt keyword": '  levle 3\n',
    "keyword glued to a word": '  at least 3 credits from BUSINESS at levels 4 or above\n',
    "misspelt unit field": None,
    "unit after a qualification": 'unit L3B9 "Extra" level 3 credits 2\n',
    "group after a qualification, in capitals": 'GROUP 4\n',
    "age without or over, in capitals": '  Age 18\n',
    "comment with //": '  all of L3B1    // mandatory\n',
    "semicolon between rules": '  at least 3 credits; at most 6 credits\n',
    "dash in a range": '  guided learning hours 65 - 184\n',
    "curly quotes": None,
    "and between two rules": '  at least 3 credits and at most 6 credits\n',
    "or between two rules": '  at least 2 units or at least 3 credits\n',
    "trailing comma": '  at least 3 credits from BUSINESS,\n',
    "comma with nothing after it": '  age 18 or over,\n',
    "age without or over": '  age 18\n',
    "level filter without or above": '  at least 3 credits at level 4\n',
    "end without or": '  either\n    all of L3B1\n  end\n',
    "either on one line": '  either all of L3B1  # one option\n  or all of Group 3\n  end\n',
    "minimum and maximum in one sentence": '  Minimum 13 and maximum 36 credits\n',
    "of which": '  A minimum of 2 units from Group 3, of which 1 must be at level 4\n',
    "from each of": '  at least 1 unit from each of Group 3 and BUSINESS\n',
}

CATALOGUE = RULESET.split("qualification")[0]
QUALIFICATION = 'qualification 610/3788/6 "Certificate"\n  units from BUSINESS, Group 3\n'


def mistake_text(name: str) -> str:
    if name == "misspelt unit field":
        return CATALOGUE.replace("level 4 credits 3", "level 4 credit 3") + QUALIFICATION
    if name == "curly quotes":
        return CATALOGUE.replace('"Three One"', "\u201cThree One\u201d") + QUALIFICATION
    return CATALOGUE + QUALIFICATION + MISTAKES[name]


@pytest.mark.parametrize("name", MISTAKES)
def test_common_mistakes_rendered(name, snapshot):
    text = mistake_text(name)
    found = parse(text, "demo.qual").diagnostics
    assert found
    assert "\n".join(render(d, text) for d in found) == snapshot


def first(name: str):
    return parse(mistake_text(name), "demo.qual").diagnostics[0]


def test_hints_for_common_mistakes():
    assert first("misspelt keyword").hint == "did you mean `level`?"
    assert first("misspelt unit field").hint == "did you mean `credits`?"
    assert first("unit after a qualification").hint == (
        "units and groups are declared before the first qualification: move this line up")
    assert first("comment with //").hint == "comments start with `#`"
    assert first("and between two rules").hint == "separate two rules on one line with `,`"
    assert first("or between two rules").hint.startswith("for a choice between two rules, write an `either` block")
    assert first("age without or over").hint == "write `age N or over`"
    assert first("level filter without or above").hint == "write `at level N or above`"
    assert first("end without or").hint == "an `either` block needs at least one `or` and a closing `end`"
    assert first("minimum and maximum in one sentence").hint == (
        "write the range as one rule: `between 13 and 36 credits`")
    assert first("of which").hint.startswith("a condition on some of those units is a rule of its own")
    assert first("from each of").hint.startswith("write a rule for each group")
    assert first("either on one line").hint == ("`either`, `or` and `end` each stand on a line of their own: put "
                                                "`all of L3B1` on the next line")


def test_a_word_the_lexer_split_is_reported_whole():
    error = first("keyword glued to a word")
    line = mistake_text("keyword glued to a word").splitlines()[error.location.line - 1]
    assert line[error.location.column - 1:error.location.end_column - 1] == "levels"
    assert (error.message, error.hint) == ("unexpected `levels`", "did you mean `level`?")


def test_a_keyword_run_into_a_name_is_never_read_as_keyword_and_name():
    # Split, each of these would parse: a qualification of QAN `n`, Group 1, and `at least`.
    text = ('awarding body ISP "x"\ngroup1 "Optional units"\nunit T1 "Three One" level 3 credits 2\n'
            'qualificationn "Certificate"\n  units from Group 1\n  atleast 2 credits\n')
    found = [(d.location.line, d.location.column, d.message, d.hint) for d in parse(text, "demo.qual").diagnostics]
    # The block under the faulty header is still read as a qualification's: its rules raise nothing more.
    assert found == [
        (2, 1, "unexpected `group1`", "put a space between `group` and `1`"),
        (4, 1, "unexpected `qualificationn`", "did you mean `qualification`?"),
        (6, 3, "unexpected `atleast`", "put a space between `at` and `least`"),
    ]


@pytest.mark.parametrize("pasted,name,hint", [
    ("\u00a0", "U+00A0 NO-BREAK SPACE", "type an ordinary space in its place"),
    ("\u2013", "U+2013 EN DASH", "type a hyphen `-` in its place"),
    ("\u200b", "U+200B ZERO WIDTH SPACE", "delete it: it is invisible, and the language has no use for it"),
])
def test_a_character_pasted_from_a_document_is_named_with_what_to_type(pasted, name, hint):
    text = CATALOGUE.replace("unit T1 ", f"unit T1{pasted}") + QUALIFICATION
    (error,) = parse(text, "demo.qual").diagnostics
    assert (error.code, error.message, error.hint) == ("QR002", f"unexpected character `{pasted}` ({name})", hint)


def test_a_name_that_starts_with_a_keyword_is_one_name():
    text = CATALOGUE.replace("group 3", "group GroupA") + QUALIFICATION.replace("Group 3", "GroupA")
    result = parse(text, "demo.qual")
    assert result.diagnostics == ()
    assert "GroupA" in {str(token) for token in result.tree.scan_values(lambda v: True)}


def test_where_any_rule_may_come_the_message_says_so():
    assert first("misspelt keyword").message == (
        "unexpected `levle`; expected one of a rule, a key fact, `units from`, a grading statement, `pathway`, `qualification`, the end of the file")


def test_a_comma_is_never_both_unexpected_and_expected():
    error = first("comma with nothing after it")
    assert error.message == "unexpected `,`; expected the end of the line"
    assert error.hint == "a `,` must be followed by another unit, group or rule"
