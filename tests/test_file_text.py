"""Files as people have them: encodings, delimiters, spreadsheet serial numbers, Parquet and standard input,
each read as the options say or told from the file, and each refusal located, coded and hinted."""

from __future__ import annotations

import datetime as dt
import json
import os
import pty
import re
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from qualrules.cli import main
from qualrules.interpreter import cohort
from qualrules.interpreter.diagnostics import DiagnosticError, Severity, render_plain
from qualrules.interpreter.records import text
from qualrules.interpreter.records.options import ReadOptions
from qualrules.interpreter.records.readers import read_records, read_text_records

ISP_CERTIFICATE = "610/3788/6"
HEADER = "learner,unit,result,achieved_on\n"
SAVE_AS = 'save it again as "CSV UTF-8", one of the types Excel saves as'
# The MIS export of a provider, saved by Excel on Windows: Windows-1252, day-first dates in three forms.
MIS_EXPORT = ("learner,unit,result,achieved_on,registered_on\r\n"
              "Renée,L3B1,pass,12-03-2024,12 Jan 2024\r\n"
              "Renée,L3B2,pass,12 Mar 2024,12/01/2024\r\n"
              "Renée,L3C1,pass,12/03/2024,12-01-2024\r\n"
              "Zoë,L3B1,referred,1/2/2024,\r\n")


@pytest.fixture
def read(tmp_path, monkeypatch, library):
    """read(bytes, options) -> Records of a file records.csv in the working directory."""
    monkeypatch.chdir(tmp_path)

    def run(data: bytes, options: ReadOptions = ReadOptions(), name: str = "records.csv"):
        Path(name).write_bytes(data)
        return read_records(name, library.vocabulary(), options)
    return run


def refusal(read, data: bytes, options: ReadOptions = ReadOptions()):
    with pytest.raises(DiagnosticError) as raised:
        read(data, options)
    (diagnostic,) = raised.value.diagnostics
    return diagnostic


def units(records, learner: str) -> list[tuple]:
    (found,) = [entry for entry in records.learners if entry.id == learner]
    return [(a.unit, a.result, a.achieved_on) for a in found.attempts]


# ---- encodings -----------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16-le", "utf-16-be"])
def test_utf8_with_or_without_a_mark_and_utf16_with_one(read, encoding):
    mark = b"\xff\xfe" if encoding == "utf-16-le" else b"\xfe\xff" if encoding == "utf-16-be" else b""
    records = read(mark + (HEADER + "Zoë,L3B1,pass,2024-03-12\n").encode(encoding))
    assert records.warnings == () and records.problems == ()
    assert units(records, "Zoë") == [("L3B1", "pass", dt.date(2024, 3, 12))]


def test_an_excel_export_in_windows_1252_with_day_first_dates_reads_with_a_warning(read):
    records = read(MIS_EXPORT.encode("cp1252"))
    assert units(records, "Renée") == [("L3B1", "pass", dt.date(2024, 3, 12)), ("L3B2", "pass", dt.date(2024, 3, 12)),
                                       ("L3C1", "pass", dt.date(2024, 3, 12))]
    assert records.learners[0].registered_on == dt.date(2024, 1, 12)
    assert units(records, "Zoë") == [("L3B1", "referred", dt.date(2024, 2, 1))]
    (warning,) = records.warnings
    assert (warning.code, warning.severity) == ("QR515", Severity.WARNING)
    assert render_plain(warning) == (
        "records.csv: warning[QR515]: the file is not UTF-8: read as Windows-1252 (cp1252), the encoding Excel on "
        f"Windows saves CSV in ({SAVE_AS}, or name the encoding in the profile (`encoding = \"cp1252\"`) "
        "to read it without this warning)")
    assert records.diagnostics == ()  # a warning is no learner's problem


@pytest.mark.parametrize("named,encoding", [("cp1252", "cp1252"), ("Windows-1252", "cp1252"), ("latin-1", "latin-1"),
                                            ("ISO-8859-1", "latin-1"), ("UTF_16", "utf-16")])
def test_an_encoding_the_options_name_is_read_without_a_warning(read, named, encoding):
    records = read(MIS_EXPORT.encode(encoding), ReadOptions(encoding=named))
    assert records.warnings == ()
    assert [entry.id for entry in records.learners] == ["Renée", "Zoë"]


def test_a_byte_order_mark_says_what_the_file_is_whatever_the_options_expect(read):
    records = read(b"\xef\xbb\xbf" + MIS_EXPORT.encode("utf-8"), ReadOptions(encoding="cp1252"))
    assert [entry.id for entry in records.learners] == ["Renée", "Zoë"]


def test_latin_1_is_never_guessed_where_windows_1252_reads_the_bytes(read):
    records = read((HEADER + "A1,L3B1,pass,2024-03-12,\u2019\n").encode("cp1252"))  # ’ is 0x92 in Windows-1252
    assert records.warnings[0].message.startswith("the file is not UTF-8: read as Windows-1252")


@pytest.mark.parametrize("data,location,message", [
    (HEADER.encode() + b"A1,L3B1,pass\x81,2024-03-12\n", (2, 13),
     "the file is not UTF-8 (byte 0x81 is not part of a UTF-8 character), nor Windows-1252 text: it holds byte "
     "0x81, which Windows-1252 does not use"),
    (HEADER.encode() + "A1,L3B1,pass,\x07é\n".encode("cp1252"), (2, 15),
     "the file is not UTF-8 (byte 0xE9 is not part of a UTF-8 character), nor Windows-1252 text: it holds the "
     "control character 0x07, so it may be UTF-16 without a byte-order mark, or not a text file"),
    ((HEADER + "Zoë,L3B1,pass,2024-03-12\r\n").encode() + "Renée,L3B1,pass,2024-03-12\n".encode("cp1252"), (3, 4),
     "the file is not UTF-8 (byte 0xE9 is not part of a UTF-8 character), nor Windows-1252 text: other characters "
     "in it are UTF-8, so it mixes two encodings"),
])
def test_a_file_that_is_neither_utf8_nor_windows_1252_is_refused_at_its_line_and_column(read, data, location,
                                                                                          message):
    diagnostic = refusal(read, data)
    assert (diagnostic.code, diagnostic.location.line, diagnostic.location.column) == ("QR514", *location)
    assert (diagnostic.message, diagnostic.hint) == (message, SAVE_AS)


@pytest.mark.parametrize("text", ["learner\nA1é", HEADER + "A1,L3B1,pass,2024-03-12\n"])
def test_utf16_without_a_mark_is_refused_at_its_first_nul_byte_even_when_every_character_is_ascii(read, text):
    diagnostic = refusal(read, text.encode("utf-16-le"))
    # NUL bytes are UTF-8, but never a records file's text.
    assert (diagnostic.code, diagnostic.location.line, diagnostic.location.column) == ("QR514", 1, 2)
    assert diagnostic.message == (
        "the file is not UTF-8 (byte 0x00 (NUL) is no character of a records file), nor Windows-1252 text: it holds "
        "the control character 0x00, so it may be UTF-16 without a byte-order mark, or not a text file")


def test_a_named_encoding_that_does_not_fit_is_refused_with_no_guess(read):
    diagnostic = refusal(read, MIS_EXPORT.encode("cp1252"), ReadOptions(encoding="utf-8"))
    assert (diagnostic.code, diagnostic.location.line, diagnostic.location.column) == ("QR514", 2, 4)
    assert diagnostic.message == "the file is not UTF-8 text: byte 0xE9 is not part of a UTF-8 character"
    diagnostic = refusal(read, HEADER.encode() + b"A1,L3B1,pass,\x8f\n", ReadOptions(encoding="cp1252"))
    assert (diagnostic.location.line, diagnostic.location.column) == (2, 14)
    assert diagnostic.hint == SAVE_AS


def test_line_and_column_count_every_line_break_across_blocks(read, monkeypatch, library):
    monkeypatch.setattr(text, "BLOCK_SIZE", 7)
    data = b"learner,unit\r\n" * 5 + b"x\rab\xc3" + b"\r\nA\x81"
    path = Path("records.csv")
    path.write_bytes(data)
    for find in (lambda: cohort.open_cohort(path, library.vocabulary()), lambda: read(data)):
        with pytest.raises(DiagnosticError) as raised:
            find()
        (diagnostic,) = raised.value.diagnostics
        assert (diagnostic.location.line, diagnostic.location.column) == (7, 3)


@pytest.mark.parametrize("learner", [None, "Zoë"])
def test_a_csv_file_is_read_a_line_at_a_time_as_its_bytes_would_be(library, tmp_path, monkeypatch, learner):
    # A cohort's achievement log is hundreds of megabytes, and one learner's explanation reads all of it.
    path = tmp_path / "records.csv"
    data = MIS_EXPORT.encode("cp1252") + b'Zo\xeb,L3B2,"pass\r\nwith a note",1/2/2024,\r\n'
    path.write_bytes(data)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"{self} was read whole"))
    from_file = read_records(path, library.vocabulary(), learner=learner)
    assert from_file == read_text_records(data, str(path), "csv", library.vocabulary(), learner=learner)
    assert [d.code for d in from_file.warnings] == ["QR515"]


def test_the_streamed_reader_warns_as_the_whole_file_reader_does(library, tmp_path):
    path = tmp_path / "records.csv"
    path.write_bytes(MIS_EXPORT.encode("cp1252"))
    opened = cohort.open_cohort(path, library.vocabulary())
    assert opened.streamed
    assert [d.code for d in opened.warnings] == ["QR515"]
    assert opened.warnings == read_records(path, library.vocabulary()).warnings


def test_encoding_names_are_validated():
    assert text.encoding_named(None) is None
    assert text.encoding_named("CP-1252") == text.CP1252
    with pytest.raises(ValueError, match="unknown encoding 'utf-32': name one of utf-8, utf-16, cp1252, latin-1"):
        text.encoding_named("utf-32")


# ---- a title above the header -----------------------------------------------------------------------

TITLED = "Learner achievement report{end}Run on 01/12/2026{end}\n" + HEADER + "A1,L3B1,pass,2024-03-12\n" \
    "A1,L3B2,pass,2024-03-14\n"


@pytest.mark.parametrize("end,delimiter", [("\n", ","), (",,,\n", ","), ("\n", ";"), (";;;\n", ";")])
def test_rows_of_one_cell_above_the_header_are_its_title_on_every_path(library, tmp_path, end, delimiter):
    path = tmp_path / "records.csv"
    path.write_text(TITLED.format(end=end).replace(",", delimiter), encoding="utf-8")
    records = read_records(path, library.vocabulary())
    assert units(records, "A1") == [("L3B1", "pass", dt.date(2024, 3, 12)), ("L3B2", "pass", dt.date(2024, 3, 14))]
    (warning,) = records.warnings
    assert render_plain(warning) == (
        f"{path}:1: warning[QR547]: the header is on line 4, below 2 lines of one cell read as a title, not as "
        "records: line 1, 'Learner achievement report'; line 2, 'Run on 01/12/2026' (nothing to do for an "
        "export's title; a learner's row there needs its other cells)")
    opened = cohort.open_cohort(path, library.vocabulary())
    assert opened.streamed and opened.warnings == records.warnings
    assert cohort.whole_records(opened, library.vocabulary()).learners == records.learners


@pytest.mark.parametrize("title,delimiter", [("Achievement report, all centres", ";"),
                                             ("Achievement report, all centres", "\t"),
                                             ("Achievement report; all centres", ",")])
def test_a_title_holding_another_delimiter_is_no_header(read, title, delimiter):
    # The header is the line a delimiter splits into three cells or more; in the title, the comma is text.
    records = read((f"{title}\n" + (HEADER + "A1,L3B1,pass,2024-03-12\n").replace(",", delimiter)).encode())
    assert units(records, "A1") == [("L3B1", "pass", dt.date(2024, 3, 12))]
    assert [(w.code, w.location.line) for w in records.warnings] == [("QR547", 1)]


def test_a_workbook_s_title_rows_are_passed_over_and_named_by_row(library, tmp_path):
    book = openpyxl.Workbook()
    for row in (["Learner achievement report"], [None, "Run on 01/12/2026"], [], HEADER.split(","),
                ["A1", "L3B1", "pass", "2024-03-12"]):
        book.active.append([cell.strip() if cell else cell for cell in row])
    book.save(tmp_path / "records.xlsx")
    records = read_records(tmp_path / "records.xlsx", library.vocabulary())
    assert units(records, "A1") == [("L3B1", "pass", dt.date(2024, 3, 12))]
    (warning,) = records.warnings
    assert (warning.code, warning.location.element) == ("QR547", "row 1")
    assert "the header is on row 4, below 2 rows of one cell" in warning.message


def test_more_title_rows_than_a_report_has_leave_the_first_for_the_header(read):
    diagnostic = refusal(read, ("Title\n" * 11 + HEADER + "A1,L3B1,pass,2024-03-12\n").encode())
    assert (diagnostic.code, diagnostic.location.line) == ("QR505", 1)


def test_init_proposes_a_profile_from_the_header_below_a_title(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("export.csv").write_text("Achievement report;;;\nLearner Ref;Unit Code;Outcome;Achieved\n"
                                  "A1;L3B1;P;2024-03-12\n", encoding="utf-8")
    assert CliRunner().invoke(main, ["init", "export.csv"]).exit_code == 0
    profile = Path("qualrules.toml").read_text(encoding="utf-8")
    assert 'delimiter = ";"' in profile and '"Learner Ref" = "learner"' in profile
    assert '"Unit Code" = "unit"' in profile


# ---- delimiters ----------------------------------------------------------------------------------

@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_is_told_from_the_header(read, delimiter):
    rows = [["learner", "unit", "result", "achieved_on"], ["A1", "L3B1", "pass", "12/03/2024"]]
    records = read("\n".join(delimiter.join(row) for row in rows).encode())
    assert units(records, "A1") == [("L3B1", "pass", dt.date(2024, 3, 12))]


def test_a_delimiter_inside_a_quoted_header_cell_is_text(read):
    records = read(b'learner;unit;result;achieved_on;"notes, if any"\nA1;L3B1;pass;2024-03-12;"a, b"\n')
    assert units(records, "A1") == [("L3B1", "pass", dt.date(2024, 3, 12))]


def test_a_header_with_two_delimiters_is_refused_until_the_options_name_one(read):
    data = b"\nlearner;unit;result;achieved_on;unit, as written\tcode\nA1;L3B1;pass;2024-03-12;x\n"
    diagnostic = refusal(read, data)
    assert (diagnostic.code, diagnostic.location.line) == ("QR516", 2)
    assert diagnostic.message == ("cannot tell which character separates the columns: the header has 1 comma and "
                                  "4 semicolons and 1 tab")
    assert diagnostic.hint == ('name it in the profile: `delimiter = ","` or `delimiter = ";"` or '
                               '`delimiter = "\\t"`')
    records = read(data, ReadOptions(delimiter=";"))
    assert units(records, "A1") == [("L3B1", "pass", dt.date(2024, 3, 12))]


@pytest.mark.parametrize("first_line", ["sep=;", '"sep=;"', "SEP=;"])
@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_excel_s_first_line_naming_the_delimiter_is_read_on_every_path(library, tmp_path, first_line, line_end):
    # Excel writes `sep=;` for a reader in another locale; a comma in the header must not be taken for the
    # delimiter, nor the line for the header, and rows keep their line numbers.
    lines = [first_line, "learner;unit;result;achieved_on;notes, if any", "A1;L3B1;pass;12/03/2024;",
             "A1;L3B2;pass;2024-13-01;", "B1;L3B1;pass;12/03/2024;"]
    path = tmp_path / "records.csv"
    path.write_bytes(line_end.join(lines).encode("utf-8-sig"))
    records = read_records(path, library.vocabulary())
    assert [learner.id for learner in records.learners] == ["B1"]
    assert [(d.code, d.location.line) for d in records.unreadable["A1"]] == [("QR502", 4)]  # month 13
    expected = json.dumps([row.to_json() for row in cohort.check_rows(
        records, [library.qualification(ISP_CERTIFICATE)])], indent=2)
    opened = cohort.open_cohort(path, library.vocabulary())
    assert opened.streamed and opened.tasks is not None
    blocks = cohort.check_blocks(opened, cohort.CheckSettings((ISP_CERTIFICATE,), "json"), library,
                                 library.vocabulary(), 1)
    assert "".join(cohort.json_array(block.json for block in blocks)) == expected


def test_a_first_line_naming_a_delimiter_qualrules_does_not_read_is_refused(read):
    diagnostic = refusal(read, b"sep=|\nlearner|unit|result|achieved_on\n")
    assert (diagnostic.code, diagnostic.location.line) == ("QR516", 1)
    assert diagnostic.message == ("the file's first line names '|' as the character that separates the columns, "
                                  "which is not one qualrules reads")


def test_delimiter_names_are_validated():
    assert text.delimiter_named("\t") == "\t"
    with pytest.raises(ValueError, match="the delimiter '|' is not one qualrules reads"):
        text.delimiter_named("|")


def test_a_heading_with_a_no_break_space_or_two_spaces_is_matched_as_with_one(read):
    records = read("learner,unit,result,Achieved\u00a0 On\nA1,L3B1,pass,2024-03-12\n".encode())
    assert records.order == ("A1",) and records.unreadable == {}


# ---- spreadsheets ------------------------------------------------------------------------------

def test_a_spreadsheet_number_cell_in_a_date_column_is_a_serial_number_within_range(library, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["learner", "unit", "result", "achieved_on"])
    sheet.append(["A1", "L3B1", "pass", 45363])
    sheet.append(["A1", "L3B2", "pass", dt.datetime(2024, 3, 12, 9, 30)])
    sheet.append(["A2", "L3B1", "pass", 2024])
    workbook.save(tmp_path / "records.xlsx")
    records = read_records(tmp_path / "records.xlsx", library.vocabulary())
    assert units(records, "A1") == [("L3B1", "pass", dt.date(2024, 3, 12)), ("L3B2", "pass", dt.date(2024, 3, 12))]
    (error,) = records.unreadable["A2"]
    assert (error.code, error.location.element, error.message) == ("QR517", "row 4",
                                                                    "`achieved_on` is the number 2024, which is a year")


@pytest.mark.parametrize("chunk", [37, 1 << 20])  # the sheet's XML read in chunks that cut its ranges' tags
def test_an_id_merged_down_a_learner_s_rows_is_each_row_s(library, tmp_path, monkeypatch, chunk):
    from qualrules.interpreter.records import readers
    monkeypatch.setattr(readers, "BLOCK_SIZE", chunk)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["learner", "unit", "result", "achieved_on"])
    for learner, unit in [("A1", "L3B1"), (None, "L3B2"), ("A2", "L3B1"), (None, "L3B2"), (None, "L3S1")]:
        sheet.append([learner, unit, "pass", dt.datetime(2024, 3, 12)])
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("A4:A6")
    sheet.merge_cells("C5:D5")  # merged across a row: the date is not filled from the result
    workbook.save(tmp_path / "records.xlsx")
    records = read_records(tmp_path / "records.xlsx", library.vocabulary())
    assert records.problems == () and records.unreadable == {}
    on = dt.date(2024, 3, 12)
    assert units(records, "A1") == [("L3B1", "pass", on), ("L3B2", "pass", on)]
    assert units(records, "A2") == [("L3B1", "pass", on), ("L3B2", "pass", None), ("L3S1", "pass", on)]


@pytest.mark.parametrize("chunk", [37, 1 << 20])  # the sheet's XML read in chunks that cut its cells' tags
def test_a_formula_the_workbook_holds_no_value_of_is_an_error_where_it_is_read(library, tmp_path, monkeypatch,
                                                                             chunk):
    # A script's library saves formulas uncalculated; Excel and LibreOffice store each one's value.
    from qualrules.interpreter.records import readers
    monkeypatch.setattr(readers, "BLOCK_SIZE", chunk)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["learner", "unit", "result", "achieved_on", "notes"])
    sheet.append(["A1", "L3B1", "pass", "2024-03-12", "=D2"])  # not read: no error
    sheet.append(["A1", "=B2", "pass", "2024-03-12"])
    sheet.append(['="B"&1', "L3B1", "pass", "2024-03-12"])
    sheet.append(["C1", "L3B1", "pass", "2024-03-12", None])
    sheet.append(["C1", "L3B2", "pass", "2024-03-12"])
    workbook.save(tmp_path / "records.xlsx")
    records = read_records(tmp_path / "records.xlsx", library.vocabulary())
    assert [learner.id for learner in records.learners] == ["C1"]
    (error,) = records.unreadable["A1"]
    assert (error.code, error.location.element) == ("QR523", "row 3")
    assert error.message == ("cell B3 (`unit`) holds the formula =B2 but no value: the program that saved the "
                             "workbook did not calculate it")
    (problem,) = records.problems  # the learner id is the formula's: the row belongs to no learner
    assert (problem.code, problem.location.element) == ("QR523", "row 4")
    assert problem.message.startswith('cell A4 (`learner`) holds the formula ="B"&1 but no value')


def test_a_formula_with_its_value_stored_is_read_as_its_value(library, tmp_path):
    workbook = openpyxl.Workbook()
    for row in (["learner", "unit", "result", "achieved_on"], ["A1", "L3B1", "pass", "2024-03-12"],
                ["A1", "L3B2", "pass", "2024-03-12"]):
        workbook.active.append(row)
    workbook.save(tmp_path / "plain.xlsx")
    # As Excel saves a formula: with its value.
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as source, \
            zipfile.ZipFile(tmp_path / "records.xlsx", "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<c r="B3" t="inlineStr"><is><t>L3B2</t></is></c>',
                                    b'<c r="B3" t="str"><f>"L3B"&amp;2</f><v>L3B2</v></c>')
            target.writestr(item, data)
    records = read_records(tmp_path / "records.xlsx", library.vocabulary())
    assert records.diagnostics == ()
    assert units(records, "A1") == [("L3B1", "pass", dt.date(2024, 3, 12)), ("L3B2", "pass", dt.date(2024, 3, 12))]


def test_a_header_cell_holding_a_formula_without_a_value_stops_the_check(library, tmp_path):
    workbook = openpyxl.Workbook()
    for row in (["learner", "unit", '="res"&"ult"', "achieved_on"], ["A1", "L3B1", "pass", "2024-03-12"]):
        workbook.active.append(row)
    workbook.save(tmp_path / "records.xlsx")
    with pytest.raises(DiagnosticError) as raised:
        read_records(tmp_path / "records.xlsx", library.vocabulary())
    (diagnostic,) = raised.value.diagnostics
    assert (diagnostic.code, diagnostic.location.line) == ("QR523", 1)
    assert diagnostic.message == ('the header\'s cell C1 holds the formula ="res"&"ult" but no heading: the program '
                                  "that saved the workbook did not calculate it")


def test_a_number_formatted_with_leading_zeros_or_fixed_decimals_is_the_text_the_sheet_shows(library, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["learner", "unit", "result", "achieved_on"])
    sheet.append([123, "L3B1", "pass", 45363])
    sheet.append(["000123", "L3B2", "pass", 45363])
    sheet.append([4.1, "L3B1", "pass", 45363])
    sheet.append([7, "L3B1", "pass", 45363])
    sheet["A2"].number_format, sheet["A4"].number_format = "000000", "0.00"
    sheet["D2"].number_format, sheet["D3"].number_format = "0", "00000"  # serials shown as they are: dates
    workbook.save(tmp_path / "records.xlsx")
    records = read_records(tmp_path / "records.xlsx", library.vocabulary())
    # The same learner whichever way the id is held, as in the CSV the sheet saves as.
    assert records.order == ("000123", "4.10", "7")
    assert units(records, "000123") == [("L3B1", "pass", dt.date(2024, 3, 12)), ("L3B2", "pass", dt.date(2024, 3, 12))]


def test_a_hidden_sheet_before_the_records_is_passed_over(library, tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.title, workbook.active.sheet_state = "Cover", "hidden"
    workbook.active.append(["Prepared by the MIS team"])
    sheet = workbook.create_sheet("Records")
    sheet.append(["learner", "unit", "result", "achieved_on"])
    sheet.append(["A1", "L3B1", "pass", dt.datetime(2024, 3, 12)])
    workbook.save(tmp_path / "records.xlsx")
    assert read_records(tmp_path / "records.xlsx", library.vocabulary()).order == ("A1",)


def test_a_workbook_of_the_1904_date_system_counts_its_serial_numbers_from_1904(library, tmp_path):
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    workbook = openpyxl.Workbook()
    workbook.epoch = CALENDAR_MAC_1904
    sheet = workbook.active
    sheet.append(["learner", "unit", "result", "achieved_on"])
    # 43901 days after 1 January 1904; a date cell is a date whatever the system.
    sheet.append(["A1", "L3B1", "pass", 43901])
    sheet.append(["A1", "L3B2", "pass", dt.datetime(2024, 3, 12)])
    workbook.save(tmp_path / "records.xlsx")
    records = read_records(tmp_path / "records.xlsx", library.vocabulary())
    assert units(records, "A1") == [("L3B1", "pass", dt.date(2024, 3, 12)), ("L3B2", "pass", dt.date(2024, 3, 12))]


# ---- Parquet -----------------------------------------------------------------------------------

def write_parquet(path: Path, columns: dict) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table(columns), path)
    return path


def test_parquet_values_are_read_as_csv_cells_with_rows_for_lines(library, tmp_path):
    import pyarrow as pa

    path = write_parquet(tmp_path / "extract.parquet", {
        "Learner": pa.array([1001, 1001, 1002]),
        "unit": pa.array(["L3B1", "L3B2", "L3B1"]).dictionary_encode(),
        "result": ["Pass", None, "pass"],
        "achieved_on": pa.array([dt.date(2024, 3, 12), dt.date(2024, 3, 13), None]),
        "registered_on": pa.array([45300, 45300, None]),
        "notes": pa.array([[1], [], None], pa.list_(pa.int64())),  # not read, so never a problem
    })
    records = read_records(path, library.vocabulary())
    assert units(records, "1002") == [("L3B1", "pass", None)]
    assert [(e.code, e.location.line, e.location.element) for e in records.unreadable["1001"]] == [
        ("QR517", 1, "row 1"), ("QR517", 2, "row 2"), ("QR503", 2, "row 2")]
    assert records.unreadable["1001"][0].message == "`registered_on` is a number, not a date: '45300'"
    serials = read_records(path, library.vocabulary(), ReadOptions(date_formats=("serial",)))
    assert [error.code for error in serials.unreadable["1001"]] == ["QR503"]


def test_a_parquet_timestamp_with_a_zone_is_the_day_in_that_zone(library, tmp_path):
    import pyarrow as pa

    path = write_parquet(tmp_path / "extract.parquet", {
        "learner": ["A1"], "unit": ["L3B1"], "result": ["pass"],
        "achieved_on": pa.array([dt.datetime(2024, 6, 11, 23, 30, tzinfo=dt.timezone.utc)],
                                pa.timestamp("s", tz="Europe/London")),
    })
    assert units(read_records(path, library.vocabulary()), "A1") == [("L3B1", "pass", dt.date(2024, 6, 12))]


@pytest.mark.parametrize("column,message,row", [
    (["L3B1", ["L3B2"]], "the `unit` column holds values of type list<element: string>, not single values", 1),
    ([b"L3B1", b"L3\xe9B2"], "the `unit` column holds bytes that are not UTF-8 text", 2),
])
def test_a_parquet_column_of_what_is_not_a_value_is_refused(library, tmp_path, column, message, row):
    import pyarrow as pa

    values = pa.array([[v] if isinstance(v, str) else v for v in column]) if isinstance(column[1], list) \
        else pa.array(column, pa.binary())
    path = write_parquet(tmp_path / "extract.parquet", {"learner": ["A1", "A2"], "unit": values,
                                                        "result": ["pass", "pass"], "achieved_on": ["", ""]})
    for find in (lambda: read_records(path, library.vocabulary()),
                 lambda: list(cohort.open_cohort(path, library.vocabulary()).tasks)):
        with pytest.raises(DiagnosticError) as raised:
            find()
        (diagnostic,) = raised.value.diagnostics
        assert (diagnostic.code, diagnostic.message, diagnostic.location.line) == ("QR518", message, row)


def test_a_parquet_column_holding_a_list_far_down_refuses_the_file_before_any_verdict(tmp_path, monkeypatch):
    # Found only as the blocks are read, it stopped check with its output half-written (QR900, exit 3).
    import pyarrow as pa

    from qualrules.interpreter.records import parquet

    monkeypatch.setattr(parquet, "BATCH_ROWS", 2)
    born = pa.array([None] * 5 + [["1990-01-01"]], pa.list_(pa.string()))
    path = write_parquet(tmp_path / "extract.parquet", {
        "learner": [f"A{k}" for k in range(6)], "unit": ["L3B1"] * 6, "result": ["pass"] * 6,
        "achieved_on": [""] * 6, "date_of_birth": born})
    result = check(["check", str(path), "-q", ISP_CERTIFICATE, "--format", "csv"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert f"{path}:6 (row 6): error[QR518]: the `date_of_birth` column holds values of type " \
           "list<element: string>, not single values" in result.stderr


def test_a_file_that_is_not_parquet_or_lacks_a_column_is_refused(library, tmp_path):
    (tmp_path / "extract.parquet").write_bytes(b"learner,unit\n")
    with pytest.raises(DiagnosticError) as raised:
        read_records(tmp_path / "extract.parquet", library.vocabulary())
    assert raised.value.diagnostics[0].code == "QR505"
    path = write_parquet(tmp_path / "extract.parquet", {"learner": ["A1"], "unit": ["L3B1"], "result": ["pass"]})
    with pytest.raises(DiagnosticError) as raised:
        cohort.open_cohort(path, library.vocabulary())
    assert render_plain(raised.value.diagnostics[0]).startswith(f"{path}: error[QR505]: missing column: achieved_on")
    assert raised.value.diagnostics[0].hint.startswith("the header has learner, unit, result;")


# ---- standard input ----------------------------------------------------------------------------

def check(arguments: list[str], given: bytes | None = None):
    return CliRunner().invoke(main, arguments, input=given)


def test_check_reads_csv_or_json_from_standard_input():
    csv_result = check(["check", "-", "--input-format", "csv", "-q", ISP_CERTIFICATE, "--format", "json"],
                       MIS_EXPORT.encode("cp1252"))
    assert csv_result.exit_code == 1, csv_result.stderr
    assert [row["learner"] for row in json.loads(csv_result.stdout)] == ["Renée", "Zoë"]
    assert csv_result.stderr.startswith("<stdin>: warning[QR515]: the file is not UTF-8")
    document = {"learners": [{"id": "J1", "units": [{"unit": "L3B1", "result": "pass", "achieved_on": "12 Mar 2024"}]}]}
    json_result = check(["check", "-", "--input-format", "json", "-q", ISP_CERTIFICATE, "--format", "json"],
                        json.dumps(document).encode())
    assert json_result.exit_code == 1 and json_result.stderr == ""
    assert json.loads(json_result.stdout)[0]["units"] == ["L3B1"]


def test_the_other_commands_read_standard_input_too():
    result = check(["explain", "-", "--input-format", "csv", "--learner", "Renée", "-q", ISP_CERTIFICATE,
                    "--format", "json"], MIS_EXPORT.encode("utf-8"))
    assert result.exit_code == 1 and result.stderr == ""
    assert json.loads(result.stdout)["claim"] == ["L3B1", "L3B2", "L3C1"]
    result = check(["eligible", "-", "--input-format", "csv", "--format", "json"], MIS_EXPORT.encode("utf-8"))
    assert result.exit_code == 0, result.stderr


def test_errors_of_records_from_standard_input_name_it():
    result = check(["check", "-", "--input-format", "csv", "-q", ISP_CERTIFICATE],
                   (HEADER + "A1,L3B1,passs,\n").encode())
    assert result.exit_code == 2
    assert "<stdin>:2: error[QR503]: the result is 'passs'" in result.stdout  # under the learner, in the table
    result = check(["check", "-", "--input-format", "csv", "-q", ISP_CERTIFICATE], b"learner;unit,result\n")
    assert (result.exit_code, result.stderr.split(":")[:3]) == (2, ["<stdin>", "1", " error[QR516]"])


def test_standard_input_needs_its_format():
    result = check(["check", "-", "-q", ISP_CERTIFICATE], MIS_EXPORT.encode())
    assert result.exit_code == 2
    assert result.stderr == ("command line (-): error[QR625]: records read from standard input need their format\n"
                             "     = help: add --input-format csv or --input-format json\n")


def test_a_file_named_by_its_format_takes_no_other_input_format(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("records.csv").write_text(MIS_EXPORT)
    result = check(["check", "records.csv", "--input-format", "json", "-q", ISP_CERTIFICATE])
    assert result.exit_code == 2
    assert "error[QR627]: records.csv is a .csv file: its extension says its format, not json" in result.stderr
    # The format the extension says, given again, is only redundant, as `--format` agreeing with `-o` is.
    agreeing = check(["check", "records.csv", "--input-format", "csv", "-q", ISP_CERTIFICATE, "--format", "json"])
    assert agreeing.stdout == check(["check", "records.csv", "-q", ISP_CERTIFICATE, "--format", "json"]).stdout
    Path("records.txt").write_text(MIS_EXPORT.replace(",", "\t"))
    result = check(["check", "records.txt", "--input-format", "csv", "-q", ISP_CERTIFICATE, "--format", "json"])
    assert result.exit_code == 1, result.stderr
    assert [row["learner"] for row in json.loads(result.stdout)] == ["Renée", "Zoë"]
    result = check(["check", "records.txt", "-q", ISP_CERTIFICATE])
    assert "error[QR505]: cannot tell the format of records.txt" in result.stderr


def test_standard_input_from_a_terminal_is_refused_rather_than_waited_on(tmp_path):
    program = Path(sys.executable).with_name("qualrules")
    leader, follower = pty.openpty()
    try:
        done = subprocess.run([program, "check", "-", "--input-format", "csv", "-q", ISP_CERTIFICATE],
                              stdin=follower, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    finally:
        os.close(leader)
        os.close(follower)
    assert done.returncode == 2
    assert done.stderr.startswith("command line (-): error[QR626]: standard input is a terminal, not records")


def test_the_records_page_standard_input_example_runs(tmp_path, monkeypatch):
    page = (Path(__file__).resolve().parents[1] / "docs" / "records.md").read_text(encoding="utf-8")
    (command,) = [line for line in re.findall(r"```sh\n(.*?)\n```", page, re.S) if " - " in line]
    program, *arguments = shlex.split(command)
    arguments, given = arguments[:arguments.index("<")], arguments[arguments.index("<") + 1]
    first_csv = re.search(r"```csv\n(.*?)```", page, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    Path(given).write_text(first_csv, encoding="utf-8")
    result = check(arguments, Path(given).read_bytes())
    assert program == "qualrules" and result.exit_code == 1, result.stderr
    assert result.stdout.startswith("Learner")


def test_a_number_in_a_json_date_is_digits_not_a_serial_number(tmp_path, library):
    path = tmp_path / "records.json"
    path.write_text(json.dumps({"learners": [{"id": "J1", "registered_on": 45300.0, "units": [
        {"unit": "L3B1", "result": "pass", "achieved_on": 45363}]}]}))
    errors = read_records(path, library.vocabulary()).unreadable["J1"]
    assert [(e.code, e.message) for e in errors] == [("QR517", "`registered_on` is a number, not a date: '45300.0'"),
                                                    ("QR517", "`achieved_on` is a number, not a date: '45363'")]
    serials = read_records(path, library.vocabulary(), ReadOptions(date_formats=("serial",)))
    assert serials.learners[0].registered_on == dt.date(2024, 1, 9)


def test_check_of_an_excel_export_warns_once_and_gives_every_verdict(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("mis.csv").write_bytes(MIS_EXPORT.encode("cp1252"))
    result = check(["check", "mis.csv", "-q", ISP_CERTIFICATE])
    assert result.exit_code == 1  # not achieved; the warning changes no status
    assert result.stderr.count("warning[QR515]") == 1
    assert result.stderr.startswith("mis.csv: warning[QR515]: the file is not UTF-8: read as Windows-1252")
    assert [line.split()[0] for line in result.stdout.splitlines()[1:-1] if line[:1].strip()] == ["Renée", "Zoë"]
    assert result.stdout.splitlines()[-1] == "2 checks: 0 achieved, 2 not achieved"


def test_report_names_standard_input_as_the_records(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = check(["report", "-", "--input-format", "csv", "-q", ISP_CERTIFICATE, "-o", "cohort.html"],
                   MIS_EXPORT.encode("utf-8"))
    assert result.exit_code == 1, result.stderr
    assert "&lt;stdin&gt;" in Path("cohort.html").read_text(encoding="utf-8")


def test_the_records_page_parquet_example_runs(tmp_path, monkeypatch, library):
    import csv
    import io

    page = (Path(__file__).resolve().parents[1] / "docs" / "records.md").read_text(encoding="utf-8")
    (command,) = [line for line in re.findall(r"```sh\n(.*?)\n```", page, re.S) if ".parquet" in line]
    program, *arguments = shlex.split(command)
    rows = list(csv.reader(io.StringIO(re.search(r"```csv\n(.*?)```", page, re.S).group(1))))
    header, body = rows[0], [row for row in rows[1:] if row]
    monkeypatch.chdir(tmp_path)
    write_parquet(Path(next(a for a in arguments if a.endswith(".parquet"))),
                  {name: [row[k] for row in body] for k, name in enumerate(header)})
    result = check(arguments)
    assert program == "qualrules" and result.exit_code == 1, result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()[1:-1] if line[:1].strip()] == ["A001", "A002"]


def test_a_folder_of_parquet_parts_needs_parts_with_the_same_columns(library, tmp_path):
    folder = tmp_path / "extract.parquet"
    folder.mkdir()
    with pytest.raises(DiagnosticError) as raised:
        read_records(folder, library.vocabulary())
    assert render_plain(raised.value.diagnostics[0]) == f"{folder}: error[QR505]: the folder holds no .parquet file"
    columns = {"learner": ["A1"], "unit": ["L3B1"], "result": ["pass"], "achieved_on": ["12 Mar 2024"]}
    write_parquet(folder / "part-0.parquet", columns)
    write_parquet(folder / "part-1.parquet", {**columns, "achieved_on": ["13 Mar 2024"], "notes": ["x"]})
    result = check(["check", str(folder), "-q", ISP_CERTIFICATE, "--format", "json"])
    assert result.exit_code == 1, result.stderr
    assert json.loads(result.stdout)[0]["units"] == ["L3B1"]
    write_parquet(folder / "part-2.parquet", {key: value for key, value in columns.items() if key != "result"})
    with pytest.raises(DiagnosticError) as raised:
        cohort.open_cohort(folder, library.vocabulary())
    assert raised.value.diagnostics[0].message == ("the part part-2.parquet has no column 'result', which "
                                                   "part-0.parquet has")


@pytest.mark.parametrize("data", [
    HEADER.encode() + b"A1,L3B1,pass,2024-03-12\n" * 5 + b"A2,L3B1,pa\x81ss,2024-03-12\n" + b"A3,L3B1,pass,\n" * 5,
    "\ufeff".encode() + HEADER.encode() + b"A1,L3B1,pass,2024-03-12\n" * 5 + b"A2,L3B1,\xe9,\n",
    HEADER.encode() + "Zoë,L3B1,pass,2024-03-12\n".encode() * 9 + b"A2,L3B1,pass,\xff\n",
])
@pytest.mark.parametrize("block_size", range(1, 40, 7))
def test_blocks_of_ascii_that_are_not_decoded_change_no_verdict_on_the_text(tmp_path, monkeypatch, data, block_size):
    # Blocks all ASCII are told text without decoding them: the first bad byte is found where it is, whether
    # a block boundary falls before it, after it, inside a character before it or after a byte-order mark.
    path = tmp_path / "records.csv"
    path.write_bytes(data)
    with pytest.raises(DiagnosticError) as whole:
        text.file_encoding(path, "utf-8")
    monkeypatch.setattr(text, "BLOCK_SIZE", block_size)
    with pytest.raises(DiagnosticError) as in_blocks:
        text.file_encoding(path, "utf-8")
    assert in_blocks.value.diagnostics == whole.value.diagnostics
    path.write_bytes(data.replace(b"\x81", b"").replace(b"\xe9", b"e").replace(b"\xff", b""))  # the bad bytes mended
    assert text.file_encoding(path, None) == text.Decided(text.UTF8, False)


def test_a_bad_byte_after_a_byte_order_mark_is_located_at_its_own_column(tmp_path):
    # Excel's "CSV UTF-8" starts with the mark, which is no character of the first line.
    path = tmp_path / "records.csv"
    path.write_bytes("\ufeff".encode() + HEADER.encode() + b"A2,L3B1,\xe9,\n")
    with pytest.raises(DiagnosticError) as raised:
        text.file_encoding(path, "utf-8")
    assert (raised.value.diagnostics[0].location.line, raised.value.diagnostics[0].location.column) == (2, 9)


def test_a_parquet_column_with_no_value_is_read_as_empty_cells_whatever_its_type(tmp_path):
    # An optional column missing in every row holds no value, whatever type the writer gave it (pandas
    # writes floats, NaN), so it is read as an empty CSV column is.
    import pyarrow as pa

    records = {"learner": ["A1", "A1", "A2"], "unit": ["L3B1", "L3B2", "L3B1"], "result": ["pass"] * 3,
               "achieved_on": ["2024-03-01", "2024-03-02", ""]}
    (tmp_path / "records.csv").write_text(
        "learner,unit,result,achieved_on,registered_on,date_of_birth,pathway\n"
        + "".join(f"{','.join(row)},,,\n" for row in zip(*records.values())), encoding="utf-8")
    write_parquet(tmp_path / "records.parquet", {
        **records, "registered_on": pa.nulls(3, pa.float64()), "date_of_birth": pa.nulls(3, pa.list_(pa.string())),
        "pathway": pa.nulls(3)})
    as_csv, as_parquet = (check(["check", str(tmp_path / name), "-q", ISP_CERTIFICATE, "--format", "json"])
                          for name in ("records.csv", "records.parquet"))
    assert (as_parquet.exit_code, as_parquet.stdout, as_parquet.stderr) == (
        as_csv.exit_code, as_csv.stdout, as_csv.stderr.replace("records.csv", "records.parquet"))
    assert as_csv.exit_code == 1 and json.loads(as_csv.stdout)[0]["units"] == ["L3B1", "L3B2"]
