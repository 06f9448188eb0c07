"""Verdicts for people (aligned, coloured tables) and for programs (JSON-ready dicts)."""

from __future__ import annotations

import functools
from typing import Sequence

import attrs
import click

from qualrules.interpreter.diagnostics import Diagnostic, cut_to_width, display_width, escaped, padded, render_plain
from qualrules.interpreter.engine.evaluator import Status, Verdict
from qualrules.interpreter.presentation.terminal import fit
from qualrules.interpreter.presentation.json_text import array_element, json_string

STATUS_COLOURS = {Status.ACHIEVED: "green", Status.NOT_ACHIEVED: "red", Status.UNDETERMINED: "yellow"}
RECORD_ERROR = "record error"


@attrs.frozen
class CheckRow:
    """One (learner, qualification) pair: a verdict, or the record errors that stopped one."""

    learner: str
    qan: str
    title: str
    verdict: Verdict | None
    errors: tuple[Diagnostic, ...] = ()

    def to_json(self) -> dict:
        if self.verdict is not None:
            return self.verdict.to_json()
        return {
            "learner": self.learner,
            "qualification": self.qan,
            "title": self.title,
            "achieved": False,
            "status": "error",
            "errors": [d.to_json() for d in self.errors],
        }


    def json_element(self) -> str:
        """`array_element(self.to_json())`: a pass-only verdict's text is made from pieces, faster than its dict
        is laid out, since a cohort writes hundreds of thousands."""
        verdict = self.verdict
        if verdict is None or verdict.graded or verdict.equivalents is not None or verdict.pathways \
                or verdict.fallback is not None:
            return array_element(self.to_json())
        return VERDICT_START + json_string(verdict.learner) + verdict_rest(verdict)


# A verdict's JSON text as an array element, `array_element(verdict.to_json())`, is VERDICT_START, the learner's
# id and `verdict_rest`: the text after the id is shared by learners holding the same units.
VERDICT_START = '  {\n    "learner": '


def verdict_rest(verdict: Verdict) -> str:
    """The JSON text of a verdict after the learner's id, in the layout of `Verdict.to_json`'s keys."""
    set_aside = [set_aside_item(s.unit, s.reason, k == 0) for k, s in enumerate(verdict.set_aside)]
    return "".join([
        verdict_head(verdict.qan, verdict.title, verdict.achieved, verdict.status.value),
        figures_text(verdict.credits, verdict.glh),
        _strings(verdict.claim),
        UNMET, _strings(verdict.unmet),
        MISSING, _strings(verdict.missing),
        SET_ASIDE, "".join(set_aside) + LIST_END if set_aside else EMPTY_LIST,
        VERDICT_END,
    ])


# The pieces of `verdict_rest`, which `plain_verdicts` also joins, learner by learner: a list's items are
# each written with what comes before them (LIST_FIRST or LIST_NEXT), and LIST_END closes a list that has any.
LIST_FIRST, LIST_NEXT, LIST_END, EMPTY_LIST = "[\n      ", ",\n      ", "\n    ]", "[]"
UNMET, MISSING, SET_ASIDE, VERDICT_END = ',\n    "unmet": ', ',\n    "missing": ', ',\n    "set_aside": ', "\n  }"


def verdict_head(qan: str, title: str, achieved: bool, status: str) -> str:
    """The text after the learner's id up to the value of credits."""
    return "".join([',\n    "qualification": ', json_string(qan), ',\n    "title": ', json_string(title),
                    ',\n    "achieved": ', "true" if achieved else "false", ',\n    "status": ', json_string(status),
                    ',\n    "credits": '])


def figures_text(credits: int | None, glh: int | None) -> str:
    """The credits, the GLH and the key of the units counted."""
    return ("null" if credits is None else int.__repr__(credits)) + ',\n    "glh": ' \
        + ("null" if glh is None else int.__repr__(glh)) + ',\n    "units": '


def string_item(value: str, first: bool) -> str:
    return (LIST_FIRST if first else LIST_NEXT) + json_string(value)


def set_aside_item(unit: str, reason: str, first: bool) -> str:
    return ("[" if first else ",") + _set_aside_text(unit, reason)


def _strings(values: Sequence[str]) -> str:
    if not values:
        return EMPTY_LIST
    return LIST_FIRST + LIST_NEXT.join(map(json_string, values)) + LIST_END


@functools.lru_cache(maxsize=4096)
def _set_aside_text(unit: str, reason: str) -> str:
    """One unit set aside, as an element of a verdict's list (units and reasons repeat over a cohort)."""
    return '\n      {\n        "unit": ' + json_string(unit) + ',\n        "reason": ' + json_string(reason) + "\n      }"


def status_text(verdict: Verdict) -> str:
    """`achieved`, or for a graded qualification `achieved, grade DMM`, with the pathway awarded (`achieved,
    pathway Marketing`)."""
    return (verdict.status.value + (f", grade {verdict.grade}" if verdict.grade is not None else "")
            + (f", pathway {verdict.pathway}" if verdict.pathway is not None else ""))


HEADERS = ("Learner", "Qualification", "Result", "Credits")


def _cells(row: CheckRow) -> tuple[str, str, str, str]:
    status = status_text(row.verdict) if row.verdict else RECORD_ERROR
    # A claim of units sized in GLH only has no credit total: a dash, as an unknown GLH total is empty elsewhere.
    credits = "-" if row.verdict is None else "—" if row.verdict.credits is None else str(row.verdict.credits)
    return escaped(row.learner), escaped(f"{row.qan} {row.title}"), status, credits


class CheckTable:
    """The verdict table, written as rows arrive: columns are as wide as the first rows need (a later, longer
    value widens its own line only), and the summary counts every row. Given the terminal's `columns`, the
    qualification column is narrowed to fit, its titles cut short with `…`, and longer lines are wrapped."""

    def __init__(self, first_rows: Sequence[CheckRow], columns: int | None = None):
        cells = [_cells(row) for row in first_rows]
        self.widths = [max([len(h)] + [display_width(c[k]) for c in cells]) for k, h in enumerate(HEADERS)]
        self.columns = columns
        if columns is not None:
            excess = sum(self.widths) + 2 * (len(HEADERS) - 1) - columns
            self.widths[1] = max(len(HEADERS[1]), self.widths[1] - max(excess, 0))
        self.counts = {status: 0 for status in Status}
        self.errors = 0

    def _line(self, values: Sequence[str], styles: Sequence[dict]) -> str:
        parts = []
        for k, (value, style) in enumerate(zip(values, styles)):
            if k == 1 and self.columns is not None:
                value = cut_to_width(value, self.widths[1])
            cell = padded(value, self.widths[k], right=k == 3)
            parts.append(click.style(cell, **style) if style else cell)
        return "  ".join(parts).rstrip()

    def header(self) -> str:
        return self._line(HEADERS, [{"bold": True}] * 4)

    def lines(self, rows: Sequence[CheckRow]) -> list[str]:
        out = []
        for row in rows:
            colour = STATUS_COLOURS[row.verdict.status] if row.verdict else "magenta"
            out.append(self._line(_cells(row), [{}, {}, {"fg": colour, "bold": True}, {}]))
            indent = " " * (self.widths[0] + 2)
            if row.verdict is None:
                self.errors += 1
                out.extend(indent + click.style("! ", fg="magenta") + render_plain(d) for d in row.errors)
                continue
            self.counts[row.verdict.status] += 1
            for outcome in row.verdict.outcomes:
                if outcome.met is False:
                    out.append(indent + click.style("x ", fg="red") + escaped(outcome.detail))
            # What the record lacks matters to a learner short of the qualification too (an age rule that
            # cannot be told is no `x` line): only an achieved verdict needs nothing more.
            for needed in row.verdict.missing if row.verdict.status is not Status.ACHIEVED else ():
                out.append(indent + click.style("? ", fg="yellow") + "the record lacks the " + escaped(needed))
            if row.verdict.recorded_pathway_unmet:
                # Achieved, but not with the title the learner was registered for.
                out.append(indent + click.style("> ", fg="yellow") + escaped(row.verdict.pathway_decision))
            fallback = row.verdict.award_instead
            if fallback is not None and fallback.status is not Status.NOT_ACHIEVED:
                out.append(indent + click.style("> ", fg="green") + "awarded instead: "
                           + escaped(f"{fallback.qan} {fallback.title}, {status_text(fallback)}"))
        return fit(out, self.columns)

    def summary(self) -> str:
        counts = self.counts
        checks = sum(counts.values()) + self.errors
        parts = [f"{counts[Status.ACHIEVED]} achieved", f"{counts[Status.NOT_ACHIEVED]} not achieved"]
        if counts[Status.UNDETERMINED]:
            parts.append(f"{counts[Status.UNDETERMINED]} undetermined")
        if self.errors:
            parts.append(f"{self.errors} with record errors")
        noun = "check" if checks == 1 else "checks"
        return click.style(f"{checks} {noun}: " + ", ".join(parts), bold=True)
