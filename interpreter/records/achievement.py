"""An achievement log as records: the evidence for each assessment criterion and each unit's sign-off, and
what they make of a unit.

A unit is achieved from its criteria when every criterion of every outcome is met, on the date of the last
of them; it counts towards a qualification once both the assessor and the learner have signed it off; and it
may be claimed for certification once the IQA has verified it (docs/criteria.md).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Collection, Iterable, Mapping

import attrs

from qualrules.interpreter.diagnostics import Location
from qualrules.interpreter.model import Criterion, Unit

if TYPE_CHECKING:
    from qualrules.interpreter.records.learner import Attempt

# The unit result word that sends a unit back to the learner, as a criterion's `referred` does.
REFERRED = "referred"


class CriterionResult(enum.Enum):
    MET = "met"
    REFERRED = "referred"
    NOT_YET = "not yet"


@attrs.frozen
class CriterionEvidence:
    """One row of an achievement log: the assessor's record for one assessment criterion of one unit."""

    unit: str
    criterion: str  # numbered as the specification prints it: "2.3"
    result: CriterionResult
    achieved_on: dt.date | None
    evidence: str | None  # where the evidence is (a portfolio page, a file)
    method: str | None  # how it was assessed: "observation", "assignment", ...
    assessor: str | None
    simulated: bool = False  # the evidence comes from simulation in a realistic working environment
    source: Location | None = attrs.field(default=None, eq=False)


@attrs.frozen
class SignOff:
    """The declarations at the end of a unit's achievement log; each is empty until it happens."""

    unit: str
    signed_off_on: dt.date | None  # the assessor's declaration
    assessor: str | None
    learner_signed_on: dt.date | None  # the learner's declaration
    iqa_verified_on: dt.date | None
    iqa_verifier: str | None
    source: Location | None = attrs.field(default=None, eq=False)

    @property
    def signed(self) -> bool:
        """Signed off by both the assessor and the learner."""
        return self.signed_off_on is not None and self.learner_signed_on is not None

    @property
    def verified(self) -> bool:
        """Verified by a named IQA: a date alone says no one is answerable for the verification."""
        return self.iqa_verified_on is not None and bool((self.iqa_verifier or "").strip())


@attrs.frozen
class LaterReferral:
    """A referral of a unit dated after the assessor signed it off (an IQA sending the unit back, say): a
    criterion row `referred`, or a unit row whose result is. A later row cannot undo an assessment already
    made, so the unit still counts; but whether its sign-off stands the log does not say, so it is not
    claimed for certification."""

    unit: str
    criterion: str | None  # None: a unit row
    on: dt.date
    source: Location | None = attrs.field(default=None, eq=False)


def later_referral(sign_off: SignOff, evidence: Iterable[CriterionEvidence],
                   attempts: Iterable["Attempt"]) -> LaterReferral | None:
    """The earliest referral dated after the assessor's sign-off among the criterion rows and unit results
    given (the caller gives those of `sign_off`'s unit); None when there is none, or no assessor's sign-off.
    A referral without a date cannot be told to be later."""
    signed = sign_off.signed_off_on
    if signed is None:
        return None
    found = [LaterReferral(sign_off.unit, row.criterion, row.achieved_on, row.source) for row in evidence
             if row.result is CriterionResult.REFERRED and row.achieved_on is not None and row.achieved_on > signed]
    found += [LaterReferral(sign_off.unit, None, attempt.achieved_on, attempt.source) for attempt in attempts
              if attempt.result == REFERRED and attempt.achieved_on is not None and attempt.achieved_on > signed]
    return min(found, key=lambda referral: referral.on, default=None)


class Stage(enum.Enum):
    """How far a unit with declared criteria has come, in the order it gets there."""

    IN_PROGRESS = "in progress"  # some criterion is not met yet
    CRITERIA_MET = "criteria met"  # every criterion met; not yet signed off by the assessor and the learner
    SIGNED_OFF = "signed off"  # counts towards a qualification
    VERIFIED = "verified"  # verified by the IQA as well: may be claimed for certification


@attrs.frozen
class UnitProgress:
    unit: str
    met: tuple[str, ...]  # the criterion numbers met, in catalogue order
    missing: tuple[Criterion, ...]  # the criteria not met, in catalogue order
    referred: tuple[str, ...]  # of the missing criteria, those whose last row in the log is a referral
    achieved_on: dt.date | None  # when every criterion is met: the date of the last of them
    sign_off: SignOff | None
    stage: Stage

    @property
    def counts(self) -> bool:
        return self.stage in (Stage.SIGNED_OFF, Stage.VERIFIED)

    @property
    def claimable(self) -> bool:
        return self.stage is Stage.VERIFIED


def unit_progress(unit: Unit, evidence: Iterable[CriterionEvidence], sign_off: SignOff | None) -> UnitProgress:
    """What a learner's achievement-log rows for one unit with declared criteria make of it.

    A criterion is met when any of its rows says so, on the earliest such date (a later row cannot undo an
    assessment already made); rows for criteria the unit does not declare are the reader's to report and are
    ignored here. A unit with no met date on some criterion's row has no achievement date.
    """
    met_on: dict[str, dt.date | None] = {}
    latest_unmet: dict[str, CriterionResult] = {}
    for row in evidence:
        if row.result is CriterionResult.MET:
            earlier = met_on.get(row.criterion, row.achieved_on)
            met_on[row.criterion] = _earliest(earlier, row.achieved_on)
        else:
            latest_unmet[row.criterion] = row.result
    criteria = unit.criteria
    met = tuple(c.number for c in criteria if c.number in met_on)
    missing = tuple(c for c in criteria if c.number not in met_on)
    referred = tuple(c.number for c in missing if latest_unmet.get(c.number) is CriterionResult.REFERRED)
    complete = bool(criteria) and not missing
    dates = [met_on[number] for number in met]
    achieved_on = max(dates) if complete and None not in dates else None
    if not complete:
        stage = Stage.IN_PROGRESS
    elif sign_off is None or not sign_off.signed:
        stage = Stage.CRITERIA_MET
    elif not sign_off.verified:
        stage = Stage.SIGNED_OFF
    else:
        stage = Stage.VERIFIED
    return UnitProgress(unit.ref, met, missing, referred, achieved_on, sign_off, stage)


def _earliest(first: dt.date | None, second: dt.date | None) -> dt.date | None:
    if first is None or second is None:
        return first or second
    return min(first, second)


def learner_progress(evidence: Iterable[CriterionEvidence], sign_offs: Iterable[SignOff],
                     units: Mapping[str, Unit], given: Collection[str] = ()) -> dict[str, UnitProgress]:
    """The progress of every unit with declared criteria that a learner's log names, by reference, in the
    order the log first names them; `units` maps references to the catalogue's units. A unit whose result is
    given directly (`given`) and that has no criterion rows is not judged from criteria, even when signed
    off: its result stands as recorded."""
    rows: dict[str, list[CriterionEvidence]] = {}
    for row in evidence:
        rows.setdefault(row.unit, []).append(row)
    signed = {s.unit: s for s in sign_offs}
    named = [ref for ref in dict.fromkeys([*rows, *signed]) if ref in rows or ref not in given]
    return {ref: unit_progress(units[ref], rows.get(ref, ()), signed.get(ref))
            for ref in named if ref in units and units[ref].criteria}
