"""Learner records from JSON, CSV and XLSX: what is read, and every bad value located where it stands."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest

from qualrules.interpreter.diagnostics import DiagnosticError, Severity, render_plain
from qualrules.interpreter.records.learner import Attempt, Learner
from qualrules.interpreter.records.options import DEFAULT_OPTIONS, ReadOptions
from qualrules.interpreter.records.readers import read_records

HEADER = "learner,unit,result,achieved_on,registered_on,date_of_birth\n"


@pytest.fixture(scope="module")
def words(library):
    return library.vocabulary()


@pytest.fixture
def read(tmp_path, monkeypatch, words):
    """read(name, content) -> Records; files live in a temporary folder that is the working directory, so
    diagnostics name them by their plain file name."""
    monkeypatch.chdir(tmp_path)

    def run(name: str, content, options: ReadOptions = DEFAULT_OPTIONS):
        if isinstance(content, str):
            (tmp_path / name).write_text(content, encoding="utf-8")
        return read_records(name, words, options)
    return run


def fatal(read, name, content):
    with pytest.raises(DiagnosticError) as raised:
        read(name, content)
    (diagnostic,) = raised.value.diagnostics
    return diagnostic


def attempts(learner: Learner) -> list[tuple]:
    return [(a.unit, a.result, a.achieved_on) for a in learner.attempts]


# ---- reading -----------------------------------------------------------------------------------

def test_json(read):
    document = {"learners": [
        {"id": "L001", "date_of_birth": "2001-04-02", "registered_on": "2024-01-15",
         "units": [{"unit": "L3B1", "result": "pass", "achieved_on": "2024-05-01"},
                   {"unit": "K/651/0342", "result": "Referred", "achieved_on": "2024-05-02"},
                   {"unit": "8570-228", "result": "credit transfer"}]},
        {"id": 1002, "units": []},
    ]}
    records = read("records.json", json.dumps(document))
    assert records.order == ("L001", "1002")
    assert records.unreadable == {} and records.problems == ()
    first, second = records.learners
    assert (first.id, first.date_of_birth, first.registered_on) == ("L001", dt.date(2001, 4, 2), dt.date(2024, 1, 15))
    # References keep the catalogue's spelling (Ofqual or awarding-body form); results are lower-cased.
    assert attempts(first) == [("L3B1", "pass", dt.date(2024, 5, 1)), ("K/651/0342", "referred", dt.date(2024, 5, 2)),
                               ("8570-228", "credit transfer", None)]
    assert second == Learner("1002", None, None, ())


def test_json_attempts_know_where_they_came_from(read):
    records = read("records.json", '{"learners": [{"id": "A", "units": [{"unit": "L3B1", "result": "pass"}]}]}')
    (attempt,) = records.learners[0].attempts
    assert (attempt.source.file, attempt.source.element) == ("records.json", "learners[0].units[0]")


def test_csv(read):
    records = read("records.csv", HEADER +
                   "A001,L3B1,pass,2024-03-12,2024-01-15,1999-06-02\n"
                   "A001,l3c2,referred,2024-06-11,2024-01-15,1999-06-02\n"
                   "A002,L/650/7899,Merit,2024-02-20,2024-01-08,\n"
                   "\n"
                   "A001,L3C2,pass,2024-07-30,,1999-06-02\n")
    assert records.order == ("A001", "A002")
    a001, a002 = records.learners
    assert (a001.date_of_birth, a001.registered_on) == (dt.date(1999, 6, 2), dt.date(2024, 1, 15))
    assert attempts(a001) == [("L3B1", "pass", dt.date(2024, 3, 12)), ("L3C2", "referred", dt.date(2024, 6, 11)),
                              ("L3C2", "pass", dt.date(2024, 7, 30))]
    assert (a002.date_of_birth, a002.registered_on) == (None, dt.date(2024, 1, 8))
    assert attempts(a002) == [("L/650/7899", "merit", dt.date(2024, 2, 20))]
    # Each attempt remembers its line: the blank line 5 is skipped, not renumbered.
    assert [a.source.line for a in a001.attempts] == [2, 3, 6]


def test_csv_optional_columns_may_be_absent_and_headers_are_lenient(read):
    # A byte-order mark, capitalised headers with spaces, extra columns and a different column order.
    records = read("records.csv", "\ufeffUnit,Learner,Achieved On,Result,Notes\nL3B1,A1,2024-03-12, PASS ,first try\n")
    (learner,) = records.learners
    assert learner == Learner("A1", None, None, (Attempt("L3B1", "pass", dt.date(2024, 3, 12)),))


def test_xlsx(read, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Records"
    sheet.append(["learner", "unit", "result", "achieved_on", "registered_on", "date_of_birth"])
    # Spreadsheets hold dates as date cells or as text, often day-first.
    sheet.append(["X1", "L3B1", "pass", dt.datetime(2024, 3, 12), dt.datetime(2024, 1, 15), dt.datetime(1999, 6, 2)])
    sheet.append(["X1", "L3B2", "Pass", "02/04/2024", "15/01/2024", "02/06/1999"])
    sheet.append([None, None, None, None, None, None])
    sheet.append([1003, "8570-228", "pass", "2024-05-01", None, None])
    workbook.save(tmp_path / "records.xlsx")
    records = read("records.xlsx", None)
    assert records.order == ("X1", "1003")
    x1, x3 = records.learners
    assert (x1.date_of_birth, x1.registered_on) == (dt.date(1999, 6, 2), dt.date(2024, 1, 15))
    assert attempts(x1) == [("L3B1", "pass", dt.date(2024, 3, 12)), ("L3B2", "pass", dt.date(2024, 4, 2))]
    assert attempts(x3) == [("8570-228", "pass", dt.date(2024, 5, 1))]
    assert [(a.source.line, a.source.element) for a in x1.attempts] == [(2, "row 2"), (3, "row 3")]


def test_xlsx_error_names_the_row(read, tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["learner", "unit", "result", "achieved_on"])
    workbook.active.append(["X1", "L3B1", "pass", "2024-03-12"])
    workbook.active.append(["X2", "L3B1", "pased", "2024-03-12"])
    workbook.save(tmp_path / "records.xlsx")
    records = read("records.xlsx", None)
    assert [learner.id for learner in records.learners] == ["X1"]
    (error,) = records.unreadable["X2"]
    assert (error.code, error.location.line, error.location.element) == ("QR503", 3, "row 3")
    assert render_plain(error) == ("records.xlsx:3 (row 3): error[QR503]: the result is 'pased', which is not a "
                                   "result word (did you mean `pass`? if 'pased' stands for it, add  \"pased\" = "
                                   "\"pass\"  under [results] in qualrules.toml)")


def test_uk_dates_in_csv(read):
    records = read("records.csv", HEADER + "A1,L3B1,pass,01/05/2024,08/01/2024,02/06/1999\n")
    (learner,) = records.learners
    assert (learner.attempts[0].achieved_on, learner.registered_on, learner.date_of_birth) == (
        dt.date(2024, 5, 1), dt.date(2024, 1, 8), dt.date(1999, 6, 2))


# ---- located errors ----------------------------------------------------------------------------

def test_unknown_unit_is_warned_about_once_and_its_learner_read(read):
    records = read("records.csv", HEADER + "A1,L3B9,pass,2024-03-12,2024-01-15,1999-06-02\n"
                                           "A1,L3B1,pass,2024-03-12,2024-01-15,1999-06-02\n"
                                           "A2,l3b9,nonsense,not a date,2024-01-15,1999-06-02\n")
    # The unit cannot count, so its rows' results and dates are not read: both learners are read.
    assert [(learner.id, [a.unit for a in learner.attempts]) for learner in records.learners] == \
        [("A1", ["L3B1"]), ("A2", [])]
    (warning,) = records.warnings
    assert (warning.code, warning.severity, warning.location.line) == ("QR520", Severity.WARNING, 2)
    assert records.problems == ()
    assert warning.message == "unit 'L3B9' is in no loaded catalogue, so it cannot count: its rows are left out " \
                              "of every verdict"
    assert warning.hint.startswith("did you mean `L3B")


def test_unknown_unit_is_an_error_when_the_profile_says_so(read):
    records = read("records.csv", HEADER + "A1,L3B9,pass,2024-03-12,2024-01-15,1999-06-02\n",
                   ReadOptions(unknown_units="error"))
    (error,) = records.unreadable["A1"]
    assert (error.code, error.location.file, error.location.line) == ("QR501", "records.csv", 2)
    assert error.message == "unknown unit 'L3B9': it is in no loaded catalogue"
    assert error.hint.startswith("did you mean `L3B")


def test_unknown_unit_in_json_names_the_element(read):
    records = read("records.json", '{"learners": [{"id": "A", "units": [\n'
                                   '  {"unit": "L3B1", "result": "pass"},\n'
                                   '  {"unit": "8570-282", "result": "pass"}]}]}')
    (warning,) = records.warnings
    assert (warning.code, warning.location.element) == ("QR520", "learners[0].units[1]")
    assert "`8570-228`" in warning.hint


def test_malformed_date(read):
    records = read("records.csv", HEADER + "A1,L3B1,pass,2024-13-12,2024-01-15,1999-06-02\n")
    (error,) = records.unreadable["A1"]
    assert (error.code, error.location.line) == ("QR502", 2)
    assert error.message == "`achieved_on` is not a date: '2024-13-12'"
    assert error.hint == ("there is no month 13; write dates as 2024-03-12, 12/03/2024, 12-03-2024 "
                          "or 12 Mar 2024")


def test_malformed_date_of_birth_in_json(read):
    records = read("records.json", '{"learners": [{"id": "A", "date_of_birth": "2nd April 2001", "units": []}]}')
    (error,) = records.unreadable["A"]
    assert (error.code, error.location.element) == ("QR502", "learners[0].date_of_birth")


def test_unknown_result_word(read):
    records = read("records.csv", HEADER + "A1,L3B1,passed,2024-03-12,2024-01-15,1999-06-02\n"
                                           "A2,L3B1,,2024-03-12,2024-01-15,1999-06-02\n")
    (passed,) = records.unreadable["A1"]
    # A common synonym: the hint is the profile line that reads it.
    assert (passed.code, passed.location.line, passed.hint) == \
        ("QR503", 2, 'add  "passed" = "pass"  under [results] in qualrules.toml')
    (empty,) = records.unreadable["A2"]
    assert (empty.code, empty.location.line, empty.message) == ("QR503", 3, "the result is empty, which is not a "
                                                                            "result word")
    assert empty.hint.startswith("use one of ")


def test_missing_column(read):
    error = fatal(read, "records.csv", "learner,unit,achieved_on\nA1,L3B1,2024-03-12\n")
    assert (error.code, error.location.file, error.location.line) == ("QR505", "records.csv", 1)
    assert error.message == "missing column: result"
    assert error.hint == ("the header has learner, unit, achieved_on; required: learner, unit, result, "
                          'achieved_on; to read a column of another name as one, add  "Your Heading" = "result"  '
                          "under [columns] in qualrules.toml")


def test_missing_columns_with_a_near_miss(read):
    # The header is on line 2 (line 1 is blank); `lerner` is close to `learner`.
    error = fatal(read, "records.csv", "\nlerner,unit,result\nA1,L3B1,pass\n")
    assert (error.message, error.location.line) == ("missing columns: learner, achieved_on", 2)
    assert error.hint == ('the header has lerner, unit, result; add  "lerner" = "learner"  under [columns] in '
                          "qualrules.toml")


def test_empty_learner_id(read):
    records = read("records.csv", HEADER + "A1,L3B1,pass,2024-03-12,2024-01-15,1999-06-02\n"
                                           " ,L3B2,pass,2024-03-12,2024-01-15,1999-06-02\n")
    (problem,) = records.problems
    assert (problem.code, problem.location.line, problem.message) == ("QR506", 3, "the row has no learner id")
    assert [learner.id for learner in records.learners] == ["A1"]
    assert records.order == ("A1",)


def test_empty_learner_id_in_json(read):
    records = read("records.json", '{"learners": [{"id": "", "units": []}, {"units": []}, {"id": "B"}, '
                                   '{"id": true}, "C"]}')
    assert [(d.code, d.location.element) for d in records.problems] == [
        ("QR506", "learners[0]"), ("QR506", "learners[1]"), ("QR506", "learners[3]"), ("QR506", "learners[4]")]
    assert [learner.id for learner in records.learners] == ["B"]


def test_a_json_id_written_as_a_number_is_read_as_written(read):
    records = read("records.json", '{"learners": [{"id": 3, "units": []}, {"id": 1.5}, {"id": 1e3}]}')
    assert [learner.id for learner in records.learners] == ["3", "1.5", "1e3"]
    assert [d.code for d in records.problems] == []


def test_conflicting_date_of_birth_across_rows(read):
    records = read("records.csv", HEADER + "A1,L3B1,pass,2024-03-12,2024-01-15,1999-06-02\n"
                                           "A1,L3B2,pass,2024-03-13,2024-01-15,1999-06-02\n"
                                           "A1,L3C1,pass,2024-03-14,2024-01-15,1999-02-06\n")
    (error,) = records.unreadable["A1"]
    assert (error.code, error.location.line) == ("QR507", 4)
    assert error.message == ("learner A1 has two different `date_of_birth` values: 1999-06-02 (line 2) "
                             "and 1999-02-06")
    assert records.learners == ()


def test_a_blank_date_of_birth_does_not_conflict(read):
    records = read("records.csv", HEADER + "A1,L3B1,pass,2024-03-12,2024-01-15,1999-06-02\n"
                                           "A1,L3B2,pass,2024-03-13,,\n")
    (learner,) = records.learners
    assert (learner.date_of_birth, learner.registered_on) == (dt.date(1999, 6, 2), dt.date(2024, 1, 15))


def test_invalid_json_syntax(read):
    error = fatal(read, "records.json", '{"learners": [\n  {"id": "A1", "units": [}\n]}\n')
    assert (error.code, error.location.file, error.location.line, error.location.column) == (
        "QR505", "records.json", 2, 26)
    assert error.message == "not valid JSON: Expecting value"


def test_json_without_a_learners_list(read):
    error = fatal(read, "records.json", '[{"id": "A1"}]')
    assert (error.code, error.message) == ("QR505", 'expected an object with a "learners" list')


def test_duplicate_learner_in_json(read):
    records = read("records.json", '{"learners": [{"id": "A1", "units": []}, {"id": "B", "units": []},'
                                   ' {"id": "A1", "units": []}]}')
    (error,) = records.unreadable["A1"]
    assert (error.code, error.location.element, error.message) == ("QR508", "learners[2]", "learner A1 appears twice")
    assert [learner.id for learner in records.learners] == ["B"]


def test_unknown_format_and_unreadable_files(read, tmp_path):
    assert fatal(read, "records.txt", "learner,unit\n").message == "cannot tell the format of records.txt"
    assert fatal(read, "absent.csv", None).message.startswith("cannot read the file: ")
    (tmp_path / "fake.xlsx").write_text("not a workbook", encoding="utf-8")
    assert fatal(read, "fake.xlsx", None).message.startswith("cannot read the file as a spreadsheet: ")


def test_one_bad_row_makes_only_its_learner_unreadable(read, snapshot):
    records = read("records.csv", HEADER +
                   "A1,L3B1,pass,2024-03-12,2024-01-15,1999-06-02\n"
                   "A2,L3B1,pass,2024-03-12,2024-01-15,1999-06-02\n"
                   "A2,L3B9,pass,2024-03-13,2024-01-15,1999-06-02\n"
                   "A3,L3B1,passs,31/02/2024,2024-01-15,1999-06-02\n"
                   "A4,L3B1,pass,2024-03-12,2024-01-15,1999-06-02\n"
                   ",L3B1,pass,2024-03-12,2024-01-15,1999-06-02\n"
                   "A2,L3B2,pass,2024-03-14,2024-01-15,1999-06-02\n", ReadOptions(unknown_units="error"))
    assert records.order == ("A1", "A2", "A3", "A4")
    assert [learner.id for learner in records.learners] == ["A1", "A4"]
    assert list(records.unreadable) == ["A2", "A3"]
    # A3's row has two problems; both are reported.
    assert [d.code for d in records.unreadable["A3"]] == ["QR503", "QR502"]
    assert "\n".join(render_plain(d) for d in records.diagnostics) == snapshot


def test_quoted_newline_keeps_line_numbers(read):
    records = read("records.csv", 'learner,unit,result,achieved_on,notes\n'
                                  'A1,L3B1,pass,2024-03-12,"two\nlines"\n'
                                  'A1,L3B9,pass,2024-03-12,\n')
    (warning,) = records.warnings
    assert warning.location.line == 4


@pytest.mark.parametrize("name,content", [
    ("one.csv", "learner,unit,result,achieved_on\nB1,FS-ENG,pass,2024-01-10\nA1,L3B1,pass,2024-01-10\n"
                "C1,L3B1,pass,never\nA1,FS-ENG,pass,2024-01-10\n"),
    ("one.json", json.dumps({"learners": [
        {"id": "B1", "units": [{"unit": "FS-ENG", "result": "pass", "achieved_on": "2024-01-10"}]},
        {"id": "A1", "units": [{"unit": "L3B1", "result": "pass", "achieved_on": "2024-01-10"},
                               {"unit": "FS-ENG", "result": "pass", "achieved_on": "2024-01-10"}]},
        {"id": "C1", "units": [{"unit": "L3B1", "result": "pass", "achieved_on": "never"}]}]})),
])
def test_one_learner_s_record_is_read_alone_the_others_only_named(tmp_path, library, name, content):
    (tmp_path / name).write_text(content, encoding="utf-8")
    records = read_records(tmp_path / name, library.vocabulary(), learner="A1")
    assert sorted(records.order) == ["A1", "B1", "C1"]
    assert [(learner.id, [a.unit for a in learner.attempts]) for learner in records.learners] == [("A1", ["L3B1"])]
    assert records.unreadable == {}
    (warning,) = records.warnings  # A1's own unit in no catalogue, where A1's record names it
    assert (warning.code, warning.location.line or warning.location.element) == \
        ("QR520", 5 if name.endswith(".csv") else "learners[1].units[1]")
