"""Fuzzing: hostile, mutated and generated inputs through every layer that reads or writes text.

Each harness below takes one input and checks what must hold for any input whatsoever:

- nothing raises but the project's coded kind, `DiagnosticError`;
- every learner in a records file is accounted for exactly once: readable or unreadable, never both, never
  missing, and the streamed `check` path names the same learners with the same verdicts as the whole-file one;
- what is written parses: JSON output as JSON, the HTML report with no markup but its own, `fmt` output
  back to the same ruleset (and `fmt` of it changes nothing);
- the command line exits 0, 1 or 2 and never prints a traceback; exit 3 (the internal error of the command
  line's guard) is a bug found, so it fails too.

Inputs are drawn through `Choices`, so the same mutators and generators serve these bounded, derandomized
tests and `benchmarks/fuzz.py`, which runs them for millions of cases. A bug found has its own small regression
test below.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import io
import json
import re
import tempfile
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Protocol, Sequence

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_exactness import rulesets

from qualrules import cli
from qualrules.cli import main
from qualrules.grammar.parser import lark_parser
from qualrules.interpreter import cohort
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.diagnostics import DiagnosticError, render
from qualrules.interpreter.engine import journeys, planner
from qualrules.interpreter.engine.compiler import compile_ruleset
from qualrules.interpreter.engine.evaluator import evaluate_many
from qualrules.interpreter.formatter import comment_texts, format_ruleset, without_positions
from qualrules.interpreter.library import Library, LoadedRuleset
from qualrules.interpreter.lint import lint
from qualrules.interpreter.presentation.check_table import CheckRow, CheckTable
from qualrules.interpreter.presentation.journeys_text import eligibility_text, explanation_text, plan_text
from qualrules.interpreter.presentation.report import (Detail, cohort_reports, html_report, summary_text,
                                                      with_criteria_progress)
from qualrules.interpreter.presentation.specification import specification
from qualrules.interpreter.records.learner import Attempt, Learner
from qualrules.interpreter.records.readers import CELL_LIMIT, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, Records, read_records
from qualrules.interpreter.records.text import TITLE_ROWS
from qualrules.plugins import GenericAwardingBody, RulesetSource, discover

REPOSITORY = Path(__file__).resolve().parent.parent
BUNDLED_RULESETS = tuple(sorted((REPOSITORY / "rulesets").glob("**/*.qual")))
ISP_CERTIFICATE, ILM_CERTIFICATE = "610/3788/6", "600/5929/1"
CHECKED = (ISP_CERTIFICATE, ILM_CERTIFICATE)
# Exit statuses the CLI documents: verdicts (0, 1) and bad usage or input (2).
DOCUMENTED_EXITS = {0, 1, 2}
INTERNAL_ERROR_EXIT = 3


# ---- choices: hypothesis draws here, a seeded random generator in benchmarks/fuzz.py ----------------

class Choices(Protocol):
    def integer(self, low: int, high: int) -> int: ...

    def pick(self, options: Sequence): ...


class DrawnChoices:
    """Choices drawn from hypothesis, so a failing input shrinks to a small one."""

    def __init__(self, data: st.DataObject):
        self.data = data

    def integer(self, low: int, high: int) -> int:
        return self.data.draw(st.integers(low, high))

    def pick(self, options: Sequence):
        return self.data.draw(st.sampled_from(options))


def chance(choices: Choices, one_in: int) -> bool:
    return choices.integer(1, one_in) == 1


# ---- hostile values ------------------------------------------------------------------------------

# `<qrx>` and the `qrx` attribute mark markup that got through unescaped; the rest try every way text has of
# escaping its place: quotes, comment and script ends, control characters, terminal escapes, bidi
# overrides, byte-order marks, characters that change length when case-folded or normalised.
HOSTILE_STRINGS = (
    "<qrx>", '"><qrx x="', "'><qrx x='", "</script><qrx>", "<!--<qrx>", "]]><qrx>", "&amp;<qrx>&#60;",
    '" onmouseover="qrx', "\\", '\\"', "#", "# not a comment", ",", '","', ";", "\t", "\r", "\n", "\r\n",
    "\x00", "\x07", "\x7f", "\x85", "\u2028", "\u2029", "\ufeff", "\u202e", "\u200b", "ß", "ǅ", "İ", "ﬁ",
    "Ω", "é", "é", "😀", "\U0010ffff", "1e309", "NaN", "-0", "0x10", "١٢", "２０２４", "null", "true",
    "{", "}", "[", "]", ":", "%s%n", "{0}", "${x}", " ", "", "x" * 2000,
)
# Escapes a terminal acts on, and lone surrogates, which no UTF-8 output can hold: ids carry them.
TERMINAL_ESCAPES = ("\x1b[31m", "\x1b]0;qrx\x07", "\x9b2J")
LONE_SURROGATES = ("\ud800", "\udfff")


def hostile_text(choices: Choices, extra: Sequence[str] = ()) -> str:
    """One to three hostile pieces, sometimes around a plain word."""
    pool = HOSTILE_STRINGS + tuple(extra)
    pieces = [choices.pick(pool) for _ in range(choices.integer(1, 3))]
    if chance(choices, 2):
        pieces.insert(choices.integer(0, len(pieces)), "A1")
    return "".join(pieces)


# ---- mutations of text ---------------------------------------------------------------------------

@functools.cache
def keywords() -> tuple[str, ...]:
    """Every literal word and symbol of the grammar."""
    return tuple(sorted({t.pattern.value for t in lark_parser().terminals if t.pattern.type == "str"}))


# Numbers near every limit the builder and the solver have (`int()` refuses 4,301 digits), and some that
# are not ASCII numbers at all.
NUMBERS = ("0", "1", "-1", "00", "007", "12", "99999", "100000", "100001", "2147483648", "9223372036854775808",
           "9" * 40, "9" * 4300, "9" * 5000, "1.5", "1e3", "²", "١", "１")

RULE_LINES = ("all of A1", "at least 3 credits", "at most 2 units from Group 1", "choose 1 of A1, B1",
              "not both A1 and B1", "complete within 3 years", "age 18 or over", "credits >= 13",
              "units from Group 1", "either", "or", "end", 'qualification 600/5929/1 "Q"', 'group 9 "G"',
              'unit Z9 "Z" level 2 credits 1', "awarding body ILM")

# Deep enough for the recursion limit of every recursive stage (crashes were once met at 200 and 300).
MAX_NESTING = 400


def nested_either(depth: int, rule: str = "all of A1", other: str = "at least 1 credits") -> str:
    return "either\n" * depth + rule + "\n" + f"or\n{other}\nend\n" * depth


def _token_spans(text: str) -> list[tuple[int, int]]:
    return [match.span() for match in re.finditer(r'"(?:[^"\\\n]|\\.)*"|[^\s,"#]+|[,"#]', text)]


def mutate_text(text: str, choices: Choices, *, extra_pieces: Sequence[str] = ()) -> str:
    """One to four mutations of lines, tokens or characters: delete, duplicate, swap, or insert keywords,
    numbers, quotes, hostile strings and deep nesting."""
    for _ in range(choices.integer(1, 4)):
        level = choices.pick(("line", "token", "character"))
        if level == "line":
            text = _mutate_lines(text, choices)
        elif level == "token":
            text = _mutate_tokens(text, choices, extra_pieces)
        else:
            text = _mutate_characters(text, choices)
    return text


def _mutate_lines(text: str, choices: Choices) -> str:
    lines = text.split("\n")
    at = choices.integer(0, len(lines) - 1)
    operation = choices.pick(("delete", "duplicate", "swap", "insert", "nest", "truncate"))
    if operation == "delete":
        del lines[at]
    elif operation == "duplicate":
        lines.insert(at, lines[at])
    elif operation == "swap":
        other = choices.integer(0, len(lines) - 1)
        lines[at], lines[other] = lines[other], lines[at]
    elif operation == "insert":
        lines.insert(at, choices.pick(RULE_LINES))
    elif operation == "nest":
        lines.insert(at, nested_either(choices.integer(1, MAX_NESTING)).rstrip("\n"))
    else:
        del lines[at:]
    return "\n".join(lines)


def _mutate_tokens(text: str, choices: Choices, extra_pieces: Sequence[str]) -> str:
    spans = _token_spans(text)
    if not spans:
        return text + choices.pick(keywords())
    start, end = spans[choices.integer(0, len(spans) - 1)]
    token = text[start:end]
    operation = choices.pick(("delete", "duplicate", "swap", "keyword", "number", "quote", "hostile"))
    if operation == "delete":
        replacement = ""
    elif operation == "duplicate":
        replacement = f"{token} {token}"
    elif operation == "swap":
        other_start, other_end = spans[choices.integer(0, len(spans) - 1)]
        if other_start == start:
            return text
        first, second = sorted([(start, end), (other_start, other_end)])
        return (text[:first[0]] + text[second[0]:second[1]] + text[first[1]:second[0]]
                + text[first[0]:first[1]] + text[second[1]:])
    elif operation == "keyword":
        replacement = choices.pick(keywords())
    elif operation == "number":
        replacement = choices.pick(NUMBERS)
    elif operation == "quote":
        replacement = choices.pick(('"', f'"{token}', f'{token}"', f'"{token}"', '""', '"\\"'))
    else:
        replacement = choices.pick(HOSTILE_STRINGS + tuple(extra_pieces))
    return text[:start] + replacement + text[end:]


def _mutate_characters(text: str, choices: Choices) -> str:
    at = choices.integer(0, len(text))
    operation = choices.pick(("delete", "insert", "case"))
    if operation == "delete":
        return text[:at] + text[at + choices.integer(1, 8):]
    if operation == "insert":
        return text[:at] + choices.pick(('"', "\n", "\r", "\t", "#", ",", "\\", "\x00", "\ufeff", "é", "{", "[",
                                         "0", "9", " ", "\x1b")) + text[at:]
    return text[:at] + text[at:at + 6].swapcase() + text[at + 6:]


# ---- harness: rulesets ---------------------------------------------------------------------------

@functools.cache
def installed_bodies():
    return discover()


def exercise_ruleset(text: str, name: str = "fuzz.qual", *, lint_it: bool = True) -> None:
    """Build, check, lint, format, compile and describe one ruleset text."""
    try:
        ruleset = build_ruleset(text, name)
    except DiagnosticError as error:
        for diagnostic in error.diagnostics:
            render(diagnostic, text)
        return
    if lint_it:
        found = lint([RulesetSource(name, text)], installed_bodies())
        json.loads(json.dumps([d.to_json() for d in found]))
        for diagnostic in found:
            render(diagnostic, text)
    check_formatting(text, name, ruleset)
    try:
        compiled = compile_ruleset(ruleset)
    except DiagnosticError:
        return
    loaded = LoadedRuleset(name, text, ruleset, GenericAwardingBody(), compiled)
    for qualification in compiled:
        described = specification(loaded, qualification)
        described.text()
        json.loads(json.dumps(described.to_json()))


def check_formatting(text: str, name: str, ruleset) -> None:
    """`fmt` refuses with a coded error, or writes a text that builds to the same ruleset, with the same
    comments, and that `fmt` leaves as it is."""
    try:
        formatted = format_ruleset(text, name)
    except DiagnosticError:
        return
    again = build_ruleset(formatted, name)
    assert without_positions(again) == without_positions(ruleset), formatted
    assert Counter(comment_texts(again)) == Counter(comment_texts(ruleset)), formatted
    assert format_ruleset(formatted, name) == formatted, formatted


# ---- harness: records ----------------------------------------------------------------------------

@functools.cache
def library() -> Library:
    return Library.load()


@functools.cache
def known_units() -> tuple[str, ...]:
    refs = sorted(library().unit_refs().values())
    return tuple(refs)


class _Repeated(dict):
    """An object whose text gives some keys twice (`repeated`)."""

    repeated: set[str]


def _objects(pairs):
    keys = [key for key, _ in pairs]
    if len(keys) == len(set(keys)):
        return dict(pairs)
    repeated = _Repeated(pairs)
    repeated.repeated = {key for key in keys if keys.count(key) > 1}
    return repeated


def _repeats(value, key: str) -> bool:
    return isinstance(value, _Repeated) and key in value.repeated


def expected_json_learners(text: str):
    """The learner ids a JSON records text names, as docs/records.md defines them: None when the file must be
    refused as a whole (not JSON, no "learners" list, or "learners" twice), UNKNOWN when a learner gives
    "id" twice (which id is meant cannot be told, so only the accounting invariants hold)."""
    try:
        document = json.loads(text.removeprefix("\ufeff"), object_pairs_hook=_objects, parse_int=str,
                              parse_float=str)
    except RecursionError:
        return UNKNOWN  # nested beyond Python's parser: the reader may refuse it or read it, never crash
    except ValueError:
        return None
    if not isinstance(document, dict) or not isinstance(document.get("learners"), list) \
            or _repeats(document, "learners"):
        return None
    ids = set()
    for entry in document["learners"]:
        if _repeats(entry, "id"):
            return UNKNOWN
        identifier = entry.get("id") if isinstance(entry, dict) else None
        # Numbers arrive as they are written (`parse_int`, `parse_float`), as the reader reads them (an id
        # `1.5` is the learner "1.5"); ids over CELL_LIMIT belong to no learner.
        if isinstance(identifier, str) and identifier.strip() and len(identifier) <= CELL_LIMIT:
            ids.add(identifier.strip())
    return ids


def _header_names(cells: Sequence[str]) -> list[str]:
    return ["_".join(cell.split()).casefold() for cell in cells]


def csv_delimiter(text: str) -> str | None:
    """The delimiter docs/records.md says a CSV text has: the one of comma, semicolon and tab its header line
    holds outside quotes (comma when none), the header line being the first that is not blank, or below
    TITLE_ROWS lines of a title at most, the first that one of them splits into three cells or more (or a
    `sep=` line); None when it holds more than one, so the whole file must be refused."""
    def splits(line: str) -> bool:
        return any(sum(1 for cell in next(csv.reader([line], delimiter=d)) if cell.strip()) >= 3
                   for d in ",;\t" if d in line)

    lines = [line for line in io.StringIO(text.removeprefix("\ufeff"), newline="") if line.strip()]
    line = next((line for line in lines[:TITLE_ROWS + 1] if splits(line)
                 or re.fullmatch(r'"?sep=(.)"?', line.rstrip("\r\n"), re.I | re.S)), lines[0] if lines else "")
    outside = line.split('"')[::2]
    found = {delimiter for delimiter in ",;\t" if any(delimiter in piece for piece in outside)}
    return None if len(found) > 1 else next(iter(found), ",")


def csv_table(text: str, delimiter: str):
    """The CSV rows as Python's csv module reads them, or UNKNOWN where a strict reader refuses the quoting:
    an unclosed quote runs to the end of the file and its rows are reported (QR512), which no oracle here
    models, so only the accounting invariants hold."""

    try:
        return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True,
                               delimiter=delimiter))
    except csv.Error:
        return UNKNOWN


def expected_table_learners(rows: Sequence[Sequence], delimiter: str | None = None) -> set[str] | None:
    """The learner ids of a table's rows, as docs/records.md defines them (None: the header lacks a required
    column, so the whole file must be refused); a CSV table's with its `delimiter`."""
    def cell(value) -> str:
        return "" if value is None else str(value).strip()

    # The header is the first row of more than one cell, below up to TITLE_ROWS rows of one (a title);
    # without one there, the first row that is not blank.
    filled = [k for k, row in enumerate(rows) if any(cell(c) for c in row)]
    wide = [k for k in filled[:TITLE_ROWS + 1] if sum(1 for c in rows[k] if cell(c)) > 1]
    start = wide[0] if wide else filled[0] if filled else len(rows)
    header = rows[start] if start < len(rows) else []
    rows = iter(rows[start + 1:])
    names = _header_names([cell(c) for c in header])
    read = [name for name in names if name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if any(column not in names for column in REQUIRED_COLUMNS) or len(read) != len(set(read)):
        return None
    column, unit = names.index("learner"), names.index("unit")

    def header_again(row: Sequence) -> bool:  # a file joined from exports, each with its header
        return all(k < len(row) and _header_names([cell(row[k])]) == [names[k]] for k in (column, unit))

    rows = [row for row in rows if any(cell(c) for c in row) and not header_again(row)]
    ids = [row[column] if column < len(row) else None for row in rows]
    # A line inside a quoted cell that names a learner and a known unit is a row a stray quote swallowed:
    # its learner is reported (QR512).
    known = {ref.casefold() for ref in known_units()}
    for row in rows if delimiter is not None else ():
        for value in row:
            for line in re.split(r"\r\n|\r|\n", str(value))[1:]:
                cells = next(csv.reader([line], delimiter=delimiter), [])
                if max(column, unit) < len(cells) and cell(cells[unit]).casefold() in known:
                    ids.append(cells[column])
    # A learner id over CELL_LIMIT characters belongs to no learner: its row is a problem (QR511).
    return {cell(i) for i in ids if cell(i) and len(str(i)) <= CELL_LIMIT}


def expected_csv_learners(text: str):
    delimiter = csv_delimiter(text)
    if delimiter is None:
        return None
    table = csv_table(text, delimiter)
    return table if table is UNKNOWN else expected_table_learners(table, delimiter)


# For a mutated workbook there is no oracle: it must only be read or refused with a code.
UNKNOWN = object()


def check_accounting(records: Records, expected) -> None:
    """Every learner once: in the order once, and either readable or unreadable; with an oracle, exactly
    the learners it names."""
    order = list(records.order)
    readable = [learner.id for learner in records.learners]
    assert len(order) == len(set(order)), f"a learner is named twice in the order: {order}"
    assert len(readable) == len(set(readable)), f"a learner is read twice: {readable}"
    assert not set(readable) & set(records.unreadable), "a learner is both readable and unreadable"
    assert set(readable) | set(records.unreadable) == set(order), "a learner is in the order but nowhere else"
    if expected is not UNKNOWN:
        assert set(order) == expected, (f"learners lost: {sorted(expected - set(order))}; "
                                        f"learners invented: {sorted(set(order) - expected)}")


def exercise_records(path: Path, expected) -> None:
    """Read a records file, then run the streamed `check` path and every renderer of learners over it. The
    file is refused as a whole exactly when the oracle says it is not a records file (`expected` None)."""
    try:
        records = read_records(path, library().vocabulary())
    except DiagnosticError as error:
        assert expected is None or expected is UNKNOWN, f"refused a readable file: {error}"
        return
    assert expected is not None, "read a file that is not a records file"
    check_accounting(records, expected)
    check_streamed(path, records)
    render_learners(records)


def exercise_csv_text(text: str, generated_learners: set[str] | None = None, encoding: str = "utf-8") -> None:
    """The same checks of a CSV text saved in `encoding` (one every text can be saved in)."""
    expected = expected_csv_learners(text)
    if generated_learners is not None:
        assert expected == generated_learners, "the oracle disagrees with the generator"
    if "\x00" in text and not encoding.startswith("utf-16"):
        # A NUL byte is no character of a records file in UTF-8 (UTF-16 without a byte-order mark has one in
        # every other): the file is refused.
        expected = None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "records.csv")
        path.write_text(text, encoding=encoding, newline="")
        exercise_records(path, expected)


def exercise_json_text(text: str, generated_learners: set[str] | None = None) -> None:
    expected = expected_json_learners(text)
    if generated_learners is not None:
        assert expected == generated_learners, "the oracle disagrees with the generator"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "records.json")
        path.write_text(text, encoding="utf-8", newline="")
        exercise_records(path, expected)


def exercise_xlsx_table(table: Sequence[Sequence]) -> None:
    import openpyxl

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "records.xlsx")
        write_xlsx(path, table)
        # The oracle is the workbook as openpyxl reads it back: the cells as they were stored.
        stored = list(openpyxl.load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True))
        exercise_records(path, expected_table_learners(stored))


def exercise_xlsx_bytes(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "records.xlsx")
        path.write_bytes(content)
        exercise_records(path, UNKNOWN)


def write_xlsx(path: Path, table: Sequence[Sequence]) -> None:
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in table:
        # openpyxl refuses control characters a workbook cannot hold, so they are left out of its cells.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in row])
    workbook.save(path)


def check_streamed(path: Path, records: Records) -> None:
    """`check`'s blocks (streamed and columnar for a grouped CSV file), of the usual size and of two learners
    (so that blocks are cut), give every learner of the whole-file read once per qualification, with the same
    verdict text."""
    targets = [library().qualification(qan) for qan in CHECKED]
    vocabulary = library().vocabulary()
    whole = json.loads(json.dumps([row.to_json() for row in cohort.check_rows(records, targets)]))
    for per_block in (cohort.LEARNERS_PER_BLOCK, 2):
        with contextlib.ExitStack() as patches:
            patches.callback(setattr, cohort, "LEARNERS_PER_BLOCK", cohort.LEARNERS_PER_BLOCK)
            cohort.LEARNERS_PER_BLOCK = per_block
            opened = cohort.open_cohort(path, vocabulary)
            settings = cohort.CheckSettings(CHECKED, "json")
            blocks = list(cohort.check_blocks(opened, settings, library(), vocabulary, 1))
        streamed = json.loads("".join(cohort.json_array(block.json for block in blocks)))
        assert [row["learner"] for row in streamed] == [row["learner"] for row in whole]
        assert streamed == whole
        assert opened.learners == len(records.order)


def render_learners(records: Records) -> None:
    """The table, the explanation and plan of the first readable learner, `eligible` and the report (whole
    and compact) for a small cohort, each checked to be well-formed."""
    qualification, body = library().qualification(ISP_CERTIFICATE)
    rows = cohort.check_rows(records, [(qualification, body)])
    table = CheckTable(rows)
    "\n".join([table.header(), *table.lines(rows), table.summary()])
    for learner in records.learners[:1]:
        explanation_text(journeys.explain(qualification, learner, body.counts_as_achieved))
        plan_text(qualification, planner.plan(qualification, learner, body.counts_as_achieved))
        eligibility_text([(learner.id, journeys.eligibility(
            [(qualification, body.name, body.counts_as_achieved)], learner))])
    for detail in (Detail(), Detail(whole_cohort=1, nearest=2)):
        entries = cohort_reports(qualification, records, body.counts_as_achieved, detail)
        summary_text(entries, detail)
        check_html(html_report(qualification, entries, awarding_body="<qrx>", records="<qrx>.csv",
                               problems=records.problems, detail=detail))


# ---- harness: HTML -------------------------------------------------------------------------------

VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                 "wbr"}


class StrictPage(HTMLParser):
    """Parses a page and fails on markup that is not the report's own: a `qrx` tag or attribute (from the
    hostile strings), an event handler, an end tag that closes nothing, or an element left open."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        assert "qrx" not in tag, f"hostile markup got through: <{tag}>"
        for name, value in attrs:
            assert "qrx" not in name and not name.startswith("on"), f"hostile attribute on <{tag}>: {name}"
        if tag not in VOID_ELEMENTS:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS:
            self.open.pop()

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:] or 'nothing'}"
        self.open.pop()

    def unknown_decl(self, data):
        raise AssertionError(f"unknown declaration: {data[:80]!r}")


def check_html(page: str) -> None:
    parser = StrictPage()
    parser.feed(page)
    parser.close()
    assert parser.open == [], f"elements left open: {parser.open}"
    assert page.startswith("<!DOCTYPE html>"), page[:80]


def hostile_report_case(choices: Choices, ruleset_text: str) -> tuple[str, list[str], str, str]:
    """A ruleset with every title hostile, hostile learner ids, awarding body label and file name."""
    def title(match: re.Match) -> str:
        hostile = hostile_text(choices).replace("\n", " ").replace("\\", "\\\\").replace('"', '\\"')
        return f'"{hostile}"'

    text = re.sub(r'"[^"\n]*"', title, ruleset_text)
    ids = [hostile_text(choices, TERMINAL_ESCAPES + LONE_SURROGATES) + str(k) for k in range(choices.integer(1, 4))]
    return text, ids, hostile_text(choices), hostile_text(choices)


def exercise_hostile_report(ruleset_text: str, ids: Sequence[str], body_label: str, records_name: str) -> None:
    """The report (whole and compact), the table and an explanation for learners with hostile ids, each
    holding the first units of a ruleset with hostile titles."""
    try:
        ruleset = build_ruleset(ruleset_text, "hostile.qual")
        qualifications = compile_ruleset(ruleset)
    except DiagnosticError:
        return  # a title that reads as a comment or a line break: the parser's tests cover those
    learners = tuple(Learner(identifier, dt.date(1990, 1, 1), dt.date(2024, 1, 15),
                             tuple(Attempt(u.ref, "pass", dt.date(2024, 5, 1)) for u in ruleset.units[:k + 1]))
                     for k, identifier in enumerate(ids))
    records = Records(tuple(ids), learners, {}, ())
    counts = GenericAwardingBody().counts_as_achieved
    for qualification in qualifications:
        for detail in (Detail(), Detail(whole_cohort=1, nearest=2)):
            entries = cohort_reports(qualification, records, counts, detail)
            summary_text(entries, detail)
            check_html(html_report(qualification, entries, awarding_body=body_label, records=records_name,
                                   detail=detail))
        rows = [CheckRow(v.learner, qualification.qan, qualification.title, v)
                for v in evaluate_many(qualification, learners, counts)]
        table = CheckTable(rows)
        "\n".join([table.header(), *table.lines(rows), table.summary()])
        explanation_text(journeys.explain(qualification, learners[0], counts))


# ---- harness: the command line -------------------------------------------------------------------

def run_cli(*args: str):
    """Run `qualrules ARGS` in process; the exit status must be a documented one, with no traceback."""
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code != INTERNAL_ERROR_EXIT, f"internal error: qualrules {args}\n{result.output}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code in DOCUMENTED_EXITS, (result.exit_code, result.output)
    assert "Traceback" not in result.output, result.output
    return result


def exercise_cli_records_text(kind: str, text: str) -> None:
    """The commands that read a records file (`kind` "csv" or "json"), with their output parsed."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, f"records.{kind}")
        path.write_text(text, encoding="utf-8", newline="")
        exercise_cli_records(path)


def exercise_cli_ruleset_text(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "fuzz.qual")
        path.write_text(text, encoding="utf-8", newline="")
        exercise_cli_ruleset(path)


def exercise_cli_records(path: Path) -> None:
    out = path.with_name("report.html")
    check = run_cli("check", str(path), "-q", ISP_CERTIFICATE, "-q", ILM_CERTIFICATE, "--format", "json", "-j", "1")
    if check.exit_code != 2 or check.stdout.startswith("["):
        json.loads(check.stdout)
    run_cli("check", str(path), "-q", ISP_CERTIFICATE, "-j", "1")
    run_cli("report", str(path), "-q", ISP_CERTIFICATE, "-o", str(out))
    if out.exists():
        check_html(out.read_text(encoding="utf-8"))
    compact_report_is_the_whole_read_s(path)
    eligible = run_cli("eligible", str(path), "--awarding-body", "ILM", "--format", "json")
    if eligible.stdout.strip():
        json.loads(eligible.stdout)
    learner = _first_learner(check.stdout)
    if learner is not None:
        for command in ("explain", "plan"):
            result = run_cli(command, str(path), "--learner", learner, "-q", ISP_CERTIFICATE, "--format", "json")
            if result.exit_code != 2:
                json.loads(result.stdout)


def compact_report_is_the_whole_read_s(path: Path) -> None:
    """The compact page of `report`, gathered in blocks of two learners, is `html_report`'s page over every
    learner read whole."""
    detail, page = Detail(whole_cohort=1, nearest=2), path.with_name("compact.html")
    with contextlib.ExitStack() as patches:
        for module, name, value in ((cli, "DETAIL", detail), (cohort, "LEARNERS_PER_BLOCK", 2)):
            patches.callback(setattr, module, name, getattr(module, name))
            setattr(module, name, value)
        run_cli("report", str(path), "-q", ISP_CERTIFICATE, "-o", str(page), "-j", "1")
    try:
        records = read_records(str(path), library().vocabulary())
    except DiagnosticError:
        assert not page.exists()
        return
    q, body = library().qualification(ISP_CERTIFICATE)
    ruleset = next(e.ruleset for e in library().rulesets if any(found is q for found in e.qualifications))
    entries = with_criteria_progress(cohort_reports(q, records, body.counts_as_achieved, detail), q, ruleset, records)
    assert page.read_text(encoding="utf-8") == html_report(q, entries, awarding_body=body.title, records=path.name,
                                                           problems=records.problems, detail=detail)


def _first_learner(check_json: str) -> str | None:
    with contextlib.suppress(ValueError):
        rows = json.loads(check_json)
        return rows[0]["learner"] if rows else None
    return None


def exercise_cli_ruleset(path: Path) -> None:
    """The commands that read a ruleset file, with their JSON output parsed."""
    linted = run_cli("lint", str(path), "--format", "json")
    if linted.exit_code != 2:
        json.loads(linted.stdout)
    run_cli("fmt", "--diff", str(path))
    listed = run_cli("list", "--ruleset", str(path), "--format", "json")
    if listed.exit_code == 0:
        for entry in json.loads(listed.stdout):
            shown = run_cli("show", entry["qan"], "--ruleset", str(path), "--format", "json")
            json.loads(shown.stdout)


# ---- generated records ---------------------------------------------------------------------------

CSV_PIECES = (",", "\n", '"', "learner", "Learner ", "unit,result")
JSON_PIECES = ("[" * 50, "{" * 50, "1" * 400, '"learners": []', '"id": ', "\\ud800", "\\u0000", "1e400")


def learner_id(choices: Choices, number: int) -> str:
    """A plain id, a number, or a hostile one."""
    kind = choices.integer(0, 3)
    if kind == 0:
        return str(number)
    if kind < 3:
        return f"L{number:03d}"
    return hostile_text(choices, TERMINAL_ESCAPES) + str(number)


def attempt_cells(choices: Choices) -> tuple[str, str, str]:
    unit = choices.pick(known_units()) if choices.integer(0, 5) else hostile_text(choices)
    if chance(choices, 3):
        unit = unit.casefold() if chance(choices, 2) else f"  {unit} "
    result = choices.pick(("pass", "Merit", "distinction", "referred", "fail", "Credit  Transfer", "passed",
                           "", hostile_text(choices)))
    achieved = choices.pick(("2024-05-01", "01/05/2024", "2024-05-01 10:30:00", "", "31/04/2024", "1900-01-01",
                             "9999-12-31", "2024-5-1", "20240501", hostile_text(choices)))
    return unit, result, achieved


def learner_rows(choices: Choices, max_learners: int = 6) -> list[tuple[str, list[str]]]:
    """Learners with their rows' cells (learner, unit, result, achieved_on, registered_on, date_of_birth),
    rows sometimes interleaved and learners sometimes named twice over."""
    rows = []
    for number in range(choices.integer(0, max_learners)):
        identifier = learner_id(choices, number)
        registered = choices.pick(("2024-01-15", "15/01/2024", "", "2024-13-01", "1990-01-01"))
        born = choices.pick(("1990-01-01", "", "2030-01-01", "2024-01-15", "x"))
        for _ in range(choices.integer(1, 4)):
            unit, result, achieved = attempt_cells(choices)
            rows.append((identifier, [identifier, unit, result, achieved, registered, born]))
    if rows and chance(choices, 3):
        first = choices.integer(0, len(rows) - 1)
        second = choices.integer(0, len(rows) - 1)
        rows[first], rows[second] = rows[second], rows[first]
    return rows


def header_cells(choices: Choices) -> tuple[list[str], list[int]]:
    """The six columns in some order, as a spreadsheet might spell them, sometimes with an ignored column."""
    names = list(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
    spelt = [name if chance(choices, 2) else name.replace("_", " ").title() for name in names]
    order = list(range(len(spelt)))
    for k in range(len(order) - 1, 0, -1):
        j = choices.integer(0, k)
        order[k], order[j] = order[j], order[k]
    return [spelt[k] for k in order], order


def generated_table(choices: Choices) -> tuple[list[list[str]], set[str]]:
    """A records table (header first) and the learner ids it holds; cells are short, columns distinct."""
    header, order = header_cells(choices)
    ignored = chance(choices, 3)
    table = [header + (["notes"] if ignored else [])]
    expected = set()
    for identifier, cells in learner_rows(choices):
        row = [cells[k] for k in order] + ([hostile_text(choices)] if ignored else [])
        table.append(row)
        if identifier.strip() and len(identifier) <= CELL_LIMIT:
            expected.add(identifier.strip())
        if chance(choices, 6):
            table.append([""] * choices.integer(0, len(row)))
    return table, expected


def generated_csv(choices: Choices) -> tuple[str, set[str]]:

    table, expected = generated_table(choices)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=choices.pick(("\n", "\r\n"))).writerows(table)
    text = buffer.getvalue()
    return ("\ufeff" + text if chance(choices, 4) else text), expected


def generated_json(choices: Choices) -> tuple[str, set[str]]:
    learners: dict[str, dict] = {}
    for identifier, (_, unit, result, achieved, registered, born) in learner_rows(choices):
        entry = learners.setdefault(identifier, {
            "id": int(identifier) if identifier.isascii() and identifier.isdigit() else identifier,
            "registered_on": registered or None, "date_of_birth": born or None, "units": []})
        entry["units"].append({"unit": unit, "result": result, "achieved_on": achieved or None})
    ensure_ascii = choices.pick((True, False))
    if ensure_ascii and chance(choices, 4):  # as `\ud800` escapes, the only way JSON text holds them
        surrogate_id = choices.pick(LONE_SURROGATES) + "x"
        learners[surrogate_id] = {"id": surrogate_id, "units": [{"unit": "L3B1", "result": "pass"}]}
    expected = {i.strip() for i in learners if i.strip() and len(i) <= CELL_LIMIT}
    document = {"learners": list(learners.values())}
    if chance(choices, 4):
        document["learners"].append(choices.pick(({"id": True}, {"id": ""}, {"units": []}, [], "L9", None,
                                                  {"id": 1.5}, {"id": "L9", "units": {}})))
    return json.dumps(document, ensure_ascii=ensure_ascii), expected


# ---- generic fuzz tests --------------------------------------------------------------------------

def fuzz_settings(max_examples: int):
    return settings(max_examples=max_examples, derandomize=True, database=None, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large])


@functools.cache
def bundled_texts() -> tuple[str, ...]:
    return tuple(path.read_text(encoding="utf-8") for path in BUNDLED_RULESETS)


@fuzz_settings(120)
@given(st.data())
def test_mutated_bundled_rulesets_parse_build_format_and_compile(data):
    choices = DrawnChoices(data)
    text = mutate_text(choices.pick(bundled_texts()), choices)
    # Linting the whole ISP file proves 14 qualifications satisfiable: the lint test below uses smaller files.
    exercise_ruleset(text, lint_it=False)


@fuzz_settings(40)
@given(st.data())
def test_mutated_rulesets_lint(data):
    choices = DrawnChoices(data)
    generated, _ = data.draw(rulesets())
    text = mutate_text(choices.pick((bundled_texts()[0], generated)), choices)
    exercise_ruleset(text)


@fuzz_settings(60)
@given(rulesets())
def test_generated_rulesets_lint_format_and_compile(generated):
    text, _ = generated
    build_ruleset(text, "generated.qual")  # grammar-valid by construction
    exercise_ruleset(text)


def xlsx_table(choices: Choices) -> list[list]:
    """A generated table with some cells as a spreadsheet types them: numbers, dates, times, blanks."""
    table, _ = generated_table(choices)
    for row in table[1:]:
        for k, cell in enumerate(row):
            if chance(choices, 5):
                row[k] = choices.pick((None, 3, 3.0, -1, 10**20, True, dt.datetime(2024, 5, 1, 10, 30),
                                       dt.date(1899, 12, 31), dt.time(10, 30), dt.timedelta(days=2)))
    return table


def mutated_xlsx(choices: Choices) -> bytes:
    """A generated workbook with some of its bytes overwritten."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "records.xlsx")
        write_xlsx(path, xlsx_table(choices))
        content = bytearray(path.read_bytes())
    for _ in range(choices.integer(1, 4)):
        # Where, as a fraction of the file: its length varies by a byte or two from run to run (the workbook
        # records when it was saved), and what is drawn must not depend on it.
        at = choices.integer(0, 1 << 20) * (len(content) - 1) >> 20
        content[at:at + choices.integer(1, 16)] = bytes([choices.integer(0, 255)]) * choices.integer(0, 16)
    return bytes(content)


@fuzz_settings(60)
@given(st.data())
def test_generated_csv_records_account_for_every_learner(data):
    text, expected = generated_csv(DrawnChoices(data))
    exercise_csv_text(text, expected)


@fuzz_settings(30)
@given(st.data())
def test_generated_csv_records_in_utf16_with_semicolons_account_for_every_learner(data):
    choices = DrawnChoices(data)
    text, expected = generated_csv(choices)
    delimited = semicolon_csv(text)
    if delimited is not None:
        exercise_csv_text(delimited, expected, encoding=choices.pick(("utf-16", "utf-8-sig")))


def semicolon_csv(text: str) -> str | None:
    """A CSV text with semicolons for commas (None when a cell holds a semicolon or a tab, which would then
    be a delimiter too, or a lone surrogate, which no encoding holds)."""

    # The encodings write a byte-order mark of their own.
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    if any(";" in cell or "\t" in cell for row in rows for cell in row) or re.search("[\ud800-\udfff]", text):
        return None
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


@fuzz_settings(60)
@given(st.data())
def test_mutated_csv_records_account_for_every_learner(data):
    choices = DrawnChoices(data)
    text, _ = generated_csv(choices)
    exercise_csv_text(mutate_text(text, choices, extra_pieces=CSV_PIECES))


@fuzz_settings(60)
@given(st.data())
def test_generated_json_records_account_for_every_learner(data):
    text, expected = generated_json(DrawnChoices(data))
    exercise_json_text(text, expected)


@fuzz_settings(60)
@given(st.data())
def test_mutated_json_records_account_for_every_learner(data):
    choices = DrawnChoices(data)
    text, _ = generated_json(choices)
    exercise_json_text(mutate_text(text, choices, extra_pieces=JSON_PIECES))


@fuzz_settings(25)
@given(st.data())
def test_xlsx_records_account_for_every_learner(data):
    exercise_xlsx_table(xlsx_table(DrawnChoices(data)))


@fuzz_settings(25)
@given(st.data())
def test_mutated_xlsx_files_are_read_or_refused_with_a_code(data):
    exercise_xlsx_bytes(mutated_xlsx(DrawnChoices(data)))


@fuzz_settings(20)
@given(rulesets(), st.data())
def test_html_report_and_text_escape_hostile_titles_and_ids(generated, data):
    exercise_hostile_report(*hostile_report_case(DrawnChoices(data), generated[0]))


@fuzz_settings(12)
@given(st.data())
def test_cli_on_generated_and_mutated_records(data):
    choices = DrawnChoices(data)
    kind = choices.pick(("csv", "json"))
    text, _ = generated_csv(choices) if kind == "csv" else generated_json(choices)
    if chance(choices, 2):
        text = mutate_text(text, choices)
    exercise_cli_records_text(kind, text)


@fuzz_settings(12)
@given(st.data())
def test_cli_on_mutated_rulesets(data):
    choices = DrawnChoices(data)
    generated, _ = data.draw(rulesets())
    exercise_cli_ruleset_text(mutate_text(choices.pick((bundled_texts()[0], generated)), choices))


# ---- what the fuzzers found, each as its minimal reproducer --------------------------------------------

def check_csv(tmp_path: Path, text: str):
    path = tmp_path / "records.csv"
    path.write_text(text, encoding="utf-8", newline="")
    return run_cli("check", str(path), "-q", ISP_CERTIFICATE, "--format", "json", "-j", "1")


def test_report_writes_a_learner_id_holding_a_lone_surrogate(tmp_path):
    path = tmp_path / "records.json"
    path.write_text('{"learners": [{"id": "\\ud800x"}]}', encoding="utf-8")
    run_cli("report", str(path), "-q", ISP_CERTIFICATE, "-o", str(tmp_path / "report.html"))


def test_a_carriage_return_in_a_quoted_learner_id_is_kept_as_written(tmp_path):
    # Found here: the whole-file reader read with universal newlines, so "A\r1" became "A\n1" there while
    # the streamed check kept it.
    checked = check_csv(tmp_path, 'learner,unit,result,achieved_on\n"A\r1",L3B1,pass,\n')
    assert read_records(tmp_path / "records.csv", library().vocabulary()).order == ("A\r1",)
    assert json.loads(checked.stdout)[0]["learner"] == "A\r1"


@pytest.mark.parametrize("text", [
    'achieved_on,learner,result,unit\n,""\r',  # found here: a lone \r ending a line (IndexError, columnar.py)
    "achieved_on,unit,learner,result\n\n",  # found here: a blank line after the header (KeyError, stream.py)
])
def test_check_reads_what_the_scan_of_the_learner_column_stumbled_on(tmp_path, text):
    check_csv(tmp_path, text)


def test_the_scan_counts_the_learners_the_reader_reads(tmp_path):
    # Found here: the scan counted an id over CELL_LIMIT, whose row the reader gives to no learner (QR511).
    path = tmp_path / "records.csv"
    path.write_text(f"learner,unit,result,achieved_on\n{'x' * (CELL_LIMIT + 1)},L3B1,pass,\n", encoding="utf-8")
    assert cohort.open_cohort(path, library().vocabulary()).learners == 0


def test_a_header_again_between_a_learner_s_rows_does_not_cut_them_into_two_blocks(tmp_path):
    # Found here: the scan took the header again for no learner's row, but the blocks for a learner's, so
    # blocks of two learners gave L000 two verdicts for each qualification.
    path = tmp_path / "records.csv"
    path.write_text("Learner,achieved_on,,,unit,Result,\nL000,\nLearner,,,,unit,\nL000", encoding="utf-8")
    check_streamed(path, read_records(path, library().vocabulary()))


@pytest.mark.parametrize("text", [
    'learner,unit,result,achieved_on\nL1,L3B1,pass,"\n',  # check gives L1 a verdict; read whole, QR512
    ',Unit,Learner,achieved_on,Result,\n,,,,,"\n,,1',  # learner 1 is missing from check altogether
])
def test_check_reports_the_learners_an_unclosed_quote_swallows(tmp_path, text):
    rows = json.loads(check_csv(tmp_path, text).stdout)
    records = read_records(tmp_path / "records.csv", library().vocabulary())
    assert [row["learner"] for row in rows] == list(records.order)
    assert all(row["status"] == "error" for row in rows)
