"""What a learner's achievement log says towards one qualification. Pure: no I/O, no clock.

For each pool unit the log names: how far it has come and, by learning outcome, the assessment criteria
still missing; the KSBs of apprenticeship standards that the learner's achieved units evidence and those that
remain; the criteria each pool unit still needs, as the cost `plan --minimise criteria` keeps smallest; and
whether the learner may be claimed for certification (docs/criteria.md).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

import attrs

from qualrules.interpreter import model as m
from qualrules.interpreter.criteria import unit_ksbs
from qualrules.interpreter.diagnostics import Diagnostic, Location, render_plain
from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.engine.evaluator import Status, Verdict, evaluate_many
from qualrules.interpreter.lazy import lazy_module
from qualrules.interpreter.records.achievement import (
    CriterionEvidence, LaterReferral, SignOff, Stage, UnitProgress, later_referral, learner_progress)
from qualrules.interpreter.records.learner import Attempt, Learner

if TYPE_CHECKING:
    import numpy as np

    from qualrules.interpreter.engine.journeys import Explanation
else:
    np = lazy_module("numpy")


def catalogue_units(ruleset: m.Ruleset) -> dict[str, m.Unit]:
    """The ruleset's units by unit reference."""
    return {unit.ref: unit for unit in ruleset.units}


def has_log(learner: Learner) -> bool:
    return bool(learner.evidence or learner.sign_offs)


# ---- criteria of each unit -------------------------------------------------------------------------------

@attrs.frozen
class OutcomeGap:
    """A learning outcome with the assessment criteria of it not yet met."""

    outcome: m.Outcome
    missing: tuple[m.Criterion, ...]


@attrs.frozen
class UnitCriteria:
    """One unit of a learner's log: the unit as the catalogue declares it and what the log makes of it."""

    unit: m.Unit
    progress: UnitProgress
    # A referral dated after the unit's sign-off, which keeps it from being claimed (`later_referral`).
    referral: LaterReferral | None = None

    @property
    def total(self) -> int:
        return len(self.unit.criteria)

    @property
    def gaps(self) -> tuple[OutcomeGap, ...]:
        """The missing criteria by outcome, in catalogue order; outcomes fully met are left out."""
        missing = {c.number for c in self.progress.missing}
        gaps = (OutcomeGap(o, tuple(c for c in o.criteria if c.number in missing)) for o in self.unit.outcomes)
        return tuple(gap for gap in gaps if gap.missing)

    @property
    def standing(self) -> str:
        """What the unit still needs, in words: criteria, the declarations, or the IQA's verification."""
        progress = self.progress
        if progress.stage is Stage.IN_PROGRESS:
            return f"in progress: {len(progress.met)} of {self.total} criteria met"
        if progress.stage is Stage.CRITERIA_MET:
            return "every criterion met, " + _unsigned(progress.sign_off) + ", so it does not count yet"
        waiting = _unclaimable(progress.sign_off, self.referral)
        if waiting is not None:
            return f"signed off; {waiting}, so it cannot be claimed for certification yet"
        return "signed off and verified by the IQA"

    def to_json(self) -> dict:
        progress = self.progress
        return {
            "unit": self.unit.ref,
            "stage": progress.stage.value,
            "met": len(progress.met),
            "total": self.total,
            "achieved_on": progress.achieved_on.isoformat() if progress.achieved_on else None,
            "standing": self.standing,
            "missing": [{"outcome": gap.outcome.number, "text": gap.outcome.text,
                         "criteria": [{"criterion": c.number, "text": c.text,
                                       "referred": c.number in progress.referred} for c in gap.missing]}
                        for gap in self.gaps],
        }


def _unsigned(sign_off: SignOff | None) -> str:
    if sign_off is None or (sign_off.signed_off_on is None and sign_off.learner_signed_on is None):
        return "not yet signed off by the assessor and the learner"
    if sign_off.signed_off_on is None:
        return "not yet signed off by the assessor"
    return "not yet signed off by the learner"


def unit_criteria(q: CompiledQualification, units: Mapping[str, m.Unit], learner: Learner) -> tuple[UnitCriteria, ...]:
    """The pool units with declared criteria that the learner's log names (by unit or Ofqual reference, in
    any case), in catalogue order: not a unit whose result is given directly and that has no criterion rows."""
    evidence = [attrs.evolve(row, unit=ref) for row in learner.evidence if (ref := _ref(q, row.unit)) in q.index]
    sign_offs = [attrs.evolve(row, unit=ref) for row in learner.sign_offs if (ref := _ref(q, row.unit)) in q.index]
    given = {_ref(q, attempt.unit) for attempt in learner.attempts}
    progress = learner_progress(evidence, sign_offs, units, given)
    referrals = _later_referrals(q, learner)
    return tuple(UnitCriteria(units[pool.ref], progress[pool.ref], referrals.get(pool.ref))
                 for pool in q.catalogue_units if pool.ref in progress)


def _later_referrals(q: CompiledQualification, learner: Learner) -> dict[str, LaterReferral]:
    """Each unit of the learner's log referred after its sign-off (`later_referral`), by reference: its
    criterion rows and unit results are told apart from other units' by unit or Ofqual reference, in any case."""
    if not learner.sign_offs:
        return {}
    rows: dict[str | None, list[CriterionEvidence]] = {}
    for row in learner.evidence:
        rows.setdefault(_ref(q, row.unit), []).append(row)
    results: dict[str | None, list[Attempt]] = {}
    for attempt in learner.attempts:
        results.setdefault(_ref(q, attempt.unit), []).append(attempt)
    found = {}
    for sign_off in learner.sign_offs:
        ref = _ref(q, sign_off.unit)
        referral = later_referral(sign_off, rows.get(ref, ()), results.get(ref, ())) if ref is not None else None
        if referral is not None:
            found[ref] = referral
    return found


def criteria_to_go(q: CompiledQualification, units: Mapping[str, m.Unit],
                   learners: Sequence[Learner]) -> "np.ndarray":
    """Learners x pool units: how many assessment criteria of each unit the learner's log does not show met
    (every one for a unit the log does not name); -1 for a unit that declares no criteria."""
    declared = [len(units[pool.ref].criteria) if pool.ref in units else 0 for pool in q.units]
    to_go = np.array([[count if count else -1 for count in declared]] * len(learners), dtype=np.int64)
    to_go = to_go.reshape(len(learners), len(q.units))
    for row, learner in enumerate(learners):
        if has_log(learner):
            for found in unit_criteria(q, units, learner):
                to_go[row, q.index[found.unit.ref]] = len(found.progress.missing)
    return to_go


# ---- KSB coverage --------------------------------------------------------------------------------------

@attrs.frozen
class KsbEvidence:
    """One KSB of a standard, with the units that evidence it: the learner's achieved units for a KSB
    evidenced, or the qualification's units that map to it for one that remains (none: no unit does)."""

    ksb: m.Ksb
    units: tuple[str, ...]


@attrs.frozen
class KsbCoverage:
    standard: m.Standard
    evidenced: tuple[KsbEvidence, ...]
    remaining: tuple[KsbEvidence, ...]

    def to_json(self) -> dict:
        return {
            "standard": self.standard.title,
            "evidenced": [{"ksb": e.ksb.code, "text": e.ksb.text, "units": list(e.units)} for e in self.evidenced],
            "remaining": [{"ksb": e.ksb.code, "text": e.ksb.text, "units": list(e.units)} for e in self.remaining],
        }


def ksb_coverage(q: CompiledQualification, ruleset: m.Ruleset, learner: Learner,
                 counts: Callable[[str], bool]) -> tuple[KsbCoverage, ...]:
    """For each standard some unit of the qualification maps to: which of its KSBs the learner's achieved
    units evidence (a unit counts once achieved: a result that counts, or signed off from its log), and which
    remain, with the qualification's units that would evidence them."""
    units = catalogue_units(ruleset)
    achieved = [ref for ref in dict.fromkeys(q.catalogue_refs.get(a.unit.casefold()) for a in learner.attempts
                                             if counts(a.result)) if ref in units]
    pool = [units[u.ref] for u in q.units]
    linked = {link.standard for unit in pool for link in unit.ksb_links}
    maps = {ref: unit_ksbs(units[ref], ruleset) for ref in dict.fromkeys([*(u.ref for u in pool), *achieved])}
    coverage = []
    for standard in ruleset.standards:
        if standard.title not in linked:
            continue
        evidenced, remaining = [], []
        for ksb in standard.ksbs:
            by = tuple(ref for ref in achieved if (standard, ksb) in maps[ref])
            if by:
                evidenced.append(KsbEvidence(ksb, by))
            else:
                remaining.append(KsbEvidence(ksb, tuple(u.ref for u in pool if (standard, ksb) in maps[u.ref])))
        coverage.append(KsbCoverage(standard, tuple(evidenced), tuple(remaining)))
    return tuple(coverage)


@attrs.frozen
class CriteriaDetail:
    """What `explain` adds for a learner with an achievement log."""

    units: tuple[UnitCriteria, ...]
    ksbs: tuple[KsbCoverage, ...]

    def to_json(self) -> dict:
        return {"units": [u.to_json() for u in self.units], "ksbs": [k.to_json() for k in self.ksbs]}


def criteria_detail(q: CompiledQualification, ruleset: m.Ruleset, learner: Learner,
                    counts: Callable[[str], bool]) -> CriteriaDetail | None:
    """The criterion detail and KSB coverage of a learner whose record has an achievement log; None for a
    learner without one, whose explanation stays as it was."""
    if not has_log(learner):
        return None
    return CriteriaDetail(unit_criteria(q, catalogue_units(ruleset), learner),
                          ksb_coverage(q, ruleset, learner, counts))


def with_criteria(explanation: "Explanation", ruleset: m.Ruleset, learner: Learner,
                  counts: Callable[[str], bool]) -> "Explanation":
    """`journeys.explain`'s explanation with the learner's criteria detail added (`criteria_detail`)."""
    return attrs.evolve(explanation, criteria=criteria_detail(explanation.qualification, ruleset, learner, counts))


# ---- the certification claim ---------------------------------------------------------------------------

@attrs.frozen
class ClaimedUnit:
    """A unit on the certification claim: its result as recorded, and who signed it off and verified it."""

    unit: m.Unit
    result: str
    achieved_on: dt.date | None
    sign_off: SignOff


@attrs.frozen
class Readiness:
    """Whether a learner may be claimed for certification of one qualification: `claim` when they may,
    otherwise `reasons` why not."""

    learner: Learner
    verdict: Verdict
    claim: tuple[ClaimedUnit, ...]
    reasons: tuple[str, ...]

    @property
    def ready(self) -> bool:
        return not self.reasons


def readiness(q: CompiledQualification, ruleset: m.Ruleset, learner: Learner,
              counts: Callable[[str], bool]) -> Readiness:
    """One learner's `readiness_many`."""
    return readiness_many(q, ruleset, [learner], counts)[0]


def readiness_many(q: CompiledQualification, ruleset: m.Ruleset, learners: Sequence[Learner],
                   counts: Callable[[str], bool]) -> list[Readiness]:
    """A learner is ready when a claim achieving the qualification can be made from units that are each
    signed off by the assessor and the learner and verified by the IQA (and, for a unit whose criteria the
    log records, whose every criterion is met). Otherwise the reasons: the qualification is not achieved, or
    the units of the claim that are not yet verified, and why. The learners' verdicts are decided together
    (`evaluate_many`: those holding the same units share the work)."""
    units = catalogue_units(ruleset)
    progress = [unit_criteria(q, units, learner) for learner in learners]
    referrals = [_later_referrals(q, learner) for learner in learners]
    verified = [_verified(q, learner, found, referred)
                for learner, found, referred in zip(learners, progress, referrals)]
    verifiable = [attrs.evolve(learner, attempts=tuple(a for a in learner.attempts if _ref(q, a.unit) in sure))
                  for learner, sure in zip(learners, verified)]
    verdicts = evaluate_many(q, verifiable, counts)
    short = [k for k, verdict in enumerate(verdicts) if not verdict.achieved]
    overall = dict(zip(short, evaluate_many(q, [learners[k] for k in short], counts)))
    return [_readiness(q, units, learner, found, referred, sure, verdict, overall.get(k), counts)
            for k, (learner, found, referred, sure, verdict)
            in enumerate(zip(learners, progress, referrals, verified, verdicts))]


def _readiness(q: CompiledQualification, units: Mapping[str, m.Unit], learner: Learner,
               progress: Sequence[UnitCriteria], referrals: Mapping[str, LaterReferral],
               verified: Mapping[str, SignOff], verdict: Verdict, overall: Verdict | None,
               counts: Callable[[str], bool]) -> Readiness:
    """A learner's readiness from the verdict of their verified units and, when that is not achieved, of
    all their units (`overall`)."""
    if verdict.achieved:
        first = _first_counting(q, learner, counts)
        claim = tuple(ClaimedUnit(units[ref], first[ref].result, first[ref].achieved_on, verified[ref])
                      for ref in verdict.claim)
        return Readiness(learner, verdict, claim, ())
    stages = {found.unit.ref: found for found in progress}
    signed = {ref: s for s in learner.sign_offs if (ref := _ref(q, s.unit)) is not None}
    # Each unit counted but not yet claimable stands in the way too, achieved or not, so that finishing the
    # rest does not reveal it only then.
    unverified = tuple(f"{ref}: {_why_unverified(stages.get(ref), signed.get(ref), referrals.get(ref))}"
                       for ref in overall.claim if ref not in verified)
    if not overall.achieved:
        return Readiness(learner, overall, (), _why_not_achieved(q, overall, progress) + unverified)
    return Readiness(learner, overall, (), unverified)


def _why_not_achieved(q: CompiledQualification, verdict: Verdict,
                      progress: Sequence[UnitCriteria]) -> tuple[str, ...]:
    """What stands between a learner and the qualification: its rules not met (or the data the record lacks
    to tell), then each unit the log shows on the way but not counting yet, and what it still needs."""
    if verdict.status is Status.UNDETERMINED:
        first = f"may have achieved {q.qan}, but the record lacks the {'; '.join(verdict.missing)}"
    else:
        first = f"has not achieved {q.qan}: {'; '.join(verdict.unmet)}"
    on_the_way = (f"{unit.unit.ref}: {unit.standing}" for unit in progress
                  if unit.progress.stage in (Stage.IN_PROGRESS, Stage.CRITERIA_MET))
    return (first, *on_the_way)


def _ref(q: CompiledQualification, written: str) -> str | None:
    return q.catalogue_refs.get(written.casefold())


def _verified(q: CompiledQualification, learner: Learner, progress: Sequence[UnitCriteria],
              referrals: Mapping[str, LaterReferral]) -> dict[str, SignOff]:
    """The units the learner's log shows signed off and IQA-verified, and referred no later (`referrals`),
    with their sign-offs; `progress` is the learner's `unit_criteria`."""
    stages = {found.unit.ref: found.progress for found in progress}
    found = {}
    for sign_off in learner.sign_offs:
        ref = _ref(q, sign_off.unit)
        if ref is None or not sign_off.signed or _unclaimable(sign_off, referrals.get(ref)) is not None:
            continue
        if ref in stages and not stages[ref].claimable:
            continue  # a unit with criteria is verified only once every criterion is met
        found[ref] = sign_off
    return found


def _first_counting(q: CompiledQualification, learner: Learner, counts: Callable[[str], bool]) -> dict[str, Attempt]:
    """Each unit's earliest result that counts as achieved (undated results after dated ones)."""
    found: dict[str, Attempt] = {}
    for attempt in learner.attempts:
        ref = _ref(q, attempt.unit)
        if ref is None or not counts(attempt.result):
            continue
        known = found.get(ref)
        if known is None or (attempt.achieved_on is not None
                             and (known.achieved_on is None or attempt.achieved_on < known.achieved_on)):
            found[ref] = attempt
    return found


def _why_unverified(unit: UnitCriteria | None, sign_off: SignOff | None, referral: LaterReferral | None) -> str:
    if unit is not None and unit.progress.stage is Stage.IN_PROGRESS:
        return unit.standing
    if sign_off is None:
        return "no sign-off recorded"
    if not sign_off.signed:
        return _unsigned(sign_off)
    return _unclaimable(sign_off, referral) or "not yet verified by the IQA"


def _unclaimable(sign_off: SignOff, referral: LaterReferral | None) -> str | None:
    """Why a unit signed off by the assessor and the learner cannot be claimed yet: a referral after the
    sign-off, a declaration that names no one answerable for it (the assessor's, the IQA's), or no
    verification; None when it can."""
    if referral is not None:
        what = f"criterion {referral.criterion} referred" if referral.criterion else "referred"
        verified = sign_off.iqa_verified_on
        when = f"the IQA verified it on {verified.isoformat()}" if verified and referral.on > verified else \
            f"the assessor signed it off on {sign_off.signed_off_on.isoformat()}"
        return f"{what} on {referral.on.isoformat()}{_at(referral.source)}, after {when}"
    if not (sign_off.assessor or "").strip():
        return f"the sign-off of {sign_off.signed_off_on.isoformat()} names no assessor"
    if sign_off.iqa_verified_on is not None and not sign_off.verified:
        return f"the verification of {sign_off.iqa_verified_on.isoformat()} names no IQA verifier"
    if not sign_off.verified:
        return "not yet verified by the IQA"
    return None


def _at(location: Location | None) -> str:
    """Where a row is, for a reason read away from the records: ` (log.csv:12)`."""
    if location is None:
        return ""
    if location.line is not None:
        return f" ({location.file}:{location.line})"
    return f" ({location.file}, {location.element})"


def cohort_readiness(q: CompiledQualification, ruleset: m.Ruleset, learners: Sequence[Learner],
                     order: Sequence[str], unreadable: Mapping[str, Sequence[Diagnostic]],
                     counts: Callable[[str], bool]) -> tuple[list[Readiness], list[tuple[str, tuple[str, ...]]]]:
    """The learners ready to be claimed, and each other learner (`order`: every id, readable or not) with the
    reasons they are not, in input order; a learner whose record has errors is never ready, and each error,
    where it is and what to fix, is a reason."""
    decided = {found.learner.id: found for found in readiness_many(q, ruleset, learners, counts)}
    ready, not_ready = [], []
    for learner_id in order:
        if learner_id in unreadable:
            not_ready.append((learner_id, tuple(f"the record has an error: {render_plain(error)}"
                                                for error in unreadable[learner_id])))
        elif decided[learner_id].ready:
            ready.append(decided[learner_id])
        else:
            not_ready.append((learner_id, decided[learner_id].reasons))
    return ready, not_ready
