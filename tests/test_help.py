"""Every command's `--help` (snapshots, laid out for 80 columns) ends with examples, and each example runs as
written from a checkout of the repository."""

from __future__ import annotations

import re
import shlex
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
    assert not re.search(r"error\[QR\d+\]|^note:", result.stderr, re.M), result.stderr
