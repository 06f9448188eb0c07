"""Output on a terminal: colour as NO_COLOR, FORCE_COLOR and --color/--no-color ask (tried under a
pseudo-terminal with the installed command), lines fitted to the terminal's width, and the group's options
accepted after the subcommand."""

from __future__ import annotations

import fcntl
import os
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from qualrules.cli import main
from qualrules.interpreter.global_options import group_options_first
from qualrules.interpreter.presentation.check_table import CheckTable
from qualrules.interpreter.presentation.tables import align_columns
from qualrules.interpreter.presentation.terminal import colour, fit, visible_length

REPOSITORY = Path(__file__).resolve().parent.parent
COMMAND = Path(sys.executable).parent / "qualrules"  # the installed script, beside this interpreter
ESCAPE = "\x1b["
CHECK = ["check", str(REPOSITORY / "examples" / "cohort.csv"), "-q", "610/3788/6", "-q", "610/3791/6"]


def on_a_terminal(arguments: list[str], columns: int = 200, **environment: str) -> str:
    """What the installed `qualrules` prints on a pseudo-terminal `columns` wide (stdout and stderr both)."""
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {key: value for key, value in os.environ.items()
           if key not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "TERM")}
    env.update(TERM="xterm", **environment)
    process = subprocess.Popen([str(COMMAND), *arguments], stdin=follower, stdout=follower, stderr=follower,
                               env=env, close_fds=True)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: every end of the terminal closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=60) in (0, 1), b"".join(chunks)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


@pytest.mark.skipif(not COMMAND.exists(), reason="the qualrules script is not installed beside this Python")
class TestOnATerminal:
    def test_colour_by_default(self):
        assert ESCAPE in on_a_terminal(CHECK)

    def test_no_color_gives_no_escape_codes(self):
        output = on_a_terminal([*CHECK, "--progress"], NO_COLOR="1")
        assert "Checking" in output  # the progress bar too
        assert ESCAPE not in output and "\x1b" not in output
        assert "610/3788/6" in output and "not achieved" in output

    def test_an_empty_no_color_is_not_set(self):
        assert ESCAPE in on_a_terminal(CHECK, NO_COLOR="")

    def test_the_command_line_overrides_no_color(self):
        assert ESCAPE in on_a_terminal([*CHECK, "--color"], NO_COLOR="1")

    @pytest.mark.parametrize("arguments", [
        ["show", "600/5929/1"], ["list"],
        ["explain", str(REPOSITORY / "examples" / "cohort.csv"), "--learner", "A002", "-q", "610/3788/6"],
        ["eligible", str(REPOSITORY / "examples" / "cohort.csv"), "--awarding-body", "ISP"],
    ])
    def test_every_command_fits_the_terminal(self, arguments):
        def widest(columns: int) -> int:
            # A progress bar is drawn again over itself after each carriage return.
            return max(map(len, re.split("[\r\n]", on_a_terminal([*arguments, "--no-color"], columns=columns))))

        assert widest(64) <= 64
        assert widest(300) > 64

    def test_lines_fit_the_terminal(self):
        output = on_a_terminal([*CHECK, "--no-color", "--no-progress"], columns=60)
        lines = output.split("\n")
        assert max(map(len, lines)) <= 60
        assert "610/3788/6 ISP Level 3 Cert…  achieved" in output  # the title cut short
        wide = on_a_terminal([*CHECK, "--no-color", "--no-progress"], columns=200)
        assert max(map(len, wide.split("\n"))) > 60


def test_force_color_on_a_pipe():
    forced = subprocess.run([str(COMMAND), *CHECK], capture_output=True, text=True,
                            env={**os.environ, "FORCE_COLOR": "1", "NO_COLOR": ""})
    plain = subprocess.run([str(COMMAND), *CHECK], capture_output=True, text=True,
                           env={k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")})
    assert ESCAPE in forced.stdout
    assert ESCAPE not in plain.stdout
    assert re.sub(r"\x1b\[[0-9;]*m", "", forced.stdout) == plain.stdout


@pytest.mark.parametrize("flag,environment,expected", [
    (None, {}, None), (None, {"NO_COLOR": "1"}, False), (None, {"NO_COLOR": ""}, None),
    (None, {"FORCE_COLOR": "1"}, True), (None, {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
    (True, {"NO_COLOR": "1"}, True), (False, {"FORCE_COLOR": "1"}, False),
])
def test_colour_choice(flag, environment, expected):
    assert colour(flag, environment) is expected


# ---- fitting lines to the width --------------------------------------------------------------------------

def test_a_tree_line_wraps_under_its_text_keeping_its_style():
    text = click.style("Total: 16 credits counted, at least 13", bold=True)
    line = "├─ " + click.style("✓ ", fg="green") + text
    fitted = fit([line, "short"], 24)
    assert [re.sub(r"\x1b\[[0-9;]*m", "", piece) for piece in fitted] == [
        "├─ ✓ Total: 16 credits", "│    counted, at least", "│    13", "short"]
    assert all(visible_length(piece) <= 24 for piece in fitted)
    assert fitted[1].startswith("│    " + "\x1b[1m") and fitted[1].endswith("\x1b[0m")


def test_a_word_longer_than_the_line_is_cut():
    assert fit(["x" * 25], 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_a_table_cuts_its_widest_column_to_fit():
    rows = [("Ref", "Title", "Credits"), ("L3B1", "Understanding Organisations", "3"), ("L3B2", "Sales", "3")]
    assert align_columns(rows, right={2}, width=30, shrink=1) == [
        "Ref   Title            Credits", "L3B1  Understanding …        3", "L3B2  Sales                  3"]
    assert align_columns(rows, right={2}, width=10, shrink=1)[1] == "L3B1  Understan…        3"  # no narrower
    assert align_columns(rows, right={2}) == align_columns(rows, right={2}, width=100, shrink=1)


def test_wide_and_combining_characters_are_measured_in_the_columns_they_take():
    # 销售 takes four columns; "é" written as e and a combining accent takes one.
    rows = [("Ref", "Title", "Credits"), ("L3B1", "销售管理 Sales", "3"), ("L3B2", "Cafe\u0301", "3")]
    assert align_columns(rows, right={2}) == [
        "Ref   Title           Credits", "L3B1  销售管理 Sales        3", "L3B2  Cafe\u0301" + " " * 18 + "3"]
    # Cut to ten columns: 销售管理, the space and `…`.
    assert align_columns(rows, right={2}, width=24, shrink=1)[1] == "L3B1  销售管理 …        3"
    # Never half a wide character: 销售管理 and `…` take nine columns, and a space pads the tenth.
    rows[1] = ("L3B1", "销售管理销售", "3")
    assert align_columns(rows, right={2}, width=10, shrink=1)[1] == "L3B1  销售管理…         3"
    wrapped = fit(["销售" * 10], 9)
    assert wrapped == ["销售销售", "销售销售", "销售销售", "销售销售", "销售销售"]
    assert all(visible_length(line) <= 9 for line in wrapped)
    assert fit(["销"], 1) == ["销"]  # a character wider than the line still goes on one


def test_no_width_leaves_lines_whole():
    assert fit(["a " * 500], None) == ["a " * 500]


def test_the_check_table_lines_up_learners_named_in_wide_characters(library):
    from qualrules.interpreter.cohort import check_rows
    from qualrules.interpreter.records.readers import read_records

    text = (REPOSITORY / "examples" / "cohort.csv").read_text(encoding="utf-8").replace("A001", "王小明")
    records = read_records(_written(text), library.vocabulary())
    rows = check_rows(records, [library.qualification("610/3788/6")])
    table = CheckTable(rows)
    lines = [click.unstyle(line) for line in [table.header(), *table.lines(rows)]]
    starts = {visible_length(line[:line.index("610/3788/6")]) for line in lines[1:] if "610/3788/6" in line}
    assert any("王小明" in line for line in lines) and starts == {visible_length(lines[0][:lines[0].index("Qual")])}


def _written(text: str) -> Path:
    import tempfile

    path = Path(tempfile.mkdtemp()) / "cohort.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_check_table_narrows_its_qualification_column(library):
    from qualrules.interpreter.cohort import check_rows
    from qualrules.interpreter.records.readers import read_records

    records = read_records(REPOSITORY / "examples" / "cohort.csv", library.vocabulary())
    rows = check_rows(records, [library.qualification("610/3788/6")])
    table = CheckTable(rows, columns=50)
    lines = [table.header(), *table.lines(rows)]
    assert all(visible_length(line) <= 50 for line in lines)
    assert "610/3788/6 ISP Le…" in click.unstyle(lines[1])
    assert "A002" in click.unstyle("\n".join(lines))
    whole = CheckTable(rows)
    assert "610/3788/6 ISP Level 3 Certificate in Professional Sales" in click.unstyle(whole.lines(rows)[0])


# ---- the group's options after the subcommand ------------------------------------------------------------

@click.group()
@click.option("--profile", default=None)
@click.option("--debug", is_flag=True)
def demo(profile, debug):
    pass


@demo.command()
@click.argument("records")
@click.option("--name")
@click.option("--debug", "own_debug", is_flag=True)
def sub(records, name, own_debug):
    pass


@pytest.mark.parametrize("arguments,expected", [
    (["sub", "r.csv", "--profile", "p.toml"], ["--profile", "p.toml", "sub", "r.csv"]),
    (["sub", "--profile=p.toml", "r.csv"], ["--profile=p.toml", "sub", "r.csv"]),
    (["--profile", "a", "sub", "r.csv", "--profile", "b"], ["--profile", "a", "--profile", "b", "sub", "r.csv"]),
    (["sub", "--name", "--profile", "r.csv"], ["sub", "--name", "--profile", "r.csv"]),  # a value of --name
    (["sub", "r.csv", "--debug"], ["sub", "r.csv", "--debug"]),  # the subcommand's own --debug
    (["sub", "--", "--profile", "x"], ["sub", "--", "--profile", "x"]),
    (["nosuch", "--profile", "x"], ["nosuch", "--profile", "x"]),
])
def test_group_options_move_before_the_subcommand(arguments, expected):
    assert group_options_first(demo, click.Context(demo), arguments) == expected


def test_colour_options_work_after_the_subcommand(tmp_path):
    before = CliRunner().invoke(main, ["--color", *CHECK])
    after = CliRunner().invoke(main, [*CHECK, "--color"])
    assert ESCAPE in after.stdout
    assert after.stdout == before.stdout
    assert ESCAPE not in CliRunner().invoke(main, [*CHECK, "--no-color"], color=True).stdout
