"""A block of CSV rows as columns (an Arrow record batch), read for many learners at once.

Values repeat across rows (unit references, result words, dates), so each distinct text is read once with
the same rules as the row-by-row reader (`readers`), and the rows take the answer by index. A learner whose
rows hold anything that reader would report, or anything a verdict would mention by date or word, is left
to the row-by-row reader and the full evaluator: `Columns.plain` says who is not.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Callable

import attrs

from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.engine.evaluator import add_period
from qualrules.interpreter.lazy import lazy_module
from qualrules.interpreter.records.approvals import approval, column_key
from qualrules.interpreter.records.learner import Learner
from qualrules.interpreter.records.dates import DateForms, DateProblem
from qualrules.interpreter.records.options import DEFAULT_OPTIONS, ReadOptions
from qualrules.interpreter.records.readers import (
    CELL_LIMIT, PATHWAY_COLUMN, QUALIFICATION_COLUMN, Header, Vocabulary, normalised_result, qualification_key,
    registration_text,
)

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa
else:
    np = lazy_module("numpy")

NO_DATE, BAD_DATE = -1, -2
# A unit cell's index when it is empty or too long (the row reader reports it), or names a unit in no loaded
# catalogue that is only warned about (its row is left out, as the row reader leaves it).
BAD_UNIT, LEFT_OUT = -1, -2
# A declared column's cell when it is empty, or holds what the row reader would report.
NO_VALUE, BAD_VALUE = -1, -2


@attrs.frozen
class ColumnarBlock:
    """Rows of a CSV file as an Arrow batch of strings, with the physical line of each row."""

    file: str
    header: Header
    lines: Any  # numpy int array, one line number per row
    batch: "pa.RecordBatch"

    def rows(self, positions: "np.ndarray") -> list[tuple[int, list[str]]]:
        """Some rows as the row-by-row reader takes them."""
        taken = self.batch.take(positions)
        cells = list(zip(*(column.to_pylist() for column in taken.columns)))
        return [(int(self.lines[p]), list(row)) for p, row in zip(positions, cells)]


class Columns:
    """The facts of a block's rows, as numpy arrays: per row and per learner (learners are runs of rows)."""

    def __init__(self, block: ColumnarBlock, vocabulary: Vocabulary, dates: dict[str, int],
                 options: ReadOptions = DEFAULT_OPTIONS):
        """`dates` holds the dates already read, by text; it is shared by the blocks of one run."""
        import pyarrow.compute as pc

        position = block.header.position
        self.block = block
        self.known_dates = dates
        self.date_forms = DateForms.named(options.date_formats)
        ids = pc.utf8_trim_whitespace(block.batch.column(position["learner"]))
        self.rows = len(ids)
        same = pc.equal(ids.slice(1), ids.slice(0, max(self.rows - 1, 0))).to_numpy(zero_copy_only=False)
        starts = np.concatenate([[True], ~same]) if self.rows else np.zeros(0, dtype=bool)
        self.learner_of_row = np.cumsum(starts) - 1
        self.start_rows = np.flatnonzero(starts)
        # Stripped as the row reader strips them, whose idea of white space is wider than Unicode's.
        self.ids = [learner.strip() for learner in ids.take(self.start_rows).to_pylist()]
        self.learners = len(self.ids)

        refs = list(vocabulary.unit_refs.values())
        self.unit_refs = sorted(set(refs))
        unit_index = {ref.casefold(): i for i, ref in enumerate(self.unit_refs)}
        known = {key: unit_index[ref.casefold()] for key, ref in vocabulary.unit_refs.items()}
        unknown = LEFT_OUT if options.unknown_units == "warn" else BAD_UNIT
        # Each distinct cell is mapped by the profile's [units] once, as the row reader maps it.
        self.unit = self._decoded(block.batch.column(position["unit"]), lambda text: known.get(
            options.unit_key(text.strip()), unknown if text.strip() else BAD_UNIT))
        # Each unit left out, case-folded, with the row it is first given on and as written there.
        left_out = np.flatnonzero(self.unit == LEFT_OUT)
        self.left_out: dict[str, tuple[int, str]] = {}
        for row, text in zip(left_out.tolist(), block.batch.column(position["unit"]).take(left_out).to_pylist()):
            self.left_out.setdefault(text.strip().casefold(), (row, text.strip()))
        self.result_words = sorted(vocabulary.results)
        # Words as the profile maps them; a word only some bodies use is left to the row reader, which
        # checks its unit's body.
        index = {word: i for i, word in enumerate(self.result_words)}
        words = {word: i for word, i in index.items() if word not in options.result_words}
        words.update({given: index[word] for given, word in options.result_words.items() if word in index})
        self.result = self._decoded(block.batch.column(position["result"]),
                                    lambda text: words.get(normalised_result(text), -1))
        self.achieved_on = self._dates(block.batch.column(position["achieved_on"]))
        # A row this reader would report (unknown unit or word, malformed date, a value too long to read)
        # leaves its learner to it.
        too_long = {name: too_long_cells(block.batch.column(index)) for name, index in position.items()}
        # A row left out is not read for its result and date.
        read = self.unit != LEFT_OUT
        bad_row = (self.unit == BAD_UNIT) | (read & ((self.result < 0) | (self.achieved_on == BAD_DATE))) \
            | np.logical_or.reduce(list(too_long.values()))
        self.plain = ~self._any_per_learner(bad_row)
        self.registered_on = self._fact("registered_on")
        self.born = self._fact("date_of_birth")
        self.plain &= ~((self.born >= 0) & (self.registered_on >= 0) & (self.born >= self.registered_on))
        dated = (self.achieved_on >= 0) & read
        self.plain &= ~self._any_per_learner(dated & (self.achieved_on < self.born[self.learner_of_row]))
        if PATHWAY_COLUMN in position and vocabulary.pathways:
            # A learner's pathway is read, and checked, row by row.
            cells = pc.utf8_trim_whitespace(block.batch.column(position[PATHWAY_COLUMN]))
            named = pc.greater(pc.utf8_length(cells), 0)
            self.plain &= ~self._any_per_learner(named.fill_null(False).to_numpy(zero_copy_only=False))
        self._read_registrations(vocabulary)
        for heading, index in declared_columns(block.header, vocabulary).items():
            self.plain &= ~self._misdeclared(block.batch.column(index), column_key(heading), vocabulary)
        if not all(self.ids) or len(set(self.ids)) < self.learners or too_long["learner"].any():
            # A row the row reader takes for no learner's (no id, or one too long: problems only it reports),
            # or one learner in two runs.
            self.plain[:] = False

    def _read_registrations(self, vocabulary: Vocabulary) -> None:
        """The qualification each row names (`readers.QUALIFICATION_COLUMN`), as an index into
        `registration_names` (NO_VALUE for none), and each name no loaded ruleset gives with the row first
        naming it, as written there."""
        self.registration_names: list[str] = []
        # Each name no loaded ruleset gives, as written, with the row first giving it.
        self.unknown_registrations: dict[str, int] = {}
        self.registration = np.full(self.rows, NO_VALUE, dtype=np.int64)
        if QUALIFICATION_COLUMN not in self.block.header.position:
            return
        import pyarrow as pa

        # Names by `qualification_key`, so that one written two ways is one (its first spelling), as the row
        # reader takes it; a name too long to read is the row reader's to report.
        index: dict[str, int] = {}
        written_as: dict[int, str] = {}

        def read(text: str) -> int:
            written = registration_text(text)
            if not written or len(written) > CELL_LIMIT:
                return NO_VALUE
            key = qualification_key(written)
            number = index.setdefault(vocabulary.qualifications.get(key, key), len(index))
            written_as.setdefault(number, vocabulary.qualifications.get(key, written))
            return number

        column = self.block.batch.column(self.block.header.position[QUALIFICATION_COLUMN])
        encoded = column.dictionary_encode() if not pa.types.is_dictionary(column.type) else column
        self.registration = self._decoded(encoded, read)
        self.registration_names = [written_as[number] for number in range(len(index))]
        # Each spelling of a name no loaded ruleset gives, at its first row, as the row reader warns of it.
        spellings = encoded.dictionary.to_pylist()
        codes, rows = np.unique(encoded.indices.to_numpy(zero_copy_only=False), return_index=True)
        for row, code in sorted(zip(rows.tolist(), codes.tolist())):
            written = registration_text(spellings[code])
            if written and len(written) <= CELL_LIMIT and qualification_key(written) not in vocabulary.qualifications:
                self.unknown_registrations.setdefault(written, row)

    def asked(self, qan: str) -> "np.ndarray":
        """Per learner, whether they are decided against the qualification: those naming no qualification are
        decided against any (`Records.registered`)."""
        unnamed = ~self._any_per_learner(self.registration != NO_VALUE)
        if qan not in self.registration_names:
            return unnamed
        return unnamed | self._any_per_learner(self.registration == self.registration_names.index(qan))

    def registrations(self, learner: int) -> tuple[str, ...]:
        """The qualifications a learner's rows name, in order."""
        end = int(self.start_rows[learner + 1]) if learner + 1 < self.learners else self.rows
        rows = self.registration[int(self.start_rows[learner]):end]
        return tuple(dict.fromkeys(self.registration_names[k] for k in rows[rows != NO_VALUE].tolist()))

    def _misdeclared(self, column, key: str, vocabulary: Vocabulary) -> "np.ndarray":
        """Per learner, whether the row reader would report their cells of a declared column: a value no
        declaration allows (QR550) or two different ones (QR551), or an approval that says neither (QR546).
        Learners whose values are sound stay plain: only a qualification that reads them is not."""
        allowed = vocabulary.columns.get(key)
        values: dict[str, int] = {}

        def read(text: str) -> int:
            written = text.strip()
            if not written:
                return NO_VALUE
            if key in vocabulary.approval_columns:
                try:
                    approval(written)
                except ValueError:
                    return BAD_VALUE
            if allowed is None:
                return NO_VALUE
            if written.casefold() not in allowed:
                return BAD_VALUE
            return values.setdefault(written.casefold(), len(values))

        found = self._decoded(column, read)
        wrong = self._any_per_learner(found == BAD_VALUE)
        if values and self.rows:
            given = found >= 0
            highest = np.maximum.reduceat(np.where(given, found, NO_VALUE), self.start_rows)
            lowest = np.minimum.reduceat(np.where(given, found, len(values)), self.start_rows)
            wrong |= (highest >= 0) & (lowest != highest)
        return wrong

    def _decoded(self, column, read: Callable[[str], int]) -> "np.ndarray":
        """`read` applied to each distinct text of a column, spread back over the rows."""
        import pyarrow as pa

        encoded = column.dictionary_encode() if not pa.types.is_dictionary(column.type) else column
        answers = np.array([read(text) for text in encoded.dictionary.to_pylist()] or [0], dtype=np.int64)
        return answers[encoded.indices.to_numpy(zero_copy_only=False)]

    def _dates(self, column) -> "np.ndarray":
        """Days since 1 January of year 1 for each row; NO_DATE for an empty cell, BAD_DATE for one the
        row reader would refuse."""
        def read(text: str) -> int:
            day = self.known_dates.get(text)
            if day is None:
                parsed = self.date_forms.read(text)
                day = self.known_dates[text] = NO_DATE if parsed is None else BAD_DATE \
                    if isinstance(parsed, DateProblem) else parsed.toordinal()
            return day

        import pyarrow as pa

        # Each distinct text read once: ISO dates all together, any other one by `read`.
        encoded = column.dictionary_encode() if not pa.types.is_dictionary(column.type) else column
        iso, days = _iso_days(encoded.dictionary)
        others = np.flatnonzero(~iso)
        if len(others):
            days[others] = [read(text) for text in encoded.dictionary.take(others).to_pylist()]
        return days[encoded.indices.to_numpy(zero_copy_only=False)]

    def _fact(self, name: str) -> "np.ndarray":
        """A learner-level date (the same on each of a learner's rows): per learner, or NO_DATE; a learner
        whose rows disagree or hold a malformed value is not plain."""
        count = self.learners
        if name not in self.block.header.position:
            return np.full(count, NO_DATE, dtype=np.int64)
        import pyarrow.compute as pc

        if not count:
            return np.full(count, NO_DATE, dtype=np.int64)
        column = self.block.batch.column(self.block.header.position[name])
        same = pc.equal(column.slice(1), column.slice(0, self.rows - 1)).to_numpy(zero_copy_only=False)
        if (same | (self.learner_of_row[1:] != self.learner_of_row[:-1])).all():
            # Each learner's rows say the same (as they mostly do): their first row says it for all.
            days = self._dates(column.take(self.start_rows))
            self.plain &= days != BAD_DATE
            return np.where(days >= 0, days, NO_DATE)
        days = self._dates(column)
        self.plain &= ~self._any_per_learner(days == BAD_DATE)
        # Each learner's rows are one run of rows, so a learner's figure is a reduction over their run.
        dated = days >= 0
        highest = np.maximum.reduceat(np.where(dated, days, NO_DATE), self.start_rows)
        lowest = np.minimum.reduceat(np.where(dated, days, np.iinfo(np.int64).max), self.start_rows)
        self.plain &= ~((highest >= 0) & (lowest != highest))
        return highest

    def _any_per_learner(self, flags: "np.ndarray") -> "np.ndarray":
        found = np.zeros(self.learners, dtype=bool)
        found[self.learner_of_row[flags]] = True
        return found

    def learner(self, index: int) -> Learner:
        """A learner's id and dates, without their attempts (which `holdings` has read)."""
        def date(day: int) -> dt.date | None:
            return dt.date.fromordinal(day) if day > 0 else None

        return Learner(self.ids[index], date(int(self.born[index])), date(int(self.registered_on[index])), ())

    def learner_rows(self, learners: "np.ndarray") -> "np.ndarray":
        """The row positions of some learners, in file order."""
        return np.flatnonzero(np.isin(self.learner_of_row, learners))

    def holdings(self, q: CompiledQualification, counts: Callable[[str], bool]) -> "ColumnHoldings":
        """For one qualification: each learner's achieved pool units, and which learners are plain for it:
        every unit they achieved is dated within any completion window, none is outside the pool, and any
        age rule can be told, so their units (and those only attempted, and whether they are old enough) alone
        decide the verdict. Nobody is plain for a graded qualification, nor for one with equivalences or
        pathways, nor for one whose units have prerequisites or that requires something of the learner besides
        units: the grades of their units, exemptions' approvals, the learner's pathway, the order units were
        achieved in or the record's own columns decide it too (`evaluator.holdings_of` reads them). Nor for
        one naming an award to give instead, whose verdict is the award's too, by its own pool and rules."""
        plain = (self.plain.copy() if q.grading is None and q.equivalents is None and not q.prerequisites
                 and not q.attainment and not q.required_qualifications and not q.pathways and q.fallback is None
                 else np.zeros_like(self.plain))
        refs = sorted(set(q.catalogue_refs.values()))
        ref_index = {ref: i for i, ref in enumerate(refs)}
        catalogue_of_unit = np.array([ref_index.get(q.catalogue_refs.get(unit.casefold()), -1)
                                      for unit in self.unit_refs] + [-1], dtype=np.int64)
        pool_of_ref = np.array([q.index.get(ref, -1) for ref in refs] + [-1], dtype=np.int64)
        counting = np.array([counts(word) for word in self.result_words] + [False])
        row_ref = catalogue_of_unit[np.maximum(self.unit, BAD_UNIT)]
        row_pool = pool_of_ref[row_ref]
        row_counts = counting[self.result] & (row_ref >= 0)
        # An achieved unit outside the pool is set aside by name: not plain.
        plain &= ~self._any_per_learner(row_counts & (row_pool < 0))
        claimable = row_counts & (row_pool >= 0)
        if q.window is not None:
            plain &= self.registered_on >= 0
            deadlines = _deadlines(self.registered_on, q.window)
            late_or_undated = claimable & ((self.achieved_on < 0)
                                           | (self.achieved_on > deadlines[self.learner_of_row]))
            plain &= ~self._any_per_learner(late_or_undated)
        # The learners too young for the age rule, by their age at registration: what their verdicts say of it.
        young: dict[int, tuple[int, int]] = {}
        if q.minimum_age is not None:
            plain &= (self.born >= 0) & (self.registered_on >= 0)
            ages = _ages(self.born, self.registered_on)
            for learner in np.flatnonzero(plain & (ages < q.minimum_age.years)).tolist():
                young[learner] = (int(ages[learner]), int(self.registered_on[learner]))
        masks = np.zeros((self.learners, len(q.units)), dtype=bool)
        masks[self.learner_of_row[claimable], row_pool[claimable]] = True
        # Units attempted and never achieved, with the last word recorded, in the order first attempted.
        achieved = np.zeros((self.learners, len(refs) + 1), dtype=bool)
        achieved[self.learner_of_row[row_counts], row_ref[row_counts]] = True
        only_attempted = (row_ref >= 0) & ~counting[self.result] & ~achieved[self.learner_of_row, row_ref]
        attempted: dict[int, dict[str, str]] = {}
        for row in np.flatnonzero(only_attempted).tolist():
            learner = int(self.learner_of_row[row])
            attempted.setdefault(learner, {})[refs[row_ref[row]]] = self.result_words[self.result[row]]
        return ColumnHoldings(masks, plain, {learner: tuple(units.items()) for learner, units in attempted.items()},
                              young)


@attrs.frozen
class ColumnHoldings:
    """What a block's rows give towards one qualification."""

    masks: Any  # learners x pool units, bool: the units achieved (within any window)
    # Learners, bool: the units, `attempted` and `young` alone decide the verdict.
    plain: Any
    # By learner: (unit reference, last result word) of each unit attempted but never achieved.
    attempted: dict[int, tuple[tuple[str, str], ...]]
    # By plain learner the age rule fails: their age and the day (ordinal) they registered on.
    young: dict[int, tuple[int, int]] = attrs.field(factory=dict)

    def keys(self, learners: list[int]) -> list[tuple]:
        """For each of some plain learners, what their verdict depends on."""
        width = (self.masks.shape[1] + 7) // 8
        packed = np.packbits(self.masks[learners], axis=1).tobytes()
        attempted, young = self.attempted, self.young
        return [(packed[k * width:(k + 1) * width], attempted.get(learner, ()), young.get(learner))
                for k, learner in enumerate(learners)]


def declared_columns(header: Header, vocabulary: Vocabulary) -> dict[str, int]:
    """The header's columns that loaded rulesets declare (learner attributes, external qualifications' grades,
    exemptions' approvals), by heading as written: those of its other columns the row reader reads."""
    return {heading: index for heading, index in header.others.items()
            if column_key(heading) in vocabulary.columns or column_key(heading) in vocabulary.approval_columns}


def holds_no_value(column) -> bool:
    """Whether every cell of an Arrow column is null. Such a column is read as empty cells whatever its type:
    pandas reads a CSV column empty in every row as floats (NaN), Arrow's CSV reader as nulls."""
    return column.null_count == len(column)


def too_long_cells(column) -> "np.ndarray":
    """Which cells hold more than CELL_LIMIT characters; none can when none holds as many bytes."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_string(column.type):
        offsets = np.frombuffer(column.buffers()[1], dtype=np.int32)[column.offset:column.offset + len(column) + 1]
        if not len(column) or offsets[-1] - offsets[0] <= CELL_LIMIT or (np.diff(offsets) <= CELL_LIMIT).all():
            return np.zeros(len(column), dtype=bool)
    return pc.greater(pc.utf8_length(column), CELL_LIMIT).to_numpy(zero_copy_only=False)


def _deadlines(registered: "np.ndarray", window) -> "np.ndarray":
    """Each registration date's completion deadline, by the evaluator's own calendar arithmetic."""
    found = {day: add_period(dt.date.fromordinal(day), window.amount, window.unit).toordinal()
             for day in np.unique(registered[registered > 0]).tolist()}
    return np.array([found.get(day, NO_DATE) for day in registered.tolist()], dtype=np.int64)


def _ages(born: "np.ndarray", registered: "np.ndarray") -> "np.ndarray":
    """Each age on the day of registration, as `age_on` tells it; -1 where a date is missing."""
    (born_year, born_day), (year, day) = _year_and_day(born), _year_and_day(registered)
    ages = year - born_year - (day < born_day)
    return np.where((born > 0) & (registered > 0), ages, -1)


# The ordinal of 1 January 1970, where numpy's days begin.
_EPOCH = dt.date(1970, 1, 1).toordinal()


def _year_and_day(ordinals: "np.ndarray") -> tuple["np.ndarray", "np.ndarray"]:
    """Each ordinal's year, and its month and day as month * 100 + day (so that they order as dates do)."""
    days = (np.maximum(ordinals, 1) - _EPOCH).astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    years = months.astype("datetime64[Y]")
    month = (months - years).astype(np.int64) + 1
    return years.astype(np.int64) + 1970, month * 100 + (days - months).astype(np.int64) + 1


def _iso_days(column) -> tuple["np.ndarray", "np.ndarray"]:
    """Which cells are written exactly as an ISO date, yyyy-mm-dd (all digits ASCII), the form most files
    use; and their ordinals, BAD_DATE for one that is no day of the calendar, as `DateForms.read` reads
    them. Other cells are left to it."""
    import pyarrow as pa

    column = column.cast(pa.string())
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int32)[column.offset:column.offset + len(column) + 1]
    text = np.frombuffer(column.buffers()[2], dtype=np.uint8) if len(column.buffers()) > 2 \
        and column.buffers()[2] is not None else np.zeros(0, dtype=np.uint8)
    days = np.full(len(column), NO_DATE, dtype=np.int64)
    iso = np.diff(offsets) == 10
    if not iso.any():
        return iso, days
    digits = text[offsets[:-1][iso, None] + np.arange(10)].astype(np.int32) - ord("0")
    dashes = (digits[:, 4] == ord("-") - ord("0")) & (digits[:, 7] == ord("-") - ord("0"))
    numbers = np.delete(digits, [4, 7], axis=1)
    written = dashes & ((numbers >= 0) & (numbers <= 9)).all(axis=1)
    iso[iso] = written
    digits = digits[written]
    year = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
    month, day = digits[:, 5] * 10 + digits[:, 6], digits[:, 8] * 10 + digits[:, 9]
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    lengths = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int32)
    valid = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1)
    valid &= day <= lengths[np.where(valid, month, 0)] + (leap & (month == 2))
    # Days from the civil calendar, counting years from 1 March so that a leap day ends its year.
    shifted = year - (month <= 2)
    era, of_era = np.divmod(shifted, 400)
    of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    ordinals = era * 146097 + of_era * 365 + of_era // 4 - of_era // 100 + of_year - 305
    days[iso] = np.where(valid, ordinals, BAD_DATE)
    return iso, days
