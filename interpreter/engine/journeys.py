"""Learner journeys: why a verdict is what it is (`explain`) and how far a learner is from every loaded
qualification (`eligible`). Pure: verdicts and plans in, structures out; text rendering is in
journeys_output."""

from __future__ import annotations

import enum
from typing import Callable, Iterable

import attrs

from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.engine.requirements import Alternatives, Linear, Requirement
from qualrules.interpreter.engine.requirements import holds
from qualrules.interpreter.engine.evaluator import RuleOutcome, Verdict, linear_requirements, evaluate
from qualrules.interpreter.records.learner import Learner
from qualrules.interpreter.engine.planner import Plan, PlanStatus, plan


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
    by credits."""

    qualification: CompiledQualification
    verdict: Verdict
    plan: Plan
    rules: tuple[RuleExplanation, ...]

    def to_json(self) -> dict:
        verdict = self.verdict
        return {
            "learner": verdict.learner,
            "qualification": verdict.qan,
            "title": verdict.title,
            "status": verdict.status.value,
            "claim": list(verdict.claim),
            "credits": verdict.credits,
            "glh": verdict.glh,
            "rules": [rule.to_json() for rule in self.rules],
            "not_counted": [{"unit": s.unit, "reason": s.reason} for s in verdict.set_aside],
            "missing": list(verdict.missing),
            "plan": self.plan.to_json(),
        }


def explain(q: CompiledQualification, learner: Learner, counts: Callable[[str], bool]) -> Explanation:
    """The verdict with every rule explained, and the cheapest finish by credits."""
    verdict = evaluate(q, learner, counts)
    finish = plan(q, learner, counts)
    chosen = {q.index[ref] for ref in verdict.claim}
    # The evaluator reports one outcome per requirement, in order, then the completion window and age.
    requirements: list[Requirement | None] = list(q.requirements)
    requirements += [None] * (len(verdict.outcomes) - len(requirements))
    rules = tuple(_rule(q, outcome, requirement, chosen, finish)
                  for outcome, requirement in zip(verdict.outcomes, requirements))
    return Explanation(q, verdict, finish, rules)


def _rule(q: CompiledQualification, outcome: RuleOutcome, requirement: Requirement | None, chosen: set[int],
          finish: Plan) -> RuleExplanation:
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
    label = requirement.label if isinstance(requirement, Linear) else None
    return RuleExplanation(outcome, label, shortfall, towards, options)


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
            "credits_to_add": finish.credits_to_add,
            "units_to_add": finish.units_to_add,
            "add": list(finish.add),
            "reasons": list(finish.reasons),
        }


_RANK = {PlanStatus.ALREADY_ACHIEVED: 0, PlanStatus.PLANNED: 1, PlanStatus.UNDETERMINED: 1,
         PlanStatus.IMPOSSIBLE: 2}


def eligibility(targets: Iterable[tuple[CompiledQualification, str, Callable[[str], bool]]],
                learner: Learner) -> tuple[Distance, ...]:
    """Every target (qualification, awarding body name, its result policy) for one learner: achieved ones
    first, then the rest nearest first (credits, then units still to add), impossible ones last; ties keep
    the order given."""
    standings = [Distance(q, body, plan(q, learner, counts)) for q, body, counts in targets]
    return tuple(sorted(standings, key=lambda s: (_RANK[s.plan.status], s.plan.credits_to_add,
                                                  s.plan.units_to_add)))
