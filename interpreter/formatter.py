"""The canonical layout of a .qual file, in the spirit of gofmt: one way to write every ruleset.

Layout:
- the `awarding body` line, the learner attributes and external qualifications (each external's grade
  lines indented), each `standard` with its `ksb` lines (indented), each `group` with its units,
  and each qualification form sections separated by one blank line; units before the first group form a
  section of their own;
- unit lines are a table aligned within each section (so adding a unit to one group never re-aligns
  another): `unit REF  "title"  ofqual X  level N  glh N  tqt N  credits N`, numbers right-aligned,
  a field no unit of the section gives is left out, one a unit lacks is left blank;
- under its unit line, a unit's details are indented two spaces in a fixed order (sector, simulation,
  barring code, `requires`, outcomes in source order with their criteria indented two spaces more, then
  `ksbs` lines), and a blank line follows them unless the unit is the last of its section;
- the approval column, then the unit equivalences in source order, form a section of their own after the
  catalogue's;
- a qualification's statements are indented two spaces, facts first in a fixed order (level, credit
  value, guided learning hours, total qualification time, units from), then its rules in source order,
  one rule per line in the wording of `rule_text` (rules written on one line joined by commas are
  split); `either`, `or` and `end` are indented by nesting, an option's rules one step further;
- numbers written as words become digits, keywords lower case, group references `Group N`.

Comments: a comment after a statement stays at the end of that statement's line, two spaces after it
(unit rows all end with their credits, so such comments line up); on a line split into several rules it
follows the last one.
A comment on a line of its own stays before the statement that followed it, at that statement's
indentation, and moves with it when the statement moves; blank lines between such comments become one,
so paragraphs of comment stay apart. Comments after the last statement stay at the
end of the file, after a blank line. No comment is ever dropped: the result is rebuilt and compared
with the original before it is returned.
"""

from __future__ import annotations

import bisect
from collections import Counter
from typing import Iterable

import attrs

from qualrules.interpreter import model as m
from qualrules.interpreter.allowances import is_allowance
from qualrules.interpreter.attainment import requirement_text
from qualrules.interpreter.builder import build_ruleset
from qualrules.interpreter.diagnostics import Diagnostic, DiagnosticError, Location, Severity
from qualrules.interpreter.equivalences import equivalence_text
from qualrules.interpreter.presentation.tables import align_columns
from qualrules.interpreter.grades import statement_text, statements as grading_statements
from qualrules.interpreter.wording import rule_text, set_text

INDENT = "  "
COMMENT_GAP = "  "
# Unit table fields after the reference and title, and whether their values are right-aligned.
UNIT_FIELDS = (("ofqual", False), ("level", True), ("glh", True), ("tqt", True), ("credits", True))


class FormatError(DiagnosticError):
    """The formatted text would not mean what the original means; the file is left as it is."""

    def __init__(self, filename: str, problem: str):
        super().__init__([Diagnostic(
            "QR607", Severity.ERROR, f"the canonical layout {problem}; the file is left as it is", Location(filename),
            "a unit or group named like a keyword (`units`, `or`) cannot be written back unambiguously: rename it")])


@attrs.frozen
class _Line:
    depth: int
    text: str
    # The source line of the statement, which its comments are attached to.
    anchor: int


def without_positions(value):
    """A model value with every span blanked and comments left out: what two texts must agree on to
    mean the same ruleset."""
    if isinstance(value, m.Span):
        return None
    if isinstance(value, tuple):
        return tuple(without_positions(item) for item in value)
    if isinstance(value, m.Ruleset):
        value = attrs.evolve(value, comments=())
    if attrs.has(type(value)):
        return attrs.evolve(value, **{f.name: without_positions(getattr(value, f.name))
                                      for f in attrs.fields(type(value))})
    return value


def comment_texts(ruleset: m.Ruleset) -> tuple[str, ...]:
    """The ruleset's comments in file order, without trailing whitespace."""
    return tuple(c.text.rstrip() for c in ruleset.comments)


def format_ruleset(text: str, filename: str) -> str:
    """The canonical layout of a .qual text. Raises DiagnosticError when the text has errors, and
    FormatError if the result would build to a different ruleset or lose a comment."""
    ruleset = build_ruleset(text, filename)
    formatted = _Layout(ruleset, text).render()
    try:
        again = build_ruleset(formatted, filename)
    except DiagnosticError as error:
        # Names spelled like keywords (a unit called `units`) can read differently once reworded.
        raise FormatError(filename, f"would not parse back ({error.diagnostics[0].message})") from error
    if without_positions(again) != without_positions(ruleset):
        raise FormatError(filename, "would change the meaning of the ruleset")
    if Counter(comment_texts(again)) != Counter(comment_texts(ruleset)):
        raise FormatError(filename, "would lose or add a comment")
    return formatted


class _Layout:
    def __init__(self, ruleset: m.Ruleset, text: str):
        self.ruleset = ruleset
        comment_columns = {c.line: c.column for c in ruleset.comments}
        # What each source line holds besides its comment; statements live on lines where it is not blank.
        self.code = {
            number: line[: comment_columns.get(number, len(line) + 1) - 1].strip()
            for number, line in enumerate(text.split("\n"), 1)
        }
        self.code_lines = sorted(n for n, code in self.code.items() if code)
        self.leading: dict[int, list[str]] = {}
        self.trailing: dict[int, str] = {}
        self.at_end: list[str] = []
        previous_line: dict[int | None, int] = {}
        for comment in ruleset.comments:
            body = comment.text.rstrip()
            if self.code[comment.line]:
                self.trailing[comment.line] = body
                continue
            anchor = self._next_code_line(comment.line)
            block = self.at_end if anchor is None else self.leading.setdefault(anchor, [])
            # Only blank lines can stand between two comments before one statement: they part paragraphs.
            if block and comment.line - previous_line[anchor] > 1:
                block.append("")
            block.append(body)
            previous_line[anchor] = comment.line

    def _next_code_line(self, after: int) -> int | None:
        index = bisect.bisect_right(self.code_lines, after)
        return self.code_lines[index] if index < len(self.code_lines) else None

    # ---- sections --------------------------------------------------------------------------------
    def render(self) -> str:
        sections: list[list[_Line]] = []
        body = self.ruleset.awarding_body
        if body is not None:
            title = f" {_quoted(body.title)}" if body.title is not None else ""
            sections.append([_Line(0, f"awarding body {body.name}{title}", body.span.line)])
        sections.append(_learner_columns(self.ruleset))
        sections.extend(_standard(standard) for standard in self.ruleset.standards)
        sections.extend(self._catalogue())
        sections.append([_Line(0, f"approval column {_quoted(c.name)}", c.span.line)
                         for c in self.ruleset.approval_columns]
                        + [_Line(0, equivalence_text(e), e.span.line) for e in self.ruleset.equivalences])
        sections.extend(self._qualification(q) for q in self.ruleset.qualifications)

        out: list[str] = []
        for section in filter(None, sections):
            if out:
                out.append("")
            for index, line in enumerate(section):
                if line is _BLANK:
                    out.append("")
                    continue
                indent = INDENT * line.depth
                if index == 0 or section[index - 1].anchor != line.anchor:
                    out.extend(indent + comment if comment else "" for comment in self.leading.get(line.anchor, ()))
                text = indent + line.text
                # Rules split from one source line share its anchor: its comment follows the last of them.
                is_last = index + 1 == len(section) or section[index + 1].anchor != line.anchor
                if is_last and line.anchor in self.trailing:
                    text += COMMENT_GAP + self.trailing[line.anchor]
                out.append(text)
        if self.at_end:
            if out:
                out.append("")
            out.extend(self.at_end)
        return "".join(line + "\n" for line in out)

    def _catalogue(self) -> list[list[_Line]]:
        """Ungrouped units, then each group with its units, as in the source (units belong to the group
        header above them, so two headers of one name stay apart)."""
        entries = sorted((*self.ruleset.groups, *self.ruleset.units), key=lambda e: e.span.line)
        sections: list[tuple[list[_Line], list[m.Unit]]] = []
        for entry in entries:
            if isinstance(entry, m.Group):
                description = f" {_quoted(entry.description)}" if entry.description is not None else ""
                sections.append(([_Line(0, f"group {entry.name}{description}", entry.span.line)], []))
            else:
                if not sections:
                    sections.append(([], []))
                sections[-1][1].append(entry)
        return [header + _unit_table(units) for header, units in sections]

    def _qualification(self, q: m.Qualification) -> list[_Line]:
        lines = [_Line(0, f"qualification {q.qan} {_quoted(q.title)}", q.span.line)]
        if q.level is not None:
            lines.append(_Line(1, f"level {q.level}", q.level_span.line))
        for keyword, declared in (("credit value", q.credit_value), ("guided learning hours", q.glh),
                                  ("total qualification time", q.tqt)):
            if declared is not None:
                lines.append(_Line(1, f"{keyword} {declared.text}", declared.span.line))
        if q.pool is not None:
            lines.append(_Line(1, f"units from {set_text(q.pool, ', ')}", q.pool.span.line))
        lines.extend(self._rules(q.rules, 1))
        for pathway in q.pathways:
            lines.append(_Line(1, f"pathway {_quoted(pathway.name)}", pathway.span.line))
            lines.extend(self._rules(pathway.rules, 2))
            last = self._last_line(pathway.rules[-1]) if pathway.rules else pathway.span.line
            lines.append(_Line(1, "end", self._next_code_line(last)))
        if q.pathway_required is not None:
            lines.append(_Line(1, "pathway required", q.pathway_required.line))
        lines.extend(_Line(1, statement_text(item), item.span.line) for item in grading_statements(q))
        lines.extend(_Line(1, requirement_text(item), item.span.line) for item in q.attainment)
        lines.extend(_Line(1, item.text, item.span.line) for item in q.required_qualifications)
        return lines

    def _rules(self, rules: Iterable[m.Rule], depth: int) -> list[_Line]:
        """A line for each rule, but rules written on one line that a `lint: allow` comment is attached to
        stay on one line: an allowance applies to one line, and which of the rules its warning is about is
        the linter's to say."""
        lines: list[_Line] = []
        previous: m.Rule | None = None
        for rule in rules:
            line = rule.span.line
            plain = not isinstance(rule, m.Either) and previous is not None and not isinstance(previous, m.Either)
            if plain and previous.span.line == line and self._allowed(line):
                lines[-1] = _Line(depth, f"{lines[-1].text}, {rule_text(rule)}", line)
            else:
                lines.extend(self._rule(rule, depth))
            previous = rule
        return lines

    def _allowed(self, line: int) -> bool:
        return any(map(is_allowance, [self.trailing.get(line, ""), *self.leading.get(line, ())]))

    def _rule(self, rule: m.Rule, depth: int) -> list[_Line]:
        if not isinstance(rule, m.Either):
            return [_Line(depth, rule_text(rule), rule.span.line)]
        lines = [_Line(depth, "either", rule.span.line)]
        for index, option in enumerate(rule.options):
            if index:
                lines.append(_Line(depth, "or", self._next_code_line(self._last_line(rule.options[index - 1][-1]))))
            lines.extend(self._rules(option, depth + 1))
        lines.append(_Line(depth, "end", self._last_line(rule)))
        return lines

    def _last_line(self, rule: m.Rule) -> int:
        """The source line a rule ends on: its own line, or an `either` block's `end`."""
        if isinstance(rule, m.Either):
            return self._next_code_line(self._last_line(rule.options[-1][-1]))
        return rule.span.line


# Separates a unit with details from the next unit of its section.
_BLANK = _Line(0, "", -1)


def _learner_columns(ruleset: m.Ruleset) -> list[_Line]:
    """The learner attributes and external qualifications, as declared, each external's grade lines under it."""
    lines = []
    for declared in sorted((*ruleset.attributes, *ruleset.externals), key=lambda d: d.span.line):
        if isinstance(declared, m.LearnerAttribute):
            kind = ("yes or no" if declared.choices is None
                    else "word " + ", ".join(map(_quoted, declared.choices)))
            lines.append(_Line(0, f"attribute {declared.name} {kind} column {_quoted(declared.column)}",
                               declared.span.line))
            continue
        lines.append(_Line(0, f"external {declared.code} {_quoted(declared.title)} column "
                              f"{_quoted(declared.column)}", declared.span.line))
        for row in declared.grades:
            level = "no level" if row.level is None else row.level.text
            lines.append(_Line(1, f"grade {_grade_words(row.grades)} {level}", row.span.line))
    return lines


def _grade_words(grades: tuple[str, ...]) -> str:
    """`9 to 4` for a run of whole numbers a step apart, else each grade, numbers bare and words quoted."""
    if len(grades) > 2 and all(g.isdigit() and g == str(int(g)) for g in grades):
        numbers = [int(g) for g in grades]
        step = numbers[1] - numbers[0]
        if step in (1, -1) and all(b - a == step for a, b in zip(numbers, numbers[1:])):
            return f"{numbers[0]} to {numbers[-1]}"
    return ", ".join(g if g.isdigit() and g == str(int(g)) else _quoted(g) for g in grades)


def _standard(standard: m.Standard) -> list[_Line]:
    return [_Line(0, f"standard {_quoted(standard.title)}", standard.span.line),
            *(_Line(1, f"ksb {ksb.code} {_quoted(ksb.text)}", ksb.span.line) for ksb in standard.ksbs)]


def _unit_details(unit: m.Unit) -> list[_Line]:
    lines = []
    if unit.sector is not None:
        title = f" {_quoted(unit.sector.title)}" if unit.sector.title is not None else ""
        lines.append(_Line(1, f"sector {unit.sector.code}{title}", unit.sector.span.line))
    if unit.simulation_span is not None:
        lines.append(_Line(1, f"simulation {unit.simulation.value}", unit.simulation_span.line))
    if unit.barring_span is not None:
        text = f"barring code {unit.barring}" if unit.barring is not None else "not barred"
        lines.append(_Line(1, text, unit.barring_span.line))
    if unit.prerequisite is not None:
        names = ", ".join(ref.name for ref in unit.prerequisite.units)
        lines.append(_Line(1, f"requires {names}", unit.prerequisite.span.line))
    for outcome in unit.outcomes:
        lines.append(_Line(1, f"outcome {outcome.number} {outcome.kind.value} {_quoted(outcome.text)}",
                           outcome.span.line))
        lines.extend(_Line(2, f"{c.number} {_quoted(c.text)}", c.span.line) for c in outcome.criteria)
    for link in unit.ksb_links:
        codes = ", ".join(ref.code for ref in link.ksbs)
        lines.append(_Line(1, f"ksbs {codes} of {_quoted(link.standard)}", link.span.line))
    return lines


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _unit_table(units: list[m.Unit]) -> list[_Line]:
    present = [(name, right) for name, right in UNIT_FIELDS if any(getattr(u, name) is not None for u in units)]
    rows = []
    for unit in units:
        row = [f"unit {unit.ref}", _quoted(unit.title)]
        for name, right in present:
            value = getattr(unit, name)
            width = max(len(str(getattr(u, name))) for u in units if getattr(u, name) is not None)
            row.append("" if value is None else f"{name} {str(value).rjust(width) if right else str(value).ljust(width)}")
        rows.append(row)
    # Rows end with their credits, or GLH in a section sized in GLH only, so trailing comments line up too.
    lines = []
    for index, (text, unit) in enumerate(zip(align_columns(rows), units)):
        details = _unit_details(unit)
        lines += [_Line(0, text, unit.span.line), *details]
        if details and index + 1 < len(units):
            lines.append(_BLANK)
    return lines
