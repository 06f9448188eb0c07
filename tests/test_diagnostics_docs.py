"""docs/diagnostics.md against the code: every code the package can report is documented, every
documented code exists, and every example gives exactly the code it illustrates (the right ones none)."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest

from click.testing import CliRunner

from qualrules.cli import main
from qualrules.interpreter.diagnostics import DiagnosticError, Severity
from qualrules.interpreter.formatter import format_ruleset
from qualrules.interpreter.lint import lint
from qualrules.interpreter.profile import load_profile
from qualrules.interpreter.records.readers import read_records
from qualrules.plugins import RulesetSource, discover

PACKAGE = Path(__file__).resolve().parents[1]
DOC = PACKAGE / "docs" / "diagnostics.md"
CODE = re.compile(r"\bQR\d{3}\b")
SECTION = re.compile(r"^### (QR\d{3}) · (\w+(?: or \w+)?) · ", re.MULTILINE)
EXAMPLE = re.compile(r"^(Wrong|Right|Example):\n\n```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
# Folders of the checkout that are not the package's own source.
NOT_SOURCE = {".venv", ".git", "tests", "docs", "__pycache__", "qualrules.egg-info", "benchmarks"}


def source_codes() -> set[str]:
    codes = set()
    for folder, subfolders, files in os.walk(PACKAGE):
        subfolders[:] = [name for name in subfolders if name not in NOT_SOURCE and not name.startswith(".")]
        for name in files:
            if name.endswith(".py"):
                codes.update(CODE.findall(Path(folder, name).read_text(encoding="utf-8")))
    return codes


def sections() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    starts = list(SECTION.finditer(text))
    ends = [s.start() for s in starts[1:]] + [len(text)]
    return {s.group(1): text[s.start():end] for s, end in zip(starts, ends)}


def examples() -> list[tuple[str, str, str, str]]:
    """(code, Wrong/Right/Example, language, text) for every example in the document."""
    return [(code, kind, language, body) for code, section in sections().items()
            for kind, language, body in EXAMPLE.findall(section)]


def test_every_code_in_the_source_is_documented():
    missing = source_codes() - set(sections())
    assert not missing, f"codes without an entry in docs/diagnostics.md: {sorted(missing)}"


def test_every_documented_code_exists():
    stale = set(sections()) - source_codes()
    assert not stale, f"documented codes that nothing reports: {sorted(stale)}"


def test_the_source_scan_sees_every_layer():
    # Guards the scan itself: one code from the parser, checker, linter and records readers each.
    assert {"QR001", "QR101", "QR202", "QR404", "QR505"} <= source_codes()


# Internal errors (QR9xx) are bugs: no input is known to cause one, so their entries show the message as an
# example instead; tests/test_guard.py makes QR900 happen.
INTERNAL = {code for code in sections() if code.startswith("QR9")}


@pytest.mark.parametrize("code,section", sorted(sections().items()))
def test_every_code_has_a_wrong_and_a_right_example(code, section):
    kinds = [kind for kind, _, _ in EXAMPLE.findall(section)]
    assert kinds == (["Example"] if code == "QR400" or code in INTERNAL else ["Wrong", "Right"]), code


def diagnostics_of(language: str, text: str, tmp_path: Path, library) -> list:
    if language == "qual":
        found = lint([RulesetSource("example.qual", text)], discover())
        try:
            format_ruleset(text, "example.qual")
        except DiagnosticError as error:  # the formatter's own refusal (QR607) or the same syntax errors
            found += error.diagnostics
        return found
    if language == "toml":
        path = tmp_path / "qualrules.toml"
        path.write_text(text, encoding="utf-8")
        try:
            return load_profile(path).unknown_targets(library.vocabulary())
        except DiagnosticError as error:
            return list(error.diagnostics)
    path = tmp_path / f"records.{language}"
    path.write_text(text, encoding="utf-8")
    try:
        records = read_records(path, library.vocabulary())
        return [*records.diagnostics, *records.warnings]
    except DiagnosticError as error:
        return list(error.diagnostics)


# A layout fmt refuses comes from a name lint warns about: the two always come together.
# An allowance without a reason allows nothing, so the warning it was written for comes with it.
COMPANIONS = {"QR607": {"QR124"}, "QR125": {"QR301"}, "QR424": {"QR122"}}


# Codes whose examples cannot be run from the example cohort alone: an unreadable file, a broken third-party
# plugin (tests/test_plugins.py covers it through real entry points, and tests/test_plugin_isolation.py the
# rulesets naming such a plugin's body, QR609), a ruleset without GLH
# (tests/test_planner.py covers QR608), and files prepared read-only, hard-linked or edited mid-run
# (tests/test_file_safety.py covers QR621-QR623), and a lint that runs out of time, which an example cannot
# count on (tests/test_hostile_rulesets.py gives QR406 with no time at all), copies of a unit in two files
# (tests/test_criteria_lint.py covers QR215) and one reference for two units in two files (tests/test_lint.py
# covers QR216), a cohort too big for a spreadsheet (tests/test_outputs.py
# shrinks the sheet to give QR652); files in other encodings than UTF-8 and Parquet columns, which a page's
# text cannot hold, and standard input from a terminal (tests/test_file_text.py covers QR514, QR515, QR518
# and QR626); a plugin's own result word (no bundled plugin adds one; tests/test_plugins.py gives QR521
# through a plugin that does); a grade plan, which needs a graded ruleset (tests/test_grades.py runs
# QR221's commands); an approval column, which no bundled ruleset declares (tests/test_equivalences.py
# reads QR546's rows); values of columns that only a ruleset's declarations make read, which the bundled
# rulesets make none of (tests/test_attainment.py gives QR550 and QR551); and a learner's pathway, which is
# read only where a loaded qualification declares pathways (tests/test_pathways.py reads QR543's and
# QR544's records against one that does).
UNTESTED = {"QR005", "QR215", "QR216", "QR221", "QR406", "QR514", "QR515", "QR518", "QR521", "QR523", "QR543", "QR544", "QR546",
            "QR550", "QR551", "QR605", "QR608", "QR609", "QR621", "QR622", "QR623", "QR626", "QR638", "QR652"} | INTERNAL
TESTED = [e for e in examples() if e[2] in ("qual", "csv", "json", "toml") and e[0] not in UNTESTED]
COMMANDS = [e for e in examples() if e[2] == "sh" and e[0] not in UNTESTED]


def test_every_code_but_the_untested_has_tested_examples():
    assert {code for code, *_ in TESTED + COMMANDS} == set(sections()) - UNTESTED


@pytest.mark.parametrize("code,kind,language,text", COMMANDS, ids=[f"{e[0]}-{e[1]}" for e in COMMANDS])
def test_command_example_gives_its_code(code, kind, language, text, tmp_path, monkeypatch):
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "cohort.csv").write_bytes((PACKAGE / "examples" / "cohort.csv").read_bytes())
    monkeypatch.chdir(tmp_path)
    program, *arguments = shlex.split(text)
    assert program == "qualrules"
    # A command reading standard input (`-`) is given the example cohort there.
    given = (tmp_path / "examples" / "cohort.csv").read_bytes() if "-" in arguments else None
    result = CliRunner().invoke(main, arguments, input=given)
    codes = set(CODE.findall(result.stderr))
    if kind == "Wrong":
        assert (result.exit_code, codes) == (2, {code}), result.stderr
    else:
        assert result.exit_code in (0, 1) and not codes, result.stderr


@pytest.mark.parametrize("code,kind,language,text", TESTED, ids=[f"{e[0]}-{e[1]}" for e in TESTED])
def test_example_gives_its_code(code, kind, language, text, tmp_path, log_library):
    found = diagnostics_of(language, text, tmp_path, log_library)
    problems = {d.code for d in found if d.severity is not Severity.NOTE}
    if kind == "Wrong":
        assert problems == {code} | COMPANIONS.get(code, set()), found
    elif kind == "Right":
        assert problems == set(), found
    else:
        assert {d.code for d in found} == {code}, found
