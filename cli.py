"""The `qualrules` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import click

from qualrules import __version__
from qualrules.interpreter.diagnostics import Diagnostic, DiagnosticError, render
from qualrules.interpreter.evaluator import evaluate
from qualrules.interpreter.library import Library
from qualrules.interpreter.output import CheckRow, check_table
from qualrules.interpreter.records import Vocabulary, read_records
from qualrules.interpreter.wording import plural
from qualrules.plugins import RESULT_WORDS, PluginError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

ruleset_option = click.option(
    "--ruleset", "rulesets", multiple=True, type=click.Path(dir_okay=False),
    help="A .qual file to load besides the installed plugins' rulesets (repeatable).",
)
format_option = click.option(
    "--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True,
    help="`table` for people, `json` for programs.",
)


def _source_text(file: str) -> str | None:
    try:
        return Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def report_diagnostics(diagnostics: tuple[Diagnostic, ...] | list[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        click.echo(render(diagnostic, _source_text(diagnostic.location.file)), err=True)


def fail(diagnostics) -> NoReturn:
    report_diagnostics(diagnostics)
    sys.exit(EXIT_USAGE)


def load_library(rulesets: tuple[str, ...]) -> Library:
    try:
        library = Library.load(rulesets)
    except DiagnosticError as error:
        fail(error.diagnostics)
    except PluginError as error:
        raise click.ClickException(str(error)) from error
    for note in library.notes:
        click.echo(f"note: {note}", err=True)
    return library


def vocabulary(library: Library) -> Vocabulary:
    results = RESULT_WORDS.union(*(body.achieving_results for body in library.bodies.values()))
    return Vocabulary(library.unit_refs(), frozenset(results))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qualrules")
@click.option("--color/--no-color", default=None,
              help="Force coloured output on or off (default: colour only on a terminal).")
@click.pass_context
def main(ctx: click.Context, color: bool | None) -> None:
    """Check learners' records against the rules of combination of vocational qualifications."""
    ctx.color = color


@main.command()
@click.argument("records", type=click.Path(dir_okay=False))
@click.option("-q", "--qualification", "qans", multiple=True, required=True,
              help="QAN of a qualification to check, e.g. 610/3788/6 (repeatable).")
@ruleset_option
@format_option
def check(records: str, qans: tuple[str, ...], rulesets: tuple[str, ...], output_format: str) -> None:
    """Give each learner in RECORDS (.json, .csv or .xlsx) a verdict for each qualification.

    Exit status: 0 when every learner achieved every qualification, 1 when any did not (or the record
    lacks data to decide), 2 for bad usage or input that could not be read.
    """
    library = load_library(rulesets)
    try:
        targets = [library.qualification(qan) for qan in qans]
    except LookupError as error:
        raise click.UsageError(str(error.args[0])) from error
    try:
        record_set = read_records(records, vocabulary(library))
    except DiagnosticError as error:
        fail(error.diagnostics)

    rows: list[CheckRow] = []
    learners = {learner.id: learner for learner in record_set.learners}
    for learner_id in record_set.order:
        for qualification, body in targets:
            if learner_id in learners:
                verdict = evaluate(qualification, learners[learner_id], body.counts_as_achieved)
                rows.append(CheckRow(learner_id, qualification.qan, qualification.title, verdict))
            else:
                rows.append(CheckRow(learner_id, qualification.qan, qualification.title, None,
                                     record_set.unreadable[learner_id]))

    report_diagnostics(record_set.problems)
    if output_format == "json":
        click.echo(json.dumps([row.to_json() for row in rows], indent=2))
    else:
        click.echo(check_table(rows))
    if record_set.diagnostics:
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_OK if all(row.verdict and row.verdict.achieved for row in rows) else EXIT_FAILED)


@main.command(name="list")
@ruleset_option
@format_option
def list_qualifications(rulesets: tuple[str, ...], output_format: str) -> None:
    """List the installed awarding bodies and their qualifications."""
    library = load_library(rulesets)
    entries = []
    for loaded in library.rulesets:
        for q in loaded.qualifications:
            entries.append({"awarding_body": loaded.body.name, "qan": q.qan, "title": q.title,
                            "level": q.level, "units": len(q.units), "source": loaded.name})
    if output_format == "json":
        click.echo(json.dumps(entries, indent=2))
        return
    width = max((len(e["qan"]) for e in entries), default=0)
    current = None
    for entry in entries:
        if entry["awarding_body"] != current:
            current = entry["awarding_body"]
            body = library.bodies.get(current)
            click.echo(click.style(current, bold=True) + (f"  {body.title}" if body else ""))
        click.echo(f"  {entry['qan'].ljust(width)}  {entry['title']}  "
                   + click.style(f"(level {entry['level']}, {plural(entry['units'], 'unit')})", dim=True))
