"""Learner records from JSON, CSV and .xlsx files, with every bad row reported where it stands.

A row that cannot be read marks its learner as unreadable (so no verdict is guessed from a partial
record); every other learner is read as normal.
"""

from __future__ import annotations

import csv
import difflib
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import attrs

from qualrules.interpreter.diagnostics import Diagnostic, DiagnosticError, Location, Severity, did_you_mean
from qualrules.interpreter.records.learner import Attempt, Learner

REQUIRED_COLUMNS = ("learner", "unit", "result", "achieved_on")
OPTIONAL_COLUMNS = ("registered_on", "date_of_birth")
FORMATS = (".json", ".csv", ".xlsx")


@attrs.frozen
class Records:
    # Every learner id in the order the file first names it, readable or not.
    order: tuple[str, ...]
    learners: tuple[Learner, ...]
    # Learners whose record has errors, by id, in the order met: they get no verdict.
    unreadable: dict[str, tuple[Diagnostic, ...]]
    # Problems that belong to no learner (a row without a learner id, a malformed file element).
    problems: tuple[Diagnostic, ...]

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return self.problems + tuple(d for ds in self.unreadable.values() for d in ds)


@attrs.frozen
class Vocabulary:
    """What record values may say: the known unit references and result words."""

    unit_refs: Mapping[str, str]  # case-folded reference -> as written in the catalogue
    results: frozenset[str]


def read_records(path: str | Path, vocabulary: Vocabulary) -> Records:
    """Read a records file; raises DiagnosticError when the file as a whole cannot be read."""
    path = Path(path)
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise _fatal(name, f"cannot tell the format of {path.name}", hint="use a .json, .csv or .xlsx file")
    try:
        if suffix == ".xlsx":
            rows = _xlsx_rows(path)
        else:
            text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise _fatal(name, f"cannot read the file: {error}") from error
    except Exception as error:  # openpyxl raises assorted errors for files that are not workbooks
        raise _fatal(name, f"cannot read the file as a spreadsheet: {error}") from error
    reader = _Reader(name, vocabulary)
    if suffix == ".json":
        reader.read_json(text)
    elif suffix == ".csv":
        reader.read_rows(csv_rows(io.StringIO(text, newline=""), name), row_word="line")
    else:
        reader.read_rows(rows, row_word="row")
    return reader.result()


def _fatal(file: str, message: str, *, line: int | None = None, column: int | None = None,
           hint: str | None = None) -> DiagnosticError:
    return DiagnosticError([Diagnostic("QR505", Severity.ERROR, message, Location(file, line, column), hint)])


def csv_rows(lines: Iterable[str], file: str) -> Iterator[tuple[int, list[Any]]]:
    """Each CSV row with the physical line it starts on, so quoted newlines inside a cell do not shift what
    is reported."""
    reader = csv.reader(lines)
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as error:  # an unclosed quote running to the end, a cell beyond the size limit
        raise _fatal(file, f"cannot read the CSV from here on: {error}", line=start,
                     hint="check this row's quotes: a cell that opens a quote must close it") from error


def _xlsx_rows(path: Path) -> list[tuple[int, list[Any]]]:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    rows = [(number, list(values)) for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)]
    workbook.close()
    return rows


@attrs.frozen
class Header:
    """Where a table's columns are: the header's line or row number, and each known column's index."""

    line: int
    position: dict[str, int]
    row_word: str  # "line" for CSV, "row" for a spreadsheet
    width: int  # how many columns the header names


def read_header(file: str, rows: Iterator[tuple[int, list[Any]]], row_word: str) -> Header:
    """The first non-empty row of a table, as its header; raises DiagnosticError when a column is missing."""
    header_line, header = next(((n, r) for n, r in rows if any(_cell(c) for c in r)), (1, []))
    columns = [_cell(c).casefold().replace(" ", "_") for c in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        extra = [c for c in columns if c and c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
        renames = {c: difflib.get_close_matches(c, extra, n=1, cutoff=0.6) for c in missing}
        hints = [f"rename `{match[0]}` to `{c}`" for c, match in renames.items() if match]
        raise _fatal(file, f"missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}",
                     line=header_line,
                     hint=(f"the header has {', '.join(columns) or 'no columns'}; "
                           f"{'; '.join(hints) if hints else 'required: ' + ', '.join(REQUIRED_COLUMNS)}"))
    position = {name: columns.index(name) for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if name in columns}
    return Header(header_line, position, row_word, len(header))


def read_table_block(file: str, vocabulary: Vocabulary, header: Header,
                     rows: Iterable[tuple[int, list[Any]]]) -> Records:
    """The learners of some rows of a table whose header was read already (a block of a streamed file)."""
    reader = _Reader(file, vocabulary)
    reader.read_body(rows, header)
    return reader.result()


class _Reader:
    def __init__(self, file: str, vocabulary: Vocabulary):
        self.file = file
        self.vocabulary = vocabulary
        self.order: list[str] = []
        self.attempts: dict[str, list[Attempt]] = {}
        self.facts: dict[str, dict[str, tuple[dt.date, Location]]] = {}
        self.errors: dict[str, list[Diagnostic]] = {}
        self.problems: list[Diagnostic] = []
        # Dates repeat on every row of a learner (registration, birth) and across learners: parse each text once.
        self.dates: dict[str, dt.date | None] = {}

    # ---- shared ----------------------------------------------------------------------------------
    def _error(self, learner: str | None, code: str, message: str, location: Location,
               hint: str | None = None) -> None:
        diagnostic = Diagnostic(code, Severity.ERROR, message, location, hint)
        if learner is None:
            self.problems.append(diagnostic)
        else:
            self._learner(learner)
            self.errors.setdefault(learner, []).append(diagnostic)

    def _learner(self, learner: str) -> None:
        if learner not in self.attempts:
            self.order.append(learner)
            self.attempts[learner] = []
            self.facts[learner] = {}

    def _date(self, learner: str, value: Any, column: str, location: Location, required: bool) -> dt.date | None:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = "" if value is None else str(value).strip()
        if not text:
            if required:
                self._error(learner, "QR502", f"`{column}` is empty", location, hint="write the date as YYYY-MM-DD")
            return None
        parsed = self.dates.get(text, False)
        if parsed is False:
            parsed = self.dates[text] = parse_date(text)
        if parsed is None:
            self._error(learner, "QR502", f"`{column}` is not a date: {text!r}", location,
                        hint="write dates as YYYY-MM-DD (2024-05-01) or DD/MM/YYYY (01/05/2024)")
        return parsed

    def _unit(self, learner: str, value: Any, location: Location) -> str | None:
        text = "" if value is None else str(value).strip()
        if not text:
            self._error(learner, "QR501", "the unit reference is empty", location)
            return None
        known = self.vocabulary.unit_refs.get(text.casefold())
        if known is None:
            self._error(learner, "QR501", f"unknown unit {text!r}: it is in no loaded catalogue", location,
                        hint=did_you_mean(text, self.vocabulary.unit_refs.values()))
        return known

    def _result(self, learner: str, value: Any, location: Location) -> str | None:
        text = normalised_result(value)
        if text not in self.vocabulary.results:
            shown = repr(str(value)) if value not in (None, "") else "empty"
            self._error(learner, "QR503", f"the result is {shown}, which is not a result word", location,
                        hint=did_you_mean(text, self.vocabulary.results)
                        or "use one of " + ", ".join(sorted(self.vocabulary.results)))
            return None
        return text

    def _fact(self, learner: str, key: str, value: dt.date | None, location: Location) -> None:
        if value is None:
            return
        seen = self.facts[learner].get(key)
        if seen is None:
            self.facts[learner][key] = (value, location)
        elif seen[0] != value:
            where = f"line {seen[1].line}" if seen[1].line else seen[1].element
            self._error(learner, "QR507", f"learner {learner} has two different `{key}` values: "
                        f"{seen[0].isoformat()} ({where}) and {value.isoformat()}", location,
                        hint="correct the row that is wrong; every row of a learner must agree")

    def _attempt(self, learner: str, unit: Any, result: Any, achieved_on: Any, location: Location) -> None:
        ref = self._unit(learner, unit, location)
        word = self._result(learner, result, location)
        date = self._date(learner, achieved_on, "achieved_on", location, required=False)
        if ref is not None and word is not None:
            self.attempts[learner].append(Attempt(ref, word, date, location))

    def result(self) -> Records:
        for learner in self.order:
            born, registered = (self.facts[learner].get(key) for key in ("date_of_birth", "registered_on"))
            if born and registered and born[0] >= registered[0]:
                self._error(learner, "QR509", f"learner {learner} is born on {born[0].isoformat()}, not before "
                            f"registering on {registered[0].isoformat()}", registered[1],
                            hint="one of the two dates is mistyped")
        learners = []
        for learner in self.order:
            if learner in self.errors:
                continue
            facts = self.facts[learner]
            learners.append(Learner(
                id=learner,
                date_of_birth=facts.get("date_of_birth", (None,))[0],
                registered_on=facts.get("registered_on", (None,))[0],
                attempts=tuple(self.attempts[learner]),
            ))
        unreadable = {learner: tuple(self.errors[learner]) for learner in self.order if learner in self.errors}
        return Records(tuple(self.order), tuple(learners), unreadable, tuple(self.problems))

    # ---- tables (CSV, spreadsheet) ---------------------------------------------------------------
    def read_rows(self, rows: Iterable[tuple[int, list[Any]]], row_word: str) -> None:
        rows = iter(rows)
        self.read_body(rows, read_header(self.file, rows, row_word))

    def read_body(self, rows: Iterable[tuple[int, list[Any]]], header: "Header") -> None:
        """The rows after the header."""
        position = header.position
        for number, row in rows:
            if not any(_cell(c) for c in row):
                continue
            location = Location(self.file, number, element=None if header.row_word == "line" else f"row {number}")

            def value(column: str) -> Any:
                index = position.get(column)
                return row[index] if index is not None and index < len(row) else None

            learner = _cell(value("learner"))
            if not learner:
                self._error(None, "QR506", "the row has no learner id", location,
                            hint="every row needs the learner it belongs to")
                continue
            self._learner(learner)
            for key in OPTIONAL_COLUMNS:
                if key in position:
                    self._fact(learner, key, self._date(learner, value(key), key, location, required=False), location)
            self._attempt(learner, value("unit"), value("result"), value("achieved_on"), location)

    # ---- JSON ------------------------------------------------------------------------------------
    def read_json(self, text: str) -> None:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise _fatal(self.file, f"not valid JSON: {error.msg}", line=error.lineno, column=error.colno) from error
        learners = document.get("learners") if isinstance(document, dict) else None
        if not isinstance(learners, list):
            raise _fatal(self.file, 'expected an object with a "learners" list',
                         hint='{"learners": [{"id": "L001", "units": [...]}]}')
        seen: set[str] = set()
        for number, entry in enumerate(learners):
            element = f"learners[{number}]"
            location = Location(self.file, element=element)
            identifier = entry.get("id") if isinstance(entry, dict) else None
            # bool is an int to Python, but `"id": true` names no learner.
            if not isinstance(identifier, (str, int)) or isinstance(identifier, bool) or identifier == "":
                self._error(None, "QR506", "a learner needs an \"id\"", location,
                            hint='{"id": "L001", "units": [...]}')
                continue
            learner = str(entry["id"]).strip()
            if learner in seen:
                self._error(learner, "QR508", f"learner {learner} appears twice", location,
                            hint="merge the two entries into one")
                continue
            seen.add(learner)
            self._learner(learner)
            for key in OPTIONAL_COLUMNS:
                self._fact(learner, key, self._date(learner, entry.get(key), key,
                                                    Location(self.file, element=f"{element}.{key}"), False), location)
            units = entry.get("units", [])
            if not isinstance(units, list):
                self._error(learner, "QR506", '"units" must be a list', location)
                continue
            for index, unit in enumerate(units):
                unit_location = Location(self.file, element=f"{element}.units[{index}]")
                if not isinstance(unit, dict):
                    self._error(learner, "QR506", 'each unit must be an object like {"unit": "L3B1", '
                                '"result": "pass", "achieved_on": "2024-05-01"}', unit_location)
                    continue
                self._attempt(learner, unit.get("unit"), unit.get("result"), unit.get("achieved_on"), unit_location)


def normalised_result(value: Any) -> str:
    """A result cell as a result word: spaces folded, any letter case."""
    return " ".join(str(value or "").split()).casefold()


def _cell(value: Any) -> str:
    return "" if value is None else str(value).strip()


_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


def parse_date(text: str) -> dt.date | None:
    """ISO dates (2024-05-01, with any time of day after it, as spreadsheet exports write them), or UK
    day-first dates (01/05/2024); anything else is not a date."""
    iso = _ISO_DATE.fullmatch(text)
    uk = _UK_DATE.fullmatch(text)
    if iso:
        year, month, day = map(int, iso.groups())
    elif uk:
        day, month, year = map(int, uk.groups())
    else:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


