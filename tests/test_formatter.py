"""The canonical formatter: properties over generated and bundled rulesets, placement of comments, a snapshot
of a messy file, and the `qualrules fmt` command."""

from __future__ import annotations

import errno
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualrules.cli import main
from qualrules.grammar.parser import lark_parser
from qualrules.interpreter.builder import NUMBER_WORDS, build_ruleset
from qualrules.interpreter.checker import walk_rules
from qualrules.interpreter.diagnostics import DiagnosticError
from qualrules.interpreter.formatter import FormatError, comment_texts, format_ruleset, without_positions
from qualrules.interpreter.lint import lint
from qualrules.plugins import RulesetSource, discover
from qualrules.interpreter.wording import rule_text

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = sorted(ROOT.glob("rulesets/*/*.qual"))
WORDS = {value: word for word, value in NUMBER_WORDS.items()}


def rule_texts(ruleset) -> list[str]:
    return [rule_text(rule) for q in ruleset.qualifications for rule in walk_rules(q.rules)]


def assert_format_properties(source: str, *, comments_keep_order: bool) -> str:
    """Check every property of the formatted text against its source; returns the formatted text."""
    original = build_ruleset(source, "example.qual")
    formatted = format_ruleset(source, "example.qual")
    assert format_ruleset(formatted, "example.qual") == formatted
    rebuilt = build_ruleset(formatted, "example.qual")
    assert without_positions(rebuilt) == without_positions(original)
    assert rule_texts(rebuilt) == rule_texts(original)
    assert Counter(comment_texts(rebuilt)) == Counter(comment_texts(original))
    if comments_keep_order:
        assert comment_texts(rebuilt) == comment_texts(original)
    assert all(line == line.rstrip() for line in formatted.splitlines())
    return formatted


# ---- generated rulesets -----------------------------------------------------------------------------
# Messy but valid .qual text: random spacing, tabs, indentation, blank lines, number words, keyword
# variants and letter case, rules joined by commas, nested `either` blocks, and comments on their own lines and after
# statements. Facts come in canonical order or shuffled among the rules (then comments move with them).

# Names are never spelled like a keyword (a unit called `units` cannot always be reworded; see below).
KEYWORDS = {t.pattern.value for t in lark_parser().terminals if t.pattern.type == "str"}
names = st.from_regex(r"[A-Z][A-Z0-9]{0,4}", fullmatch=True).filter(lambda n: n.casefold() not in KEYWORDS)
unit_refs = st.one_of(names, st.integers(1, 999).map(str), st.from_regex(r"[0-9]{4}-[0-9]{3}", fullmatch=True),
                      st.from_regex(r"[A-Z]/[0-9]{3}/[0-9]{4}", fullmatch=True))
spaces = st.sampled_from([" ", "  ", "\t", " \t  "])
indents = st.sampled_from(["", "  ", "    ", "\t", "   "])
title_pieces = st.sampled_from(["Sales", " ", "a", "#", "é", "-", "(CPD)", "\\\\", '\\"', "\\x", "'"])
comment_bodies = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=24)


@st.composite
def strings(draw):
    return '"' + "".join(draw(st.lists(title_pieces, max_size=8))) + '"'


@st.composite
def numbers(draw, low=1, high=40):
    value = draw(st.integers(low, high))
    return WORDS[value] if value in WORDS and draw(st.booleans()) else str(value)


@st.composite
def unit_sets(draw, counted=False):
    """Names joined by `,`, `or` and `and`; in a count (`at least 2 A units or B unit`) each may carry a noun."""
    terms = []
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            term = draw(unit_refs)
        else:
            term = (draw(st.sampled_from(["Group", "group", "GROUP"])) + " "
                    + draw(st.one_of(names, st.integers(1, 9).map(str))))
        terms.append(term + (draw(st.sampled_from(["", " units", " unit", " UNITS"])) if counted else ""))
    text = terms[0]
    for term in terms[1:]:
        text += draw(st.sampled_from([", ", " ,", " or ", " and "])) + term
    return text


@st.composite
def bounds(draw, comparison=False):
    low = draw(st.integers(1, 20))
    high = draw(st.integers(low, 30))
    between = f"between {draw(numbers(low, low))} and {draw(numbers(high, high))}"
    n = draw(numbers())
    if comparison:
        return draw(st.sampled_from([f">= {n}", f"<= {n}", f"= {n}", between]))
    return draw(st.sampled_from([f"at least {n}", f"at most {n}", f"min {n}", f"minimum {n}", f"minimum of {n}",
                                 f"max {n}", f"maximum {n}", f"max of {n}", f"exactly {n}", between]))


@st.composite
def rules(draw):
    measure = draw(st.sampled_from(["credits", "credit", "units", "unit", "glh", "tqt"]))
    scope = f" from {draw(unit_sets())}" if draw(st.booleans()) else ""
    level = f" at level {draw(st.integers(1, 8))} or above" if draw(st.booleans()) else ""
    kind = draw(st.sampled_from(["bound measure", "bound units", "comparison", "all", "choose", "not both",
                                 "within", "age"]))
    if kind == "bound measure":
        return f"{draw(bounds())} {measure}{scope}{level}"
    if kind == "bound units":
        return f"{draw(bounds())} {draw(unit_sets(counted=True))}{level}"
    if kind == "comparison":
        return f"{measure} {draw(bounds(comparison=True))}{scope}{level}"
    if kind == "all":
        return f"all of {draw(unit_sets())}"
    if kind == "choose":
        return f"choose {draw(numbers(1, 5))} of {draw(unit_sets())}"
    if kind == "not both":
        return f"not both {draw(unit_refs)} and Group {draw(names)}"
    if kind == "within":
        return f"complete within {draw(numbers(1, 24))} {draw(st.sampled_from(['years', 'year', 'months', 'month']))}"
    return f"age {draw(numbers(14, 25))} or over"


@st.composite
def rule_lines(draw):
    return draw(st.sampled_from([",", " ,", ", "])).join(draw(st.lists(rules(), min_size=1, max_size=3)))


@st.composite
def items(draw, depth=0):
    """A qualification's rule item: statement lines (without indentation) of a rule line or an `either`."""
    if depth < 2 and draw(st.integers(0, 4)) == 0:
        lines = ["either"]
        for k in range(draw(st.integers(2, 3))):
            if k:
                lines.append("or")
            for item in draw(st.lists(items(depth + 1), min_size=1, max_size=2)):
                lines.extend(item)
        return lines + ["end"]
    return [draw(rule_lines())]


@st.composite
def declared(draw):
    low = draw(st.integers(0, 400))
    return draw(st.sampled_from([str(low), f"{low} to {draw(st.integers(low, 500))}", f"{low} or more"]))


@st.composite
def qualifications(draw):
    header = f"qualification {draw(st.from_regex(r'[0-9]{3}/[0-9]{4}/[0-9X]', fullmatch=True))} {draw(strings())}"
    facts = []
    if draw(st.booleans()):
        facts.append([f"level {draw(st.integers(1, 8))}"])
    for keyword in ("credit value", "guided learning hours", "total qualification time"):
        if draw(st.booleans()):
            facts.append([f"{keyword} {draw(declared())}"])
    if draw(st.booleans()):
        facts.append([f"units from {draw(unit_sets())}"])
    body = facts + draw(st.lists(items(), max_size=4))
    shuffled = draw(st.permutations(body))
    in_order = list(shuffled) == body
    return [header] + [line for item in shuffled for line in item], in_order


@st.composite
def units(draw):
    fields = [f"level {draw(st.integers(1, 8))}", f"credits {draw(st.integers(0, 120))}"]
    if draw(st.booleans()):
        fields.append(f"ofqual {draw(st.from_regex(r'[A-Z]/[0-9]{3}/[0-9]{4}', fullmatch=True))}")
    for name in ("glh", "tqt"):
        if draw(st.booleans()):
            fields.append(f"{name} {draw(st.integers(0, 1200))}")
    line = " ".join([f"unit {draw(unit_refs)} {draw(strings())}", *draw(st.permutations(fields))])
    return [line, *draw(unit_details())]


@st.composite
def unit_details(draw):
    """A unit's detail lines, in the canonical order (so comments keep theirs): sector, simulation, outcomes with
    their criteria, KSB links."""
    lines = []
    if draw(st.booleans()):
        lines.append(f"sector {draw(st.integers(1, 15))}.{draw(st.integers(1, 9))}"
                     + (f" {draw(strings())}" if draw(st.booleans()) else ""))
    if draw(st.booleans()):
        lines.append(draw(st.sampled_from(["simulation permitted", "simulation not permitted"])))
    for number in draw(st.lists(st.integers(1, 12), max_size=3)):
        lines.append(f"outcome {number} {draw(st.sampled_from(['knowledge', 'skills']))} {draw(strings())}")
        lines += [f"{number}.{k} {draw(strings())}" for k in range(1, draw(st.integers(0, 3)) + 1)]
    if draw(st.booleans()):  # one line per standard: two would be refused (QR131)
        lines.append(f"ksbs {', '.join(draw(st.lists(names, min_size=1, max_size=3)))} of {draw(strings())}")
    return lines


@st.composite
def standards(draw):
    lines = [f"standard {draw(strings())}"]
    return lines + [f"ksb {draw(names)} {draw(strings())}" for _ in range(draw(st.integers(0, 3)))]


@st.composite
def messy_rulesets(draw):
    """(source text, whether its comments must come out in the same order)."""
    statements: list[str] = []
    if draw(st.booleans()):
        statements.append(f"awarding body {draw(names)}" + (f" {draw(strings())}" if draw(st.booleans()) else ""))
    statements += [line for standard in draw(st.lists(standards(), max_size=2)) for line in standard]
    statements += [line for unit in draw(st.lists(units(), max_size=3)) for line in unit]
    for _ in range(draw(st.integers(0, 3))):
        group = draw(st.sampled_from(["group", "Group", "GROUP"]))
        name = draw(st.one_of(names, st.integers(1, 9).map(str)))
        statements.append(f"{group} {name}" + (f" {draw(strings())}" if draw(st.booleans()) else ""))
        statements += [line for unit in draw(st.lists(units(), max_size=4)) for line in unit]
    in_order = True
    for _ in range(draw(st.integers(0, 3))):
        lines, ordered = draw(qualifications())
        statements += lines
        in_order &= ordered

    def comment() -> str:
        return "#" + draw(comment_bodies)

    out = []
    for statement in statements:
        for _ in range(draw(st.integers(0, 2))):
            out.append(draw(st.sampled_from(["", draw(indents) + comment()])))
        words = statement.split(" ")
        if words[0] not in ("or", "end") and draw(st.booleans()):  # statement words ignore case
            words[0] = draw(st.sampled_from([str.upper, str.capitalize]))(words[0])
        line = draw(indents) + "".join(w + draw(spaces) for w in words[:-1]) + words[-1]
        if draw(st.booleans()):
            line += draw(spaces) + comment()
        out.append(line + draw(st.sampled_from(["", " ", "\t"])))
    out += [comment() for _ in range(draw(st.integers(0, 2)))]
    return "\n".join(out) + draw(st.sampled_from(["", "\n", "\n\n"])), in_order


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messy_rulesets())
def test_formatting_generated_rulesets_keeps_meaning_and_comments_and_is_idempotent(example):
    source, in_order = example
    assert_format_properties(source, comments_keep_order=in_order)


# ---- bundled rulesets ------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_rulesets_are_in_canonical_form(path):
    text = path.read_text(encoding="utf-8")
    assert assert_format_properties(text, comments_keep_order=True) == text


@st.composite
def respaced(draw, text: str):
    """The text with random spacing and indentation, blank lines added or removed after statements; strings,
    comments and the blank lines between paragraphs of comment kept."""
    columns = {c.line: c.column for c in build_ruleset(text, "bundled.qual").comments}
    out = []
    after_comment = False
    for number, line in enumerate(text.splitlines(), 1):
        cut = columns.get(number, len(line) + 1) - 1
        code, comment = line[:cut].strip(), line[cut:]
        if not code and not comment:
            if after_comment or draw(st.booleans()):
                out.append(draw(indents))
            continue
        after_comment = not code
        pieces = code.split('"')
        for k in range(0, len(pieces), 2):  # outside the quoted titles
            pieces[k] = re.sub(" +", lambda _: draw(spaces), pieces[k])
        gap = draw(spaces) if code and comment else ""
        out.append(draw(indents) + '"'.join(pieces) + gap + comment)
        if code and draw(st.integers(0, 5)) == 0:
            out.append("")
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
@given(data=st.data())
def test_respaced_bundled_rulesets_format_back_to_the_bundled_text(path, data):
    canonical = path.read_text(encoding="utf-8")
    source = data.draw(respaced(canonical))
    assert assert_format_properties(source, comments_keep_order=True) == canonical


# ---- layout and comment placement --------------------------------------------------------------------

MESSY = """\
# Demonstration ruleset: written in a hurry
awarding   body DEMO    "Demonstration Awarding Body"   # the body's full name

unit X1 "Extra" credits 1 level 2
GROUP 1 "Mandatory units"
unit M1 "Mandatory One"   level 2 credits 2 glh 7 tqt 20 ofqual L/650/7899
unit M22 "Mandatory \\"Two\\""  credits 12 level 3   # quoted title
  # before a unit
unit M3 "Three" level 2 credits 2 tqt 120
group   2
unit O1 "Optional One" level 2 credits 1 glh 10
qualification 900/0000/1    "Demonstration Certificate"
units from Group 1,group 2 or X1   # the pool
        min  13 credits , at least two Group 1 units  # two rules, one line
  credit value 13 to 36
     # why the level
  level 3
  either   # the two routes
     all of M1 and M22
  # before or
  or
       credits >= 4 from group 2
       either
         not both M1 and O1
       or
         age 18 or over
       end
  end
  complete within one year
# the end of the file

# and one more
"""


def test_messy_ruleset_formats_as_the_snapshot(snapshot):
    formatted = assert_format_properties(MESSY, comments_keep_order=False)
    assert formatted == snapshot


def test_a_comment_before_a_fact_moves_with_it_when_facts_are_reordered():
    source = ('qualification 900/0000/1 "Q"\n'
              "  units from A  # the pool\n"
              "  # the level comes first in the canonical order\n"
              "  level 3\n")
    assert format_ruleset(source, "q.qual") == (
        'qualification 900/0000/1 "Q"\n'
        "  # the level comes first in the canonical order\n"
        "  level 3\n"
        "  units from A  # the pool\n"
    )


def test_a_comment_after_rules_joined_by_commas_follows_the_last_of_them():
    source = 'qualification 900/0000/1 "Q"\n  units from A\n  at least 1 unit, all of A  # both\n'
    assert format_ruleset(source, "q.qual").splitlines()[-2:] == ["  at least 1 unit", "  all of A  # both"]


ALLOWED_ON_A_LINE_OF_RULES = """\
group M
unit 201 "Food safety" level 2 credits 2
unit 202 "Health and safety" level 2 credits 2
group A
unit 205 "Stocks" level 2 credits 8
unit 206 "Veg" level 2 credits 8
qualification 600/1234/1 "Diploma"
  units from M, A
  all of M
  # lint: allow QR404 because the specification states both
  at least 12 credits, at most 36 credits
  at least 1 unit from A, at most 16 credits from A  # lint: allow QR404 because the specification states both
"""


def test_rules_on_a_line_with_an_allowance_stay_on_it_so_lint_reports_the_same():
    # An allowance applies to one line: split, its rules' warnings would come back on the other lines.
    formatted = format_ruleset(ALLOWED_ON_A_LINE_OF_RULES, "q.qual")
    assert "\n  at least 12 credits, at most 36 credits\n" in formatted
    assert "\n  at least 1 A unit, at most 16 credits from A  # lint: allow QR404" in formatted
    assert format_ruleset(formatted, "q.qual") == formatted

    def reported(text):
        return sorted((d.code, d.severity.value, re.sub(r"line \d+", "line N", d.message))
                      for d in lint([RulesetSource("q.qual", text)], discover()))
    assert reported(formatted) == reported(ALLOWED_ON_A_LINE_OF_RULES)
    assert [(code, severity) for code, severity, _ in reported(formatted)] == [
        ("QR400", "note"), ("QR404", "note"), ("QR404", "note"), ("QR404", "note")]


def test_blank_lines_between_comments_before_a_statement_become_one():
    source = ("# Header, paragraph one.\n\n\n# Paragraph two.\n# still two\n"
              'qualification 900/0000/1 "Q"\n  units from A\n  # on the rule\n\n  # more on it\n\n'
              "  at least 1 unit\n")
    assert format_ruleset(source, "q.qual") == (
        "# Header, paragraph one.\n\n# Paragraph two.\n# still two\n"
        'qualification 900/0000/1 "Q"\n  units from A\n  # on the rule\n\n  # more on it\n'
        "  at least 1 unit\n"
    )


def test_unit_rows_align_their_fields_and_trailing_comments():
    source = ('unit A "Short" credits 2 level 1  # one\n'
              'unit BBBB "A longer title" level 1 credits 12 glh 5\n'
              'unit C "Mid" level 10 credits 2 ofqual K/650/7905 #two\n')
    assert format_ruleset(source, "u.qual") == (
        'unit A     "Short"                              level  1         credits  2  # one\n'
        'unit BBBB  "A longer title"                     level  1  glh 5  credits 12\n'
        'unit C     "Mid"             ofqual K/650/7905  level 10         credits  2  #two\n'
    )


def test_statement_words_in_any_case_come_out_in_lower_case():
    source = ('UNIT A "a" LEVEL 1 Credits 2\nQualification 900/0000/1 "Q"\n  Units From A\n  Level 2\n'
              '  CREDITS >= 1\n  At Least one Unit\n')
    assert format_ruleset(source, "q.qual") == (
        'unit A  "a"  level 1  credits 2\n\nqualification 900/0000/1 "Q"\n'
        "  level 2\n  units from A\n  at least 1 credit\n  at least 1 unit\n"
    )


def test_a_file_of_comments_only_keeps_them():
    assert format_ruleset("\n  # one\n\n# two  \n", "c.qual") == "# one\n\n# two\n"
    assert format_ruleset("", "empty.qual") == ""


def test_a_file_with_syntax_errors_is_not_formatted():
    with pytest.raises(DiagnosticError) as error:
        format_ruleset('unit A "a" level 1 credits 2\nunit B b level 1 credits 2\n', "bad.qual")
    assert [d.code for d in error.value.diagnostics] == ["QR001"]


KEYWORD_NAMED_UNIT = """\
unit units "A unit named like a keyword" level 1 credits 2
qualification 900/0000/1 "Q"
  units from units
  at least 1 units from units
"""


def test_a_layout_that_would_read_differently_is_refused():
    # `at least 1 units from units` rewords to `at least 1 units units`, which parses differently.
    with pytest.raises(FormatError, match="would not parse back"):
        format_ruleset(KEYWORD_NAMED_UNIT, "k.qual")


# ---- qualrules fmt -----------------------------------------------------------------------------------

UNFORMATTED = 'unit A "a"   level 1 credits 2 # note\nqualification 900/0000/1 "Q"\n units from A\n'
FORMATTED = 'unit A  "a"  level 1  credits 2  # note\n\nqualification 900/0000/1 "Q"\n  units from A\n'


def run(*args: str):
    return CliRunner().invoke(main, ["fmt", *args])


def test_fmt_rewrites_files_in_place_keeping_their_mode(tmp_path):
    messy, tidy = tmp_path / "messy.qual", tmp_path / "tidy.qual"
    messy.write_text(UNFORMATTED, encoding="utf-8")
    tidy.write_text(FORMATTED, encoding="utf-8")
    messy.chmod(0o640)
    result = run(str(messy), str(tidy))
    assert result.exit_code == 0
    assert result.stderr == f"reformatted {messy}\n"
    assert messy.read_text(encoding="utf-8") == FORMATTED
    assert tidy.read_text(encoding="utf-8") == FORMATTED
    assert messy.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["messy.qual", "tidy.qual"]


def test_fmt_follows_a_symbolic_link_rather_than_replacing_it(tmp_path):
    target = tmp_path / "real.qual"
    target.write_text(UNFORMATTED, encoding="utf-8")
    link = tmp_path / "link.qual"
    link.symlink_to(target)
    assert run(str(link)).exit_code == 0
    assert link.is_symlink()
    assert target.read_text(encoding="utf-8") == FORMATTED


def test_fmt_check_lists_files_that_would_change_and_writes_nothing(tmp_path):
    messy, tidy = tmp_path / "messy.qual", tmp_path / "tidy.qual"
    messy.write_text(UNFORMATTED, encoding="utf-8")
    tidy.write_text(FORMATTED, encoding="utf-8")
    result = run("--check", str(messy), str(tidy))
    assert (result.exit_code, result.stdout) == (1, f"would reformat {messy}\n")
    assert messy.read_text(encoding="utf-8") == UNFORMATTED
    assert run("--check", str(tidy)).exit_code == 0


def test_fmt_diff_prints_a_unified_diff_and_writes_nothing(tmp_path, snapshot):
    messy = tmp_path / "messy.qual"
    messy.write_text(UNFORMATTED.rstrip("\n"), encoding="utf-8")
    result = run("--diff", str(messy))
    assert result.exit_code == 1
    assert messy.read_text(encoding="utf-8") == UNFORMATTED.rstrip("\n")
    assert result.stdout.replace(str(messy), "messy.qual") == snapshot


def test_fmt_reports_a_file_with_errors_leaves_it_untouched_and_goes_on(tmp_path):
    broken, messy = tmp_path / "broken.qual", tmp_path / "messy.qual"
    broken.write_text('unit A a level 1 credits 2\n', encoding="utf-8")
    messy.write_text(UNFORMATTED, encoding="utf-8")
    result = run(str(broken), str(messy))
    assert result.exit_code == 2
    assert f"{broken}:1:8: error[QR001]" in result.stderr
    assert "   1 | unit A a level 1 credits 2" in result.stderr
    assert broken.read_text(encoding="utf-8") == 'unit A a level 1 credits 2\n'
    assert messy.read_text(encoding="utf-8") == FORMATTED


def test_fmt_refuses_a_layout_that_would_read_differently(tmp_path):
    path = tmp_path / "k.qual"
    path.write_text(KEYWORD_NAMED_UNIT, encoding="utf-8")
    result = run(str(path))
    assert result.exit_code == 2
    assert "would not parse back" in result.stderr
    assert path.read_text(encoding="utf-8") == KEYWORD_NAMED_UNIT


def test_fmt_reports_an_unreadable_file(tmp_path):
    result = run(str(tmp_path / "missing.qual"))
    assert result.exit_code == 2
    assert "error[QR005]: cannot read ruleset" in result.stderr


def test_fmt_check_passes_on_the_bundled_rulesets():
    result = run("--check", *map(str, BUNDLED))
    assert (result.exit_code, result.stdout) == (0, "")


def test_fmt_reports_a_file_it_cannot_write_and_leaves_it_whole(tmp_path, monkeypatch):
    path = tmp_path / "messy.qual"
    path.write_text(UNFORMATTED, encoding="utf-8")

    def disk_full(source, target):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    result = run(str(path))
    assert result.exit_code == 2
    assert result.stderr == f"{path}: error[QR606]: cannot write the file: No space left on device\n"
    assert path.read_text(encoding="utf-8") == UNFORMATTED
    assert [p.name for p in tmp_path.iterdir()] == ["messy.qual"]


def test_specification_sentences_come_out_in_the_canonical_wording():
    source = ('group 1\nunit A "a" level 5 credits 6\nqualification 900/0000/1 "Q"\n  units from Group 1\n'
              '  Learners must achieve a minimum of 6 credits.  # "Learners must achieve a minimum of 6 credits."\n'
              '  A Maximum of 6 credits must come from Group 1, at least 1 unit must be at Level 5 or higher\n')
    assert format_ruleset(source, "q.qual") == (
        'group 1\nunit A  "a"  level 5  credits 6\n\nqualification 900/0000/1 "Q"\n  units from Group 1\n'
        '  at least 6 credits  # "Learners must achieve a minimum of 6 credits."\n'
        "  at most 6 credits from Group 1\n  at least 1 unit at level 5 or above\n"
    )


def test_fmt_keeps_a_file_s_crlf_line_endings(tmp_path, monkeypatch):
    # A ruleset saved on Windows stays CRLF: a whole-file diff in version control would hide the change.
    monkeypatch.chdir(tmp_path)
    Path("crlf.qual").write_bytes(b'unit A1 "Alpha" level 3 credits 6\r\nqualification 600/5929/1 "C"\r\n'
                                  b'  units from A1\r\n  all of A1\r\n')
    assert CliRunner().invoke(main, ["fmt", "crlf.qual"]).exit_code == 0
    data = Path("crlf.qual").read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n") == 5  # a blank line now between the unit and the qualification
    assert CliRunner().invoke(main, ["fmt", "--check", "crlf.qual"]).exit_code == 0
