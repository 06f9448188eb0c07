"""Learner record + compiled qualification -> verdict. Pure: no I/O, no clock, no global state.

Semantics (docs/semantics.md): a claim is a subset of the learner's achieved pool units; the
qualification is achieved when some claim satisfies every requirement. Maxima limit what a claim may
hold and never fail a learner for holding more. The reported claim counts the most credits, ties going
to units earlier in the catalogue.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
import functools
import itertools
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

import attrs

from qualrules.interpreter import model as m
from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.engine.requirements import Alternatives, Barred, Linear, Requirement, holds, reported
from qualrules.interpreter.records.learner import Learner
from qualrules.interpreter.engine.claims import best_claims, closest_claims
from qualrules.interpreter.engine import grading
from qualrules.interpreter.equivalences import Equivalent
from qualrules.interpreter.engine.pathways import PathwayStanding, pathway_json, with_pathways
from qualrules.interpreter.grades import UnitGrade
from qualrules.interpreter.lazy import lazy_module
from qualrules.interpreter.prerequisites import standings as prerequisite_standings
from qualrules.interpreter.attainment import AttainmentOutcome, attainment_outcome
from qualrules.interpreter.wording import measure_word, plural, rule_text

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")


class Status(enum.Enum):
    ACHIEVED = "achieved"
    NOT_ACHIEVED = "not achieved"
    UNDETERMINED = "undetermined"


@attrs.frozen
class RuleOutcome:
    """One rule measured on the reported claim. `met` is None where the record lacks the data to tell.

    For rules that measure something (credits, units, GLH, TQT, units of an `all of`), `measure`,
    `measured` and the bounds give the figures behind `detail`; other rules leave them None.
    """

    rule: m.Rule | m.AttainmentRequirement | m.QualificationPrerequisite
    text: str
    met: bool | None
    detail: str
    counted: tuple[str, ...]
    measure: m.Measure | None = None
    measured: int | None = None
    minimum: int | None = None
    maximum: int | None = None


@attrs.frozen
class SetAside:
    """An achieved or attempted unit that the claim does not count, and why."""

    unit: str
    reason: str


@attrs.frozen
class Verdict:
    learner: str
    qan: str
    title: str
    status: Status
    claim: tuple[str, ...]
    credits: int | None  # None when a counted unit declares no credits (sized in GLH only)
    glh: int | None  # None when a counted unit declares no GLH
    outcomes: tuple[RuleOutcome, ...]
    set_aside: tuple[SetAside, ...]
    missing: tuple[str, ...]
    # Graded qualifications only: the grade (None when not achieved), the claim's points and each counted
    # unit's grade and points, and the smaller award's verdict when this one is not achieved.
    grade: str | None = None
    points: int | None = None
    unit_points: tuple[UnitGrade, ...] = ()
    fallback: "Verdict | None" = None
    graded: bool = False
    # The equivalents the claim counts (`unit A counts as B`: B counted by A), in claim order; None when the
    # qualification has no equivalences.
    equivalents: tuple[Equivalent, ...] | None = None
    # Qualifications with pathways only: the pathway awarded (None: the general title, or none), each pathway
    # on the learner's record, and how the title was decided.
    pathway: str | None = None
    pathways: tuple[PathwayStanding, ...] = ()
    pathway_decision: str | None = None
    # Whether the record names one of the qualification's pathways and the learner, achieving, is not awarded
    # it, so the title is the general one.
    recorded_pathway_unmet: bool = False
    # The pathway whose rules chose the reported claim (the one awarded, or the closest); None: the qualification's.
    within: str | None = None

    @property
    def achieved(self) -> bool:
        return self.status is Status.ACHIEVED

    @property
    def awarded_title(self) -> str | None:
        """The title awarded: the qualification's, with the pathway's name in brackets; None when not achieved."""
        if not self.achieved:
            return None
        return f"{self.title} ({self.pathway})" if self.pathway is not None else self.title

    @property
    def award_instead(self) -> "Verdict | None":
        """The verdict of the award given instead (`otherwise award`), down the chain of them: the first the
        learner achieves, or may (undetermined); else the first, not achieved. None when there is none."""
        award = self.fallback
        while award is not None and award.status is Status.NOT_ACHIEVED and award.fallback is not None:
            award = award.fallback
        return award if award is not None and award.status is not Status.NOT_ACHIEVED else self.fallback

    @property
    def unmet(self) -> tuple[str, ...]:
        return tuple(o.detail for o in self.outcomes if o.met is not True)

    def grade_json(self) -> dict:
        """A graded verdict's keys (grade, points, unit points, award given instead), or a pass-only one's award
        given instead, as `check` and `explain` write them."""
        if self.graded:
            return grading.verdict_json(self)
        return {"fallback": self.fallback.to_json()} if self.fallback is not None else {}

    def to_json(self) -> dict:
        return {
            "learner": self.learner,
            "qualification": self.qan,
            "title": self.title,
            "achieved": self.achieved,
            "status": self.status.value,
            "credits": self.credits,
            "glh": self.glh,
            "units": list(self.claim),
            "unmet": list(self.unmet),
            "missing": list(self.missing),
            "set_aside": [{"unit": s.unit, "reason": s.reason} for s in self.set_aside],
            **self.grade_json(),
            **({} if self.equivalents is None else {"equivalents": [e.to_json() for e in self.equivalents]}),
            **(pathway_json(self) if self.pathways else {}),
        }


def add_period(start: dt.date, amount: int, unit: m.TimeUnit) -> dt.date:
    """Calendar arithmetic: 29 February plus a year is 28 February; 31 January plus a month is 28/29 February.
    A deadline beyond the calendar (a placeholder registration date such as 31/12/9999) is the last day."""
    months = amount * 12 if unit is m.TimeUnit.YEARS else amount
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    if year > dt.MAXYEAR:
        return dt.date.max
    day = min(start.day, calendar.monthrange(year, month + 1)[1])
    return dt.date(year, month + 1, day)


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@attrs.frozen
class Holdings:
    """What the record gives towards one qualification, before any claim is chosen."""

    certain: frozenset[int]
    uncertain: frozenset[int]
    set_aside: tuple[SetAside, ...]
    missing: tuple[str, ...]
    age_ok: bool | None
    age_detail: str | None
    window_detail: str | None
    # The equivalents in doubt because the record does not say whether their exemption was approved.
    unapproved: frozenset[int] = frozenset()
    # Units in doubt for want of a date a prerequisite needs: pool index, and why (the window's are implied).
    doubts: tuple[tuple[int, str], ...] = ()
    # The outcome of each of the qualification's requirements of the learner besides units: its `requires
    # LEVEL in ...` lines (English, maths), then its `requires QAN achieved` lines.
    attainment: tuple[AttainmentOutcome, ...] = ()
    # Where units have prerequisites: the catalogue units achieved that count, or may, as a prerequisite.
    prerequisites_held: frozenset[str] = frozenset()
    # Each unit with prerequisites that counts: the day it counts from (its results before give no grade).
    counts_from: tuple[tuple[str, dt.date], ...] = ()
    # The units set aside as achieved after the completion deadline.
    late: tuple[str, ...] = ()

    @property
    def learner_ok(self) -> bool | None:
        """Whether every requirement on the learner rather than the claim holds (None: cannot tell)."""
        said = [self.age_ok, *(o.met for o in self.attainment)]
        return False if False in said else None if None in said else True


def evaluate(qualification: CompiledQualification, learner: Learner, counts: Callable[[str], bool]) -> Verdict:
    """The verdict for one learner; `counts(result)` is the awarding body's policy for result words."""
    return evaluate_many(qualification, (learner,), counts)[0]


def evaluate_many(qualification: CompiledQualification, learners: Sequence[Learner],
                  counts: Callable[[str], bool], explanations: Explanations | None = None) -> list[Verdict]:
    """The verdict for each learner, as `evaluate` gives it: the claims of all of them are chosen together,
    and learners with the same holdings share the work of explaining them.

    A learner achieves when a claim from their certain units meets every rule and every requirement of the
    learner holds (age, attainment, qualifications required); when a claim exists only with the units in
    doubt too (or such a requirement cannot be told), the verdict is undetermined;
    otherwise not achieved, with the closest claim."""
    graded = qualification.grading is not None
    held = [holdings_of(qualification, learner, grading.counting(qualification, counts) if graded else counts,
                        counts) for learner in learners]
    verdicts = decide(qualification, learners, held, explanations)
    if qualification.pathways:
        verdicts = with_pathways(qualification, learners, verdicts, counts, evaluate_many)
    if qualification.fallback is not None:
        verdicts = grading.with_fallbacks(qualification, learners, verdicts, counts, evaluate_many)
    return verdicts


def decide(q: CompiledQualification, learners: Sequence[Learner], holdings: Sequence[Holdings],
           explanations: Explanations | None = None) -> list[Verdict]:
    """The verdicts of learners whose holdings towards `q` are known (`holdings_of`, `plain_holdings`).
    `explanations` (for `q`) carries what earlier calls worked out; without it, this call starts afresh."""
    if explanations is None:
        explanations = Explanations(q)
    assert explanations.qualification is q, "explanations belong to one qualification"
    certain = unit_masks(len(q.units), (h.certain for h in holdings))
    everything = certain | unit_masks(len(q.units), (h.uncertain for h in holdings))
    grades = possible = None
    in_doubt = (everything != certain).any(axis=1)
    if q.grading is not None:
        # The grades of results sure to count, and of those that may (undated where dates bound them).
        deadlines = [completion_deadline(q, learner) for learner in learners]
        starts = [dict(h.counts_from) for h in holdings]
        grades = grading.grade_matrix(q, learners, deadlines, starts, sure=True)
        possible = grading.grade_matrix(q, learners, deadlines, starts)
        graded_doubt = (possible != grades).any(axis=1)
        in_doubt |= graded_doubt
    found, claims = _best(q, certain, grades)
    retry = ~found & in_doubt
    if retry.any():
        found_with_doubt, claims_with_doubt = _best(q, everything[retry], None if grades is None else possible[retry])
        found[retry], claims[retry] = found_with_doubt, claims_with_doubt
    if grades is not None:
        # Achieved, but a result that may count would give a better grade: which grade cannot be told yet.
        rows = np.flatnonzero(found & ~retry & graded_doubt)
        if len(rows):
            may_found, may_claims = _best(q, everything[rows], possible[rows])
            higher = np.array([may > sure for may, sure in zip(
                grading.grade_ranks(q, may_found, may_claims, possible[rows]),
                grading.grade_ranks(q, found[rows], claims[rows], grades[rows]))], dtype=bool)
            retry[rows[higher]] = True
            claims[rows[higher]] = may_claims[higher]
    learner_ok = np.array([h.learner_ok is True for h in holdings], dtype=bool)
    learner_failed = np.array([h.learner_ok is False for h in holdings], dtype=bool)
    achieved = found & learner_ok & ~retry
    undetermined = ~achieved & found & ~learner_failed
    # Not achieved: the claim found (a requirement of the learner failed), else the closest; an empty claim
    # counts as none.
    closest = ~achieved & ~undetermined & ~claims.any(axis=1)
    if closest.any():
        held = everything[closest] if grades is None else grading.passing(everything[closest], possible[closest])
        claims[closest] = closest_claims(q, held)
    statuses = np.where(achieved, 0, np.where(undetermined, 1, 2))
    shared: dict[tuple, _ClaimFacts] = {}
    verdicts = []
    for learner, held, status_code, chosen, figures, available in zip(
            learners, holdings, statuses.tolist(), unit_indices(claims), explanations.measured(claims),
            _row_bits(everything)):
        status = _STATUSES[status_code]
        key = (status, chosen, held.certain, held.uncertain, held.doubts)
        facts = shared.get(key)
        if facts is None:
            facts = shared[key] = _claim_facts(explanations, held, status, chosen, figures, available)
        verdicts.append(_verdict(explanations, learner, held, status, facts))
    if grades is not None:
        # An undetermined verdict is told with the grades that may count, and what the record lacks for them.
        shown = np.where(undetermined[:, None], possible, grades)
        verdicts = [attrs.evolve(v, missing=v.missing + tuple(
                        n for n in grading.doubtful_results(q, grades[k], possible[k]) if n not in v.missing))
                    if undetermined[k] and graded_doubt[k] else v for k, v in enumerate(verdicts)]
        verdicts = grading.graded_verdicts(q, verdicts, shown, everything)
    return verdicts


def _best(q: CompiledQualification, available: "np.ndarray", grades: "np.ndarray | None"):
    """Whether each learner achieves, and the reported claim (kept when a graded claim falls short of a grade)."""
    if grades is None:
        return best_claims(q, available)
    return grading.best_graded(q, available, grades)


def completion_deadline(q: CompiledQualification, learner: Learner) -> dt.date | None:
    """The last day units count under the completion window; None without a window or registration date."""
    if q.window is None or learner.registered_on is None:
        return None
    return add_period(learner.registered_on, q.window.amount, q.window.unit)


_STATUSES = (Status.ACHIEVED, Status.UNDETERMINED, Status.NOT_ACHIEVED)


def unit_masks(width: int, rows: Iterable[frozenset[int]]) -> "np.ndarray":
    """Sets of pool indices as the rows of a boolean matrix `width` units wide."""
    rows = list(rows)
    sizes = [len(row) for row in rows]
    masks = np.zeros((len(rows), width), dtype=bool)
    columns = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.intp, count=sum(sizes))
    masks[np.repeat(np.arange(len(rows)), sizes), columns] = True
    return masks


def _row_bits(masks: "np.ndarray") -> list[int]:
    """Each row of a boolean matrix as an integer, bit i for column i."""
    packed = np.packbits(masks, axis=1, bitorder="little")
    width, data = packed.shape[1], packed.tobytes()
    return [int.from_bytes(data[k * width:(k + 1) * width], "little") for k in range(len(masks))]


def unit_indices(masks: "np.ndarray") -> list[tuple[int, ...]]:
    """The indices of the True cells of each row of a boolean matrix, in order."""
    rows, columns = np.nonzero(masks)
    ends = np.cumsum(np.bincount(rows, minlength=len(masks))).tolist()
    columns = columns.tolist()
    return [tuple(columns[start:end]) for start, end in zip([0] + ends[:-1], ends)]


def holdings_of(q: CompiledQualification, learner: Learner, counts: Callable[[str], bool],
                policy: Callable[[str], bool] | None = None) -> Holdings:
    """What the record gives towards `q`; `counts` says which results count towards it, `policy` (where it
    differs: a graded qualification's unclassified units) the awarding body's own policy, by which the
    qualifications it requires are decided."""
    dates: dict[str, list[dt.date | None]] = {}
    attempted: dict[str, list[str]] = {}
    # What each counting row of a unit records of an exemption's approval (None: nothing).
    approvals: dict[str, list[bool | None]] = {}
    outside = q.equivalents.outside if q.equivalents is not None else {}
    # The originals outside the catalogue whose equivalents a prerequisite can be met by are read too.
    read = {**{o.casefold(): o for ways in q.stand_ins.values() for way in ways for o in way.originals}, **outside} \
        if q.stand_ins else outside
    # Only equivalents read approvals (as pool units, or as what a prerequisite is met by).
    approving = q.equivalents is not None or bool(q.stand_ins)
    for attempt in learner.attempts:
        ref = q.catalogue_refs.get(attempt.unit.casefold()) or read.get(attempt.unit.casefold())
        if ref is None:
            continue  # a unit of another awarding body's catalogue
        if counts(attempt.result):
            dates.setdefault(ref, []).append(attempt.achieved_on)
            if approving:
                approvals.setdefault(ref, []).append(attempt.approved)
        else:
            attempted.setdefault(ref, []).append(attempt.result)
    achieved = {ref: min((d for d in on if d is not None), default=None) for ref, on in dates.items()}
    # Approved when a counting row says so; refused only when every one says not.
    approved = {ref: True if True in rows else None if None in rows else False for ref, rows in approvals.items()}
    standings, as_required = prerequisite_standings(dates, q.prerequisites, q.stand_ins, approved) \
        if q.prerequisites else ({}, {})

    set_aside: list[SetAside] = []
    missing: list[str] = []
    unapproved: set[int] = set()
    doubts: dict[int, str] = {}
    certain: set[int] = set()
    uncertain: set[int] = set()
    deadline, window_detail = _window_facts(q, learner, missing)
    late: list[str] = []
    # Each achieved unit the qualification can use: True when it counts, None when in doubt, False when late.
    placed: dict[str, bool | None] = {}
    for ref, achieved_on in achieved.items():
        index = q.index.get(ref)
        if index is None and ref.casefold() not in outside:
            set_aside.append(SetAside(ref, "not one of this qualification's units"))
            continue
        standing = standings.get(ref)
        if standing is not None:
            if standing.counts is False:
                placed[ref] = False
                set_aside.append(SetAside(ref, standing.reason))
                continue
            if standing.counts is None:
                placed[ref] = None
                if index is not None:
                    uncertain.add(index)
                    doubts[index] = f"the record lacks the {standing.reason}"
                if standing.reason not in missing:
                    missing.append(standing.reason)
                continue
            achieved_on = standing.on
        if q.window is None:
            placed[ref] = True
        elif achieved_on is None:
            placed[ref] = None
            missing.append(f"achievement date of {ref} (needed for `{rule_text(q.window)}`)")
        elif deadline is None:
            placed[ref] = None
        elif achieved_on > deadline:
            late.append(ref)
            placed[ref] = False
            set_aside.append(SetAside(ref, f"achieved on {achieved_on.isoformat()}, after the completion "
                                           f"deadline of {deadline.isoformat()}"))
        else:
            placed[ref] = True
        if index is not None and placed[ref] is not False:
            (certain if placed[ref] else uncertain).add(index)
    if q.equivalents is not None:
        refused, lacking, unapproved = q.equivalents.hold(placed, approved, certain, uncertain)
        set_aside.extend(SetAside(ref, reason) for ref, reason in refused)
        missing.extend(needed for needed in lacking if needed not in missing)
    if late:
        window_detail += f"; {plural(len(late), 'unit')} achieved after that set aside"
    set_aside.extend(not_achieved(ref, results[-1]) for ref, results in attempted.items() if ref not in achieved)

    age_ok, age_detail = _age_facts(q, learner, missing)
    attainment = _attainment_facts(q, learner, missing) + _required_facts(q, learner, policy or counts, missing)
    # A unit required held by an equivalent alone counts as held too.
    prerequisites_held = frozenset(
        [ref for ref in achieved if ref not in standings or standings[ref].counts is not False]
        + [ref for ref, held in as_required.items() if held.counts is not False]) if q.prerequisites else frozenset()
    return Holdings(frozenset(certain), frozenset(uncertain), tuple(set_aside), tuple(missing),
                    age_ok, age_detail, window_detail, unapproved=frozenset(unapproved),
                    doubts=tuple(sorted(doubts.items())), attainment=attainment, prerequisites_held=prerequisites_held,
                    counts_from=tuple(sorted((ref, standing.on) for ref, standing in standings.items()
                                             if standing.counts and standing.on is not None)),
                    late=tuple(late))


def plain_holdings(q: CompiledQualification, learner: Learner, certain: frozenset[int],
                   attempted: Sequence[tuple[str, str]]) -> Holdings:
    """The holdings of a learner whose record is known to achieve exactly the pool units `certain`, each dated
    within any completion window, to have attempted the `attempted` units (reference, last result word)
    without achieving them, and to lack no data (`records.columnar`)."""
    missing: list[str] = []
    _, window_detail = _window_facts(q, learner, missing)
    age_ok, age_detail = _age_facts(q, learner, missing)
    assert not missing and not q.attainment and not q.required_qualifications, \
        "a plain record lacks nothing, and nothing but its units decides it"
    set_aside = tuple(not_achieved(ref, word) for ref, word in attempted)
    return Holdings(certain, frozenset(), set_aside, (), age_ok, age_detail, window_detail)


def not_achieved(ref: str, result: str) -> SetAside:
    """Why a unit attempted and never achieved is set aside: its last result word."""
    return SetAside(ref, f"result {result!r} does not count as achieved")


def _attainment_facts(q: CompiledQualification, learner: Learner, missing: list[str]) -> tuple[AttainmentOutcome, ...]:
    """The outcome of each requirement of the learner besides units; what they need and the record lacks goes
    in `missing`."""
    outcomes = tuple(attainment_outcome(requirement, learner.attributes) for requirement in q.attainment)
    missing.extend(needed for outcome in outcomes for needed in outcome.missing if needed not in missing)
    return outcomes


def _required_facts(q: CompiledQualification, learner: Learner, counts: Callable[[str], bool],
                    missing: list[str]) -> tuple[AttainmentOutcome, ...]:
    """Whether the record achieves each qualification `q` requires (docs/semantics.md "Qualifications
    required"); what deciding one needs and the record lacks goes in `missing`."""
    outcomes = []
    for line, required in q.required_qualifications:
        named = f"{required.qan} {required.title}"
        by = learner.registered_on
        if not line.before_registration or by is None:
            verdict = evaluate(required, learner, counts)
            met = {Status.ACHIEVED: True, Status.NOT_ACHIEVED: False}.get(verdict.status)
            lacking = verdict.missing
            if line.before_registration and met is not False:
                met, lacking = None, (f"registration date (needed for `{line.text}`)",)
        else:
            dated = attrs.evolve(learner, attempts=tuple(a for a in learner.attempts
                                                         if a.achieved_on is not None and a.achieved_on <= by))
            # Results of the required qualification's pool units with no date might be dated in time.
            undated = tuple(a for a in learner.attempts if a.achieved_on is None
                            and required.catalogue_refs.get(a.unit.casefold()) in required.index)
            verdict = evaluate(required, dated, counts)
            met = True if verdict.achieved else None if verdict.status is Status.UNDETERMINED else False
            lacking = verdict.missing
            if met is False and undated:
                possible = evaluate(required, attrs.evolve(dated, attempts=dated.attempts + undated), counts)
                if possible.status is not Status.NOT_ACHIEVED:
                    met, lacking = None, possible.missing + tuple(dict.fromkeys(
                        f"achievement date of {required.catalogue_refs[a.unit.casefold()]} (needed for "
                        f"`{line.text}`)" for a in undated))
        when = f" with the results dated by the registration date, {by.isoformat()}" \
            if line.before_registration and by is not None else ""
        said = (f"{named} is achieved{when}" if met else f"{named} is not achieved{when}" if met is False
                else f"cannot tell whether {named} is achieved{when}")
        missing.extend(needed for needed in lacking if needed not in missing)
        outcomes.append(AttainmentOutcome(met, f"{line.text}: {said}", tuple(lacking)))
    return tuple(outcomes)


def _window_passed(q: CompiledQualification, learner: Learner, late: Sequence[str]) -> str:
    """How the window reads for a learner not achieved who holds units achieved after its deadline."""
    deadline = completion_deadline(q, learner)
    return (f"{rule_text(q.window)}: the deadline of {deadline.isoformat()} has passed with the qualification "
            f"incomplete; {plural(len(late), 'unit')} achieved after it set aside ({', '.join(late)})")


def _window_facts(q: CompiledQualification, learner: Learner, missing: list[str]) -> tuple[dt.date | None, str | None]:
    """The completion deadline and how the window reads; what it needs and the record lacks goes in `missing`."""
    if q.window is None:
        return None, None
    if learner.registered_on is None:
        missing.append(f"registration date (needed for `{rule_text(q.window)}`)")
        return None, f"{rule_text(q.window)}: no registration date in the record"
    deadline = add_period(learner.registered_on, q.window.amount, q.window.unit)
    return deadline, f"{rule_text(q.window)}: units achieved by {deadline.isoformat()} count"


def _age_facts(q: CompiledQualification, learner: Learner, missing: list[str]) -> tuple[bool | None, str | None]:
    """Whether the age rule holds (None: cannot tell) and how it reads; lacking data goes in `missing`."""
    if q.minimum_age is None:
        return True, None
    needed = rule_text(q.minimum_age)
    if learner.date_of_birth is None or learner.registered_on is None:
        absent = " and ".join(name for name, value in (("date of birth", learner.date_of_birth),
                                                       ("registration date", learner.registered_on))
                              if value is None)
        missing.append(f"{absent} (needed for `{needed}`)")
        return None, f"{needed}: no {absent} in the record"
    age = age_on(learner.date_of_birth, learner.registered_on)
    return age >= q.minimum_age.years, age_detail(needed, age, learner.registered_on)


def age_detail(needed: str, age: int, registered_on: dt.date) -> str:
    """How the age rule (`needed`, its text) reads for a learner of `age` at registration on `registered_on`."""
    return f"{needed}: aged {age} at registration on {registered_on.isoformat()}"


class Explanations:
    """What explaining one qualification's verdicts has worked out, kept for the learners that follow.

    A rule's outcome depends only on the units of its scope that the claim counts (for a bar, those the
    learner holds), unless it falls short of a minimum, where it names the caps that kept units out; so
    outcomes are kept by rule and those units, and learners who hold different units share them. So are the
    reasons units are left out, by the caps in force and their totals, and the outcomes of rules on the
    learner (window, age), by what they say. Each of the three stores keeps at most `limit` parts and starts
    afresh when full, so memory stays flat over any cohort."""

    def __init__(self, qualification: CompiledQualification, limit: int = 50_000):
        q = self.qualification = qualification
        self.limit = limit
        # Every linear requirement, within `either` options too: the columns of `measured`.
        self.linear = linear_requirements(q.requirements)
        self._column = {id(r): k for k, r in enumerate(self.linear)}
        self._scope = {id(r): _bits(_units_of(r)) for r in q.requirements}
        weights = np.zeros((len(q.units), len(self.linear) + 2), dtype=np.int64)
        for k, r in enumerate(self.linear):
            weights[list(r.members), k] = r.weights
        weights[:, -2] = [u.credits or 0 for u in q.units]
        weights[:, -1] = [u.glh or 0 for u in q.units]
        self._weights = weights
        self._credits_undeclared = np.array([u.credits is None for u in q.units], dtype=bool)
        self._glh_undeclared = np.array([u.glh is None for u in q.units], dtype=bool)
        self.refs = tuple(u.ref for u in q.units)
        self.window_text = rule_text(q.window) if q.window is not None else None
        self.age_text = rule_text(q.minimum_age) if q.minimum_age is not None else None
        self._outcomes: dict[tuple[int, int], RuleOutcome] = {}
        self._set_aside: dict[tuple, SetAside] = {}
        self._learner_outcomes: dict[tuple, RuleOutcome] = {}

    @property
    def kept(self) -> int:
        """How many parts are kept."""
        return len(self._outcomes) + len(self._set_aside) + len(self._learner_outcomes)

    def measured(self, claims: "np.ndarray") -> list[tuple[list[int], int | None, int | None, int]]:
        """For each claim (a row of `claims`): its total of each of `linear`, its credits and its GLH (each None
        when a unit it counts declares none) and its units as bits."""
        sums, no_credits, no_glh = self.sums(claims)
        return [(row, None if credits_missing else row[-2], None if glh_missing else row[-1], bits)
                for row, credits_missing, glh_missing, bits
                in zip(sums.tolist(), no_credits.tolist(), no_glh.tolist(), _row_bits(claims))]

    def sums(self, claims: "np.ndarray") -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
        """`measured` as arrays: each claim's totals of `linear`, then its credits and GLH; and whether a unit
        it counts declares no credits, and no GLH."""
        return (claims.astype(np.int64) @ self._weights, (claims & self._credits_undeclared).any(axis=1),
                (claims & self._glh_undeclared).any(axis=1))

    @functools.cached_property
    def caps(self) -> tuple[int, ...]:
        """The columns of `linear` (and of `sums`) that set a maximum."""
        return tuple(k for k, r in enumerate(self.linear) if r.maximum is not None)

    def left_out_under_caps(self, index: int, cap_totals: tuple[int, ...]) -> SetAside:
        """`left_out` for a qualification whose requirements are all linear, so that every cap is in force: the
        claim's totals under the caps are `cap_totals`, in the order of `caps`."""
        capped = [(self.linear[k], total) for k, total in zip(self.caps, cap_totals)]
        return self.left_out(index, capped, self.linear, _left_out_context(capped, self.linear))

    def total_of(self, totals: list[int]) -> Callable[[Linear], int]:
        """A claim's total of any linear requirement, from its row of `measured`."""
        column = self._column
        return lambda requirement: totals[column[id(requirement)]]

    def shortfalls(self, claim: "np.ndarray", held: "np.ndarray") -> tuple[str, ...]:
        """What the verdict of a learner holding the pool units `held` for certain (a boolean row) says of each
        rule on units that `claim` (a row likewise) does not meet: its unmet list, but for what it says of
        the learner's own requirements (a window, an age)."""
        ((totals, _, _, bits),) = self.measured(claim[None, :])
        chosen = tuple(np.flatnonzero(claim).tolist())
        available = frozenset(np.flatnonzero(held).tolist())
        facts = _Claim(chosen, set(chosen), bits, available, _bits(available), self.total_of(totals))
        outcomes = (self.outcome(r, facts) for r in reported(self.qualification.requirements))
        return tuple(o.detail for o in outcomes if o.met is not True)

    def outcome(self, requirement: Requirement, claim: _Claim) -> RuleOutcome:
        """`requirement` measured on the claim."""
        held = claim.available_bits if isinstance(requirement, Barred) else claim.bits
        key = (id(requirement), held & self._scope[id(requirement)])
        found = self._outcomes.get(key)
        if found is None:
            found = _outcome(self.qualification, requirement, claim, self._scope[id(requirement)])
            if not _names_caps(requirement, found):
                self._keep(self._outcomes, key, found)
        return found

    def left_out(self, index: int, capped: list[tuple[Linear, int]], in_force: list[Requirement],
                 context: tuple) -> SetAside:
        """Why the pool unit `index`, held, is left out of a claim whose caps in force stand at `capped`;
        `context` is what of the claim the reason depends on (`_left_out_context`)."""
        key = (index, context)
        found = self._set_aside.get(key)
        if found is None:
            found = self._keep(self._set_aside, key,
                               SetAside(self.refs[index], _why_not_counted(index, capped, in_force)))
        return found

    def learner_outcome(self, rule: m.Rule | m.AttainmentRequirement | m.QualificationPrerequisite, text: str, met: bool | None, detail: str) -> RuleOutcome:
        """The outcome of a rule on the learner rather than the claim (a completion window, a minimum age)."""
        key = (id(rule), met, detail)
        found = self._learner_outcomes.get(key)
        if found is None:
            found = self._keep(self._learner_outcomes, key, RuleOutcome(rule, text, met, detail, ()))
        return found

    def _keep(self, store: dict, key, value):
        if len(store) >= self.limit:
            store.clear()
        store[key] = value
        return value


@attrs.frozen
class _Claim:
    """A claim being explained: its units (in pool order, as a set and as bits), the units available to it,
    and its totals."""

    indices: tuple[int, ...]
    chosen: set[int]
    bits: int
    available: frozenset[int]
    available_bits: int
    total_of: Callable[[Linear], int]


def _bits(indices: Iterable[int]) -> int:
    """A set of pool indices as an integer, bit i for unit i."""
    return sum(1 << i for i in set(indices))


def _units_of(requirement: Requirement) -> set[int]:
    """The pool units whose presence can change whether `requirement` holds."""
    if isinstance(requirement, Linear):
        return set(requirement.members)
    if isinstance(requirement, Barred):
        return set(requirement.first + requirement.second)
    return {i for option in requirement.options for r in option for i in _units_of(r)}


def _names_caps(requirement: Requirement, outcome: RuleOutcome) -> bool:
    """Whether the outcome falls short of a minimum and so may name caps, whose effect depends on units beyond
    the requirement's own."""
    return (isinstance(requirement, Linear) and not isinstance(requirement.rule, m.AllOf)
            and requirement.minimum is not None and outcome.measured < requirement.minimum)


@attrs.frozen
class _ClaimFacts:
    """What a verdict says that depends only on the claim and the units held, not on who holds them."""

    outcomes: tuple[RuleOutcome, ...]
    not_counted: tuple[SetAside, ...]
    claim: tuple[str, ...]
    credits: int | None
    glh: int | None
    equivalents: tuple[Equivalent, ...] | None
    indices: tuple[int, ...]


def _claim_facts(explanations: Explanations, holdings: Holdings, status: Status, claim: tuple[int, ...],
                 measured: tuple[list[int], int | None, int | None, int], available_bits: int) -> _ClaimFacts:
    """`available_bits`: the units held (certain or not), as bits."""
    q = explanations.qualification
    totals, credits, glh, bits = measured
    if q.equivalents is not None:
        claim = q.equivalents.in_catalogue_order(claim)
    chosen = set(claim)
    available = holdings.certain | holdings.uncertain
    facts = _Claim(claim, chosen, bits, available, available_bits, explanations.total_of(totals))
    shown = reported(q.requirements)
    outcomes = [explanations.outcome(r, facts) for r in shown]
    if chosen & holdings.uncertain:
        # The claim leans on units in doubt: a rule it meets only with them cannot be called met yet.
        dated = chosen & holdings.certain
        doubted = chosen & holdings.uncertain
        kinds = [kind for kind, units in (("dates", doubted - holdings.unapproved),
                                          ("approvals", doubted & holdings.unapproved)) if units]
        in_doubt = f" (only with units whose {' or '.join(kinds)} are in doubt)"
        outcomes = [attrs.evolve(o, met=None, detail=o.detail + in_doubt)
                    if o.met and not holds((r,), dated) else o for o, r in zip(outcomes, shown)]
    # An achieved verdict is reached without the units in doubt, so those are left out for want of a date
    # (or of an exemption's approval).
    undated = holdings.uncertain if status is Status.ACHIEVED else frozenset()
    doubts = dict(holdings.doubts)
    left_out = sorted(available - chosen)
    in_force = _opened(q.requirements, _options_met_by(chosen)) if left_out else []
    capped = [(cap, facts.total_of(cap)) for cap in in_force if isinstance(cap, Linear) and cap.maximum is not None]
    context = _left_out_context(capped, in_force)
    not_counted = tuple(
        SetAside(q.units[i].ref, "the record does not say whether the exemption was approved")
        if i in undated and i in holdings.unapproved else
        SetAside(q.units[i].ref, doubts.get(i) or
                 f"the record lacks the date needed to place it within `{explanations.window_text}`")
        if i in undated else explanations.left_out(i, capped, in_force, context)
        for i in left_out
    )
    refs = explanations.refs
    equivalents = None
    if q.equivalents is not None:
        not_counted = tuple(SetAside(ref, reason) for ref, reason in q.equivalents.not_counted(
            [(i, s.unit, s.reason) for i, s in zip(left_out, not_counted)], chosen))
        equivalents = q.equivalents.counted(claim)
    return _ClaimFacts(tuple(outcomes), not_counted, tuple([refs[i] for i in claim]), credits, glh, equivalents,
                       claim)


def _verdict(explanations: Explanations, learner: Learner, holdings: Holdings, status: Status,
             facts: _ClaimFacts) -> Verdict:
    q = explanations.qualification
    outcomes = list(facts.outcomes)
    if q.window is not None:
        in_doubt = bool(holdings.uncertain) and any(i in holdings.uncertain for i in facts.indices)
        met = None if learner.registered_on is None or in_doubt else True
        detail = holdings.window_detail
        if holdings.late and status is Status.NOT_ACHIEVED:
            # A unit achieved after the deadline shows it has passed: the qualification was not completed in time.
            met, detail = False, _window_passed(q, learner, holdings.late)
        outcomes.append(explanations.learner_outcome(q.window, explanations.window_text, met, detail))
    if q.minimum_age is not None:
        outcomes.append(explanations.learner_outcome(q.minimum_age, explanations.age_text, holdings.age_ok,
                                                     holdings.age_detail))
    requirements = [(r.requirement, r.text) for r in q.attainment] + [
        (line, line.text) for line, _ in q.required_qualifications]
    for (requirement, text), outcome in zip(requirements, holdings.attainment):
        outcomes.append(explanations.learner_outcome(requirement, text, outcome.met, outcome.detail))
    return Verdict(
        learner=learner.id,
        qan=q.qan,
        title=q.title,
        status=status,
        claim=facts.claim,
        credits=facts.credits,
        glh=facts.glh,
        outcomes=tuple(outcomes),
        set_aside=facts.not_counted + holdings.set_aside,
        missing=holdings.missing,
        equivalents=facts.equivalents,
    )


def _outcome(q: CompiledQualification, requirement: Requirement, claim: _Claim, scope: int) -> RuleOutcome:
    """`scope`: the units of the requirement, as bits."""
    text = requirement.text
    chosen = claim.chosen
    if isinstance(requirement, Linear):
        counted = tuple([q.units[i].ref for i in claim.indices if scope >> i & 1])  # members are in pool order
        total = claim.total_of(requirement)
        met = ((requirement.minimum is None or total >= requirement.minimum)
               and (requirement.maximum is None or total <= requirement.maximum))
        if isinstance(requirement.rule, m.AllOf):
            # The units named; an equivalent counted stands for its unit (the claim counts each unit once).
            named = requirement.minimum
            counted_refs = {q.units[i].ref for i in chosen}
            lacking = [q.units[i].ref for i in requirement.members[:named] if q.units[i].ref not in counted_refs]
            detail = f"{requirement.label}: {total} of {plural(named, 'unit')} counted"
            if lacking:
                detail += f", still needed: {', '.join(lacking)}"
            return RuleOutcome(requirement.rule, text, met, detail, counted, requirement.measure, total,
                               requirement.minimum, requirement.maximum)
        word = measure_word(requirement.measure, total)
        detail = f"{requirement.label}: {total} {word} counted"
        if requirement.minimum is not None and total < requirement.minimum:
            exact = requirement.minimum == requirement.maximum
            detail += f", {'exactly' if exact else 'at least'} {requirement.minimum} required"
            caps = _binding_caps(q, requirement, claim)
            if caps:
                detail += f" ({'; '.join(caps)})"
        elif requirement.maximum is not None and total > requirement.maximum:
            detail += f", at most {requirement.maximum} allowed"
        else:
            detail += _requirement_phrase(requirement)
        return RuleOutcome(requirement.rule, text, met, detail, counted, requirement.measure, total,
                           requirement.minimum, requirement.maximum)
    if isinstance(requirement, Barred):
        holds_both = not holds((requirement,), claim.available)
        detail = f"{text}: " + ("the record holds both, so only one side is counted" if holds_both else "met")
        return RuleOutcome(requirement.rule, text, True, detail, ())
    met_options = [k for k, option in enumerate(requirement.options, 1) if holds(option, chosen)]
    if met_options:
        detail = f"{text}: option {met_options[0]} is met"
    else:
        detail = f"{text}: none of the {len(requirement.options)} options is met"
    return RuleOutcome(requirement.rule, text, bool(met_options), detail, ())


def _requirement_phrase(requirement: Linear) -> str:
    low, high = requirement.minimum, requirement.maximum
    if low is not None and high is not None:
        return f", {low} to {high} allowed" if low != high else f", exactly {low} required"
    if low is not None:
        return f", at least {low} required"
    return f", at most {high} allowed"


def _binding_caps(q: CompiledQualification, short: Linear, claim: _Claim) -> list[str]:
    """Caps that stop available units from counting towards a minimum that falls short."""
    notes = []
    for cap in linear_requirements(q.requirements, _options_met_by(claim.chosen)):
        if cap.maximum is None or cap is short or cap.equivalence is not None:
            continue  # an equivalence's cap is said of the unit it keeps out
        total = claim.total_of(cap)
        blocked = [i for i, w in zip(cap.members, cap.weights) if i in claim.available and i not in claim.chosen
                   and i in short.members and total + w > cap.maximum]
        if blocked:
            notes.append(f"{cap.label} capped at {cap.maximum} {measure_word(cap.measure, cap.maximum)}")
    return notes


def _opened(requirements, option_applies: Callable[[tuple], bool] = lambda option: True) -> list[Requirement]:
    """Requirements with `either` blocks opened into the requirements of their options (those that apply)."""
    found = []
    for requirement in requirements:
        if isinstance(requirement, Alternatives):
            for option in requirement.options:
                if option_applies(option):
                    found.extend(_opened(option, option_applies))
        else:
            found.append(requirement)
    return found


def linear_requirements(requirements, option_applies: Callable[[tuple], bool] = lambda option: True) -> list[Linear]:
    return [r for r in _opened(requirements, option_applies) if isinstance(r, Linear)]


def _options_met_by(chosen: set[int]) -> Callable[[tuple], bool]:
    """Only the `either` options the claim meets bind it; the caps of the others are not in force."""
    return lambda option: holds(option, chosen)


def _left_out_context(capped: list[tuple[Linear, int]], in_force: list[Requirement]) -> tuple:
    """What of a claim decides why a unit is left out of it: the caps in force and their totals, the bars."""
    return tuple((id(cap), total) for cap, total in capped), tuple(id(r) for r in in_force if isinstance(r, Barred))


def _why_not_counted(index: int, capped: list[tuple[Linear, int]], in_force: list[Requirement]) -> str:
    """Why a unit held is left out of the claim: a cap in force (with the claim's total under it) it would
    pass, or a bar; otherwise the claim simply needs nothing more."""
    for cap, total in capped:
        if index in cap.members and total + cap.weights[cap.members.index(index)] > cap.maximum:
            if cap.barring is not None:
                return f"barred: it shares barring code {cap.barring} with a unit the claim counts"
            if cap.equivalence is not None:
                return cap.equivalence
            return f"{cap.label} is capped at {cap.maximum} {measure_word(cap.measure, cap.maximum)}"
    for requirement in in_force:
        if isinstance(requirement, Barred) and index in requirement.first + requirement.second:
            return f"barred: {requirement.text}"
    return "not needed: the claim already counts the most credits it can"
