"""A learner's record as the evaluator sees it: plain data, read from files by `records`."""

from __future__ import annotations

import datetime as dt
from typing import Mapping

import attrs

from qualrules.interpreter.diagnostics import Location
from qualrules.interpreter.records.achievement import CriterionEvidence, SignOff


@attrs.frozen
class Attempt:
    """One assessment result for one unit, as the provider recorded it."""

    unit: str
    result: str
    achieved_on: dt.date | None
    source: Location | None = attrs.field(default=None, eq=False)
    # An exemption's approval, from the ruleset's approval column: None when the row gives none.
    approved: bool | None = None


@attrs.frozen
class UnreadUnit:
    """A unit cell naming a unit in no loaded catalogue, whose row was left out (`unknown_units = "warn"`):
    as written, where, and what it probably is."""

    text: str
    source: Location | None
    hint: str | None

    @property
    def where(self) -> str:
        """The row, as a person reads it: `line 5`, `row 5` of a sheet, `learners[0].units[2]`; or nothing."""
        source = self.source
        if source is None:
            return ""
        return source.element or (f"line {source.line}" if source.line else "")

    @property
    def why(self) -> str:
        """Why it is not counted, and what it probably is."""
        return "in no loaded catalogue, so not counted" + (f"; {self.hint}" if self.hint else "")

    def to_json(self) -> dict:
        source = self.source or Location("")
        return {"unit": self.text, "file": source.file or None, "line": source.line, "element": source.element,
                "hint": self.hint}


@attrs.frozen
class Learner:
    id: str
    # None when the record does not give it (a rule that needs it then cannot be told).
    date_of_birth: dt.date | None = None
    registered_on: dt.date | None = None
    # Unit results: those the record gives directly, and a unit achieved from its criteria once it counts
    # (signed off), as a pass on the date of its last criterion.
    attempts: tuple[Attempt, ...] = ()
    source: Location | None = attrs.field(default=None, eq=False)
    # The achievement log: criterion rows and unit sign-offs as recorded (records/achievement.py).
    evidence: tuple[CriterionEvidence, ...] = ()
    sign_offs: tuple[SignOff, ...] = ()
    # The values of the columns rulesets declare (learner attributes, external qualifications' grades), by
    # column key (attainment.column_key), as written.
    attributes: Mapping[str, str] = attrs.field(factory=dict)
    # The pathway (endorsed title) the learner is registered for, as the record's `pathway` column names it.
    pathway: str | None = None
    # Rows left out for naming a unit in no loaded catalogue: a verdict does not depend on them, but a tutor
    # told to add a unit the record holds mistyped needs to know.
    unread_units: tuple[UnreadUnit, ...] = attrs.field(default=(), eq=False)
