"""A learner's record as the evaluator sees it: plain data, read from files by `records`."""

from __future__ import annotations

import datetime as dt

import attrs

from qualrules.interpreter.diagnostics import Location


@attrs.frozen
class Attempt:
    """One assessment result for one unit, as the provider recorded it."""

    unit: str
    result: str
    achieved_on: dt.date | None
    source: Location | None = attrs.field(default=None, eq=False)


@attrs.frozen
class Learner:
    id: str
    date_of_birth: dt.date | None
    registered_on: dt.date | None
    attempts: tuple[Attempt, ...]
    source: Location | None = attrs.field(default=None, eq=False)
