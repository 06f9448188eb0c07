"""Endorsed titles (docs/language.md "Pathways"): the checker's errors in a qualification's pathways, and the
linter's findings on pathways no learner can complete or every achiever completes. The verdict's pathway is
decided in engine/pathways.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterator

from qualrules.interpreter import model as m
from qualrules.interpreter.diagnostics import Diagnostic, Location, Severity
from qualrules.interpreter.wording import word_list

if TYPE_CHECKING:
    from qualrules.interpreter.engine.compiler import CompiledPathway, CompiledQualification


def pathway_rules(qualification: m.Qualification) -> tuple[m.Rule, ...]:
    """Every pathway's rules, in the order declared."""
    return tuple(rule for pathway in qualification.pathways for rule in pathway.rules)


def check_pathways(qualification: m.Qualification, error: Callable[..., None]) -> None:
    """The errors in one qualification's pathways: `error(code, message, span, hint)` for each."""
    seen: dict[str, m.Pathway] = {}
    for pathway in qualification.pathways:
        # Records name a learner's pathway in any letter case, so names differing only in case would clash.
        first = seen.setdefault(pathway.name.casefold(), pathway)
        if first is not pathway:
            error("QR180", f'{qualification.qan} declares pathway "{pathway.name}" twice (first on line '
                  f"{first.span.line})", pathway.name_span,
                  hint="give each pathway a name of its own, or merge the two blocks into one")
        for rule in pathway.rules:
            if isinstance(rule, (m.CompletionWindow, m.MinimumAge)):
                error("QR182", "a completion window or entry age applies to the whole qualification, not to one "
                      "pathway", rule.span, hint="move it out of the `pathway` block")
    if qualification.pathway_required is not None and not qualification.pathways:
        error("QR181", f"{qualification.qan} says `pathway required` but declares no pathway",
              qualification.pathway_required,
              hint='declare its pathways with `pathway "Name"` ... `end`, or delete `pathway required`')


def pathway_sentences(qualification: m.Qualification) -> tuple[str, ...]:
    """How the title is awarded, in English, as `show` presents it above each pathway's rules."""
    if not qualification.pathways:
        return ()
    names = word_list([f'"{p.name}"' for p in qualification.pathways], "or")
    if qualification.pathway_required is not None:
        awarded = (f"It is awarded only with a pathway: a learner must also meet the rules of {names}, and is awarded "
                   f'the title with the pathway\'s name, "{qualification.title} ({qualification.pathways[0].name})".')
    else:
        awarded = (f'A learner who also meets the rules of {names} is awarded the title with the pathway\'s name, '
                   f'"{qualification.title} ({qualification.pathways[0].name})"; one who meets none, '
                   f'"{qualification.title}".')
    return (awarded, "When the rules of several pathways are met, the pathway the learner is registered for "
                     "decides; without one, the first in the order listed.")


def lint_pathways(q: "CompiledQualification", deadline: float) -> Iterator[Diagnostic]:
    """For a qualification some claim achieves: each pathway no claim can complete (QR420), by its rules or, graded,
    short of the pass grade's points with every unit at its best grade, each whose rules every claim achieving
    the qualification meets (QR421), and each whose every claim meets the rules of a pathway before it (QR422),
    so that only a learner registered for it is awarded it."""
    from qualrules.interpreter.engine.cpsat import ClaimModel
    from qualrules.interpreter.engine.planner import why_impossible
    from qualrules.interpreter.grade_lint import points_at_best, require_pass_points

    everything = range(len(q.units))
    # The claims that may achieve, within the pass grade's points; where no claim reaches them QR411 says so,
    # and every claim meeting the rules is compared as for a pass-only qualification.
    floored = q.grading is not None and q.grading.pass_points > 0 and \
        require_pass_points(q, ClaimModel(q, everything, deadline).require()).feasible_with([])

    def achieving(qualification: "CompiledQualification") -> ClaimModel:
        claim_model = ClaimModel(qualification, everything, deadline).require()
        return require_pass_points(qualification, claim_model) if floored else claim_model

    for compiled in q.pathways:
        pathway, within = compiled.source, compiled.qualification
        location = Location(q.path, pathway.name_span.line, pathway.name_span.column, pathway.name_span.end_line,
                            pathway.name_span.end_column)
        if ClaimModel(within, everything, deadline).conflict() is not None:
            (reason,) = why_impossible(within, frozenset(), frozenset(everything), frozenset())
            yield Diagnostic("QR420", Severity.ERROR, f'pathway "{pathway.name}" of {q.qan} can never be completed: '
                             f"{reason}", location,
                             "relax the pathway's rules, or check them against the specification")
            continue
        if floored and not achieving(within).feasible_with([]):
            claim_model = ClaimModel(within, everything, deadline).require()
            points = points_at_best(within, claim_model)
            claim_model.maximise([points])
            most = claim_model.solved.value(points)
            threshold = within.grading.thresholds[0]
            yield Diagnostic("QR420", Severity.ERROR, f'pathway "{pathway.name}" of {q.qan} can never be completed: '
                             f"no claim within its rules reaches {threshold.grade} ({threshold.points} points): at most "
                             f"{most} points can be counted, with every unit at its best grade", location,
                             "relax the pathway's rules, or check them and the grade thresholds against the "
                             "specification")
            continue
        claim_model = achieving(q)
        if not claim_model.feasible_with([~claim_model.holds_all(_own(compiled))]):
            yield Diagnostic("QR421", Severity.WARNING, f'every learner who achieves {q.qan} meets the rules of '
                             f'pathway "{pathway.name}"', location,
                             "a pathway's rules add to the qualification's: check them against the specification; "
                             "the pathways after it are awarded only to learners registered for them")
            continue
        earlier = q.pathways[:q.pathways.index(compiled)]
        claim_model = achieving(within)
        if earlier and not claim_model.feasible_with([~claim_model.holds_all(_own(p)) for p in earlier]):
            names = word_list([f'"{p.name}"' for p in earlier], "or")
            yield Diagnostic("QR422", Severity.WARNING, f'every claim that completes pathway "{pathway.name}" also '
                             f"completes {names}, declared before it, so only a learner registered for it is "
                             "awarded it", location,
                             "pathways are awarded in the order written: put the more demanding pathway first, or "
                             "check the rules against the specification")


def _own(compiled: "CompiledPathway") -> list:
    """The requirements of a pathway's qualification that are the pathway's own rules."""
    declared = {id(rule) for rule in compiled.source.rules}
    return [r for r in compiled.qualification.requirements if id(r.rule) in declared]
