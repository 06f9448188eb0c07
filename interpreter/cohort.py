"""Checking a whole cohort file (`check`), or planning each learner's finishes (`eligible`): learners read,
decided and written out in blocks, on every core.

The file is read in blocks of whole learners (`records.stream`, `records.parquet`), so memory does not
grow with the cohort; each block is read, decided and rendered in a worker process, and the blocks come
back in input order, so the output is the same whatever the number of workers. A file that cannot be
streamed (JSON, a spreadsheet, a CSV or Parquet file whose learners' rows are not together) is read whole
first, then decided in the same blocks.
"""

from __future__ import annotations

import collections
import concurrent.futures
import gc
import itertools
import multiprocessing
import os
import signal
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Sequence

import attrs

from qualrules.interpreter.diagnostics import Diagnostic, Location
from qualrules.interpreter import process
from qualrules.interpreter.lazy import lazy_module
from qualrules.interpreter.engine.assessment import cohort_readiness
from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.engine.evaluator import Explanations, decide, evaluate_many, plain_holdings, unit_indices
from qualrules.interpreter.engine.journeys import eligibility_many
from qualrules.interpreter.library import Library
from qualrules.interpreter.presentation.check_table import VERDICT_START, CheckRow, verdict_rest
from qualrules.interpreter.presentation.claim_file import claim_row
from qualrules.interpreter.presentation.eligible_blocks import EligibleText, eligible_text
from qualrules.interpreter.presentation.json_text import json_string
from qualrules.interpreter.presentation.plain_verdicts import Pieces, PlainVerdicts
from qualrules.interpreter.presentation.report import CohortFigures, verdict_entries
from qualrules.interpreter.presentation.tabular import check_cells, csv_text
from qualrules.interpreter.records.options import DEFAULT_OPTIONS, ReadOptions
from qualrules.interpreter.records.readers import (
    Records,
    Vocabulary,
    read_records,
    read_table_block,
    header_warnings,
    unknown_registration_warning,
    unknown_unit_warning,
)
from qualrules.interpreter.records.columnar import ColumnarBlock, Columns
from qualrules.interpreter.records.parquet import open_parquet, parquet_blocks, scan_parquet
from qualrules.interpreter.records.stream import (
    columnar_blocks, csv_file, learner_blocks, line_ranges, open_table, read_lines, scan_learners,
)

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")

# Large enough that what a block costs whatever its size (a pass of the decision over every unit, say) is
# small beside its learners; small enough that several blocks keep every worker busy.
LEARNERS_PER_BLOCK = 4000
# The rows a block holds in memory at once, short of its last learner's: achievement logs give a learner
# forty rows or more, a results file a handful.
ROWS_PER_BLOCK = 40_000


@attrs.frozen
class Block:
    """One block's results, in input order: rows for people (table), JSON text for programs, or CSV lines."""

    learners: int
    rows: tuple[CheckRow, ...]
    json: str
    # Errors that belong to no learner (a row without a learner id).
    problems: tuple[Diagnostic, ...]
    unreadable: int
    all_achieved: bool
    csv: str = ""
    # Warnings found reading the block, which leave every verdict as it is; each is given once per file, in
    # the first block it concerns.
    warnings: tuple[Diagnostic, ...] = ()
    # The record errors of its unreadable learners, in input order (the verdicts carry them too).
    errors: tuple[Diagnostic, ...] = ()
    # Learners decided against none of the qualifications asked, being registered only for others, in input
    # order, each with those others (`Records.registrations`).
    not_registered: tuple[tuple[str, tuple[str, ...]], ...] = ()


@attrs.frozen
class Cohort:
    """A cohort file opened for checking: how many learners it holds, and its blocks to decide."""

    learners: int
    streamed: bool
    tasks: Iterator[tuple]
    # The warnings known once the file is opened: how its text was read (an encoding told from its bytes),
    # and, for a file read whole, all its `Records.warnings`. The blocks carry the rest.
    warnings: tuple[Diagnostic, ...] = ()
    # How many blocks its tasks are, or at least (blocks cut by rows are known only as they are read).
    blocks: int = attrs.field(default=attrs.Factory(lambda c: max(1, -(-c.learners // LEARNERS_PER_BLOCK)),
                                                    takes_self=True))


def open_cohort(source: str | Path | Records, vocabulary: Vocabulary, options: ReadOptions = DEFAULT_OPTIONS,
                input_format: str | None = None) -> Cohort:
    """Open a records file for checking (or take records read already, as from standard input); raises
    DiagnosticError when the file as a whole cannot be read."""
    if isinstance(source, Records):
        return Cohort(len(source.order), False, _record_blocks(source), source.warnings)
    path = Path(source)
    if (input_format or path.suffix.lower().removeprefix(".")) == "csv" and path.is_file():
        file = csv_file(path, options)
        header, rows = open_table(file)
        warnings = tuple(filter(None, [file.decided.warning(str(path))])) \
            + tuple(header_warnings(str(path), header, options))
        scan = scan_learners(file, header, LEARNERS_PER_BLOCK, ROWS_PER_BLOCK)
        if scan.grouped and scan.columnar and file.regular_quotes:
            rows.close()
            ranges = line_ranges(file, header, scan)
            if ranges is not None:
                # Each worker reads its own blocks from the file: this process only hands out where they are.
                return Cohort(scan.learners, True, (("lines", file, header, *where) for where in ranges), warnings,
                              len(scan.cuts))
            blocks = columnar_blocks(file, header, LEARNERS_PER_BLOCK, ROWS_PER_BLOCK)
            return Cohort(scan.learners, True, (("columns", block) for block in blocks), warnings)
        if scan.grouped:
            blocks = learner_blocks(rows, header, LEARNERS_PER_BLOCK, ROWS_PER_BLOCK)
            return Cohort(scan.learners, True, (("rows", str(path), header, block) for block in blocks), warnings)
        rows.close()
    if input_format is None and (path.suffix.lower() == ".parquet" and path.is_file() or path.is_dir()):
        table = open_parquet(path, vocabulary, options)
        scan = scan_parquet(table)
        if scan.grouped:
            blocks = parquet_blocks(table, LEARNERS_PER_BLOCK, ROWS_PER_BLOCK)
            return Cohort(scan.learners, True, (("columns", block) for block in blocks))
    records = read_records(path, vocabulary, options, input_format)
    return Cohort(len(records.order), False, _record_blocks(records), records.warnings)


def _record_blocks(records: Records) -> Iterator[tuple]:
    """Records read whole, in blocks; their warnings are the cohort's, given before any block. Records of no
    learner are one block, which carries their problems (an entry without an id, say)."""
    by_id = {learner.id: learner for learner in records.learners}
    for start in range(0, max(len(records.order), 1), LEARNERS_PER_BLOCK):
        order = records.order[start:start + LEARNERS_PER_BLOCK]
        block = Records(order, tuple(by_id[i] for i in order if i in by_id),
                        {i: records.unreadable[i] for i in order if i in records.unreadable},
                        records.problems if start == 0 else (),
                        registrations={i: records.registrations[i] for i in order if i in records.registrations})
        yield ("records", block)


@attrs.frozen
class CheckRun:
    """A check of a records file as it runs: how many learners the file holds (for a progress bar), and its
    blocks, decided in the file's order."""

    learners: int
    blocks: Iterator[Block]
    # The warnings known before any block (`Cohort.warnings`); each block carries those found reading it.
    warnings: tuple[Diagnostic, ...] = ()


@attrs.frozen
class CheckSettings:
    """What every worker needs to know of a run, besides its library: what to check, and how to write it."""

    qans: tuple[str, ...]
    output_format: str
    options: ReadOptions = DEFAULT_OPTIONS


@attrs.frozen
class _Worker:
    """A worker's state for one run: what to check, the verdict texts of plain learners it has made, by
    qualification and units held, the pieces of achieved ones, and what explaining each qualification's
    verdicts has worked out (all kept across blocks, so each is made once per worker)."""

    settings: CheckSettings
    library: Library
    vocabulary: Vocabulary
    templates: dict[tuple[str, tuple], tuple[str, bool]] = attrs.field(factory=dict)
    dates: dict[str, int] = attrs.field(factory=dict)
    explanations: dict[str, Explanations] = attrs.field(factory=dict)
    pieces: Pieces = attrs.field(factory=Pieces)
    verdict_pieces: dict[str, PlainVerdicts | None] = attrs.field(factory=dict)

    def plain_verdicts(self, qualification) -> PlainVerdicts | None:
        """The pieces of the qualification's achieved verdicts, or None when they do not tell them whole."""
        if qualification.qan not in self.verdict_pieces:
            self.verdict_pieces[qualification.qan] = PlainVerdicts(
                qualification, self.explanations[qualification.qan], self.pieces) \
                if PlainVerdicts.covers(qualification) else None
        return self.verdict_pieces[qualification.qan]

    def __call__(self, task: tuple) -> Block:
        """One block decided: read, judged and rendered."""
        settings, vocabulary = self.settings, self.vocabulary
        targets = [self.library.qualification(qan) for qan in settings.qans]
        for qualification, _ in targets:
            if qualification.qan not in self.explanations:
                self.explanations[qualification.qan] = Explanations(qualification)
        if task[0] == "columns":
            return _check_columns(self, task[1], targets)
        if task[0] == "lines":
            return _check_columns(self, read_lines(*task[1:]), targets)
        records = task_records(task, vocabulary, settings.options)
        return _block_of(records, check_rows(records, targets, self.explanations), settings.output_format,
                         settings.qans)


def task_records(task: tuple, vocabulary: Vocabulary, options: ReadOptions = DEFAULT_OPTIONS) -> Records:
    """The records of one of a cohort's blocks, every row read by the row reader."""
    if task[0] == "records":
        return task[1]
    if task[0] == "rows":
        _, file, header, rows = task
        return read_table_block(file, vocabulary, header, rows, options)
    return _rows_read(task[1] if task[0] == "columns" else read_lines(*task[1:]), vocabulary, options)


def _rows_read(block: ColumnarBlock, vocabulary: Vocabulary, options: ReadOptions) -> Records:
    """A block read as columns, then every row of it read by the row reader."""
    return read_table_block(block.file, vocabulary, block.header, block.rows(np.arange(block.batch.num_rows)),
                            options)


def whole_records(cohort: Cohort, vocabulary: Vocabulary, options: ReadOptions = DEFAULT_OPTIONS) -> Records:
    """Every block of the cohort read and put together: the records of a cohort small enough to hold; each
    warning given once (the cohort's own, `Cohort.warnings`, apart)."""
    blocks = [task_records(task, vocabulary, options) for task in cohort.tasks]
    given: set[tuple[str, str]] = set()
    return Records(tuple(learner for block in blocks for learner in block.order),
                   tuple(learner for block in blocks for learner in block.learners),
                   {learner: errors for block in blocks for learner, errors in block.unreadable.items()},
                   tuple(problem for block in blocks for problem in block.problems),
                   tuple(warning for block in blocks for warning in _first_given(block.warnings, given)),
                   {learner: named for block in blocks for learner, named in block.registrations.items()})


# In a worker process: what it does with each block of the run it serves, set when the process starts.
_process_work: Callable[[tuple], Any] | None = None
TEMPLATES_KEPT = 40_000


def check_blocks(cohort: Cohort, settings: CheckSettings, library: Library, vocabulary: Vocabulary,
                 jobs: int) -> Iterator[Block]:
    """Each block of the cohort decided, in input order, by `jobs` worker processes (1: in this process)."""
    worker = _Worker(settings, library, vocabulary)
    yield from _warned_once(_in_order(cohort.tasks, worker, jobs))


def _warned_once(blocks: Iterator[Any]) -> Iterator[Any]:
    """The blocks (each with its `warnings`) with each warning kept only where it is first given: a unit in
    no catalogue is named once per file, not once per block."""
    given: set[tuple[str, str]] = set()
    for block in blocks:
        kept = _first_given(block.warnings, given)
        yield attrs.evolve(block, warnings=kept) if len(kept) < len(block.warnings) else block


def _first_given(warnings: tuple[Diagnostic, ...], given: set[tuple[str, str]]) -> tuple[Diagnostic, ...]:
    """The warnings not in `given` (by code and message), which are added to it."""
    kept = []
    for warning in warnings:
        key = (warning.code, warning.message)
        if key not in given:
            given.add(key)
            kept.append(warning)
    return tuple(kept)


def _in_order(tasks: Iterable[tuple], work: "_Worker | _Planner | _Gatherer | _Claimer", jobs: int
              ) -> Iterator[Any]:
    """`work` done on each task, in the tasks' order, by `jobs` worker processes (1: in this process).
    Forked workers inherit `work` and the run's loaded library; elsewhere each one makes its own of the same
    kind and settings, with the installed plugins' rulesets (callers run any other library in this process
    there). A worker that dies breaks the pool, which raises here rather than waiting for its block for ever."""
    if jobs <= 1:
        yield from (_without_collection(work, task) for task in tasks)
        return
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    start = (_adopt, work) if method == "fork" else (_load, (type(work), work.settings))
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method),
                                                initializer=start[0], initargs=(start[1],)) as pool:
        # A few blocks in flight per worker, no more, so the file is not read far ahead of the workers.
        pending: collections.deque = collections.deque()
        try:
            for task in tasks:
                with process.interrupts_deferred():  # the first starts the workers
                    pending.append(pool.submit(_work_in_process, task))
                if len(pending) >= 2 * jobs:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


@attrs.frozen
class PlanSettings:
    """What every worker planning `eligible` needs to know of a run, besides its library: whose
    qualifications (None: every loaded one), and how to write the results."""

    awarding_body: str | None
    output_format: str  # text, json, csv or xlsx
    columns: int | None = None  # the width text is fitted to (None: as it is)
    options: ReadOptions = DEFAULT_OPTIONS


@attrs.frozen
class PlannedBlock:
    """One block's `eligible` results, in input order, in the run's output format."""

    learners: int
    results: EligibleText
    # Errors that belong to no learner (a row without a learner id); whether any row could not be read.
    problems: tuple[Diagnostic, ...]
    failed: bool
    warnings: tuple[Diagnostic, ...] = ()


def eligible_targets(library: Library, awarding_body: str | None
                     ) -> list[tuple[CompiledQualification, str, Callable[[str], bool]]]:
    """The qualifications `eligible` plans, with the awarding body each is shown under and its result policy:
    every loaded one, or those of `awarding_body` (matched ignoring case)."""
    return [(q, q.awarding_body or loaded.body.name, loaded.body.counts_as_achieved)
            for loaded in library.rulesets for q in loaded.qualifications
            if awarding_body is None or (q.awarding_body or "").casefold() == awarding_body.casefold()]


def planned_blocks(cohort: Cohort, settings: PlanSettings, library: Library, jobs: int) -> Iterator[PlannedBlock]:
    """Each block of the cohort planned against every target qualification and written out, in input order,
    by `jobs` worker processes (1: in this process); a cohort of no learners is one empty block."""
    planner = _Planner(settings, library, library.vocabulary())
    blocks = _in_order(cohort.tasks, planner, jobs)
    first = next(blocks, None)
    yield from _warned_once(itertools.chain([first] if first is not None else [planner.empty()], blocks))


@attrs.frozen
class _Planner:
    settings: PlanSettings
    library: Library
    vocabulary: Vocabulary
    targets: list = attrs.field(init=False)

    @targets.default
    def _targets(self) -> list:
        return eligible_targets(self.library, self.settings.awarding_body)

    def __call__(self, task: tuple) -> PlannedBlock:
        """One block planned: read, each learner's distances found, and written out."""
        settings = self.settings
        records = task_records(task, self.vocabulary, settings.options)
        found = dict(zip((learner.id for learner in records.learners),
                         eligibility_many(self.targets, records.learners)))
        rows = [(learner_id, found[learner_id] if learner_id in found else records.unreadable[learner_id])
                for learner_id in records.order]
        return PlannedBlock(len(records.order),
                            eligible_text(rows, settings.output_format, settings.columns, records.problems),
                            records.problems, bool(records.diagnostics), records.warnings)

    def empty(self) -> PlannedBlock:
        return PlannedBlock(0, eligible_text([], self.settings.output_format, self.settings.columns), (), False)


@attrs.frozen
class ReportSettings:
    """What every worker gathering a compact cohort report needs to know of a run, besides its library."""

    qan: str
    nearest: int  # how many learners who have not achieved each block offers to be shown in full
    options: ReadOptions = DEFAULT_OPTIONS


@attrs.frozen
class GatheredBlock:
    """One block's part of a compact cohort report: its learners' figures, and what its records got wrong."""

    learners: int
    figures: CohortFigures
    # Errors that belong to no learner (a row without a learner id), and those of learners whose rows cannot
    # be read; whether every learner of the block achieved.
    problems: tuple[Diagnostic, ...]
    unreadable: tuple[Diagnostic, ...]
    all_achieved: bool
    warnings: tuple[Diagnostic, ...] = ()
    not_registered: tuple[tuple[str, tuple[str, ...]], ...] = ()  # as `Block.not_registered`


def gathered_blocks(cohort: Cohort, settings: ReportSettings, library: Library, jobs: int
                    ) -> Iterator[GatheredBlock]:
    """Each block of the cohort decided and gathered into figures for a compact report, in input order, by
    `jobs` worker processes (1: in this process)."""
    gatherer = _Gatherer(settings, library, library.vocabulary())
    yield from _warned_once(_in_order(cohort.tasks, gatherer, jobs))


@attrs.frozen
class _Gatherer:
    settings: ReportSettings
    library: Library
    vocabulary: Vocabulary

    def __call__(self, task: tuple) -> GatheredBlock:
        """One block read, decided and gathered: its figures, with the records of the learners it offers to
        be shown in full."""
        settings = self.settings
        qualification, body = self.library.qualification(settings.qan)
        read = task_records(task, self.vocabulary, settings.options)
        records, unregistered = registered_only(read, qualification.qan)
        entries, learners = verdict_entries(qualification, records, body.counts_as_achieved)
        figures = CohortFigures.of(qualification, settings.nearest)
        figures.add(entries, learners)
        return GatheredBlock(len(read.order), figures, records.problems,
                             tuple(d for errors in records.unreadable.values() for d in errors),
                             all(entry.verdict is not None and entry.verdict.achieved for entry in entries),
                             records.warnings, unregistered)


@attrs.frozen
class ClaimSettings:
    """What every worker deciding a certification claim needs to know of a run, besides its library."""

    qan: str
    options: ReadOptions = DEFAULT_OPTIONS


@attrs.frozen
class ClaimBlock:
    """One block's part of a certification claim, in input order: the rows of its learners ready
    (`claim_file.claim_row`), and each other learner with the reasons they are not."""

    learners: int
    ready: tuple[tuple, ...]
    not_ready: tuple[tuple[str, tuple[str, ...]], ...]
    # Errors that belong to no learner (a row without a learner id), and those of learners whose rows cannot
    # be read (each of them is also a reason).
    problems: tuple[Diagnostic, ...]
    unreadable: tuple[Diagnostic, ...]
    warnings: tuple[Diagnostic, ...] = ()
    not_registered: tuple[tuple[str, tuple[str, ...]], ...] = ()  # as `Block.not_registered`


def claimed_blocks(cohort: Cohort, settings: ClaimSettings, library: Library, jobs: int) -> Iterator[ClaimBlock]:
    """Each block of the cohort assessed for the claim, in input order, by `jobs` worker processes (1: in
    this process)."""
    yield from _warned_once(_in_order(cohort.tasks, _Claimer(settings, library, library.vocabulary()), jobs))


@attrs.frozen
class _Claimer:
    settings: ClaimSettings
    library: Library
    vocabulary: Vocabulary

    def __call__(self, task: tuple) -> ClaimBlock:
        """One block read and each learner's readiness decided."""
        qualification, body = self.library.qualification(self.settings.qan)
        read = task_records(task, self.vocabulary, self.settings.options)
        records, unregistered = registered_only(read, qualification.qan)
        ready, not_ready = cohort_readiness(qualification, self.library.ruleset_of(qualification),
                                            records.learners, records.order, records.unreadable,
                                            body.counts_as_achieved)
        errors = tuple(error for learner in _record_errors(records, [qualification.qan]) for error in learner)
        return ClaimBlock(len(read.order), tuple(claim_row(qualification, r) for r in ready), tuple(not_ready),
                          records.problems, errors, records.warnings, unregistered)


def worker_processes(jobs: int | None, blocks: int, library: Library) -> int:
    """How many worker processes decide a cohort's `blocks`: `jobs` (default: every core), no more than
    there are blocks. Where workers cannot be forked, each loads the installed plugins' rulesets afresh (they are
    given no other), so a library of other rulesets is decided in this process there."""
    if "fork" not in multiprocessing.get_all_start_methods() and not library.installed_only:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return min(jobs or cores, blocks)


def _adopt(work: Callable[[tuple], Any]) -> None:
    global _process_work
    _process_work = work
    process.keep_freed_memory()
    # Ctrl-C is the parent's to handle: it stops the run, and the workers with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _load(made: tuple[type, Any]) -> None:
    """In a worker that was not forked: its own worker of the run's kind and settings, with the installed
    plugins' rulesets."""
    kind, settings = made
    library = Library.load()
    _adopt(kind(settings, library, library.vocabulary()))


def _work_in_process(task: tuple) -> Any:
    return _without_collection(_process_work, task)


def _without_collection(work: Callable[[tuple], Any], task: tuple) -> Any:
    # A block's records and results are many small objects that live as long as the block: collecting them
    # while it is read and decided would only walk them again and again.
    gc.disable()
    try:
        return work(task)
    finally:
        gc.enable()


def _block_of(records: Records, rows: list[CheckRow], output_format: str, qans: Sequence[str]) -> Block:
    json_text = ",\n".join(row.json_element() for row in rows) \
        if output_format == "json" else ""
    errors = _record_errors(records, qans)
    return Block(len(records.order), tuple(rows) if output_format == "table" else (), json_text,
                 records.problems, len(errors),
                 all(row.verdict is not None and row.verdict.achieved for row in rows),
                 csv_text(check_cells(rows)) if output_format == "csv" else "", records.warnings,
                 tuple(error for learner in errors for error in learner), not_registered(records, qans))


def registered_only(records: Records, qan: str) -> tuple[Records, tuple[tuple[str, tuple[str, ...]], ...]]:
    """The records of the learners registered for a qualification (`Records.registered`), and
    `Block.not_registered` of the others."""
    kept = {learner for learner in records.order if records.registered(learner, qan)}
    if len(kept) == len(records.order):
        return records, ()
    return attrs.evolve(records, order=tuple(learner for learner in records.order if learner in kept),
                        learners=tuple(learner for learner in records.learners if learner.id in kept),
                        unreadable={k: errors for k, errors in records.unreadable.items() if k in kept},
                        registrations={k: named for k, named in records.registrations.items() if k in kept}
                        ), not_registered(records, [qan])


def not_registered(records: Records, qans: Sequence[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """`Block.not_registered` of some records."""
    return tuple((learner, records.registrations[learner]) for learner in records.order
                 if not any(records.registered(learner, qan) for qan in qans))


def _record_errors(records: Records, qans: Sequence[str]) -> list[tuple[Diagnostic, ...]]:
    """The errors of each learner whose record is unreadable, in input order, but for learners decided against
    none of the qualifications asked (registered only for others), whom those errors do not concern."""
    return [records.unreadable[learner] for learner in records.order if learner in records.unreadable
            and any(records.registered(learner, qan) for qan in qans)]


def _check_columns(worker: _Worker, block: ColumnarBlock, targets: Sequence[tuple]) -> Block:
    """A block read as columns. A plain learner's verdict text depends only on the units they hold
    (`Columns.holdings`): an achieved one is joined from pieces for the whole block at once
    (`plain_verdicts`), and otherwise learners holding the same units share one text, made once per worker.
    Every other learner is read row by row and decided by the full evaluator."""
    vocabulary, output_format = worker.vocabulary, worker.settings.output_format
    qans = [qualification.qan for qualification, _ in targets]
    if block.header.log:
        # An achievement log's units come from each learner's rows taken together: the row reader reads them.
        records = _rows_read(block, vocabulary, worker.settings.options)
        return _block_of(records, check_rows(records, targets), output_format, qans)
    columns = Columns(block, vocabulary, worker.dates, worker.settings.options)
    plain = columns.plain.copy() if output_format == "json" else np.zeros(columns.learners, dtype=bool)
    holdings = [columns.holdings(qualification, body.counts_as_achieved) for qualification, body in targets]
    for held in holdings:
        plain &= held.plain
    records = read_table_block(block.file, vocabulary, block.header,
                               block.rows(columns.learner_rows(np.flatnonzero(~plain))), worker.settings.options)
    records = attrs.evolve(records, warnings=_column_warnings(block, columns, records, vocabulary,
                                                              worker.settings.options))
    decided = check_rows(records, targets, worker.explanations)
    if not plain.any():
        return _block_of(records, decided, output_format, qans)
    # Some learners are plain, so every row has a learner id and each run of rows is one learner.
    texts: dict[str, list[CheckRow]] = {}
    for row in decided:
        texts.setdefault(row.learner, []).append(row)
    plain_learners = np.flatnonzero(plain)
    # The numbers of `worker.pieces` each learner's text is joined from, one matrix per qualification; a
    # number below 0 names a text of this block: -1 - k the id of learner k, the others after them.
    extra = [json_string(learner_id) for learner_id in columns.ids]
    extra_number: dict[str, int] = {}

    def number(text: str) -> int:
        if text not in extra_number:
            extra_number[text] = -1 - len(extra)
            extra.append(text)
        return extra_number[text]

    pieces = worker.pieces
    separator, start = pieces.number(",\n"), pieces.number(",\n" + VERDICT_START)
    ids = -1 - np.arange(columns.learners)
    matrices, all_achieved = [], True
    asked_any = np.zeros(columns.learners, dtype=bool)
    for target, held in zip(targets, holdings):
        qualification = target[0]
        verdicts = worker.plain_verdicts(qualification)
        asked = columns.asked(qualification.qan)
        asked_any |= asked
        left = plain_learners[asked[plain_learners]]
        rests = np.zeros((columns.learners, 1), dtype=np.int64)
        if verdicts is not None and len(left):
            row_of = {learner: row for row, learner in enumerate(left.tolist())}
            rows, told, achieved = verdicts.rows(
                held.masks[left], [held.attempted.get(k, ()) for k in left.tolist()],
                {row_of[k]: ages for k, ages in held.young.items() if k in row_of}, number)
            rests = np.zeros((columns.learners, rows.shape[1]), dtype=np.int64)
            rests[left] = rows
            left = left[~told]
            all_achieved &= bool(achieved[told].all())
        if len(left):
            # Learners the pieces do not tell: a verdict text for each set of units, made by the evaluator.
            learners = left.tolist()
            keys = dict(zip(learners, held.keys(learners)))
            _make_templates(worker, columns, [target], [held], [keys], learners)
            for learner in learners:
                rest, achieved = worker.templates[qualification.qan, keys[learner]]
                rests[learner, 0] = number(rest)
                all_achieved &= achieved
        matrices += [np.where(asked, start, 0)[:, None], np.where(asked, ids, 0)[:, None], rests]
    numbers = np.hstack(matrices)
    for learner in np.flatnonzero(~plain).tolist():
        rows = texts.get(columns.ids[learner], [])
        numbers[learner] = 0
        if rows:
            numbers[learner, :2] = separator, number(",\n".join(row.json_element() for row in rows))
        all_achieved &= all(row.verdict is not None and row.verdict.achieved for row in rows)
    given = np.flatnonzero(numbers)
    if len(given):
        # The block's first verdict follows no other.
        first = numbers.flat[given[0]]
        numbers.flat[given[0]] = 0 if first == separator else pieces.number(VERDICT_START)
    errors = _record_errors(records, qans)
    # In input order: the plain learners' registrations are the columns', the others' the row reader's.
    read_by_rows = dict(not_registered(records, qans))
    unasked = tuple((columns.ids[k], columns.registrations(k) if plain[k] else read_by_rows[columns.ids[k]])
                    for k in range(columns.learners) if plain[k] and not asked_any[k]
                    or not plain[k] and columns.ids[k] in read_by_rows)
    return Block(columns.learners, (), pieces.join(numbers, extra), records.problems, len(errors), all_achieved,
                 warnings=records.warnings, errors=tuple(error for learner in errors for error in learner),
                 not_registered=unasked)


def _column_warnings(block: ColumnarBlock, columns: Columns, records: Records, vocabulary: Vocabulary,
                     options: ReadOptions) -> tuple[Diagnostic, ...]:
    """The warnings of a block read as columns, in line order: the row reader's, for the learners it read,
    and one for each unit left out and each registration no loaded ruleset gives, at its first row of the
    block whoever's it is (the columns saw every row, the row reader only some)."""
    def location(line: int) -> Location:
        return Location(block.file, line, element=None if block.header.row_word == "line" else f"row {line}")

    left_out = [unknown_unit_warning(text, location(int(block.lines[row])), vocabulary, options)
                for row, text in columns.left_out.values()]
    unknown = [unknown_registration_warning(text, location(int(block.lines[row])), vocabulary)
               for text, row in columns.unknown_registrations.items()]
    kept = [warning for warning in records.warnings if warning.code not in ("QR520", "QR548")]
    return tuple(sorted(kept + left_out + unknown, key=lambda warning: warning.location.line or 0))


def _make_templates(worker: _Worker, columns: Columns, targets: Sequence[tuple], holdings: list, keys: list,
                    plain: list[int]) -> None:
    """Decide, for the first plain learner holding each set of units not seen before, the verdict text."""
    templates = worker.templates
    if len(templates) > TEMPLATES_KEPT:
        templates.clear()
    if len(worker.dates) > TEMPLATES_KEPT:
        worker.dates.clear()
    for (qualification, _), held, qualification_keys in zip(targets, holdings, keys):
        new = {}
        for learner in plain:
            key = (qualification.qan, qualification_keys[learner])
            if key not in templates and key not in new:
                new[key] = learner
        if not new:
            continue
        learners = [columns.learner(index) for index in new.values()]
        units = unit_indices(held.masks[list(new.values())])
        known = [plain_holdings(qualification, learner, frozenset(held_units), held.attempted.get(index, ()))
                 for learner, index, held_units in zip(learners, new.values(), units)]
        for key, verdict in zip(new, decide(qualification, learners, known, worker.explanations[qualification.qan])):
            templates[key] = verdict_rest(verdict), verdict.achieved


def check_rows(records: Records, targets: Sequence[tuple],
               explanations: Mapping[str, Explanations] = MappingProxyType({})) -> list[CheckRow]:
    """A row per learner and qualification they are registered for (`Records.registered`), in the records'
    order: a verdict, or the learner's record errors.
    `explanations`, by QAN, carries what earlier blocks worked out."""
    verdicts = {}
    for qualification, body in targets:
        learners = [learner for learner in records.learners if records.registered(learner.id, qualification.qan)]
        decided = evaluate_many(qualification, learners, body.counts_as_achieved, explanations.get(qualification.qan))
        verdicts[qualification.qan] = {v.learner: v for v in decided}
    rows = []
    for learner_id in records.order:
        for qualification, _ in targets:
            if not records.registered(learner_id, qualification.qan):
                continue
            verdict = verdicts[qualification.qan].get(learner_id)
            rows.append(CheckRow(learner_id, qualification.qan, qualification.title, verdict,
                                 () if verdict else records.unreadable[learner_id]))
    return rows


def json_array(blocks: Iterable[str]) -> Iterator[str]:
    """The pieces of one JSON array, laid out as `json.dumps(list, indent=2)` would, from each block's text."""
    first = True
    for text in blocks:
        if not text:
            continue
        yield ("[\n" if first else ",\n") + text
        first = False
    yield "[]" if first else "\n]"
