"""The cohort report: one self-contained HTML page (inline CSS, no scripts, no fetches) for one qualification.

Pure: verdicts and plans in, an HTML string out. Every value that comes from a record or a ruleset
(learner ids, unit references and titles, reasons, diagnostics) passes through `html.escape`, so a
hostile record cannot inject markup. Output depends only on the input: learners appear in the order
given and no clock is read.
"""

from __future__ import annotations

import enum
from collections import Counter
from html import escape
from typing import Callable, Iterable, Sequence

import attrs

from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.engine.requirements import Linear
from qualrules.interpreter.diagnostics import Diagnostic, render_plain
from qualrules.interpreter.engine.evaluator import RuleOutcome, Status, Verdict, evaluate
from qualrules.interpreter.records.learner import Learner
from qualrules.interpreter.engine.planner import Plan, PlanStatus, plan
from qualrules.interpreter.wording import glh_text, measure_word, plural

# A learner who has not achieved is "close" when the cheapest plan adds at most this many credits.
CLOSE_CREDITS = 6


class Standing(enum.Enum):
    """Where a learner stands, for the cohort summary; every learner has exactly one."""

    ACHIEVED = "Achieved"
    CLOSE = "Close"
    FURTHER = "Further to go"
    CANNOT = "Cannot achieve"
    UNDETERMINED = "Undetermined"
    UNREADABLE = "Record errors"


# How a count of learners reads in running text: "2 achieved", "1 with record errors".
STANDING_PHRASES = {
    Standing.ACHIEVED: "achieved",
    Standing.CLOSE: "close",
    Standing.FURTHER: "further to go",
    Standing.CANNOT: "cannot achieve",
    Standing.UNDETERMINED: "undetermined",
    Standing.UNREADABLE: "with record errors",
}

STANDING_NOTES = {
    Standing.ACHIEVED: "every rule is met",
    Standing.CLOSE: f"not yet achieved; the cheapest plan adds {CLOSE_CREDITS} credits or fewer",
    Standing.FURTHER: f"not yet achieved; more than {CLOSE_CREDITS} credits to add, or no plan settled",
    Standing.CANNOT: "no set of extra units from this catalogue completes it",
    Standing.UNDETERMINED: "the record lacks data needed to decide",
    Standing.UNREADABLE: "rows that could not be read; no verdict is given",
}


@attrs.frozen
class LearnerReport:
    """One learner's part of the report: a verdict and the plan to finish, or the errors in the record."""

    learner: str
    verdict: Verdict | None = None
    plan: Plan | None = None
    errors: tuple[Diagnostic, ...] = ()

    @property
    def standing(self) -> Standing:
        if self.verdict is None:
            return Standing.UNREADABLE
        if self.verdict.status is Status.ACHIEVED:
            return Standing.ACHIEVED
        if self.verdict.status is Status.UNDETERMINED:
            return Standing.UNDETERMINED
        if self.plan is not None and self.plan.status is PlanStatus.IMPOSSIBLE:
            return Standing.CANNOT
        if self.plan is not None and self.plan.status is PlanStatus.PLANNED \
                and self.plan.credits_to_add <= CLOSE_CREDITS:
            return Standing.CLOSE
        return Standing.FURTHER


def learner_report(qualification: CompiledQualification, learner: Learner,
                   counts: Callable[[str], bool]) -> LearnerReport:
    """The verdict and, unless achieved, the cheapest plan by credits; `counts` as for `evaluate`."""
    verdict = evaluate(qualification, learner, counts)
    route = None if verdict.achieved else plan(qualification, learner, counts, minimise="credits")
    return LearnerReport(learner.id, verdict, route)


def cohort_counts(learners: Iterable[LearnerReport]) -> dict[Standing, int]:
    """How many learners stand where, every standing present (zero when none)."""
    counts = Counter(entry.standing for entry in learners)
    return {standing: counts[standing] for standing in Standing}


def summary_text(learners: Sequence[LearnerReport]) -> str:
    """One line for a terminal: `5 learners: 2 achieved, 1 close, ...` (standings with nobody left out)."""
    return f"{plural(len(learners), 'learner')}: {_spread(cohort_counts(learners))}"


def _spread(counts: dict[Standing, int]) -> str:
    parts = [f"{count} {STANDING_PHRASES[standing]}" for standing, count in counts.items() if count]
    return ", ".join(parts) if parts else "none"


def html_report(qualification: CompiledQualification, learners: Sequence[LearnerReport], *,
                awarding_body: str | None = None, records: str | None = None,
                problems: Sequence[Diagnostic] = ()) -> str:
    """The whole page. `awarding_body` and `records` (the records file's name) only label the header;
    `problems` are record problems that belong to no learner."""
    q = qualification
    title = f"Cohort report: {q.title}"
    facts = [f"QAN {q.qan}"]
    if q.level is not None:
        facts.append(f"level {q.level}")
    if awarding_body:
        facts.append(awarding_body)
    if records:
        facts.append(f"records: {records}")
    body = [
        '<header class="page-head">',
        '<p class="kicker">Cohort report</p>',
        f"<h1>{escape(q.title)}</h1>",
        f'<p class="facts">{" · ".join(escape(f) for f in facts)}</p>',
        "</header>",
        "<main>",
        _summary(q, learners),
        _overview(learners),
        _problems(problems),
        *(_learner(q, k, entry) for k, entry in enumerate(learners, 1)),
        "</main>",
    ]
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # No fetches of any kind: the page works offline and leaks nothing when opened.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{escape(title)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        *filter(None, body),
        "</body>",
        "</html>",
        "",
    ])


# ---- cohort ------------------------------------------------------------------------------------------

def _summary(q: CompiledQualification, learners: Sequence[LearnerReport]) -> str:
    counts = cohort_counts(learners)
    tiles = []
    for standing, count in counts.items():
        tiles.append(
            f'<li class="tile {_css(standing)}{"" if count else " empty"}"><span class="count">{count}</span>'
            f'<span class="label">{_icon(standing)} {standing.value}</span>'
            f'<span class="note">{escape(STANDING_NOTES[standing])}</span></li>'
        )
    segments = [
        f'<span class="segment {_css(standing)}" style="flex-grow: {count}" '
        f'title="{standing.value}: {count}"></span>'
        for standing, count in counts.items() if count
    ]
    return "\n".join(filter(None, [
        '<section class="summary" aria-labelledby="summary-heading">',
        '<h2 id="summary-heading">Summary</h2>',
        f'<p class="lead">{plural(len(learners), "learner")} in this report.</p>',
        f'<div class="spread" role="img" aria-label="{_spread(counts)}">{"".join(segments)}</div>',
        f'<ul class="tiles">{"".join(tiles)}</ul>',
        f'<p class="definition"><strong>Close</strong> means the learner has not achieved yet and the cheapest '
        f"plan to finish adds at most {CLOSE_CREDITS} credits. Plans are the proven cheapest set of extra units "
        f"by credits.</p>",
        _wanted(q, learners),
        "</section>",
    ]))


def _wanted(q: CompiledQualification, learners: Sequence[LearnerReport], shown: int = 5) -> str:
    """The units that most learners' plans add: what to timetable next."""
    wanted = Counter(ref for entry in learners if entry.plan is not None for ref in entry.plan.add)
    if not wanted:
        return ""
    order = sorted(wanted, key=lambda ref: (-wanted[ref], q.index.get(ref, len(q.units)), ref))[:shown]
    rows = "".join(
        f'<tr><th scope="row">{escape(ref)}</th><td>{escape(_title(q, ref))}</td>'
        f'<td class="number">{wanted[ref]}</td></tr>'
        for ref in order
    )
    return (
        '<table class="wanted"><caption>Units the plans call for most</caption>'
        '<thead><tr><th scope="col">Unit</th><th scope="col">Title</th>'
        f'<th scope="col" class="number">Learners</th></tr></thead><tbody>{rows}</tbody></table>'
    )


def _overview(learners: Sequence[LearnerReport]) -> str:
    if not learners:
        return ""
    rows = []
    for k, entry in enumerate(learners, 1):
        verdict = entry.verdict
        counted = "—" if verdict is None else str(verdict.credits)
        rows.append(
            f'<tr><th scope="row"><a href="#learner-{k}">{escape(entry.learner)}</a></th>'
            f"<td>{_badge(entry.standing)}</td>"
            f'<td class="number">{counted}</td><td>{escape(_to_finish(entry))}</td></tr>'
        )
    return "\n".join([
        '<section class="overview" aria-labelledby="overview-heading">',
        '<h2 id="overview-heading">Learners</h2>',
        '<table class="learners">',
        '<thead><tr><th scope="col">Learner</th><th scope="col">Standing</th>'
        '<th scope="col" class="number">Credits counted</th><th scope="col">To finish</th></tr></thead>',
        f'<tbody>{"".join(rows)}</tbody>',
        "</table>",
        "</section>",
    ])


def _to_finish(entry: LearnerReport) -> str:
    if entry.verdict is None:
        return f"correct {plural(len(entry.errors), 'record error')}"
    plan = entry.plan
    if entry.verdict.achieved or plan is None:
        return "—"
    if plan.add:
        hedge = ", if the missing data allows" if plan.status is PlanStatus.UNDETERMINED else ""
        return f"add {plural(plan.credits_to_add, 'credit')} in {plural(plan.units_to_add, 'unit')}{hedge}"
    return {PlanStatus.IMPOSSIBLE: "cannot be completed",
            PlanStatus.UNDETERMINED: "needs the missing data"}.get(plan.status, "nothing to add")


def _problems(problems: Sequence[Diagnostic]) -> str:
    if not problems:
        return ""
    return "\n".join([
        '<section class="problems" aria-labelledby="problems-heading">',
        '<h2 id="problems-heading">Rows that belong to no learner</h2>',
        _error_list(problems),
        "</section>",
    ])


# ---- one learner -------------------------------------------------------------------------------------

def _error_list(diagnostics: Iterable[Diagnostic]) -> str:
    items = "".join(f"<li><code>{escape(render_plain(d))}</code></li>" for d in diagnostics)
    return f'<ul class="errors">{items}</ul>'


def _learner(q: CompiledQualification, number: int, entry: LearnerReport) -> str:
    heading_id = f"learner-{number}-heading"
    parts = [
        f'<section class="learner {_css(entry.standing)}" id="learner-{number}" aria-labelledby="{heading_id}">',
        '<header class="learner-head">',
        f'<h2 id="{heading_id}"><span class="visually-hidden">Learner </span>{escape(entry.learner)}</h2>',
        _badge(entry.standing),
        "</header>",
    ]
    if entry.verdict is None:
        parts.append('<p>This learner\'s record has errors, so no verdict is given. Correct these rows:</p>')
        parts.append(_error_list(entry.errors))
    else:
        verdict = entry.verdict
        parts.append(f'<p class="claim-line">{_claim_line(verdict)}</p>')
        if verdict.missing and not verdict.achieved:
            parts.append('<p class="missing">The record lacks: ' + "; ".join(escape(m) for m in verdict.missing)
                         + "</p>")
        parts.append(_rules(q, verdict, entry.plan))
        parts.append(_units(q, verdict))
        parts.append(_plan(q, verdict, entry.plan))
    parts.append("</section>")
    return "\n".join(parts)


def _claim_line(verdict: Verdict) -> str:
    verb = {Status.ACHIEVED: "Achieved with", Status.NOT_ACHIEVED: "Not achieved: the closest claim counts",
            Status.UNDETERMINED: "Undetermined: the best claim counts"}[verdict.status]
    return (f"{verb} <strong>{plural(verdict.credits, 'credit')}</strong> from "
            f"{plural(len(verdict.claim), 'unit')} ({glh_text(verdict.glh)}).")


def _rules(q: CompiledQualification, verdict: Verdict, plan: Plan | None) -> str:
    planned = set(plan.claim) if plan is not None and plan.status is PlanStatus.PLANNED else None
    items = [_rule(q, outcome, planned) for outcome in verdict.outcomes]
    return "\n".join(['<h3>Rules</h3>', '<ul class="rules">', *items, "</ul>"])


def _rule(q: CompiledQualification, outcome: RuleOutcome, planned: set[str] | None) -> str:
    state = {True: "met", False: "unmet", None: "unknown"}[outcome.met]
    icon, word = {True: ("✓", "Met"), False: ("✗", "Not met"), None: ("?", "Unknown")}[outcome.met]
    label = f'<span class="icon" aria-hidden="true">{icon}</span> {word}'
    parts = [
        f'<li class="rule {state}">',
        f'<div class="rule-head"><span class="rule-text">{escape(outcome.text)}</span>'
        f'<span class="state {state}">{label}</span></div>',
    ]
    if outcome.measured is None:
        parts.append(f'<p class="detail">{escape(outcome.detail)}</p>')
    else:
        parts.append(_bar(outcome, _planned_figure(q, outcome, planned), state))
    parts.append("</li>")
    return "\n".join(parts)


def _planned_figure(q: CompiledQualification, outcome: RuleOutcome, planned: set[str] | None) -> int | None:
    """The rule's figure on the plan's claim, when the plan raises it."""
    if planned is None:
        return None
    requirement = next((r for r in q.requirements if isinstance(r, Linear) and r.rule is outcome.rule), None)
    if requirement is None:
        return None
    figure = sum(w for i, w in zip(requirement.members, requirement.weights) if q.units[i].ref in planned)
    return figure if figure > outcome.measured else None


def _bar(outcome: RuleOutcome, after: int | None, state: str) -> str:
    measured, low, high = outcome.measured, outcome.minimum, outcome.maximum
    scale = max(1, measured, after or 0, low or 0, high or 0)
    word = measure_word(outcome.measure, measured)

    def at(value: int) -> str:
        return f"{100 * value / scale:.2f}%"

    pieces = [f'<span class="fill {state}" style="width: {at(measured)}"></span>']
    if after is not None:
        pieces.append(f'<span class="fill planned" style="left: {at(measured)}; width: {at(after - measured)}" '
                      f'title="after the plan: {after}"></span>')
    if low:
        pieces.append(f'<span class="mark minimum" style="left: {at(low)}" title="at least {low}"></span>')
    if high is not None:
        pieces.append(f'<span class="mark cap" style="left: {at(high)}" title="at most {high}"></span>')
    needs = []
    if low is not None:
        needs.append(f"at least {low}")
    if high is not None:
        needs.append(f"at most {high}")
    text = f"{measured} {word} counted" + (f", {' and '.join(needs)}" if needs else "")
    if after is not None:
        text += f"; {after} after the plan"
    legend = [f'<span><span class="figure">{measured}</span> {escape(word)} counted</span>']
    if low is not None:
        legend.append(f'<span class="key minimum">needs {low}</span>')
    if high is not None:
        legend.append(f'<span class="key cap">cap {high}</span>')
    if after is not None:
        legend.append(f'<span class="key planned">{after} with plan</span>')
    beyond = '<span class="beyond" title="beyond the cap"></span>' if high is not None else ""
    return (
        f'<div class="meter"><div class="track" role="progressbar" aria-valuemin="0" aria-valuemax="{scale}" '
        f'aria-valuenow="{measured}" aria-valuetext="{escape(text)}" '
        f'data-minimum="{"" if low is None else low}" data-maximum="{"" if high is None else high}">'
        f'{"".join(pieces)}</div>{beyond}</div>'
        f'<p class="legend">{" ".join(legend)}</p>'
    )


def _units(q: CompiledQualification, verdict: Verdict) -> str:
    parts = ['<div class="units">']
    if verdict.claim:
        caption = f"Units counted ({plural(len(verdict.claim), 'unit')}, {plural(verdict.credits, 'credit')})"
        parts.append(_unit_table(q, verdict.claim, "counted", caption))
    else:
        parts.append('<p class="none">No units counted.</p>')
    if verdict.set_aside:
        rows = "".join(
            f'<tr><th scope="row">{escape(s.unit)}</th><td>{escape(_title(q, s.unit))}</td>'
            f"<td>{escape(s.reason)}</td></tr>"
            for s in verdict.set_aside
        )
        parts.append(
            f'<table class="surplus"><caption>Not counted ({plural(len(verdict.set_aside), "unit")})</caption>'
            '<thead><tr><th scope="col">Unit</th><th scope="col">Title</th><th scope="col">Why</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>"
        )
    parts.append("</div>")
    return "\n".join(parts)


def _unit_table(q: CompiledQualification, refs: Iterable[str], kind: str, caption: str) -> str:
    """Pool units with their titles, groups and credits."""
    rows = []
    for ref in refs:
        unit = q.units[q.index[ref]]
        rows.append(f'<tr><th scope="row">{escape(ref)}</th><td>{escape(unit.title)}</td>'
                    f'<td class="group">{escape(unit.group or "")}</td><td class="number">{unit.credits}</td></tr>')
    return (
        f'<table class="{kind}"><caption>{escape(caption)}</caption><thead><tr><th scope="col">Unit</th>'
        '<th scope="col">Title</th><th scope="col">Group</th><th scope="col" class="number">Credits</th></tr>'
        f'</thead><tbody>{"".join(rows)}</tbody></table>'
    )


def _title(q: CompiledQualification, ref: str) -> str:
    index = q.index.get(ref)
    return q.units[index].title if index is not None else ""


def _plan(q: CompiledQualification, verdict: Verdict, plan: Plan | None) -> str:
    if verdict.achieved:
        return ""
    parts = ['<div class="plan">', "<h3>Plan to finish</h3>"]
    if plan is None:
        parts.append("<p>No plan was made.</p>")
    elif plan.add:
        measure = {"credits": "credits", "glh": "guided learning hours", "units": "units"}.get(
            plan.minimise, plan.minimise)
        hedge = " if the missing data turns out in the learner's favour" \
            if plan.status is PlanStatus.UNDETERMINED else ""
        parts.append(
            f'<p class="plan-line">Add <strong>{plural(plan.units_to_add, "unit")}</strong> worth '
            f'<strong>{plural(plan.credits_to_add, "credit")}</strong> ({glh_text(plan.glh_to_add)}){hedge}: '
            f"the fewest {escape(measure)} that complete the qualification.</p>"
        )
        parts.append(_unit_table(q, plan.add, "add", "Units to add"))
        if plan.deadline is not None:
            parts.append(f'<p class="deadline">Units count when achieved by {plan.deadline.isoformat()}.</p>')
    else:
        parts.append(f'<p class="plan-line">{escape(_PLAN_WORDS[plan.status])}</p>')
    # An undetermined plan's reasons are the data the record lacks, already listed under the verdict.
    if plan is not None and plan.reasons and plan.status is not PlanStatus.UNDETERMINED:
        parts.append('<ul class="reasons">' + "".join(f"<li>{escape(r)}</li>" for r in plan.reasons) + "</ul>")
    parts.append("</div>")
    return "\n".join(parts)


_PLAN_WORDS = {
    PlanStatus.ALREADY_ACHIEVED: "Nothing to add: the units held already complete it.",
    PlanStatus.PLANNED: "Nothing to add.",
    PlanStatus.IMPOSSIBLE: "No set of extra units from this catalogue completes it:",
    PlanStatus.UNDETERMINED: "No units to add; the verdict waits on the data the record lacks.",
}


# ---- small pieces ------------------------------------------------------------------------------------

_ICONS = {Standing.ACHIEVED: "✓", Standing.CLOSE: "◔", Standing.FURTHER: "✗", Standing.CANNOT: "⊘",
          Standing.UNDETERMINED: "?", Standing.UNREADABLE: "!"}


def _icon(standing: Standing) -> str:
    return f'<span class="icon" aria-hidden="true">{_ICONS[standing]}</span>'


def _css(standing: Standing) -> str:
    return standing.name.lower()


def _badge(standing: Standing) -> str:
    return f'<span class="badge {_css(standing)}">{_icon(standing)} {standing.value}</span>'


STYLE = """
:root {
  --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --paper: #ffffff; --wash: #f6f8fa;
  --achieved: #1a7f37; --achieved-bg: #dafbe1;
  --close: #9a6700; --close-bg: #fff8c5;
  --further: #cf222e; --further-bg: #ffebe9;
  --cannot: #8250df; --cannot-bg: #fbefff;
  --undetermined: #59636e; --undetermined-bg: #eaeef2;
  --unreadable: #bf3989; --unreadable-bg: #ffeff7;
  --planned: #0969da;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--wash); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
.page-head { background: #24292f; color: #fff; padding: 28px 40px 24px; }
.page-head h1 { margin: 2px 0 6px; font-size: 26px; line-height: 1.25; }
.kicker { margin: 0; text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: #c9d1d9; }
.facts { margin: 0; color: #c9d1d9; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 40px 48px; }
h2 { font-size: 20px; margin: 0 0 12px; }
h3 { font-size: 15px; margin: 18px 0 8px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
section { background: var(--paper); border: 1px solid var(--line); border-radius: 10px; padding: 20px 24px;
  margin: 0 0 20px; }
.lead { margin: 0 0 10px; color: var(--muted); }
.spread { display: flex; height: 14px; border-radius: 7px; overflow: hidden; background: var(--wash);
  margin-bottom: 14px; }
.segment { display: block; min-width: 4px; }
.segment + .segment { border-left: 2px solid var(--paper); }
.tiles { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: repeat(6, 1fr); gap: 10px; }
.tile { border-radius: 8px; padding: 10px 12px; border-top: 4px solid; display: flex; flex-direction: column; }
.tile .count { font-size: 30px; font-weight: 700; line-height: 1.1; }
.tile .label { font-weight: 600; font-size: 14px; }
.tile.empty { opacity: .55; }
.tile .note { font-size: 12px; color: var(--muted); line-height: 1.35; margin-top: 4px; }
.definition { font-size: 13px; color: var(--muted); margin: 14px 0 0; }
.wanted { margin: 16px 0 0; max-width: 640px; }
.achieved { --tone: var(--achieved); --tone-bg: var(--achieved-bg); }
.close { --tone: var(--close); --tone-bg: var(--close-bg); }
.further { --tone: var(--further); --tone-bg: var(--further-bg); }
.cannot { --tone: var(--cannot); --tone-bg: var(--cannot-bg); }
.undetermined { --tone: var(--undetermined); --tone-bg: var(--undetermined-bg); }
.unreadable { --tone: var(--unreadable); --tone-bg: var(--unreadable-bg); }
.tile { background: var(--tone-bg); border-color: var(--tone); }
.tile .count, .tile .label { color: var(--tone); }
.segment { background: var(--tone); }
.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 13px; font-weight: 600;
  color: var(--tone); background: var(--tone-bg); border: 1px solid var(--tone); white-space: nowrap; }
table { border-collapse: collapse; width: 100%; margin: 0 0 12px; font-size: 14px; }
caption { text-align: left; font-weight: 600; padding: 4px 0 6px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted);
  border-bottom: 2px solid var(--line); }
tbody th { font-weight: 600; white-space: nowrap; }
.number { text-align: right; font-variant-numeric: tabular-nums; }
a { color: #0969da; }
.learner { border-left: 6px solid var(--tone); break-inside: avoid; }
.learner-head { display: flex; align-items: center; gap: 14px; flex-wrap: wrap; }
.learner-head h2 { margin: 0; overflow-wrap: anywhere; }
.claim-line { margin: 8px 0 0; }
.missing { color: var(--muted); margin: 6px 0 0; }
.rules { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: 1fr 1fr; gap: 10px 28px; }
.rule { padding: 8px 0 4px; border-top: 1px solid var(--line); }
.rule-head { display: flex; justify-content: space-between; gap: 10px; align-items: baseline; }
.rule-text { font-weight: 600; }
.state { font-size: 12px; font-weight: 700; padding: 1px 8px; border-radius: 4px; white-space: nowrap; }
.state.met { color: var(--achieved); background: var(--achieved-bg); }
.state.unmet { color: var(--further); background: var(--further-bg); }
.state.unknown { color: var(--undetermined); background: var(--undetermined-bg); }
.meter { display: flex; margin: 8px 0 2px; height: 16px; }
.track { position: relative; flex: 1; background: #e6eaef; border-radius: 4px 0 0 4px; }
.track:last-child { border-radius: 4px; }
.beyond { width: 9%; border-radius: 0 4px 4px 0;
  background: repeating-linear-gradient(135deg, #e6eaef 0 4px, #c4ccd5 4px 7px); }
.fill { position: absolute; top: 0; bottom: 0; left: 0; border-radius: 4px 0 0 4px; }
.fill.met { background: var(--achieved); }
.fill.unmet { background: var(--further); }
.fill.unknown { background: var(--undetermined); }
.fill.planned { border-radius: 0; background: repeating-linear-gradient(135deg, var(--planned) 0 5px, #8cc4ff 5px 9px); }
.mark { position: absolute; top: -4px; bottom: -4px; width: 0; margin-left: -1px; }
.mark.minimum { border-left: 3px solid var(--ink); }
.mark.cap { border-left: 3px dashed var(--further); }
.legend { margin: 4px 0 0; font-size: 13px; color: var(--muted); display: flex; gap: 12px; flex-wrap: wrap; }
.figure { font-weight: 700; color: var(--ink); }
.key::before { content: ""; display: inline-block; width: 10px; height: 10px; margin-right: 5px;
  vertical-align: -1px; }
.key.minimum::before { width: 3px; background: var(--ink); }
.key.cap::before { width: 0; border-left: 3px dashed var(--further); }
.key.planned::before { background: repeating-linear-gradient(135deg, var(--planned) 0 3px, #8cc4ff 3px 5px); }
.detail { margin: 2px 0 0; font-size: 13px; color: var(--muted); }
.units { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(420px, 100%), 1fr)); gap: 0 28px;
  margin-top: 16px; }
td.group { white-space: nowrap; }
.none { color: var(--muted); }
.plan { margin-top: 8px; padding: 12px 16px; background: #f0f6ff; border: 1px solid #b6d6ff; border-radius: 8px; }
.plan h3 { margin-top: 0; color: #0550ae; }
.plan-line { margin: 0 0 8px; }
.reasons { margin: 0; padding-left: 20px; }
.deadline { margin: 0; font-size: 13px; color: var(--muted); }
.errors { margin: 8px 0 0; padding-left: 20px; }
.errors code { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 13px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; }
@media (max-width: 900px) {
  .tiles { grid-template-columns: repeat(3, 1fr); }
  .rules, .units { grid-template-columns: 1fr; }
  .learners td:nth-child(3), .learners th:nth-child(3) { display: none; }
  main { padding: 16px; }
}
@media (max-width: 600px) {
  .tiles { grid-template-columns: repeat(2, 1fr); }
  .page-head { padding: 20px 16px; }
  section { padding: 16px; }
  .learners td:nth-child(4), .learners th:nth-child(4) { display: none; }
}
@media print {
  body { background: #fff; }
  .page-head { background: #fff; color: var(--ink); border-bottom: 2px solid var(--ink); padding: 0 0 12px; }
  .kicker, .facts { color: var(--muted); }
  main { padding: 12px 0; max-width: none; }
  section { border-color: #999; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""
