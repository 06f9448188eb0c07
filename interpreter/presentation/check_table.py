"""Verdicts for people (aligned, coloured tables) and for programs (JSON-ready dicts)."""

from __future__ import annotations

from typing import Sequence

import attrs
import click

from qualrules.interpreter.diagnostics import Diagnostic, render_plain
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


def check_table(rows: Sequence[CheckRow]) -> str:
    headers = ("Learner", "Qualification", "Result", "Credits")
    cells = []
    for row in rows:
        status = row.verdict.status.value if row.verdict else RECORD_ERROR
        credits = str(row.verdict.credits) if row.verdict else "-"
        cells.append((row.learner, f"{row.qan} {row.title}", status, credits))
    widths = [max([len(h)] + [len(c[k]) for c in cells]) for k, h in enumerate(headers)]

    def line(values: Sequence[str], styles: Sequence[dict]) -> str:
        parts = []
        for k, (value, style) in enumerate(zip(values, styles)):
            padded = value.rjust(widths[k]) if k == 3 else value.ljust(widths[k])
            parts.append(click.style(padded, **style) if style else padded)
        return "  ".join(parts).rstrip()

    out = [line(headers, [{"bold": True}] * 4)]
    for row, values in zip(rows, cells):
        colour = STATUS_COLOURS[row.verdict.status] if row.verdict else "magenta"
        out.append(line(values, [{}, {}, {"fg": colour, "bold": True}, {}]))
        indent = " " * (widths[0] + 2)
        if row.verdict is None:
            out.extend(indent + click.style("! ", fg="magenta") + render_plain(d) for d in row.errors)
            continue
        for outcome in row.verdict.outcomes:
            if outcome.met is False:
                out.append(indent + click.style("x ", fg="red") + outcome.detail)
        for needed in row.verdict.missing if row.verdict.status is Status.UNDETERMINED else ():
            out.append(indent + click.style("? ", fg="yellow") + "the record lacks the " + needed)
    out.append("")
    out.append(summary_line(rows))
    return "\n".join(out)


def summary_line(rows: Sequence[CheckRow]) -> str:
    counts = {status: 0 for status in Status}
    errors = 0
    for row in rows:
        if row.verdict is None:
            errors += 1
        else:
            counts[row.verdict.status] += 1
    parts = [f"{counts[Status.ACHIEVED]} achieved", f"{counts[Status.NOT_ACHIEVED]} not achieved"]
    if counts[Status.UNDETERMINED]:
        parts.append(f"{counts[Status.UNDETERMINED]} undetermined")
    if errors:
        parts.append(f"{errors} with record errors")
    noun = "check" if len(rows) == 1 else "checks"
    return click.style(f"{len(rows)} {noun}: " + ", ".join(parts), bold=True)
