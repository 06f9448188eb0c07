"""Learner journeys: why a verdict is what it is (`explain`) and how far a learner is from every loaded
qualification (`eligible`). Pure: verdicts and plans in, structures out; text rendering is in
journeys_output."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

import attrs

from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.engine.requirements import Alternatives, Linear, Requirement
from qualrules.interpreter.engine.requirements import holds, reported
from qualrules.interpreter.engine import grading
from qualrules.interpreter.engine.pathways import claimed_within, pathway_json
from qualrules.interpreter.engine.evaluator import RuleOutcome, Verdict, holdings_of, linear_requirements, evaluate
from qualrules.interpreter.records.learner import Learner, UnreadUnit
from qualrules.interpreter.engine.planner import HeldUnits, Plan, PlanStatus, finish_measure, plan, plan_many
from qualrules.interpreter.lazy import lazy_module
from qualrules.interpreter import model as m
from qualrules.interpreter.wording import measure_word, rule_text, set_text

if TYPE_CHECKING:
    import numpy as np

    from qualrules.interpreter.engine.assessment import CriteriaDetail
else:
    np = lazy_module("numpy")


class RuleStatus(enum.Enum):
    MET = "met"
    NOT_MET = "not met"
    CANNOT_TELL = "cannot tell"


@attrs.frozen
class OptionExplanation:
    """One option of an `either` block: its rules and whether the reported claim meets them all."""

    rules: tuple[str, ...]
    met: bool


@attrs.frozen
class RuleExplanation:
    """One rule on the reported claim; for a failing minimum, how much more it needs (`shortfall`, in the
    rule's measure) and which units of the cheapest finish count towards it (`towards`)."""

    outcome: RuleOutcome
    label: str | None
    shortfall: int | None
    towards: tuple[str, ...]
    options: tuple[OptionExplanation, ...]
    # For a failing minimum whose scope caps partly shut: where more can still come from, with the caps
    # (`Group 2 (Group 3 is at its 6-credit cap)`); None when all of its scope can.
    sources: str | None = None
    # For an `all of` rule not met: the units it names that the claim does not count, every one required.
    still_needed: tuple[str, ...] = ()

    @property
    def status(self) -> RuleStatus:
        return {True: RuleStatus.MET, False: RuleStatus.NOT_MET, None: RuleStatus.CANNOT_TELL}[self.outcome.met]

    def to_json(self) -> dict:
        outcome = self.outcome
        return {
            "rule": outcome.text,
            "status": self.status.value,
            "detail": outcome.detail,
            "measure": outcome.measure.value if outcome.measure else None,
            "measured": outcome.measured,
            "minimum": outcome.minimum,
            "maximum": outcome.maximum,
            "counted": list(outcome.counted),
            "shortfall": self.shortfall,
            "towards": list(self.towards),
            "options": [{"rules": list(o.rules), "met": o.met} for o in self.options],
        }


@attrs.frozen
class Explanation:
    """The full reasoning for one learner and qualification: the verdict, each rule, and the cheapest finish
    by credits; for a learner with an achievement log, its criteria and KSB coverage (`assessment.py`)."""

    qualification: CompiledQualification
    verdict: Verdict
    plan: Plan
    rules: tuple[RuleExplanation, ...]
    criteria: "CriteriaDetail | None" = None
    # The learner's rows naming a unit in no loaded catalogue, left out (`Learner.unread_units`).
    unread: tuple[UnreadUnit, ...] = ()

    def to_json(self) -> dict:
        verdict = self.verdict
        data = {
            "learner": verdict.learner,
            "qualification": verdict.qan,
            "title": verdict.title,
            "status": verdict.status.value,
            "claim": list(verdict.claim),
            "credits": verdict.credits,
            "glh": verdict.glh,
            "rules": [rule.to_json() for rule in self.rules],
            "not_counted": [{"unit": s.unit, "reason": s.reason} for s in verdict.set_aside],
            **({} if verdict.equivalents is None else {"equivalents": [e.to_json() for e in verdict.equivalents]}),
            "missing": list(verdict.missing),
            "not_read": [unit.to_json() for unit in self.unread],
            **verdict.grade_json(),
            "plan": self.plan.to_json(),
        }
        if verdict.pathways:
            data.update(pathway_json(verdict))
        if self.criteria is not None:
            data["criteria"] = self.criteria.to_json()
        return data


def explain(q: CompiledQualification, learner: Learner, counts: Callable[[str], bool]) -> Explanation:
    """The verdict with every rule explained, and the cheapest finish by credits."""
    verdict = evaluate(q, learner, counts)
    finish = plan(q, learner, counts, minimise=finish_measure(q))
    chosen = {q.index[ref] for ref in verdict.claim}
    holdings = holdings_of(q, learner, grading.counting(q, counts) if q.grading else counts, counts)
    held = holdings.certain | holdings.uncertain
    # The evaluator reports one outcome per requirement (of the pathway whose rules chose the claim, if any) but
    # an equivalence's caps, in order, then the completion window and age.
    within = claimed_within(q, verdict).requirements
    # The caps in force: an `either` option's bind only when the claim meets it.
    caps = [r for r in linear_requirements(within, lambda option: holds(option, chosen)) if r.maximum is not None]
    requirements: list[Requirement | None] = list(reported(within))
    requirements += [None] * (len(verdict.outcomes) - len(requirements))
    rules = tuple(_rule(q, outcome, requirement, chosen, finish, held, caps)
                  for outcome, requirement in zip(verdict.outcomes, requirements))
    return Explanation(q, verdict, finish, rules, unread=learner.unread_units)


def _rule(q: CompiledQualification, outcome: RuleOutcome, requirement: Requirement | None, chosen: set[int],
          finish: Plan, held: frozenset[int], caps: Sequence[Linear]) -> RuleExplanation:
    """`held`: the pool units the record holds; `caps`: the caps in force on the claim."""
    failing = outcome.met is False
    shortfall = None
    if failing and outcome.minimum is not None and outcome.measured is not None:
        shortfall = outcome.minimum - outcome.measured
    towards: tuple[str, ...] = ()
    if failing and requirement is not None:
        scope: tuple[Requirement, ...] = (requirement,)
        if isinstance(requirement, Alternatives):
            # The units that help are those of the option the cheapest finish meets.
            planned = {q.index[ref] for ref in finish.claim}
            scope = next((option for option in requirement.options if holds(option, planned)), scope)
        members = {q.units[i].ref for linear in linear_requirements(scope) for i in linear.members}
        towards = tuple(ref for ref in finish.add if ref in members)
    options: tuple[OptionExplanation, ...] = ()
    if isinstance(requirement, Alternatives):
        options = tuple(OptionExplanation(tuple(r.text for r in option),
                                          holds(option, chosen))
                        for option in requirement.options)
    if not isinstance(requirement, Linear):
        return RuleExplanation(outcome, None, shortfall, towards, options)
    sources, still_needed = None, ()
    if failing and isinstance(requirement.rule, m.AllOf):
        counted = {q.units[i].ref for i in chosen}
        # An `all of` rule's first `minimum` members are the units it names; the rest are their equivalents.
        still_needed = tuple(ref for ref in (q.units[i].ref for i in requirement.members[:requirement.minimum])
                             if ref not in counted)
    elif shortfall is not None and requirement.parts:
        sources = _sources(requirement, chosen, held, caps)
    return RuleExplanation(outcome, requirement.label, shortfall, towards, options, sources, still_needed)


def _sources(short: Linear, chosen: set[int], held: frozenset[int], caps: Sequence[Linear]) -> str | None:
    """Where a minimum that falls short can still gain, when caps shut part of its scope: the names of its scope
    with a unit not yet held that would count under every cap, then the caps that shut the others; None when
    no cap shuts any."""
    totals = {id(cap): sum(w for i, w in zip(cap.members, cap.weights) if i in chosen) for cap in caps}

    def shutting(i: int) -> list[Linear]:
        return [cap for cap in caps if i in cap.members
                and totals[id(cap)] + cap.weights[cap.members.index(i)] > cap.maximum]

    members = set(short.members)
    open_names, shut = [], {}
    for name, named in short.parts:
        found = [shutting(i) for i in sorted(set(named) & members - held)]
        if any(not blocking for blocking in found):
            open_names.append(name)
        else:
            shut.update((id(cap), cap) for blocking in found for cap in blocking if cap is not short)
    # An equivalence's cap is said of the unit it keeps out, not of the scope.
    notes = [_cap_note(cap, totals[id(cap)]) for cap in shut.values() if cap.equivalence is None]
    if not notes:
        return None
    scope = set_text(short.rule.scope)
    label = short.label.replace(scope, " or ".join(open_names), 1) if open_names else short.label
    return f"{label} ({'; '.join(notes)})"


def _cap_note(cap: Linear, total: int) -> str:
    size = f"{cap.maximum}-{measure_word(cap.measure, 1)}"
    if total >= cap.maximum:
        return f"{cap.label} is at its {size} cap"
    left = cap.maximum - total
    return f"{cap.label} has room for only {left} more {measure_word(cap.measure, left)} under its {size} cap"


# ---- eligibility -------------------------------------------------------------------------------------

@attrs.frozen
class Distance:
    """How far one learner is from one qualification: the cheapest finish by credits."""

    qualification: CompiledQualification
    awarding_body: str
    plan: Plan

    def to_json(self) -> dict:
        finish = self.plan
        return {
            "qualification": self.qualification.qan,
            "title": self.qualification.title,
            "awarding_body": self.awarding_body,
            "status": finish.status.value,
            "credits_to_add": finish.shown_sizes[1],
            "units_to_add": finish.shown_sizes[2],
            "add": list(finish.add),
            "retake": list(finish.retake),
            "reasons": list(finish.reasons),
        }


# The credits to add of a finish whose units declare none, for ordering: more than any real finish adds.
_NO_CREDITS = 1 << 62
_RANK = {PlanStatus.ALREADY_ACHIEVED: 0, PlanStatus.PLANNED: 1, PlanStatus.UNDETERMINED: 1,
         PlanStatus.IMPOSSIBLE: 2}


def eligibility(targets: Iterable[tuple[CompiledQualification, str, Callable[[str], bool]]],
                learner: Learner) -> tuple[Distance, ...]:
    """Every target (qualification, awarding body name, its result policy) for one learner: achieved ones
    first, then the rest nearest first (credits, then units still to add), impossible ones last; ties keep
    the order given."""
    return eligibility_many(targets, [learner])[0]


def eligibility_many(targets: Iterable[tuple[CompiledQualification, str, Callable[[str], bool]]],
                     learners: Sequence[Learner]) -> list[tuple[Distance, ...]]:
    """`eligibility` for each learner; each target's plans for all of them are made together."""
    targets = list(targets)
    plans = [_finishes(q, learners, held) for (q, _, _), held in zip(targets, _held_units(targets, learners))]
    distances = [[Distance(q, body, finish) for finish in by_target] for (q, body, _), by_target in zip(targets, plans)]

    def by_learner(values: Iterable[int]) -> "np.ndarray":
        return np.array(list(values), dtype=np.int64).reshape(len(targets), len(learners)).T

    rank = by_learner(_RANK[finish.status] for by_target in plans for finish in by_target)
    # A finish of units sized in GLH only has no credit total: it comes after those that have one.
    credits = by_learner(_NO_CREDITS if finish.credits_to_add is None else finish.credits_to_add
                         for by_target in plans for finish in by_target)
    units = by_learner(finish.units_to_add for by_target in plans for finish in by_target)
    # Every learner's order at once; lexsort is stable, so ties keep the order given.
    order = np.lexsort((units, credits, rank), axis=-1)
    return [tuple(distances[t][k] for t in row) for k, row in enumerate(order.tolist())]


def _finishes(q: CompiledQualification, learners: Sequence[Learner], held: HeldUnits) -> list[Plan]:
    """Each learner's cheapest finish of `q`; a learner registered for a pathway whose rules are not met, who
    already holds the general title, has achieved the qualification all the same."""
    found = plan_many(q, learners, held, minimise=finish_measure(q))
    if not q.pathways or q.pathway_required or all(f.status is PlanStatus.ALREADY_ACHIEVED for f in found):
        return found
    general = plan_many(attrs.evolve(q, pathways=()), learners, held, minimise=finish_measure(q))
    return [g if g.status is PlanStatus.ALREADY_ACHIEVED else f for f, g in zip(found, general)]


def _held_units(targets: Sequence[tuple[CompiledQualification, str, Callable[[str], bool]]],
                learners: Sequence[Learner]) -> list[HeldUnits]:
    """What the learners' records give towards each target. Targets of one catalogue and result policy, with
    no completion window and the same age rule, differ only in their pools: the records are read once,
    towards the union of those pools, and each target takes its own units from that."""
    groups: dict[object, list[int]] = {}
    for k, (q, _, counts) in enumerate(targets):
        # Prerequisites, requirements of the learner and equivalents (pool units numbered after the
        # qualification's own) are each qualification's own, so are its holdings.
        shared = (q.window is None and q.grading is None and not q.prerequisites and not q.attainment
                  and not q.required_qualifications and q.equivalents is None)
        key = (id(q.catalogue_refs), counts, q.minimum_age and rule_text(q.minimum_age)) if shared else k
        groups.setdefault(key, []).append(k)
    found: list[HeldUnits] = [None] * len(targets)
    for members in groups.values():
        first, _, counts = targets[members[0]]
        counting = grading.counting(first, counts) if first.grading else counts
        if len(members) == 1:
            found[members[0]] = HeldUnits.of(len(first.units), [holdings_of(first, learner, counting, counts)
                                                                for learner in learners])
            continue
        union = {ref: i for i, ref in enumerate(dict.fromkeys(u.ref for k in members for u in targets[k][0].units))}
        # `holdings_of` sees the pool through `index` alone: this view of the first target has the union's.
        view = attrs.evolve(first, index=union)
        both = HeldUnits.of(len(union), [holdings_of(view, learner, counting, counts) for learner in learners])
        for k in members:
            found[k] = both.projected([union[u.ref] for u in targets[k][0].units])
    return found
