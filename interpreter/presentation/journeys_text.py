"""Learner journeys for people: `explain` as an indented, coloured tree, `plan` and `eligible` as text; and
`eligible`'s JSON for programs."""

from __future__ import annotations

import json
from typing import Mapping, Sequence

import click

from qualrules.interpreter.presentation.json_text import array_element, indented
from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.engine.assessment import CriteriaDetail, KsbEvidence, UnitCriteria
from qualrules.interpreter.diagnostics import Diagnostic, escaped, render_plain
from qualrules.interpreter.engine.evaluator import Status
from qualrules.interpreter.engine.journeys import Distance, Explanation, RuleExplanation, RuleStatus
from qualrules.interpreter.engine.pathways import PathwayStanding
from qualrules.interpreter.presentation.check_table import STATUS_COLOURS, status_text
from qualrules.interpreter.engine.planner import Plan, PlanStatus, pool_index
from qualrules.interpreter.engine.requirements import declared_total
from qualrules.interpreter.records.learner import UnreadUnit
from qualrules.interpreter.wording import credits_text, glh_text, measure_word, plural, rule_text, word_list

RULE_MARKS = {RuleStatus.MET: ("✓", "green"), RuleStatus.NOT_MET: ("✗", "red"), RuleStatus.CANNOT_TELL: ("?", "yellow")}
PLAN_COLOURS = {PlanStatus.ALREADY_ACHIEVED: "green", PlanStatus.PLANNED: "cyan", PlanStatus.IMPOSSIBLE: "red",
                PlanStatus.UNDETERMINED: "yellow"}
MINIMISED_BY = {"credits": "credits", "glh": "GLH", "units": "units"}
MINIMISED = {"credits": "fewest credits", "glh": "fewest guided learning hours", "units": "fewest units",
             "criteria": "fewest assessment criteria still to meet"}


# (first line, further lines) of a branch, then of the last branch: styled once, as a cohort writes thousands.
_BRANCH = (click.style("├─ ", dim=True), click.style("│  ", dim=True))
_LAST_BRANCH = (click.style("└─ ", dim=True), click.style("   ", dim=True))


def branches(items: Sequence[Sequence[str]]) -> list[str]:
    """A tree level: each item's first line on a branch, its further lines hanging beneath it."""
    out = []
    for k, lines in enumerate(items):
        first, further = _LAST_BRANCH if k == len(items) - 1 else _BRANCH
        out.append(first + lines[0])
        out.extend(further + line for line in lines[1:])
    return out


def heading(learner: str, q: CompiledQualification) -> str:
    return click.style(escaped(learner), bold=True) + escaped(f"  {q.qan} {q.title}")


# ---- explain ---------------------------------------------------------------------------------------------

def explanation_text(explanation: Explanation) -> str:
    q, verdict = explanation.qualification, explanation.verdict
    sized = verdict.credits is not None or _declare_credits(q, verdict.claim)
    claim = escaped(f"the claim counts {plural(len(verdict.claim), 'unit')}, "
                    + (f"{credits_text(verdict.credits)}, " if sized else "") + glh_text(verdict.glh)
                    + (f": {', '.join(verdict.claim)}" if verdict.claim else ""))
    out = [heading(verdict.learner, q),
           click.style(status_text(verdict), fg=STATUS_COLOURS[verdict.status], bold=True) + f"; {claim}",
           "", click.style("Rules", bold=True)]
    # A unit the claim counts by an equivalent is measured as that equivalent (with its own credit, perhaps).
    counted_as = {e.replacement: e.index for e in verdict.equivalents or ()}
    out += branches([_rule_lines(q, rule, counted_as) for rule in explanation.rules])
    if verdict.unit_points and verdict.points is None:  # graded by a table of components' grades
        out += ["", click.style("Grades", bold=True)]
        out += branches([[escaped(f"{u.label}: {u.grade}")] for u in verdict.unit_points])
    elif verdict.unit_points:
        out += ["", click.style(f"Points ({verdict.points})", bold=True)]
        out += branches([[escaped(f"{u.label}: {u.grade}, {plural(u.points, 'point')}")] for u in verdict.unit_points])
    if verdict.pathways:
        out += ["", click.style("Pathways", bold=True), escaped(verdict.pathway_decision)]
        out += branches([_pathway_lines(standing) for standing in verdict.pathways])
    if verdict.award_instead is not None:
        fallback = verdict.award_instead
        points = "" if fallback.points is None else f", {plural(fallback.points, 'point')}"
        out += ["", click.style("Awarded instead", bold=True),
                escaped(f"{fallback.qan} {fallback.title}: {status_text(fallback)}{points}")]
    if verdict.equivalents:
        out += ["", click.style("Counted by equivalence", bold=True)]
        out += branches([[escaped(e.text)] for e in verdict.equivalents])
    if verdict.set_aside:
        out += ["", click.style("Not counted", bold=True)]
        out += branches([[escaped(f"{s.unit}: {s.reason}")] for s in verdict.set_aside])
    if verdict.missing:
        out += ["", click.style("Missing from the record", bold=True)]
        out += branches([[escaped(needed)] for needed in verdict.missing])
    out += unread_lines(explanation.unread)
    if explanation.criteria is not None:
        out += criteria_lines(explanation.criteria)
    if verdict.status is not Status.ACHIEVED:
        out += ["", click.style(f"Cheapest finish ({MINIMISED[explanation.plan.minimise]})", bold=True)]
        out += ["   " + line for line in plan_lines(q, explanation.plan, under_way(explanation.criteria))]
    return "\n".join(out)


def unread_lines(unread: Sequence[UnreadUnit]) -> list[str]:
    """The section naming the record's units in no loaded catalogue, which nothing counted: a unit mistyped
    there would otherwise be one a plan tells the learner to take."""
    if not unread:
        return []
    lines = [[escaped(f"{unit.text!r}" + (f" ({unit.where})" if unit.where else "") + f": {unit.why}")]
             for unit in unread]
    return ["", click.style("Not read from the record", bold=True)] + branches(lines)


_PATHWAY_MARKS = {"achieved": RULE_MARKS[RuleStatus.MET], "not achieved": RULE_MARKS[RuleStatus.NOT_MET],
                  "undetermined": RULE_MARKS[RuleStatus.CANNOT_TELL]}
_PATHWAY_WORDS = {"achieved": "rules met", "not achieved": "rules not met", "undetermined": "cannot tell yet"}


def _pathway_lines(standing: PathwayStanding) -> list[str]:
    """One pathway on the learner's record: met or not, awarded or not, and what of its own rules is unmet."""
    mark, colour = _PATHWAY_MARKS[standing.status]
    awarded = ", awarded" if standing.awarded else ""
    # In doubt with none of its own rules unmet: what the record lacks is the qualification's.
    words = "rules met, cannot tell yet" if standing.status == "undetermined" and not standing.unmet \
        else _PATHWAY_WORDS[standing.status]
    return [click.style(f"{mark} ", fg=colour, bold=True) + escaped(f"{standing.name}: {words}{awarded}"),
            *("   " + escaped(unmet) for unmet in standing.unmet)]


def criteria_lines(detail: CriteriaDetail) -> list[str]:
    """The achievement log's part of an explanation: each unit it names, with the criteria still missing by
    learning outcome, then the KSBs of each standard evidenced and remaining."""
    out = []
    if detail.units:
        out += ["", click.style("Assessment criteria", bold=True)]
        out += branches([_unit_criteria_lines(found) for found in detail.units])
    for coverage in detail.ksbs:
        out += ["", click.style(escaped(f"KSB coverage: {coverage.standard.title}"), bold=True)]
        out += branches([*([_ksb_line(e, "✓", "green", f"evidenced by {', '.join(e.units)}")]
                           for e in coverage.evidenced),
                         *([_ksb_line(e, "✗", "red", f"to come from {' or '.join(e.units)}" if e.units
                                      else "no unit of this qualification maps to it")]
                           for e in coverage.remaining)])
    return out


def _unit_criteria_lines(found: UnitCriteria) -> list[str]:
    ref = found.unit.ref
    colour = "green" if found.progress.counts else "yellow"
    lines = [escaped(f"{ref}  {found.unit.title}: ") + click.style(escaped(found.standing), fg=colour)]
    referred = set(found.progress.referred)
    lines += branches([[escaped(f"outcome {gap.outcome.number}  {gap.outcome.text}"),
                        *branches([[click.style("✗ ", fg="red") + escaped(f"{ref} {c.number} {c.text}")
                                    + (click.style("  (referred)", fg="red") if c.number in referred else "")]
                                   for c in gap.missing])]
                       for gap in found.gaps])
    return lines


def _ksb_line(evidence: KsbEvidence, mark: str, colour: str, units: str) -> str:
    return (click.style(f"{mark} ", fg=colour) + escaped(f"{evidence.ksb.code}  {evidence.ksb.text}  ")
            + click.style(escaped(f"({units})"), dim=True))


def _rule_lines(q: CompiledQualification, rule: RuleExplanation, counted_as: dict[str, int]) -> list[str]:
    mark, colour = RULE_MARKS[rule.status]
    outcome = rule.outcome
    lines = [click.style(f"{mark} ", fg=colour, bold=True) + escaped(outcome.text) + "  "
             + click.style(rule.status.value, fg=colour), click.style(escaped(outcome.detail), dim=True)]
    if outcome.counted:
        lines.append(escaped("counted: " + ", ".join(_counted(q, rule, counted_as.get(ref, q.index.get(ref)), ref)
                                                    for ref in outcome.counted)))
    if rule.options:
        lines += branches([[click.style(f"{'✓' if o.met else '✗'} ", fg='green' if o.met else 'red')
                            + escaped(f"option {k}: " + "; ".join(o.rules))] for k, o in enumerate(rule.options, 1)])
    if rule.status is RuleStatus.NOT_MET:
        needs = _needs(rule)
        if needs:
            lines.append(click.style(escaped(needs), fg="red"))
    return lines


def _counted(q: CompiledQualification, rule: RuleExplanation, index: int, ref: str) -> str:
    """A counted unit (pool unit `index`) with its value in the rule's measure, when the rule measures more
    than units."""
    measure = rule.outcome.measure
    if measure is None or measure.value == "units":
        return ref
    return f"{ref} ({q.measure(measure, index)})"


def _needs(rule: RuleExplanation) -> str | None:
    """`needs 2 more credits from CORE, e.g. L3C6`: the gap on the reported claim, with the units the
    cheapest finish adds towards it; `still needs L3B1` for the units an `all of` rule requires."""
    if rule.still_needed:
        return f"still needs {', '.join(rule.still_needed)}"
    example = f", e.g. {', '.join(rule.towards)}" if rule.towards else ""
    outcome = rule.outcome
    if rule.shortfall is not None:
        label = rule.sources or rule.label
        # The whole pool's label is `Total`, with any level after it: `needs 1 more credit at level 5 or above`.
        if not label or label == "Total" or label.startswith("Total "):
            scope = (label or "").removeprefix("Total")
        else:
            scope = f" from {label}"
        return f"needs {rule.shortfall} more {measure_word(outcome.measure, rule.shortfall)}{scope}{example}"
    if rule.options:
        return f"needs one option met{example}"
    return None


# ---- plan ------------------------------------------------------------------------------------------------

def under_way(criteria: CriteriaDetail | None) -> dict[str, str]:
    """What the achievement log says of each unit it names that does not count yet, by reference: a unit a
    finish adds may be under way, and all it needs may be a signature."""
    if criteria is None:
        return {}
    return {found.unit.ref: found.standing for found in criteria.units if not found.progress.counts}


def plan_text(q: CompiledQualification, finish: Plan, assumed: Sequence[str] = (),
              criteria: CriteriaDetail | None = None, unread: Sequence[UnreadUnit] = ()) -> str:
    """The plan for one learner; `assumed` are the units the plan was asked to treat as passed, `criteria`
    the learner's achievement log (`assessment.criteria_detail`), `unread` the record's units in no loaded
    catalogue."""
    title = f"Cheapest finish ({MINIMISED[finish.minimise]})"
    in_pool = sorted(i for i in (pool_index(q, ref) for ref in assumed) if i is not None)
    what_if = [q.units[i].ref for i in in_pool]
    if what_if:
        title += f", assuming the learner passes {', '.join(what_if)}"
    return "\n".join([heading(finish.learner, q), click.style(escaped(title), bold=True),
                      *("   " + line for line in plan_lines(q, finish, under_way(criteria))), *unread_lines(unread)])


def plan_lines(q: CompiledQualification, finish: Plan, under_way: Mapping[str, str] | None = None) -> list[str]:
    """The plan's body: status, units to add, resulting claim and deadline, or the reasons it cannot be made;
    `under_way`: what the achievement log says of units it names that do not count yet, by reference."""
    colour = PLAN_COLOURS[finish.status]
    status = click.style(finish.status.value, fg=colour, bold=True)
    out = [escaped(f'for pathway "{finish.pathway}"')] if finish.pathway is not None else []
    if finish.status is PlanStatus.IMPOSSIBLE:
        return out + [click.style("cannot be achieved", fg=colour, bold=True)
                      + escaped(", because " + "; ".join(finish.reasons))]
    if finish.status is PlanStatus.UNDETERMINED:
        out.append(status + escaped(": " + "; ".join(finish.reasons)))
        out.append("if the missing data turns out in the learner's favour:")
    if finish.status is PlanStatus.ALREADY_ACHIEVED or not finish.add:
        out.append((status + ": " if finish.status is PlanStatus.ALREADY_ACHIEVED else "") + "nothing to add")
    else:
        criteria = (f", {finish.cost} assessment {'criterion' if finish.cost == 1 else 'criteria'} to meet"
                    if finish.minimise == "criteria" else "")
        out.append(f"add {plural(finish.units_to_add, 'unit')}: "
                   + (f"{credits_text(finish.credits_to_add)}, " if _declare_credits(q, finish.add) else "")
                   + glh_text(finish.glh_to_add) + criteria)
        out += branches([[click.style("+ ", fg="green", bold=True) + _unit_line(q, ref)
                          + escaped(_added_note(finish, ref, under_way or {}))] for ref in finish.add])
    counted_as = {e.replacement: e.index for e in finish.equivalents or ()}
    counted = [q.units[counted_as.get(ref, q.index[ref])] for ref in finish.claim]
    credits = declared_total(unit.credits for unit in counted)
    size = credits_text(credits) if credits is not None or _declare_credits(q, [u.ref for u in counted]) \
        else glh_text(declared_total(unit.glh for unit in counted))
    out.append(escaped(f"resulting claim: {', '.join(finish.claim) or 'none'} "
                       f"({plural(len(finish.claim), 'unit')}, {size})"))
    if finish.equivalents:
        out.append(escaped("by equivalence: " + "; ".join(e.text for e in finish.equivalents)))
    if finish.add and q.window is not None:
        window = escaped(rule_text(q.window))
        out.append(f"to count, the units must be achieved by {finish.deadline.isoformat()} (`{window}`)"
                   if finish.deadline else
                   f"the record has no registration date, so the deadline under `{window}` is unknown")
    return out


def _declare_credits(q: CompiledQualification, refs: Sequence[str]) -> bool:
    """Whether any of these units declares credits: units sized in GLH alone (a BTEC National's) are told
    their GLH, with no word of credits."""
    return any(q.units[q.index[ref]].credits is not None for ref in refs if ref in q.index)


def _added_note(finish: Plan, ref: str, under_way: Mapping[str, str]) -> str:
    if ref in finish.retake:
        return ", to be taken again (held below a pass)"
    return f": {under_way[ref]}" if ref in under_way else ""


def _unit_line(q: CompiledQualification, ref: str) -> str:
    unit = q.units[q.index[ref]]
    sizes = [plural(unit.credits, "credit")] if unit.credits is not None else []
    sizes += [f"{unit.glh} GLH"] if unit.glh is not None else []
    return escaped(f"{ref}  {unit.title}  ") + click.style(f"({', '.join(sizes)})", dim=True)


# ---- eligible --------------------------------------------------------------------------------------------

def eligibility_text(learners: Sequence[tuple[str, Sequence[Distance] | Sequence[Diagnostic]]]) -> str:
    """Per learner: qualifications achieved, then the rest nearest first, then those out of reach grouped by
    the reason; a `?` marks a distance that depends on data the record lacks, listed once at the end."""
    out: list[str] = []
    written: dict[tuple, list[str]] = {}  # learners share most distances: each is written once

    def lines_of(distance: Distance) -> list[str]:
        finish = distance.plan
        key = (id(distance.qualification), finish.status, finish.add, finish.retake, finish.credits_to_add,
               finish.units_to_add)
        if key not in written:
            written[key] = _distance_lines(distance)
        return written[key]

    for learner, entries in learners:
        if out:
            out.append("")
        out.append(click.style(escaped(learner), bold=True))
        if entries and isinstance(entries[0], Diagnostic):
            out += ["   " + click.style("! ", fg="magenta") + render_plain(d) for d in entries]
            continue
        achieved = [d for d in entries if d.plan.status is PlanStatus.ALREADY_ACHIEVED]
        undetermined = [d for d in entries if d.plan.status is PlanStatus.UNDETERMINED]
        # Nothing to add, only data the record lacks: not "to go", but achieved once the record says.
        waiting = [d for d in undetermined if not d.plan.add]
        to_go = [d for d in entries if d.plan.status is PlanStatus.PLANNED or d.plan.status is PlanStatus.UNDETERMINED
                 and d.plan.add]
        impossible: dict[tuple[str, ...], list[Distance]] = {}
        for d in entries:
            if d.plan.status is PlanStatus.IMPOSSIBLE:
                impossible.setdefault(d.plan.reasons, []).append(d)
        lacking = dict.fromkeys(r for d in undetermined for r in d.plan.reasons)
        sections = [
            ("achieved", [lines_of(d) for d in achieved]),
            ("? nothing to add: achieved if the record's missing data allows", [lines_of(d) for d in waiting]),
            (_to_go_heading(to_go), [lines_of(d) for d in to_go]),
            ("cannot be achieved", [[click.style(escaped("; ".join(reasons)), fg="red"),
                                     *branches([lines_of(d) for d in found])]
                                    for reasons, found in impossible.items()]),
            ("? depends on data the record lacks", [[escaped(reason)] for reason in lacking]),
        ]
        out += branches([[click.style(name, bold=True), *branches(items)] for name, items in sections if items])
    return "\n".join(out)


def _to_go_heading(to_go: Sequence[Distance]) -> str:
    """The heading of the qualifications still to go, naming what their cheapest finishes minimise."""
    measures = dict.fromkeys(MINIMISED_BY[d.plan.minimise] for d in to_go)
    return f"to go (cheapest finish by {word_list(list(measures), 'or')})"


def _distance_lines(distance: Distance) -> list[str]:
    q, finish = distance.qualification, distance.plan
    colour = PLAN_COLOURS[finish.status]
    mark = {PlanStatus.ALREADY_ACHIEVED: "✓", PlanStatus.IMPOSSIBLE: "✗", PlanStatus.UNDETERMINED: "?",
            PlanStatus.PLANNED: "·"}[finish.status]
    line = click.style(f"{mark} ", fg=colour, bold=True) + escaped(f"{q.qan}  {q.title}")
    if finish.status in (PlanStatus.ALREADY_ACHIEVED, PlanStatus.IMPOSSIBLE):
        return [line]
    # A finish of units sized in GLH only is measured, and was found, in GLH.
    size = glh_text(finish.glh_to_add) if finish.credits_to_add is None else plural(finish.credits_to_add, "credit")
    gap = f"{size}, {plural(finish.units_to_add, 'unit')}" if finish.add else "nothing to add"
    return [line + "  " + click.style(gap, fg=colour, bold=True),
            *([click.style(escaped("add " + ", ".join(_added(finish))), dim=True)] if finish.add else [])]


def _added(finish: Plan) -> list[str]:
    return [ref + " (taken again)" if ref in finish.retake else ref for ref in finish.add]


def eligibility_json_elements(learners: Sequence[tuple[str, Sequence[Distance] | Sequence[Diagnostic]]]) -> str:
    """Per learner, their qualifications as `Distance.to_json` gives them, or their record errors, as elements
    of the array `eligible --format json` prints (`json_array` makes the array of such blocks): the text
    `json.dumps(..., indent=2)` makes of them, byte for byte, each distinct entry laid out once."""
    written: dict[tuple, str] = {}
    elements = []
    for learner, entries in learners:
        if entries and isinstance(entries[0], Diagnostic):
            elements.append(array_element({"learner": learner, "errors": [d.to_json() for d in entries]}))
            continue
        texts = []
        for distance in entries:
            finish = distance.plan
            key = (id(distance.qualification), distance.awarding_body, finish.status, finish.credits_to_add,
                   finish.units_to_add, finish.add, finish.reasons)
            if key not in written:
                written[key] = "      " + indented(distance.to_json(), "      ")
            texts.append(written[key])
        # `array_element`'s layout of {"learner": ..., "qualifications": [...]}, with the entries already laid out.
        listed = "[\n" + ",\n".join(texts) + "\n    ]" if texts else "[]"
        elements.append(f'  {{\n    "learner": {json.dumps(learner)},\n    "qualifications": {listed}\n  }}')
    return ",\n".join(elements)
