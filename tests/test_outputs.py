"""Results as people use them: `check` and `eligible` as CSV and .xlsx (read back with the csv module and
openpyxl, column by column as docs/outputs.md lays them out), standard output with `-`, and files that are
never half-written."""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from test_cohort import QANS, cohort_rows, write_csv

from qualrules import cli
from qualrules.cli import main
from qualrules.interpreter import cohort
from qualrules.interpreter.presentation import tabular
from qualrules.interpreter.presentation.tabular import CHECK_COLUMNS, ELIGIBLE_COLUMNS, ERROR_COLUMNS
from qualrules.interpreter.records.readers import read_records
from qualrules.interpreter.records.stream import columnar_blocks, csv_file, learner_blocks, open_table

ISP_CERTIFICATE, ISP_AWARD = "610/3788/6", "610/3791/6"
# A002's date does not exist; the last row names no learner.
RECORDS = """\
learner,unit,result,achieved_on,registered_on,date_of_birth
A001,L3B1,pass,2024-03-12,2024-01-15,1999-06-02
A001,L3B2,pass,2024-04-02,2024-01-15,1999-06-02
A002,L3B1,pass,31/04/2024,2024-01-08,2001-11-30
=HYPERLINK(1),L3B1,pass,2024-02-20,2024-01-08,2001-11-30
,L3B1,pass,2024-02-20,2024-01-08,2001-11-30
"""
A001_CERTIFICATE = {
    "learner": "A001", "qualification": ISP_CERTIFICATE, "title": "ISP Level 3 Certificate in Professional Sales",
    "status": "not achieved", "credits": "6", "glh": "30", "units": "L3B1; L3B2",
    "unmet": "Total: 6 credits counted, at least 13 required\nCORE: 0 units counted, at least 2 required\n"
             "LEADERSHIP or SELF: 0 units counted, at least 1 required",
    "missing": "", "set_aside": "", "errors": "", "equivalents": "", "pathway": "", "grade": "", "points": "",
    "fallback_qualification": "", "fallback_status": "", "fallback_grade": "",
}
A002_ERROR = ("records.csv:4: error[QR502]: `achieved_on` is not a date: '31/04/2024' "
              "(April 2024 has no day 31; write dates as 2024-03-12, 12/03/2024, 12-03-2024 or 12 Mar 2024)")


def text(result) -> str:
    """Standard output as written (click's `Result.stdout` turns CRLF into LF)."""
    return result.stdout_bytes.decode("utf-8")


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "records.csv").write_text(RECORDS, encoding="utf-8")
    return lambda *args: CliRunner().invoke(main, list(args))


def read_csv(text: str) -> list[dict]:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def sheet_rows(path: Path, name: str) -> list[dict]:
    rows = list(openpyxl.load_workbook(path, read_only=True)[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


# ---- check ---------------------------------------------------------------------------------------------

def test_check_csv_on_standard_output(run):
    result = run("check", "records.csv", "-q", ISP_CERTIFICATE, "-q", ISP_AWARD, "--format", "csv")
    assert result.exit_code == 2  # A002's rows cannot be read
    assert text(result).startswith(",".join(CHECK_COLUMNS) + "\r\n")  # no byte order mark for programs
    rows = read_csv(text(result))
    assert [(row["learner"], row["qualification"], row["status"]) for row in rows] == [
        ("A001", ISP_CERTIFICATE, "not achieved"), ("A001", ISP_AWARD, "achieved"),
        ("A002", ISP_CERTIFICATE, "unreadable"), ("A002", ISP_AWARD, "unreadable"),
        ("=HYPERLINK(1)", ISP_CERTIFICATE, "not achieved"), ("=HYPERLINK(1)", ISP_AWARD, "not achieved")]
    assert rows[0] == A001_CERTIFICATE
    assert rows[2] == {**dict.fromkeys(CHECK_COLUMNS, ""), "learner": "A002", "qualification": ISP_CERTIFICATE,
                       "title": "ISP Level 3 Certificate in Professional Sales", "status": "unreadable",
                       "errors": A002_ERROR}
    # The row that names no learner is reported on stderr, as with every format, and so is A002's error,
    # once however many qualifications are checked.
    assert "records.csv:6: error[QR506]: the row has no learner id" in result.stderr
    assert result.stderr.count("records.csv:4: error[QR502]: `achieved_on` is not a date: '31/04/2024'") == 1


@pytest.mark.parametrize("output", [["--format", "json"], ["-o", "results.xlsx"], ["-o", "results.csv"]])
def test_check_tells_an_unreadable_learner_s_errors_on_stderr_in_every_format_for_programs(run, output):
    result = run("check", "records.csv", "-q", ISP_CERTIFICATE, *output)
    assert "records.csv:4: error[QR502]" in result.stderr


def test_the_check_table_shows_an_unreadable_learner_s_errors_under_the_learner_only(run):
    result = run("check", "records.csv", "-q", ISP_CERTIFICATE)
    assert "records.csv:4: error[QR502]" in result.stdout and "QR502" not in result.stderr


def test_check_csv_agrees_with_json(run):
    csv_rows = read_csv(text(run("check", "records.csv", "-q", ISP_CERTIFICATE, "-q", ISP_AWARD, "--format", "csv")))
    verdicts = json.loads(run("check", "records.csv", "-q", ISP_CERTIFICATE, "-q", ISP_AWARD,
                              "--format", "json").stdout)
    for row, verdict in zip(csv_rows, verdicts, strict=True):
        assert row["status"] == ("unreadable" if verdict["status"] == "error" else verdict["status"])
        if "errors" in verdict:
            continue
        assert (row["credits"], row["glh"]) == (str(verdict["credits"]), str(verdict["glh"]))
        assert row["units"].split("; ") == verdict["units"]
        assert row["unmet"].split("\n") == (verdict["unmet"] or [""])
        assert row["set_aside"].split("\n") == ([f"{s['unit']}: {s['reason']}" for s in verdict["set_aside"]]
                                                or [""])


@pytest.mark.parametrize("forced", [["--color"], []])
def test_a_table_written_to_a_file_has_no_colour_even_when_colour_is_forced(run, tmp_path, monkeypatch, forced):
    # CI runners set FORCE_COLOR for their logs; a results file is read later, by people and programs.
    monkeypatch.setenv("FORCE_COLOR", "1")
    for command in (["check", "records.csv", "-q", ISP_CERTIFICATE, "--format", "table"],
                    ["eligible", "records.csv", "--format", "text"]):
        on_stdout = run(*forced, *command)
        assert "\x1b[" in on_stdout.stdout, command
        assert run(*forced, *command, "-o", "results.txt").exit_code == 2
        written = (tmp_path / "results.txt").read_text(encoding="utf-8")
        assert "\x1b[" not in written and written == re.sub(r"\x1b\[[0-9;]*m", "", on_stdout.stdout), command


def test_check_to_a_csv_file(run, tmp_path):
    result = run("check", "records.csv", "-q", ISP_CERTIFICATE, "-o", "results.csv")
    assert result.exit_code == 2
    assert result.stdout == "wrote results.csv: 3 learners\n"
    data = (tmp_path / "results.csv").read_bytes()
    assert data.startswith("\ufeff".encode())  # Excel reads a file with the mark as UTF-8
    standard_output = text(run("check", "records.csv", "-q", ISP_CERTIFICATE, "--format", "csv", "-o", "-"))
    assert data.decode("utf-8-sig") == standard_output


def test_check_to_a_workbook(run, tmp_path):
    result = run("check", "records.csv", "-q", ISP_CERTIFICATE, "-q", ISP_AWARD, "-o", "results.xlsx")
    assert result.exit_code == 2, result.output
    book = openpyxl.load_workbook(tmp_path / "results.xlsx")
    assert book.sheetnames == ["Results", "Errors"]
    assert [cell.value for cell in book["Results"][1]] == list(CHECK_COLUMNS)
    assert [cell.value for cell in book["Errors"][1]] == list(ERROR_COLUMNS)
    # Text that looks like a formula stays text.
    assert {cell.data_type for row in book["Results"].iter_rows(min_row=2) for cell in row[:1]} == {"s"}
    rows = sheet_rows(tmp_path / "results.xlsx", "Results")
    as_csv = read_csv(text(run("check", "records.csv", "-q", ISP_CERTIFICATE, "-q", ISP_AWARD, "--format", "csv")))
    # The same values as the CSV: numbers as numbers, empty cells empty.
    assert rows == [{key: (int(value) if key in ("credits", "glh") and value else value or None)
                     for key, value in row.items()} for row in as_csv]
    assert sheet_rows(tmp_path / "results.xlsx", "Errors") == [
        {"learner": "A002", "file": "records.csv", "line": 4, "element": None, "code": "QR502", "severity": "error",
         "message": "`achieved_on` is not a date: '31/04/2024'",
         "hint": "April 2024 has no day 31; write dates as 2024-03-12, 12/03/2024, 12-03-2024 or 12 Mar 2024"},
        {"learner": None, "file": "records.csv", "line": 6, "element": None, "code": "QR506", "severity": "error",
         "message": "the row has no learner id", "hint": "every row needs the learner it belongs to"}]


def test_a_workbook_holds_text_a_sheet_may_not(tmp_path):
    book = tabular.Workbook(tabular.results_sheets(["value"]))
    book.add("Results", [["a\x01b"], ["x" * 40_000]])
    with open(tmp_path / "book.xlsx", "wb") as handle:
        book.save(handle)
    values = [row["value"] for row in sheet_rows(tmp_path / "book.xlsx", "Results")]
    assert values == ["a\\x01b", "x" * 32_766 + "…"]


def test_a_cohort_too_big_for_a_sheet_is_refused_and_nothing_written(run, tmp_path, monkeypatch):
    monkeypatch.setattr(tabular, "SHEET_ROWS", 3)
    result = run("check", "records.csv", "-q", ISP_CERTIFICATE, "-o", "results.xlsx")
    assert result.exit_code == 2
    assert "error[QR652]: cannot write results.xlsx: the Results sheet is full at 3 rows" in result.stderr
    assert "write CSV instead" in result.stderr
    assert list(tmp_path.iterdir()) == [tmp_path / "records.csv"]  # not even a temporary file


def test_a_cohort_too_big_for_a_sheet_is_refused_before_any_learner_is_decided(run, tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "SHEET_ROWS", 6)
    monkeypatch.setattr(cohort._Worker, "__call__", lambda *arguments: pytest.fail("a learner was decided"))
    result = run("check", "records.csv", "-q", ISP_CERTIFICATE, "-q", ISP_AWARD, "-o", "results.xlsx")
    assert result.exit_code == 2
    assert "error[QR652]: cannot write results.xlsx: its Results sheet would need 6 rows and a header, more " \
           "than the 6 a sheet holds" in result.stderr
    assert list(tmp_path.iterdir()) == [tmp_path / "records.csv"]


def test_a_run_that_fails_leaves_the_old_results(run, tmp_path, monkeypatch):
    (tmp_path / "results.csv").write_text("old results\n")

    def broken(rows):
        raise RuntimeError("a bug")
    monkeypatch.setattr(cohort, "check_cells", broken)
    result = run("check", "records.csv", "-q", ISP_CERTIFICATE, "-o", "results.csv", "--jobs", "1")
    assert result.exit_code == 3  # an internal error
    assert (tmp_path / "results.csv").read_text() == "old results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records.csv", "results.csv"]


@pytest.mark.parametrize("arguments,code,message", [
    (["-o", "results.txt"], "QR650", "cannot tell which format to write to results.txt"),
    (["-o", "results.xlsx", "--format", "json"], "QR651",
     "--format json disagrees with the file name results.xlsx, which names xlsx"),
    (["-o", "records.csv"], "QR620", "will not write records.csv: it is also an input"),
])
def test_outputs_refused(run, arguments, code, message):
    result = run("check", "records.csv", "-q", ISP_CERTIFICATE, *arguments)
    assert result.exit_code == 2
    assert f"error[{code}]: {message}" in result.stderr
    assert result.stdout == ""


def test_a_file_named_by_format_takes_any_name(run, tmp_path):
    result = run("check", "records.csv", "-q", ISP_CERTIFICATE, "--format", "table", "-o", "results.txt")
    assert result.exit_code == 2
    assert (tmp_path / "results.txt").read_text().startswith("Learner ")
    assert "\x1b[" not in (tmp_path / "results.txt").read_text()


@pytest.mark.parametrize("per_block", [1, 2, 50])
def test_csv_is_the_same_whichever_way_the_file_is_read(per_block, library, tmp_path):
    path = tmp_path / "cohort.csv"
    write_csv(path, cohort_rows(3, 40))
    records = read_records(path, library.vocabulary())
    expected = tabular.csv_text(tabular.check_cells(
        cohort.check_rows(records, [library.qualification(q) for q in QANS])))
    header, rows = open_table(csv_file(path))
    ways = {"whole file": [("records", records)],
            "rows": [("rows", str(path), header, block) for block in learner_blocks(rows, header, per_block)],
            "columns": [("columns", block) for block in columnar_blocks(csv_file(path), header, per_block)]}
    for way, tasks in ways.items():
        opened = cohort.Cohort(0, True, iter(tasks))
        blocks = cohort.check_blocks(opened, cohort.CheckSettings(QANS, "csv"), library, library.vocabulary(), 1)
        assert "".join(block.csv for block in blocks) == expected, way
    assert {row["status"] for row in read_csv(",".join(CHECK_COLUMNS) + "\r\n" + expected)} == {
        "achieved", "not achieved", "undetermined", "unreadable"}


def test_a_streamed_check_writes_the_same_csv_on_two_workers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "cohort.csv", cohort_rows(11, 30))
    monkeypatch.setattr(cohort, "LEARNERS_PER_BLOCK", 4)
    arguments = ["check", "cohort.csv", "-q", ISP_CERTIFICATE, "--format", "csv"]
    one, two = (CliRunner().invoke(main, arguments + ["--jobs", jobs]) for jobs in ("1", "2"))
    assert text(one) == text(two)
    assert len(read_csv(text(one))) == 30


# ---- eligible ------------------------------------------------------------------------------------------

def test_eligible_csv_and_workbook(run, tmp_path):
    result = run("eligible", "records.csv", "--awarding-body", "ISP", "--format", "csv")
    assert result.exit_code == 2
    rows = read_csv(text(result))
    assert list(rows[0]) == list(ELIGIBLE_COLUMNS)
    distances = json.loads(run("eligible", "records.csv", "--awarding-body", "ISP", "--format", "json").stdout)
    expected = []
    for learner in distances:
        if "errors" in learner:
            expected.append((learner["learner"], "", "unreadable", "", ""))
        for q in learner.get("qualifications", ()):
            expected.append((learner["learner"], q["qualification"], q["status"], str(q["credits_to_add"]),
                             "; ".join(q["add"])))
    assert [(r["learner"], r["qualification"], r["status"], r["credits_to_add"], r["add"]) for r in rows] == expected
    assert rows[0]["status"] == "already achieved"
    (unreadable,) = [row for row in rows if row["status"] == "unreadable"]
    assert unreadable["errors"] == A002_ERROR

    assert run("eligible", "records.csv", "--awarding-body", "ISP", "-o", "eligible.xlsx").exit_code == 2
    sheet = sheet_rows(tmp_path / "eligible.xlsx", "Results")
    assert [(r["learner"], r["qualification"] or "", r["status"]) for r in sheet] == \
        [(r["learner"], r["qualification"], r["status"]) for r in rows]
    # As check's workbook: each learner's errors, and the rows that name no learner (an empty learner).
    assert [(r["learner"], r["code"]) for r in sheet_rows(tmp_path / "eligible.xlsx", "Errors")] == \
        [("A002", "QR502"), (None, "QR506")]


# ---- report --------------------------------------------------------------------------------------------

def test_report_to_standard_output(run, tmp_path):
    result = run("report", "records.csv", "-q", ISP_CERTIFICATE, "-o", "-")
    assert result.exit_code == 2
    assert result.stdout.startswith("<!DOCTYPE html>")
    assert result.stdout.rstrip().endswith("</html>")
    assert "wrote the page: " in result.stderr
    assert not (tmp_path / "-").exists()


def test_json_into_a_file_is_what_standard_output_gets(run, tmp_path):
    assert run("check", "records.csv", "-q", ISP_CERTIFICATE, "-o", "results.json").exit_code == 2
    printed = run("check", "records.csv", "-q", ISP_CERTIFICATE, "--format", "json").stdout
    assert (tmp_path / "results.json").read_text(encoding="utf-8") == printed
    assert run("eligible", "records.csv", "-o", "eligible.json").exit_code == 2
    assert (tmp_path / "eligible.json").read_text(encoding="utf-8") == \
        run("eligible", "records.csv", "--format", "json", "-o", "-").stdout


def test_a_read_only_output_is_replaced_only_when_forced(run, tmp_path):
    results = tmp_path / "results.csv"
    results.write_text("old\n")
    results.chmod(0o444)
    refused = run("check", "records.csv", "-q", ISP_CERTIFICATE, "-o", "results.csv")
    assert refused.exit_code == 2
    assert "error[QR621]: will not write results.csv: the file is read-only" in refused.stderr
    assert results.read_text() == "old\n"
    forced = run("check", "records.csv", "-q", ISP_CERTIFICATE, "-o", "results.csv", "--force")
    assert forced.exit_code == 2 and "wrote results.csv" in forced.stdout
    assert results.read_text(encoding="utf-8-sig").startswith("learner,")
    assert results.stat().st_mode & 0o777 == 0o444


# ---- diagnostics for programs --------------------------------------------------------------------------

def json_lines(stderr: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines()]


@pytest.mark.parametrize("asked", [["--diagnostics", "json"], ["--diagnostics=json"], []])
def test_with_diagnostics_as_json_stderr_holds_one_object_a_line_and_nothing_else(run, monkeypatch, asked):
    if not asked:
        monkeypatch.setenv("QUALRULES_DIAGNOSTICS", "json")
    checked = run(*asked, "check", "records.csv", "-q", ISP_CERTIFICATE, "--format", "csv")
    assert checked.exit_code == 2
    assert [(d["code"], d["severity"], d["line"]) for d in json_lines(checked.stderr)] == [
        ("QR506", "error", 6), ("QR502", "error", 4)]
    assert json_lines(checked.stderr)[1]["message"] == "`achieved_on` is not a date: '31/04/2024'"
    # An error in the command line itself, given before it is parsed, and a command's notes.
    refused = run("check", "records.csv", "--bogus", *asked)
    assert [d["code"] for d in json_lines(refused.stderr)] == ["QR600"]
    claimed = run(*asked, "claim", "records.csv", "-q", ISP_AWARD, "-o", "-")
    notes = [d for d in json_lines(claimed.stderr) if d["severity"] == "note"]
    assert [d["message"].split(":")[0] for d in notes] == [
        f"learner {learner!r} is not ready to be claimed for {ISP_AWARD}"
        for learner in ("A001", "A002", "=HYPERLINK(1)")] + ["wrote the claim"]
    assert {(d["code"], d["file"]) for d in notes} == {(None, None)}


def test_diagnostics_as_text_by_default(run):
    checked = run("check", "records.csv", "-q", ISP_CERTIFICATE, "--format", "csv")
    assert checked.stderr.splitlines()[0] == "records.csv:6: error[QR506]: the row has no learner id"


def test_with_diagnostics_as_json_a_library_s_warning_is_a_note_and_no_bar_is_drawn(run, monkeypatch):
    from qualrules.interpreter.records import readers

    reading = readers.spreadsheet_rows

    def warned(path):
        warnings.warn("Data Validation extension is not supported and will be removed", UserWarning)
        return reading(path)

    monkeypatch.setattr(readers, "spreadsheet_rows", warned)
    openpyxl.Workbook().save("records.xlsx")
    result = run("--diagnostics", "json", "check", "records.xlsx", "-q", ISP_CERTIFICATE, "--progress")
    assert [(d["severity"], d["code"], d["message"][:40]) for d in json_lines(result.stderr)][:1] == [
        ("note", None, "UserWarning: Data Validation extension i")]
    assert "Checking" not in result.stderr
