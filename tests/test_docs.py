"""The documentation's examples are real: every ```qual block of docs/language.md builds, and every record
example of docs/records.md reads the way the page says.

Conventions in docs/language.md. A block may be preceded, on the line right before its fence, by one of
these HTML comments (invisible when the page is rendered):
- none: the block is a complete .qual file;
- `<!-- catalogue -->`: a complete file whose catalogue the page's fragments are set in (one per page);
- `<!-- fragment: qualification -->`: lines of a qualification's body. The test appends them, under the
  header `qualification 999/9999/9 "Fragment"`, to the catalogue block, adding `units from` the whole
  catalogue unless the fragment has its own `units from` line;
- `<!-- excerpt: PATH -->`: consecutive lines of the ruleset at PATH (from the repository root), which
  must itself build; runs of spaces are compared as one, so the file's column alignment may differ.
Complete files and fragments must also, between them, use every rule kind of the model and every
construct of the grammar, and the page must show every keyword as code, so it cannot fall behind the
language.

Conventions in docs/records.md: each ```json or ```csv block is read as a file `records.json` or
`records.csv` against the bundled library, and must read without problems; a CSV block must read the same
when saved as an .xlsx spreadsheet. When the line before the block is `<!-- unreadable: ID, ID -->`,
exactly those learners must be unreadable, every other learner read, and a ```text block right after it
must hold the messages, errors first, then warnings, one `render_plain` line each; when it is
`<!-- achieves QAN: ID, ID -->`, exactly those learners achieve that qualification. When it is
`<!-- saved as: ENCODING -->`, the block is saved in that encoding, every learner must be read, and a
```text block right after it must hold the warnings. The record examples of docs/criteria.md follow the
same conventions. Both pages' examples are read against the bundled library and
examples/achievement-log.qual.

Conventions in docs/outputs.md, whose blocks are taken in order in one working folder holding the
repository's examples/: a block after `<!-- file: NAME -->` is written to the file NAME there; a block
after `<!-- output of: COMMAND -->` is exactly what COMMAND prints there on standard output (lines ending
CRLF read as LF); a table after `<!-- columns: NAME -->` lists, in its first column, exactly the columns of
that layout, in order.
"""

from __future__ import annotations

import csv
import io
import re
import shlex
import typing
from pathlib import Path

import attrs
import openpyxl
import pytest

from qualrules import api
from qualrules.grammar.parser import lark_parser, parse
from qualrules.interpreter import model as m
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.checker import walk_rules
from qualrules.interpreter.engine.compiler import compile_ruleset
from qualrules.interpreter.diagnostics import DiagnosticError, render, render_plain
from qualrules.interpreter.records.options import DEFAULT_OPTIONS
from qualrules.interpreter.records.readers import csv_delimiter, read_records

ROOT = Path(__file__).resolve().parents[1]
LANGUAGE = ROOT / "docs" / "language.md"
RECORDS = ROOT / "docs" / "records.md"
CRITERIA = ROOT / "docs" / "criteria.md"

FRAGMENT_HEADER = 'qualification 999/9999/9 "Fragment"'

_BLOCK = re.compile(r"(?:^<!-- (?P<marker>[^\n]+?) -->\n)?^```(?P<lang>\w*)\n(?P<body>.*?)^```$", re.M | re.S)


@attrs.frozen
class Block:
    lang: str
    marker: str | None
    body: str
    line: int

    @property
    def id(self) -> str:
        return f"line {self.line}"


def blocks(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    return [
        Block(match["lang"], match["marker"], match["body"], text.count("\n", 0, match.start("body")) + 1)
        for match in _BLOCK.finditer(text)
    ]


# ---- docs/language.md -----------------------------------------------------------------------------

QUAL_BLOCKS = [b for b in blocks(LANGUAGE) if b.lang == "qual"]
MARKERS = (None, "catalogue", "fragment: qualification")


def catalogue_block() -> Block:
    (catalogue,) = [b for b in QUAL_BLOCKS if b.marker == "catalogue"]
    return catalogue


def qual_file(block: Block) -> str:
    """The complete .qual text a complete-file or fragment block stands for."""
    if block.marker != "fragment: qualification":
        return block.body
    catalogue = catalogue_block().body
    lines = [FRAGMENT_HEADER]
    if not re.search(r"^\s*units from\b", block.body, re.M):
        ruleset = build_ruleset(catalogue, "catalogue.qual")
        names = [g.display for g in ruleset.groups] + [u.ref for u in ruleset.units if u.group is None]
        lines.append("units from " + ", ".join(names))
    return catalogue + "\n".join(lines) + "\n" + block.body


def build(text: str, where: str) -> m.Ruleset:
    try:
        ruleset = build_ruleset(text, "example.qual")
        compile_ruleset(ruleset)
        return ruleset
    except DiagnosticError as error:
        diagnostics = error.diagnostics
    numbered = "\n".join(f"{n:>4} | {line}" for n, line in enumerate(text.splitlines(), 1))
    pytest.fail(f"{where}, checked as example.qual:\n" + "\n".join(render(d, text) for d in diagnostics)
                + "\n\n" + numbered, pytrace=False)


CHECKED = [b for b in QUAL_BLOCKS if b.marker in MARKERS]
EXCERPTS = [b for b in QUAL_BLOCKS if b.marker and b.marker.startswith("excerpt: ")]


def test_every_qual_block_has_a_known_marker():
    unknown = [(b.id, b.marker) for b in QUAL_BLOCKS if b not in CHECKED and b not in EXCERPTS]
    assert unknown == []
    assert len([b for b in QUAL_BLOCKS if b.marker == "catalogue"]) == 1


@pytest.mark.parametrize("block", CHECKED, ids=lambda b: b.id)
def test_qual_example_builds(block):
    build(qual_file(block), f"docs/language.md, block at line {block.line}")


def spaced_lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines()]


@pytest.mark.parametrize("block", EXCERPTS, ids=lambda b: b.id)
def test_excerpt_is_copied_from_a_ruleset_that_builds(block):
    path = ROOT / block.marker.removeprefix("excerpt: ")
    text = path.read_text(encoding="utf-8")
    excerpt, lines = spaced_lines(block.body), spaced_lines(text)
    assert any(lines[k:k + len(excerpt)] == excerpt for k in range(len(lines))), f"not in {path}"
    build(text, str(path))


def test_examples_use_every_rule_kind_measure_and_time_unit():
    rules = [
        rule
        for block in CHECKED
        for qualification in build(qual_file(block), f"docs/language.md, block at line {block.line}").qualifications
        for rule in walk_rules(qualification.rules)
    ]
    assert set(typing.get_args(m.Rule)) - {type(r) for r in rules} == set()
    assert set(m.Measure) - {r.measure for r in rules if isinstance(r, m.Quantity)} == set()
    assert set(m.TimeUnit) - {r.unit for r in rules if isinstance(r, m.CompletionWindow)} == set()


def test_examples_use_every_grammar_construct():
    # Every rule or alternative that names a tree node (inlined `?rule`s and `_rule`s name none).
    constructs = {
        rule.alias or rule.origin.name
        for rule in lark_parser().rules
        if rule.alias or not (rule.options.expand1 or rule.origin.name.startswith("_"))
    }
    used = {
        tree.data
        for block in CHECKED
        for tree in parse(qual_file(block), "example.qual").tree.iter_subtrees()
    }
    assert constructs - used == set()


def test_docs_show_every_keyword_as_code():
    page = LANGUAGE.read_text(encoding="utf-8")
    code = "\n".join(b.body for b in QUAL_BLOCKS) + "\n" + "\n".join(re.findall(r"`([^`\n]+)`", page))
    keywords = {t.pattern.value for t in lark_parser().terminals if t.pattern.type == "str"}
    missing = {k for k in keywords
               if not (re.search(rf"\b{k}\b", code) if k.isalpha() else k in code)}
    assert missing == set()


# ---- docs/records.md ------------------------------------------------------------------------------

RECORD_BLOCKS = blocks(RECORDS)
CRITERIA_BLOCKS = blocks(CRITERIA)


def record_examples(page: list[Block], name: str) -> list:
    return [pytest.param(b, page[k + 1] if k + 1 < len(page) else None, id=f"{name} {b.id}")
            for k, b in enumerate(page) if b.lang in ("json", "csv")]


RECORD_EXAMPLES = record_examples(RECORD_BLOCKS, "records") + record_examples(CRITERIA_BLOCKS, "criteria")


def marker_ids(block: Block, expected: str) -> tuple[str, set[str]]:
    """The words after the marker's kind (a QAN, or nothing) and the ids it names; none without a marker."""
    if block.marker is None or not block.marker.startswith(expected):
        assert block.marker is None or block.marker.startswith(("unreadable:", "achieves ", "saved as:")), \
            f"unknown marker {block.marker!r} at {block.id}"
        return "", set()
    head, _, ids = block.marker.partition(":")
    return head.removeprefix(expected).strip(), {i.strip() for i in ids.split(",")}


def unreadable_ids(block: Block) -> set[str]:
    return marker_ids(block, "unreadable")[1]


def test_records_page_has_json_and_csv_examples():
    assert {p.values[0].lang for p in RECORD_EXAMPLES} == {"json", "csv"}


@pytest.mark.parametrize("block, after", RECORD_EXAMPLES)
def test_record_example_reads_as_documented(block, after, log_library, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = Path(f"records.{block.lang}")
    saved_as = next(iter(marker_ids(block, "saved as")[1]), None)
    path.write_text(block.body, encoding=saved_as or "utf-8")
    records = read_records(path, log_library.vocabulary())

    expected_unreadable = unreadable_ids(block)
    assert set(records.unreadable) == expected_unreadable
    assert [learner.id for learner in records.learners] == [i for i in records.order if i not in expected_unreadable]
    warnings = [render_plain(d) for d in records.warnings]
    messages = [render_plain(d) for d in records.diagnostics] + warnings
    qan, achievers = marker_ids(block, "achieves")
    if qan:
        assert {learner.id for learner in records.learners
                if api.evaluate(log_library, qan, learner).achieved} == achievers
    if saved_as:
        assert after is not None and after.lang == "text", "a saved example is followed by its warnings"
        assert messages == warnings == after.body.splitlines()
    elif expected_unreadable:
        assert after is not None and after.lang == "text", "an unreadable example is followed by its messages"
        assert messages == after.body.splitlines()
    else:
        assert messages == []


@pytest.mark.parametrize("block", [b for b in RECORD_BLOCKS + CRITERIA_BLOCKS if b.lang == "csv"], ids=lambda b: b.id)
def test_csv_example_reads_the_same_as_a_spreadsheet(block, log_library, tmp_path):
    workbook = openpyxl.Workbook()
    delimiter = csv_delimiter(io.StringIO(block.body), "records.csv", DEFAULT_OPTIONS)
    for row in csv.reader(io.StringIO(block.body), delimiter=delimiter):
        workbook.active.append(row)
    workbook.save(tmp_path / "records.xlsx")
    (tmp_path / "records.csv").write_text(block.body, encoding="utf-8")

    from_csv = read_records(tmp_path / "records.csv", log_library.vocabulary())
    from_xlsx = read_records(tmp_path / "records.xlsx", log_library.vocabulary())
    assert from_xlsx.learners == from_csv.learners
    assert from_xlsx.order == from_csv.order
    assert set(from_xlsx.unreadable) == set(from_csv.unreadable)


# ---- docs/outputs.md ------------------------------------------------------------------------------

OUTPUTS = ROOT / "docs" / "outputs.md"


def test_outputs_examples_are_what_the_commands_print(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from qualrules.cli import main

    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    ran = 0
    for block in blocks(OUTPUTS):
        marker = block.marker or ""
        if marker.startswith("file: "):
            (tmp_path / marker.removeprefix("file: ")).write_text(block.body, encoding="utf-8")
        elif marker.startswith("output of: "):
            program, *arguments = shlex.split(marker.removeprefix("output of: "))
            assert program == "qualrules"
            result = CliRunner().invoke(main, arguments)
            assert result.exit_code in (0, 1, 2), result.output
            assert result.stdout_bytes.decode("utf-8").replace("\r\n", "\n") == block.body, block.id
            ran += 1
    assert ran == 5


def test_outputs_column_tables_are_the_layouts():
    from qualrules.interpreter.presentation import tabular

    layouts = {"check": tabular.CHECK_COLUMNS, "eligible": tabular.ELIGIBLE_COLUMNS,
               "errors": tabular.ERROR_COLUMNS}
    tables = re.findall(r"^<!-- columns: (\w+) -->\n((?:\|.*\n)+)", OUTPUTS.read_text(encoding="utf-8"), re.M)
    documented = {name: tuple(re.findall(r"^\| `(\w+)` \|", table, re.M)) for name, table in tables}
    assert documented == layouts
