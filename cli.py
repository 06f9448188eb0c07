"""The `qualrules` command line."""

from __future__ import annotations

import collections
import contextlib
import difflib
import json
import os
import select
import shlex
import sys
import traceback
import warnings
from pathlib import Path
from typing import IO, Any, Iterator, Mapping, NoReturn

import click

from qualrules import __version__
from qualrules import api
from qualrules.interpreter import cohort, process
from qualrules.interpreter.engine import assessment, grade_plan as grade_plans, journeys, planner
from qualrules.interpreter.presentation.check_table import CheckRow
from qualrules.interpreter.presentation.grades_text import grade_plan_text
from qualrules.interpreter.diagnostics import (
    Diagnostic,
    DiagnosticError,
    Location,
    Severity,
    did_you_mean,
    escaped,
    render,
)
from qualrules.interpreter.files import WriteRefused, read_for_rewrite, write_atomically
from qualrules.interpreter.formatter import format_ruleset
from qualrules.interpreter.global_options import group_options_first
from qualrules.interpreter.presentation.journeys_text import explanation_text, plan_text
from qualrules.interpreter.records.learner import Learner
from qualrules.interpreter.library import Library, UnknownQualification, bundled_rulesets_left_out
from qualrules.interpreter.allowances import is_allowed
from qualrules.interpreter.lint import claimed_identifier_errors, lint
from qualrules.interpreter.presentation.eligible_blocks import EligibleText
from qualrules.interpreter.presentation.help_examples import epilog
from qualrules.interpreter.presentation.outputs import (STDOUT, Output, OutputRefused, choose_output, opened, page_output,
                                                       write, write_check, write_claim, write_eligible)
from qualrules.interpreter.presentation.tabular import RESULTS_SHEET, SHEET_ROWS, TooManyRows
from qualrules.interpreter.presentation.terminal import colour, for_terminal, progress_stream, stdout_columns
from qualrules.interpreter.profile import PROFILE_FILE, Profile, load_profile
from qualrules.interpreter.starter_profile import starter_profile
from qualrules.interpreter.records.options import ReadOptions
from qualrules.interpreter.records.readers import (
    FORMATS, TEXT_FORMATS, Records, qualification_key, read_records, read_text_records,
)
from qualrules.interpreter.presentation.report import (DETAIL, CohortFigures, cohort_reports, compact_html_report,
                                                      compact_summary_text, html_report, nearest_in_full,
                                                      summary_text, with_criteria_progress)
from qualrules.interpreter.presentation import claim_file
from qualrules.interpreter.presentation.achievement_log import achievement_log_html
from qualrules.interpreter.presentation.specification import specification
from qualrules.interpreter.wording import plural, word_list
from qualrules.plugins import Plugins, RulesetSource, discover

# The exit statuses are a contract (README, "Exit statuses"): 1 is only ever a verdict, never a failure.
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for a program ended by Ctrl-C
EXIT_OUTPUT_CLOSED = 141  # 128 + SIGPIPE: the reader of the output went away (`qualrules check ... | head`)
REPORT_BUGS_TO = "the qualrules maintainers"

ruleset_option = click.option(
    "--ruleset", "rulesets", multiple=True, type=click.Path(dir_okay=False),
    help="A .qual file to load besides the installed plugins' rulesets (repeatable).",
)
INPUT_FORMAT = "qualrules.input_format"  # where the context keeps --input-format, for `records_source`


def _remember_input_format(ctx: click.Context, _, value: str | None) -> None:
    ctx.meta[INPUT_FORMAT] = value


input_format_option = click.option(
    "--input-format", type=click.Choice(TEXT_FORMATS), expose_value=False, callback=_remember_input_format,
    help="The format of records read from standard input (RECORDS `-`) or from a file whose extension "
         "does not say.",
)
format_option = click.option(
    "--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True,
    help="`table` for people, `json` for programs.",
)


force_option = click.option("--force", is_flag=True, help="Replace a read-only output too, or one with other hard "
                                                         "links (splitting them).")


def results_options(formats: list[str]):
    """`--format`, `-o/--output` and `--force` of a command whose results can also go to a file."""
    def decorate(command):
        for option in reversed([
            click.option("--format", "output_format", type=click.Choice(formats), default=None,
                         help=f"`{formats[0]}` for people, `json` for programs, `csv` for spreadsheets  "
                              f"[default: {formats[0]}, or the format the --output file's name says]"),
            click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
                         help="Write the results to this file instead (.csv, .xlsx or .json; replaced whole, "
                              "never an input; `-`: standard output)."),
            force_option,
        ]):
            command = option(command)
        return command
    return decorate


jobs_option = click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
                           help="Worker processes deciding blocks of learners  [default: every core].")
progress_option = click.option("--progress/--no-progress", default=None,
                               help="Show a progress bar on stderr (default: only when stderr is a terminal).")


def progress_bar(learners: int, label: str, shown: bool | None):
    """A bar of learners done on stderr, shown when `shown` (None: when stderr is a terminal), and never with
    `--diagnostics json`, whose stderr is for programs."""
    return click.progressbar(length=learners, label=label, show_pos=True,
                             hidden=diagnostics_as_json() or not (sys.stderr.isatty() if shown is None else shown),
                             file=progress_stream(click.get_current_context().color))


def _source_text(file: str) -> str | None:
    try:
        return Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


DIAGNOSTICS_VARIABLE = "QUALRULES_DIAGNOSTICS"


def diagnostics_as_json() -> bool:
    """Whether stderr is for programs (`--diagnostics json`): a JSON object on each line, never text. Before
    the command line is parsed (a usage error in it), the environment says."""
    context = click.get_current_context(silent=True)
    chosen = context.find_root().params.get("diagnostics") if context is not None else None
    if chosen is None:  # the command line not parsed yet: an error in it
        chosen = _written_value(_GuardedGroup.arguments, "--diagnostics")
    return (chosen or os.environ.get(DIAGNOSTICS_VARIABLE, "text")) == "json"


def _written_value(arguments: list[str], option: str) -> str | None:
    """The value given to `option` in `arguments` (`--option value` or `--option=value`), or None."""
    for argument, following in zip(arguments, arguments[1:] + [""]):
        if argument == option:
            return following
        if argument.startswith(f"{option}="):
            return argument.partition("=")[2]
    return None


def report_diagnostics(diagnostics: tuple[Diagnostic, ...] | list[Diagnostic]) -> None:
    if diagnostics_as_json():
        for diagnostic in diagnostics:
            _json_line(diagnostic.to_json())
        return
    sources: dict[str, str | None] = {}  # each file read once, and only when a diagnostic points into a line
    for diagnostic in diagnostics:
        file = diagnostic.location.file
        if diagnostic.location.column is not None and file not in sources:
            sources[file] = _source_text(file)
        click.echo(render(diagnostic, sources.get(file)), err=True)


def note(message: str) -> None:
    """Information on stderr that asks for nothing to be done: `note: ...`, or with `--diagnostics json` an
    object of severity `note` without a code or a place."""
    if diagnostics_as_json():
        _json_line(Diagnostic("", Severity.NOTE, message, Location("")).to_json() | {"code": None, "file": None})
    else:
        click.echo(click.style("note:", fg="yellow", bold=True) + f" {escaped(message)}", err=True)


def tell(message: str, on_stderr: bool = True) -> None:
    """What a command did (`wrote results.csv: ...`): on stdout, or on stderr when stdout holds its results,
    where with `--diagnostics json` it is a note."""
    if on_stderr and diagnostics_as_json():
        note(message)
    else:
        click.echo(message, err=on_stderr)


def interrupted() -> NoReturn:
    tell("qualrules: interrupted")
    sys.exit(EXIT_INTERRUPTED)


def library_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning a library gives (openpyxl's about parts of a workbook it does not read) as a note, which
    `--diagnostics json` writes as an object like any other."""
    note(f"{category.__name__}: {message}")


def _json_line(value: dict) -> None:
    # ASCII only: a lone surrogate from a record cannot be written otherwise, nor may a control reach a terminal.
    click.echo(json.dumps(value), err=True)


def fail(diagnostics) -> NoReturn:
    report_diagnostics(diagnostics)
    sys.exit(EXIT_USAGE)


def command_line_error(code: str, message: str, given: str, hint: str | None = None) -> NoReturn:
    """A usage problem, as a coded diagnostic located at the argument that caused it."""
    fail([Diagnostic(code, Severity.ERROR, message, Location("command line", element=given), hint)])


def internal_error(error: BaseException, command_line: list[str], debug: bool) -> NoReturn:
    """An exception nothing else handled is a bug: reported as one (QR900), with what is needed to find it."""
    if debug:
        traceback.print_exception(error)
    summary = " ".join(str(error).split())
    message = f"internal error: {type(error).__name__}" + (f": {summary[:300]}" if summary else "")
    hint = (f"this is a bug in qualrules or an installed plugin; please report it to {REPORT_BUGS_TO} with this "
            "message, the command and its input files" + ("" if debug else " (`qualrules --debug` shows where)"))
    location = Location("command line", element=shlex.join(command_line))
    report_diagnostics([Diagnostic("QR900", Severity.ERROR, message, location, hint)])
    sys.exit(EXIT_INTERNAL)


def results_output(output: str | None, output_format: str | None, default_format: str) -> Output:
    """The output `--output` and `--format` ask for."""
    with _refused_at(output):
        return choose_output(output, output_format, default_format)


def page_results(output: str | None) -> Output:
    """The HTML page `--output` names (`report`, `log`)."""
    with _refused_at(output):
        return page_output(output)


@contextlib.contextmanager
def _refused_at(output: str | None) -> Iterator[None]:
    try:
        yield
    except OutputRefused as refusal:
        command_line_error(refusal.code, refusal.message, f"--output {output}", refusal.hint)


@contextlib.contextmanager
def results_file(target: Output, inputs: tuple[str, ...], force: bool) -> Iterator[IO | None]:
    """`opened`'s handle, its refusals and failures reported as coded errors located at `--output`."""
    given = f"--output {target.path}"
    # Records read from standard input (`-`) may be the output file itself, redirected (`< results.csv`).
    inputs = tuple(STDIN_DEVICE if name == STDOUT else name for name in inputs)
    try:
        with opened(target, inputs=inputs, force=force) as handle:
            yield handle
    except WriteRefused as refusal:
        command_line_error(refusal.code, f"will not write {target.path}: {refusal.message}", given, refusal.hint)
    except TooManyRows as full:
        command_line_error("QR652", f"cannot write {target.path}: {full}", given, TOO_MANY_ROWS_HINT)
    except OSError as error:
        if target.path is None:
            raise
        command_line_error("QR606", f"cannot write {target.path}: {error.strerror or error}", given,
                           "choose a folder that exists and that you may write to")


def _raised_by_qualrules(exiting: SystemExit) -> bool:
    """Whether qualrules itself asked to exit (a command's status, a signal's), not a plugin calling sys.exit."""
    innermost = exiting.__traceback__
    while innermost.tb_next is not None:
        innermost = innermost.tb_next
    return innermost.tb_frame.f_globals.get("__name__", "").partition(".")[0] == "qualrules"


def _stdout_closed() -> bool:
    """Whether the reader of standard output has gone away: a pipe whose reader closed polls as an error."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
    except (OSError, ValueError):  # not a file descriptor, so not a pipe
        return False
    return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))


PROFILE_KEY = "qualrules.profile"  # where the root context keeps the loaded profile


def current_profile() -> Profile:
    """The run's profile (`--profile`, else the one in the working directory), loaded once and kept on the
    context; loaded only by commands that use it, so a broken one stops nothing else."""
    root = click.get_current_context().find_root()
    if PROFILE_KEY not in root.meta:
        try:
            root.meta[PROFILE_KEY] = load_profile(root.params.get("profile"))
        except DiagnosticError as error:
            fail(error.diagnostics)
    return root.meta[PROFILE_KEY]


def load_library(rulesets: tuple[str, ...], with_profile: bool = True) -> Library:
    """The library for a command, with the profile's rulesets first: what was left out of it (a broken
    plugin, a clash) is reported first, and the command goes on with the rest."""
    profile = current_profile() if with_profile else None
    try:
        library = Library.load((*profile.rulesets, *rulesets) if profile else rulesets)
    except DiagnosticError as error:
        fail(error.diagnostics)
    # Before the profile's errors: a word mapped to a broken plugin's word is refused because of the plugin.
    report_plugin_problems(library.problems, library.bodies)
    if profile and (unknown_targets := profile.unknown_targets(library.vocabulary())):
        fail(unknown_targets)
    for replaced in library.notes:
        # A given file replacing a bundled qualification changes verdicts: it must not pass unnoticed.
        note(replaced)
    return library


def report_plugin_problems(problems: tuple[Diagnostic, ...] | list[Diagnostic], plugins: Plugins) -> None:
    """`problems` on stderr, each that a plugin's code raised followed by its traceback with `--debug`."""
    for problem in problems:
        report_diagnostics([problem])
        report_traceback(problem, plugins)


def report_traceback(problem: Diagnostic, plugins: Plugins) -> None:
    """With `--debug`, the traceback of a problem a plugin's code raised, on stderr."""
    if problem in plugins.tracebacks and click.get_current_context().find_root().params.get("debug"):
        click.echo(plugins.tracebacks[problem], err=True, nl=False)


class _GuardedGroup(click.Group):
    """Mistakes click finds itself (a missing option, an unknown choice) are coded diagnostics like ours, and
    anything a command did not handle is an internal error (QR900): never a traceback, never a verdict's status.
    The group's own options may also follow the subcommand."""

    COMMAND_LINE = "qualrules.command_line"  # where the context keeps the arguments, to name them in a QR900
    # The run's arguments, for how to give an error in parsing them (`diagnostics_as_json`).
    arguments: list[str] = []

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        del standalone_mode  # errors are always handled here, so they come out as coded diagnostics
        _GuardedGroup.arguments = list(sys.argv[1:] if args is None else args)
        try:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as error:
            path = error.ctx.command_path if getattr(error, "ctx", None) else "qualrules"
            command_line_error("QR600", error.format_message(), path, f"`{path} --help` lists what it takes")
        except (click.Abort, KeyboardInterrupt):  # click turns Ctrl-C into Abort
            interrupted()

    def make_context(self, info_name, args, parent=None, **extra):
        command_line = ["qualrules", *args]  # copied first: parsing consumes `args`
        context = super().make_context(info_name, args, parent, **extra)
        context.meta[self.COMMAND_LINE] = command_line
        return context

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, group_options_first(self, ctx, args))

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.Abort, click.exceptions.Exit):
            raise  # click's own ways out, handled by main()
        except KeyboardInterrupt:
            interrupted()  # here, before click's main writes a blank line on stderr for it
        except BrokenPipeError as error:
            if not _stdout_closed():
                internal_error(error, ctx.meta[self.COMMAND_LINE], ctx.params["debug"])
            # Nothing more can be said, so say nothing; stdout is pointed at /dev/null first because Python
            # flushes it on the way out, which would fail again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_OUTPUT_CLOSED)
        except SystemExit as exiting:
            if _raised_by_qualrules(exiting):
                raise
            internal_error(exiting, ctx.meta[self.COMMAND_LINE], ctx.params["debug"])
        except Exception as error:
            if process.was_interrupted():
                interrupted()  # an error a Ctrl-C left behind, as in a half-imported module
            internal_error(error, ctx.meta[self.COMMAND_LINE], ctx.params["debug"])


@click.group(cls=_GuardedGroup, context_settings={"help_option_names": ["-h", "--help"]},
             epilog=epilog("qualrules"))
@click.version_option(__version__, prog_name="qualrules")
@click.option("--color/--no-color", default=None,
              help="Force coloured output on or off (default: colour only on a terminal, none when NO_COLOR is "
                   "set, always when FORCE_COLOR is).")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error (QR900), and of each "
                                             "error a plugin's code raised (QR605).")
@click.option("--profile", type=click.Path(dir_okay=False),
              help=f"The mapping profile saying what records files mean (default: {PROFILE_FILE}, else "
                   "[tool.qualrules] in pyproject.toml, in the working directory).")
@click.option("--diagnostics", type=click.Choice(["text", "json"]), envvar=DIAGNOSTICS_VARIABLE,
              help=f"How stderr gives errors, warnings and notes: `text` for people, or `json` for programs, one "
                   f"object on each line (default: text, or ${DIAGNOSTICS_VARIABLE}).")
@click.pass_context
def main(ctx: click.Context, color: bool | None, debug: bool, profile: str | None, diagnostics: str | None) -> None:
    """Check learners' records against the rules of combination of vocational qualifications.

    \b
    The options below work after the command too, as in
      qualrules list --no-color
    """
    # The group's guard reads --debug, current_profile() --profile, and diagnostics_as_json() --diagnostics,
    # from ctx.params.
    del debug, profile, diagnostics
    ctx.color = colour(color, os.environ)
    warnings.showwarning = library_warning


def _given_once(context: click.Context, parameter: click.Parameter, values: tuple[str, ...]) -> str | None:
    """The one value of an option a command takes once (None when an optional one is not given): given again,
    it is a usage error rather than the last silently kept (a report mailed for the wrong qualification)."""
    if len(values) > 1:
        raise click.BadParameter(f"given {len(values)} times ({', '.join(values)}): this command takes one",
                                 param=parameter)
    return values[0] if values else None


def _learner_given(context: click.Context, parameter: click.Parameter, values: tuple[str, ...]) -> str | None:
    """The one learner id given, without the white space around it, which a record's cells are read without."""
    given = _given_once(context, parameter, values)
    return given.strip() if given is not None else None


@main.command(epilog=epilog("check"))
@click.argument("records", type=click.Path(allow_dash=True))
@click.option("-q", "--qualification", "qans", multiple=True,
              help="QAN of a qualification to check, e.g. 610/3788/6 (repeatable; default: the profile's "
                   "`qualifications`).")
@ruleset_option
@results_options(["table", "json", "csv"])
@input_format_option
@jobs_option
@progress_option
@click.option("-v", "--verbose", is_flag=True, help="Say which engine decides each qualification, and why.")
def check(records: str, qans: tuple[str, ...], rulesets: tuple[str, ...], output_format: str | None,
          output: str | None, force: bool, jobs: int | None, progress: bool | None, verbose: bool) -> None:
    """Give each learner in RECORDS (.json, .csv, .xlsx, .parquet or a folder of Parquet parts; `-` for
    standard input) a verdict for each qualification: those given with -q, or else the profile's
    `qualifications` (docs/profiles.md).

    A CSV or Parquet file whose learners' rows are together (sorted by learner) is read and decided in
    blocks, so memory stays flat however many learners it holds; verdicts are written as they are decided,
    in the file's order.

    Exit status: 0 when every learner achieved every qualification, 1 when any did not (or the record
    lacks data to decide), 2 for bad usage or input that could not be read.
    """
    target = results_output(output, output_format, "table")
    library = load_library(rulesets)
    profile = current_profile()
    if not qans and not profile.qualifications:
        no_qualification(profile)
    targets, left_out = checked_qualifications(library, profile, qans)
    report_diagnostics(left_out)
    if verbose:
        for qualification, _ in targets:
            tell(f"{qualification.qan}: {qualification.engine}")
    try:
        source, input_format = records_source(records, library)
        run = api.check_run(source, [q.qan for q, _ in targets], library, jobs,
                            "table" if target.format == "xlsx" else target.format, profile.options, input_format)
    except DiagnosticError as error:
        fail(error.diagnostics)
    report_diagnostics(run.warnings)
    warn_if_no_learners(run.learners, records)
    rows = run.learners * len(targets)  # one for each learner and qualification, readable or not
    if target.format == "xlsx" and rows >= SHEET_ROWS:
        # Known before any learner is decided, which for so many takes minutes.
        command_line_error("QR652", f"cannot write {target.path}: its {RESULTS_SHEET} sheet would need {rows:,} rows "
                                    f"and a header, more than the {SHEET_ROWS:,} a sheet holds",
                           f"--output {target.path}", TOO_MANY_ROWS_HINT)
    outcome = {"failed": False, "achieved": True}
    unchecked: collections.Counter = collections.Counter()

    def decided() -> Iterator[cohort.Block]:
        for block in run.blocks:
            unchecked.update(names for _, names in block.not_registered)
            # The table shows each unreadable learner's errors under the learner; other formats are for
            # programs, so people reading the terminal are told them here.
            errors = () if target.format == "table" else block.errors
            report_diagnostics(block.problems + errors + block.warnings)
            outcome["failed"] |= bool(block.problems) or block.unreadable > 0
            outcome["achieved"] &= block.all_achieved
            bar.update(block.learners)
            yield block

    with progress_bar(run.learners, "Checking", progress) as bar, \
            results_file(target, (records, *rulesets), force) as handle:
        write_check(decided(), target.format, handle)
    if target.path is not None:
        click.echo(f"wrote {target.path}: {plural(run.learners - sum(unchecked.values()), 'learner')}")
    tell_not_registered(unchecked, library)
    sys.exit(EXIT_USAGE if outcome["failed"] or left_out else EXIT_OK if outcome["achieved"] else EXIT_FAILED)


def tell_not_registered(unchecked: Mapping[tuple[str, ...], int], library: Library) -> None:
    """How many learners were decided against none of the qualifications asked, being registered only for
    others (`cohort.Block.not_registered`), and which those are, the most named first: a loaded one by its
    QAN, any other as written, quoted and escaped (it may hold anything)."""
    if not unchecked:
        return
    loaded = set(library.vocabulary().qualifications.values())
    # One name written two ways in different blocks is one, as first written.
    named: collections.Counter = collections.Counter()
    spelt: dict[str, str] = {}
    for qualifications, learners in unchecked.items():
        keys = dict.fromkeys(qualification_key(name) for name in qualifications)
        for name in qualifications:
            spelt.setdefault(qualification_key(name), name)
        named.update(dict.fromkeys(keys, learners))
    shown = [f"{spelt[key] if spelt[key] in loaded else escaped(repr(spelt[key]))} ({learners:,})"
             for key, learners in named.most_common(8)]
    more = f" and {plural(len(named) - 8, 'other')}" if len(named) > 8 else ""
    tell(f"qualrules: {plural(sum(unchecked.values()), 'learner')} not checked, registered only for other "
         f"qualifications: {', '.join(shown)}{more}")


def checked_qualifications(library: Library, profile: Profile, qans: tuple[str, ...]
                           ) -> tuple[list[tuple], list[Diagnostic]]:
    """The qualifications a check decides, each once however it is written, and a QR601 for each one asked
    for that a problem already reported left out (a broken plugin's, say): the others are still decided, so
    a run across awarding bodies is not stopped by one of them. One unknown for any other reason, or all of
    them left out, is an error."""
    given = [(qan, f"--qualification {qan}") for qan in qans] or [(qan, None) for qan in profile.qualifications]
    targets, left_out = [], []
    for qan, option in given:
        try:
            targets.append(library.qualification(qan))
        except UnknownQualification as error:
            found = unknown_qualification(qan, error, Location("command line", element=option) if option
                                          else profile_qualifications(profile))
            if not (error.left_out and len(given) > 1):
                fail([found])
            left_out.append(found)
    if not targets:
        fail(left_out)
    # A qualification named twice (by its QAN, or as written otherwise) is checked once.
    return list({qualification.qan: (qualification, body) for qualification, body in targets}.values()), left_out


@main.command(epilog=epilog("report"))
@click.argument("records", type=click.Path(allow_dash=True))
@click.option("-q", "--qualification", "qan", multiple=True, callback=_given_once,
              help="QAN of the qualification to report on, e.g. 610/3788/6 (default: the profile's "
                   "`qualifications`, when it names one).")
@ruleset_option
@input_format_option
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="The HTML file to write (replaced whole, never left half-written; never an input; "
                   "`-`: standard output).")
@force_option
@jobs_option
@progress_option
def report(records: str, qan: str, rulesets: tuple[str, ...], output: str, force: bool, jobs: int | None,
           progress: bool | None) -> None:
    """Write a cohort report for one qualification as one self-contained HTML page.

    The page summarises the cohort (achieved, close to achieving, further to go, ...) and shows each learner
    in RECORDS with a progress bar per rule, the units counted and not counted, and the cheapest plan to
    finish. Learners whose rows cannot be read are shown with their errors, never left out.

    A cohort of more than 500 learners gets a compact page instead, which opens in seconds even for 100,000:
    the summary, each rule's cohort figures (met, not met, typical shortfall), a table of every learner
    (standing, credits, what is missing) to filter by standing or id and page through, drawn by one small
    inline script the page's policy allows by its hash, and in full, with their plans, only the 100
    learners nearest to achieving. Such a cohort is decided a block of learners at a time, on every core, as
    `check` decides it.

    Exit status as for `check`: 0 when every learner achieved, 1 when any did not (or the record lacks
    data to decide), 2 for bad usage or unreadable input. When only some rows have errors the report is
    still written, for every learner, and the exit status is 2.
    """
    target = page_results(output)
    library = load_library(rulesets)
    qualification, body = the_qualification(library, qan)
    ruleset, options = library.ruleset_of(qualification), current_profile().options
    opened = open_records(records, library, options)
    warn_if_no_learners(opened.learners, records)
    # A ruleset whose awarding body has no plugin is labelled with the name its file declares.
    labels = {"awarding_body": body.title if body.name == qualification.awarding_body else qualification.awarding_body,
              "records": STDIN if records == "-" else Path(records).name}
    counts = body.counts_as_achieved
    unchecked: collections.Counter = collections.Counter()
    if opened.learners <= DETAIL.whole_cohort:
        record_set, unregistered = cohort.registered_only(cohort.whole_records(opened, library.vocabulary(), options),
                                                          qualification.qan)
        unchecked.update(names for _, names in unregistered)
        report_diagnostics(record_set.problems + record_set.warnings)
        entries = with_criteria_progress(cohort_reports(qualification, record_set, counts, DETAIL), qualification,
                                         ruleset, record_set)
        page = html_report(qualification, entries, problems=record_set.problems, detail=DETAIL, **labels)
        summary = summary_text(entries, DETAIL)
        unreadable = [d for errors in record_set.unreadable.values() for d in errors]
        failed, achieved = bool(record_set.diagnostics), all(e.verdict and e.verdict.achieved for e in entries)
    else:
        figures, problems, unreadable, achieved = CohortFigures.of(qualification, DETAIL.nearest), [], [], True
        settings = cohort.ReportSettings(qualification.qan, DETAIL.nearest, options)
        with progress_bar(opened.learners, "Deciding", progress) as bar:
            for block in cohort.gathered_blocks(opened, settings, library,
                                                cohort.worker_processes(jobs, opened.blocks, library)):
                report_diagnostics(block.problems + block.warnings)
                unchecked.update(names for _, names in block.not_registered)
                figures.merge(block.figures)
                problems += block.problems
                unreadable += block.unreadable
                achieved &= block.all_achieved
                bar.update(block.learners)
        shown = nearest_in_full(qualification, figures, counts, ruleset)
        page = compact_html_report(qualification, figures, shown, problems=problems, detail=DETAIL, **labels)
        summary = compact_summary_text(figures.learners, figures.counts(), [entry for _, entry in shown])
        failed = bool(problems or unreadable)
    with results_file(target, (records, *rulesets), force) as handle:
        write(handle, page)
    report_diagnostics(unreadable)
    tell_not_registered(unchecked, library)
    # With the page on standard output, what was written is said on stderr, beside the diagnostics.
    tell(f"wrote {'the page' if target.path is None else output}: {summary}", target.path is None)
    sys.exit(EXIT_USAGE if failed else EXIT_OK if achieved else EXIT_FAILED)


@main.command(name="lint", epilog=epilog("lint"))
@click.argument("files", metavar="RULESET...", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--bundled", is_flag=True, help="Lint the installed plugins' bundled rulesets as well.")
@click.option("--strict", is_flag=True, help="Exit 1 when there are warnings, not only errors.")
@click.option("-v", "--verbose", is_flag=True, help="Also show notes, such as each qualification's smallest claim.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="`text` for people, `json` for programs (notes always included).")
def lint_command(files: tuple[str, ...], bundled: bool, strict: bool, verbose: bool, output_format: str) -> None:
    """Check each RULESET (.qual) before any learner is evaluated: structure, identifiers (QAN check
    digits, Ofqual unit references), figures that contradict each other, and whether every qualification
    can be achieved at all. Every code is explained in docs/diagnostics.md.

    Exit status: 0 when there are no errors (warnings allowed), 1 when there are errors, or warnings with
    --strict; 2 for bad usage or a file that cannot be read.
    """
    if not files and not bundled:
        raise click.UsageError("name the RULESET files to lint, or give --bundled for the installed ones")
    plugins = discover()
    sources = [source for body in plugins.values() for source in body.rulesets()] if bundled else []
    # With --bundled the installed plugins are what is linted, so what leaves out any of their rulesets is
    # among the findings; otherwise it is not counted, but not hidden either.
    left_out = [*plugins.problems, *bundled_rulesets_left_out(plugins)] if bundled else []
    if bundled:
        for problem in left_out:
            report_traceback(problem, plugins)
    else:
        report_plugin_problems(plugins.problems, plugins)
    for file in files:
        try:
            sources.append(RulesetSource(file, Path(file).read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as error:
            fail([Diagnostic("QR005", Severity.ERROR, f"cannot read ruleset: {error}", Location(file))])
    diagnostics = [*left_out, *lint(sources, plugins)]
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    warnings = sum(d.severity is Severity.WARNING for d in diagnostics)
    if output_format == "json":
        click.echo(json.dumps([d.to_json() for d in diagnostics], indent=2))
    else:
        texts = {source.name: source.text for source in sources}
        for diagnostic in diagnostics:
            if verbose or diagnostic.severity is not Severity.NOTE:
                click.echo(render(diagnostic, texts.get(diagnostic.location.file)))
        allowed = sum(map(is_allowed, diagnostics))
        kept = f" ({allowed} allowed{'' if verbose else ', shown with -v'})" if allowed else ""
        click.echo(f"{plural(errors, 'error')}, {plural(warnings, 'warning')} in {plural(len(sources), 'file')}{kept}")
    sys.exit(EXIT_FAILED if errors or (strict and warnings) else EXIT_OK)


@main.command(name="list", epilog=epilog("list"))
@ruleset_option
@format_option
def list_qualifications(rulesets: tuple[str, ...], output_format: str) -> None:
    """List the installed awarding bodies and their qualifications."""
    library = load_library(rulesets)
    entries = []
    for loaded in library.rulesets:
        # The plugin's distribution and version ("cmi-qualrules 1.2.0"), for a provider its awarding body asks.
        distribution = loaded.plugin.distribution if loaded.plugin is not None else None
        for q in loaded.qualifications:
            entries.append({"awarding_body": loaded.body.name, "qan": q.qan, "title": q.title,
                            "level": q.level, "units": len(q.catalogue_units), "source": loaded.name,
                            "plugin": distribution})
    if output_format == "json":
        click.echo(json.dumps(entries, indent=2))
        return
    width = max((len(e["qan"]) for e in entries), default=0)
    current = None
    for entry in entries:
        if entry["awarding_body"] != current:
            current = entry["awarding_body"]
            body = library.bodies.get(current)
            release = click.style(f"  ({escaped(entry['plugin'])})", dim=True) if entry["plugin"] else ""
            click.echo(for_terminal(click.style(escaped(current), bold=True)
                                    + (f"  {escaped(body.title)}" if body else "") + release))
        level = "" if entry["level"] is None else f"level {entry['level']}, "
        facts = click.style(f"({level}{plural(entry['units'], 'unit')})", dim=True)
        click.echo(for_terminal(f"  {entry['qan'].ljust(width)}  {escaped(entry['title'])}  {facts}"))


@main.command(epilog=epilog("fmt"))
@click.argument("files", metavar="RULESET...", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--check", is_flag=True, help="Write nothing; list the files that would change.")
@click.option("--diff", "show_diff", is_flag=True, help="Write nothing; print a unified diff of the changes.")
@click.option("--force", is_flag=True, help="Replace read-only files too, and files with other hard links "
                                            "(splitting them).")
def fmt(files: tuple[str, ...], check: bool, show_diff: bool, force: bool) -> None:
    """Rewrite each RULESET (.qual) in the canonical layout: aligned unit tables, facts in a fixed order,
    one rule per line in canonical wording, comments kept with their statements.

    Files are replaced atomically, keeping their mode, their line endings (CRLF stays CRLF) and, where
    allowed, their owner. A file whose syntax has errors is reported and left untouched (formatting needs
    the syntax alone; `lint` finds the rest), and so is one edited while it was being formatted, a read-only
    one and one with other hard links (unless --force).

    Exit status: 0 when every file is formatted (or was rewritten); 1 with --check or --diff when a file
    would change; 2 when a file cannot be read or its syntax has errors, or for bad usage.
    """
    failed, changed = False, False
    for file in files:
        try:
            text, read_state, line_end = read_for_rewrite(Path(file))
            formatted = format_ruleset(text, file)
        except (OSError, UnicodeDecodeError) as error:
            report_diagnostics([Diagnostic("QR005", Severity.ERROR, f"cannot read ruleset: {error}", Location(file))])
            failed = True
            continue
        except DiagnosticError as error:  # syntax errors, or a layout that would not read back (QR607)
            report_diagnostics(error.diagnostics)
            failed = True
            continue
        if formatted == text:
            continue
        changed = True
        if show_diff:
            click.echo(unified_diff(file, text, formatted), nl=False)
        if check:
            click.echo(f"would reformat {file}")
        if not (check or show_diff):
            try:
                write_atomically(Path(file), formatted, unchanged_since=read_state, force=force, line_end=line_end)
            except WriteRefused as refusal:
                report_diagnostics([Diagnostic(refusal.code, Severity.ERROR, f"will not rewrite the file: "
                                               f"{refusal.message}", Location(file), refusal.hint)])
                failed = True
                continue
            except OSError as error:
                report_diagnostics([Diagnostic("QR606", Severity.ERROR,
                                               f"cannot write the file: {error.strerror or error}", Location(file))])
                failed = True
                continue
            tell(f"reformatted {file}")
    sys.exit(EXIT_USAGE if failed else EXIT_FAILED if changed and (check or show_diff) else EXIT_OK)


def unified_diff(file: str, before: str, after: str) -> str:
    def lines(text: str) -> list[str]:
        found = text.split("\n")
        if found[-1]:
            found[-1] += "\n\\ No newline at end of file"
        else:
            found.pop()  # after the final newline
        return [line + "\n" for line in found]

    return "".join(difflib.unified_diff(lines(before), lines(after), file, file, "original", "formatted"))


@main.command(epilog=epilog("show"))
@click.argument("qan")
@ruleset_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="`text` for people, `json` for programs.")
def show(qan: str, rulesets: tuple[str, ...], output_format: str) -> None:
    """Show qualification QAN as its specification presents it: key facts, the units it draws on by group,
    and its rules of combination in English."""
    library = load_library(rulesets)
    qualification, _ = find_qualification(library, qan, given=qan)
    loaded = next(e for e in library.rulesets if any(q is qualification for q in e.qualifications))
    described = specification(loaded, qualification)
    click.echo(json.dumps(described.to_json(), indent=2) if output_format == "json"
               else for_terminal(described.text(stdout_columns())))


# ---- learner journeys: explain, plan, eligible -----------------------------------------------------------

text_format_option = click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="`text` for people, `json` for programs.",
)
learner_option = click.option("--learner", "learner_id", required=True, multiple=True, callback=_learner_given,
                              help="The id of a learner in RECORDS.")
one_qualification_option = click.option(
    "-q", "--qualification", "qan", multiple=True, callback=_given_once,
    help="QAN of the qualification, e.g. 610/3788/6 (default: the profile's `qualifications`, when it names one).")
learner_qualification_option = click.option(
    "-q", "--qualification", "qan", multiple=True, callback=_given_once,
    help="QAN of the qualification, e.g. 610/3788/6 (default: the one the learner's rows name; else the "
         "profile's `qualifications`, when it names one).")


def the_qualification(library: Library, qan: str | None):
    """The qualification a command of one qualification is for: the one -q names, or else the profile's
    only default one."""
    if qan is not None:
        return find_qualification(library, qan)
    profile = current_profile()
    named = list(dict.fromkeys(profile.qualifications))  # one named twice is named once, as `check` takes it
    if len(named) == 1:
        return profile_qualification(library, profile, named[0])
    if not named:
        no_qualification(profile)
    command = click.get_current_context().info_name
    command_line_error("QR636", f"no qualification given, and the profile names {len(named)}: `{command}` takes one",
                       command, f"give -q with one of {', '.join(named)}")


def learner_and_qualification(records: str, library: Library, learner_id: str, qan: str | None,
                              output_format: str = "text") -> tuple[Any, Any, Learner]:
    """The qualification a command about one learner is for, with its awarding body, and the learner: the
    qualification -q names; else the one loaded qualification the learner's rows name
    (docs/records.md#registrations); else the profile's only default one. Decided against a qualification
    they are not registered for, a learner registered for others is told so."""
    chosen = find_qualification(library, qan) if qan is not None else None
    record_set = read_learners(records, library, learner_id)
    registered = record_set.registrations.get(learner_id, ())
    if chosen is None:
        known = set(library.vocabulary().qualifications.values())
        loaded = [name for name in registered if name in known]
        if len(loaded) > 1:
            command = click.get_current_context().info_name
            command_line_error("QR636", f"no qualification given, and learner {learner_id} is registered for "
                               f"{len(loaded)}: `{command}` takes one", command,
                               f"give -q with one of {', '.join(loaded)}")
        if registered and not loaded and not current_profile().qualifications:
            command = click.get_current_context().info_name
            command_line_error("QR636", f"no qualification given, and learner {learner_id} is registered only for "
                               f"{word_list([repr(name) for name in registered], 'and')}, which no loaded ruleset "
                               "gives", command, "give -q with the qualification to decide them against, or "
                               "correct the record's QAN")
        chosen = library.qualification(loaded[0]) if loaded else the_qualification(library, None)
    qualification, body = chosen
    learner = find_learner(record_set, learner_id, records, qualification, output_format)
    if registered and qualification.qan not in registered:
        note(f"learner {learner_id} is registered for {word_list(list(registered), 'and')}, not for "
             f"{qualification.qan}: shown against {qualification.qan} as asked")
    return qualification, body, learner


def no_qualification(profile: Profile) -> NoReturn:
    """No -q given, and no default in the profile."""
    command = click.get_current_context().info_name
    command_line_error("QR636", f"no qualification to {command}", command, "give -q QAN, or add  "
                       f"qualifications = [\"610/3788/6\"]  to {profile.file or PROFILE_FILE}")


def find_qualification(library: Library, qan: str, given: str | None = None):
    try:
        return library.qualification(qan)
    except UnknownQualification as error:
        fail([unknown_qualification(qan, error, Location("command line", element=given or f"--qualification {qan}"))])


def profile_qualification(library: Library, profile: Profile, qan: str):
    """A qualification the profile names by default; one not loaded is reported where the profile names it."""
    try:
        return library.qualification(qan)
    except UnknownQualification as error:
        fail([unknown_qualification(qan, error, profile_qualifications(profile))])


def unknown_qualification(qan: str, error: UnknownQualification, where: Location) -> Diagnostic:
    """QR601 for `qan` as it was given."""
    return Diagnostic("QR601", Severity.ERROR, f"no qualification {qan} is loaded", where, error.hint)


def profile_qualifications(profile: Profile) -> Location:
    """Where the profile names its qualifications."""
    return profile.qualifications_line or Location(profile.file)


def read_learners(records: str, library: Library, learner_id: str | None = None) -> Records:
    """Every learner in RECORDS, or only the one named (the others are named, not read, so that only what
    concerns that learner is reported); how the file was read where it did not say, and rows that belong to
    no learner, are reported on stderr."""
    try:
        source, input_format = records_source(records, library, learner_id)
        record_set = source if isinstance(source, Records) else \
            read_records(source, library.vocabulary(), current_profile().options, input_format, learner_id)
    except DiagnosticError as error:
        fail(error.diagnostics)
    report_diagnostics(record_set.problems + record_set.warnings)
    return record_set


def warn_if_no_learners(learners: int, records: str) -> None:
    """A file naming no learner reads without error and decides nothing: that is said (QR638), not left to
    an empty table or page."""
    if learners == 0:
        name = STDIN if records == "-" else records
        report_diagnostics([Diagnostic("QR638", Severity.WARNING, f"{name} names no learner, so nothing is decided",
                                       Location(name), "check that it is the export meant: no row after its header "
                                       "names a learner")])


def open_records(records: str, library: Library, options: ReadOptions) -> cohort.Cohort:
    """RECORDS opened to be read a block of learners at a time; what is known of how the file was read is
    reported on stderr."""
    try:
        source, input_format = records_source(records, library)
        opened = cohort.open_cohort(source, library.vocabulary(), options, input_format)
    except DiagnosticError as error:
        fail(error.diagnostics)
    report_diagnostics(opened.warnings)
    return opened


STDIN = "<stdin>"
TOO_MANY_ROWS_HINT = "write CSV instead (an --output ending .csv), which has no limit"
STDIN_DEVICE = "/dev/stdin"


def records_source(records: str, library: Library, learner_id: str | None = None
                   ) -> tuple[str | Records, str | None]:
    """RECORDS as a path and the format `--input-format` gives it, or, for `-`, the records read from
    standard input (only `learner_id`'s, given one); raises DiagnosticError when they cannot be read."""
    input_format = click.get_current_context().meta.get(INPUT_FORMAT)
    given = f"--input-format {input_format}"
    if records != "-":
        suffix = Path(records).suffix.lower()
        if input_format is not None and suffix in FORMATS and suffix != f".{input_format}":
            command_line_error("QR627", f"{records} is a {suffix} file: its extension says its format, not "
                               f"{input_format}", given, "leave --input-format out for a file named .json, "
                               ".csv, .xlsx or .parquet")
        return records, input_format
    if input_format is None:
        command_line_error("QR625", "records read from standard input need their format", "-",
                           "add --input-format csv or --input-format json")
    if sys.stdin is None or sys.stdin.isatty():
        command_line_error("QR626", "standard input is a terminal, not records", "-",
                           f"pipe or redirect the records in: `qualrules ... - --input-format {input_format} "
                           f"< records.{input_format}`")
    return read_text_records(sys.stdin.buffer.read(), STDIN, input_format, library.vocabulary(),
                             current_profile().options, learner_id), None


def find_learner(record_set: Records, learner_id: str, records: str, qualification=None,
                 output_format: str = "text") -> Learner:
    """The named learner; exits 2 when RECORDS has no such learner or the learner's rows cannot be read. For
    programs (`output_format` json) an unreadable learner is written as `check` writes one, with the errors."""
    if learner_id in record_set.unreadable:
        errors = record_set.unreadable[learner_id]
        if output_format == "json":
            click.echo(json.dumps(CheckRow(learner_id, qualification.qan, qualification.title, None, errors).to_json(),
                                  indent=2))
        fail(errors)
    found = next((learner for learner in record_set.learners if learner.id == learner_id), None)
    if found is None:
        hint = did_you_mean(learner_id, record_set.order) or f"{records} names {', '.join(record_set.order) or 'none'}"
        command_line_error("QR602", f"no learner {learner_id!r} in {records}", f"--learner {learner_id}", hint)
    return found


def pool_refs(library: Library, qualification, refs: tuple[str, ...], option: str) -> tuple[str, ...]:
    """Unit references given to `option`; unknown ones are a usage error, ones outside the pool get a note."""
    known = library.unit_refs()
    for ref in refs:
        if ref.casefold() not in known:
            hint = did_you_mean(ref, known.values()) or \
                f"the units of {qualification.qan} are {', '.join(u.ref for u in qualification.units)}"
            command_line_error("QR603", f"no loaded catalogue has a unit {ref}", f"{option} {ref}", hint)
        if planner.pool_index(qualification, ref) is None:
            note(f"{ref} is not one of the units of {qualification.qan}, so `{option} {ref}` changes nothing")
    return refs


@main.command(epilog=epilog("explain"))
@click.argument("records", type=click.Path(allow_dash=True))
@input_format_option
@learner_option
@learner_qualification_option
@ruleset_option
@text_format_option
def explain(records: str, learner_id: str, qan: str, rulesets: tuple[str, ...], output_format: str) -> None:
    """Explain one learner's verdict: every rule with its status, the measured value against the requirement
    and the units that counted; the units that did not count and why; and for a learner who has not
    achieved, what each failing rule needs and the cheapest set of units to finish.

    Exit status: 0 when the learner achieved, 1 when not (or the record lacks data to decide), 2 for bad
    usage or input that could not be read.
    """
    library = load_library(rulesets)
    qualification, body, learner = learner_and_qualification(records, library, learner_id, qan, output_format)
    explanation = assessment.with_criteria(journeys.explain(qualification, learner, body.counts_as_achieved),
                                         library.ruleset_of(qualification), learner, body.counts_as_achieved)
    click.echo(json.dumps(explanation.to_json(), indent=2) if output_format == "json"
               else for_terminal(explanation_text(explanation)))
    sys.exit(EXIT_OK if explanation.verdict.achieved else EXIT_FAILED)


def grade_plan(qualification, body, learner: Learner, target: str, excluded, output_format: str) -> NoReturn:
    """`plan --target-grade`: the least demanding grades that reach the target."""
    if qualification.grading is None:
        command_line_error("QR220", f"{qualification.qan} is not graded", f"--target-grade {target}",
                           "plan a graded qualification, or leave out --target-grade")
    try:
        found = grade_plans.plan_grade(qualification, learner, body.counts_as_achieved, target, excluded)
    except grade_plans.UnknownTarget as error:
        command_line_error("QR221", str(error), f"--target-grade {target}", "give one of its grades")
    click.echo(json.dumps(found.to_json(), indent=2) if output_format == "json" else grade_plan_text(qualification, found))
    sys.exit(EXIT_FAILED if found.status is grade_plans.GradePlanStatus.IMPOSSIBLE else EXIT_OK)


@main.command(epilog=epilog("plan"))
@click.argument("records", type=click.Path(allow_dash=True))
@input_format_option
@learner_option
@learner_qualification_option
@click.option("--minimise", type=click.Choice(list(planner.MINIMISABLE)),
              help="What the plan keeps as small as possible.  [default: credits, or glh where the units are "
                   "sized in GLH only, as explain's cheapest finish]")
@click.option("--exclude", "excluded", multiple=True, metavar="REF",
              help="A unit the plan may not use, e.g. one the provider does not offer (repeatable).")
@click.option("--with", "assumed", multiple=True, metavar="REF",
              help="What if the learner passes this unit? Plan as though it were achieved (repeatable).")
@click.option("--target-grade", metavar="GRADE",
              help="Plan the least demanding grades that reach GRADE (DMM, D*, merit) instead of a finish.")
@ruleset_option
@text_format_option
def plan(records: str, learner_id: str, qan: str, minimise: str | None, excluded: tuple[str, ...],
         assumed: tuple[str, ...], target_grade: str | None, rulesets: tuple[str, ...], output_format: str) -> None:
    """The cheapest set of further units that completes the qualification for one learner, proven optimal
    for the measure minimised (ties: fewer units, then the claim with most credits, then units earlier in
    the catalogue), with the claim it leads to.

    Exit status: 0 when the qualification is already achieved or a plan completes it, 1 when it cannot be
    achieved or the answer depends on data the record lacks, 2 for bad usage or unreadable input.
    """
    library = load_library(rulesets)
    qualification, body, learner = learner_and_qualification(records, library, learner_id, qan, output_format)
    minimise = minimise or planner.finish_measure(qualification)
    if target_grade is not None:
        grade_plan(qualification, body, learner, target_grade, pool_refs(library, qualification, excluded, "--exclude"),
                   output_format)
    try:
        finish = planner.plan(qualification, learner, body.counts_as_achieved, minimise=minimise,
                              exclude=pool_refs(library, qualification, excluded, "--exclude"),
                              assume_passed=pool_refs(library, qualification, assumed, "--with"),
                              catalogue=assessment.catalogue_units(library.ruleset_of(qualification)))
    except planner.MeasureNotDeclared as error:
        declare = {planner.CRITERIA: "its assessment criteria, or --exclude it",
                   "credits": "`credits` for every unit of the qualification"}.get(
            minimise, "`glh` for every unit of the qualification")
        others = "glh or units" if minimise == "credits" else "credits or units"
        command_line_error("QR608", str(error), f"--minimise {minimise}", f"minimise {others}, or declare {declare}")
    if output_format == "json":
        click.echo(json.dumps(finish.to_json() | {"not_read": [unit.to_json() for unit in learner.unread_units]},
                              indent=2))
    else:
        criteria = assessment.criteria_detail(qualification, library.ruleset_of(qualification), learner,
                                              body.counts_as_achieved)
        click.echo(for_terminal(plan_text(qualification, finish, assumed, criteria, learner.unread_units)))
    sys.exit(EXIT_OK if finish.status in (planner.PlanStatus.ALREADY_ACHIEVED, planner.PlanStatus.PLANNED)
             else EXIT_FAILED)


@main.command(epilog=epilog("claim"))
@click.argument("records", type=click.Path(allow_dash=True))
@input_format_option
@one_qualification_option
@ruleset_option
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="The claim to write: .csv, or .xlsx with a second sheet of the learners not ready "
                   "(`-`: CSV on standard output).")
@force_option
@jobs_option
@progress_option
def claim(records: str, qan: str, rulesets: tuple[str, ...], output: str, force: bool, jobs: int | None,
          progress: bool | None) -> None:
    """Write the certification claim for one qualification: a row for each learner in RECORDS who has
    achieved it from units each signed off by the assessor and the learner and verified by the IQA, with
    the units claimed and their results (columns in docs/criteria.md). Every learner not ready is named on
    stderr with the reason. The file is replaced whole, never left half-written. Learners are decided a
    block at a time, on every core, and the claim waits in temporary files rather than in memory.

    Exit status: 0 when every learner is ready, 1 when any is not, 2 for bad usage or unreadable rows.
    """
    suffix = ".csv" if output == STDOUT else Path(output).suffix.casefold()
    if suffix not in claim_file.FORMATS:
        command_line_error("QR640", f"cannot tell how to write {output}: a claim is a .csv or an .xlsx file",
                           f"--output {output}", "name the output claim.csv or claim.xlsx")
    library = load_library(rulesets)
    qualification, body = the_qualification(library, qan)
    ruleset = library.ruleset_of(qualification)
    # The claim carries the QAN and the units' Ofqual references to the awarding body: they must be real.
    wrong = list(claimed_identifier_errors(ruleset, [q for q in ruleset.qualifications if q.qan == qualification.qan],
                                           [u for u in ruleset.units if u.ref in qualification.index]))
    if wrong:
        fail(wrong)
    options = current_profile().options
    opened = open_records(records, library, options)
    warn_if_no_learners(opened.learners, records)
    settings = cohort.ClaimSettings(qualification.qan, options)
    unreadable: list[Diagnostic] = []
    unchecked: collections.Counter = collections.Counter()
    failed = False
    with claim_file.Claim(qualification) as gathered:
        with progress_bar(opened.learners, "Deciding", progress) as bar:
            for block in cohort.claimed_blocks(opened, settings, library,
                                               cohort.worker_processes(jobs, opened.blocks, library)):
                report_diagnostics(block.problems + block.warnings)
                unchecked.update(names for _, names in block.not_registered)
                gathered.add(block.ready, block.not_ready)
                unreadable += block.unreadable
                failed |= bool(block.problems or block.unreadable)
                bar.update(block.learners)
        target = Output(suffix.lstrip("."), None if output == STDOUT else output)
        with results_file(target, (records, *rulesets), force) as handle:
            write_claim(gathered, target.format, handle)
        report_diagnostics(unreadable)
        for not_ready in claim_file.not_ready_notes(qualification, gathered.not_ready_learners()):
            note(not_ready)
        ready, not_ready = gathered.ready, gathered.not_ready
    tell_not_registered(unchecked, library)
    tell(f"wrote {'the claim' if target.path is None else output}: {plural(ready, 'learner')} ready to claim, "
         f"{not_ready:,} not ready", target.path is None)
    sys.exit(EXIT_USAGE if failed else EXIT_FAILED if not_ready else EXIT_OK)


@main.command(name="log", epilog=epilog("log"))
@click.argument("records", type=click.Path(allow_dash=True))
@input_format_option
@learner_option
@learner_qualification_option
@ruleset_option
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="The HTML file to write (replaced whole, never left half-written; never an input; "
                   "`-`: standard output).")
@force_option
def achievement_log(records: str, learner_id: str, qan: str, rulesets: tuple[str, ...], output: str,
                    force: bool) -> None:
    """Write one learner's achievement log for a qualification as one printable HTML page (A4): for an
    Award, every unit with each learning outcome and assessment criterion, achieved or not, the evidence,
    method, date and assessor, and the declarations; for a Certificate or Diploma, the qualification
    achievement log of every unit (optional units not taken marked so) and the assessor's declaration once
    achieved, then the logs of the units started; and the learner's KSB coverage.

    Exit status as for `explain`: 0 when the learner achieved, 1 when not, 2 for bad usage or unreadable input.
    """
    target = page_results(output)
    library = load_library(rulesets)
    qualification, body, learner = learner_and_qualification(records, library, learner_id, qan)
    label = body.title if body.name == qualification.awarding_body else qualification.awarding_body
    verdict = api.evaluate(library, qualification.qan, learner)
    page = achievement_log_html(qualification, library.ruleset_of(qualification), learner, verdict,
                                body.counts_as_achieved, awarding_body=label)
    with results_file(target, (records, *rulesets), force) as handle:
        write(handle, page)
    tell(f"wrote {'the log' if target.path is None else output}: {learner_id} {verdict.status.value}",
         target.path is None)
    sys.exit(EXIT_OK if verdict.achieved else EXIT_FAILED)


@main.command(epilog=epilog("eligible"))
@click.argument("records", type=click.Path(allow_dash=True))
@input_format_option
@click.option("--awarding-body", "body_name", help="Only this awarding body's qualifications, e.g. ISP.")
@ruleset_option
@results_options(["text", "json", "csv"])
@jobs_option
@progress_option
def eligible(records: str, body_name: str | None, rulesets: tuple[str, ...], output_format: str | None,
             output: str | None, force: bool, jobs: int | None, progress: bool | None) -> None:
    """For each learner in RECORDS, every loaded qualification already achieved, then how far each of the
    rest is (credits and units the cheapest finish by credits adds), nearest first; those that cannot be
    achieved come last, with the reason.

    Exit status: 0, or 2 for bad usage or when any row could not be read (those learners are listed with
    their errors).
    """
    target = results_output(output, output_format, "text")
    library = load_library(rulesets)
    if not cohort.eligible_targets(library, body_name):
        names = sorted({q.awarding_body for loaded in library.rulesets for q in loaded.qualifications
                        if q.awarding_body})
        hint = did_you_mean(body_name, names) or f"loaded: {', '.join(names) or 'none'}"
        if body_name in library.bodies.broken:
            hint = f"plugin {body_name} could not be loaded (QR605 above), so none of its qualifications is"
        command_line_error("QR604", f"no loaded qualification is from awarding body {body_name!r}",
                           f"--awarding-body {body_name}", hint)
    options = current_profile().options
    opened = open_records(records, library, options)
    warn_if_no_learners(opened.learners, records)
    columns = stdout_columns() if target.format == "text" and target.path is None else None
    settings = cohort.PlanSettings(body_name, target.format, columns, options)
    blocks = cohort.planned_blocks(opened, settings, library,
                                   cohort.worker_processes(jobs, opened.blocks, library))
    outcome = {"learners": 0, "failed": False}

    def planned() -> Iterator[EligibleText]:
        for block in blocks:
            report_diagnostics(block.problems + block.warnings)
            outcome["learners"] += block.learners
            outcome["failed"] |= block.failed
            bar.update(block.learners)
            yield block.results

    with progress_bar(opened.learners, "Planning", progress) as bar, \
            results_file(target, (records, *rulesets), force) as handle:
        write_eligible(planned(), target.format, handle)
    if target.path is not None:
        click.echo(f"wrote {target.path}: {plural(outcome['learners'], 'learner')}")
    sys.exit(EXIT_USAGE if outcome["failed"] else EXIT_OK)


@main.command(epilog=epilog("init"))
@click.argument("records", type=click.Path(dir_okay=False))
@ruleset_option
@click.option("-o", "--output", default=PROFILE_FILE, show_default=True,
              type=click.Path(dir_okay=False, allow_dash=True), help="The profile to write (`-`: standard output).")
@click.option("--force", is_flag=True, help="Replace an existing profile.")
def init(records: str, rulesets: tuple[str, ...], output: str, force: bool) -> None:
    """Propose a profile for records files like RECORDS (.csv or .xlsx), from its headings and values:
    the field each column holds, the result word each of its own words stands for, and the qualifications
    holding most of its units. What cannot be decided is written as a comment saying so. Review it before
    use: `check` reads a file only as the profile says, and never guesses.

    Exit status: 0 when the profile was written, 2 when RECORDS cannot be read, the profile exists already
    (without --force), or for bad usage.
    """
    to_stdout = output == STDOUT
    if not to_stdout and Path(output).exists() and not force:
        command_line_error("QR635", f"will not write {output}: it exists already", f"--output {output}",
                           "review and edit it, or give --force to replace it with a new proposal")
    library = load_library(rulesets, with_profile=False)
    try:
        text = starter_profile(Path(records), library)
    except DiagnosticError as error:
        fail(error.diagnostics)
    with results_file(Output("toml", None if to_stdout else output), (records, *rulesets), force) as handle:
        write(handle, text)
    tell(f"wrote {'the profile' if to_stdout else output}: review each line, then run `qualrules check {records}`",
         to_stdout)
