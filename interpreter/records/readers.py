"""Learner records from JSON, CSV and .xlsx files, with every bad row reported where it stands.

A row that cannot be read marks its learner as unreadable (so no verdict is guessed from a partial
record); every other learner is read as normal.
"""

from __future__ import annotations

import csv
import difflib
import datetime as dt
import io
import itertools
import json
import re
import unicodedata
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any, Collection, Iterable, Iterator, Mapping

import attrs

from qualrules.interpreter.diagnostics import Diagnostic, DiagnosticError, Location, Severity, did_you_mean
from qualrules.interpreter.records.approvals import approval, column_key
from qualrules.interpreter.records.dates import DateForms, DateProblem
from qualrules.interpreter.records.achievement import CriterionEvidence, CriterionResult, SignOff
from qualrules.interpreter.records.learner import Attempt, Learner, UnreadUnit
from qualrules.interpreter.records.log_checks import (
    CRITERION_RESULT_WORDS, CRITERION_RESULTS, SIMULATED_WORDS, LoggedUnit, check_log, row_warnings,
    unknown_criterion)
from qualrules.interpreter.records.options import DEFAULT_OPTIONS, ReadOptions
from qualrules.interpreter.records.text import (
    BLOCK_SIZE, TITLE_ROWS, Decided, declared_delimiter, decoded, delimiter_named, file_encoding, header_line,
    separator_line, sniffed_delimiter,
)
from qualrules.interpreter.wording import word_list

REQUIRED_COLUMNS = ("learner", "unit", "result", "achieved_on")
OPTIONAL_COLUMNS = ("registered_on", "date_of_birth")
# The pathway (endorsed title) a learner is registered for: read where a loaded qualification declares one.
PATHWAY_COLUMN = "pathway"
# A number written with a fraction of zeros (`61037916.0`): digits that some program took for a number.
WHOLE_NUMBER = re.compile(r"\d+\.0+")
# The qualification a learner is registered for, by QAN or title: a learner naming any is decided only
# against the qualifications they name.
QUALIFICATION_COLUMN = "qualification"
# A table whose header has a `criterion` column is an achievement log: criterion rows and unit sign-offs as
# well as unit results. One with sign-off columns but no `criterion` column is a unit-level log: each row a unit
# result, its sign-off or both (docs/records.md#achievement-logs).
LOG_REQUIRED_COLUMNS = ("learner", "unit", "criterion", "achieved_on")
CRITERION_FIELDS = ("evidence", "method", "assessor", "simulated")
SIGN_OFF_DATES = ("signed_off_on", "learner_signed_on", "iqa_verified_on")
SIGN_OFF_FIELDS = SIGN_OFF_DATES + ("iqa_verifier",)
LOG_OPTIONAL_COLUMNS = ("result",) + CRITERION_FIELDS + SIGN_OFF_FIELDS
# What a unit-level log reads besides unit results: who signs each unit off, and the declarations.
UNIT_LOG_COLUMNS = ("assessor",) + SIGN_OFF_FIELDS
# Every field a column can hold, and so every field a profile's [columns] may map a heading to.
FIELDS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS + (PATHWAY_COLUMN, QUALIFICATION_COLUMN, "criterion") + CRITERION_FIELDS \
    + SIGN_OFF_FIELDS
FORMATS = (".json", ".csv", ".xlsx", ".parquet")
# The formats of records read from a stream of text (standard input), or from a file named otherwise.
TEXT_FORMATS = ("csv", "json")
# The keys of a JSON learner and of one of its attempts, criteria and sign-offs that are read; other keys
# are ignored.
LEARNER_KEYS = ("id",) + OPTIONAL_COLUMNS + (PATHWAY_COLUMN, QUALIFICATION_COLUMN, "units", "criteria", "sign_offs",
                                          "attributes")
ATTEMPT_KEYS = ("unit", "result", "achieved_on")
CRITERION_KEYS = ("unit", "criterion", "result", "achieved_on") + CRITERION_FIELDS
SIGN_OFF_KEYS = ("unit", "assessor") + SIGN_OFF_FIELDS
# No learner id, unit reference, result word or date comes near this many characters: a longer value in a
# column that is read is a paste gone wrong, reported rather than shown or matched.
CELL_LIMIT = 256
# Where evidence is kept may be a long address.
EVIDENCE_LIMIT = 2048
# The most rows a spreadsheet can have (Excel's limit): a sheet claiming a row beyond it is not read.
SPREADSHEET_ROWS = 1_048_576


@attrs.frozen
class Records:
    # Every learner id in the order the file first names it, readable or not.
    order: tuple[str, ...]
    learners: tuple[Learner, ...]
    # Learners whose record has errors, by id, in the order met: they get no verdict.
    unreadable: dict[str, tuple[Diagnostic, ...]]
    # Errors that belong to no learner (a row without a learner id, a malformed file element).
    problems: tuple[Diagnostic, ...]
    # Warnings, which leave every verdict as it is: what was read in a way the file did not say (an encoding
    # told from its bytes), values left out (a unit in no loaded catalogue, named once per file), and what an
    # achievement log's evidence gets wrong without changing a verdict (an evidence method not listed).
    warnings: tuple[Diagnostic, ...] = ()
    # The qualifications each learner naming any is registered for (`QUALIFICATION_COLUMN`), readable or not,
    # each a loaded qualification's QAN or, for one no loaded ruleset gives, as written.
    registrations: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)

    def registered(self, learner: str, qan: str) -> bool:
        """Whether the learner is to be decided against the qualification: one who names none is against any."""
        named = self.registrations.get(learner)
        return not named or qan in named

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return self.problems + tuple(d for ds in self.unreadable.values() for d in ds)


@attrs.frozen
class Vocabulary:
    """What record values may say: the known unit references and result words, and the units whose
    achievement logs can be read."""

    unit_refs: Mapping[str, str]  # case-folded reference -> as written in the catalogue
    results: frozenset[str]  # the words every awarding body's units may use
    # A word only some awarding bodies add -> those bodies' names; it may be used for their units only.
    scoped_results: Mapping[str, frozenset[str]] = attrs.field(factory=dict)
    # Case-folded reference -> the names of the awarding bodies whose catalogues hold it.
    unit_bodies: Mapping[str, frozenset[str]] = attrs.field(factory=dict)
    # Case-folded unit and Ofqual reference -> the unit declaring assessment criteria, with its body's policy.
    logs: Mapping[str, LoggedUnit] = attrs.field(factory=dict)
    # The columns rulesets declare (learner attributes, external qualifications' grades), by heading as compared
    # (`approvals.column_key`) -> the values they may hold, case-folded.
    columns: Mapping[str, frozenset[str]] = attrs.field(factory=dict)
    # The approval columns loaded rulesets declare (`approvals.column_key`): read on each unit's row.
    approval_columns: frozenset[str] = frozenset()
    # Case-folded name -> every loaded qualification's pathway of that name, as declared.
    pathways: Mapping[str, str] = attrs.field(factory=dict)
    # `qualification_key` of each loaded qualification's QAN, and of its title where no other has it -> the QAN.
    qualifications: Mapping[str, str] = attrs.field(factory=dict)
    # `qualification_key` of a title several loaded qualifications have -> their QANs, which it cannot name.
    shared_titles: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)


def registration_text(cell: str) -> str:
    """A qualification cell as a registration reads it: stripped, and a learning aim reference that a
    spreadsheet, JSON or CSV writer made a number (`61037916.0`) as its digits."""
    written = cell.strip()
    return written.partition(".")[0] if WHOLE_NUMBER.fullmatch(written) else written


def qualification_key(text: str) -> str:
    """A QAN or title as compared: letters and digits only, case-folded, so that `610/3788/6`, `6103788 6` and
    the learning aim reference `61037886` are one (and full-width digits are digits)."""
    return "".join(character for character in unicodedata.normalize("NFKC", text).casefold() if character.isalnum())


def read_records(path: str | Path, vocabulary: Vocabulary, options: ReadOptions = DEFAULT_OPTIONS,
                 input_format: str | None = None, learner: str | None = None) -> Records:
    """Read a records file (or a folder of Parquet parts), of the format its extension names unless
    `input_format` (one of `TEXT_FORMATS`) says; raises DiagnosticError when the file as a whole cannot be
    read. Given a `learner`, only that learner's record is read: the others are named in the order, but
    their rows are not read, so neither their errors nor their warnings are reported."""
    path = Path(path)
    name = str(path)
    kind = input_format or ("parquet" if path.is_dir() else path.suffix.lower().removeprefix("."))
    if f".{kind}" not in FORMATS:
        raise _fatal(name, f"cannot tell the format of {path.name}",
                     hint="use a .json, .csv, .xlsx or .parquet file, or say which with --input-format csv|json")
    if kind == "parquet":
        from qualrules.interpreter.records.parquet import read_parquet

        return read_parquet(path, vocabulary, options, learner)
    try:
        if kind == "csv" and path.is_file():
            return _read_csv_file(path, vocabulary, options, learner)
        if kind == "xlsx":
            rows, epoch = spreadsheet_rows(path)
        else:
            data = path.read_bytes()
    except OSError as error:
        raise _fatal(name, f"cannot read the file: {error}") from error
    except DiagnosticError:
        raise
    except Exception as error:  # openpyxl raises assorted errors for files that are not workbooks
        raise _fatal(name, f"cannot read the file as a spreadsheet: {error}") from error
    if kind != "xlsx":
        return read_text_records(data, name, kind, vocabulary, options, learner)
    reader = _Reader(name, vocabulary, options, typed_cells=True, learner=learner)
    reader.date_forms = attrs.evolve(reader.date_forms, epoch=epoch)
    reader.read_rows(rows, row_word="row")
    return reader.result()


def read_text_records(data: bytes, file: str, input_format: str, vocabulary: Vocabulary,
                      options: ReadOptions = DEFAULT_OPTIONS, learner: str | None = None) -> Records:
    """Records from the bytes of a CSV or JSON text (`input_format`), a file's or standard input's (only
    `learner`'s, given one, as `read_records` reads them)."""
    text, decided = decoded(data, file, options.encoding)
    reader = _Reader(file, vocabulary, options, learner=learner)
    if input_format == "json":
        reader.read_json(text)
    else:
        _read_csv(reader, io.StringIO(text, newline=""), file, options)
    return _with_encoding_warning(reader.result(), decided, file)


def _read_csv_file(path: Path, vocabulary: Vocabulary, options: ReadOptions, learner: str | None) -> Records:
    """A CSV file's records, its text read a line at a time rather than held (a cohort's achievement log is
    hundreds of megabytes, and one learner's explanation reads all of it). The file is read more than once,
    so it must be a regular file: a pipe is read whole, once, as standard input is."""
    decided = file_encoding(path, options.encoding)
    reader = _Reader(str(path), vocabulary, options, learner=learner)
    with open(path, encoding=decided.encoding.codec, newline="") as text:
        _read_csv(reader, text, str(path), options)
    return _with_encoding_warning(reader.result(), decided, str(path))


def _read_csv(reader: _Reader, text: IO[str], file: str, options: ReadOptions) -> None:
    # Line breaks as written, as the streamed reader reads them: a quoted \r\n stays in its cell.
    delimiter = csv_delimiter(text, file, options)
    text.seek(0)
    reader.read_rows(csv_rows(text, file, delimiter), row_word="line")


def _with_encoding_warning(records: Records, decided: Decided, file: str) -> Records:
    warning = decided.warning(file)
    return attrs.evolve(records, warnings=(warning, *records.warnings)) if warning else records


def csv_delimiter(lines: Iterable[str], file: str, options: ReadOptions) -> str:
    """The delimiter a first line `sep=;` names (as Excel writes it), or else the one the options name, or
    else the one the header line (the first that is not blank) uses."""
    named = delimiter_named(options.delimiter)
    line, text = header_line(lines)
    if line == 1 and separator_line(text) is not None:
        return declared_delimiter(text, file)
    return named or sniffed_delimiter(text, file, line)


def _fatal(file: str, message: str, *, line: int | None = None, column: int | None = None,
           hint: str | None = None, code: str = "QR505") -> DiagnosticError:
    return DiagnosticError([Diagnostic(code, Severity.ERROR, message, Location(file, line, column), hint)])


_STRAY_QUOTE_HINT = ('a quote inside a cell (an inch mark, say) must be doubled (""), or the cell written '
                     "without quotes around it")


class SwallowedRow(list):
    """The cells of a line inside a quote that is never closed, split as if the quote were not there: they
    name the line's learner, who is reported as unreadable, and are never read as data."""

    def __init__(self, cells: list[str], quote_line: int, last_line: int):
        super().__init__(cells)
        self.quote_line = quote_line  # the line the unclosed quote opens on
        self.last_line = last_line  # the last line of the file, where the quote's cell ends


class QuotedLines(list):
    """The cells of a row with a quoted cell whose later lines hold the delimiter: lines that may be rows a
    stray quote swallowed, until a quote closed it (the reader tells, by their learner and unit cells)."""

    def __init__(self, cells: list[str], delimiter: str):
        super().__init__(cells)
        self.delimiter = delimiter


# Follows the last line of a CSV file: alone it is a row of its own; swallowed into the last cell, the file
# ends inside a quote.
_END_OF_FILE = "\x00end of file\x00"
_NEWLINE = re.compile(r"\r\n|\r|\n")


def csv_rows(lines: Iterable[str], file: str, delimiter: str = ",") -> Iterator[tuple[int, list[Any]]]:
    """Each CSV row with the physical line it starts on, so quoted newlines inside a cell do not shift what
    is reported. A quote never closed runs to the end of the file: the lines it swallowed come back as
    `SwallowedRow`s. A row whose quoted cell holds lines with the delimiter comes back as `QuotedLines`."""
    # Cell sizes are checked by the reader, per column (`CELL_LIMIT`), so a large cell in a column that is not
    # read is no error; the csv module's own limit (process-wide) would refuse the whole file.
    csv.field_size_limit(2**31 - 1)
    reader = csv.reader(itertools.chain(lines, [_END_OF_FILE]), delimiter=delimiter)
    start, last = 1, None
    try:
        for row in reader:
            if reader.line_num == 1 and separator_line(delimiter.join(row)) == delimiter:
                start = 2  # Excel's `sep=` line, which names the delimiter (`csv_delimiter`)
                continue
            if last is not None:
                yield last
            if reader.line_num > start and any(delimiter in line for cell in row
                                               for line in _NEWLINE.split(cell)[1:]):
                row = QuotedLines(row, delimiter)
            last = start, row
            start = reader.line_num + 1
    except csv.Error as error:
        raise _fatal(file, f"cannot read the CSV from here on: {error}", line=start) from error
    line, row = last
    if row != [_END_OF_FILE]:
        yield from _swallowed(line, row, delimiter)


def _swallowed(line: int, row: list[str], delimiter: str) -> Iterator[tuple[int, SwallowedRow]]:
    """The lines of a row whose last cell opens a quote that is never closed, each split into cells."""
    # Inside the open quote every line break and comma is text, and no quote stands alone (one would have
    # closed it), so each line of the cell is one line of the file as written.
    opened = line + sum(len(_NEWLINE.findall(cell)) for cell in row[:-1])
    pieces = _NEWLINE.split(row[-1].removesuffix(_END_OF_FILE))
    if len(pieces) > 1 and not pieces[-1]:
        pieces.pop()  # the file's final line break
    last_line = opened + len(pieces) - 1

    def cells(piece: str) -> list[str]:
        return next(csv.reader([piece], delimiter=delimiter), [])

    yield line, SwallowedRow(row[:-1] + cells(pieces[0]), opened, last_line)
    for offset, piece in enumerate(pieces[1:], start=1):
        yield opened + offset, SwallowedRow(cells(piece), opened, last_line)


def spreadsheet_rows(path: Path) -> tuple[Iterator[tuple[int, list[Any]]], dt.date]:
    """The rows of the first sheet that is not hidden (a cover or lookup sheet may be), streamed: the
    workbook is opened here (so a file that is no workbook fails at once), and its rows are read one by one
    as they are taken, each cell of a range merged down rows holding the range's value and each formula
    without a value marked (`FormulaWithoutValue`); and the day its date serial numbers count from (its date
    system's)."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheet = next((s for s in workbook.worksheets if s.sheet_state == "visible"), workbook.worksheets[0])
    # The extent a sheet declares may be wrong either way: read the rows it holds.
    sheet.reset_dimensions()
    rows = _sheet_rows(workbook, (tuple(map(_shown_value, cells)) for cells in sheet.iter_rows()), str(path))
    return _marked(rows, _sheet_marks(sheet)), workbook.epoch.date()


# Number formats whose text differs from the number's: integers padded with zeros (`000000` shows 123 as
# 000123, as an id or unit reference often is), and a fixed count of decimals (`0.00` shows 4.1 as 4.10).
_PADDED = re.compile(r"00+")
_DECIMALS = re.compile(r"0+\.(0+)")


def _shown_value(cell) -> Any:
    """A cell's value; a number that its format shows with zeros its value lacks (leading zeros, or
    trailing decimals of a fraction) is the text the spreadsheet shows, what a CSV saved from it holds, so
    an id or reference keeps its zeros. A whole number shown as it is stays a number: a date's serial."""
    value = cell.value
    if type(value) not in (int, float):
        return value
    number_format = cell.number_format
    if _PADDED.fullmatch(number_format) and float(value).is_integer() and len(str(int(value))) < len(number_format):
        return f"{int(value):0{len(number_format)}d}"
    if (decimals := _DECIMALS.fullmatch(number_format)) and not float(value).is_integer():
        return f"{value:0{len(number_format)}.{len(decimals.group(1))}f}"
    return value


_MERGED_RANGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]{1,3})([0-9]+):([A-Z]{1,3})([0-9]+)"')
# A cell holding a formula and no value: what a program that writes workbooks without calculating them
# (a script's library) saves. Formulas are never calculated here, so the cell has nothing to be read.
_FORMULA_WITHOUT_VALUE = re.compile(
    rb'<(?:\w+:)?c\s+r="([A-Z]{1,3})([0-9]+)"[^>]*>\s*<(?:\w+:)?f\b(?:[^>]*/>|[^>]*>([^<]*)</(?:\w+:)?f>)'
    rb'\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
# The longest cell element read whole across two chunks of the sheet's XML.
_LONGEST_TAG = 4096


_FORMULA_HINT = ("open the workbook in Excel or LibreOffice and save it, which stores each formula's value, or "
                 "paste the values over the formulas")


class FormulaWithoutValue(str):
    """An empty cell (it reads as "") that holds a formula whose value the workbook does not store, so
    that a column that is read can say why it has nothing (QR523)."""

    def __new__(cls, reference: str, formula: str):
        cell = super().__new__(cls, "")
        cell.reference, cell.formula = reference, formula
        return cell


@attrs.frozen
class _SheetMarks:
    """What the sheet's XML says of its cells beside their values, by row: ranges merged down rows, one
    column wide (column index from 0, first row, last row), and cells holding a formula without a value
    (column index from 0, the cell)."""

    merged: dict[int, list[tuple[int, int, int]]]
    formulas: dict[int, list[tuple[int, FormulaWithoutValue]]]


def _sheet_marks(sheet) -> _SheetMarks:
    """The sheet's `_SheetMarks`. A spreadsheet shows a merged range's value across it, but stores it in the
    first cell alone; the ranges follow the rows in the sheet's XML, so it is read once for them first."""
    from openpyxl.utils import column_index_from_string
    from xml.sax.saxutils import unescape

    merged: dict[int, set[tuple[int, int, int]]] = {}
    formulas: dict[int, dict[int, FormulaWithoutValue]] = {}
    tail = b""
    with sheet._get_source() as source:  # openpyxl's own reader of the sheet's XML
        while chunk := source.read(BLOCK_SIZE):
            text = tail + chunk
            for first_column, first_row, last_column, last_row in _MERGED_RANGE.findall(text):
                if first_column == last_column and int(last_row) > int(first_row):
                    merged.setdefault(int(first_row), set()).add(
                        (column_index_from_string(first_column.decode()) - 1, int(first_row), int(last_row)))
            # Most sheets hold no formula: the slower search is spared them.
            for column, row, formula in _FORMULA_WITHOUT_VALUE.findall(text) if _FORMULA.search(text) else ():
                reference = f"{column.decode()}{row.decode()}"
                formulas.setdefault(int(row), {})[column_index_from_string(column.decode()) - 1] = \
                    FormulaWithoutValue(reference, unescape(formula.decode("utf-8", "replace"), {"&quot;": '"'}))
            # A tag split between two chunks is read whole from the next (one read in both is one).
            tail = text[-_LONGEST_TAG:]
    return _SheetMarks({row: sorted(found) for row, found in merged.items()},
                       {row: sorted(found.items()) for row, found in formulas.items()})


def _marked(rows: Iterator[tuple[int, list[Any]]], marks: _SheetMarks) -> Iterator[tuple[int, list[Any]]]:
    """The rows with each cell of a range merged down rows holding the value of the range's first cell, and
    each formula without a value marked as one."""
    if not marks.merged and not marks.formulas:
        yield from rows
        return
    active: list[tuple[int, int, Any]] = []  # (column, last row, value)
    for number, values in rows:
        for column, cell in marks.formulas.get(number, ()):
            values.extend([None] * (column + 1 - len(values)))
            if values[column] is None:
                values[column] = cell
        active = [entry for entry in active if entry[1] >= number]
        for column, last_row, value in active:
            values.extend([None] * (column + 1 - len(values)))
            values[column] = value
        for column, _, last_row in marks.merged.get(number, ()):
            active.append((column, last_row, values[column] if column < len(values) else None))
        yield number, values


def _sheet_rows(workbook, rows: Iterator[tuple], file: str) -> Iterator[tuple[int, list[Any]]]:
    try:
        for number in itertools.count(1):
            try:
                values = next(rows, None)
            except Exception as error:  # openpyxl raises assorted errors for malformed sheet XML
                raise _fatal(file, f"cannot read the spreadsheet from row {number} on: {error}",
                             line=number) from error
            if values is None:
                return
            if number > SPREADSHEET_ROWS:
                raise _fatal(file, f"the sheet has a row beyond row {SPREADSHEET_ROWS:,}, the last a spreadsheet "
                             "can have", line=number, hint="save the workbook again from a spreadsheet program")
            yield number, list(values)
    finally:
        workbook.close()


@attrs.frozen
class Header:
    """Where a table's columns are: the header's line or row number, and each known column's index."""

    line: int
    position: dict[str, int]
    row_word: str  # "line" for CSV, "row" for a spreadsheet
    width: int  # how many columns the header names
    # Every other column, by its heading as written: those a ruleset declares are read (a learner's attributes,
    # an exemption's approval on a unit's row), the rest ignored.
    others: dict[str, int] = attrs.field(factory=dict)
    # Each heading as written, so that a row repeating the header can be told, and as headers are matched.
    headings: tuple[str, ...] = ()
    # The rows of one cell above it, each with its number and text: an export's title (`header_row`).
    titles: tuple[tuple[int, str], ...] = ()
    heading_keys: tuple[str, ...] = attrs.field(init=False)

    @heading_keys.default
    def _matched(self) -> tuple[str, ...]:
        return tuple(column_key(heading) for heading in self.headings)

    @property
    def log(self) -> bool:
        """An achievement log, by criterion or by unit: rows may be sign-offs as well as unit results."""
        return "criterion" in self.position or any(field in self.position for field in SIGN_OFF_FIELDS)


def required_columns(fields: Collection[str]) -> tuple[str, ...]:
    """The fields a header naming `fields` must give: a criterion log's, or a file of unit results'."""
    return LOG_REQUIRED_COLUMNS if "criterion" in fields else REQUIRED_COLUMNS


def read_columns(fields: Iterable[str]) -> tuple[str, ...]:
    """Every field a header naming `fields` is read for: a criterion log reads every field of the log, a
    unit-level log (sign-off columns, no criterion column) its declarations, a file of unit results neither."""
    fields = set(fields)
    log = LOG_OPTIONAL_COLUMNS if "criterion" in fields else \
        UNIT_LOG_COLUMNS if fields & set(SIGN_OFF_FIELDS) else ()
    return required_columns(fields) + OPTIONAL_COLUMNS + (PATHWAY_COLUMN, QUALIFICATION_COLUMN) + log


def read_header(file: str, rows: Iterator[tuple[int, list[Any]]], row_word: str,
                options: ReadOptions = DEFAULT_OPTIONS) -> Header:
    """The header of a table (`header_row`), its headings mapped by `options.columns`; raises DiagnosticError
    when a column is missing."""
    header_line, header, titles = header_row(rows)
    formula = next((cell for cell in header if isinstance(cell, FormulaWithoutValue)), None)
    if formula is not None:
        raise _fatal(file, f"the header's cell {formula.reference} holds the formula ={formula.formula} but no "
                     "heading: the program that saved the workbook did not calculate it", line=header_line,
                     code="QR523", hint=_FORMULA_HINT)
    written = [column_key(_cell(c)) for c in header]
    columns = [options.columns.get(c, c) for c in written]
    required, known = required_columns(columns), read_columns(columns)
    missing = [c for c in required if c not in columns]
    if missing:
        raise _fatal(file, f"missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}",
                     line=header_line,
                     hint=_missing_hint(missing, required, [_cell(c) for c in header], columns, options))
    for name in known:
        given = [index for index, column in enumerate(columns) if column == name]
        if len(given) > 1:
            raise _fatal(file, f"the header gives the `{name}` column {len(given)} times: "
                         + " and ".join(f"{_cell(header[i])!r} (column {i + 1})" for i in given),
                         line=header_line, code="QR510",
                         hint="keep one; a column to be ignored needs a name of its own")
    position = {name: columns.index(name) for name in known if name in columns}
    others = {}
    for index, (cell, column) in enumerate(zip(header, columns)):
        if column not in known and _cell(cell):
            others.setdefault(_cell(cell), index)
    return Header(header_line, position, row_word, len(header), others, tuple(_cell(c) for c in header), titles)


def header_row(rows: Iterator[tuple[int, list[Any]]]) -> tuple[int, list[Any], tuple[tuple[int, str], ...]]:
    """A table's header row and its number: the first row of more than one cell, with the rows of one cell
    above it (up to TITLE_ROWS), each with its number and text, which an export's title takes; blank rows
    are passed over. A table with no such row has its first non-empty one for its header."""
    titles: list[tuple[int, str]] = []
    first = None
    for number, row in rows:
        filled = [cell for cell in row if _cell(cell) or isinstance(cell, FormulaWithoutValue)]
        if not filled:
            continue
        first = first or (number, row)
        if len(filled) > 1:
            return number, row, tuple(titles)
        if len(titles) == TITLE_ROWS:
            break
        cell = filled[0]
        titles.append((number, f"={cell.formula}" if isinstance(cell, FormulaWithoutValue) else _cell(cell)))
    return (*first, ()) if first else (1, [], ())


def header_warnings(file: str, header: Header, options: ReadOptions) -> list[Diagnostic]:
    """What a table's header says that a reader should know before its rows: a title above it (QR547), a
    column of registrations not read (QR549)."""
    return [warning for warning in (title_warning(file, header), unread_registrations_warning(file, header, options))
            if warning is not None]


def unread_registrations_warning(file: str, header: Header, options: ReadOptions) -> Diagnostic | None:
    """QR549: no column is read as the qualification each learner is registered for, but one is headed as
    systems head it (`QAN`, `Learning Aim Reference`): without it every learner is decided against every
    qualification asked for, those they are not on too."""
    from qualrules.interpreter.records.synonyms import likely_field  # it reads this module's FIELDS

    if QUALIFICATION_COLUMN in header.position:
        return None
    heading = next((heading for heading in header.others if likely_field(heading) == QUALIFICATION_COLUMN), None)
    if heading is None:
        return None
    return Diagnostic("QR549", Severity.WARNING, f"the {heading!r} column looks like the qualification each learner "
                      "is registered for, but is not read: every learner is decided against every qualification "
                      "asked for", Location(file, header.line, element=None if header.row_word == "line"
                                            else f"row {header.line}"),
                      f"to decide each against their own, {options.fix('columns', (heading, QUALIFICATION_COLUMN))}")


def title_warning(file: str, header: Header) -> Diagnostic | None:
    """The warning that rows above a table's header were read as its title (QR547), or None."""
    if not header.titles:
        return None
    word, count = header.row_word, len(header.titles)
    above = f"a {word} of one cell" if count == 1 else f"{count} {word}s of one cell"
    shown = "; ".join(f"{word} {number}, {text!r}" for number, text in header.titles)
    first = header.titles[0][0]
    return Diagnostic("QR547", Severity.WARNING, f"the header is on {word} {header.line}, below {above} read as "
                      f"a title, not as records: {shown}",
                      Location(file, first, element=None if word == "line" else f"row {first}"),
                      "nothing to do for an export's title; a learner's row there needs its other cells")


def _missing_hint(missing: list[str], required: tuple[str, ...], headings: list[str], columns: list[str],
                  options: ReadOptions) -> str:
    """The profile lines that would map the header's unread columns to the missing fields, where a heading
    looks like one; otherwise what is required."""
    from qualrules.interpreter.records.synonyms import likely_field  # it reads this module's FIELDS

    unread = [(heading, column) for heading, column in zip(headings, columns) if heading and column not in FIELDS]
    fixes = []
    for field in missing:
        likely = [heading for heading, _ in unread if likely_field(heading) == field]
        close = likely or [heading for heading, column in unread
                           if difflib.get_close_matches(field, [column], n=1, cutoff=0.6)]
        if close:
            fixes.append((close[0], field))
    shown = f"the header has {', '.join(columns) or 'no columns'}"
    if fixes:
        return f"{shown}; {options.fix('columns', *fixes)}"
    return (f"{shown}; required: {', '.join(required)}; to read a column of another name as one, "
            + options.fix("columns", ("Your Heading", missing[0])))


def names_the_headings(row: list[Any], header: Header) -> bool:
    """Whether a row's learner and unit cells are the header's own headings (as headers are matched): the
    header again, or another export's, in a file joined from several. Parquet's columns are named by no row
    (line 0)."""
    def heading_again(column: str) -> bool:
        index = header.position[column]
        return index < len(row) and column_key(_cell(row[index])) == header.heading_keys[index]

    return bool(header.line) and heading_again("learner") and heading_again("unit")


def read_table_block(file: str, vocabulary: Vocabulary, header: Header, rows: Iterable[tuple[int, list[Any]]],
                     options: ReadOptions = DEFAULT_OPTIONS, learner: str | None = None) -> Records:
    """The learners of some rows of a table whose header was read already (a block of a streamed file; only
    `learner`'s, given one, as `read_records` reads them)."""
    reader = _Reader(file, vocabulary, options, learner=learner)
    reader.read_body(rows, header)
    return reader.result()


class _Reader:
    def __init__(self, file: str, vocabulary: Vocabulary, options: ReadOptions, typed_cells: bool = False,
                 learner: str | None = None):
        self.file = file
        # The one learner whose record is read (None: every learner's); the others are only named.
        self.only = learner
        self.vocabulary = vocabulary
        self.options = options
        # A spreadsheet's cells are typed: a number there is a date's serial number (`dates`), while a
        # number elsewhere (JSON) is the digits it is written with.
        self.typed_cells = typed_cells
        self.order: list[str] = []
        self.attempts: dict[str, list[Attempt]] = {}
        self.facts: dict[str, dict[str, tuple[dt.date, Location]]] = {}
        self.errors: dict[str, list[Diagnostic]] = {}
        self.problems: list[Diagnostic] = []
        self.warnings: list[Diagnostic] = []
        self.date_forms = DateForms.named(options.date_formats)
        # The achievement log: criterion rows, and each unit's sign-off fields with the row giving each.
        self.evidence: dict[str, list[CriterionEvidence]] = {}
        self.sign_offs: dict[str, dict[str, dict[str, tuple[Any, Location]]]] = {}
        # Dates repeat on every row of a learner (registration, birth) and across learners: parse each text once.
        self.dates: dict[str, dt.date | DateProblem | None] = {}
        # Units in no loaded catalogue already warned about (case-folded): each is named once per file.
        self.unknown_units: set[str] = set()
        # The hint of each unit cell in no loaded catalogue, as written, once made (`unit_hint`).
        self.unit_hints: dict[str, str | None] = {}
        # The values of declared columns, each with the row that gave it first.
        self.attributes: dict[str, dict[str, tuple[str, Location]]] = {}
        # Each learner's pathway, as its loaded qualification names it, with the row first giving it.
        self.pathways: dict[str, tuple[str, Location]] = {}
        # The qualifications each learner's rows name, in order, by `qualification_key` (`Records.registrations`).
        self.registrations: dict[str, dict[str, str]] = {}
        # Each learner's rows left out for naming a unit in no loaded catalogue.
        self.unread: dict[str, list[UnreadUnit]] = {}
        # Registrations no loaded ruleset gives already warned about, as written: each once per file.
        self.unknown_registrations: set[str] = set()
        # A row repeating the header was warned about (QR519): once per file.
        self.header_repeated = False
        # Each learner's criterion result cells that are no criterion result (normalised): the place of its
        # error (QR531) among the learner's errors, and how many of the learner's rows give it.
        self.criterion_word_errors: dict[str, dict[str, list[int]]] = {}
        # The hint of each such cell, made once per file.
        self.criterion_word_hints: dict[str, str] = {}

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
            self.evidence[learner] = []
            self.sign_offs[learner] = {}
            self.attributes[learner] = {}

    def _report(self, learner: str, diagnostic: Diagnostic) -> None:
        if diagnostic.is_error:
            self.errors.setdefault(learner, []).append(diagnostic)
        else:
            self.warnings.append(diagnostic)

    def _date(self, learner: str, value: Any, column: str, location: Location, required: bool) -> dt.date | None:
        if isinstance(value, float) and not self.typed_cells:
            value = str(value)
        if isinstance(value, str):
            parsed = self.dates.get(value, False)
            if parsed is False:
                parsed = self.dates[value] = self.date_forms.read(value)
        else:
            parsed = self.date_forms.read(value)
        if parsed is None and required:
            self._error(learner, "QR502", f"`{column}` is empty", location, hint=self.date_forms.accepted)
        if isinstance(parsed, DateProblem):
            self._error(learner, parsed.code, f"`{column}` is {parsed.what}", location, hint=parsed.hint)
            return None
        return parsed

    def _unit(self, learner: str, value: Any, location: Location) -> str | None:
        """The unit as its catalogue writes it; None for an empty or unknown one, reported (an unknown one
        as an error, or warned about once per file when `unknown_units` is "warn")."""
        text = "" if value is None else str(value).strip()
        if not text:
            self._error(learner, "QR501", "the unit reference is empty", location)
            return None
        known = self.vocabulary.unit_refs.get(self.options.unit_key(text))
        if known is None:
            if text not in self.unit_hints:  # every row of such a unit is reported: its hint is made once
                self.unit_hints[text] = unit_hint(text, self.vocabulary, self.options)
            if self.options.unknown_units == "error":
                self._error(learner, "QR501", f"unknown unit {text!r}: it is in no loaded catalogue", location,
                            hint=self.unit_hints[text])
                return None
            unread = self.unread.setdefault(learner, [])
            # A unit's first row, in any letter case: a log gives it a row per criterion.
            if all(u.text.casefold() != text.casefold() for u in unread):
                unread.append(UnreadUnit(text, location, self.unit_hints[text]))
            if text.casefold() not in self.unknown_units:
                self.unknown_units.add(text.casefold())
                self.warnings.append(unknown_unit_warning(text, location, self.vocabulary, self.options))
        return known

    def _result(self, learner: str, value: Any, location: Location, unit: str | None) -> str | None:
        """The result word a cell gives (mapped by `result_words`), when it is one `unit`'s body accepts
        (any body's, when the unit is not known)."""
        text = normalised_result(value)
        # A mark, which a graded qualification's bands turn into a grade, unless the profile maps the number
        # as a result code (an export's `1` for a pass).
        if MARK.fullmatch(text) and text not in self.options.result_words:
            return str(int(float(text)))
        word = self.options.result_words.get(text, text)
        vocabulary = self.vocabulary
        if word in vocabulary.results:
            return word
        shown = repr(str(value)) if value not in (None, "") else "empty"
        bodies = vocabulary.scoped_results.get(word, frozenset())
        owners = vocabulary.unit_bodies.get(unit.casefold(), frozenset()) if unit else bodies
        if bodies & owners:
            return word
        if bodies:
            self._error(learner, "QR521", f"the result is {shown}, a result word of {' and '.join(sorted(bodies))} "
                        f"only, and {unit} is a unit of {' and '.join(sorted(owners))}", location,
                        hint="use one of " + ", ".join(sorted(vocabulary.results)) + f" for {unit}")
            return None
        self._error(learner, "QR503", f"the result is {shown}, which is not a result word", location,
                    hint=_word_hint(str(value).strip() if value is not None else "", vocabulary, self.options))
        return None

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

    def _attribute(self, learner: str, key: str, heading: str, value: Any, location: Location) -> None:
        """A value of a column a ruleset declares; a blank cell says nothing."""
        written = _cell(value)
        if not written:
            return
        allowed = self.vocabulary.columns[key]
        if written.casefold() not in allowed:
            shown = ", ".join(sorted(allowed, key=lambda w: (not w.isdigit(), -int(w) if w.isdigit() else 0, w))[:12])
            self._error(learner, "QR550", f"`{heading}` holds {written[:40]!r}, which no ruleset's declaration "
                        "of that column allows", location,
                        hint=f"one of: {shown}; or leave it blank where the record does not know")
            return
        seen = self.attributes[learner].get(key)
        if seen is None:
            self.attributes[learner][key] = (written, location)
        elif seen[0].casefold() != written.casefold():
            where = f"line {seen[1].line}" if seen[1].line else seen[1].element
            self._error(learner, "QR551", f"learner {learner} has two different `{heading}` values: "
                        f"{seen[0]!r} ({where}) and {written!r}", location,
                        hint="correct the row that is wrong; every row of a learner must agree")

    def _pathway(self, learner: str, value: Any, location: Location) -> None:
        """The pathway a learner's row names, read only where a loaded qualification declares pathways."""
        text = _cell(value)
        if not text or not self.vocabulary.pathways:
            return
        name = self.vocabulary.pathways.get(text.casefold())
        if name is None:
            self._error(learner, "QR543", f"unknown pathway {text!r}: no loaded qualification declares it", location,
                        hint=did_you_mean(text, self.vocabulary.pathways.values())
                        or "the pathways are " + ", ".join(sorted(set(self.vocabulary.pathways.values()))))
            return
        seen = self.pathways.setdefault(learner, (name, location))
        if seen[0] != name:
            where = f"line {seen[1].line}" if seen[1].line else seen[1].element
            self._error(learner, "QR544", f"learner {learner} has two different pathways: {seen[0]!r} ({where}) "
                        f"and {name!r}", location,
                        hint="a learner is registered for one pathway: correct the row that is wrong")

    def _registration(self, learner: str, value: Any, location: Location) -> None:
        """A qualification a learner's row names; one no loaded ruleset gives is warned about (QR548)."""
        text = registration_text(_cell(value))
        if not text:
            return
        key = qualification_key(text)
        qan = self.vocabulary.qualifications.get(key)
        if qan is None and text not in self.unknown_registrations:
            self.unknown_registrations.add(text)
            self.warnings.append(unknown_registration_warning(text, location, self.vocabulary))
        # One qualification written two ways is one registration, named as first written.
        self.registrations.setdefault(learner, {}).setdefault(key, qan or text)

    def _attempt(self, learner: str, unit: Any, result: Any, achieved_on: Any, location: Location,
                 approvals: Mapping[str, Any] = MappingProxyType({})) -> None:
        """`approvals`: the row's cells of the approval columns the loaded rulesets declare, by column."""
        ref = self._unit(learner, unit, location)
        if ref is None and _cell(unit) and self.options.unknown_units == "warn":
            return  # warned about: the result and date of a unit that cannot count are not read
        word = self._result(learner, result, location, ref)
        date = self._date(learner, achieved_on, "achieved_on", location, required=False)
        approved = None
        for column, value in approvals.items():
            try:
                approved = approval(value) if approved is None else approved
            except ValueError:
                self._error(learner, "QR546", f"`{column}` is {str(value).strip()!r}, which does not say whether "
                            "the exemption was approved", location,
                            hint="write yes or no (approved, not approved), or leave it empty when not yet known")
        if ref is not None and word is not None:
            self.attempts[learner].append(Attempt(ref, word, date, location, approved))

    def _too_long(self, learner: str | None, values: Mapping[str, Any], location: Location) -> bool:
        """Whether any of a row's values that are read is longer than `CELL_LIMIT`; each is reported."""
        found = False
        for key, value in values.items():
            limit = EVIDENCE_LIMIT if key == "evidence" else CELL_LIMIT
            if isinstance(value, str) and len(value) > limit:
                self._error(learner, "QR511", f"`{key}` holds {len(value):,} characters, more than a value can "
                            f"({limit})", location, hint=f"it begins {value[:40]!r}")
                found = True
        return found

    def result(self) -> Records:
        for learner, words in self.criterion_word_errors.items():
            for index, rows in words.values():
                if rows > 1:
                    error = self.errors[learner][index]
                    self.errors[learner][index] = attrs.evolve(
                        error, message=f"{error.message}, on this row and {rows - 1} more of learner {learner}'s")
        read = [learner for learner in self.order if self.only in (None, learner)]
        if self.only is not None:  # errors met before a row's learner was known (a swallowed row's, say)
            self.errors = {learner: errors for learner, errors in self.errors.items() if learner == self.only}
        for learner in read:
            born, registered = (self.facts[learner].get(key) for key in ("date_of_birth", "registered_on"))
            if born and registered and born[0] >= registered[0]:
                self._error(learner, "QR509", f"learner {learner} is born on {born[0].isoformat()}, not before "
                            f"registering on {registered[0].isoformat()}", registered[1],
                            hint="one of the two dates is mistyped")
            for attempt in self.attempts[learner] if born else ():
                if attempt.achieved_on is not None and attempt.achieved_on < born[0]:
                    self._error(learner, "QR513", f"{attempt.unit} is achieved on {attempt.achieved_on.isoformat()}, "
                                f"before learner {learner} is born on {born[0].isoformat()}", attempt.source,
                                hint="one of the two dates is mistyped")
        logs = {learner: self._log(learner) for learner in read}
        learners = []
        for learner in read:
            if learner in self.errors:
                continue
            facts = self.facts[learner]
            evidence, sign_offs, derived = logs[learner]
            learners.append(Learner(
                id=learner,
                date_of_birth=facts.get("date_of_birth", (None,))[0],
                registered_on=facts.get("registered_on", (None,))[0],
                pathway=self.pathways.get(learner, (None,))[0],
                unread_units=tuple(self.unread.get(learner, ())),
                attempts=tuple(self.attempts[learner]) + derived,
                evidence=evidence,
                sign_offs=sign_offs,
                attributes={key: value for key, (value, _) in self.attributes[learner].items()},
            ))
        unreadable = {learner: tuple(self.errors[learner]) for learner in self.order if learner in self.errors}
        registrations = {learner: tuple(self.registrations[learner].values()) for learner in read
                         if learner in self.registrations}
        return Records(tuple(self.order), tuple(learners), unreadable, tuple(self.problems), tuple(self.warnings),
                       registrations)

    # ---- achievement logs ------------------------------------------------------------------------
    def _log(self, learner: str) -> tuple[tuple[CriterionEvidence, ...], tuple[SignOff, ...], tuple[Attempt, ...]]:
        """A learner's criterion rows and sign-offs, judged together, and the passes they make."""
        evidence = tuple(self.evidence[learner])
        sign_offs = tuple(
            SignOff(unit, *(fields.get(key, (None,))[0] for key in
                            ("signed_off_on", "assessor", "learner_signed_on", "iqa_verified_on", "iqa_verifier")),
                    source=source)
            for unit, (source, fields) in self.sign_offs[learner].items())
        if not evidence and not sign_offs:
            return (), (), ()
        judged = check_log(evidence, sign_offs, self.attempts[learner],
                           self.facts[learner].get("registered_on", (None,))[0], self.vocabulary.logs)
        for diagnostic in judged.errors + judged.warnings:
            self._report(learner, diagnostic)
        return evidence, sign_offs, judged.attempts

    def _log_row(self, learner: str, values: Mapping[str, Any], location: Location, sign_off_columns: bool,
                 approvals: Mapping[str, Any]) -> None:
        """A row of an achievement log: a criterion row when it names a criterion; otherwise a unit result
        (with `approvals`, as `_attempt` takes them), a sign-off, or both."""
        if _cell(values.get("criterion")):
            self._criterion(learner, values, location)
            return
        result = _cell(values.get("result"))
        signed = any(_cell(values.get(key)) for key in SIGN_OFF_FIELDS)
        if result or not (signed or sign_off_columns):
            self._attempt(learner, values.get("unit"), values.get("result"), values.get("achieved_on"), location,
                          approvals)
        if signed or (sign_off_columns and not result):
            self._sign_off(learner, values, location)

    def _criterion(self, learner: str, values: Mapping[str, Any], location: Location) -> None:
        ref = self._unit(learner, values.get("unit"), location)
        number = _cell(values.get("criterion"))
        date = self._date(learner, values.get("achieved_on"), "achieved_on", location, required=False)
        result = self._criterion_result(learner, values.get("result"), date, location)
        simulated = self._simulated(learner, values.get("simulated"), location)
        if not number:
            self._error(learner, "QR506", "the criterion is empty", location,
                        hint='name it as the specification numbers it: "2.3"')
            return
        if ref is None or result is None or simulated is None:
            return
        logged = self.vocabulary.logs.get(ref.casefold())
        if logged is None or number not in logged.criteria:
            self._report(learner, unknown_criterion(logged, ref, number, location))
            return
        criterion, kind = logged.criteria[number]
        row = CriterionEvidence(logged.unit.ref, number, result, date, _text(values.get("evidence")),
                                _text(values.get("method")), _text(values.get("assessor")), simulated, location)
        for diagnostic in row_warnings(logged, criterion, kind, row):
            self._report(learner, diagnostic)
        self.evidence[learner].append(row)

    def _criterion_result(self, learner: str, value: Any, date: dt.date | None,
                          location: Location) -> CriterionResult | None:
        """A criterion's result word (mapped by `result_words`, as a unit's is); an empty one is met when the
        row is dated, and not yet met otherwise. Any other word is an error (QR531) once per learner and word,
        at the learner's first row giving it; `result` adds how many more of their rows give it."""
        text = normalised_result(value)
        if not text:
            return CriterionResult.MET if date is not None else CriterionResult.NOT_YET
        word = self.options.result_words.get(text, text)
        if word in CRITERION_RESULTS:
            return CRITERION_RESULTS[word]
        given = self.criterion_word_errors.setdefault(learner, {})
        if text in given:
            given[text][1] += 1
            return None
        if text not in self.criterion_word_hints:
            self.criterion_word_hints[text] = _criterion_word_hint(str(value).strip(), self.options)
        self._error(learner, "QR531", f"the criterion result is {str(value)!r}, which is not a criterion result word",
                    location, hint=self.criterion_word_hints[text])
        given[text] = [len(self.errors[learner]) - 1, 1]
        return None

    def _simulated(self, learner: str, value: Any, location: Location) -> bool | None:
        if isinstance(value, bool):
            return value
        text = normalised_result(value)
        if text not in SIMULATED_WORDS:
            self._error(learner, "QR535", f"`simulated` is {str(value)!r}, not yes or no", location,
                        hint="write yes when the evidence comes from simulation, and no or nothing otherwise")
            return None
        return SIMULATED_WORDS[text]

    def _sign_off(self, learner: str, values: Mapping[str, Any], location: Location) -> None:
        """One row of a unit's sign-off; rows for the same unit are merged, and must agree."""
        ref = self._unit(learner, values.get("unit"), location)
        fields = {key: self._date(learner, values.get(key), key, location, required=False) for key in SIGN_OFF_DATES}
        fields.update(assessor=_text(values.get("assessor")), iqa_verifier=_text(values.get("iqa_verifier")))
        if ref is None:
            return
        logged = self.vocabulary.logs.get(ref.casefold())
        unit = logged.unit.ref if logged else ref
        _, merged = self.sign_offs[learner].setdefault(unit, (location, {}))
        for key, value in fields.items():
            if value is None:
                continue
            seen = merged.setdefault(key, (value, location))
            if seen[0] != value:
                shown = [v.isoformat() if isinstance(v, dt.date) else v for v in (seen[0], value)]
                where = f"line {seen[1].line}" if seen[1].line else seen[1].element
                self._error(learner, "QR539", f"the sign-off of {unit} gives two different `{key}` values: "
                            f"{shown[0]} ({where}) and {shown[1]}", location,
                            hint="correct the row that is wrong; a unit is signed off once")

    # ---- tables (CSV, spreadsheet) ---------------------------------------------------------------
    def read_rows(self, rows: Iterable[tuple[int, list[Any]]], row_word: str) -> None:
        rows = iter(rows)
        header = read_header(self.file, rows, row_word, self.options)
        self.warnings += header_warnings(self.file, header, self.options)
        self.read_body(rows, header)

    def read_body(self, rows: Iterable[tuple[int, list[Any]]], header: "Header") -> None:
        """The rows after the header."""
        position = header.position
        read = sorted({*position.values(), *(index for heading, index in header.others.items()
                                             if column_key(heading) in self.vocabulary.columns
                                             or column_key(heading) in self.vocabulary.approval_columns)})
        learner_index = position["learner"]
        # Where each cell read is, worked out once for the header rather than on every row.
        read_cells = tuple((column, index) for column, index in position.items() if column != "learner")
        facts = tuple((key, position[key]) for key in OPTIONAL_COLUMNS if key in position)
        attributes = tuple((heading, column_key(heading), index) for heading, index in header.others.items()
                           if column_key(heading) in self.vocabulary.columns)
        approval_cells = tuple((heading, index) for heading, index in header.others.items()
                               if column_key(heading) in self.vocabulary.approval_columns)
        sign_off_columns = any(key in position for key in SIGN_OFF_FIELDS)
        element_word = None if header.row_word == "line" else "row"
        for number, row in rows:
            if not any(_cell(c) or isinstance(c, FormulaWithoutValue) for c in row):
                continue
            if self.only is not None and self._another_learners(row, learner_index, header):
                continue
            location = Location(self.file, number, element=element_word and f"row {number}")
            if self._header_again(row, header, location) or \
                    self.typed_cells and self._formulas_without_values(row, read, header, location):
                continue
            width = len(row)
            # Told at once of a row of text (every row but a hostile one's): no cell is long enough to be looked at.
            short = _all_short(row) and not self.typed_cells
            written = row[learner_index] if learner_index < width else None
            if isinstance(row, QuotedLines) and self._quoted_rows(_cell(written), number, row, header, location):
                continue
            if not short and self._too_long(None, {"learner": written}, location):
                continue
            learner = _cell(written)
            if isinstance(row, SwallowedRow):
                self._swallowed(learner or None, number, row, location)
                continue
            if not learner:
                self._error(None, "QR506", "the row has no learner id", location,
                            hint="every row needs the learner it belongs to")
                continue
            self._learner(learner)
            if self.only is not None and learner != self.only:
                continue
            cells = {column: row[index] if index < width else None for column, index in read_cells}
            if not short and self._too_long(learner, cells, location):
                continue
            for key, index in facts:
                self._fact(learner, key, self._date(learner, row[index] if index < width else None, key, location,
                                                    required=False), location)
            for heading, key, index in attributes:
                if index < width:
                    self._attribute(learner, key, heading, row[index], location)
            if PATHWAY_COLUMN in cells:
                self._pathway(learner, cells[PATHWAY_COLUMN], location)
            if QUALIFICATION_COLUMN in cells:
                self._registration(learner, cells[QUALIFICATION_COLUMN], location)
            approvals = {heading: row[index] if index < width else None for heading, index in approval_cells}
            if header.log:
                self._log_row(learner, cells, location, sign_off_columns, approvals)
            else:
                self._attempt(learner, cells.get("unit"), cells.get("result"), cells.get("achieved_on"), location,
                              approvals)

    def _another_learners(self, row: list[Any], learner_index: int, header: "Header") -> bool:
        """Whether a row is plainly one of another learner than the one read, who is only named: nothing in it
        is reported, as nothing of theirs is. Any other row is read in full, as every row is without a learner
        to read (one that may be a header again, or may have swallowed rows, or has an id too long)."""
        if self.typed_cells or type(row) is not list or learner_index >= len(row):
            return False
        written = row[learner_index]
        learner = _cell(written)
        if not learner or learner == self.only or isinstance(written, str) and len(written) > CELL_LIMIT \
                or names_the_headings(row, header):
            return False
        self._learner(learner)
        return True

    def _formulas_without_values(self, row: list[Any], read: list[int], header: "Header",
                                 location: Location) -> bool:
        """Whether a cell that is read holds a formula without a value (`FormulaWithoutValue`): the row
        cannot be read, so its learner is unreadable (QR523), each such cell named."""
        cells = [row[index] for index in read if index < len(row) and isinstance(row[index], FormulaWithoutValue)]
        if not cells:
            return False
        learner = _cell(row[header.position["learner"]]) if header.position["learner"] < len(row) else ""
        names = {index: heading for heading, index in (*header.position.items(), *header.others.items())}
        for cell in cells:
            column = names[next(index for index in read if row[index] is cell)]
            self._error(learner or None, "QR523", f"cell {cell.reference} (`{column}`) holds the formula "
                        f"={cell.formula} but no value: the program that saved the workbook did not calculate it",
                        location, hint=_FORMULA_HINT)
        return True

    def _header_again(self, row: list[Any], header: "Header", location: Location) -> bool:
        """Whether the row is a header again (`names_the_headings`). One that repeats the header is skipped,
        with a warning (QR519) at the first such row of the file; one that differs from it is an error
        (QR522): the rows after it may hold their cells in other columns, and they are read by the first
        header all the same."""
        if not names_the_headings(row, header):
            return False
        cells = [_cell(cell) for cell in row] + [""] * (header.width - len(row))
        first = f"{header.row_word} {header.line}"
        headings = list(header.headings) + [""] * (len(cells) - header.width)
        differing = [k for k, (cell, heading) in enumerate(zip(cells, headings)) if column_key(cell) != column_key(heading)]
        if not differing:
            if not self.header_repeated:
                self.header_repeated = True
                self.warnings.append(Diagnostic(
                    "QR519", Severity.WARNING, f"this {header.row_word} repeats the header ({first}), so it is read "
                    "as no learner's row, as is any later repeat", location,
                    "a file joined from several exports keeps each one's header: delete the repeats to be rid of this"))
            return True
        column = differing[0]
        self._error(None, "QR522", f"this {header.row_word} is a header unlike the one on {first}: column "
                    f"{column + 1} is {cells[column]!r} here and {headings[column]!r} there, so the rows after it "
                    f"may hold their cells in other columns, but they are read by the header on {first}", location,
                    hint="join exports made with the same columns, or check each file on its own")
        return True

    def _quoted_rows(self, learner: str, number: int, row: QuotedLines, header: "Header",
                     location: Location) -> bool:
        """Whether lines inside the row's quoted cells are rows, each naming a learner and a known unit: a
        stray quote (`27" monitor`, say) opened the cell, and a later quote closed it. The row and each such
        line are then errors (QR512) against the learners they name, whose records are unreadable."""
        lines, swallowed = number, []
        for cell in row:
            pieces = _NEWLINE.split(str(cell))
            for offset, piece in enumerate(pieces[1:], start=1):
                cells = next(csv.reader([piece], delimiter=row.delimiter), [])
                named, unit = (_cell(cells[header.position[key]]) if header.position[key] < len(cells) else ""
                               for key in ("learner", "unit"))
                if named and len(named) <= CELL_LIMIT and self.options.unit_key(unit) in self.vocabulary.unit_refs:
                    swallowed.append((lines + offset, named))
            lines += len(pieces) - 1
        if not swallowed:
            return False
        last = lines
        # The row's own id, unless too long to read, as such an id belongs to no learner.
        learner = learner if len(learner) <= CELL_LIMIT else ""
        self._error(learner or None, "QR512", f"a quote opens on line {number} and is closed only on line {last}, "
                    f"so lines that look like rows ({word_list([str(n) for n, _ in swallowed], 'and')}) are read "
                    "as one cell of this line", location, hint=_STRAY_QUOTE_HINT)
        for line, named in swallowed:
            self._error(named, "QR512", f"line {line} is inside the quote opened on line {number}, which "
                        f"closes on line {last}", attrs.evolve(location, line=line), hint=_STRAY_QUOTE_HINT)
        return True

    def _swallowed(self, learner: str | None, number: int, row: SwallowedRow, location: Location) -> None:
        if number <= row.quote_line:
            message = (f"a quote opens on line {row.quote_line} and is never closed, so every line after it, "
                       f"to line {row.last_line}, is read as one cell" if row.last_line > row.quote_line else
                       f"a quote opens on line {row.quote_line} and is never closed")
        else:
            message = f"line {number} is inside the quote opened on line {row.quote_line}, which is never closed"
        self._error(learner, "QR512", message, location,
                    hint="close the quote: a cell that opens a quote must end with one")

    # ---- JSON ------------------------------------------------------------------------------------
    def read_json(self, text: str) -> None:
        try:
            # Whole numbers are kept as written: an id of 5,000 digits is text to a learner record, not a number.
            # Criterion numbers likewise: 2.10 is not 2.1.
            document = json.loads(text, parse_int=str, parse_float=str, object_pairs_hook=_JsonObject.of)
        except json.JSONDecodeError as error:
            raise _fatal(self.file, f"not valid JSON: {error.msg}", line=error.lineno, column=error.colno) from error
        except RecursionError as error:
            depth, offset = _deepest(text)
            line, column = _line_and_column(text, offset)
            raise _fatal(self.file, f"the JSON is nested {depth:,} levels deep, too deep to read", line=line,
                         column=column, hint='a records file nests four: {"learners": [{"units": [{...}]}]}') \
                from error
        if isinstance(document, dict) and "learners" in document.repeated:
            line, column = _line_and_column(text, _key_offsets(text, "learners")[1])
            raise _fatal(self.file, 'the file gives "learners" twice', line=line, column=column, code="QR510",
                         hint='put every learner in one "learners" list')
        learners = document.get("learners") if isinstance(document, dict) else None
        if not isinstance(learners, list):
            raise _fatal(self.file, 'expected an object with a "learners" list',
                         hint='{"learners": [{"id": "L001", "units": [...]}]}')
        seen: set[str] = set()
        for number, entry in enumerate(learners):
            element = f"learners[{number}]"
            location = Location(self.file, element=element)
            identifiers = entry.repeated.get("id", [entry.get("id")]) if isinstance(entry, dict) else [None]
            if not all(isinstance(i, str) and i.strip() for i in identifiers):
                given = next((i for i in identifiers if i is not None and not isinstance(i, str)), None)
                self._error(None, "QR506", "a learner needs an \"id\"" if given is None else
                            f"a learner's \"id\" is {_json_kind(given)}, not text", location,
                            hint='{"id": "L001", "units": [...]}')
                continue
            if self._too_long(None, {"id": identifier for identifier in identifiers}, location):
                continue
            names = list(dict.fromkeys(identifier.strip() for identifier in identifiers))
            learner = names[0]
            if learner in seen:
                self._error(learner, "QR508", f"learner {learner} appears twice", location,
                            hint="merge the two entries into one")
                continue
            seen.update(names)
            for name in names:
                self._learner(name)
            if self.only is not None and self.only not in names:
                continue
            if self._repeated(names, entry, LEARNER_KEYS, element):
                continue
            if self._too_long(learner, {key: entry.get(key) for key in (*OPTIONAL_COLUMNS, PATHWAY_COLUMN)}, location):
                continue
            if not self._json_registrations(learner, entry.get(QUALIFICATION_COLUMN),
                                            Location(self.file, element=f"{element}.{QUALIFICATION_COLUMN}")):
                continue
            for key in OPTIONAL_COLUMNS:
                self._fact(learner, key, self._date(learner, entry.get(key), key,
                                                    Location(self.file, element=f"{element}.{key}"), False), location)
            self._json_attributes(learner, entry.get("attributes", {}), f"{element}.attributes")
            self._pathway(learner, entry.get(PATHWAY_COLUMN),
                          Location(self.file, element=f"{element}.{PATHWAY_COLUMN}"))
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
                if self._repeated([learner], unit, ATTEMPT_KEYS, unit_location.element) \
                        or self._too_long(learner, {key: unit.get(key) for key in ATTEMPT_KEYS}, unit_location):
                    continue
                self._attempt(learner, unit.get("unit"), unit.get("result"), unit.get("achieved_on"), unit_location,
                              {key: value for key, value in unit.items()
                               if column_key(key) in self.vocabulary.approval_columns})
            self._json_log(learner, entry, element)

    def _json_registrations(self, learner: str, given: Any, location: Location) -> bool:
        """A learner's `qualification`: a QAN or title, or a list of them; False (reported) when it is neither."""
        named = given if isinstance(given, list) else [] if given is None else [given]
        if not all(isinstance(name, (str, int, float)) and not isinstance(name, bool) for name in named):
            self._error(learner, "QR506", '"qualification" must be a QAN, or a list of QANs, as text', location,
                        hint='"qualification": "610/3788/6"')
            return False
        if any([self._too_long(learner, {QUALIFICATION_COLUMN: name}, location) for name in named]):
            return False
        for name in named:
            self._registration(learner, name, location)
        return True

    def _json_attributes(self, learner: str, given: Any, element: str) -> None:
        """A learner's `attributes` object: the values of declared columns, by heading; others are ignored."""
        if not isinstance(given, dict):
            self._error(learner, "QR506", '"attributes" must be an object like {"EHCP": "yes"}',
                        Location(self.file, element=element))
            return
        for heading, value in given.items():
            key = column_key(heading)
            if key in self.vocabulary.columns and not isinstance(value, (dict, list)):
                self._attribute(learner, key, heading, value, Location(self.file, element=f"{element}.{heading}"))

    def _json_log(self, learner: str, entry: "_JsonObject", element: str) -> None:
        """A learner's `criteria` and `sign_offs` lists."""
        for key, keys, read, example in (
                ("criteria", CRITERION_KEYS, self._criterion,
                 '{"unit": "L3B1", "criterion": "1.1", "achieved_on": "2024-05-01"}'),
                ("sign_offs", SIGN_OFF_KEYS, self._sign_off, '{"unit": "L3B1", "signed_off_on": "2024-05-20"}')):
            items = entry.get(key, [])
            if not isinstance(items, list):
                self._error(learner, "QR506", f'"{key}" must be a list', Location(self.file, element=element))
                continue
            for index, item in enumerate(items):
                location = Location(self.file, element=f"{element}.{key}[{index}]")
                if not isinstance(item, dict):
                    self._error(learner, "QR506", f"each of {key} must be an object like {example}", location)
                    continue
                if self._repeated([learner], item, keys, location.element) \
                        or self._too_long(learner, {k: item.get(k) for k in keys}, location):
                    continue
                read(learner, item, location)

    def _repeated(self, learners: list[str], entry: "_JsonObject", keys: tuple[str, ...], element: str) -> bool:
        """Whether a JSON object gives a key that is read more than once; each such key is reported against
        every learner the object names."""
        repeated = [key for key in keys if key in entry.repeated]
        for key in repeated:
            for learner in learners:
                self._error(learner, "QR510", f"{element} gives \"{key}\" {len(entry.repeated[key])} times",
                            Location(self.file, element=element), hint="keep one: which is right cannot be told")
        return bool(repeated)


# A mark in the result column: a whole number (a spreadsheet may store it as 47.0).
MARK = re.compile(r"[0-9]{1,6}(?:\.0+)?")


def unknown_unit_warning(text: str, location: Location, vocabulary: Vocabulary,
                         options: ReadOptions) -> Diagnostic:
    """QR520: a unit in no loaded catalogue, named once per file at its first row."""
    return Diagnostic("QR520", Severity.WARNING, f"unit {text!r} is in no loaded catalogue, so it cannot count: its "
                      "rows are left out of every verdict", location,
                      unit_hint(text, vocabulary, options)
                      or "give the ruleset that declares it with --ruleset if it should count")


def unknown_registration_warning(text: str, location: Location, vocabulary: Vocabulary) -> Diagnostic:
    """QR548: a qualification named in the qualification column that no loaded ruleset gives, or a title
    several have, named once per file at its first row."""
    shown = repr(text if len(text) <= 60 else text[:60] + "...")
    shared = vocabulary.shared_titles.get(qualification_key(text))
    if shared:
        return Diagnostic("QR548", Severity.WARNING, f"{shown} in the `{QUALIFICATION_COLUMN}` column is the title "
                          f"of {word_list(list(shared), 'and')}, so it names neither: a learner registered for it "
                          "alone is not checked", location, f"give the QAN: {word_list(list(shared), 'or')}")
    return Diagnostic("QR548", Severity.WARNING, f"{shown} in the `{QUALIFICATION_COLUMN}` column is no loaded "
                      "qualification's QAN or title: a learner registered for it alone is not checked",
                      location, _registration_hint(text, vocabulary)
                      or "give the QAN as the specification does, or the ruleset that declares it with --ruleset")


def _registration_hint(text: str, vocabulary: Vocabulary) -> str | None:
    """The loaded qualifications a registration probably means: a QAN one digit or one swap of neighbouring
    digits away (others of a QAN's eight digits are as alike as any), or a title nearly the same."""
    key = qualification_key(text)

    def near(other: str) -> bool:
        if key.isdigit():
            if len(other) != len(key) or not other.isdigit():
                return False
            differ = [k for k, (a, b) in enumerate(zip(key, other)) if a != b]
            return len(differ) == 1 or len(differ) == 2 and differ[1] == differ[0] + 1 \
                and key[differ[0]] == other[differ[1]] and key[differ[1]] == other[differ[0]]
        return not other.isdigit() and difflib.SequenceMatcher(None, key, other).ratio() >= 0.85

    found = sorted({qan for other, qan in vocabulary.qualifications.items() if near(other)})
    return f"did you mean {word_list([f'`{qan}`' for qan in found], 'or')}?" if found else None


def unit_hint(text: str, vocabulary: Vocabulary, options: ReadOptions) -> str | None:
    """For a unit cell in no loaded catalogue: the profile line that reads it as the known reference it
    writes another way (`Unit 501` for `501`), or the lines to choose from; else a did-you-mean for a near
    miss (a typo); else None."""
    from qualrules.interpreter.records.synonyms import look_alike_units, likely_units  # they read FIELDS

    look_alike = look_alike_units(text, vocabulary.unit_refs.values())
    if look_alike:  # a typo in the record, not a way of writing that a profile line should map
        return f"did you mean {word_list([f'`{ref}`' for ref in look_alike], 'or')}?"
    likely = likely_units(text, vocabulary.unit_refs.values())
    if len(likely) == 1:
        return options.fix("units", (text, likely[0]))
    if likely:
        return (f"it may be {word_list([f'`{ref}`' for ref in likely], 'or')}: to read {text!r} as one, "
                + options.fix("units", (text, "...")))
    return did_you_mean(text, vocabulary.unit_refs.values())


def _word_hint(written: str, vocabulary: Vocabulary, options: ReadOptions) -> str:
    """The profile line that would read a result cell as the word it probably stands for; else the words."""
    from qualrules.interpreter.records.synonyms import likely_word  # it reads this module's FIELDS

    words = ", ".join(sorted(vocabulary.results))
    if not written:
        return f"use one of {words}"
    mapped = options.result_words.get(normalised_result(written))
    if mapped in CRITERION_RESULT_WORDS:
        return (f"{options.profile_file} maps {written!r} to {mapped!r}, which only a criterion row may give: a "
                f"unit row's result is one of {words}")
    likely = likely_word(written)
    if likely in vocabulary.results:
        return options.fix("results", (written, likely))
    close = difflib.get_close_matches(normalised_result(written), sorted(vocabulary.results), n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`? if {written!r} stands for it, " \
            + options.fix("results", (written, close[0]))
    return f"the result words are {words}; to read {written!r} as one, " + options.fix("results", (written, "..."))


def _criterion_word_hint(written: str, options: ReadOptions) -> str:
    """QR531's hint for a criterion result cell: why the profile's line for it cannot read it, or the profile
    line that would read it as the word it probably stands for; else the words."""
    from qualrules.interpreter.records.synonyms import likely_criterion_word  # it reads this module's FIELDS

    words = word_list(CRITERION_RESULT_WORDS, "or")
    text = normalised_result(written)
    mapped = options.result_words.get(text)
    if mapped is not None:
        return (f"{options.profile_file} maps {written!r} to {mapped!r}, which a criterion row cannot give: map it "
                f"to {words}")
    likely = likely_criterion_word(written)
    if likely is not None:
        return options.fix("results", (written, likely))
    close = difflib.get_close_matches(text, CRITERION_RESULT_WORDS, n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`? if {written!r} stands for it, " \
            + options.fix("results", (written, close[0]))
    return f"a criterion's result is {words}; to read {written!r} as one, " + options.fix("results", (written, "..."))


def normalised_result(value: Any) -> str:
    """A result cell as a result word: spaces folded, any letter case."""
    return " ".join(str(value or "").split()).casefold()


def _json_kind(value: Any) -> str:
    """What a JSON value that is not text is, as a person writing the file would say it."""
    if isinstance(value, bool):
        return json.dumps(value)
    return "a list" if isinstance(value, list) else "an object"


def _all_short(row: list[Any]) -> bool:
    """Whether a row is all text, none of it longer than `CELL_LIMIT`."""
    try:
        return max(map(len, row), default=0) <= CELL_LIMIT
    except TypeError:  # a cell that is not text: a spreadsheet's number, say
        return False


def _cell(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _text(value: Any) -> str | None:
    """A free-text cell (evidence, method, a name): None when empty."""
    return _cell(value) or None


class _JsonObject(dict):
    """A JSON object that remembers every value of a key it gives more than once (the dict keeps the last),
    so that no value is dropped unseen."""

    repeated: dict[str, list[Any]]

    @classmethod
    def of(cls, pairs: list[tuple[str, Any]]) -> "_JsonObject":
        found = cls(pairs)
        found.repeated = {}
        if len(found) < len(pairs):
            for key, value in pairs:
                found.repeated.setdefault(key, []).append(value)
            found.repeated = {key: values for key, values in found.repeated.items() if len(values) > 1}
        return found


# A JSON string or bracket: what the nesting of a JSON text is measured by.
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _deepest(text: str) -> tuple[int, int]:
    """How deep a JSON text nests, and where its deepest level opens (read only when the parser gave up)."""
    depth, deepest, offset = 0, 0, 0
    for token in _JSON_TOKEN.finditer(text):
        if token.group() in "[{":
            depth += 1
            if depth > deepest:
                deepest, offset = depth, token.start()
        elif token.group() in "]}":
            depth -= 1
    return deepest, offset


def _key_offsets(text: str, key: str) -> list[int]:
    """Where the top-level object of a JSON text gives `key`."""
    found, depth = [], 0
    for token in _JSON_TOKEN.finditer(text):
        word = token.group()
        if word in "[{":
            depth += 1
        elif word in "]}":
            depth -= 1
        elif depth == 1 and json.loads(word) == key and text[token.end():].lstrip().startswith(":"):
            found.append(token.start())
    return found


def _line_and_column(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)
