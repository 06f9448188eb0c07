"""Text to syntax tree: the Lark LALR parser for .qual files, with positions and English syntax errors.

Every syntax error the parser can recover from is reported: the offending line is set aside and the
parse goes on, so one typo does not hide the next.
"""

from __future__ import annotations

import contextvars
import functools
from importlib import resources

import attrs
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from qualrules.interpreter.diagnostics import Diagnostic, Location, Severity

MAX_SYNTAX_ERRORS = 20

# Names for the grammar's named terminals, in the designer's terms.
_TERMINAL_NAMES = {
    "REF": "a unit reference or name",
    "INT": "a number",
    "STRING": 'a quoted title ("...")',
    "_NL": "the end of the line",
    "RULE_SEP": "`,`",
    "$END": "the end of the file",
}

_EITHER_HINT = "an `either` block needs at least one `or` and a closing `end`"
# Keywords that open a new statement outside a qualification's rules: met inside `either`, the block was not closed.
_TOP_LEVEL_KEYWORDS = {"QUALIFICATION", "GROUP", "UNIT", "AWARDING"}

_NUMBER_WORDS = {"ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE", "TEN", "ELEVEN", "TWELVE"}

_comments: contextvars.ContextVar[list[Token]] = contextvars.ContextVar("comments")


def _collect_comment(token: Token) -> Token:
    _comments.get().append(token)
    return token


class _MergeNewlines:
    """Blank and comment-only lines lex as runs of newline tokens; the grammar wants one per statement."""

    always_accept = ("_NL",)

    def process(self, stream):
        previous = "_NL"  # also drops newlines before the first statement
        for token in stream:
            if token.type == "_NL" and previous == "_NL":
                continue
            previous = token.type
            yield token


@functools.cache
def _parser() -> Lark:
    grammar = resources.files(__package__).joinpath("qual.lark").read_text(encoding="utf-8")
    return Lark(
        grammar,
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=False,
        lexer_callbacks={"COMMENT": _collect_comment},
        postlex=_MergeNewlines(),
    )


@attrs.frozen
class ParseResult:
    tree: Tree | None
    comments: tuple[Token, ...]
    diagnostics: tuple[Diagnostic, ...]


def parse(text: str, filename: str) -> ParseResult:
    """Parse a .qual text. `tree` is None when there were syntax errors; `diagnostics` lists them all."""
    if not text.endswith("\n"):
        text += "\n"
    lines = text.split("\n")
    diagnostics: list[Diagnostic] = []
    while True:
        comments: list[Token] = []
        token = _comments.set(comments)
        try:
            tree = _parser().parse("\n".join(lines))
            if diagnostics:
                return ParseResult(None, tuple(comments), tuple(diagnostics))
            return ParseResult(tree, tuple(comments), ())
        except UnexpectedInput as error:
            diagnostic = _describe(error, lines, filename)
            diagnostics.append(diagnostic)
            line = diagnostic.location.line or len(lines)
            if len(diagnostics) >= MAX_SYNTAX_ERRORS or diagnostic.code == "QR003" or not lines[line - 1].strip():
                return ParseResult(None, tuple(comments), tuple(diagnostics))
            # Set the faulty line aside (keeping line numbers) and look for the next error.
            lines[line - 1] = ""
        finally:
            _comments.reset(token)


def _describe(error: UnexpectedInput, lines: list[str], filename: str) -> Diagnostic:
    if isinstance(error, UnexpectedCharacters):
        char = lines[error.line - 1][error.column - 1]
        return Diagnostic(
            code="QR002",
            severity=Severity.ERROR,
            message=f"unexpected character `{char}`",
            location=Location(filename, error.line, error.column, error.line, error.column + 1),
            hint="titles go in double quotes; `#` starts a comment",
        )
    if isinstance(error, UnexpectedEOF) or (isinstance(error, UnexpectedToken) and error.token.type == "$END"):
        last = len(lines)
        while last > 1 and not lines[last - 1].strip():
            last -= 1
        expected = _expected(_accepted(error))
        return Diagnostic(
            code="QR003",
            severity=Severity.ERROR,
            message=f"the file ends too early; expected {expected}",
            location=Location(filename, last, 1, last, len(lines[last - 1]) + 1),
            hint=_EITHER_HINT if {"END", "OR"} & _accepted(error) else None,
        )
    assert isinstance(error, UnexpectedToken)
    token = error.token
    found = "end of line" if token.type == "_NL" else f"`{token.value}`"
    end_line, end_column = (token.line, token.column + 1) if token.type == "_NL" else (token.end_line, token.end_column)
    return Diagnostic(
        code="QR001",
        severity=Severity.ERROR,
        message=f"unexpected {found}; expected {_expected(_accepted(error))}",
        location=Location(filename, token.line, token.column, end_line, end_column),
        hint=_hint(token, _accepted(error)),
    )


def _accepted(error: UnexpectedInput) -> set[str]:
    """The terminals the parser could take here (the lexer's own list also holds always-accepted newlines)."""
    interactive = getattr(error, "interactive_parser", None)
    return set(interactive.accepts()) if interactive is not None else set(getattr(error, "expected", ()))


def _plain_expected(expected: set[str]) -> list[str]:
    names = []
    terminals = {t.name: t for t in _parser().terminals}
    for name in expected:
        if name in _NUMBER_WORDS:
            names.append(_TERMINAL_NAMES["INT"])
        elif name in _TERMINAL_NAMES:
            names.append(_TERMINAL_NAMES[name])
        elif name in terminals and terminals[name].pattern.type == "str":
            names.append(terminals[name].pattern.value)
        else:
            names.append(name.lower())
    return sorted(set(names))


def _expected(expected: set[str]) -> str:
    names = [n if " " in n or n.startswith(("a ", "the ", "`")) else f"`{n}`" for n in _plain_expected(expected)]
    if len(names) > 8:
        names = names[:8] + ["..."]
    return names[0] if len(names) == 1 else "one of " + ", ".join(names)


def _hint(token: Token, expected: set[str]) -> str | None:
    if token.type == "REF" and "STRING" in expected:
        return 'put the title in double quotes: "Understand Sales Communication"'
    if token.type == "_NL" and "STRING" in expected:
        return "a unit or qualification needs a quoted title after its reference"
    if token.type in _TOP_LEVEL_KEYWORDS and "END" in expected:
        return _EITHER_HINT
    return None
