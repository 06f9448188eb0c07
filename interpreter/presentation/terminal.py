"""What the terminal asks of output: colour or none, and lines that fit its width."""

from __future__ import annotations

import re
import shutil
import sys
from typing import IO, Iterable, Mapping

from qualrules.interpreter.diagnostics import display_width

# An SGR escape sequence, as click.style writes them; other text is taken as it is printed.
_STYLE = re.compile(r"\x1b\[[0-9;]*m")
_RESET = "\x1b[0m"
# A line's indentation: spaces, branches, and the marks before an item (`✓ `, `! `, `x `, `- `).
_INDENT = re.compile(r"(?:[ │├└─]|[✓✗?!x·+-] )*")


def colour(flag: bool | None, environment: Mapping[str, str]) -> bool | None:
    """Whether to colour output: `--color`/`--no-color` first, then NO_COLOR (no-color.org), then FORCE_COLOR
    (force-color.org), each when set to anything but the empty string; None leaves it to whether the output
    is a terminal."""
    if flag is not None:
        return flag
    if environment.get("NO_COLOR"):
        return False
    if environment.get("FORCE_COLOR"):
        return True
    return None


def width(is_terminal: bool) -> int | None:
    """The columns to fit output to: the terminal's (or COLUMNS') on a terminal; None (no limit) elsewhere, as
    files and pipes are read by programs, which want each line whole."""
    return shutil.get_terminal_size().columns if is_terminal else None


class Uncoloured:
    """A stream that takes escape sequences out of what is written to it, for writers that send some without
    asking click (a progress bar hides the cursor and shows it again)."""

    _ESCAPE = re.compile(r"\x1b\[[;?0-9]*[a-zA-Z]")

    def __init__(self, stream: IO[str]):
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(self._ESCAPE.sub("", text))

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def progress_stream(coloured: bool | None) -> IO[str]:
    """Standard error for a progress bar: without escape sequences when colour is off."""
    return Uncoloured(sys.stderr) if coloured is False else sys.stderr


def stdout_columns() -> int | None:
    """The columns to fit standard output to (None: no limit)."""
    return width(sys.stdout.isatty())


def for_terminal(text: str) -> str:
    """Text for standard output, fitted to the terminal when it is one."""
    columns = stdout_columns()
    return text if columns is None else "\n".join(fit(text.split("\n"), columns))


def visible_length(text: str) -> int:
    """The columns `text` takes on a terminal, its escape sequences aside."""
    return display_width(_STYLE.sub("", text))


def fit(lines: Iterable[str], columns: int | None) -> list[str]:
    """Each line wrapped at spaces to `columns` printed characters (None: as it is). A wrapped line's further
    lines hang under its text, past its indentation, tree branches and mark, and keep its styles; a word
    longer than the room left is cut."""
    out: list[str] = []
    for line in lines:
        if columns is None or visible_length(line) <= columns:
            out.append(line)
        else:
            out.extend(_wrapped(line, columns))
    return out


def _wrapped(line: str, columns: int) -> list[str]:
    plain = _STYLE.sub("", line)
    indent = _INDENT.match(plain).group(0)
    # Further lines hang beneath the text: a branch that goes on (│, ├) goes on beside them; all else is space.
    hanging = "".join("│" if character in "│├" else " " for character in indent)
    if len(hanging) > columns // 2:  # too deep to hang under: start further lines at the margin
        hanging = ""
    # The line as (printed character, the styles in force before it); styles are replayed on each new line.
    characters: list[tuple[str, str]] = []
    active = ""
    position = 0
    for match in _STYLE.finditer(line):
        characters.extend((c, active) for c in line[position:match.start()])
        active = "" if match.group(0) == _RESET else active + match.group(0)
        position = match.end()
    characters.extend((c, active) for c in line[position:])
    pieces: list[list[tuple[str, str]]] = []
    start, room = 0, columns
    first = True
    while start < len(characters):
        if not first:
            while start < len(characters) and characters[start][0] == " ":
                start += 1
            if start == len(characters):
                break
        end = _fitting(characters, start, room)
        if end >= len(characters):
            pieces.append(characters[start:])
            break
        cut = next((k for k in range(end, start, -1) if characters[k][0] == " "), None)
        if cut is None or cut <= start + (len(indent) if first else 0):
            cut = end  # no space to break at: cut the word
        pieces.append(characters[start:cut])
        start, first, room = cut, False, columns - len(hanging)
    return [(hanging if k else "") + _styled(piece) for k, piece in enumerate(pieces)]


def _fitting(characters: list[tuple[str, str]], start: int, room: int) -> int:
    """Where a line of `characters` from `start` must end to take at most `room` columns (at least one
    character further, so that every line gains some)."""
    end, used = start, 0
    while end < len(characters):
        used += display_width(characters[end][0])
        if used > room:
            break
        end += 1
    return max(end, start + 1)


def _styled(piece: list[tuple[str, str]]) -> str:
    out, active = [], ""
    for character, styles in piece:
        if styles != active:
            out.append(_RESET + styles if active else styles)
            active = styles
        out.append(character)
    if active:
        out.append(_RESET)
    return "".join(out).rstrip(" ")
