"""A learner's achievement log for one qualification, as the specification lays it out, on one self-contained
printable page (A4; inline CSS, no script, no fetches).

An Award's log is each unit's log: every learning outcome and assessment criterion, achieved or not, with the
evidence location, method, date and assessor, then the unit's declarations. A Certificate's or Diploma's is
the qualification achievement log: every unit of the pool, optional units not taken marked as such, and the
assessor's declaration once the qualification is achieved; the logs of the units the learner has started
follow it. Which form a qualification gets is told by its title: the word "Award" (docs/criteria.md).

Pure: the learner, verdict and catalogue in, an HTML string out. Every value from a record or a ruleset
passes through the cohort report's `escape`; no clock is read.
"""

from __future__ import annotations

import re
from typing import Callable, Mapping, Sequence

from qualrules.interpreter import model as m
from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.engine.assessment import (KsbCoverage, UnitCriteria, catalogue_units, ksb_coverage,
                                                   unit_criteria)
from qualrules.interpreter.engine.evaluator import Verdict
from qualrules.interpreter.engine.requirements import Linear
from qualrules.interpreter.presentation.report import escape, html_page
from qualrules.interpreter.records.achievement import CriterionEvidence, CriterionResult, SignOff
from qualrules.interpreter.records.learner import Learner
from qualrules.interpreter.wording import credits_text, plural

_AWARD = re.compile(r"\bAward\b")


def is_award(q: CompiledQualification) -> bool:
    return bool(_AWARD.search(q.title))


def achievement_log_html(q: CompiledQualification, ruleset: m.Ruleset, learner: Learner, verdict: Verdict,
                         counts: Callable[[str], bool], *, awarding_body: str | None = None) -> str:
    """The page for the learner's `verdict`: the Award form or the qualification form (`is_award`), then the
    KSB coverage of each standard the qualification's units map to; `counts` as for `evaluate`;
    `awarding_body` only labels the header."""
    units = catalogue_units(ruleset)
    started = {found.unit.ref: found for found in unit_criteria(q, units, learner)}
    rows = _rows_by_unit(q, learner)
    sign_offs = _sign_offs(q, learner)
    results = _results(q, learner)
    facts = [f"QAN {q.qan}"]
    if q.level is not None:
        facts.append(f"level {q.level}")
    if awarding_body:
        facts.append(awarding_body)
    facts.append(f"learner {learner.id}")
    if learner.registered_on:
        facts.append(f"registered {learner.registered_on.isoformat()}")
    if is_award(q):
        kind = "Award achievement log"
        shown = [pool.ref for pool in q.catalogue_units]
        sections = []
    else:
        kind = "Qualification achievement log"
        shown = [pool.ref for pool in q.catalogue_units if pool.ref in started or pool.ref in sign_offs]
        sections = [_qualification_log(q, verdict, started, sign_offs, results)]
    sections += [_unit_log(q, units[ref], started.get(ref), rows.get(ref, ()), sign_offs.get(ref), results.get(ref))
                 for ref in shown]
    sections += [_ksb_section(coverage) for coverage in ksb_coverage(q, ruleset, learner, counts)]
    body = [
        '<header class="page-head">',
        f'<p class="kicker">{escape(kind)}</p>',
        f"<h1>{escape(q.title)}</h1>",
        f'<p class="facts">{" · ".join(escape(f) for f in facts)}</p>',
        f'<p class="verdict">{escape(_verdict_line(q, verdict))}</p>',
        "</header>",
        "<main>",
        *sections,
        "</main>",
    ]
    return html_page(f"{kind}: {learner.id}, {q.title}", STYLE, body)


def _verdict_line(q: CompiledQualification, verdict: Verdict) -> str:
    if verdict.achieved:
        return f"Achieved: {credits_text(verdict.credits)} from {', '.join(verdict.claim)}."
    unmet = "; ".join(verdict.unmet)
    return f"Not yet achieved ({verdict.status.value}): {unmet}." if unmet else \
        f"Not yet achieved ({verdict.status.value})."


def _ref(q: CompiledQualification, written: str) -> str | None:
    return q.catalogue_refs.get(written.casefold())


def _rows_by_unit(q: CompiledQualification, learner: Learner) -> dict[str, list[CriterionEvidence]]:
    found: dict[str, list[CriterionEvidence]] = {}
    for row in learner.evidence:
        ref = _ref(q, row.unit)
        if ref in q.index:
            found.setdefault(ref, []).append(row)
    return found


def _sign_offs(q: CompiledQualification, learner: Learner) -> dict[str, SignOff]:
    return {ref: s for s in learner.sign_offs if (ref := _ref(q, s.unit)) in q.index}


def _results(q: CompiledQualification, learner: Learner) -> dict[str, list[str]]:
    """Each pool unit's results as recorded, `pass on 2024-05-01`, in record order."""
    found: dict[str, list[str]] = {}
    for attempt in learner.attempts:
        ref = _ref(q, attempt.unit)
        if ref in q.index:
            on = f" on {attempt.achieved_on.isoformat()}" if attempt.achieved_on else ""
            found.setdefault(ref, []).append(f"{attempt.result}{on}")
    return found


def _mandatory(q: CompiledQualification) -> set[str]:
    """The units an `all of` rule makes mandatory; the rest of the pool is optional."""
    return {q.units[i].ref for r in q.requirements if isinstance(r, Linear) and isinstance(r.rule, m.AllOf)
            for i in r.members}


# ---- the qualification achievement log ---------------------------------------------------------------

def _qualification_log(q: CompiledQualification, verdict: Verdict, started: Mapping[str, UnitCriteria],
                       sign_offs: Mapping[str, SignOff], results: Mapping[str, list[str]]) -> str:
    mandatory = _mandatory(q)
    claimed = set(verdict.claim)
    rows = []
    for pool in q.catalogue_units:
        taken = pool.ref in started or pool.ref in sign_offs or pool.ref in results
        kind = "mandatory" if pool.ref in mandatory else "optional"
        if not taken:
            standing = "optional: not taken" if kind == "optional" else "not started"
        elif pool.ref in started:
            found = started[pool.ref]
            # Achieved from its criteria: on the day the last of them was met, as a unit row gives its date.
            achieved = f"achieved on {found.progress.achieved_on.isoformat()}; " \
                if found.progress.counts and found.progress.achieved_on is not None else ""
            standing = achieved + found.standing
        else:
            standing = "result: " + ", ".join(results[pool.ref])
        if pool.ref in claimed:
            standing += "; counted"
        rows.append(
            f'<tr class="{"taken" if taken else "not-taken"}"><th scope="row">{escape(pool.ref)}</th>'
            f"<td>{escape(pool.title)}</td><td>{escape(pool.group or '')}</td>"
            f'<td class="number">{"—" if pool.credits is None else pool.credits}</td><td>{kind}</td><td>{escape(standing)}</td>'
            f"<td>{_signed(sign_offs.get(pool.ref))}</td><td>{_verified(sign_offs.get(pool.ref))}</td></tr>")
    if verdict.achieved:
        declaration = (
            '<p>I confirm that the learner has achieved all necessary units to complete the qualification: '
            f"{escape(', '.join(verdict.claim))}.</p>" + _signature_lines(("Assessor", "Date")))
    else:
        declaration = ('<p class="pending">Not yet: the assessor signs this declaration once the learner has '
                       "achieved all necessary units to complete the qualification.</p>")
    return "\n".join([
        '<section class="qualification-log" aria-labelledby="qualification-log-heading">',
        '<h2 id="qualification-log-heading">Qualification achievement log</h2>',
        '<table class="log"><thead><tr><th scope="col">Unit</th><th scope="col">Title</th>'
        '<th scope="col">Group</th><th scope="col" class="number">Credits</th><th scope="col">Mandatory or '
        'optional</th><th scope="col">Achievement</th><th scope="col">Signed off</th>'
        '<th scope="col">IQA verified</th></tr></thead>',
        f'<tbody>{"".join(rows)}</tbody></table>',
        '<div class="declaration"><h3>Assessor\'s declaration</h3>',
        declaration,
        "</div>",
        "</section>",
    ])


def _signed(sign_off: SignOff | None) -> str:
    if sign_off is None or sign_off.signed_off_on is None:
        return "—"
    by = f" by {sign_off.assessor}" if sign_off.assessor else ""
    return escape(f"{sign_off.signed_off_on.isoformat()}{by}")


def _verified(sign_off: SignOff | None) -> str:
    if sign_off is None or sign_off.iqa_verified_on is None:
        return "—"
    by = f" by {sign_off.iqa_verifier}" if sign_off.iqa_verifier else ""
    return escape(f"{sign_off.iqa_verified_on.isoformat()}{by}")


def _signature_lines(names: Sequence[str]) -> str:
    """Blank lines to sign and date on the printed page."""
    return '<p class="signature">' + "".join(f'<span class="line">{escape(name)}:</span>' for name in names) + "</p>"


# ---- a unit's achievement log ------------------------------------------------------------------------

def _unit_log(q: CompiledQualification, unit: m.Unit, found: UnitCriteria | None,
              rows: Sequence[CriterionEvidence], sign_off: SignOff | None, results: list[str] | None) -> str:
    heading_id = f"unit-{q.index[unit.ref]}-heading"
    facts = [f for f in (unit.ofqual and f"Ofqual {unit.ofqual}", unit.level is not None and f"level {unit.level}",
                         unit.credits is not None and plural(unit.credits, "credit"),
                         unit.glh is not None and f"{unit.glh} GLH") if f]
    parts = [
        f'<section class="unit-log" aria-labelledby="{heading_id}">',
        f'<h2 id="{heading_id}">{escape(unit.ref)} {escape(unit.title)}</h2>',
        f'<p class="facts">{" · ".join(escape(f) for f in facts)}</p>',
    ]
    if unit.criteria and found is None and results:
        parts.append(f'<p class="standing">Its result as recorded: {escape(", ".join(results))}; the log has no '
                     "criterion rows for this unit, so the result stands as recorded.</p>")
    elif unit.criteria:
        standing = found.standing if found is not None else f"not started: 0 of {len(unit.criteria)} criteria met"
        parts.append(f'<p class="standing">{escape(standing)}</p>')
        parts.append(_criteria_table(unit, rows))
    else:
        recorded = ", ".join(results) if results else "none recorded"
        parts.append(f'<p class="standing">This unit declares no assessment criteria; its result: '
                     f"{escape(recorded)}.</p>")
    parts.append(_declarations(sign_off))
    parts.append("</section>")
    return "\n".join(parts)


def _criteria_table(unit: m.Unit, rows: Sequence[CriterionEvidence]) -> str:
    shown = _shown_rows(rows)
    body = []
    for outcome in unit.outcomes:
        body.append(f'<tr class="outcome"><th scope="rowgroup" colspan="7">{outcome.number}. '
                    f"{escape(outcome.text)} <span class=\"kind\">({outcome.kind.value})</span></th></tr>")
        for criterion in outcome.criteria:
            row = shown.get(criterion.number)
            achieved = row is not None and row.result is CriterionResult.MET
            state = "met" if achieved else row.result.value if row is not None else "not yet"
            cells = ("", "", "", "") if row is None else (
                row.evidence or "", row.method or "", row.achieved_on.isoformat() if row.achieved_on else "",
                row.assessor or "")
            body.append(
                f'<tr class="{"met" if achieved else "unmet"}"><th scope="row">{escape(criterion.number)}</th>'
                f"<td>{escape(criterion.text)}</td><td class=\"state\">{escape(state)}</td>"
                + "".join(f'<td class="{kind}">{escape(cell)}</td>' for kind, cell in zip(_EVIDENCE_CELLS, cells))
                + "</tr>")
    return ('<table class="log criteria"><thead><tr><th scope="col">AC</th><th scope="col">Assessment criterion'
            '</th><th scope="col">Achieved</th><th scope="col">Evidence location</th><th scope="col">Method</th>'
            '<th scope="col">Date</th><th scope="col">Assessor</th></tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


_EVIDENCE_CELLS = ("evidence", "method", "date", "assessor")


def _shown_rows(rows: Sequence[CriterionEvidence]) -> dict[str, CriterionEvidence]:
    """For each criterion, the row the log shows: the one that met it first (as `unit_progress` dates it),
    else the last row recorded for it."""
    shown: dict[str, CriterionEvidence] = {}
    for row in rows:
        known = shown.get(row.criterion)
        if known is None or known.result is not CriterionResult.MET:
            shown[row.criterion] = row
        elif row.result is CriterionResult.MET and row.achieved_on is not None and (
                known.achieved_on is None or row.achieved_on < known.achieved_on):
            shown[row.criterion] = row
    return shown


def _declarations(sign_off: SignOff | None) -> str:
    def line(who: str, verb: str, on, by: str | None) -> str:
        if on is None:
            return (f'<li><span class="who">{escape(who)}</span> not yet {verb}'
                    + _signature_lines(("Signed", "Date")) + "</li>")
        name = f" by {by}" if by else ""
        return f'<li><span class="who">{escape(who)}</span> {verb} on {escape(on.isoformat() + name)}</li>'

    signed = sign_off or SignOff("", None, None, None, None, None)
    return "\n".join([
        '<div class="declaration"><h3>Declarations</h3>',
        "<p>By signing, the assessor confirms being fully satisfied that the learner has achieved all the "
        "requirements of this unit, with the evidence attached and mapped, and the learner confirms the "
        "evidence is their own.</p>",
        '<ul class="declarations">',
        line("Assessor", "signed", signed.signed_off_on, signed.assessor),
        line("Learner", "signed", signed.learner_signed_on, None),
        line("IQA", "verified", signed.iqa_verified_on, signed.iqa_verifier),
        "</ul>",
        '<div class="comments"><span>Assessor\'s comments</span></div>',
        '<div class="comments"><span>Learner\'s comments</span></div>',
        "</div>",
    ])


# ---- KSB coverage --------------------------------------------------------------------------------------

def _ksb_section(coverage: KsbCoverage) -> str:
    rows = [f'<tr class="met"><th scope="row">{escape(e.ksb.code)}</th><td>{escape(e.ksb.text)}</td>'
            f"<td>evidenced by {escape(', '.join(e.units))}</td></tr>" for e in coverage.evidenced]
    rows += [f'<tr class="unmet"><th scope="row">{escape(e.ksb.code)}</th><td>{escape(e.ksb.text)}</td>'
             f"<td>{escape('to come from ' + ' or '.join(e.units) if e.units else 'no unit of this qualification maps to it')}"
             "</td></tr>" for e in coverage.remaining]
    return "\n".join([
        '<section class="ksbs">',
        f"<h2>KSB coverage: {escape(coverage.standard.title)}</h2>",
        f'<p class="standing">{len(coverage.evidenced)} of {plural(len(coverage.evidenced) + len(coverage.remaining), "KSB")} '
        "evidenced by the units achieved.</p>",
        '<table class="log"><thead><tr><th scope="col">KSB</th><th scope="col">Knowledge, skill or behaviour</th>'
        f'<th scope="col">Evidence</th></tr></thead><tbody>{"".join(rows)}</tbody></table>',
        "</section>",
    ])


STYLE = """
:root { --ink: #1f2328; --muted: #59636e; --line: #c4ccd5; --met: #1a7f37; --unmet: #cf222e; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
.page-head { padding: 24px 32px 12px; border-bottom: 2px solid var(--ink); }
.page-head h1 { margin: 2px 0 4px; font-size: 22px; line-height: 1.25; }
.kicker { margin: 0; text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: var(--muted); }
.facts { margin: 0; color: var(--muted); }
.verdict { margin: 6px 0 0; font-weight: 600; }
main { max-width: 1100px; margin: 0 auto; padding: 16px 32px 40px; }
section { margin: 0 0 28px; }
h2 { font-size: 17px; margin: 0 0 4px; }
h3 { font-size: 14px; margin: 14px 0 6px; }
.standing { margin: 4px 0 8px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 6px; border: 1px solid var(--line); vertical-align: top;
  overflow-wrap: break-word; }
thead th { background: #eef1f4; font-size: 12px; }
tr.outcome th { background: #f6f8fa; font-weight: 600; }
.kind { font-weight: 400; color: var(--muted); }
tr.met .state { color: var(--met); }
tbody th, .state, .method, .date, .assessor { white-space: nowrap; }
tr.unmet .state { color: var(--unmet); font-weight: 600; }
tr.not-taken { color: var(--muted); }
.number { text-align: right; font-variant-numeric: tabular-nums; }
.declaration { margin-top: 10px; }
.declarations { margin: 0; padding-left: 18px; }
.who { font-weight: 600; }
.signature { display: flex; gap: 24px; margin: 10px 0 4px; }
.signature .line { flex: 1; border-bottom: 1px solid var(--ink); padding-bottom: 14px; color: var(--muted); }
.comments { border: 1px solid var(--line); min-height: 56px; margin: 8px 0 0; padding: 4px 6px; }
.comments span { font-size: 12px; color: var(--muted); }
.pending { color: var(--muted); }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { font-size: 11px; }
  main { max-width: none; padding: 8px 0; }
  .page-head { padding: 0 0 8px; }
  thead { display: table-header-group; }
  tr, .declaration, .signature { break-inside: avoid; }
  section + section { break-before: page; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""
