"""Every command's `--help` (snapshots, laid out for 80 columns) ends with examples, and each example runs as
written from a checkout of the repository; shell completion works as the README says to set it up."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualrules.cli import main
from qualrules.interpreter.presentation.help_examples import EXAMPLES

REPOSITORY = Path(__file__).resolve().parent.parent
COMMANDS = sorted(main.commands)


def test_every_command_has_examples():
    assert set(EXAMPLES) == {"qualrules", *COMMANDS}
    assert all(2 <= len(examples) <= 3 for examples in EXAMPLES.values())


@pytest.mark.parametrize("command", ["qualrules", *COMMANDS])
def test_help(command, snapshot):
    arguments = ["--help"] if command == "qualrules" else [command, "--help"]
    result = CliRunner().invoke(main, arguments, prog_name="qualrules", terminal_width=80)
    assert result.exit_code == 0, result.output
    examples = result.stdout.rstrip().split("\n\n  Examples:\n")[-1].split("\n")
    assert examples[1::2] == [f"    qualrules {line}" for line, _ in EXAMPLES[command]]  # the help's last lines
    assert result.stdout == snapshot


@pytest.mark.parametrize("example", [line for examples in EXAMPLES.values() for line, _ in examples])
def test_example_runs(example, tmp_path, monkeypatch):
    for folder in ("examples", "rulesets"):
        (tmp_path / folder).symlink_to(REPOSITORY / folder)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, shlex.split(example))
    assert result.exit_code in (0, 1), result.output
    # A claim's list of learners not ready is its output, not a note about the command line.
    assert not re.search(r"error\[QR\d+\]|^note:(?! learner .* is not ready to be claimed)", result.stderr,
                         re.M), result.stderr


README = (REPOSITORY / "README.md").read_text(encoding="utf-8")
COMMAND = Path(sys.executable).parent / "qualrules"


@pytest.mark.parametrize("shell,start", [("bash", "_qualrules_completion() {"), ("zsh", "#compdef qualrules"),
                                         ("fish", "function _qualrules_completion")])
def test_shell_completion_as_the_readme_sets_it_up(shell, start):
    assert f"_QUALRULES_COMPLETE={shell}_source qualrules" in README
    script = subprocess.run([str(COMMAND)], capture_output=True, text=True, check=True,
                            env={**os.environ, "_QUALRULES_COMPLETE": f"{shell}_source"}).stdout
    assert script.lstrip().startswith(start)


def test_completion_offers_commands_and_options():
    def offered(words: str) -> list[str]:
        environment = {**os.environ, "_QUALRULES_COMPLETE": "bash_complete", "COMP_WORDS": words,
                       "COMP_CWORD": str(len(words.split()) - 1)}
        result = subprocess.run([str(COMMAND)], capture_output=True, text=True, env=environment, check=True)
        return [line.partition(",")[2] for line in result.stdout.splitlines()]
    assert offered("qualrules ch") == ["check"]
    assert set(offered("qualrules check cohort.csv --fo")) == {"--format", "--force"}
