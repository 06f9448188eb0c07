"""`qualrules init`: a starter profile for a records table, from its header and values.

Each mapping that can be inferred (a heading systems write for a field, told by the column's values where
the heading may name a date or a name; a common synonym of a result word or of a criterion's; a known unit
reference written another way) is proposed as a line to review; what cannot be decided is written as a
comment saying so. Nothing here is used when a file is checked: the profile, once
reviewed, is what says what the file means.
"""

from __future__ import annotations

import collections
import datetime as dt
import io
from pathlib import Path
from typing import Any, Iterator, Mapping

import attrs

from qualrules.interpreter.diagnostics import Diagnostic, DiagnosticError, Location, Severity
from qualrules.interpreter.library import Library
from qualrules.interpreter.records.dates import DateForms
from qualrules.interpreter.records.log_checks import CRITERION_RESULT_WORDS, CRITERION_RESULTS
from qualrules.interpreter.records.options import DEFAULT_OPTIONS, toml_string
from qualrules.interpreter.records.readers import (
    FIELDS, QUALIFICATION_COLUMN, csv_delimiter, csv_rows, header_row, normalised_result, qualification_key,
    registration_text, required_columns, spreadsheet_rows,
)
from qualrules.interpreter.records.text import decoded
from qualrules.interpreter.records.approvals import column_key
from qualrules.interpreter.records.synonyms import (
    DATE_OR_NAME, field_match, likely_criterion_word, likely_units, likely_word, told_by_values,
)
from qualrules.interpreter.wording import plural, word_list

# The qualifications proposed as defaults: those holding most of the file's units, at most this many.
QUALIFICATIONS_PROPOSED = 3


def starter_profile(path: Path, library: Library) -> str:
    """The text of a starter profile for the table at `path`; raises DiagnosticError when it cannot be read."""
    rows, reading = _rows(path)
    _, header, _ = header_row(rows)  # an export's title above it passed over
    headings = [_text(c) for c in header]
    matches = {index: field_match(heading) for index, heading in enumerate(headings) if heading}
    # Where the result, criterion and unit cells are: no field of DATE_OR_NAME, which the values decide below.
    where = {field: index for index, field in _surest(matches).items()}
    # A column whose heading may be a date's or a name's, with how many of its cells are dates and are not
    # empty (`told_by_values`); a field's own name is taken at its word.
    told = {index: [0, 0] for index, match in matches.items() if match and match[1] and match[0] in DATE_OR_NAME}
    day_first = DateForms()
    is_date: dict[str, bool] = {}  # by distinct cell: a big file repeats its dates and names
    words: dict[str, _Word] = {}
    units: dict[str, str] = {}
    registrations: collections.Counter = collections.Counter()  # each qualification cell, by its rows
    for _, row in rows:
        def cell(index: int | None) -> str:
            return _text(row[index]) if index is not None and index < len(row) else ""

        result = cell(where.get("result"))
        if result:
            word = words.setdefault(normalised_result(result), _Word(result))
            word.rows += 1
            word.kinds.add("criterion" if cell(where.get("criterion")) else "unit")
        unit = cell(where.get("unit"))
        if unit:
            units.setdefault(unit.casefold(), unit)
        registration = registration_text(cell(where.get(QUALIFICATION_COLUMN)))
        if registration:
            registrations[registration] += 1
        for index, counts in told.items():
            value = cell(index)
            if value:
                if value not in is_date:
                    is_date[value] = isinstance(day_first.read(value), dt.date)
                counts[0] += is_date[value]
                counts[1] += 1
    for index, (dates, cells) in told.items():
        field, sureness = matches[index]
        held = told_by_values(field, dates, cells)
        # A heading only close to one written for the field is too doubtful to be read as the other.
        matches[index] = (held, sureness) if held == field or sureness == 1 else None
    lines = _column_lines(headings, matches)
    vocabulary = library.vocabulary()
    # Each unit cell in no loaded catalogue, in the order of its case-folded text, with the references it may
    # stand for (`likely_units`).
    unlisted = {text: likely_units(text, vocabulary.unit_refs.values())
                for key, text in sorted(units.items()) if key not in vocabulary.unit_refs}
    out = [f"# A qualrules profile for files like {path.name}, proposed by `qualrules init`.",
           "# Review every line: a file is read only as this profile says (docs/profiles.md).", ""]
    # The qualifications are those holding the file's units as the proposal reads them.
    read_as = {key for key in units if key in vocabulary.unit_refs}
    read_as |= {refs[0].casefold() for refs in unlisted.values() if len(refs) == 1}
    out += reading + _qualifications(library, vocabulary.qualifications, read_as, registrations)
    unknown = sorted(text for text, refs in unlisted.items() if not refs)
    if unknown:
        shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        out += [f"# {plural(len(unknown), 'unit')} of the file, in no loaded catalogue, cannot count ({shown});",
                "# each is warned about once. To refuse the learners holding one instead:",
                '# unknown_units = "error"', ""]
    out += ["[columns]", "# heading in the file = qualrules field"] + lines + [""]
    out += ["[results]", "# word in the file = qualrules result word"] + _results(words, vocabulary.results)
    if any(unlisted.values()):
        out += ["", "[units]", "# unit in the file = the catalogue's reference"] + _units(unlisted)
    return "\n".join(out) + "\n"


@attrs.define
class _Word:
    """A result word of the file: as first written, how many rows give it, and on which kinds of row
    (`unit`, `criterion`)."""

    written: str
    rows: int = 0
    kinds: set[str] = attrs.Factory(set)


def _rows(path: Path) -> tuple[Iterator[tuple[int, list[Any]]], list[str]]:
    """The table's rows, and the profile lines that read it as it is written: its encoding, when it cannot be
    UTF-8, and its delimiter, when it is not a comma."""
    name, suffix = str(path), path.suffix.lower()
    try:
        if suffix == ".csv":
            text, decided = decoded(path.read_bytes(), name, None)
            delimiter = csv_delimiter(io.StringIO(text, newline=""), name, DEFAULT_OPTIONS)
            reading = ([f"# The file is not UTF-8: it reads as {decided.encoding.name}.",
                        f"encoding = {toml_string(decided.encoding.codec)}"] if decided.guessed else [])
            reading += [f"delimiter = {toml_string(delimiter)}"] if delimiter != "," else []
            return csv_rows(io.StringIO(text, newline=""), name, delimiter), reading + [""] * bool(reading)
        if suffix == ".xlsx":
            return spreadsheet_rows(path)[0], []
    except OSError as error:
        raise _refused(name, f"cannot read the file: {error}", "give a .csv or an .xlsx file") from error
    except DiagnosticError:
        raise
    except Exception as error:  # openpyxl raises assorted errors for files that are not workbooks
        raise _refused(name, f"cannot read the file as a spreadsheet: {error}", "save it again as .xlsx") from error
    raise _refused(name, f"cannot propose a profile for {path.name}: only a table has headings to map",
                   "give a .csv or .xlsx file; a JSON file's keys are fixed (docs/records.md)")


def _refused(file: str, message: str, hint: str) -> DiagnosticError:
    return DiagnosticError([Diagnostic("QR637", Severity.ERROR, message, Location(file), hint)])


def _surest(matches: dict[int, tuple[str, int] | None]) -> dict[int, str]:
    """The field each column is proposed to hold, by column index: each field goes to the heading surest to
    hold it (the first, among equally sure ones)."""
    best: dict[str, int] = {}
    for index, match in matches.items():
        if match is not None and (match[0] not in best or match[1] < matches[best[match[0]]][1]):
            best[match[0]] = index
    return {index: field for field, index in best.items()}


def _column_lines(headings: list[str], matches: dict[int, tuple[str, int] | None]) -> list[str]:
    """The profile lines mapping each column to the field it is proposed to hold (`_surest`), and comments
    for what cannot be decided: a column that looks like no field, or like one another column holds more
    surely, and a required field no column looks like."""
    mapping = _surest(matches)
    best = {field: index for index, field in mapping.items()}
    lines: list[str] = []
    for index, match in matches.items():
        key = toml_string(headings[index])
        if match is None:
            lines.append(f"# {key} is not read: map it to one of {', '.join(FIELDS)} if it holds one")
        elif best[match[0]] != index:
            lines.append(f"# {key} = {toml_string(match[0])}  # also looks like {match[0]}, and so does "
                         f"{toml_string(headings[best[match[0]]])}: only one column can be; choose")
        elif column_key(headings[index]) != match[0]:
            lines.append(f"{key} = {toml_string(match[0])}")
    for field in required_columns(mapping.values()):
        if field not in mapping.values():
            lines.append(f"# no column looks like {field}, which is required: "
                         f"\"Your Heading\" = {toml_string(field)}")
    return lines


def _results(found: dict[str, _Word], words: frozenset[str]) -> list[str]:
    """A line for each of the file's words that is not read as it is, most common first, mapping it to the
    word it probably stands for on every kind of row giving it (a unit row's result word, a criterion row's
    criterion result word); a comment for each that cannot be."""
    lines: list[str] = []
    criterion_words = word_list(CRITERION_RESULT_WORDS, "or")
    fits = {"unit": words.__contains__, "criterion": CRITERION_RESULTS.__contains__}
    for key, word in sorted(found.items(), key=lambda item: -item[1].rows):
        if all(fits[kind](key) for kind in word.kinds):
            continue
        written = toml_string(word.written)
        likely = likely_word(word.written) if "unit" in word.kinds else likely_criterion_word(word.written)
        if likely is not None and all(fits[kind](likely) for kind in word.kinds):
            lines.append(f"{written} = {toml_string(likely)}")
        elif fits["unit"](key):
            lines.append(f"# {written} is a result word, but criterion rows give it too, and a criterion is "
                         f"{criterion_words}: map it only if it means one of those on every row")
        else:
            targets = [target for target in (sorted(words) if "unit" in word.kinds else CRITERION_RESULT_WORDS)
                       if all(fits[kind](target) for kind in word.kinds)]
            lines.append(f"# {written} = \"...\"  # not recognised: map it to one of {', '.join(targets)}")
    return lines


def _units(unlisted: dict[str, list[str]]) -> list[str]:
    """A line for each unit cell that is one known reference written another way; a comment to choose by for
    each that may be one of several."""
    lines = []
    for written, refs in unlisted.items():
        if len(refs) == 1:
            lines.append(f"{toml_string(written)} = {toml_string(refs[0])}")
        elif refs:
            lines.append(f"# {toml_string(written)} = \"...\"  # may be {word_list(refs, 'or')}: choose one")
    return lines


def _qualifications(library: Library, keys: Mapping[str, str], units: set[str],
                    registrations: Mapping[str, int]) -> list[str]:
    """A commented `qualifications` line naming the loaded qualifications the file's qualification column
    names (`keys`: `Vocabulary.qualifications`), the most rows first, or else those that hold most of the
    file's units (case-folded references)."""
    named: collections.Counter = collections.Counter()
    for text, rows in registrations.items():
        if qualification_key(text) in keys:
            named[keys[qualification_key(text)]] += rows
    unknown = [text for text in registrations if qualification_key(text) not in keys]
    held = [(-rows, qan) for qan, rows in named.items()]
    if not named:
        for qan, (q, _) in library.qualifications.items():
            count = sum(1 for key in units if q.index.get(q.catalogue_refs.get(key, "")) is not None)
            if count:
                held.append((-count, qan))
    proposed = [qan for _, qan in sorted(held)[:QUALIFICATIONS_PROPOSED]]
    lines = ["# The qualifications `qualrules check` checks when no -q is given (`qualrules list` names them)."]
    if proposed:
        lines.append("# The file's qualification column names these; keep the ones you check:" if named
                     else "# These hold the most of the file's units; keep the ones you check:")
    lines.append(f"# qualifications = [{', '.join(toml_string(qan) for qan in proposed)}]")
    if unknown:
        shown = ", ".join(repr(text) for text in unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5
                                                                 else "")
        lines += [f"# Its qualification column also names {shown}, which no loaded ruleset gives:",
                  "# their learners are not checked (QR548)."]
    return lines + [""]


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()

