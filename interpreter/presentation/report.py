"""The cohort report: one self-contained HTML page (inline CSS, no fetches) for one qualification.

A cohort of up to `Detail.whole_cohort` learners is shown whole, every learner in full, with no script. A
bigger one gets the compact page, which a browser opens in a second or two even for 100,000 learners: the
summary, each rule's cohort figures, a learner table that one small inline script (allowed by its hash in
the page's Content-Security-Policy) filters and pages, and in full only the learners nearest to achieving.

Pure: verdicts and plans in, an HTML string out. The compact page is made from `CohortFigures`, which
gather what it shows of every learner a block at a time, so a cohort of any size is reported without
holding its verdicts. Every value that comes from a record or a ruleset
(learner ids, unit references and titles, reasons, diagnostics) passes through `escape` (unprintable
characters and lone surrogates as their escapes, then `html.escape`), or, in the compact page's table data,
through JSON with `<` and lone surrogates escaped, so a hostile record can neither inject markup nor make
the page unwritable.
Output depends only on the input: learners appear in the order given and no clock is read.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import html
import json
from collections import Counter
from typing import Callable, Iterable, Sequence

import attrs

from qualrules.interpreter import model as m
from qualrules.interpreter.engine.compiler import CompiledQualification
from qualrules.interpreter.engine.assessment import UnitCriteria, catalogue_units, has_log, unit_criteria
from qualrules.interpreter.engine.requirements import Linear
from qualrules.interpreter.diagnostics import Diagnostic, escaped, render_plain, surrogates_escaped
from qualrules.interpreter.engine.evaluator import RuleOutcome, Status, Verdict, evaluate_many
from qualrules.interpreter.grades import UnitGrade, next_grade
from qualrules.interpreter.records.achievement import Stage
from qualrules.interpreter.records.learner import Learner, UnreadUnit
from qualrules.interpreter.records.readers import Records
from qualrules.interpreter.engine.planner import Plan, PlanStatus, finish_measure, plan
from qualrules.interpreter.wording import credits_text, glh_text, measure_word, plural


def escape(text: str) -> str:
    """Text from input as HTML: unprintable characters and lone surrogates shown as their escapes (a lone
    surrogate cannot even be written as UTF-8), markup characters escaped."""
    return html.escape(escaped(text))


# A learner who has not achieved is "close" when the cheapest plan adds at most this many credits.
CLOSE_CREDITS = 6


class Standing(enum.Enum):
    """Where a learner stands, for the cohort summary; every learner has exactly one."""

    ACHIEVED = "Achieved"
    CLOSE = "Close"
    FURTHER = "Further to go"
    CANNOT = "Cannot achieve"
    NOT_ACHIEVED = "Not achieved"
    UNDETERMINED = "Undetermined"
    UNREADABLE = "Record errors"


# Only a plan tells close from further to go and from cannot achieve; without one, not achieved is all.
PLANNED_STANDINGS = (Standing.CLOSE, Standing.FURTHER, Standing.CANNOT)
# What a summary counts: a page that shows everyone in full has a plan for everyone who has not achieved;
# a compact page has plans only for the few it shows in full, so its summary stops at the verdict.
IN_FULL_STANDINGS = (Standing.ACHIEVED, *PLANNED_STANDINGS, Standing.UNDETERMINED, Standing.UNREADABLE)
VERDICT_STANDINGS = (Standing.ACHIEVED, Standing.NOT_ACHIEVED, Standing.UNDETERMINED, Standing.UNREADABLE)

# How a count of learners reads in running text: "2 achieved", "1 with record errors".
STANDING_PHRASES = {
    Standing.ACHIEVED: "achieved",
    Standing.CLOSE: "close",
    Standing.FURTHER: "further to go",
    Standing.CANNOT: "cannot achieve",
    Standing.NOT_ACHIEVED: "not achieved",
    Standing.UNDETERMINED: "undetermined",
    Standing.UNREADABLE: "with record errors",
}

STANDING_NOTES = {
    Standing.ACHIEVED: "every rule is met",
    Standing.CLOSE: f"not yet achieved; the cheapest plan adds {CLOSE_CREDITS} credits or fewer",
    Standing.FURTHER: f"not yet achieved; more than {CLOSE_CREDITS} credits to add, or no plan settled",
    Standing.CANNOT: "no set of extra units completes it, or the record rules it out (age, a deadline passed)",
    Standing.NOT_ACHIEVED: "not yet achieved; the rule figures and the table say what is missing",
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
    # From the learner's achievement log: the pool units with declared criteria that do not count yet.
    unfinished: tuple[UnitCriteria, ...] = ()
    # The record's units in no loaded catalogue (`Learner.unread_units`).
    unread: tuple[UnreadUnit, ...] = ()

    @property
    def standing(self) -> Standing:
        if self.verdict is None:
            return Standing.UNREADABLE
        if self.verdict.status is Status.ACHIEVED:
            return Standing.ACHIEVED
        if self.verdict.status is Status.UNDETERMINED:
            return Standing.UNDETERMINED
        if self.plan is None:
            return Standing.NOT_ACHIEVED
        if self.plan.status is PlanStatus.IMPOSSIBLE:
            return Standing.CANNOT
        # A finish of units sized in GLH only has no credits to compare: it is not called close.
        if (self.plan.status is PlanStatus.PLANNED and self.plan.credits_to_add is not None
                and self.plan.credits_to_add <= CLOSE_CREDITS):
            return Standing.CLOSE
        return Standing.FURTHER

    @property
    def verdict_standing(self) -> Standing:
        """The standing the verdict alone gives, plan or not."""
        standing = self.standing
        return Standing.NOT_ACHIEVED if standing in PLANNED_STANDINGS else standing


@attrs.frozen
class Detail:
    """Which learners a report shows in full: a bar per rule, the units counted and set aside, the plan.

    A cohort of up to `whole_cohort` learners is shown whole. A bigger one gets the compact page, which shows
    in full only the `nearest` learners who have not achieved and fall short the least, nearest first. A
    learner in full takes about 6 KB of page and a plan search of 10-20 ms, so 100,000 learners in full
    would make a 500 MB page and half an hour of planning; the compact page for them is a few MB.
    """

    whole_cohort: int = 500
    nearest: int = 100

    def compact(self, learners: Sequence[LearnerReport]) -> bool:
        return len(learners) > self.whole_cohort

    def in_full(self, learners: Sequence[LearnerReport]) -> list[int]:
        """Positions in `learners` of those shown in full, in the order shown."""
        if not self.compact(learners):
            return list(range(len(learners)))
        short = [(_nearness(entry.verdict), k) for k, entry in enumerate(learners)
                 if entry.verdict is not None and entry.verdict.status is Status.NOT_ACHIEVED]
        return [k for _, k, *_ in _nearest_first(short, self.nearest)]


DETAIL = Detail()


def _nearness(verdict: Verdict) -> tuple[bool, int, int, int]:
    """How far a learner who has not achieved falls short, measured on the closest claim, for choosing whom to
    show in full: fewest rules not met, then fewest credits short, then least short in other measures. A
    learner under the minimum age comes last: no unit added changes that."""
    unmet = [o for o in verdict.outcomes if o.met is False]
    credits_short = sum(_shortfall(o) or 0 for o in unmet if o.measure is m.Measure.CREDITS)
    other_short = sum(_shortfall(o) or 0 for o in unmet if o.measure is not m.Measure.CREDITS)
    too_young = any(isinstance(o.rule, m.MinimumAge) for o in unmet)
    return too_young, len(unmet), credits_short, other_short


def _nearest_first(candidates: Iterable[tuple], count: int) -> list[tuple]:
    """The `count` candidates (nearness, position, ...) nearest to achieving, nearest first: by `_nearness`,
    then by position in the cohort."""
    return sorted(candidates, key=lambda candidate: (candidate[0], candidate[1]))[:count]


def _shortfall(outcome: RuleOutcome) -> int | None:
    """How much more of its measure a rule needs, when it measures something and falls short of a minimum."""
    if outcome.measured is None or outcome.minimum is None or outcome.measured >= outcome.minimum:
        return None
    return outcome.minimum - outcome.measured


@attrs.frozen
class RuleTally:
    """One rule across a cohort's verdicts: how many claims meet it, fall short or cannot tell, and how many
    fall short by each amount, in its measure."""

    text: str
    measure: m.Measure | None
    met: Counter = attrs.field(factory=Counter)
    shortfalls: Counter = attrs.field(factory=Counter)

    def typical_and_largest(self) -> tuple[int, int] | None:
        """The median (the lower middle one) and the largest shortfall; None when none falls short."""
        count = sum(self.shortfalls.values())
        if not count:
            return None
        middle, seen = (count - 1) // 2, 0
        amounts = sorted(self.shortfalls)
        for amount in amounts:
            seen += self.shortfalls[amount]
            if seen > middle:
                return amount, amounts[-1]
        raise AssertionError("the counts add up to `count`")


@attrs.define
class CohortFigures:
    """What the compact page shows of every learner, gathered a block of learners at a time (`add`, or
    `merge` of a block's own figures, in the cohort's order), so that a cohort of any size is reported without
    holding its verdicts: the standings, each rule's tally, the learner table's rows, and the candidates to be
    shown in full: the `nearest` learners who have not achieved, by `_nearness`, then position."""

    # How many learners to keep as candidates; whether the table has a grade column and a pathway column.
    nearest: int
    graded: bool
    pathways: bool
    learners: int = 0
    verdicts: int = 0
    standings: Counter = attrs.field(factory=Counter)
    # Each rule by its wording (and, for a rule written twice, which time), in the order first met: verdicts
    # of a qualification with pathways measure the rules of the pathway chosen, so each pathway's rules are
    # counted over its verdicts.
    rules: dict[tuple[str, int], RuleTally] = attrs.field(factory=dict)
    # The table's rows not yet written, each with its line as text: (id, standing, credits, line, cells...);
    # the rows written, as runs of JSON text; the lines by number, learners with the same shortfall sharing one.
    rows: list[tuple] = attrs.field(factory=list)
    written: list[str] = attrs.field(factory=list)
    lines: dict[str, int] = attrs.field(factory=dict)
    # (nearness, position, record): the learner's record, when `add` was given it, to be decided again and
    # planned in the process that writes the page (verdicts refer to the rules of its own qualification).
    candidates: list[tuple[tuple, int, Learner | None]] = attrs.field(factory=list)

    @classmethod
    def of(cls, qualification: CompiledQualification, nearest: int) -> "CohortFigures":
        return cls(nearest, qualification.grading is not None, bool(qualification.pathways))

    def add(self, entries: Sequence[LearnerReport], learners: Sequence[Learner | None] = ()) -> None:
        """The next learners of the cohort, in order; `learners[k]` is the record of `entries[k]`, when given."""
        numbers = {standing: k for k, standing in enumerate(VERDICT_STANDINGS)}
        graded, pathways = self.graded, self.pathways
        candidates = []
        for k, entry in enumerate(entries):
            verdict = entry.verdict
            self.standings[entry.verdict_standing] += 1
            cells = ((_grade_cell(verdict),) if graded else ()) + ((_pathway_cell(verdict),) if pathways else ())
            self.rows.append((entry.learner, numbers[entry.verdict_standing],
                              None if verdict is None else verdict.credits, _missing_line(entry), *cells))
            if verdict is None:
                continue
            self.verdicts += 1
            seen: Counter = Counter()
            for outcome in verdict.outcomes:
                seen[outcome.text] += 1
                tally = self.rules.setdefault((outcome.text, seen[outcome.text]),
                                              RuleTally(outcome.text, outcome.measure))
                tally.met[outcome.met] += 1
                if outcome.met is False and (short := _shortfall(outcome)) is not None:
                    tally.shortfalls[short] += 1
            if verdict.status is Status.NOT_ACHIEVED:
                candidates.append((_nearness(verdict), self.learners + k, learners[k] if learners else None))
        self.learners += len(entries)
        self._keep_nearest(candidates)

    def merge(self, later: "CohortFigures") -> None:
        """The figures of the learners that follow, gathered on their own."""
        self._write_rows()
        self.rows = later.rows
        self._write_rows()
        self.standings.update(later.standings)
        for key, tally in later.rules.items():
            mine = self.rules.setdefault(key, RuleTally(tally.text, tally.measure))
            mine.met.update(tally.met)
            mine.shortfalls.update(tally.shortfalls)
        self._keep_nearest([(nearness, self.learners + position, learner)
                            for nearness, position, learner in later.candidates])
        self.learners += later.learners
        self.verdicts += later.verdicts

    def counts(self) -> dict[Standing, int]:
        """How many learners' verdicts stand where."""
        return {standing: self.standings[standing] for standing in VERDICT_STANDINGS}

    def _write_rows(self) -> None:
        lines = self.lines
        if self.rows:
            rows = [[row[0], row[1], row[2], lines.setdefault(row[3], len(lines)), *row[4:]] for row in self.rows]
            self.written.append(_script_json(rows)[1:-1])
            self.rows = []

    def _keep_nearest(self, candidates: list[tuple]) -> None:
        self.candidates = _nearest_first(self.candidates + candidates, self.nearest)

    def table_data(self, in_full: Sequence[int]) -> str:
        """The learner table as JSON: a row [id, standing, credits, line] per learner, where standing and line
        index `standings` and `lines`, and the positions of the learners shown in full, whose ids link to
        their sections. A graded qualification's rows end with the grade cell (`graded`), then a
        qualification with pathways' with the pathway cell (`pathways`)."""
        self._write_rows()
        head = _script_json({
            "graded": self.graded,
            "pathways": self.pathways,
            "standings": [[_css(standing), _ICONS[standing], standing.value] for standing in VERDICT_STANDINGS],
            "lines": list(self.lines),
            "inFull": sorted(in_full),
            "rows": [],
        })
        return head.removesuffix("[]}") + "[" + ",".join(self.written) + "]}"


def _script_json(value) -> str:
    """JSON for the page's data block. Inside a script element only `<` can end it early (`</script`) or
    change how it is read (`<!--`); to JSON, `\u003c` is the same character. A lone surrogate (only a JSON
    record can hold one) is written as its JSON escape: as a character it cannot be written as UTF-8."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    return surrogates_escaped(text)


def cohort_reports(qualification: CompiledQualification, records: Records, counts: Callable[[str], bool],
                   detail: Detail = DETAIL) -> list[LearnerReport]:
    """Every learner of `records`, in order: the verdicts (decided together), the errors of unreadable
    records, and the cheapest plans of the learners `detail` shows in full; `counts` as for `evaluate`."""
    entries, learners = verdict_entries(qualification, records, counts)
    for k in detail.in_full(entries):
        if entries[k].verdict is not None:
            entries[k] = learner_report(qualification, learners[k], entries[k].verdict, counts)
    return entries


def verdict_entries(qualification: CompiledQualification, records: Records, counts: Callable[[str], bool]
                    ) -> tuple[list[LearnerReport], list[Learner | None]]:
    """Every learner of `records`, in order, with a verdict (decided together) or the errors of an unreadable
    record; and each one's record (None when unreadable)."""
    verdicts = evaluate_many(qualification, records.learners, counts)
    decided = {learner.id: (learner, verdict) for learner, verdict in zip(records.learners, verdicts)}
    entries = [LearnerReport(learner_id, decided[learner_id][1]) if learner_id in decided
               else LearnerReport(learner_id, errors=records.unreadable[learner_id])
               for learner_id in records.order]
    return entries, [decided[learner_id][0] if learner_id in decided else None for learner_id in records.order]


def nearest_in_full(qualification: CompiledQualification, figures: CohortFigures, counts: Callable[[str], bool],
                    ruleset: m.Ruleset) -> list[tuple[int, LearnerReport]]:
    """The candidates of `figures` (gathered with their records) in full, nearest first, with their positions:
    each decided again, with the cheapest plan and the criteria progress of any achievement log."""
    learners = [learner for _, _, learner in figures.candidates]
    entries = [learner_report(qualification, learner, evaluate_many(qualification, [learner], counts)[0], counts)
               for learner in learners]
    entries = with_criteria_progress(entries, qualification, ruleset,
                                     Records(tuple(learner.id for learner in learners), tuple(learners), {}, ()))
    return [(position, entry) for (_, position, _), entry in zip(figures.candidates, entries)]


def with_criteria_progress(entries: Sequence[LearnerReport], qualification: CompiledQualification,
                           ruleset: m.Ruleset, records: Records) -> list[LearnerReport]:
    """The entries with, for each learner whose record has an achievement log, the units that do not count
    yet and how many of their criteria are met."""
    units = catalogue_units(ruleset)
    logs = {learner.id: learner for learner in records.learners if has_log(learner)}
    return [attrs.evolve(entry, unfinished=tuple(u for u in unit_criteria(qualification, units, logs[entry.learner])
                                                 if not u.progress.counts))
            if entry.learner in logs else entry for entry in entries]


def learner_report(qualification: CompiledQualification, learner: Learner, verdict: Verdict,
                   counts: Callable[[str], bool]) -> LearnerReport:
    """One learner in full: the verdict and, unless achieved, the cheapest plan by credits."""
    route = None if verdict.achieved else plan(qualification, learner, counts, minimise=finish_measure(qualification))
    return LearnerReport(learner.id, verdict, route, unread=learner.unread_units)


def cohort_counts(standings: Iterable[Standing], counted: Sequence[Standing] = IN_FULL_STANDINGS
                  ) -> dict[Standing, int]:
    """How many learners stand where, for each of the `counted` standings (zero when none)."""
    counts = Counter(standings)
    return {standing: counts[standing] for standing in counted}


def summary_text(learners: Sequence[LearnerReport], detail: Detail = DETAIL) -> str:
    """One line for a terminal: `5 learners: 2 achieved, 1 close, ...` (standings with nobody left out); for
    a compact page, the verdicts, then the standings of those shown in full."""
    if not detail.compact(learners):
        return f"{_tally(len(learners), 'learner')}: {_spread(cohort_counts(e.standing for e in learners))}"
    counts = cohort_counts((e.verdict_standing for e in learners), VERDICT_STANDINGS)
    return compact_summary_text(len(learners), counts, [learners[k] for k in detail.in_full(learners)])


def compact_summary_text(learners: int, counts: dict[Standing, int], nearest: Sequence[LearnerReport]) -> str:
    """`summary_text` of a compact page: how many learners, the verdicts' `counts`, and the standings of
    the `nearest` shown in full."""
    text = f"{_tally(learners, 'learner')}: {_spread(counts)}"
    if nearest:
        text += f"; in full, the {len(nearest)} nearest to achieving: " \
                f"{_spread(cohort_counts(e.standing for e in nearest))}"
    return text


def _spread(counts: dict[Standing, int]) -> str:
    parts = [f"{count:,} {STANDING_PHRASES[standing]}" for standing, count in counts.items() if count]
    return ", ".join(parts) if parts else "none"


def _tally(count: int, word: str) -> str:
    """As `plural`, with thousands separated: `100,000 learners`."""
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def html_report(qualification: CompiledQualification, learners: Sequence[LearnerReport], *,
                awarding_body: str | None = None, records: str | None = None,
                problems: Sequence[Diagnostic] = (), detail: Detail = DETAIL) -> str:
    """The whole page for `learners` as `cohort_reports` gives them (with the same `detail`, which chooses the
    page's form and whom it shows in full). `awarding_body` and `records` (the records file's name) only
    label the header; `problems` are record problems that belong to no learner."""
    q = qualification
    if detail.compact(learners):
        figures = CohortFigures.of(q, detail.nearest)
        figures.add(learners)
        shown = [(position, learners[position]) for _, position, _ in figures.candidates]
        return compact_html_report(q, figures, shown, awarding_body=awarding_body, records=records,
                                   problems=problems, detail=detail)
    sections = [_summary(cohort_counts(e.standing for e in learners), len(learners), _plan_definition(q),
                         _wanted(q, learners)),
                _overview(q, learners), _problems(problems)]
    return _report_page(q, sections, list(enumerate(learners)), awarding_body, records)


def compact_html_report(qualification: CompiledQualification, figures: CohortFigures,
                        shown: Sequence[tuple[int, LearnerReport]], *, awarding_body: str | None = None,
                        records: str | None = None, problems: Sequence[Diagnostic] = (),
                        detail: Detail = DETAIL) -> str:
    """The compact page of a big cohort, from its `figures` and the learners `shown` in full (their positions
    in the cohort and their reports with plans, nearest first: `figures.candidates`, planned)."""
    q = qualification
    in_full = [position for position, _ in shown]
    sections = [_compact_summary(figures, detail, in_full), _rule_figures(figures),
                _learner_table(q, figures, in_full), _problems(problems), _nearest(q, [e for _, e in shown])]
    # The one script allowed is the page's own, by its hash: no other script, inline or fetched, runs.
    return _report_page(q, sections, shown, awarding_body, records, f"{NO_FETCHES}; script-src '{SCRIPT_HASH}'",
                        [f"<script>{SCRIPT}</script>"])


def _report_page(q: CompiledQualification, sections: Sequence[str], shown: Sequence[tuple[int, LearnerReport]],
                 awarding_body: str | None, records: str | None, policy: str | None = None,
                 scripts: Sequence[str] = ()) -> str:
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
        *sections,
        *(_learner(q, position + 1, entry) for position, entry in shown),
        "</main>",
    ]
    return html_page(title, STYLE, body, policy or NO_FETCHES, scripts)


# No fetches of any kind: a page works offline and leaks nothing when opened.
NO_FETCHES = "default-src 'none'; style-src 'unsafe-inline'"


def html_page(title: str, style: str, body: Sequence[str], policy: str = NO_FETCHES,
              scripts: Sequence[str] = ()) -> str:
    """A whole self-contained page: `title` (escaped here), inline `style`, the body's parts (empty ones
    left out) and only what `policy` allows."""
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">',
        f"<title>{escape(title)}</title>",
        f"<style>{style}</style>",
        *scripts,
        "</head>",
        "<body>",
        *filter(None, body),
        "</body>",
        "</html>",
        "",
    ])


# ---- cohort ------------------------------------------------------------------------------------------

def _plan_definition(q: CompiledQualification) -> str:
    """What `close` means, and the measure the plans minimise: GLH where the units are sized in GLH only."""
    measure = finish_measure(q)
    words = {"credits": "credits", "glh": "guided learning hours", "units": "units"}[measure]
    text = (f"<strong>Close</strong> means the learner has not achieved yet and the cheapest plan to finish adds at "
            f"most {CLOSE_CREDITS} credits. Plans are the proven cheapest set of extra units by {words}")
    return text + ("." if measure == "credits" else ", so none is called close.")


def _summary(counts: dict[Standing, int], size: int, definition: str, wanted: str = "") -> str:
    """The tiles and the bar of the cohort's standings; `definition` is trusted markup."""
    tiles = []
    for standing, count in counts.items():
        tiles.append(
            f'<li class="tile {_css(standing)}{"" if count else " empty"}"><span class="count">{count:,}</span>'
            f'<span class="label">{_icon(standing)} {standing.value}</span>'
            f'<span class="note">{escape(STANDING_NOTES[standing])}</span></li>'
        )
    segments = _segments((_css(standing), standing.value, count) for standing, count in counts.items())
    return "\n".join(filter(None, [
        '<section class="summary" aria-labelledby="summary-heading">',
        '<h2 id="summary-heading">Summary</h2>',
        f'<p class="lead">{_tally(size, "learner")} in this report.</p>',
        f'<div class="spread" role="img" aria-label="{_spread(counts)}">{segments}</div>',
        f'<ul class="tiles">{"".join(tiles)}</ul>',
        f'<p class="definition">{definition}</p>',
        wanted,
        "</section>",
    ]))


def _segments(parts: Iterable[tuple[str, str, int]]) -> str:
    """A bar's segments, one per (css class, label, count) that counts anyone, as wide as its count."""
    return "".join(f'<span class="segment {css}" style="flex-grow: {count}" title="{label}: {count:,}"></span>'
                   for css, label, count in parts if count)


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


def _overview(q: CompiledQualification, learners: Sequence[LearnerReport]) -> str:
    if not learners:
        return ""
    graded = q.grading is not None
    rows = []
    for k, entry in enumerate(learners, 1):
        verdict = entry.verdict
        counted = "—" if verdict is None or verdict.credits is None else str(verdict.credits)
        grade = f"<td>{escape(_grade_cell(verdict))}</td>" if graded else ""
        pathway = f"<td>{escape(_pathway_cell(verdict))}</td>" if q.pathways else ""
        rows.append(
            f'<tr><th scope="row"><a href="#learner-{k}">{escape(entry.learner)}</a></th>'
            f"<td>{_badge(entry.standing)}</td>"
            f'<td class="number">{counted}</td>{grade}{pathway}<td>{escape(_to_finish(entry))}</td></tr>'
        )
    return "\n".join([
        '<section class="overview" aria-labelledby="overview-heading">',
        '<h2 id="overview-heading">Learners</h2>',
        '<table class="learners">',
        '<thead><tr><th scope="col">Learner</th><th scope="col">Standing</th>'
        '<th scope="col" class="number">Credits counted</th>' + (_GRADE_HEADING if graded else "")
        + (_PATHWAY_HEADING if q.pathways else "") + '<th scope="col">To finish</th></tr></thead>',
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
        size = glh_text(plan.glh_to_add) if plan.credits_to_add is None else plural(plan.credits_to_add, "credit")
        return f"add {size} in {plural(plan.units_to_add, 'unit')}{hedge}"
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


# ---- a compact page: a big cohort ----------------------------------------------------------------------

def _compact_summary(figures: CohortFigures, detail: Detail, in_full: Sequence[int]) -> str:
    definition = (
        f"A cohort of more than {detail.whole_cohort:,} learners is summarised rather than shown whole. "
        "<strong>Not achieved</strong> counts close, further to go and cannot achieve together: only the "
        "cheapest plan to finish tells them apart"
    )
    if in_full:
        definition += (", and plans are made for the learners <a href=\"#nearest-heading\">nearest to "
                       "achieving</a>, shown in full below")
    return _summary(figures.counts(), figures.learners, definition + ".")


def _rule_figures(figures: CohortFigures) -> str:
    """Each rule across the cohort: how many learners' reported claims meet it, how many fall short and by
    how much."""
    if not figures.verdicts:
        return ""
    rows = []
    for tally in figures.rules.values():
        met = tally.met
        typical = largest = "—"
        shortfalls = tally.typical_and_largest()
        if shortfalls is not None:
            median, most = shortfalls
            typical = f"{median:,} {measure_word(tally.measure, median)}"
            largest = f"{most:,} {measure_word(tally.measure, most)}"
        parts = [("achieved", "Met", met[True]), ("further", "Not met", met[False]),
                 ("undetermined", "Cannot tell", met[None])]
        share = ", ".join(f"{count:,} {label.lower()}" for _, label, count in parts if count)
        rows.append(
            f'<tr><th scope="row">{escape(tally.text)}'
            f'<div class="spread share" role="img" aria-label="{share}">{_segments(parts)}</div></th>'
            + "".join(f'<td class="number">{count:,}</td>' for _, _, count in parts)
            + f"<td>{typical}</td><td>{largest}</td></tr>"
        )
    return "\n".join([
        '<section class="rule-figures" aria-labelledby="rule-figures-heading">',
        '<h2 id="rule-figures-heading">Rule by rule</h2>',
        f'<p class="lead">Each rule measured on each of the {_tally(figures.verdicts, "learner")} with a verdict, '
        "on the claim the verdict reports (for a learner who has not achieved, the closest claim). A shortfall "
        "is how much more a rule needs; the typical one is the median among those who fall short.</p>",
        '<table class="cohort-rules">',
        '<thead><tr><th scope="col">Rule</th><th scope="col" class="number">Met</th>'
        '<th scope="col" class="number">Not met</th><th scope="col" class="number">Cannot tell</th>'
        '<th scope="col">Typical shortfall</th><th scope="col">Largest</th></tr></thead>',
        f'<tbody>{"".join(rows)}</tbody>',
        "</table>",
        "</section>",
    ])


def _learner_table(q: CompiledQualification, figures: CohortFigures, in_full: Sequence[int]) -> str:
    """Every learner, one short line each; the page's script draws a page of the table at a time from the
    data block, filtered by standing and by part of the learner id."""
    counts = figures.counts()
    options = [f'<option value="">All learners ({figures.learners:,})</option>'] + [
        f'<option value="{_css(standing)}">{standing.value} ({count:,})</option>'
        for standing, count in counts.items()
    ]
    return "\n".join([
        '<section class="overview" aria-labelledby="overview-heading">',
        '<h2 id="overview-heading">Learners</h2>',
        # Hidden until the script runs: without it the controls would do nothing.
        '<form class="filter" id="learner-filter" role="search" hidden>',
        f'<label>Standing <select name="standing">{"".join(options)}</select></label>',
        '<label>Learner id contains <input type="search" name="find" autocomplete="off" spellcheck="false">'
        "</label>",
        "</form>",
        '<p class="pager" hidden><button type="button" id="previous-page">Previous</button>'
        '<span id="learner-count" aria-live="polite"></span>'
        '<button type="button" id="next-page">Next</button></p>',
        '<noscript><p class="none">This browser runs no scripts, so the learner table, which the page\'s own '
        "small script draws, is not shown. The summary, the rule figures and the learners nearest to achieving "
        "need no script.</p></noscript>",
        '<table class="learners">',
        '<thead><tr><th scope="col">Learner</th><th scope="col">Standing</th>'
        '<th scope="col" class="number">Credits counted</th>' + (_GRADE_HEADING if q.grading is not None else "")
        + (_PATHWAY_HEADING if q.pathways else "") + '<th scope="col">What is missing</th></tr></thead>',
        '<tbody id="learner-rows"></tbody>',
        "</table>",
        f'<script type="application/json" id="learner-data">{figures.table_data(in_full)}</script>',
        "</section>",
    ])


def _missing_line(entry: LearnerReport) -> str:
    """What stands between a learner and the qualification, in one short line; empty when achieved."""
    if entry.verdict is None:
        more = len(entry.errors) - 1
        return render_plain(entry.errors[0]) + (f" (and {plural(more, 'more error')})" if more else "")
    verdict = entry.verdict
    if verdict.achieved:
        return ""
    parts = []
    for outcome in verdict.outcomes:
        if outcome.met is False:
            short = _shortfall(outcome)
            parts.append(outcome.text if short is None else
                         f"{outcome.text} ({short} {measure_word(outcome.measure, short)} short)")
    if verdict.missing:
        parts.append("the record lacks: " + ", ".join(verdict.missing))
    return "; ".join(parts)


def _nearest(q: CompiledQualification, shown: Sequence[LearnerReport]) -> str:
    if not shown:
        return ""
    return "\n".join(filter(None, [
        '<section class="nearest" aria-labelledby="nearest-heading">',
        '<h2 id="nearest-heading">Nearest to achieving</h2>',
        f'<p class="lead">Of the learners who have not achieved, the {len(shown):,} falling short the least '
        "(fewest rules not met, then fewest credits short; anyone under the minimum age last), nearest first, "
        f"each in full with the cheapest plan to finish: {_spread(cohort_counts(e.standing for e in shown))}.</p>",
        _wanted(q, shown),
        "</section>",
    ]))


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
        if verdict.graded:
            parts.append(_grade_line(q, verdict))
        if q.pathways:
            parts.append(_pathway_line(verdict))
        if verdict.missing and not verdict.achieved:
            parts.append('<p class="missing">The record lacks: ' + "; ".join(escape(m) for m in verdict.missing)
                         + "</p>")
        parts.append(_rules(q, verdict, entry.plan))
        parts.append(_units(q, verdict))
        parts.append(_unread(entry.unread))
        parts.append(_unfinished(entry.unfinished))
        parts.append(_plan(q, verdict, entry.plan))
    parts.append("</section>")
    return "\n".join(parts)


def _claim_line(verdict: Verdict) -> str:
    verb = {Status.ACHIEVED: "Achieved with", Status.NOT_ACHIEVED: "Not achieved: the closest claim counts",
            Status.UNDETERMINED: "Undetermined: the best claim counts"}[verdict.status]
    if verdict.credits is None:  # units sized in GLH only: the claim's size is its hours
        return f"{verb} <strong>{glh_text(verdict.glh)}</strong> from {plural(len(verdict.claim), 'unit')}."
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
    elif outcome.measure is None:  # a graded verdict's points, against the pass grade's
        parts.append(_bar(attrs.evolve(outcome, minimum=q.grading.pass_points), None, state, "points"))
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


def _bar(outcome: RuleOutcome, after: int | None, state: str, word: str | None = None) -> str:
    measured, low, high = outcome.measured, outcome.minimum, outcome.maximum
    scale = max(1, measured, after or 0, low or 0, high or 0)
    word = word or measure_word(outcome.measure, measured)

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
        caption = f"Units counted ({plural(len(verdict.claim), 'unit')}, {credits_text(verdict.credits)})"
        parts.append(_unit_table(q, verdict.claim, "counted", caption,
                                 {u.unit: u for u in verdict.unit_points} if verdict.graded else None))
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


def _unread(unread: Sequence[UnreadUnit]) -> str:
    """The record's units in no loaded catalogue, which nothing counted, with what each probably is: a unit
    mistyped there would otherwise look like one still to take."""
    if not unread:
        return ""
    rows = "".join(
        f'<tr><th scope="row">{escape(unit.text)}</th>'
        f'<td>{escape(unit.where)}</td>'
        f'<td>{escape(unit.why)}</td></tr>'
        for unit in unread)
    return (f'<table class="surplus"><caption>Not read from the record ({plural(len(unread), "unit")})</caption>'
            '<thead><tr><th scope="col">Unit</th><th scope="col">Where</th><th scope="col">Why</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def _or_dash(value: int | None) -> str:
    return "—" if value is None else str(value)


def _unit_table(q: CompiledQualification, refs: Iterable[str], kind: str, caption: str,
                grades: dict[str, UnitGrade] | None = None) -> str:
    """Pool units with their titles, groups and credits, and for a graded verdict's counted units (`grades`,
    by reference) each one's grade and points."""
    rows = []
    for ref in refs:
        unit = q.units[q.index[ref]]
        graded = "" if grades is None else (f"<td>{escape(grades[ref].grade)}</td>"
                                            f'<td class="number">{grades[ref].points}</td>')
        rows.append(f'<tr><th scope="row">{escape(ref)}</th><td>{escape(unit.title)}</td>'
                    f'<td class="group">{escape(unit.group or "")}</td><td class="number">{_or_dash(unit.credits)}</td>'
                    f"{graded}</tr>")
    graded = "" if grades is None else '<th scope="col">Grade</th><th scope="col" class="number">Points</th>'
    return (
        f'<table class="{kind}"><caption>{escape(caption)}</caption><thead><tr><th scope="col">Unit</th>'
        '<th scope="col">Title</th><th scope="col">Group</th><th scope="col" class="number">Credits</th>'
        f'{graded}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


# ---- pathways ----------------------------------------------------------------------------------------

_PATHWAY_HEADING = '<th scope="col">Pathway</th>'


def _pathway_cell(verdict: Verdict | None) -> str:
    """The pathway awarded; `general title` for an award without one; a dash when nothing is awarded."""
    if verdict is None or not verdict.achieved:
        return "—"
    return verdict.pathway if verdict.pathway is not None else "general title"


def _pathway_line(verdict: Verdict) -> str:
    """How the pathway was decided, and the title on the certificate when one is awarded."""
    decision = verdict.pathway_decision or ""
    text = escape(decision[:1].upper() + decision[1:])
    if verdict.achieved:
        text += f". The title awarded: <strong>{escape(verdict.awarded_title)}</strong>"
    return f'<p class="pathway-line">{text}.</p>'


# ---- graded qualifications ---------------------------------------------------------------------------

_GRADE_HEADING = '<th scope="col">Grade</th>'


def _grade_cell(verdict: Verdict | None) -> str:
    """`DM, 124 points`; `60 points` without a grade; and the award given instead, when it is achieved."""
    if verdict is None or not verdict.graded:
        return "—"
    shown = ([verdict.grade] if verdict.grade is not None else []) + (
        [plural(verdict.points, "point")] if verdict.points is not None else [])
    text = ", ".join(shown) or "—"
    fallback = verdict.award_instead
    if fallback is not None and fallback.status is Status.ACHIEVED:
        text += f"; instead {fallback.qan}" + (f" at {fallback.grade}" if fallback.grade is not None else "")
    return text


def _grade_line(q: CompiledQualification, verdict: Verdict) -> str:
    """A graded verdict's grade and the points to the next one, or how far the points fall short, and the
    award given instead."""
    if verdict.status is Status.ACHIEVED and verdict.grade is not None:
        text = f"Grade <strong>{escape(verdict.grade)}</strong>"
        if verdict.points is not None:
            text += f" with {plural(verdict.points, 'point')}"
            above = next_grade(q.grading.source, verdict.points)
            if above is not None:
                text += (f"; {plural(above.points - verdict.points, 'point')} more for {escape(above.grade)} "
                         f"({above.points})")
    elif verdict.points is not None:
        lowest = q.grading.thresholds[0]
        text = f"No grade yet: the claim earns {plural(verdict.points, 'point')}"
        if verdict.points < lowest.points:
            text += f", {lowest.points - verdict.points} short of {escape(lowest.grade)} ({lowest.points})"
        else:
            text += ", but does not meet the rules"
    else:
        text = "No grade yet"
    fallback = verdict.award_instead
    if fallback is not None and fallback.status is Status.ACHIEVED:
        grade = f" at grade <strong>{escape(fallback.grade)}</strong>" if fallback.grade is not None else ""
        points = f" with {plural(fallback.points, 'point')}" if fallback.points is not None else ""
        text += f". Awarded instead: {escape(fallback.qan)} {escape(fallback.title)}{grade}{points}"
    elif fallback is not None:
        text += f". Nor is the award given instead, {escape(fallback.qan)} {escape(fallback.title)}, achieved"
    return f'<p class="grade-line">{text}.</p>'



def _unfinished(unfinished: Sequence[UnitCriteria]) -> str:
    """The units of the learner's log that do not count yet: criteria met of the total, and what is awaited."""
    if not unfinished:
        return ""
    rows = "".join(
        f'<tr><th scope="row">{escape(u.unit.ref)}</th><td>{escape(u.unit.title)}</td>'
        f'<td class="number">{len(u.progress.met)} / {u.total}</td>'
        f"<td>{escape('in progress' if u.progress.stage is Stage.IN_PROGRESS else u.standing)}</td></tr>"
        for u in unfinished)
    return (
        f'<table class="criteria-progress"><caption>Units in progress ({plural(len(unfinished), "unit")})</caption>'
        '<thead><tr><th scope="col">Unit</th><th scope="col">Title</th><th scope="col" class="number">Criteria met'
        f'</th><th scope="col">Standing</th></tr></thead><tbody>{rows}</tbody></table>'
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
        # Units sized in GLH only are worth their hours.
        worth = (f"<strong>{glh_text(plan.glh_to_add)}</strong>" if plan.credits_to_add is None else
                 f"<strong>{plural(plan.credits_to_add, 'credit')}</strong> ({glh_text(plan.glh_to_add)})")
        parts.append(
            f'<p class="plan-line">Add <strong>{plural(plan.units_to_add, "unit")}</strong> worth {worth}{hedge}: '
            f"the fewest {escape(measure)} that complete the qualification.</p>"
        )
        parts.append(_unit_table(q, plan.add, "add", "Units to add"))
        if plan.retake:
            parts.append(f'<p class="retake">To be taken again (held below a pass): '
                         f'{escape(", ".join(plan.retake))}.</p>')
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
    PlanStatus.IMPOSSIBLE: "It cannot be completed:",
    PlanStatus.UNDETERMINED: "No units to add; the verdict waits on the data the record lacks.",
}


# ---- the compact page's script -------------------------------------------------------------------------

# Draws the learner table a page at a time from the data block, filtered by standing and by part of the
# id. Elements are built with textContent, never from markup, so no record value is read as HTML. The
# filter may start from the address: report.html?standing=not_achieved&find=L00&page=2.
SCRIPT = """
document.addEventListener("DOMContentLoaded", () => {
  "use strict";
  const data = JSON.parse(document.getElementById("learner-data").textContent);
  const form = document.getElementById("learner-filter");
  const body = document.getElementById("learner-rows");
  const count = document.getElementById("learner-count");
  const previous = document.getElementById("previous-page");
  const next = document.getElementById("next-page");
  const pageSize = 100;
  const ids = data.rows.map(row => row[0].toLowerCase());
  const inFull = new Set(data.inFull);
  const number = n => n.toLocaleString("en-GB");
  const query = new URLSearchParams(location.search);
  form.elements.standing.value = query.get("standing") || "";
  form.elements.find.value = query.get("find") || "";
  let page = Math.max(1, Number.parseInt(query.get("page"), 10) || 1);
  let chosen = [];

  function choose() {
    const standing = data.standings.findIndex(s => s[0] === form.elements.standing.value);
    const find = form.elements.find.value.trim().toLowerCase();
    chosen = [];
    for (let k = 0; k < ids.length; k++) {
      if ((standing < 0 || data.rows[k][1] === standing) && ids[k].includes(find)) chosen.push(k);
    }
  }

  function element(tag, className, ...children) {
    const made = document.createElement(tag);
    if (className) made.className = className;
    made.append(...children);
    return made;
  }

  function row(k) {
    const [id, standing, credits, line, ...more] = data.rows[k];
    const [css, icon, label] = data.standings[standing];
    const learner = element("th", "", id);
    learner.scope = "row";
    if (inFull.has(k)) {
      const link = element("a", "", id);
      link.href = "#learner-" + (k + 1);
      learner.replaceChildren(link);
    }
    const mark = element("span", "icon", icon);
    mark.setAttribute("aria-hidden", "true");
    const cells = [learner, element("td", "", element("span", "badge " + css, mark, " " + label)),
      element("td", "number", credits === null ? "\u2014" : String(credits))];
    if (data.graded) cells.push(element("td", "", more.shift()));
    if (data.pathways) cells.push(element("td", "", more.shift()));
    return element("tr", "", ...cells, element("td", "", data.lines[line] || "\u2014"));
  }

  function show() {
    const pages = Math.max(1, Math.ceil(chosen.length / pageSize));
    page = Math.min(page, pages);
    const first = (page - 1) * pageSize;
    const shown = chosen.slice(first, first + pageSize);
    body.replaceChildren(...shown.map(row));
    count.textContent = shown.length === 0 ? "No learner matches." :
      `Learners ${number(first + 1)}\u2013${number(first + shown.length)} of ${number(chosen.length)}` +
      ` (page ${number(page)} of ${number(pages)})`;
    previous.disabled = page === 1;
    next.disabled = page === pages;
  }

  form.addEventListener("input", () => { page = 1; choose(); show(); });
  form.addEventListener("submit", event => event.preventDefault());
  previous.addEventListener("click", () => { page -= 1; show(); });
  next.addEventListener("click", () => { page += 1; show(); });
  form.hidden = count.parentElement.hidden = false;
  choose();
  show();
});
"""
SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")


# ---- small pieces ------------------------------------------------------------------------------------

_ICONS = {Standing.ACHIEVED: "✓", Standing.CLOSE: "◔", Standing.FURTHER: "✗", Standing.CANNOT: "⊘",
          Standing.NOT_ACHIEVED: "✗", Standing.UNDETERMINED: "?", Standing.UNREADABLE: "!"}


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
.tiles { list-style: none; margin: 0; padding: 0; display: grid; grid-auto-flow: column; grid-auto-columns: 1fr;
  gap: 10px; }
.tile { border-radius: 8px; padding: 10px 12px; border-top: 4px solid; display: flex; flex-direction: column; }
.tile .count { font-size: 30px; font-weight: 700; line-height: 1.1; }
.tile .label { font-weight: 600; font-size: 14px; }
.tile.empty { opacity: .55; }
.tile .note { font-size: 12px; color: var(--muted); line-height: 1.35; margin-top: 4px; }
.definition { font-size: 13px; color: var(--muted); margin: 14px 0 0; }
.wanted { margin: 16px 0 0; max-width: 640px; }
.achieved { --tone: var(--achieved); --tone-bg: var(--achieved-bg); }
.close { --tone: var(--close); --tone-bg: var(--close-bg); }
.further, .not_achieved { --tone: var(--further); --tone-bg: var(--further-bg); }
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
[hidden] { display: none !important; }
.share { height: 8px; margin: 6px 0 0; max-width: 320px; }
.cohort-rules tbody th { white-space: normal; }
.filter { display: flex; flex-wrap: wrap; gap: 10px 24px; margin: 0 0 10px; }
.filter label { font-size: 14px; font-weight: 600; display: flex; align-items: center; gap: 8px; }
.filter select, .filter input { font: inherit; font-weight: 400; padding: 4px 8px; border: 1px solid var(--line);
  border-radius: 6px; background: var(--paper); color: var(--ink); }
.pager { display: flex; align-items: center; gap: 14px; margin: 0 0 8px; color: var(--muted); }
.pager button { font: inherit; padding: 3px 12px; border: 1px solid var(--line); border-radius: 6px;
  background: var(--wash); color: var(--ink); cursor: pointer; }
.pager button:disabled { opacity: .45; cursor: default; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; }
@media (max-width: 900px) {
  .tiles { grid-auto-flow: row; grid-template-columns: repeat(3, 1fr); }
  .rules, .units { grid-template-columns: 1fr; }
  .learners td:nth-child(3), .learners th:nth-child(3) { display: none; }
  main { padding: 16px; }
}
@media (max-width: 600px) {
  .tiles { grid-auto-flow: row; grid-template-columns: repeat(2, 1fr); }
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
