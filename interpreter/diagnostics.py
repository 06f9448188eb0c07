"""Diagnostics: located, coded messages shared by the parser, the checker and the record readers."""

from __future__ import annotations

import difflib
import enum
import functools
import re
import unicodedata
from typing import Iterable

import attrs

from qualrules.interpreter.wording import word_list


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    # Information with nothing to fix, such as the linter's proof that a qualification can be achieved.
    NOTE = "note"


@attrs.frozen
class Location:
    """Where a diagnostic points: a file, then a line/column span (a record's row is its line) and,
    for structured records, the element (`learners[2].units[0]`, `sheet Records`)."""

    file: str
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None
    element: str | None = None


@attrs.frozen
class Diagnostic:
    code: str
    severity: Severity
    message: str
    location: Location
    hint: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_json(self) -> dict:
        loc = self.location
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
            "file": loc.file,
            "line": loc.line,
            "column": loc.column,
            "end_line": loc.end_line,
            "end_column": loc.end_column,
            "element": loc.element,
        }


class DiagnosticError(Exception):
    """Raised where work cannot go on; carries every diagnostic found so far."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(render_plain(d) for d in self.diagnostics))


def close_names(name: str, known: Iterable[str]) -> list[str]:
    """The known names closest to `name`, up to three, matched case-insensitively."""
    by_folded: dict[str, str] = {}
    for candidate in known:
        by_folded.setdefault(candidate.casefold(), candidate)
    return [by_folded[m] for m in difflib.get_close_matches(name.casefold(), list(by_folded), n=3, cutoff=0.6)]


def did_you_mean(name: str, known: Iterable[str]) -> str | None:
    """A hint naming the closest known names, matched case-insensitively."""
    matches = close_names(name, known)
    if not matches:
        return None
    return f"did you mean {word_list([f'`{m}`' for m in matches], 'or')}?"


# What must not reach a terminal raw: C0 and C1 controls (escape sequences, carriage returns, bells), line
# and paragraph separators, bidirectional overrides and isolates (which reorder what is shown), and lone
# surrogates (which cannot even be encoded, so printing them crashes).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def escaped(text: str) -> str:
    """`text` from input made safe to show on a terminal: each unprintable character as its Python escape
    (`\\x1b`, `\\ud800`), everything else as it is."""
    if text.isprintable():  # the usual case, decided in C
        return text
    return _UNPRINTABLE.sub(lambda found: ascii(found.group())[1:-1], text)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def surrogates_escaped(text: str) -> str:
    """`text` with each lone surrogate (only a JSON record can hold one, and it cannot be written as UTF-8)
    as its escape, `\\ud800`, which is also JSON's; everything else as it is."""
    if text.isascii():  # the usual case, decided in C
        return text
    return _LONE_SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def display_width(text: str) -> int:
    """The columns `text` takes on a terminal: two for each wide East Asian character (CJK, fullwidth forms),
    none for a combining mark or a zero-width format character, one for any other."""
    if text.isascii():  # the usual case, decided in C
        return len(text)
    return sum(map(_character_width, text))


@functools.lru_cache(maxsize=4096)
def _character_width(character: str) -> int:
    # A soft hyphen is a format character that terminals show as a hyphen.
    if unicodedata.category(character) in ("Mn", "Me", "Cf") and character != "\u00ad":
        return 0
    return 2 if unicodedata.east_asian_width(character) in ("W", "F") else 1


def cut_to_width(text: str, width: int) -> str:
    """`text` if it fits in `width` columns, else as much of it as fits before a closing `…`."""
    if display_width(text) <= width:
        return text
    room, kept = width - 1, []
    for character in text:
        room -= _character_width(character)
        if room < 0:
            break
        kept.append(character)
    return "".join(kept) + "…"


def padded(text: str, width: int, right: bool = False) -> str:
    """`text` padded with spaces to `width` columns, on the left when `right`-aligned."""
    gap = " " * max(width - display_width(text), 0)
    return gap + text if right else text + gap


def render_plain(diagnostic: Diagnostic) -> str:
    """One line: `file:line:column: severity[CODE]: message (hint)`."""
    loc = diagnostic.location
    where = loc.file
    if loc.line is not None:
        where += f":{loc.line}"
        if loc.column is not None:
            where += f":{loc.column}"
    if loc.element:
        where += f" ({loc.element})"
    text = f"{where}: {diagnostic.severity.value}[{diagnostic.code}]: {diagnostic.message}"
    if diagnostic.hint:
        text += f" ({diagnostic.hint})"
    return escaped(text)


def render(diagnostic: Diagnostic, source: str | None = None) -> str:
    """Compiler-style rendering: the header line, then the source line with a caret under the span."""
    lines = [render_plain(attrs.evolve(diagnostic, hint=None))]  # the hint gets its own `help:` line below
    loc = diagnostic.location
    if source is not None and loc.line is not None and loc.column is not None:
        source_lines = source.split("\n")  # lines as the parser counts them; splitlines() also breaks at \x1c, \x85...
        if 1 <= loc.line <= len(source_lines):
            text = source_lines[loc.line - 1].removesuffix("\r").expandtabs(1)
            gutter = f"{loc.line:>4} | "
            lines.append(gutter + escaped(text))
            if loc.end_line == loc.line and loc.end_column and loc.end_column > loc.column:
                width = loc.end_column - loc.column
            else:
                width = max(1, len(text.rstrip()) - loc.column + 1)
            # The caret stays under the span when characters before or in it are shown escaped or wide.
            before, span = text[:loc.column - 1], text[loc.column - 1:loc.column - 1 + width]
            offset = display_width(escaped(before)) + max(loc.column - 1 - len(before), 0)
            width = max(display_width(escaped(span)) + width - len(span), 1)
            lines.append(" " * (len(gutter) - 2) + "| " + " " * offset + "^" * width)
    if diagnostic.hint:
        lines.append(escaped(f"     = help: {diagnostic.hint}"))
    return "\n".join(lines)
