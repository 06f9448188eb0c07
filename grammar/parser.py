"""Text to syntax tree: the Lark LALR parser for .qual files, with positions and English syntax errors.

Every syntax error the parser can recover from is reported: the offending line is set aside and the
parse goes on from the start of that line, so one typo does not hide the next.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import os
import re
import unicodedata
from importlib import resources

import attrs
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.lexer import LexerState, LexerThread, LineCounter
from lark.parsers.lalr_interactive_parser import InteractiveParser
from lark.parsers.lalr_parser_state import ParserState
from lark.utils import TextSlice

from qualrules.interpreter.diagnostics import Diagnostic, Location, Severity, did_you_mean
from qualrules.interpreter.user_cache import cache_folder

MAX_SYNTAX_ERRORS = 20

# Real specifications nest `either` two or three levels deep. Twenty leaves ample room while every step that
# walks the rules recursively (the builder, the checker, wording, the compiler, the solver's model, the
# formatter and the sentences) stays far inside Python's recursion limit, whatever the file holds; it also
# keeps the parser's stack, which recovery copies at every line, short.
MAX_EITHER_DEPTH = 20

# Names for the grammar's named terminals, in the designer's terms.
_TERMINAL_NAMES = {
    "REF": "a unit reference or name",
    "INT": "a number",
    "STRING": 'a quoted title ("...")',
    "_NL": "the end of the line",
    "RULE_SEP": "`,`",
    "DOTTED": "a criterion number (1.1)",
    "GRADE_CODE": "a grade (P, M, D, D*, or several such as DMM)",
    "$END": "the end of the file",
}

# Well-formed stand-ins for block headers that have a syntax error, so recovery keeps the block's shape.
_STAND_INS = {"qualification": 'qualification QAN "title"', "group": "group NAME", "either": "either",
              "or": "or", "end": "end", "unit": 'unit REF "title"', "outcome": 'outcome 1 knowledge "text"',
              "standard": 'standard "title"', "pathway": 'pathway "name"'}

_EITHER_HINT = "an `either` block needs at least one `or` and a closing `end`"
_PATHWAY_HINT = "a `pathway` block needs a closing `end`"
_ONE_LINE_HINT = "`either`, `or` and `end` each stand on a line of their own"
# A specification's "Minimum 13 and maximum 36 credits", which the language says as `between 13 and 36 credits`.
_MIN_AND_MAX = re.compile(r"\bmin(?:imum)?\s+(\d+)\s+(?:credits?\s+|units?\s+)?and\s+(?:a\s+)?max(?:imum)?\s+(\d+)\s+"
                          r"(credits|units|glh|tqt)\b", re.IGNORECASE)
# Keywords that open a new statement outside a qualification's rules: met inside `either`, the block was not closed.
_TOP_LEVEL_KEYWORDS = {"QUALIFICATION", "GROUP", "UNIT", "AWARDING", "STANDARD"}

_NUMBER_WORDS = {"ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE", "TEN", "ELEVEN", "TWELVE"}

# Keywords that can open a rule, and those that open a key fact or the pool: where the parser could take any
# rule, the message says "a rule" rather than listing twenty keywords.
_RULE_STARTS = {"LEARNERS", "A", "AT", "MIN", "MINIMUM", "MAX", "MAXIMUM", "EXACTLY", "BETWEEN", "CREDITS", "CREDIT", "UNITS", "UNIT",
                "GLH", "TQT", "ALL", "CHOOSE", "NOT", "COMPLETE", "AGE", "EITHER", "REQUIRES"}
_FACT_STARTS = {"LEVEL", "CREDIT", "GUIDED", "TOTAL", "UNITS"}
_GRADING_STARTS = {"POINTS", "GRADE", "ALLOW", "OTHERWISE", "MARKS"}
# Words of a specification's own phrasing (`Learners must achieve`, `A minimum of`, `must come from`,
# `or higher`, a closing `.`). Each is optional beside a shorter wording, so "expected ..." names them only where
# nothing else could come; and none is accepted where a name could stand, so they reserve no names.
_PHRASING_WORDS = {"LEARNERS", "MUST", "ACHIEVE", "PASS", "A", "MAY", "COME", "BE", "HIGHER", "DOT"}

# Hints for characters the language never uses, by what they usually mean.
_CHARACTER_HINTS = {
    "“": 'titles go in straight double quotes: "..."',
    "”": 'titles go in straight double quotes: "..."',
    "‘": 'titles go in straight double quotes: "..."',
    "’": 'titles go in straight double quotes: "..."',
    ";": "put each rule on its own line, or separate rules on one line with `,`",
    "-": "write a range as `13 to 36`",
}
_DEFAULT_CHARACTER_HINT = "titles go in double quotes; `#` starts a comment"

_comments: contextvars.ContextVar[list[Token]] = contextvars.ContextVar("comments")


def _collect_comment(token: Token) -> Token:
    _comments.get().append(token)
    return token


# The type given to a word run into the keyword before it (`qualificationn`, `group1`), which no rule takes.
GLUED = "GLUED"


class _MergeNewlines:
    """Blank and comment-only lines lex as runs of newline tokens; the grammar wants one per statement.

    A keyword matches the start of a longer word (`qualificationn` lexes as `qualification` + `n`), which could
    silently read as a keyword and a name: the word after a keyword with no space between is made a GLUED
    token, which the parser refuses, so the whole word is reported."""

    always_accept = ("_NL",)

    def process(self, stream):
        keywords = _keyword_terminals()
        previous = Token("_NL", "")  # also drops newlines before the first statement
        for token in stream:
            if token.type == "_NL" and previous.type == "_NL":
                continue
            if (previous.type in keywords and token.start_pos == previous.end_pos
                    and token.value[:1].isalnum()):
                token = Token.new_borrow_pos(GLUED, token.value, token)
            previous = token
            yield token


@functools.cache
def lark_parser() -> Lark:
    """The compiled LALR parser, built once; tools and tests read its terminals and rules from here."""
    grammar = resources.files(__package__).joinpath("qual.lark").read_text(encoding="utf-8")
    return Lark(
        grammar,
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=False,
        lexer_callbacks={"COMMENT": _collect_comment},
        postlex=_MergeNewlines(),
        cache=parser_cache(grammar),
    )


def parser_cache(grammar: str) -> str | bool:
    """The file that keeps the parser's tables between runs (building them takes half a second, reading them a
    few milliseconds), in the user's own cache folder (`user_cache`); False where there is none."""
    folder = cache_folder()
    if folder is None:
        return False
    return os.path.join(folder, f"parser-{hashlib.sha256(grammar.encode()).hexdigest()[:16]}.lark")


def reserved_keyword(name: str) -> str | None:
    """The keyword a name would be read as (statement words match in any case), or None."""
    for terminal in lark_parser().terminals:
        if terminal.name in _PHRASING_WORDS:
            continue
        pattern = terminal.pattern
        if pattern.type == "str" and (name == pattern.value or ("i" in pattern.flags and name.casefold() == pattern.value)):
            return pattern.value
    return None


@attrs.frozen
class ParseResult:
    tree: Tree | None
    comments: tuple[Token, ...]
    diagnostics: tuple[Diagnostic, ...]


def parse(text: str, filename: str) -> ParseResult:
    """Parse a .qual text. `tree` is None when there were syntax errors; `diagnostics` lists them all."""
    text = text.removeprefix("\ufeff")  # editors on Windows start UTF-8 files with a byte-order mark
    if not text.endswith("\n"):
        text += "\n"
    comments: list[Token] = []
    token = _comments.set(comments)
    try:
        tree, diagnostics = _parse_recovering(text.split("\n"), filename, comments)
    finally:
        _comments.reset(token)
    return ParseResult(tree, tuple(comments), tuple(diagnostics))


@attrs.frozen
class _LineStart:
    """The parser as it stood after the newline that ended a statement (or at the start of the file): where
    the parse resumes once a faulty line after it is set aside, instead of parsing the whole file again."""

    state_stack: list
    value_stack: list
    # The parser grows the child list of a tree on its stack in place (left recursion): their lengths then.
    child_counts: tuple[tuple[Tree, int], ...]
    newline: Token | None
    comment_count: int
    # Each block open here, outermost first: the token that opens it (`either`, `pathway`), and the parser as
    # it stood before that token's line.
    blocks: tuple[tuple[Token, "_LineStart"], ...]

    @classmethod
    def of(cls, state: ParserState, newline: Token | None, comments: list[Token],
           blocks: tuple[tuple[Token, "_LineStart"], ...]) -> "_LineStart":
        return cls(state.state_stack[:], state.value_stack[:],
                   tuple((v, len(v.children)) for v in state.value_stack if isinstance(v, Tree)),
                   newline, len(comments), blocks)

    @property
    def line(self) -> int:
        return self.newline.line + 1 if self.newline else 1

    def resume(self, state: ParserState, text: str, comments: list[Token]) -> tuple[ParserState, LexerThread]:
        """A parser at this point of `text` (the same up to here), and a lexer reading on from here."""
        for tree, count in self.child_counts:
            del tree.children[count:]
        del comments[self.comment_count:]
        resumed = ParserState(state.parse_conf, state.lexer, self.state_stack[:], self.value_stack[:])
        counter = LineCounter("\n")
        counter.line = self.line
        counter.char_pos = counter.line_start_pos = self.newline.end_pos if self.newline else 0
        return resumed, LexerThread(state.lexer.lexer, LexerState(TextSlice.cast_from(text), counter, self.newline))


def _parse_recovering(lines: list[str], filename: str, comments: list[Token]) -> tuple[Tree | None, list[Diagnostic]]:
    """The tree, or None and every syntax error found. Each faulty line is set aside (keeping line numbers)
    and the parse resumes at the start of that line, so the text before it is read once."""
    interactive = lark_parser().parse_interactive("\n".join(lines))
    state, lexer = interactive.parser_state, interactive.lexer_thread
    file_start = line_start = _LineStart.of(state, None, comments, ())
    diagnostics: list[Diagnostic] = []
    stood_in: set[int] = set()
    while True:
        blocks = line_start.blocks
        try:
            for token in lexer.lex(state):
                state.feed_token(token)
                # A `pathway` block closes with `end` too; `pathway required` is a statement, not a block.
                if token.type in ("EITHER", "PATHWAY"):
                    blocks += ((token, line_start),)
                    if len(blocks) > MAX_EITHER_DEPTH:
                        return None, [*diagnostics, _too_deep(token, filename)]
                elif token.type in ("REQUIRED", "END"):
                    blocks = blocks[:-1]
                elif token.type == "_NL":
                    line_start = _LineStart.of(state, token, comments, blocks)
            last = lexer.state.last_token
            end = Token.new_borrow_pos("$END", "", last) if last else Token("$END", "", 0, 1, 1)
            tree = state.feed_token(end, True)
            return (None, diagnostics) if diagnostics else (tree, [])
        except UnexpectedInput as error:
            error.interactive_parser = InteractiveParser(interactive.parser, state, lexer)
            diagnostic = _describe(error, lines, filename)
            line = diagnostic.location.line or len(lines)
            if line in stood_in:  # the stand-in does not fit either: the first report stands, drop the line
                stood_in.discard(line)
                lines[line - 1] = ""
            elif (isinstance(error, UnexpectedToken) and error.token.type in _TOP_LEVEL_KEYWORDS and blocks
                  and diagnostic.hint in (_EITHER_HINT, _PATHWAY_HINT)
                  and error.token.column == _indent(lines[line - 1]) + 1):
                # A new statement met inside a block that was never closed: name the block, and read on from
                # the statement as if the block were not there, so the errors after it are found too.
                opener, outermost = blocks[-1][0], blocks[0][1]
                diagnostics.append(attrs.evolve(diagnostic, hint=f"the `{opener.value.casefold()}` on line "
                                                f"{opener.line} is never closed: add `end` before line {line}"))
                if len(diagnostics) >= MAX_SYNTAX_ERRORS:
                    return None, diagnostics
                lines[outermost.line - 1:line - 1] = [""] * (line - outermost.line)
                line_start = outermost
            else:
                diagnostics.append(diagnostic)
                # After a block left open at the end of the file, there is nothing more to read.
                unclosed = diagnostic.hint in (_EITHER_HINT, _PATHWAY_HINT)
                if (len(diagnostics) >= MAX_SYNTAX_ERRORS or diagnostic.code == "QR003" or unclosed
                        or not lines[line - 1].strip()):
                    return None, diagnostics
                # A faulty block header gives way to a well-formed one, so the statements under it are still
                # read as its own.
                keyword = re.match(r"\s*([A-Za-z]*)", lines[line - 1]).group(1).casefold()
                if keyword == "either" and diagnostic.hint and diagnostic.hint.startswith(_ONE_LINE_HINT):
                    # `either all of A1` on one line: the block it opens is set aside whole, to its `end`,
                    # so its `or` and `end` are not reported again as lines out of place.
                    last = _block_end(lines, line)
                    if last is not None:
                        lines[line - 1:last] = [""] * (last - line + 1)
                        state, lexer = line_start.resume(state, "\n".join(lines), comments)
                        continue
                if isinstance(error, UnexpectedToken) and error.token.type == GLUED:
                    # `qualificationn ...`: the keyword the word starts with opens the block.
                    keyword = lines[line - 1][:error.token.column - 1].split()[-1].casefold()
                lines[line - 1] = _STAND_INS.get(keyword, "")
                if lines[line - 1]:
                    stood_in.add(line)
            if line < line_start.line:  # only at the end of the file: a stand-in given up
                line_start = file_start
            state, lexer = line_start.resume(state, "\n".join(lines), comments)


def _block_end(lines: list[str], opened: int) -> int | None:
    """The line of the `end` that closes the block opened on line `opened`, blocks inside it counted; None
    when it is never closed."""
    depth = 0
    for number in range(opened, len(lines) + 1):
        words = lines[number - 1].casefold().split() or [""]
        word = words[0]
        if word in ("either", "pathway") and words[1:2] != ["required"]:
            depth += 1
        elif word == "end":
            depth -= 1
            if depth == 0:
                return number
    return None


def _too_deep(either: Token, filename: str) -> Diagnostic:
    return Diagnostic(
        "QR118", Severity.ERROR, f"this `either` is nested {MAX_EITHER_DEPTH + 1} deep; at most {MAX_EITHER_DEPTH} "
        "levels are allowed", Location(filename, either.line, either.column, either.end_line, either.end_column),
        "write the inner alternatives as further options of an outer `either`")


def _describe(error: UnexpectedInput, lines: list[str], filename: str) -> Diagnostic:
    if isinstance(error, UnexpectedCharacters):
        line = lines[error.line - 1]
        char = line[error.column - 1]
        hint = _CHARACTER_HINTS.get(char) or _pasted_character_hint(char) or _DEFAULT_CHARACTER_HINT
        if line.startswith("//", error.column - 1):
            hint = "comments start with `#`"
        if char == '"' and '"' not in line[error.column:]:
            # A title's closing quote, missing: the quote starts no token the line can end.
            return Diagnostic("QR002", Severity.ERROR, "this quote is not closed on its line",
                              Location(filename, error.line, error.column, error.line, error.column + 1),
                              'close the title with `"` before the end of the line (a title is one line)')
        # A character beyond ASCII is named, as it may look like another or not show at all.
        named = "" if char.isascii() else f" (U+{ord(char):04X} {unicodedata.name(char, 'unnamed character')})"
        return Diagnostic(
            code="QR002",
            severity=Severity.ERROR,
            message=f"unexpected character `{char}`{named}",
            location=Location(filename, error.line, error.column, error.line, error.column + 1),
            hint=hint,
        )
    if isinstance(error, UnexpectedEOF) or (isinstance(error, UnexpectedToken) and error.token.type == "$END"):
        last = len(lines)
        while last > 1 and not lines[last - 1].strip():
            last -= 1
        expected = expected_text(_accepted(error))
        return Diagnostic(
            code="QR003",
            severity=Severity.ERROR,
            message=f"the file ends too early; expected {expected}",
            location=Location(filename, last, _indent(lines[last - 1]) + 1, last, len(lines[last - 1].rstrip()) + 1),
            hint=_EITHER_HINT if "OR" in _accepted(error) else _PATHWAY_HINT if "END" in _accepted(error) else None,
        )
    assert isinstance(error, UnexpectedToken)
    token = error.token
    line = lines[token.line - 1]
    accepted = _accepted(error)
    start = token.column - 1
    while token.type != "_NL" and token.value[:1].isalnum() and start > 0 and line[start - 1].isalnum():
        start -= 1
    if start < token.column - 1:
        # The token is the tail of a longer word (`levels` lexes as `level` + `s`): report the word.
        word = re.match(r"\S+", line[start:]).group()
        keyword, rest = line[start:token.column - 1], token.value
        spaced = token.type == GLUED and (rest.isdigit() or rest.casefold() in map(str.casefold, _keywords()))
        return Diagnostic(
            code="QR001",
            severity=Severity.ERROR,
            message=f"unexpected `{word}`",
            location=Location(filename, token.line, start + 1, token.line, start + len(word) + 1),
            hint=f"put a space between `{keyword}` and `{rest}`" if spaced else did_you_mean(word, _keywords()),
        )
    found = "end of line" if token.type == "_NL" else f"`{token.value}`"
    end_line, end_column = (token.line, token.column + 1) if token.type == "_NL" else (token.end_line, token.end_column)
    if token.value == ",":
        # A `,` the parser cannot take is one with nothing it can list or separate after it.
        accepted -= {"COMMA", "RULE_SEP"}
    return Diagnostic(
        code="QR001",
        severity=Severity.ERROR,
        message=f"unexpected {found}; expected {expected_text(accepted)}",
        location=Location(filename, token.line, token.column, end_line, end_column),
        hint=_hint(token, accepted, lines),
    )


def _pasted_character_hint(char: str) -> str | None:
    """What to type for a character text pasted from a PDF or a word processor brings: a space of another
    kind, a dash, or an invisible formatting character."""
    category = unicodedata.category(char)
    if category == "Zs":
        return "type an ordinary space in its place"
    if category == "Pd":
        return "type a hyphen `-` in its place"
    if category == "Cf":
        return "delete it: it is invisible, and the language has no use for it"
    return None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _accepted(error: UnexpectedInput) -> set[str]:
    """The terminals the parser could take here (the lexer's own list also holds always-accepted newlines)."""
    interactive = getattr(error, "interactive_parser", None)
    return set(interactive.accepts()) if interactive is not None else set(getattr(error, "expected", ()))


def _plain_expected(expected: set[str]) -> list[str]:
    summary, names = [], []
    terminals = {t.name: t for t in lark_parser().terminals}
    if expected - _PHRASING_WORDS:
        expected = expected - _PHRASING_WORDS
    if {"ALL", "CHOOSE"} <= expected:
        summary.append("a rule")
        expected = expected - _RULE_STARTS
        if {"GUIDED", "TOTAL"} <= expected:
            summary.extend(["a key fact", "`units from`"])
            expected = expected - _FACT_STARTS
        if _GRADING_STARTS <= expected:
            summary.append("a grading statement")
            expected = expected - _GRADING_STARTS
    for name in expected:
        if name in _NUMBER_WORDS:
            names.append(_TERMINAL_NAMES["INT"])
        elif name in _TERMINAL_NAMES:
            names.append(_TERMINAL_NAMES[name])
        elif name in terminals and terminals[name].pattern.type == "str":
            names.append(terminals[name].pattern.value)
        else:
            names.append(name.lower())
    return summary + sorted(set(names))


@functools.cache
def _keyword_terminals() -> frozenset[str]:
    """The names of the terminals that are keywords (words the grammar spells out)."""
    return frozenset(t.name for t in lark_parser().terminals if t.pattern.type == "str" and t.pattern.value.isalpha())


def _keywords() -> list[str]:
    """Every keyword of the language."""
    return [t.pattern.value for t in lark_parser().terminals
            if t.pattern.type == "str" and t.pattern.value.isalpha() and t.name not in _NUMBER_WORDS]


def expected_text(expected: set[str]) -> str:
    """What the parser could take next, named in the designer's terms: "one of a rule, `end`, `or`"."""
    names = [n if " " in n or n.startswith(("a ", "the ", "`")) else f"`{n}`" for n in _plain_expected(expected)]
    names = list(dict.fromkeys(names))  # RULE_SEP and a listing comma are both `,`
    if len(names) > 8:
        names = names[:8] + ["..."]
    return names[0] if len(names) == 1 else "one of " + ", ".join(names)


def _hint(token: Token, expected: set[str], lines: list[str]) -> str | None:
    if re.fullmatch(r"[0-9]+\.[0-9]+", token.value) and "OUTCOME" in expected:
        return 'an assessment criterion goes under its learning outcome: `outcome 1 knowledge "Understand ..."`'
    if {"KNOWLEDGE", "SKILLS"} <= expected:
        return 'state the outcome\'s kind: `knowledge` ("Understand ...") or `skills` ("Be able to ...")'
    if token.type == "REF" and "REQUIRED" in expected:
        return 'a pathway\'s name goes in double quotes: `pathway "Marketing"`; or write `pathway required`'
    if token.type == "REF" and "STRING" in expected:
        return 'put the title in double quotes: "Understand Sales Communication"'
    if token.type == "_NL" and "STRING" in expected:
        return "a unit or qualification needs a quoted title after its reference"
    if (token.type in _TOP_LEVEL_KEYWORDS and "OR" in expected) or (token.type == "END" and "OR" in expected):
        return _EITHER_HINT
    if token.type in _TOP_LEVEL_KEYWORDS and "END" in expected:
        return _PATHWAY_HINT
    if token.value.casefold() == "requires" and "END" in expected:
        block = "one option of `either`" if "OR" in expected else "one pathway"
        return (f"a requirement of the learner (`requires ...`) applies to the whole qualification, not to {block}: "
                "move it out of the block")
    line = lines[token.line - 1]
    statement = line.split()
    if statement[0].casefold() in ("unit", "group") and "STRING" not in expected and any(
            line.split()[:1] == ["qualification"] for line in map(str.casefold, lines[:token.line - 1])):
        return "units and groups are declared before the first qualification: move this line up"
    if token.value == ",":
        return "a `,` must be followed by another unit, group or rule"
    if token.type == "_NL" and line.rstrip().endswith(","):
        return "delete the `,` at the end of the line, or add what it lists"
    if range_words := _MIN_AND_MAX.search(line):
        low, high, measure = range_words.groups()
        return f"write the range as one rule: `between {low} and {high} {measure}`"
    if token.value.casefold() == "which" and line[:token.column - 1].rstrip().casefold().endswith("of"):
        return ("a condition on some of those units is a rule of its own, on its own line or after a `,`: "
                "`at least 1 unit from ... at level 4 or above`")
    if token.value.casefold() == "of" and line[:token.column - 1].rstrip().casefold().endswith("each"):
        return "write a rule for each group, one after another: `at least 2 units from Group 1, at least 2 units from Group 2`"
    if token.value == "and" and "RULE_SEP" in expected:
        return "separate two rules on one line with `,`"
    if token.value == "or" and "RULE_SEP" in expected:
        return ("for a choice between two rules, write an `either` block: `either`, the first rule, `or`, the second "
                "and `end`, each on its own line (a `,` would make both rules apply)")
    if statement[0].casefold() in ("either", "or") and expected <= {"_NL"} and token.type != "_NL":
        rule = line.split("#")[0].split(None, 1)[1].strip()
        return f"{_ONE_LINE_HINT}: put `{rule}` on the next line"
    if expected == {"OR"} and statement[0].casefold() == "age":
        return "write `age N or over`"
    if expected == {"OR"} and "level" in line[:token.column - 1].casefold().split():
        return "write `at level N or above`"
    if token.type != "_NL" and token.value.isalpha():
        words = [t.pattern.value for t in lark_parser().terminals if t.name in expected and t.pattern.type == "str"]
        return did_you_mean(token.value, words)
    return None
