"""Verdicts for people (aligned, coloured tables) and for programs (JSON-ready dicts)."""

from __future__ import annotations

from typing import Sequence

import attrs
import click

from qualrules.interpreter.diagnostics import Diagnostic, escaped, render_plain
from qualrules.interpreter.engine.evaluator import Status, Verdict

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


def status_text(verdict: Verdict) -> str:
    """`achieved`, or for a graded qualification `achieved, grade DMM`."""
    return verdict.status.value + (f", grade {verdict.grade}" if verdict.grade is not None else "")


HEADERS = ("Learner", "Qualification", "Result", "Credits")


def _cells(row: CheckRow) -> tuple[str, str, str, str]:
    status = status_text(row.verdict) if row.verdict else RECORD_ERROR
    credits = str(row.verdict.credits) if row.verdict else "-"
    return escaped(row.learner), escaped(f"{row.qan} {row.title}"), status, credits


class CheckTable:
    """The verdict table, written as rows arrive: columns are as wide as the first rows need (a later, longer
    value widens its own line only), and the summary counts every row."""

    def __init__(self, first_rows: Sequence[CheckRow]):
        cells = [_cells(row) for row in first_rows]
        self.widths = [max([len(h)] + [len(c[k]) for c in cells]) for k, h in enumerate(HEADERS)]
        self.counts = {status: 0 for status in Status}
        self.errors = 0

    def _line(self, values: Sequence[str], styles: Sequence[dict]) -> str:
        parts = []
        for k, (value, style) in enumerate(zip(values, styles)):
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
        return out

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
