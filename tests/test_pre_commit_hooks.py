"""The pre-commit hooks shipped in .pre-commit-hooks.yaml run `qualrules` commands that exist."""

from __future__ import annotations

import re
from pathlib import Path

from qualrules.cli import main

HOOKS = Path(__file__).resolve().parents[1] / ".pre-commit-hooks.yaml"


def hooks() -> list[dict[str, str]]:
    """Each `- id:` entry as a dict of its `key: value` lines (the file uses no other YAML)."""
    found: list[dict[str, str]] = []
    for line in HOOKS.read_text(encoding="utf-8").splitlines():
        entry = re.fullmatch(r"(- )?\s*(\w+): (.+)", line)
        if entry is None:
            assert line == "" or line.startswith("#"), f"unexpected line in {HOOKS.name}: {line!r}"
            continue
        if entry.group(1):
            found.append({})
        found[-1][entry.group(2)] = entry.group(3)
    return found


def test_each_hook_runs_an_existing_qualrules_command_on_qual_files():
    found = hooks()
    assert [h["id"] for h in found] == ["qualrules-fmt", "qualrules-lint"]
    for hook in found:
        program, command = hook["entry"].split()
        assert program == "qualrules"
        assert command in main.commands, f"{hook['id']} runs `qualrules {command}`, which does not exist"
        assert hook["language"] == "python"
        assert re.search(hook["files"], "rulesets/isp/professional-sales-l3.qual")
        assert not re.search(hook["files"], "rulesets/isp/professional-sales-l3.qual.bak")
