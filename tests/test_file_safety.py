"""Files written by `fmt` and `report --output` are replaced safely: never an input, never through a planted
link, never over an edit saved meanwhile, never part-written, keeping mode, owner and hard links, and
leaving no temporary file behind when the write fails or the process is interrupted."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualrules import cli
from qualrules.cli import main

UNFORMATTED = 'unit A "a"   level 1 credits 2 # note\nqualification 900/0000/1 "Q"\n units from A\n'
FORMATTED = 'unit A  "a"  level 1  credits 2  # note\n\nqualification 900/0000/1 "Q"\n  units from A\n'
EDITED = UNFORMATTED.replace('"a"', '"an edit saved meanwhile"')

RULESET = """\
awarding body DEMO "Demo body"
group G "Units"
unit X1 "One" level 3 credits 3
qualification 999/9999/9 "Demo Award"
  level 3
  units from G
  at least 3 credits
"""
RECORDS = "learner,unit,result,achieved_on\nL1,X1,pass,2024-01-01\n"
TEMPORARY = re.compile(r"\.(?P<name>.+)\.(?P<pid>\d+)\.\w+\.qualrules-tmp")


def fmt(*args: str):
    return CliRunner().invoke(main, ["fmt", *map(str, args)])


@pytest.fixture
def messy(tmp_path) -> Path:
    path = tmp_path / "messy.qual"
    path.write_text(UNFORMATTED, encoding="utf-8")
    return path


@pytest.fixture
def cohort(tmp_path) -> Path:
    """A folder with records and a ruleset; commands run in it."""
    (tmp_path / "cohort.csv").write_text(RECORDS, encoding="utf-8")
    (tmp_path / "demo.qual").write_text(RULESET, encoding="utf-8")
    with contextlib.chdir(tmp_path):
        yield tmp_path


def report(output: str, *extra: str):
    return CliRunner().invoke(main, ["report", "cohort.csv", "-q", "999/9999/9", "--ruleset", "demo.qual",
                                     "-o", output, *extra])


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ---- an output that is also an input ----------------------------------------------------------------

@pytest.mark.parametrize("spelling", ["cohort.csv", "./sub/../cohort.csv", "symlink.csv", "hardlink.csv",
                                      "demo.qual", "ruleset-link.qual"])
def test_report_refuses_to_write_over_its_records_or_ruleset(cohort, spelling):
    (cohort / "sub").mkdir()
    (cohort / "symlink.csv").symlink_to("cohort.csv")
    os.link(cohort / "cohort.csv", cohort / "hardlink.csv")
    (cohort / "ruleset-link.qual").symlink_to(cohort / "demo.qual")
    result = report(spelling)
    assert result.exit_code == 2
    # A report named .csv is refused before any file is looked at: it would misname the page (QR651).
    refusal = "QR651]: the command writes an HTML page" if spelling.endswith(".csv") else \
        f"QR620]: will not write {spelling}: it is also an input"
    assert f"command line (--output {spelling}): error[{refusal}" in result.stderr
    assert (cohort / "cohort.csv").read_text(encoding="utf-8") == RECORDS
    assert (cohort / "demo.qual").read_text(encoding="utf-8") == RULESET
    assert "wrote" not in result.stdout


def test_records_from_standard_input_redirected_from_the_output_file_are_not_written_over(cohort):
    qualrules = Path(sys.executable).with_name("qualrules")
    with open(cohort / "cohort.csv", "rb") as records:
        result = subprocess.run([str(qualrules), "check", "-", "--input-format", "csv", "-q", "999/9999/9",
                                 "--ruleset", "demo.qual", "-o", "cohort.csv"], stdin=records, capture_output=True,
                                text=True, cwd=cohort, timeout=120)
    assert result.returncode == 2
    assert "error[QR620]: will not write cohort.csv: it is also an input of this command (/dev/stdin)" \
        in result.stderr
    assert (cohort / "cohort.csv").read_text(encoding="utf-8") == RECORDS


def test_report_writes_a_new_file_with_the_usual_mode(cohort):
    previous = os.umask(0o022)
    try:
        assert report("cohort.html").exit_code == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE((cohort / "cohort.html").stat().st_mode) == 0o644
    assert names(cohort) == ["cohort.csv", "cohort.html", "demo.qual"]


def test_report_refuses_a_device_or_pipe(cohort):
    os.mkfifo(cohort / "pipe")
    result = report("pipe")
    assert result.exit_code == 2
    assert "error[QR624]: will not write pipe: it is not a regular file" in result.stderr
    assert stat.S_ISFIFO((cohort / "pipe").lstat().st_mode)


def test_report_refuses_a_read_only_output_unless_forced(cohort):
    output = cohort / "old.html"
    output.write_text("old report", encoding="utf-8")
    output.chmod(0o444)
    result = report("old.html")
    assert result.exit_code == 2
    assert "error[QR621]: will not write old.html: the file is read-only" in result.stderr
    assert output.read_text(encoding="utf-8") == "old report"
    assert report("old.html", "--force").exit_code == 0
    assert output.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert stat.S_IMODE(output.stat().st_mode) == 0o444


def test_report_refuses_to_split_a_hard_linked_output(cohort):
    (cohort / "old.html").write_text("old report", encoding="utf-8")
    os.link(cohort / "old.html", cohort / "published.html")
    result = report("old.html")
    assert result.exit_code == 2
    assert "error[QR623]: will not write old.html: the file has 2 hard links" in result.stderr
    assert (cohort / "published.html").read_text(encoding="utf-8") == "old report"


# ---- temporary files --------------------------------------------------------------------------------

def test_fmt_never_follows_a_link_planted_at_a_temporary_name(messy, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    (tmp_path / f".messy.qual.{os.getpid()}.tmp").symlink_to(victim)  # the name the old code would use
    assert fmt(messy).exit_code == 0
    assert victim.read_text(encoding="utf-8") == "precious"
    assert not messy.is_symlink() and messy.read_text(encoding="utf-8") == FORMATTED


def test_temporary_files_are_made_by_mkstemp_beside_the_target_with_unpredictable_names(messy, monkeypatch):
    used = []
    real_replace = os.replace

    def recording_replace(source, target):
        used.append(Path(source))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", recording_replace)
    for _ in range(2):
        messy.write_text(UNFORMATTED, encoding="utf-8")
        assert fmt(messy).exit_code == 0
    assert [p.parent for p in used] == [messy.parent] * 2
    assert all(TEMPORARY.fullmatch(p.name)["name"] == "messy.qual" for p in used)
    assert used[0] != used[1]


def test_fmt_keeps_the_owner_and_group(messy):
    if os.geteuid() != 0:
        pytest.skip("only root may give a file to another user")
    os.chown(messy, 65534, 65534)
    messy.chmod(0o664)
    assert fmt(messy).exit_code == 0
    status = messy.stat()
    assert (status.st_uid, status.st_gid, stat.S_IMODE(status.st_mode)) == (65534, 65534, 0o664)


def test_fmt_refuses_a_read_only_file_unless_forced(messy):
    messy.chmod(0o444)
    result = fmt(messy)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{messy}: error[QR621]: will not rewrite the file: the file is read-only\n")
    assert "help: make it writable, or give --force to replace it anyway" in result.stderr
    assert messy.read_text(encoding="utf-8") == UNFORMATTED
    assert fmt("--force", messy).exit_code == 0
    assert messy.read_text(encoding="utf-8") == FORMATTED
    assert stat.S_IMODE(messy.stat().st_mode) == 0o444


def test_fmt_refuses_to_split_hard_links_unless_forced(messy, tmp_path):
    other = tmp_path / "other-name.qual"
    os.link(messy, other)
    result = fmt(messy)
    assert result.exit_code == 2
    assert f"{messy}: error[QR623]: will not rewrite the file: the file has 2 hard links" in result.stderr
    assert messy.stat().st_ino == other.stat().st_ino
    assert fmt("--force", messy).exit_code == 0
    assert messy.read_text(encoding="utf-8") == FORMATTED
    assert other.read_text(encoding="utf-8") == UNFORMATTED  # split, as --force says


# ---- an edit saved while fmt runs -------------------------------------------------------------------

def test_fmt_keeps_an_edit_saved_while_it_formats(messy, monkeypatch):
    real_format = cli.format_ruleset

    def format_while_the_user_saves(text, name):
        messy.write_text(EDITED, encoding="utf-8")
        return real_format(text, name)

    monkeypatch.setattr(cli, "format_ruleset", format_while_the_user_saves)
    result = fmt(messy)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{messy}: error[QR622]: will not rewrite the file: the file changed after "
                                    "it was read")
    assert messy.read_text(encoding="utf-8") == EDITED
    assert names(messy.parent) == ["messy.qual"]


@pytest.mark.parametrize("edit", ["same size", "deleted"])
def test_fmt_keeps_an_edit_saved_while_it_writes(messy, monkeypatch, edit):
    real_fsync = os.fsync

    def fsync_while_the_user_saves(descriptor):
        if edit == "deleted":
            messy.unlink()
        else:  # same size and, on a coarse clock, the same time: only the content tells
            stamp = messy.stat()
            messy.write_text(UNFORMATTED.replace("note", "NOTE"), encoding="utf-8")
            os.utime(messy, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync_while_the_user_saves)
    result = fmt(messy)
    assert "error[QR622]" in result.stderr
    if edit == "deleted":
        assert names(messy.parent) == []
    else:
        assert messy.read_text(encoding="utf-8") == UNFORMATTED.replace("note", "NOTE")
        assert names(messy.parent) == ["messy.qual"]


# ---- failed and interrupted writes ------------------------------------------------------------------

def test_a_failing_write_leaves_the_original_whole(messy):
    # A real failure of write(2): the file size limit makes it fail with EFBIG, as a full disk would with ENOSPC.
    def small_file_limit():
        import resource
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write rather than end the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (16, 16))

    result = subprocess.run([sys.executable, "-c", "from qualrules.cli import main; main()", "fmt", str(messy)],
                            capture_output=True, text=True, preexec_fn=small_file_limit)
    assert (result.returncode, result.stderr) == (2, f"{messy}: error[QR606]: cannot write the file: "
                                                     "File too large\n")
    assert messy.read_text(encoding="utf-8") == UNFORMATTED
    assert names(messy.parent) == ["messy.qual"]


def test_ctrl_c_during_the_write_leaves_the_original_whole_and_no_temporary_file(messy, monkeypatch):
    def interrupted_fsync(descriptor):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted_fsync)
    assert fmt(messy).exit_code != 0
    assert messy.read_text(encoding="utf-8") == UNFORMATTED
    assert names(messy.parent) == ["messy.qual"]


# Run in a process of its own: without the handler the signal would end the test session.
SIGNALLED_WRITE = textwrap.dedent("""
    import os, signal, sys
    from qualrules.cli import main
    real_fsync = os.fsync
    def signalled_fsync(descriptor):
        os.kill(os.getpid(), getattr(signal, sys.argv[1]))  # its handler raises once this returns
        real_fsync(descriptor)
    os.fsync = signalled_fsync
    main(["fmt", sys.argv[2]])
""")


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_a_terminated_write_leaves_the_original_whole_and_no_temporary_file(messy, name):
    result = subprocess.run([sys.executable, "-c", SIGNALLED_WRITE, name, str(messy)])
    assert result.returncode == 128 + getattr(signal, name)  # ended by the handler's SystemExit, not the signal
    assert messy.read_text(encoding="utf-8") == UNFORMATTED
    assert names(messy.parent) == ["messy.qual"]


def test_the_default_signal_handlers_are_back_once_the_write_is_over(messy):
    assert fmt(messy).exit_code == 0
    assert signal.getsignal(signal.SIGTERM) is signal.getsignal(signal.SIGHUP) is signal.SIG_DFL


KILLED_WRITE = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from qualrules.interpreter import files
    files.os.fsync = lambda descriptor: os.kill(os.getpid(), signal.SIGKILL)
    files.write_atomically(Path(sys.argv[1]), "new text")
""")


def test_a_killed_run_leaves_a_recognisable_file_that_the_next_run_removes(messy):
    killed = subprocess.Popen([sys.executable, "-c", KILLED_WRITE, str(messy)])
    assert killed.wait() == -signal.SIGKILL
    [leftover] = [name for name in names(messy.parent) if name != "messy.qual"]
    assert TEMPORARY.fullmatch(leftover)["pid"] == str(killed.pid)
    assert messy.read_text(encoding="utf-8") == UNFORMATTED
    live = messy.parent / f".messy.qual.{os.getpid()}.abc123.qualrules-tmp"  # a write still under way
    live.write_text("in progress", encoding="utf-8")
    assert fmt(messy).exit_code == 0
    assert names(messy.parent) == [live.name, "messy.qual"]
    assert messy.read_text(encoding="utf-8") == FORMATTED
