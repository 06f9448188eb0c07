"""The cheapest way to finish a qualification. Pure: no I/O, no clock, no global state.

A plan adds pool units the learner has not achieved (and the caller has not excluded) so that the units
held plus those added admit a claim meeting every rule. Among all such sets the plan takes, exactly (by
CP-SAT), the least total of the measure to minimise; ties go to fewer units, then to the resulting claim
with the most credits, then to units earlier in the catalogue. See docs/planning.md.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Callable, Collection, Iterable

import attrs

from qualrules.interpreter import model as m
from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.engine.requirements import Linear, declared_total
from qualrules.interpreter.engine.evaluator import holdings_of, add_period, age_on
from qualrules.interpreter.records.learner import Learner
from qualrules.interpreter.engine.claims import best_claim
from qualrules.interpreter.engine.cpsat import ClaimModel, Part, PartKind, cheapest_completion
from qualrules.interpreter.wording import measure_word, rule_text, word_list

MINIMISABLE = {"credits": m.Measure.CREDITS, "glh": m.Measure.GLH, "units": m.Measure.UNITS}


class PlanStatus(enum.Enum):
    ALREADY_ACHIEVED = "already achieved"
    PLANNED = "planned"
    IMPOSSIBLE = "impossible"
    UNDETERMINED = "undetermined"


@attrs.frozen
class Plan:
    """The cheapest finish for one learner and qualification.

    `add` and `claim` are unit references in catalogue order; IMPOSSIBLE plans add and claim nothing.
    UNDETERMINED plans hold the cheapest finish on the assumption that the data the record lacks (listed
    in `reasons`) turns out in the learner's favour. `deadline` is the last day units count under the
    qualification's completion window, when it has one and the registration date is known: the planner
    has no clock, so it states the deadline rather than comparing it with today.
    """

    qan: str
    learner: str
    status: PlanStatus
    minimise: str
    add: tuple[str, ...]
    cost: int
    claim: tuple[str, ...]
    credits_to_add: int
    units_to_add: int
    glh_to_add: int | None  # None when an added unit declares no GLH
    reasons: tuple[str, ...]
    deadline: dt.date | None = None

    def to_json(self) -> dict:
        return {
            "learner": self.learner,
            "qualification": self.qan,
            "status": self.status.value,
            "minimise": self.minimise,
            "add": list(self.add),
            "cost": self.cost,
            "claim": list(self.claim),
            "credits_to_add": self.credits_to_add,
            "units_to_add": self.units_to_add,
            "glh_to_add": self.glh_to_add,
            "reasons": list(self.reasons),
            "deadline": self.deadline.isoformat() if self.deadline else None,
        }


def pool_index(q: CompiledQualification, ref: str) -> int | None:
    """The pool position of a unit given by its unit or Ofqual reference (any case); None outside the pool."""
    unit = q.catalogue_refs.get(ref.casefold())
    return None if unit is None else q.index.get(unit)


class MeasureNotDeclared(ValueError):
    """The measure to minimise is not declared for every unit a plan could add."""


def plan(q: CompiledQualification, learner: Learner, counts: Callable[[str], bool], *, minimise: str = "credits",
         exclude: Collection[str] = (), assume_passed: Collection[str] = ()) -> Plan:
    """The cheapest finish. `counts(result)` is the awarding body's policy for result words; `exclude` names
    units the plan may not add; `assume_passed` names units to treat as achieved in time (what-if).
    References outside the qualification's pool have no effect. Raises ValueError for an unknown
    `minimise`, and MeasureNotDeclared when minimising GLH over units that declare none."""
    measure = MINIMISABLE.get(minimise)
    if measure is None:
        raise ValueError(f"cannot minimise {minimise!r}: choose one of {', '.join(MINIMISABLE)}")
    holdings = holdings_of(q, learner, counts)
    assumed = _indices(q, assume_passed)
    certain = holdings.certain | assumed
    uncertain = holdings.uncertain - assumed
    excluded = _indices(q, exclude)
    candidates = frozenset(range(len(q.units))) - certain - uncertain - excluded
    if measure is m.Measure.GLH:
        undeclared = [q.units[i].ref for i in sorted(candidates) if q.units[i].glh is None]
        if undeclared:
            verb = "declares" if len(undeclared) == 1 else "declare"
            raise MeasureNotDeclared(f"cannot minimise GLH: {word_list(undeclared, 'and')} {verb} no guided "
                                     "learning hours")
    deadline = None
    if q.window is not None and learner.registered_on is not None:
        deadline = add_period(learner.registered_on, q.window.amount, q.window.unit)

    def result(status: PlanStatus, claim: Iterable[int] = (), reasons: Iterable[str] = ()) -> Plan:
        chosen = sorted(claim)
        added = [i for i in chosen if i in candidates]
        return Plan(
            qan=q.qan, learner=learner.id, status=status, minimise=minimise,
            add=tuple(q.units[i].ref for i in added),
            cost=sum(q.measure(measure, i) for i in added),
            claim=tuple(q.units[i].ref for i in chosen),
            credits_to_add=sum(q.units[i].credits for i in added),
            units_to_add=len(added),
            glh_to_add=declared_total(q.units[i].glh for i in added),
            reasons=tuple(reasons), deadline=deadline,
        )

    unknown = tuple(f"the record lacks the {needed}" for needed in holdings.missing)
    if holdings.age_ok is False:
        return result(PlanStatus.IMPOSSIBLE, reasons=[_age_reason(q, learner)])
    settled = best_claim(q, certain)
    if settled is not None:
        return result(PlanStatus.ALREADY_ACHIEVED if holdings.age_ok else PlanStatus.UNDETERMINED, settled,
                      () if holdings.age_ok else unknown)
    hopeful = cheapest_completion(q, certain | uncertain, candidates, measure)
    if hopeful is None:
        return result(PlanStatus.IMPOSSIBLE, reasons=why_impossible(q, certain | uncertain, candidates, excluded))
    claim, relies_on_missing = hopeful, False
    if uncertain:
        # Prefer a finish that does not depend on the dates the record lacks, when it costs no more.
        sure = cheapest_completion(q, certain, candidates, measure)
        relies_on_missing = sure is None or _size(q, measure, sure, candidates) > _size(q, measure, hopeful, candidates)
        claim = hopeful if relies_on_missing else sure
    passed = _deadline_passed(learner, deadline)
    if passed and any(i in candidates for i in claim):
        return result(PlanStatus.IMPOSSIBLE, reasons=[passed])
    if relies_on_missing or holdings.age_ok is None:
        return result(PlanStatus.UNDETERMINED, claim, unknown)
    return result(PlanStatus.PLANNED, claim)


def _indices(q: CompiledQualification, refs: Iterable[str]) -> frozenset[int]:
    return frozenset(i for ref in refs if (i := pool_index(q, ref)) is not None)


def _size(q: CompiledQualification, measure: m.Measure, claim: Iterable[int], candidates: frozenset[int]) -> tuple:
    added = [i for i in claim if i in candidates]
    return sum(q.measure(measure, i) for i in added), len(added)


def _age_reason(q: CompiledQualification, learner: Learner) -> str:
    age = age_on(learner.date_of_birth, learner.registered_on)
    return (f"the learner was aged {age} at registration on {learner.registered_on.isoformat()}, "
            f"and the qualification requires `{rule_text(q.minimum_age)}`")


def _deadline_passed(learner: Learner, deadline: dt.date | None) -> str | None:
    """The record itself shows the completion deadline has passed when it holds a result dated after it."""
    if deadline is None:
        return None
    latest = max((a.achieved_on for a in learner.attempts if a.achieved_on is not None), default=None)
    if latest is None or latest <= deadline:
        return None
    return (f"the completion deadline was {deadline.isoformat()} and the record has a result dated "
            f"{latest.isoformat()}, so no further unit can be achieved in time")


def why_impossible(q: CompiledQualification, held: frozenset[int], candidates: frozenset[int],
                    excluded: frozenset[int]) -> list[str]:
    """Name the rules that cannot hold together, with the specific shortfall where one rule alone fails."""
    available = held | candidates
    parts = ClaimModel(q, available).conflict()
    assert parts, "an infeasible plan has a conflict among its rules"
    without = [q.units[i].ref for i in sorted(excluded - held)]
    because_excluded = bool(without) and ClaimModel(q, range(len(q.units))).conflict() is None
    tail = f" with {', '.join(without)} excluded" if because_excluded else " even from every unit of the pool"
    if len(parts) == 1 and parts[0].kind is PartKind.MINIMUM:
        requirement = q.requirements[parts[0].requirement]
        assert isinstance(requirement, Linear), "only linear requirements have a minimum"
        most = sum(w for i, w in zip(requirement.members, requirement.weights) if i in available)
        word = measure_word(requirement.measure, requirement.minimum)
        return [f"`{requirement.text}` needs {requirement.minimum} {word}, "
                f"but at most {most} can count{tail}"]
    texts = [part_text(q, part) for part in parts]
    listed = word_list(texts, "and")
    verb = "cannot hold" if len(texts) == 1 else "cannot all hold" if len(texts) > 2 else "cannot both hold"
    return [f"{listed} {verb}{tail}"]


def part_text(q: CompiledQualification, part: Part) -> str:
    requirement = q.requirements[part.requirement]
    text = f"`{requirement.text}`"
    if isinstance(requirement, Linear) and None not in (requirement.minimum, requirement.maximum) \
            and requirement.minimum != requirement.maximum:
        side = "minimum" if part.kind is PartKind.MINIMUM else "maximum"
        return f"the {side} of {text}"
    return text
