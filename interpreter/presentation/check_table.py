"""Verdicts for people (aligned, coloured tables) and for programs (JSON-ready dicts)."""

from __future__ import annotations

import functools
from typing import Sequence

import attrs
import click

from qualrules.interpreter.diagnostics import Diagnostic, escaped, render_plain
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
        if self.verdict is None or self.verdict.graded or self.verdict.pathways:
            return array_element(self.to_json())
        return VERDICT_START + json_string(self.verdict.learner) + verdict_rest(self.verdict)


# A verdict's JSON text as an array element, `array_element(verdict.to_json())`, is VERDICT_START, the learner's
# id and `verdict_rest`: the text after the id is shared by learners holding the same units.
VERDICT_START = '  {\n    "learner": '


def verdict_rest(verdict: Verdict) -> str:
    """The JSON text of a verdict after the learner's id, in the layout of `Verdict.to_json`'s keys."""
    set_aside = ("[" + ",".join([_set_aside_text(s.unit, s.reason) for s in verdict.set_aside]) + "\n    ]"
                 if verdict.set_aside else "[]")
    return "".join([
        ',\n    "qualification": ', json_string(verdict.qan),
        ',\n    "title": ', json_string(verdict.title),
        ',\n    "achieved": ', "true" if verdict.achieved else "false",
        ',\n    "status": ', json_string(verdict.status.value),
        ',\n    "credits": ', int.__repr__(verdict.credits),
        ',\n    "glh": ', "null" if verdict.glh is None else int.__repr__(verdict.glh),
        ',\n    "units": ', _strings(verdict.claim),
        ',\n    "unmet": ', _strings(verdict.unmet),
        ',\n    "missing": ', _strings(verdict.missing),
        ',\n    "set_aside": ', set_aside,
        "\n  }",
    ])


def _strings(values: Sequence[str]) -> str:
    if not values:
        return "[]"
    return "[\n      " + ",\n      ".join(map(json_string, values)) + "\n    ]"


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
    credits = str(row.verdict.credits) if row.verdict else "-"
    return escaped(row.learner), escaped(f"{row.qan} {row.title}"), status, credits


class CheckTable:
    """The verdict table, written as rows arrive: columns are as wide as the first rows need (a later, longer
    value widens its own line only), and the summary counts every row. Given the terminal's `columns`, the
    qualification column is narrowed to fit, its titles cut short with `…`, and longer lines are wrapped."""

    def __init__(self, first_rows: Sequence[CheckRow], columns: int | None = None):
        cells = [_cells(row) for row in first_rows]
        self.widths = [max([len(h)] + [len(c[k]) for c in cells]) for k, h in enumerate(HEADERS)]
        self.columns = columns
        if columns is not None:
            excess = sum(self.widths) + 2 * (len(HEADERS) - 1) - columns
            self.widths[1] = max(len(HEADERS[1]), self.widths[1] - max(excess, 0))
        self.counts = {status: 0 for status in Status}
        self.errors = 0

    def _line(self, values: Sequence[str], styles: Sequence[dict]) -> str:
        parts = []
        for k, (value, style) in enumerate(zip(values, styles)):
            if k == 1 and self.columns is not None and len(value) > self.widths[1]:
                value = value[:self.widths[1] - 1] + "…"
            padded = value.rjust(self.widths[k]) if k == 3 else value.ljust(self.widths[k])
            parts.append(click.style(padded, **style) if style else padded)
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
            for needed in row.verdict.missing if row.verdict.status is Status.UNDETERMINED else ():
                out.append(indent + click.style("? ", fg="yellow") + "the record lacks the " + escaped(needed))
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
