"""The pathway a verdict awards (docs/semantics.md "Pathways").

Each pathway is compiled as a qualification of its own, the qualification's requirements and the pathway's
over the same pool (compiler.py), so whichever engine decides the qualification decides each pathway too,
exactly. A learner's verdict is then:

- with a pathway recorded for the learner (the `pathway` column): that pathway's verdict when its rules are
  met; otherwise, the qualification's own verdict under its general title, or, when a pathway is required,
  not achieved, with the recorded pathway's closest claim;
- without one: the verdict of the first pathway met in the order declared. A pathway whose verdict is in
  doubt, before any met, leaves the title in doubt: the verdict is undetermined.
- when no pathway is met: the qualification's own verdict, unless a pathway is required: then not achieved,
  with the closest claim of the pathway that fails the fewest rules (the first of those).

The claim reported is always the one of the pathway awarded, so the grade of a graded qualification is the
best grade within that pathway's rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Sequence

import attrs

from qualrules.interpreter.records.learner import Learner
from qualrules.interpreter.wording import word_list

if TYPE_CHECKING:
    from qualrules.interpreter.engine.compiler import CompiledPathway, CompiledQualification
    from qualrules.interpreter.engine.evaluator import Verdict
    from qualrules.interpreter.engine.planner import Plan

# The evaluator's classes are imported where they are used: the evaluator imports this module.


@attrs.frozen
class PathwayStanding:
    """One pathway on one learner's record: whether its rules are met, whether it is the one awarded, and the
    pathway's own rules its closest claim does not meet."""

    name: str
    status: str  # the status of the pathway's verdict: achieved, not achieved, undetermined
    awarded: bool
    unmet: tuple[str, ...]

    def to_json(self) -> dict:
        return {"name": self.name, "status": self.status, "awarded": self.awarded, "unmet": list(self.unmet)}


def with_pathways(q: "CompiledQualification", learners: Sequence[Learner], verdicts: list["Verdict"],
                  counts: Callable[[str], bool], evaluate_many) -> list["Verdict"]:
    """Each learner's verdict, decided by the pathways of `q` (`verdicts`: by the qualification's rules alone)."""
    by_pathway = [evaluate_many(p.qualification, learners, counts) for p in q.pathways]
    return [_awarded(q, learner, verdict, [found[k] for found in by_pathway])
            for k, (learner, verdict) in enumerate(zip(learners, verdicts))]


def recorded_pathway(q: "CompiledQualification", learner: Learner) -> int | None:
    """The index of the pathway of `q` the learner's record names, if it names one of them."""
    if learner.pathway is None:
        return None
    return next((k for k, p in enumerate(q.pathways) if p.name.casefold() == learner.pathway.casefold()), None)


def _awarded(q: "CompiledQualification", learner: Learner, verdict: "Verdict",
             within: list["Verdict"]) -> "Verdict":
    from qualrules.interpreter.engine.evaluator import RuleOutcome, Status

    names = [p.name for p in q.pathways]
    recorded = recorded_pathway(q, learner)
    order = list(range(len(names))) if recorded is None else [recorded]
    # A pathway the record names that is another qualification's changes nothing here; the decision says so.
    other = "" if learner.pathway is None or recorded is not None else \
        f" (the record's pathway {learner.pathway!r} is not one of {q.qan}'s)"
    first = next((k for k in order if within[k].status is not Status.NOT_ACHIEVED), None)
    if first is not None and within[first].status is Status.ACHIEVED:
        how = "the pathway recorded for the learner" if recorded is not None else \
            "the first pathway met, in the order declared"
        return _standing(q, within[first], within, first, f'awarded with pathway "{names[first]}": {how}{other}',
                         first)
    if first is not None:  # in doubt, before any pathway met
        decision = f'the title depends on pathway "{names[first]}", whose rules the record cannot yet decide' \
            if _own_unmet(q.pathways[first], within[first]) else \
            f'the title depends on pathway "{names[first]}": its own rules are met, but the record lacks what ' \
            "the qualification's rules need"
        return _standing(q, within[first], within, None, decision + other, first)
    unmet = f'the recorded pathway "{names[recorded]}" is not met' if recorded is not None else \
        f"no pathway is met{other}"
    if not q.pathway_required:
        decision = f"{unmet}: awarded the general title" if verdict.achieved else unmet
        return attrs.evolve(_standing(q, verdict, within, None, decision, None),
                            recorded_pathway_unmet=verdict.achieved and recorded is not None)
    closest = min(order, key=lambda k: (len(within[k].unmet), k))
    considered = word_list([f'"{names[k]}"' for k in order], "or")
    required = RuleOutcome(q.source.pathway_required, "pathway required", False,
                           f"pathway required: the rules of {considered} are not met", ())
    decision = f'a pathway is required and {unmet}; the claim shown is the closest for "{names[closest]}"'
    found = attrs.evolve(within[closest], status=Status.NOT_ACHIEVED, grade=None,
                         outcomes=within[closest].outcomes + (required,))
    return _standing(q, found, within, None, decision, closest)


def _standing(q: "CompiledQualification", verdict: "Verdict", within: list["Verdict"], awarded: int | None,
              decision: str, claimed: int | None) -> "Verdict":
    """`claimed`: the pathway whose verdict `verdict` is (None: the qualification's own)."""
    standings = tuple(PathwayStanding(p.name, v.status.value, k == awarded, _own_unmet(p, v))
                      for k, (p, v) in enumerate(zip(q.pathways, within)))
    return attrs.evolve(verdict, pathway=None if awarded is None else q.pathways[awarded].name,
                        pathways=standings, pathway_decision=decision,
                        within=None if claimed is None else q.pathways[claimed].name)


def claimed_within(q: "CompiledQualification", verdict: "Verdict") -> "CompiledQualification":
    """The compiled qualification whose rules chose a verdict's claim, whose outcomes it reports in order."""
    return next((p.qualification for p in q.pathways if p.name == verdict.within), q)


def graded_within(q: "CompiledQualification", learner: Learner, counts: Callable[[str], bool]
                  ) -> "CompiledQualification":
    """The qualification a grade plan is made within: the pathway recorded for the learner, else the one whose
    rules chose the verdict's claim (the pathway awarded, or the closest when one is required), else `q`'s own."""
    from qualrules.interpreter.engine.evaluator import evaluate

    recorded = recorded_pathway(q, learner)
    if recorded is not None:
        return q.pathways[recorded].qualification
    return claimed_within(q, evaluate(q, learner, counts))


def plans_within(q: "CompiledQualification", learners: Sequence[Learner],
                 plan_all: Callable[["CompiledQualification"], list["Plan"]]) -> list["Plan"]:
    """The cheapest finish of a qualification with pathways, for each learner: of the pathway recorded for the
    learner; else, when a pathway is required, the cheapest of the pathways' (ties: fewer units, then the order
    declared); else the qualification's own, under its general title. `plan_all` plans each learner towards a
    qualification without pathways."""
    from qualrules.interpreter.engine.planner import PlanStatus

    # An undetermined finish costs what it adds should the missing data turn out in the learner's favour, as
    # its verdict assumes: ranked with the planned by that cost, not after them.
    rank = {PlanStatus.ALREADY_ACHIEVED: 0, PlanStatus.PLANNED: 1, PlanStatus.UNDETERMINED: 1, PlanStatus.IMPOSSIBLE: 2}
    general = plan_all(attrs.evolve(q, pathways=()))
    by_pathway = [[attrs.evolve(finish, pathway=p.name) for finish in plan_all(p.qualification)] for p in q.pathways]
    found = []
    for k, learner in enumerate(learners):
        recorded = recorded_pathway(q, learner)
        if recorded is not None:
            found.append(by_pathway[recorded][k])
        elif q.pathway_required:
            found.append(min((plans[k] for plans in by_pathway),
                             key=lambda finish: (rank[finish.status], finish.cost, finish.units_to_add)))
        else:
            found.append(general[k])
    return found


def _own_unmet(pathway: "CompiledPathway", verdict: "Verdict") -> tuple[str, ...]:
    """What of the pathway's own rules the verdict's claim does not meet."""
    own = {id(rule) for rule in pathway.source.rules}
    return tuple(o.detail for o in verdict.outcomes if id(o.rule) in own and o.met is not True)


def pathway_json(verdict: "Verdict") -> dict:
    """The JSON keys of a verdict of a qualification with pathways."""
    return {
        "pathway": verdict.pathway,
        "awarded_title": verdict.awarded_title,
        "pathway_decision": verdict.pathway_decision,
        "pathways": [standing.to_json() for standing in verdict.pathways],
    }
