"""A mapping profile: what a provider's records files mean, said once in TOML and read by every command.

Found as `--profile FILE`, else `qualrules.toml` in the working directory, else the `[tool.qualrules]` table
of `pyproject.toml` there (see docs/profiles.md). Checked strictly: every mistake is a located, coded error.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Mapping

import attrs

from qualrules.interpreter.diagnostics import Diagnostic, DiagnosticError, Location, Severity, did_you_mean
from qualrules.interpreter.records.approvals import column_key
from qualrules.interpreter.records.dates import DateForms
from qualrules.interpreter.records.log_checks import CRITERION_RESULT_WORDS
from qualrules.interpreter.records.options import DEFAULT_OPTIONS, ReadOptions, toml_string
from qualrules.interpreter.records.readers import FIELDS, Vocabulary, normalised_result
from qualrules.interpreter.records.synonyms import likely_units
from qualrules.interpreter.records.text import delimiter_named, encoding_named
from qualrules.interpreter.wording import word_list

PROFILE_FILE = "qualrules.toml"
PYPROJECT = "pyproject.toml"
PYPROJECT_TABLE = ("tool", "qualrules")
UNKNOWN_UNITS = ("warn", "error")

# Each key of a profile, with the kind of value it takes (for messages) and an example line (for hints).
KEYS = {
    "qualifications": ("a list of QANs", 'qualifications = ["610/3788/6"]'),
    "rulesets": ("a list of .qual files", 'rulesets = ["rulesets/our-award.qual"]'),
    "encoding": ("the name of a text encoding", 'encoding = "cp1252"'),
    "delimiter": ("one of \",\", \";\" or \"\\t\"", 'delimiter = ";"'),
    "date_formats": ("a list of date forms", 'date_formats = ["dd/mm/yy"]'),
    "unknown_units": ('"warn" or "error"', 'unknown_units = "error"'),
    "columns": ("a table of column headings", '[columns]\n"Learner Ref" = "learner"'),
    "results": ("a table of result words", '[results]\n"Referral" = "referred"'),
    "units": ("a table of unit references", '[units]\n"Unit 501" = "501"'),
}


# The keys saying how a file's text is written: the reader's check of each value, and what to do instead.
READ_AS = {
    "encoding": (encoding_named, "leave it out to have the encoding told from the file's bytes"),
    "delimiter": (delimiter_named, "leave it out to have the delimiter told from the header"),
    "date_formats": (DateForms.named, "see docs/profiles.md for the date forms and what each reads"),
}


@attrs.frozen
class Profile:
    """A loaded profile; `file` is None when there is none, and everything is at its default."""

    file: str | None
    options: ReadOptions = DEFAULT_OPTIONS
    qualifications: tuple[str, ...] = ()
    rulesets: tuple[str, ...] = ()  # paths, relative to the working directory
    # Each mapped result word (normalised) -> where the profile maps it, to report a target that is no word.
    result_lines: Mapping[str, Location] = attrs.field(factory=dict)
    # Each mapped unit cell (trimmed, case-folded) -> the cell and its reference as the profile writes them,
    # and where, to report a reference no loaded catalogue declares.
    unit_lines: Mapping[str, tuple[str, str, Location]] = attrs.field(factory=dict)
    # Where the profile gives its qualifications, to report one that is not loaded.
    qualifications_line: Location | None = None

    def unknown_targets(self, vocabulary: Vocabulary) -> list[Diagnostic]:
        """What the profile maps to that the loaded rulesets do not know: QR634 for each result word mapped
        to a word that is neither a result word of a loaded awarding body nor a criterion's result word (an
        achievement log's status column holds both), QR639 for each unit cell mapped to a reference no loaded
        catalogue declares."""
        accepted = vocabulary.results | set(vocabulary.scoped_results) | set(CRITERION_RESULT_WORDS)
        words = ", ".join(sorted(vocabulary.results))
        criterion_words = word_list(CRITERION_RESULT_WORDS, "and")
        unknown = [Diagnostic("QR634", Severity.ERROR, f"{given!r} is mapped to {word!r}, which is not a result word",
                              self.result_lines[given], did_you_mean(word, accepted)
                              or f"the result words are {words}; a criterion's are {criterion_words}")
                   for given, word in self.options.result_words.items() if word not in accepted]
        refs = vocabulary.unit_refs.values()
        for key, ref in self.options.units.items():
            if ref not in vocabulary.unit_refs:
                cell, written, location = self.unit_lines[key]
                # The reference itself may be written another way (`228` for `8570-228`), or mistyped.
                likely = [f"`{known}`" for known in likely_units(written, refs)]
                hint = (f"did you mean {word_list(likely, 'or')}?" if likely else did_you_mean(written, refs)) \
                    or "give the ruleset that declares it with --ruleset or the profile's `rulesets`, or map the " \
                    "cell to a reference `qualrules show QAN` lists"
                unknown.append(Diagnostic("QR639", Severity.ERROR, f"unit {cell!r} is mapped to {written!r}, which "
                                          "no loaded catalogue declares", location, hint))
        return unknown


NO_PROFILE = Profile(None)


def load_profile(file: str | Path | None = None, folder: str | Path = ".") -> Profile:
    """The profile in use: `file`, else the one in `folder`; raises DiagnosticError for a bad one."""
    folder = Path(folder)
    if file is not None:
        path = Path(file)
        table = PYPROJECT_TABLE if path.name == PYPROJECT else ()
        return _read(path, table, required=True) or NO_PROFILE
    if (folder / PROFILE_FILE).is_file():
        return _read(folder / PROFILE_FILE, (), required=True) or NO_PROFILE
    if (folder / PYPROJECT).is_file():
        return _read(folder / PYPROJECT, PYPROJECT_TABLE, required=False) or NO_PROFILE
    return NO_PROFILE


def _read(path: Path, table: tuple[str, ...], required: bool) -> Profile | None:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _error("QR630", name, None, "the profile does not exist",
                     f"`qualrules init RECORDS` writes a starter {PROFILE_FILE}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise _error("QR630", name, None, f"cannot read the profile: {error}", "save it as UTF-8 text") from error
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        where = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error)) or "not valid TOML"
        raise _error("QR630", name, Location(name, int(where[1]), int(where[2])) if where else None,
                     f"the profile is not valid TOML: {message}",
                     "see docs/profiles.md for the form of each key") from error
    lines = _KeyLines(name, text)
    for key in table:
        document = document.get(key)
        if document is None:
            if required:
                raise _error("QR630", name, None, f"the file has no [{'.'.join(table)}] table",
                             f"add one, or move the profile to {PROFILE_FILE}")
            return None
        if not isinstance(document, dict):
            raise _error("QR632", name, lines.at(table[:table.index(key) + 1]),
                         f"`{'.'.join(table)}` must be a table", f"write it as [{'.'.join(table)}]")
    return _profile(document, table, lines, path)


def _profile(document: dict[str, Any], table: tuple[str, ...], lines: "_KeyLines", path: Path) -> Profile:
    prefix = "".join(f"{key}." for key in table)
    errors: list[Diagnostic] = []

    def error(code: str, keys: tuple[str, ...], message: str, hint: str | None) -> None:
        errors.append(Diagnostic(code, Severity.ERROR, message, lines.at(table + keys) or Location(lines.file), hint))

    def strings(key: str, value: Any) -> tuple[str, ...]:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        error("QR632", (key,), f"`{prefix}{key}` must be {KEYS[key][0]}, not {_kind(value)}", KEYS[key][1])
        return ()

    def text(key: str, value: Any) -> str | None:
        if isinstance(value, str):
            return value
        error("QR632", (key,), f"`{prefix}{key}` must be {KEYS[key][0]}, not {_kind(value)}", KEYS[key][1])
        return None

    def mapping(key: str, value: Any) -> dict[str, str]:
        if not isinstance(value, dict):
            error("QR632", (key,), f"`{prefix}{key}` must be {KEYS[key][0]}, not {_kind(value)}",
                  f"write it as a table: {KEYS[key][1]}".replace("[", f"[{prefix}", 1))
            return {}
        found = {}
        for given, target in value.items():
            if isinstance(target, str):
                found[given] = target
            else:
                error("QR632", (key, given), f"{given!r} under [{prefix}{key}] must be mapped to a string, "
                      f"not {_kind(target)}", f"write it as  {toml_string(given)} = \"...\"")
        return found

    settings: dict[str, Any] = {}
    qualifications: tuple[str, ...] = ()
    rulesets: tuple[str, ...] = ()
    columns: dict[str, str] = {}
    results: dict[str, str] = {}
    result_lines: dict[str, Location] = {}
    units: dict[str, str] = {}
    unit_lines: dict[str, tuple[str, str, Location]] = {}
    # Each heading and result word as first written, by the key readers match it by.
    column_headings: dict[str, str] = {}
    result_words_given: dict[str, str] = {}
    for key, value in document.items():
        if key not in KEYS:
            error("QR631", (key,), f"unknown key `{prefix}{key}` in the profile",
                  did_you_mean(key, KEYS) or f"a profile's keys are {', '.join(KEYS)}")
        elif key == "qualifications":
            qualifications = strings(key, value)
        elif key == "rulesets":
            # Relative to the profile, so it reads the same from wherever it is given.
            rulesets = tuple(str(path.parent / ruleset) if path.parent != Path(".") else ruleset
                             for ruleset in strings(key, value))
        elif key in READ_AS:
            # Checked as the readers will take it, so a bad value is refused here, where it is written.
            given = strings(key, value) if key == "date_formats" else text(key, value)
            try:
                READ_AS[key][0](given)
                settings[key] = given
            except ValueError as refusal:
                error("QR632", (key,), f"`{prefix}{key}` cannot be {_shown(given)}: {refusal}", READ_AS[key][1])
        elif key == "unknown_units":
            policy = text(key, value)
            if policy is not None and policy not in UNKNOWN_UNITS:
                error("QR632", (key,), f"`{prefix}unknown_units` is {policy!r}, not {KEYS[key][0]}",
                      did_you_mean(policy, UNKNOWN_UNITS) or KEYS[key][1])
            elif policy is not None:
                settings[key] = policy
        elif key == "columns":
            for heading, field in mapping(key, value).items():
                if field not in FIELDS:
                    error("QR633", (key, heading), f"column {heading!r} is mapped to {field!r}, which is not a "
                          "field of a record", did_you_mean(field, FIELDS) or f"the fields are {', '.join(FIELDS)}")
                elif columns.setdefault(matched := column_key(heading), field) != field:
                    error("QR632", (key, heading), f"columns {column_headings[matched]!r} and {heading!r} are one "
                          f"heading to a reader (headings match ignoring case and spaces), mapped both to "
                          f"{columns[matched]!r} and to {field!r}", "keep one of the two lines")
                else:
                    column_headings.setdefault(matched, heading)
        elif key == "units":
            for cell, ref in mapping(key, value).items():
                folded, meant = cell.strip().casefold(), ref.strip().casefold()
                if not folded:
                    error("QR632", (key, cell), "an empty unit cell cannot be mapped: a row without a unit is an "
                          "error (QR501) whatever the profile says", "delete the line")
                elif units.setdefault(folded, meant) != meant:
                    first, mapped, _ = unit_lines[folded]
                    error("QR632", (key, cell), f"units {first!r} and {cell!r} are one unit cell to a reader (unit "
                          f"cells match ignoring case and spaces around them), mapped both to {mapped!r} and to "
                          f"{ref.strip()!r}", "keep one of the two lines")
                else:
                    unit_lines.setdefault(folded, (cell, ref.strip(), lines.at(table + (key, cell))
                                                   or Location(lines.file)))
        else:
            for given, word in mapping(key, value).items():
                folded, meant = normalised_result(given), normalised_result(word)
                if results.setdefault(folded, meant) != meant:
                    error("QR632", (key, given), f"results {result_words_given[folded]!r} and {given!r} are one word "
                          f"to a reader (results match ignoring case and spaces), mapped both to {results[folded]!r} "
                          f"and to {meant!r}", "keep one of the two lines")
                    continue
                result_words_given.setdefault(folded, given)
                result_lines[folded] = lines.at(table + (key, given)) or Location(lines.file)
    if errors:
        raise DiagnosticError(errors)
    options = ReadOptions(columns=columns, result_words=results, units=units, **settings,
                          profile_file=str(path), profile_tables=prefix)
    return Profile(str(path), options, qualifications, rulesets, result_lines, unit_lines,
                   lines.at(table + ("qualifications",)))


def _error(code: str, file: str, location: Location | None, message: str, hint: str) -> DiagnosticError:
    return DiagnosticError([Diagnostic(code, Severity.ERROR, message, location or Location(file), hint)])


def _shown(value: str | tuple[str, ...] | None) -> str:
    """A string or list value as the profile writes it."""
    if isinstance(value, tuple):
        return "[" + ", ".join(map(toml_string, value)) + "]"
    return toml_string(value) if value is not None else "not a string"


def _kind(value: Any) -> str:
    names = {bool: "true or false", int: "a number", float: "a number", str: "a string", list: "a list",
             dict: "a table"}
    return names.get(type(value), f"a {type(value).__name__}")


# A bare or quoted TOML key, and a dotted one.
_KEY = r'(?:"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|[A-Za-z0-9_-]+)'
_DOTTED = rf"{_KEY}(?:[ \t]*\.[ \t]*{_KEY})*"
_TABLE_LINE = re.compile(rf"[ \t]*\[[ \t]*({_DOTTED})[ \t]*\]")
_KEY_LINE = re.compile(rf"[ \t]*({_DOTTED})[ \t]*=")


class _KeyLines:
    """Where each key of a TOML text is written, for locating a mistake (tomllib gives values only)."""

    def __init__(self, file: str, text: str):
        self.file = file
        self.found: dict[tuple[str, ...], tuple[int, int, int]] = {}
        table: tuple[str, ...] = ()
        for number, line in enumerate(text.split("\n"), start=1):
            header = _TABLE_LINE.match(line)
            key = None if header else _KEY_LINE.match(line)
            if header:
                table = self._path(header[1])
                self.found.setdefault(table, (number, header.start(1) + 1, header.end(1) + 1))
            elif key:
                self.found.setdefault(table + self._path(key[1]), (number, key.start(1) + 1, key.end(1) + 1))

    @staticmethod
    def _path(dotted: str) -> tuple[str, ...]:
        try:
            value = tomllib.loads(f"{dotted} = 0")
        except tomllib.TOMLDecodeError:
            return ()
        path = []
        while isinstance(value, dict) and len(value) == 1:
            (key, value), = value.items()
            path.append(key)
        return tuple(path)

    def at(self, keys: tuple[str, ...]) -> Location | None:
        found = self.found.get(keys)
        if found is None:
            return None
        line, start, end = found
        return Location(self.file, line, start, line, end)
