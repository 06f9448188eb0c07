"""What an achievement log in a records file must get right, beyond each value being readable: the evidence
checks (QR530-QR542, QR545) and the unit results a log makes (docs/criteria.md#records).

The readers turn rows into `CriterionEvidence` and `SignOff`; once a learner's rows are all read, `check_log`
judges them together, since a sign-off and the criteria it follows may stand anywhere in the file.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Mapping, Sequence

import attrs

from qualrules.interpreter.diagnostics import Diagnostic, Location, Severity, did_you_mean
from qualrules.interpreter.model import Criterion, OutcomeKind, Simulation, Unit
from qualrules.interpreter.records.achievement import (
    CriterionEvidence, CriterionResult, LaterReferral, SignOff, later_referral, learner_progress)
from qualrules.interpreter.records.learner import Attempt
from qualrules.interpreter.wording import word_list

# The result a unit achieved from its criteria is recorded with, as the specifications word it.
ACHIEVED_FROM_CRITERIA = "pass"
# Criterion result words, normalised (readers.normalised_result), and what each records.
CRITERION_RESULTS = {"met": CriterionResult.MET, "pass": CriterionResult.MET,
                     "referred": CriterionResult.REFERRED, "refer": CriterionResult.REFERRED,
                     "not yet": CriterionResult.NOT_YET}
# The words a profile's [results] may map a file's criterion word to, besides the unit result words.
CRITERION_RESULT_WORDS = tuple(result.value for result in CriterionResult)
# How a `simulated` cell says yes or no.
SIMULATED_WORDS = {"yes": True, "y": True, "true": True, "1": True,
                   "no": False, "n": False, "false": False, "0": False, "": False}


@attrs.frozen
class EvidencePolicy:
    """An awarding body's rules for the evidence of one catalogue's units."""

    # The evidence methods allowed for criteria of each outcome kind, normalised; a kind not listed takes any.
    methods: Mapping[OutcomeKind, frozenset[str]]
    # The unit result words that count as achieving a unit.
    counted_results: frozenset[str]
    # How an IQA verifier who also assessed the unit is reported.
    assessor_as_verifier: Severity = Severity.WARNING


@attrs.frozen
class LoggedUnit:
    """A unit that declares assessment criteria, with the policy its evidence is checked against."""

    unit: Unit
    policy: EvidencePolicy
    # Each criterion by number, with the kind of its outcome (looked up for every row of a log).
    criteria: Mapping[str, tuple[Criterion, OutcomeKind]] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        found = {c.number: (c, o.kind) for o in self.unit.outcomes for c in o.criteria}
        object.__setattr__(self, "criteria", found)


def normalised_method(text: str) -> str:
    return " ".join(text.split()).casefold()


def unknown_criterion(logged: LoggedUnit | None, unit: str, number: str, location: Location) -> Diagnostic:
    """QR530: a criterion row whose number the unit does not declare (or for a unit that declares none)."""
    if logged is None:
        return Diagnostic("QR530", Severity.ERROR, f"unit {unit} declares no assessment criteria, so its "
                          f"criterion {number} cannot be read", location,
                          "give the unit's result on a row with the criterion left empty")
    numbers = list(logged.criteria)
    return Diagnostic("QR530", Severity.ERROR, f"unit {unit} has no assessment criterion {number!r}", location,
                      did_you_mean(number, numbers) or f"its criteria are {', '.join(numbers)}")


def row_warnings(logged: LoggedUnit, criterion: Criterion, kind: OutcomeKind,
                 row: CriterionEvidence) -> list[Diagnostic]:
    """The checks one criterion row answers alone: its method (QR532) and its use of simulation (QR533, QR534)."""
    found = []
    allowed = logged.policy.methods.get(kind)
    if row.method and allowed is not None and normalised_method(row.method) not in allowed:
        found.append(Diagnostic("QR532", Severity.WARNING, f"{row.unit} {criterion.number} is assessed by "
                                f"{row.method!r}, which is not an evidence method for {kind.value} criteria",
                                row.source, "the methods allowed are " + ", ".join(sorted(allowed))))
    simulation = logged.unit.simulation
    if row.simulated and simulation is Simulation.NOT_PERMITTED:
        found.append(Diagnostic("QR533", Severity.ERROR, f"{row.unit} {criterion.number} is evidenced by "
                                f"simulation, which unit {row.unit} does not permit", row.source,
                                "evidence it in the workplace, or correct the `simulated` cell"))
    elif row.simulated and simulation is Simulation.NOT_STATED:
        found.append(Diagnostic("QR534", Severity.WARNING, f"{row.unit} {criterion.number} is evidenced by "
                                f"simulation, but unit {row.unit} does not say whether simulation is permitted",
                                row.source, "simulation may be used only where the unit's specification says so"))
    return found


@attrs.frozen
class LogJudgement:
    errors: tuple[Diagnostic, ...]
    warnings: tuple[Diagnostic, ...]
    # A pass for each unit achieved from its criteria that counts (signed off), on its achievement date.
    attempts: tuple[Attempt, ...]


def check_log(evidence: tuple[CriterionEvidence, ...], sign_offs: tuple[SignOff, ...],
              attempts: Sequence[Attempt], registered_on: dt.date | None,
              logged: Mapping[str, LoggedUnit]) -> LogJudgement:
    """One learner's achievement log judged as a whole. `logged` maps case-folded unit references to the
    units that declare criteria (`Vocabulary.logs`); the log's rows name units by their catalogue reference.
    A unit's criteria are judged from the log only when the log has criterion rows for it, so a unit result
    and sign-off given without them still stand; a referral after any unit's sign-off is warned about."""
    named = {row.unit for row in evidence} | {s.unit for s in sign_offs}
    units = {ref: logged[ref.casefold()].unit for ref in named if ref.casefold() in logged}
    progress = learner_progress(evidence, sign_offs, units)
    errors: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    logged_units = {row.unit for row in evidence}
    first_met = _first_met_rows(evidence)
    for row in evidence:
        if registered_on is not None and row.achieved_on is not None and row.achieved_on < registered_on:
            errors.append(Diagnostic("QR536", Severity.ERROR, f"{row.unit} {row.criterion} is dated "
                                     f"{row.achieved_on.isoformat()}, before the learner registered on "
                                     f"{registered_on.isoformat()}", row.source, "one of the two dates is mistyped"))
    # Each unit's criterion rows and unit results, by the reference its sign-off names it by.
    rows: dict[str, list[CriterionEvidence]] = {}
    for row in evidence:
        rows.setdefault(row.unit, []).append(row)
    results: dict[str, list[Attempt]] = {}
    for attempt in attempts:
        entry = logged.get(attempt.unit.casefold())
        results.setdefault(entry.unit.ref if entry else attempt.unit, []).append(attempt)
    for sign_off in sign_offs:
        unit = sign_off.unit
        referral = later_referral(sign_off, rows.get(unit, ()), results.get(unit, ()))
        if referral is not None:
            warnings.append(_referred_after_sign_off(sign_off, referral))
        declared = [(on, who) for on, who in ((sign_off.signed_off_on, "the assessor"),
                                              (sign_off.learner_signed_on, "the learner")) if on is not None]
        if sign_off.iqa_verified_on is not None and (
                sign_off.signed_off_on is None or sign_off.iqa_verified_on < sign_off.signed_off_on):
            before = "but the assessor has not signed it off" if sign_off.signed_off_on is None else \
                f"before the assessor signed it off on {sign_off.signed_off_on.isoformat()}"
            errors.append(Diagnostic("QR542", Severity.ERROR, f"{unit} is verified by the IQA on "
                                     f"{sign_off.iqa_verified_on.isoformat()}, {before}", sign_off.source,
                                     "the IQA verifies a unit once the assessor has signed it off"))
        _same_assessor_and_verifier(sign_off, evidence, logged, warnings, errors)
        if unit not in logged_units or not declared:
            continue
        on, who = min(declared)
        missing = progress[unit].missing
        if missing:
            errors.append(Diagnostic("QR538", Severity.ERROR, f"{unit} is signed off by {who} on {on.isoformat()}, "
                                     f"but {_criteria(missing)} not met",
                                     sign_off.source, "sign a unit off once the log shows every criterion met"))
        for row in first_met.get(unit, {}).values():
            if row.achieved_on is not None and row.achieved_on > on:
                errors.append(Diagnostic(
                    "QR537", Severity.ERROR, f"{unit} {row.criterion} is met on {row.achieved_on.isoformat()}, after "
                    f"{who} signed the unit off on {on.isoformat()}{_where(sign_off.source)}", row.source,
                    "one of the two dates is mistyped, or the unit is to be signed off again"))
    for attempt in attempts:
        entry = logged.get(attempt.unit.casefold())
        if entry is None or entry.unit.ref not in logged_units or attempt.result not in entry.policy.counted_results:
            continue
        missing = progress[entry.unit.ref].missing
        if missing:
            errors.append(Diagnostic(
                "QR541", Severity.ERROR, f"{attempt.unit} is recorded as {attempt.result!r}, but in its criterion rows "
                f"{_criteria(missing)} not met", attempt.source,
                "record the missing criteria, or correct the unit's result"))
    derived = tuple(Attempt(ref, ACHIEVED_FROM_CRITERIA, p.achieved_on, p.sign_off.source)
                    for ref, p in progress.items() if p.counts)
    return LogJudgement(tuple(errors), tuple(warnings), derived)


def _referred_after_sign_off(sign_off: SignOff, referral: LaterReferral) -> Diagnostic:
    """QR545: a referral after the unit's sign-off, at the referral's row."""
    what = f"{referral.unit} {referral.criterion}" if referral.criterion else referral.unit
    verified = sign_off.iqa_verified_on
    when = f"the IQA verified the unit on {verified.isoformat()}" if verified and referral.on > verified else \
        f"the assessor signed the unit off on {sign_off.signed_off_on.isoformat()}"
    return Diagnostic("QR545", Severity.WARNING, f"{what} is referred on {referral.on.isoformat()}, after {when}"
                      f"{_where(sign_off.source)}: the unit still counts, since a later row cannot undo an assessment "
                      "already made, but it is not claimed for certification", referral.source,
                      "if the IQA rejected the unit, withdraw its sign-off and verification in the system the log "
                      "comes from, and export it again; otherwise correct or delete this row")


def _first_met_rows(evidence: Iterable[CriterionEvidence]) -> dict[str, dict[str, CriterionEvidence]]:
    """By unit and criterion, the met row whose date counts (the earliest; achievement.unit_progress)."""
    found: dict[str, dict[str, CriterionEvidence]] = {}
    for row in evidence:
        if row.result is not CriterionResult.MET:
            continue
        seen = found.setdefault(row.unit, {}).get(row.criterion)
        if seen is None or (row.achieved_on is not None and (seen.achieved_on is None
                                                              or row.achieved_on < seen.achieved_on)):
            found[row.unit][row.criterion] = row
    return found


def _same_assessor_and_verifier(sign_off: SignOff, evidence: Iterable[CriterionEvidence],
                                logged: Mapping[str, LoggedUnit], warnings: list, errors: list) -> None:
    """QR540: the IQA verifier also assessed the unit (its sign-off or any of its criteria)."""
    verifier = _person(sign_off.iqa_verifier)
    if not verifier:
        return
    # Where they assessed it: the sign-off they signed, else the first criterion they assessed.
    if _person(sign_off.assessor) == verifier:
        what, where = "signed it off", sign_off.source
    else:
        row = next((row for row in evidence if row.unit == sign_off.unit and _person(row.assessor) == verifier), None)
        if row is None:
            return
        what, where = f"assessed its criterion {row.criterion}", row.source
    entry = logged.get(sign_off.unit.casefold())
    severity = entry.policy.assessor_as_verifier if entry else Severity.WARNING
    (errors if severity is Severity.ERROR else warnings).append(Diagnostic(
        "QR540", severity, f"{sign_off.unit} is verified by {sign_off.iqa_verifier}, who also {what}", where,
        "the IQA must be someone with no part in the unit's assessment"))


def _criteria(missing: tuple[Criterion, ...]) -> str:
    """`criterion 1.2 is` or `criteria 1.2 and 2.1 are`."""
    numbers = word_list([c.number for c in missing], "and")
    return f"criterion {numbers} is" if len(missing) == 1 else f"criteria {numbers} are"


def _person(name: str | None) -> str:
    return " ".join((name or "").split()).casefold()


def _where(location: Location | None) -> str:
    if location is None:
        return ""
    return f", at line {location.line}" if location.line and not location.element else \
        f", at {location.element}" if location.element else ""
