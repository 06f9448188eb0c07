"""The public Python API of qualrules: load rulesets, read records, decide verdicts, check whole files and
batches of records on a distributed engine (Dask, Spark). See docs/api.md.

Every function raises `DiagnosticError`, carrying coded, located diagnostics, when its input cannot be used
at all (a ruleset with errors, an unknown QAN, a records file or batch that cannot be read); a bad row only
ever fails its own learner, who gets an error row in place of a verdict.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

from qualrules.interpreter import cohort
from qualrules.interpreter.diagnostics import Diagnostic, DiagnosticError, Location, Severity
from qualrules.interpreter.engine import evaluator
from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.engine.evaluator import SetAside, Status, Verdict
from qualrules.interpreter.lazy import lazy_module
from qualrules.interpreter.library import Library, UnknownQualification
from qualrules.interpreter.profile import Profile, load_profile
from qualrules.interpreter.presentation.check_table import CheckRow
from qualrules.interpreter.presentation.json_text import array_element
from qualrules.interpreter.records import readers
from qualrules.interpreter.records.columnar import ColumnarBlock, declared_columns, holds_no_value
from qualrules.interpreter.records.learner import Attempt, Learner
from qualrules.interpreter.records.options import DEFAULT_OPTIONS, ReadOptions
from qualrules.interpreter.records.readers import Records
from qualrules.plugins import AwardingBody

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa
else:
    np = lazy_module("numpy")
    pa = lazy_module("pyarrow")

__all__ = [
    "load", "load_profile", "read_records", "evaluate", "evaluate_many", "check_run", "check_file", "check_file_json",
    "check_batch", "verdict_schema",
    "Attempt", "CheckRow", "Diagnostic", "DiagnosticError", "Learner", "Library", "Profile", "ReadOptions", "Records",
    "SetAside", "Status", "Verdict",
]

# The name a batch's record diagnostics are reported under, as a file's name; its rows are numbered from 1.
_BATCH = "batch"


def load(rulesets: Iterable[str | Path] = (), bundled: bool = True) -> Library:
    """The installed awarding-body plugins' rulesets (unless `bundled` is false) and the `.qual` files
    `rulesets`; a qualification in a given file replaces a bundled one with the same QAN (`Library.notes`
    says so). Raises DiagnosticError with every problem of the given files."""
    return Library.load(rulesets, bundled=bundled)


def read_records(path: str | Path, library: Library, options: ReadOptions = DEFAULT_OPTIONS,
                 input_format: str | None = None) -> Records:
    """Every learner of a records file (.json, .csv, .xlsx or .parquet, docs/records.md; `input_format`
    "csv" or "json" for a file named otherwise), read whole: `learners` are the readable ones, `unreadable`
    the others with their errors, `order` every id as the file first names it, `problems` the errors of no
    learner, and `warnings` what leaves every verdict as it is (how the text was read where the file did
    not say, a unit in no catalogue). `options` says how the file's text is written and what its columns
    and words mean (a profile's `options`, docs/profiles.md). Raises DiagnosticError when the file as a
    whole cannot be read."""
    return readers.read_records(path, library.vocabulary(), options, input_format)


def evaluate(library: Library, qan: str, learner: Learner) -> Verdict:
    """One learner's verdict for one qualification, under its awarding body's result policy. Attempts'
    results are result words as `read_records` gives them (lower case, single spaces)."""
    return evaluate_many(library, qan, (learner,))[0]


def evaluate_many(library: Library, qan: str, learners: Sequence[Learner]) -> list[Verdict]:
    """The verdicts of many learners for one qualification, in their order; the same as `evaluate` for
    each, decided together (learners holding the same units share the work)."""
    qualification, body = _qualification(library, qan)
    return evaluator.evaluate_many(qualification, learners, body.counts_as_achieved)


def check_run(path: str | Path | Records, qans: str | Iterable[str], library: Library | None = None,
              jobs: int | None = None, output_format: str = "json", options: ReadOptions = DEFAULT_OPTIONS,
              input_format: str | None = None) -> cohort.CheckRun:
    """A check of a records file (or of records read already) as it runs, block by block: `learners`, how
    many the file holds, `warnings`, those known before any block, and `blocks`, each with its learners'
    rows (`output_format="table"`), JSON text ("json") or CSV lines ("csv", docs/outputs.md), the errors
    of its rows that name no learner, its warnings (each given once per file, in the first block it
    concerns), and tallies. `qualrules check` is built on it; `check_file` and `check_file_json` are
    simpler to use. `options` as for `read_records`. Raises DiagnosticError for an unknown QAN or a file
    that cannot be read as a whole, at the call."""
    library = library or _installed_library()
    targets = _targets(library, qans)
    vocabulary = library.vocabulary()
    opened = cohort.open_cohort(path, vocabulary, options, input_format)
    settings = cohort.CheckSettings(tuple(q.qan for q, _ in targets), output_format, options)
    blocks = cohort.check_blocks(opened, settings, library, vocabulary,
                                 cohort.worker_processes(jobs, opened.blocks, library))
    return cohort.CheckRun(opened.learners, blocks, opened.warnings)


def check_file(path: str | Path, qans: str | Iterable[str], library: Library | None = None,
               jobs: int | None = None, options: ReadOptions = DEFAULT_OPTIONS) -> Iterator[CheckRow]:
    """A row for each learner of a records file and each qualification, in the file's order: a verdict, or
    the learner's record errors. A CSV file whose learners' rows are together is read in blocks, so memory
    stays flat however big it is; blocks are decided by `jobs` worker processes (default: every core).

    Rows that name no learner (QR506) come as an error row of the learner "" for each qualification, after
    the learners read with them; warnings (a unit in no catalogue, QR520) are not rows: `check_run`
    carries them, and the learners registered only for qualifications not asked for, who have no row
    (`cohort.Block.not_registered`). `library` defaults to the installed plugins' rulesets; `options` as for
    `read_records`. Raises DiagnosticError for an unknown QAN or a file that cannot be read as a whole,
    before any row."""
    return (row for block, rows in _checked_blocks(path, qans, library, jobs, "table", options)
            for row in (*block.rows, *rows))


def check_file_json(path: str | Path, qans: str | Iterable[str], library: Library | None = None,
                    jobs: int | None = None, options: ReadOptions = DEFAULT_OPTIONS) -> Iterator[str]:
    """`check_file`'s rows as the pieces of one JSON array: the text `qualrules check --format json` prints
    (`CheckRow.to_json` of each row), with the error rows of rows that name no learner, which the command
    reports on stderr instead. Faster than `check_file`: learners whose units alone decide their verdict
    share its text."""
    blocks = _checked_blocks(path, qans, library, jobs, "json", options)

    def texts() -> Iterator[str]:
        for block, rows in blocks:
            yield block.json
            yield ",\n".join(array_element(row.to_json()) for row in rows)

    return cohort.json_array(texts())


def check_batch(records: "pa.Table | pa.RecordBatch | pd.DataFrame", qans: str | Iterable[str],
                library: Library | None = None,
                options: ReadOptions = DEFAULT_OPTIONS) -> "pa.Table | pa.RecordBatch | pd.DataFrame":
    """Decide a batch of record rows, as a distributed engine hands them over, and return the verdicts as
    the same kind of object: an Arrow table or record batch, or a pandas DataFrame (with Arrow dtypes).

    `records` has the columns of a records table (docs/records.md: learner, unit, result, achieved_on,
    optionally registered_on, date_of_birth and pathway, or an achievement log's; the columns the loaded
    rulesets declare, learner attributes, external qualifications' grades and approvals, as text, booleans or
    numbers; other columns are ignored), with text values, or dates or timestamps in the date columns. Every row of a learner must be in this batch; they need
    not be together. The result has a row for each learner, in the order the batch first names them, and each
    qualification, with the columns of `verdict_schema()`, holding the values of `qualrules check --format
    json`. A learner whose rows cannot be read gets error rows, with each error's row number in the batch
    (from 1); rows that name no learner give error rows of the learner "".

    `library` defaults to the installed plugins' rulesets, loaded once per process; `options` maps columns
    and words as for `read_records`, and warnings are not rows. Raises DiagnosticError
    only for an unknown QAN or a batch that cannot be read at all (a required column missing, a column of
    numbers or other non-text values; a column of nulls only is empty cells, whatever its type)."""
    library = library or _installed_library()
    targets = _targets(library, qans)
    vocabulary = library.vocabulary()
    block = _record_block(_arrow_table(records), vocabulary, options)
    settings = cohort.CheckSettings(tuple(q.qan for q, _ in targets), "json", options)
    decided = _decided_alone(("columns", block), settings, library, vocabulary)
    # A learner registered only for qualifications not asked for has a row saying so, in its place.
    place = {learner: k for k, learner in enumerate(dict.fromkeys(
        learner.strip() for learner in block.batch.column(block.header.position["learner"]).to_pylist()))}
    rows = sorted(json.loads(f"[{decided.json}]") + [_not_registered_row(learner, registered)
                                                     for learner, registered in decided.not_registered],
                  key=lambda row: place.get(row["learner"], len(place)))
    rows += [row.to_json() for row in _unattached(decided.problems, targets)]
    for row in rows:
        if "errors" in row:
            row["errors"] = [{"code": e["code"], "message": e["message"], "hint": e["hint"], "row": e["line"]}
                             for e in row["errors"]]
        fallback = _award_instead(row)
        if fallback is not None:  # the award given instead: its QAN, status and grade, flat
            row.update(fallback_qualification=fallback["qualification"], fallback_status=fallback["status"],
                       fallback_grade=fallback["grade"])
    if isinstance(records, pa.RecordBatch):
        return pa.RecordBatch.from_pylist(rows, schema=verdict_schema())
    verdicts = pa.Table.from_pylist(rows, schema=verdict_schema())
    if isinstance(records, pa.Table):
        return verdicts
    import pandas  # imported already: the batch is a DataFrame

    return verdicts.to_pandas(types_mapper=pandas.ArrowDtype)


@functools.cache
def verdict_schema() -> "pa.Schema":
    """The columns of `check_batch`'s verdicts: the keys of `qualrules check --format json`'s objects, and
    `errors`. A key a row's JSON object lacks is null: `credits` to `set_aside` on an error row, `errors` on
    a verdict, the grading columns on a pass-only verdict, `equivalents` on a verdict of a qualification
    whose pool holds no unit of an equivalence, the pathway columns on a verdict of a qualification without
    pathways (and `pathway` when none is awarded). The award given instead of a graded qualification is given
    by its QAN, status and grade."""
    text = pa.string()
    return pa.schema([
        ("learner", text),
        ("qualification", text),
        ("title", text),
        ("achieved", pa.bool_()),
        ("status", text),  # achieved, not achieved, undetermined, error or not registered
        ("credits", pa.int64()),  # also null in a verdict that counts a unit sized in GLH only
        ("glh", pa.int64()),  # also null in a verdict whose counted units do not all declare GLH
        ("units", pa.list_(text)),
        ("unmet", pa.list_(text)),
        ("missing", pa.list_(text)),
        ("set_aside", pa.list_(pa.struct([("unit", text), ("reason", text)]))),
        ("errors", pa.list_(pa.struct([("code", text), ("message", text), ("hint", text), ("row", pa.int64())]))),
        # Graded qualifications only (docs/language.md "Grades"); added after the pass-only columns.
        ("grade", text),
        ("points", pa.int64()),
        ("unit_points", pa.list_(pa.struct([("unit", text), ("grade", text), ("points", pa.int64())]))),
        ("fallback_qualification", text),
        ("fallback_status", text),
        ("fallback_grade", text),
        # Unit equivalences and pathways (docs/language.md), added after the graded columns.
        ("equivalents", pa.list_(pa.struct([("unit", text), ("by", pa.list_(text)), ("credit", text)]))),
        ("pathway", text),
        ("awarded_title", text),
        ("pathway_decision", text),
        ("pathways", pa.list_(pa.struct([("name", text), ("status", text), ("awarded", pa.bool_()),
                                         ("unmet", pa.list_(text))]))),
    ])


# ---- shared -------------------------------------------------------------------------------------------

def _decided_alone(task: tuple, settings: cohort.CheckSettings, library: Library,
                   vocabulary: readers.Vocabulary) -> cohort.Block:
    """One block decided in this process, as a run of its own."""
    (block,) = cohort.check_blocks(cohort.Cohort(0, True, iter([task])), settings, library, vocabulary, jobs=1)
    return block


@functools.cache
def _installed_library() -> Library:
    return load()


def _qualification(library: Library, qan: str) -> tuple[CompiledQualification, AwardingBody]:
    try:
        return library.qualification(qan)
    except UnknownQualification as error:
        raise DiagnosticError([Diagnostic("QR601", Severity.ERROR, f"no qualification {error.qan} is loaded",
                                          Location("qualrules.api", element=f"qualification {qan}"),
                                          error.hint)]) from error


def _targets(library: Library, qans: str | Iterable[str]) -> list[tuple[CompiledQualification, AwardingBody]]:
    return [_qualification(library, qan) for qan in ((qans,) if isinstance(qans, str) else qans)]


def _award_instead(row: dict) -> dict | None:
    """The award given instead in a verdict's JSON, as `Verdict.award_instead` chooses it down the chain."""
    award = row.get("fallback")
    while award is not None and award["status"] == "not achieved" and award.get("fallback") is not None:
        award = award["fallback"]
    return award if award is not None and award["status"] != "not achieved" else row.get("fallback")


def _not_registered_row(learner: str, registered: Sequence[str]) -> dict:
    """A `check_batch` row for a learner decided against none of the qualifications asked for, being
    registered only for others (docs/records.md#registrations)."""
    return {"learner": learner, "qualification": None, "title": None, "achieved": False, "status": "not registered",
            "unmet": [f"registered only for {', '.join(registered)}, none of the qualifications asked for"]}


def _unattached(problems: Sequence[Diagnostic], targets: Sequence[tuple]) -> list[CheckRow]:
    """Errors that belong to no learner (a row without a learner id), as error rows of the learner ""."""
    return [CheckRow("", q.qan, q.title, None, tuple(problems)) for q, _ in targets] if problems else []


def _checked_blocks(path: str | Path, qans: str | Iterable[str], library: Library | None, jobs: int | None,
                    output_format: str, options: ReadOptions) -> Iterator[tuple[cohort.Block, list[CheckRow]]]:
    """Each block of a records file decided, with the error rows of its rows that name no learner. The
    file is opened (and any DiagnosticError raised) at the call, not at the first block."""
    library = library or _installed_library()
    targets = _targets(library, qans)
    run = check_run(path, qans, library, jobs, output_format, options)
    return ((block, _unattached(block.problems, targets)) for block in run.blocks)


# ---- batches ------------------------------------------------------------------------------------------

def _arrow_table(records: Any) -> "pa.Table":
    if isinstance(records, pa.Table):
        return records
    if isinstance(records, pa.RecordBatch):
        return pa.Table.from_batches([records])
    pandas = sys.modules.get("pandas")  # a DataFrame can only come from pandas already imported
    if pandas is not None and isinstance(records, pandas.DataFrame):
        try:
            return pa.Table.from_pandas(records, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as error:  # a column mixing kinds of values
            raise _unreadable_batch(f"cannot read the DataFrame as columns: {error}") from error
    raise TypeError(f"records must be a pyarrow Table or RecordBatch or a pandas DataFrame, "
                    f"not {type(records).__name__}")


def _record_block(table: "pa.Table", vocabulary: readers.Vocabulary, options: ReadOptions) -> ColumnarBlock:
    """A batch's record columns, and those `vocabulary` declares, as the text cells of a CSV file, each
    learner's rows brought together in the order the batch first names them, and numbered by their place in
    the batch."""
    import pyarrow.compute as pc

    # The batch's column names are its header, matched as a CSV header is; they stand on no row.
    found = readers.read_header(_BATCH, iter([(None, table.column_names)]), "row", options)
    names = list(found.position)
    declared = declared_columns(found, vocabulary)
    # A QAN's digits may come as a number: pandas makes a column of them with blanks one of floats.
    columns = [(_declared_column if name == readers.QUALIFICATION_COLUMN else _text_column)(
        name, table.column(found.position[name]).combine_chunks()) for name in names]
    columns += [_declared_column(heading, table.column(index).combine_chunks()) for heading, index in declared.items()]
    header = readers.Header(found.line, {name: k for k, name in enumerate(names)}, "row", len(columns),
                            {heading: len(names) + k for k, heading in enumerate(declared)})
    first_named = pc.utf8_trim_whitespace(columns[header.position["learner"]]).dictionary_encode()
    order = np.argsort(first_named.indices.to_numpy(), kind="stable")
    batch = pa.RecordBatch.from_arrays([column.take(order) for column in columns], names=names + list(declared))
    return ColumnarBlock(_BATCH, header, order + 1, batch)


def _text_column(name: str, column: "pa.Array") -> "pa.Array":
    """A record column as a CSV file's cells would hold it: dates as ISO text, an empty cell for null."""
    import pyarrow.compute as pc

    if pa.types.is_dictionary(column.type):  # pandas categoricals
        column = column.dictionary_decode()
    if holds_no_value(column):  # an optional column empty in every row of a partition, of floats in pandas
        return pa.repeat("", len(column))
    kind = column.type
    if pa.types.is_timestamp(kind):
        # A timestamp stands for its date, in its own time zone, as the row reader reads a datetime cell.
        column = pc.cast(pc.local_timestamp(column) if kind.tz else column, pa.date32())
    elif not (pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_date(kind)
              or pa.types.is_integer(kind)):
        raise _unreadable_batch(f"column `{name}` holds values of type {kind}, not text or dates",
                                hint="give ids, units, results and criterion numbers as text (an integer id is "
                                     "read as its digits; a fraction would lose its zeros, criterion 1.10 reading "
                                     "as 1.1), and dates as text, dates or timestamps: read the file with such "
                                     "columns as text, as pandas.read_csv(..., dtype=str) does")
    return pc.fill_null(pc.cast(column, pa.string()), "")


def _declared_column(heading: str, column: "pa.Array") -> "pa.Array":
    """A declared column (docs/records.md "Declared columns") as a CSV file's cells would hold it: text,
    true or false for a boolean, a number's digits (a pandas column of whole numbers with blanks is of
    floats: 5.0 is 5), an empty cell for null."""
    import pyarrow.compute as pc

    if pa.types.is_dictionary(column.type):  # pandas categoricals
        column = column.dictionary_decode()
    if holds_no_value(column):
        return pa.repeat("", len(column))
    kind = column.type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_boolean(kind)
            or pa.types.is_integer(kind) or pa.types.is_floating(kind)):
        raise _unreadable_batch(f"column `{heading}` holds values of type {kind}, not text, yes or no, or numbers",
                                hint="give a declared column's values as text, booleans or numbers")
    return pc.fill_null(pc.cast(column, pa.string()), "")


def _unreadable_batch(message: str, hint: str | None = None) -> DiagnosticError:
    return DiagnosticError([Diagnostic("QR505", Severity.ERROR, message, Location(_BATCH), hint)])
