"""Checking a whole cohort file: learners read, decided and written out in blocks, on every core.

The file is read in blocks of whole learners (`records.stream`), so memory does not grow with the cohort;
each block is read, decided and rendered in a worker process, and the blocks come back in input order, so
the output is the same whatever the number of workers. A file that cannot be streamed (JSON, a spreadsheet,
a CSV whose learners' rows are not together) is read whole first, then decided in the same blocks.
"""

from __future__ import annotations

import collections
import concurrent.futures
import gc
import multiprocessing
import os
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

import attrs

from qualrules.interpreter.diagnostics import Diagnostic
from qualrules.interpreter.lazy import lazy_module
from qualrules.interpreter.engine.evaluator import decide, evaluate_many, plain_holdings
from qualrules.interpreter.library import Library
from qualrules.interpreter.presentation.check_table import CheckRow
from qualrules.interpreter.presentation.json_text import array_element, json_string
from qualrules.interpreter.records.readers import Records, Vocabulary, read_records, read_table_block
from qualrules.interpreter.records.columnar import ColumnarBlock, Columns
from qualrules.interpreter.records.stream import columnar_blocks, learner_blocks, open_table, scan_learners, text_facts

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")

LEARNERS_PER_BLOCK = 1000


@attrs.frozen
class Block:
    """One block's results, in input order: rows for people (table) or JSON text for programs."""

    learners: int
    rows: tuple[CheckRow, ...]
    json: str
    # Problems that belong to no learner (a row without a learner id).
    problems: tuple[Diagnostic, ...]
    unreadable: int
    all_achieved: bool
    # Warnings about the block's records that leave every verdict as it is.
    warnings: tuple[Diagnostic, ...] = ()


@attrs.frozen
class Cohort:
    """A cohort file opened for checking: how many learners it holds, and its blocks to decide."""

    learners: int
    streamed: bool
    tasks: Iterator[tuple]


def open_cohort(path: str | Path, vocabulary: Vocabulary) -> Cohort:
    """Open a records file for checking; raises DiagnosticError when the file as a whole cannot be read."""
    path = Path(path)
    facts = text_facts(path) if path.suffix.lower() == ".csv" and path.is_file() else None
    if facts is not None and facts.utf8:
        header, rows = open_table(path)
        scan = scan_learners(path, header)
        if scan.grouped and scan.columnar and facts.quotes_paired:
            rows.close()
            blocks = columnar_blocks(path, header, LEARNERS_PER_BLOCK)
            return Cohort(scan.learners, True, (("columns", block) for block in blocks))
        if scan.grouped:
            blocks = learner_blocks(rows, header, LEARNERS_PER_BLOCK)
            return Cohort(scan.learners, True, (("rows", str(path), header, block) for block in blocks))
        rows.close()
    records = read_records(path, vocabulary)
    return Cohort(len(records.order), False, _record_blocks(records))


def _record_blocks(records: Records) -> Iterator[tuple]:
    by_id = {learner.id: learner for learner in records.learners}
    for start in range(0, len(records.order), LEARNERS_PER_BLOCK):
        order = records.order[start:start + LEARNERS_PER_BLOCK]
        block = Records(order, tuple(by_id[i] for i in order if i in by_id),
                        {i: records.unreadable[i] for i in order if i in records.unreadable},
                        records.problems if start == 0 else (),
                        records.warnings if start == 0 else ())
        yield ("records", block)


@attrs.frozen
class CheckRun:
    """A check of a records file as it runs: how many learners the file holds (for a progress bar), and its
    blocks, decided in the file's order."""

    learners: int
    blocks: Iterator[Block]


@attrs.frozen
class CheckSettings:
    """What every worker needs to know of a run, besides its library: what to check, and how to write it."""

    qans: tuple[str, ...]
    output_format: str


@attrs.frozen
class _Worker:
    """A worker's state for one run: what to check, and the verdict texts of plain learners it has made, by
    qualification and units held (kept across blocks, so each is made once per worker)."""

    settings: CheckSettings
    library: Library
    vocabulary: Vocabulary
    templates: dict[tuple[str, tuple], tuple[str, str, bool]] = attrs.field(factory=dict)
    dates: dict[str, int] = attrs.field(factory=dict)

    def check(self, task: tuple) -> Block:
        """One block decided: read, judged and rendered."""
        settings, vocabulary = self.settings, self.vocabulary
        targets = [self.library.qualification(qan) for qan in settings.qans]
        # Reading builds many small objects that live as long as the block: collecting them mid-block is waste.
        gc.disable()
        try:
            if task[0] == "columns":
                return _check_columns(self, task[1], targets)
            if task[0] == "rows":
                _, file, header, rows = task
                records = read_table_block(file, vocabulary, header, rows)
            else:
                records = task[1]
            return _block_of(records, check_rows(records, targets), settings.output_format)
        finally:
            gc.enable()


# In a worker process: the state of the run it serves, set when the process starts.
_process_worker: _Worker | None = None
TEMPLATES_KEPT = 40_000


def check_blocks(cohort: Cohort, settings: CheckSettings, library: Library, vocabulary: Vocabulary,
                 jobs: int) -> Iterator[Block]:
    """Each block of the cohort decided, in input order, by `jobs` worker processes (1: in this process)."""
    worker = _Worker(settings, library, vocabulary)
    if jobs <= 1:
        yield from map(worker.check, cohort.tasks)
        return
    # Forked workers inherit the run's loaded library; elsewhere each one loads the installed plugins'
    # rulesets (callers run any other library in this process there). A worker that dies breaks the pool,
    # which raises here rather than waiting for its block for ever.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    start = (_adopt, worker) if method == "fork" else (_load, settings)
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method),
                                                initializer=start[0], initargs=(start[1],)) as pool:
        # A few blocks in flight per worker, no more, so the file is not read far ahead of the workers.
        pending: collections.deque = collections.deque()
        try:
            for task in cohort.tasks:
                pending.append(pool.submit(_check_in_process, task))
                if len(pending) >= 2 * jobs:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _adopt(worker: _Worker) -> None:
    global _process_worker
    _process_worker = worker
    # Ctrl-C is the parent's to handle: it stops the run, and the workers with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _load(settings: CheckSettings) -> None:
    library = Library.load()
    _adopt(_Worker(settings, library, library.vocabulary()))


def _check_in_process(task: tuple) -> Block:
    return _process_worker.check(task)


def _block_of(records: Records, rows: list[CheckRow], output_format: str) -> Block:
    json_text = ",\n".join(array_element(row.to_json()) for row in rows) \
        if output_format == "json" else ""
    return Block(len(records.order), tuple(rows) if output_format != "json" else (), json_text,
                 records.problems, len(records.unreadable),
                 all(row.verdict is not None and row.verdict.achieved for row in rows), records.warnings)


def _check_columns(worker: _Worker, block: ColumnarBlock, targets: Sequence[tuple]) -> Block:
    """A block read as columns. A plain learner's verdict text depends only on the units they hold
    (`Columns.holdings`), so learners holding the same units share one text, made once per worker; every
    other learner is read row by row and decided by the full evaluator."""
    vocabulary, output_format = worker.vocabulary, worker.settings.output_format
    if block.header.log:
        # An achievement log's units come from each learner's rows taken together: the row reader reads them.
        records = read_table_block(block.file, vocabulary, block.header, block.rows(np.arange(block.batch.num_rows)))
        return _block_of(records, check_rows(records, targets), output_format)
    columns = Columns(block, vocabulary, worker.dates)
    plain = columns.plain.copy() if output_format == "json" else np.zeros(columns.learners, dtype=bool)
    holdings = [columns.holdings(qualification, body.counts_as_achieved) for qualification, body in targets]
    for held in holdings:
        plain &= held.plain
    records = read_table_block(block.file, vocabulary, block.header,
                               block.rows(columns.learner_rows(np.flatnonzero(~plain))))
    decided = check_rows(records, targets)
    if not plain.any():
        return _block_of(records, decided, output_format)
    # Some learners are plain, so every row has a learner id and each run of rows is one learner.
    texts: dict[str, list[CheckRow]] = {}
    for row in decided:
        texts.setdefault(row.learner, []).append(row)
    plain_learners = np.flatnonzero(plain).tolist()
    keys = [{learner: held.key(learner) for learner in plain_learners} for held in holdings]
    templates = worker.templates
    _make_templates(worker, columns, targets, holdings, keys, plain_learners)
    pieces, all_achieved = [], True
    for learner, learner_id in enumerate(columns.ids):
        if plain[learner]:
            name = json_string(learner_id)
            for (qualification, _), qualification_keys in zip(targets, keys):
                start, rest, achieved = templates[qualification.qan, qualification_keys[learner]]
                pieces.append(start + name + rest)
                all_achieved &= achieved
        else:
            rows = texts[learner_id]
            pieces.extend(array_element(row.to_json()) for row in rows)
            all_achieved &= all(row.verdict is not None and row.verdict.achieved for row in rows)
    return Block(columns.learners, (), ",\n".join(pieces), records.problems, len(records.unreadable),
                 all_achieved)


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
        known = [plain_holdings(qualification, learner, frozenset(np.flatnonzero(held.masks[index]).tolist()),
                                held.attempted.get(index, ()))
                 for learner, index in zip(learners, new.values())]
        for key, verdict in zip(new, decide(qualification, learners, known)):
            templates[key] = _template(CheckRow(verdict.learner, qualification.qan, qualification.title, verdict))


def _template(row: CheckRow) -> tuple[str, str, bool]:
    """A verdict's JSON text, indented as an array element, split around the learner's id."""
    if row.verdict is None:
        raise RuntimeError(f"the columnar reader took learner {row.learner!r} as readable, the row reader did not")
    text = array_element(row.to_json())
    start = '  {\n    "learner": '
    rest = text[len(start) + len(json_string(row.learner)):]
    return start, rest, row.verdict is not None and row.verdict.achieved


def check_rows(records: Records, targets: Sequence[tuple]) -> list[CheckRow]:
    """A row per learner and qualification, in the records' order: a verdict, or the learner's record errors."""
    verdicts = {}
    for qualification, body in targets:
        decided = evaluate_many(qualification, records.learners, body.counts_as_achieved)
        verdicts[qualification.qan] = {v.learner: v for v in decided}
    rows = []
    for learner_id in records.order:
        for qualification, _ in targets:
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
