"""The command line's guard and its exit statuses: every command exits 0, 1, 2, 3 or 130 as README.md's
"Exit statuses" promises; anything unexpected is an internal error (QR900, status 3) and never a traceback;
text from input reaches the terminal escaped."""

from __future__ import annotations

import csv
import importlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from qualrules import cli
from qualrules.cli import main
from qualrules.interpreter import process
from qualrules.interpreter.diagnostics import Diagnostic, Location, Severity, escaped, render
from qualrules.interpreter.formatter import format_ruleset
from qualrules.interpreter.library import Library

REPOSITORY = Path(__file__).resolve().parent.parent
ISP_CERTIFICATE, ISP_AWARD = "610/3788/6", "610/3791/6"
# Raw on a terminal these would colour, move the cursor, ring, rewrite the line or crash the output.
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

CLEAN_RULESET = """\
awarding body DEMO "Demonstration Awarding Body"
group CORE
unit D1 "Demonstration One" level 2 credits 2
unit D2 "Demonstration Two" level 2 credits 3
qualification 900/0000/6 "Demonstration Award"
  level 2
  units from CORE
  at least 4 credits
"""


ACHIEVEMENT_LOG = str(REPOSITORY / "examples" / "achievement-log.qual")
VERIFIED_LOG = """\
learner,unit,criterion,achieved_on,assessor,signed_off_on,learner_signed_on,iqa_verified_on,iqa_verifier
L001,SC1,1.1,2024-03-04,,,,,
L001,SC1,1.2,2024-03-18,,,,,
L001,SC1,2.1,2024-04-02,,,,,
L001,SC1,,,A. Khan,2024-04-05,2024-04-06,2024-04-20,R. Patel
L001,SC2,1.1,2024-04-09,,,,,
L001,SC2,,,A. Khan,2024-04-12,2024-04-12,2024-04-20,R. Patel
"""


@pytest.fixture
def run(tmp_path, monkeypatch):
    """run(*args) -> click Result, in a working directory holding the example cohort and a few rulesets."""
    monkeypatch.chdir(tmp_path)
    cohort = (REPOSITORY / "examples" / "cohort.csv").read_text(encoding="utf-8")
    Path("cohort.csv").write_text(cohort, encoding="utf-8")
    # A001 alone: achieves the ISP Certificate.
    Path("a001.csv").write_text("".join(line for line in cohort.splitlines(keepends=True)
                                        if not line.startswith(("A002", "A003"))), encoding="utf-8")
    Path("clean.qual").write_text(CLEAN_RULESET, encoding="utf-8")
    Path("formatted.qual").write_text(format_ruleset(CLEAN_RULESET, "clean.qual"), encoding="utf-8")
    Path("errors.qual").write_text(CLEAN_RULESET.replace("units from CORE", "units from CORE\n  all of D9"),
                                   encoding="utf-8")
    Path("broken.qual").write_text("awarding body DEMO\ngroup\n", encoding="utf-8")
    # One learner whose Award units are signed off and verified: ready to be claimed.
    Path("verified.csv").write_text(VERIFIED_LOG, encoding="utf-8")

    def invoke(*args: str):
        return CliRunner().invoke(main, list(args))
    return invoke


# ---- the contract: each command's statuses -------------------------------------------------------------

STATUSES = {
    "check": {0: ["check", "a001.csv", "-q", ISP_CERTIFICATE], 1: ["check", "cohort.csv", "-q", ISP_CERTIFICATE],
              2: ["check", "cohort.csv", "-q", "610/3788/7"]},
    "report": {0: ["report", "a001.csv", "-q", ISP_CERTIFICATE, "-o", "out.html"],
               1: ["report", "cohort.csv", "-q", ISP_CERTIFICATE, "-o", "out.html"],
               2: ["report", "cohort.csv", "-q", ISP_CERTIFICATE, "-o", "no-such-folder/out.html"]},
    "explain": {0: ["explain", "cohort.csv", "--learner", "A001", "-q", ISP_CERTIFICATE],
                1: ["explain", "cohort.csv", "--learner", "A002", "-q", ISP_CERTIFICATE],
                2: ["explain", "cohort.csv", "--learner", "A02", "-q", ISP_CERTIFICATE]},
    # A002 can finish; A003 registered aged 16, so the Certificate cannot be achieved.
    "plan": {0: ["plan", "cohort.csv", "--learner", "A002", "-q", ISP_CERTIFICATE],
             1: ["plan", "cohort.csv", "--learner", "A003", "-q", ISP_CERTIFICATE],
             2: ["plan", "cohort.csv", "--learner", "A002", "-q", ISP_CERTIFICATE, "--with", "L3C7"]},
    "log": {0: ["log", "cohort.csv", "--learner", "A001", "-q", ISP_CERTIFICATE, "-o", "log.html"],
            1: ["log", "cohort.csv", "--learner", "A002", "-q", ISP_CERTIFICATE, "-o", "log.html"],
            2: ["log", "cohort.csv", "--learner", "A02", "-q", ISP_CERTIFICATE, "-o", "log.html"]},
    "claim": {0: ["claim", "verified.csv", "-q", "999/0001/4", "--ruleset", ACHIEVEMENT_LOG, "-o", "claim.csv"],
              1: ["claim", "cohort.csv", "-q", ISP_CERTIFICATE, "-o", "claim.csv"],
              2: ["claim", "cohort.csv", "-q", ISP_CERTIFICATE, "-o", "claim.txt"]},
    "eligible": {0: ["eligible", "cohort.csv", "--awarding-body", "ISP"],
                 2: ["eligible", "cohort.csv", "--awarding-body", "IPS"]},
    "list": {0: ["list"], 2: ["list", "--ruleset", "missing.qual"]},
    "init": {0: ["init", "cohort.csv"], 2: ["init", "missing.csv"]},
    "show": {0: ["show", ISP_CERTIFICATE], 2: ["show", "610/3788/7"]},
    "lint": {0: ["lint", "clean.qual"], 1: ["lint", "errors.qual"], 2: ["lint", "missing.qual"]},
    "fmt": {0: ["fmt", "formatted.qual"], 1: ["fmt", "--check", "clean.qual"], 2: ["fmt", "broken.qual"]},
}
VERDICTS = [(command, status, args) for command, cases in STATUSES.items() for status, args in cases.items()]


def test_every_command_is_in_the_contract():
    assert set(STATUSES) == set(main.commands)


@pytest.mark.parametrize("command,status,args", VERDICTS, ids=[f"{c}-{s}" for c, s, _ in VERDICTS])
def test_exit_status(run, command, status, args):
    result = run(*args)
    assert result.exit_code == status, result.output
    assert "Traceback" not in result.output


def break_command(monkeypatch, command: str, error: BaseException) -> None:
    """Make `command` raise `error` from inside its own code, as a bug would."""
    def broken(*args, **kwargs):
        raise error
    monkeypatch.setattr(main.commands[command], "callback", broken)


@pytest.mark.parametrize("command", sorted(STATUSES))
def test_exit_status_of_an_internal_error(run, monkeypatch, command):
    break_command(monkeypatch, command, ZeroDivisionError("division by zero"))
    result = run(*STATUSES[command][0])
    assert result.exit_code == cli.EXIT_INTERNAL == 3
    assert result.stdout == ""
    assert "error[QR900]: internal error: ZeroDivisionError: division by zero" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", sorted(STATUSES))
def test_exit_status_when_interrupted(run, monkeypatch, command):
    break_command(monkeypatch, command, KeyboardInterrupt())
    result = run(*STATUSES[command][0])
    assert result.exit_code == cli.EXIT_INTERRUPTED == 130
    assert result.stderr.strip() == "qualrules: interrupted"


def test_an_error_a_ctrl_c_left_behind_is_the_interruption(run, monkeypatch):
    # As numpy's import makes a KeyboardInterrupt an ImportError, leaving the module half-imported.
    monkeypatch.setattr(process, "_interrupted", True)
    break_command(monkeypatch, "check", AttributeError("module 'numpy' has no attribute 'diff'"))
    result = run(*STATUSES["check"][0])
    assert result.exit_code == cli.EXIT_INTERRUPTED
    assert result.stderr.strip() == "qualrules: interrupted"


@pytest.fixture
def interrupts_remembered(monkeypatch):
    """SIGINT handled as `qualrules.run` has it handled (`process.remember_interrupts`)."""
    monkeypatch.setattr(process, "_interrupted", False)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    process.remember_interrupts()
    yield
    signal.signal(signal.SIGINT, previous)


def test_ctrl_c_during_an_import_is_raised_once_it_is_over(tmp_path, monkeypatch, interrupts_remembered):
    (tmp_path / "interrupted_module.py").write_text(textwrap.dedent("""
        import os, signal, time
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(3 * INTERRUPT_RETRY)  # the interrupt is tried again meanwhile
        IMPORTED = True
    """).replace("INTERRUPT_RETRY", str(process.INTERRUPT_RETRY)))
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(KeyboardInterrupt):
        importlib.import_module("interrupted_module")
        time.sleep(60)
    assert sys.modules.pop("interrupted_module").IMPORTED
    assert process.was_interrupted()


def test_ctrl_c_while_interrupts_are_deferred_is_raised_after(interrupts_remembered):
    done = []
    with pytest.raises(KeyboardInterrupt):
        with process.interrupts_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(3 * process.INTERRUPT_RETRY)
            done.append("block")
        time.sleep(60)
    assert done == ["block"]


def test_ctrl_c_elsewhere_is_raised_at_once(interrupts_remembered, monkeypatch):
    retried = []
    monkeypatch.setattr(process.threading, "Timer", lambda *args: retried.append(args))
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(60)
    assert retried == []  # raised by the signal itself, not sent again later


# ---- internal errors ---------------------------------------------------------------------------------

def load_raising(error: BaseException):
    def load(*args, **kwargs):
        raise error
    return load


def test_internal_error_message(run, monkeypatch, snapshot):
    # Deep inside the command: loading the rulesets fails in a way nothing handles.
    monkeypatch.setattr(Library, "load", load_raising(ValueError("Exceeds the limit (4300 digits)\nfor integer")))
    result = run("check", "cohort.csv", "-q", ISP_CERTIFICATE)
    assert result.exit_code == 3
    assert result.stderr.startswith("command line (qualrules check cohort.csv -q 610/3788/6): error[QR900]: "
                                    "internal error: ValueError: Exceeds the limit (4300 digits) for integer\n")
    assert "`qualrules --debug` shows where" in result.stderr
    assert result.stderr == snapshot


def test_debug_shows_the_traceback(run, monkeypatch):
    monkeypatch.setattr(Library, "load", load_raising(RecursionError("maximum recursion depth exceeded")))
    result = run("--debug", "list")
    assert result.exit_code == 3
    assert result.stderr.startswith("Traceback (most recent call last):\n")
    assert "\nRecursionError: maximum recursion depth exceeded\n" in result.stderr
    assert result.stderr.rstrip().splitlines()[-2].endswith(
        "error[QR900]: internal error: RecursionError: maximum recursion depth exceeded")


def test_an_exception_from_click_itself_is_not_an_internal_error(run):
    assert run("check", "--no-such-option").exit_code == 2
    assert run("--version").exit_code == 0
    assert run("check", "--help").exit_code == 0


def exit_as_a_plugin_would(*args, **kwargs):
    sys.exit(3)


def test_sys_exit_outside_qualrules_is_an_internal_error(run, monkeypatch):
    assert not __name__.startswith("qualrules")  # this module stands for a plugin's code
    monkeypatch.setattr(Library, "load", exit_as_a_plugin_would)
    result = run("list")
    assert result.exit_code == 3
    assert "error[QR900]: internal error: SystemExit: 3" in result.stderr


def test_a_broken_pipe_that_is_not_stdout_is_an_internal_error(run, monkeypatch):
    # e.g. a worker process gone: the reader of the output is still there, so this is a failure to report.
    monkeypatch.setattr(Library, "load", load_raising(BrokenPipeError(32, "Broken pipe")))
    result = run("list")
    assert result.exit_code == 3
    assert "error[QR900]: internal error: BrokenPipeError: [Errno 32] Broken pipe" in result.stderr


def test_output_closed_early_exits_quietly(tmp_path):
    # `qualrules check big.csv | head -1`: far more output than a pipe holds, and the reader goes away.
    rows = [f"L{k:05},L3B1,pass,2024-03-12,2024-01-15,1999-06-02\n" for k in range(3000)]
    (tmp_path / "big.csv").write_text("learner,unit,result,achieved_on,registered_on,date_of_birth\n"
                                      + "".join(rows), encoding="utf-8")
    command = [sys.executable, "-c", "import sys; from qualrules.cli import main; sys.exit(main())",
               "check", "big.csv", "-q", ISP_AWARD, "--jobs", "1"]
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout.readline().startswith(b"Learner")
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert (process.wait(timeout=120), stderr) == (cli.EXIT_OUTPUT_CLOSED, "")


def test_readme_documents_every_exit_status():
    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Exit statuses", 1)[1].split("\n## ", 1)[0]
    documented = {int(status) for status in re.findall(r"^\| (\d+) \|", section, re.M)}
    constants = {value for name, value in vars(cli).items() if name.startswith("EXIT_")}
    assert documented == constants == {0, 1, 2, 3, 130, 141}


# ---- text from input, escaped on the terminal ------------------------------------------------------------

HOSTILE_IDS = ["\x1b[31mRED", "\ud800x", "bell\x07", "over\rwrite", "\u202eevil"]


@pytest.fixture
def hostile(tmp_path):
    """A JSON records file whose learners' ids carry escape codes, a lone surrogate and other controls;
    each holds L3B1, and the last a result that is no result word, so its row is a record error."""
    learners = [{"id": learner, "date_of_birth": "1990-01-01", "registered_on": "2024-01-15",
                 "units": [{"unit": "L3B1", "result": "pass", "achieved_on": "2024-06-01"}]}
                for learner in HOSTILE_IDS]
    learners[-1]["units"].append({"unit": "L3B2", "result": "pass\x1b[2J", "achieved_on": "2024-06-01"})
    (tmp_path / "hostile.json").write_text(json.dumps({"learners": learners}), encoding="utf-8")
    return "hostile.json"


def test_escaped():
    assert escaped("A001 Café ✓") == "A001 Café ✓"
    assert escaped("\x1b[31mRED\x07") == "\\x1b[31mRED\\x07"
    assert escaped("\ud800x\u202e\u2028\x9b") == "\\ud800x\\u202e\\u2028\\x9b"


def test_check_table_escapes_learner_ids(run, hostile, snapshot):
    result = run("check", hostile, "-q", ISP_AWARD)
    assert result.exit_code == 2  # the result that is no result word
    assert not UNSAFE.search(result.stdout + result.stderr)
    for learner in HOSTILE_IDS:
        assert re.search(rf"^{re.escape(escaped(learner))} +{ISP_AWARD} ", result.stdout, re.M)
    assert "the result is 'pass\\x1b[2J'" in result.stdout
    assert result.stdout == snapshot


def test_check_table_in_colour_keeps_only_its_own_escape_codes(run, hostile):
    result = run("--color", "check", hostile, "-q", ISP_AWARD)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
    assert "\\x1b[31mRED" in plain and "\x1b[31mRED" not in result.stdout
    assert not UNSAFE.search(plain)


def test_check_json_keeps_ids_exactly(run, hostile):
    result = run("check", hostile, "-q", ISP_AWARD, "--format", "json")
    assert not UNSAFE.search(result.stdout)  # escaped by JSON itself
    assert [verdict["learner"] for verdict in json.loads(result.stdout)] == HOSTILE_IDS


@pytest.mark.parametrize("command", [["check", "-q", ISP_AWARD, "--format", "csv"],
                                     ["eligible", "--awarding-body", "ISP", "--format", "csv"]])
@pytest.mark.parametrize("to_file", [False, True])
def test_csv_keeps_ids_exactly_but_a_lone_surrogate_as_its_escape(run, hostile, tmp_path, command, to_file):
    # A lone surrogate cannot be written as UTF-8: CSV gives its escape, as JSON does, and every other
    # character as it is (CSV is data for programs, not a terminal).
    output = tmp_path / "out.csv"
    result = run(command[0], hostile, *command[1:], "-o", str(output) if to_file else "-")
    assert result.exit_code == 2, result.output  # the result that is no result word
    text = output.open(encoding="utf-8-sig", newline="").read() if to_file else result.stdout
    learners = {row[0] for row in csv.reader(io.StringIO(text, newline=""))}
    assert learners - {"learner"} == {learner.replace("\ud800", "\\ud800") for learner in HOSTILE_IDS}


@pytest.mark.parametrize("command", [["check", "-q", ISP_AWARD], ["eligible", "--awarding-body", "ISP"]])
def test_a_workbook_holds_a_lone_surrogate_as_its_escape(run, hostile, tmp_path, command):
    # openpyxl writes a lone surrogate as a character reference no XML reader accepts: the workbook would
    # open nowhere.
    output = tmp_path / "out.xlsx"
    assert run(command[0], hostile, *command[1:], "-o", str(output)).exit_code == 2
    learners = {row[0] for row in openpyxl.load_workbook(output)["Results"].iter_rows(min_row=2, values_only=True)}
    assert "\\ud800x" in learners and "\ud800x" not in learners


@pytest.mark.parametrize("command", ["explain", "plan"])
def test_journeys_escape_the_learner_id(run, hostile, command):
    for learner in HOSTILE_IDS[:-1]:
        result = run(command, hostile, "--learner", learner, "-q", ISP_AWARD)
        assert result.exit_code == 0 if command == "plan" else 1, result.output
        assert result.stdout.startswith(escaped(learner) + "  " + ISP_AWARD)
        assert not UNSAFE.search(result.stdout)


def test_eligible_escapes_learner_ids(run, hostile):
    result = run("eligible", hostile, "--awarding-body", "ISP")
    assert result.exit_code == 2
    assert not UNSAFE.search(result.stdout + result.stderr)
    assert [line for line in result.stdout.splitlines() if not line.startswith((" ", "├", "└", "│"))
            and line] == [escaped(learner) for learner in HOSTILE_IDS]


def test_unknown_learner_hint_escapes_the_ids_it_lists(run, hostile):
    result = run("explain", hostile, "--learner", "nobody", "-q", ISP_AWARD)
    assert result.exit_code == 2
    assert "\\x1b[31mRED, \\ud800x, bell\\x07" in result.stderr
    assert not UNSAFE.search(result.stderr)


def test_titles_from_a_ruleset_are_escaped(run, tmp_path):
    (tmp_path / "titled.qual").write_text(CLEAN_RULESET.replace('"Demonstration Award"', '"Award\x1b[2J\x1b[H"'),
                                          encoding="utf-8")
    (tmp_path / "d.csv").write_text("learner,unit,result,achieved_on\nD-1,D1,pass,2024-03-12\n", encoding="utf-8")
    for args in (["check", "d.csv", "-q", "900/0000/6"], ["explain", "d.csv", "--learner", "D-1", "-q", "900/0000/6"],
                 ["eligible", "d.csv", "--awarding-body", "DEMO"]):
        result = run(*args, "--ruleset", "titled.qual")
        assert "900/0000/6 Award\\x1b[2J\\x1b[H" in result.stdout.replace("  Award", " Award"), args
        assert not UNSAFE.search(result.stdout + result.stderr), args


def test_source_line_escaped_with_the_caret_under_its_span():
    source = 'unit D1 "\x1b[31m" level 2 creds 2\n'
    column = source.index("creds") + 1
    diagnostic = Diagnostic("QR001", Severity.ERROR, "unexpected word", Location("x.qual", 1, column, 1, column + 5))
    shown = render(diagnostic, source).splitlines()
    assert shown[1] == '   1 | unit D1 "\\x1b[31m" level 2 creds 2'
    assert shown[2].index("^") == shown[1].index("creds") and shown[2].count("^") == 5


def test_the_caret_stays_under_its_span_after_wide_characters():
    source = 'unit D1 "销售" level 2 creds 2\n'
    column = source.index("creds") + 1
    diagnostic = Diagnostic("QR001", Severity.ERROR, "unexpected word", Location("x.qual", 1, column, 1, column + 5))
    shown = render(diagnostic, source).splitlines()
    # 销售 takes four columns on a terminal, so the caret is two columns further than the characters count.
    assert shown[2].index("^") == shown[1].index("creds") + 2 and shown[2].count("^") == 5
    wide = Diagnostic("QR001", Severity.ERROR, "unexpected word", Location("x.qual", 1, 10, 1, 12))
    assert render(wide, source).splitlines()[2].count("^") == 4


def test_source_line_is_the_parsers_line():
    # str.splitlines() would also break at \x1c and \x85, inside the title, and show the wrong line.
    source = 'awarding body DEMO "A\x1cB\x85C"\ngroup 1\n'
    diagnostic = Diagnostic("QR001", Severity.ERROR, "unexpected word", Location("x.qual", 2, 7, 2, 8))
    assert render(diagnostic, source).splitlines()[1] == "   2 | group 1"


def test_ctrl_c_while_the_command_line_is_imported_is_quiet(monkeypatch, capsys):
    import qualrules

    class Interrupting:
        def find_spec(self, name, path=None, target=None):
            if name == "qualrules.cli":
                raise KeyboardInterrupt
            return None

    monkeypatch.delitem(sys.modules, "qualrules.cli")
    monkeypatch.setattr(sys, "meta_path", [Interrupting(), *sys.meta_path])
    with pytest.raises(SystemExit) as exited:
        qualrules.run()
    assert exited.value.code == 130
    assert capsys.readouterr().err == "qualrules: interrupted\n"


def test_a_command_line_that_cannot_be_imported_is_an_internal_error(monkeypatch, capsys):
    import qualrules

    class Broken:
        def find_spec(self, name, path=None, target=None):
            if name == "qualrules.cli":
                raise NameError("name 'attrs' is not defined")
            return None

    monkeypatch.delitem(sys.modules, "qualrules.cli")
    monkeypatch.setattr(sys, "meta_path", [Broken(), *sys.meta_path])
    monkeypatch.setattr(sys, "argv", ["qualrules", "check"])
    with pytest.raises(SystemExit) as exited:
        qualrules.run()
    assert exited.value.code == cli.EXIT_INTERNAL
    error = capsys.readouterr().err
    assert error.startswith("error[QR900]: internal error: NameError: name 'attrs' is not defined\n")
    assert "Traceback" not in error
