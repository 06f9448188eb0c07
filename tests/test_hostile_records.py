"""Hostile and broken record files: no traceback, no hang, no learner silently lost; every problem coded and
located, and the streamed paths (row blocks, columnar blocks) agreeing with the whole-file reader."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualrules.interpreter import cohort
from qualrules.interpreter.diagnostics import DiagnosticError, render_plain
from qualrules.interpreter.records import readers
from qualrules.interpreter.records.readers import CELL_LIMIT, SPREADSHEET_ROWS, read_records, read_text_records
from qualrules.interpreter.records.stream import columnar_blocks, csv_file, learner_blocks, open_table, scan_learners

HEADER = "learner,unit,result,achieved_on,registered_on,date_of_birth\n"
ROW = "{},L3B1,pass,2024-05-01,2024-01-15,1999-06-02\n"
QANS = ("610/3788/6", "600/5929/1")


@pytest.fixture
def read(tmp_path, monkeypatch, library):
    """read(name, content) -> Records, the file named plainly in diagnostics."""
    monkeypatch.chdir(tmp_path)

    def run(name: str, content: str | None = None):
        if content is not None:
            (tmp_path / name).write_text(content, encoding="utf-8")
        return read_records(name, library.vocabulary())
    return run


def fatal(read, name: str, content: str | None = None):
    with pytest.raises(DiagnosticError) as raised:
        read(name, content)
    (diagnostic,) = raised.value.diagnostics
    return diagnostic


def accounted_for(records, expected: list[str]) -> None:
    """Every learner of the file is reported exactly once: decided or unreadable."""
    assert list(records.order) == expected
    assert sorted([learner.id for learner in records.learners] + list(records.unreadable)) == sorted(expected)


# ---- JSON ----------------------------------------------------------------------------------------

def test_json_nested_too_deep_for_the_parser_is_a_located_error(read):
    error = fatal(read, "records.json", '{"learners": [],\n "notes": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert (error.code, error.location.line) == ("QR505", 2)
    assert error.message == "the JSON is nested 100,001 levels deep, too deep to read"
    # Located where the deepest level opens.
    assert error.location.column == len(' "notes": ') + 100_000


def test_json_whole_numbers_are_read_as_written_however_long(read):
    # Beyond 4,300 digits Python refuses to make a number of them; they are never made into numbers.
    huge = "9" * 5_000
    records = read("records.json", '{"learners": [{"id": -0}, {"id": ' + "1" * 30 + '}, {"id": ' + huge + '}], '
                                   '"count": ' + huge + '}')
    assert records.order == ("-0", "1" * 30) and records.unreadable == {}
    (problem,) = records.problems
    assert (problem.code, problem.location.element) == ("QR511", "learners[2]")


def test_json_learners_given_twice_is_an_error_not_a_dropped_list(read):
    error = fatal(read, "records.json", '{"learners": [{"id": "A"}],\n  "learners": [{"id": "B"}]}')
    assert (error.code, error.location.line, error.location.column) == ("QR510", 2, 3)
    assert error.message == 'the file gives "learners" twice'


def test_json_a_key_given_twice_makes_its_learner_unreadable(read):
    records = read("records.json", json.dumps({"learners": [
        {"id": "A", "units": [{"unit": "L3B1", "result": "pass"}]}, {"id": "B"}, {"id": "C"}]})
        .replace('"id": "B"', '"id": "B", "units": [], "units": [{"unit": "L3B1", "result": "pass"}]')
        .replace('"result": "pass"}]}', '"result": "referred", "result": "pass"}]}', 1))
    accounted_for(records, ["A", "B", "C"])
    assert [learner.id for learner in records.learners] == ["C"]
    (a,) = records.unreadable["A"]
    assert (a.code, a.location.element, a.message) == ("QR510", "learners[0].units[0]",
                                                       'learners[0].units[0] gives "result" 2 times')
    (b,) = records.unreadable["B"]
    assert (b.code, b.location.element) == ("QR510", "learners[1]")


def test_json_an_id_given_twice_makes_every_learner_it_names_unreadable(read):
    records = read("records.json", '{"learners": [{"id": "A", "id": "B", "units": []}, {"id": "C"}]}')
    accounted_for(records, ["A", "B", "C"])
    assert set(records.unreadable) == {"A", "B"}


def test_json_a_key_that_is_not_read_may_repeat(read):
    records = read("records.json", '{"learners": [{"id": "A", "note": 1, "note": 2}], "v": 1, "v": 2}')
    assert records.unreadable == {} and records.order == ("A",)


def test_json_lone_surrogates_are_data_or_a_located_error(read):
    records = read("records.json", r'{"learners": [{"id": "\ud800x", "units": [{"unit": "L3B1", "result": "pass"}]},'
                                   r' {"id": "B", "units": [{"unit": "L3B\udc00", "result": "pass"}]}]}')
    assert records.learners[0].id == "\ud800x"  # kept as written; escaping it for a terminal is the output's job
    (warning,) = records.warnings
    assert (warning.code, warning.location.element) == ("QR520", "learners[1].units[0]")
    render_plain(warning).encode("utf-8")  # the message shows the surrogate escaped


def test_json_a_value_too_long_to_read_fails_its_learner_only(read):
    long = "L" * (CELL_LIMIT + 1)
    records = read("records.json", json.dumps({"learners": [
        {"id": "A", "units": [{"unit": long, "result": "pass"}]}, {"id": long}, {"id": "C"}]}))
    accounted_for(records, ["A", "C"])
    (error,) = records.unreadable["A"]
    assert (error.code, error.location.element) == ("QR511", "learners[0].units[0]")
    (problem,) = records.problems
    assert (problem.code, problem.location.element) == ("QR511", "learners[1]")


# ---- CSV -----------------------------------------------------------------------------------------

def test_an_unclosed_quote_names_the_lines_it_swallowed_and_their_learners(read):
    records = read("records.csv", HEADER + ROW.format("A1") + 'A2,L3B1,"pass,2024-05-01,2024-01-15,1999-06-02\n'
                   + ROW.format("A2") + ROW.format("A3") + "\n" + ROW.format("A4"))
    accounted_for(records, ["A1", "A2", "A3", "A4"])
    assert [learner.id for learner in records.learners] == ["A1"]
    assert [render_plain(d) for learner in ("A2", "A3", "A4") for d in records.unreadable[learner]] == [
        "records.csv:3: error[QR512]: a quote opens on line 3 and is never closed, so every line after it, to "
        "line 7, is read as one cell (close the quote: a cell that opens a quote must end with one)",
        "records.csv:4: error[QR512]: line 4 is inside the quote opened on line 3, which is never closed "
        "(close the quote: a cell that opens a quote must end with one)",
        "records.csv:5: error[QR512]: line 5 is inside the quote opened on line 3, which is never closed "
        "(close the quote: a cell that opens a quote must end with one)",
        "records.csv:7: error[QR512]: line 7 is inside the quote opened on line 3, which is never closed "
        "(close the quote: a cell that opens a quote must end with one)",
    ]


def test_an_unclosed_quote_in_the_learner_column_after_a_quoted_newline(read):
    records = read("records.csv", 'learner,notes,unit,result,achieved_on\n'
                   'A1,"two\nlines",L3B1,pass,2024-05-01\n'
                   'A2,"note\nmore",L3B1,pass,2024-05-01\n"A3,,L3B1,pass,2024-05-01\nA4,,L3B1,pass,2024-05-01')
    accounted_for(records, ["A1", "A2", "A3", "A4"])
    assert [learner.id for learner in records.learners] == ["A1", "A2"]
    assert [(d.code, d.location.line) for d in records.diagnostics] == [("QR512", 6), ("QR512", 7)]


def test_a_quote_closed_at_the_very_end_is_no_error(read):
    records = read("records.csv", 'learner,unit,result,achieved_on,notes\nA1,L3B1,pass,2024-05-01,"a\nb"')
    assert records.unreadable == {} and records.order == ("A1",)


STRAY_QUOTE = (HEADER.replace("\n", ",notes\n") + 'A1,L3B1,pass,2024-05-01,2024-01-15,1999-06-02,"resubmitted, see file\n'
               + "".join(ROW.format(learner).replace("\n", ",\n") for learner in ("A1", "A2", "A2"))
               + 'A3,L3B1,pass,2024-05-01,2024-01-15,1999-06-02,{closing}\n'
               + "".join(ROW.format(learner).replace("\n", ",\n") for learner in ("A3", "A4", "A4")))


@pytest.mark.parametrize("closing", ['uses a 27" monitor', 'checked by IV"'])
def test_a_stray_quote_closed_lines_later_names_the_rows_it_swallowed(read, library, closing, monkeypatch):
    text = STRAY_QUOTE.format(closing=closing)
    records = read("records.csv", text)
    accounted_for(records, ["A1", "A2", "A3", "A4"])
    assert [learner.id for learner in records.learners] == ["A4"]
    assert [(d.location.line, d.message) for d in records.diagnostics] == [
        (2, "a quote opens on line 2 and is closed only on line 6, so lines that look like rows (3, 4, 5 and 6) "
            "are read as one cell of this line"),
        *((line, f"line {line} is inside the quote opened on line 2, which closes on line 6") for line in (3, 4, 5, 6))]
    # A check of the file, streamed in blocks as small as a learner, gives each learner once, with the errors.
    monkeypatch.setattr(cohort, "LEARNERS_PER_BLOCK", 1)
    opened = cohort.open_cohort("records.csv", library.vocabulary())
    blocks = list(cohort.check_blocks(opened, cohort.CheckSettings(("610/3791/6",), "json"), library,
                                      library.vocabulary(), 1))
    verdicts = json.loads("".join(cohort.json_array(block.json for block in blocks)))
    assert [(v["learner"], v["status"]) for v in verdicts] == [
        ("A1", "error"), ("A2", "error"), ("A3", "error"), ("A4", "not achieved")]


def test_a_quoted_note_over_several_lines_with_commas_is_only_a_note(read, library):
    text = (HEADER.replace("\n", ",notes\n") + 'A1,L3B1,pass,2024-05-01,2024-01-15,1999-06-02,"first, then\n'
            'second, third, fourth, fifth, sixth"\n' + ROW.format("A1").replace("\n", ",\n"))
    records = read("records.csv", text)
    assert records.diagnostics == () and [learner.id for learner in records.learners] == ["A1"]


@pytest.mark.parametrize("block_size", [5, 16, 33, 1 << 20])
def test_the_byte_pass_leaves_a_file_whose_quoted_cells_may_hold_rows_to_the_row_reader(
        tmp_path, monkeypatch, block_size):
    from qualrules.interpreter.records import stream
    monkeypatch.setattr(stream, "BLOCK_SIZE", block_size)
    path = tmp_path / "records.csv"
    for text, regular in [(STRAY_QUOTE.format(closing='checked by IV"'), False),
                          (HEADER.replace("\n", ",notes\n") + 'A1,L3B1,pass,2024-05-01,2024-01-15,1999-06-02,'
                           '"one line, then\nanother line"\n' + ROW.format("A2").replace("\n", ',"a, b"\n'), True)]:
        path.write_text(text, encoding="utf-8")
        assert csv_file(path).regular_quotes is regular


@pytest.mark.parametrize("block_size", [3, 7, 16, 1 << 20])  # block boundaries fall between \r and \n
def test_a_crlf_file_split_between_its_return_and_line_feed_keeps_its_line_table(tmp_path, monkeypatch, block_size):
    from qualrules.interpreter.records import stream
    monkeypatch.setattr(stream, "BLOCK_SIZE", block_size)
    path = tmp_path / "records.csv"
    path.write_bytes(b'"learner","unit"\r\n"A1","L3B1"\r\n"A2","L3B2"\r\n')
    read = csv_file(path)
    assert (read.lines, read.regular_quotes) == (3, True)
    # Lone \r line breaks are not counted by the check of quoted cells: such a file goes to the row reader.
    path.write_bytes(b'"learner","unit"\r"A1","L3B1"\r"A2","L3B2"\r')
    read = csv_file(path)
    assert (read.newlines, read.regular_quotes) == ((), False)


@pytest.mark.parametrize("header", ["learner,unit,result,result,achieved_on",
                                    "learner,unit,result,achieved_on,notes,Achieved On"])
def test_a_column_given_twice_is_an_error(read, header):
    error = fatal(read, "records.csv", "\n" + header + "\nA1,L3B1,pass,pass,2024-05-01,2024-05-01\n")
    assert (error.code, error.location.line) == ("QR510", 2)
    assert re.fullmatch(r"the header gives the `(result|achieved_on)` column 2 times: '.+' \(column \d\) and "
                        r"'.+' \(column \d\)", error.message)


def test_columns_that_are_not_read_may_repeat(read):
    records = read("records.csv", "learner,unit,result,achieved_on,notes,Notes\nA1,L3B1,pass,2024-05-01,a,b\n")
    assert records.unreadable == {} and records.order == ("A1",)


def hostile_cohort() -> str:
    """Plain learners around every kind of row the fast path must leave to the row reader."""
    long = "x" * (CELL_LIMIT + 1)
    huge = "y" * 200_000
    return (HEADER.replace("\n", ",notes\n")
            + "".join(ROW.format(f"P{k}").replace("\n", ",\n") for k in range(3))
            + "B1,L3B1,pass,1990-01-01,2024-01-15,1999-06-02,\n"  # achieved before born
            + f"B2,L3B1,pass,2024-05-01,2024-01-15,1999-06-02,{huge}\n"  # a huge note: not an error
            + f"B3,{long},pass,2024-05-01,2024-01-15,1999-06-02,\n"
            + f"{long},L3B1,pass,2024-05-01,2024-01-15,1999-06-02,\n"
            + "B4,L3B1,pass,２０２４-０５-０１,2024-01-15,1999-06-02,\n"
            + "".join(ROW.format(f"Q{k}").replace("\n", ",\n") for k in range(3)))


def check_json(tasks, library) -> str:
    settings = cohort.CheckSettings(QANS, "json")
    blocks = cohort.check_blocks(cohort.Cohort(0, True, iter(tasks)), settings, library, library.vocabulary(), 1)
    return "".join(cohort.json_array(block.json for block in blocks))


@pytest.mark.parametrize("per_block", [1, 4, 100])
def test_the_streamed_paths_report_what_the_row_reader_reports(library, tmp_path, per_block):
    path = tmp_path / "cohort.csv"
    path.write_text(hostile_cohort(), encoding="utf-8")
    records = read_records(path, library.vocabulary())
    assert [(d.code, d.location.line) for d in records.diagnostics] == [
        ("QR511", 8), ("QR513", 5), ("QR511", 7), ("QR502", 9)]
    rows = cohort.check_rows(records, [library.qualification(q) for q in QANS])
    expected = json.dumps([row.to_json() for row in rows], indent=2)
    header, lines = open_table(csv_file(path))
    scan = scan_learners(csv_file(path), header)
    assert scan.grouped and scan.columnar
    assert check_json([("columns", b) for b in columnar_blocks(csv_file(path), header, per_block)], library) == expected
    by_rows = [("rows", str(path), header, block) for block in learner_blocks(lines, header, per_block)]
    assert check_json(by_rows, library) == expected


@pytest.mark.parametrize("content", [
    HEADER + ROW.format("A1") + 'A2,L3B1,"pass,2024-05-01,2024-01-15,1999-06-02\n' + ROW.format("A3"),
    HEADER + ROW.format("A1") + ROW.format("A2") + 'A3,L3B1,pass,"2024-05-01,2024-01-15,1999-06-02',
    HEADER + ROW.format("A1") + "A2,L3B1,pass,2024-05-01,2024-01-15," + "z" * 2_000_000 + "\n" + ROW.format("A3"),
])
def test_a_file_the_columnar_reader_refuses_streams_through_the_row_reader(library, tmp_path, content):
    path = tmp_path / "cohort.csv"
    path.write_text(content, encoding="utf-8")
    records = read_records(path, library.vocabulary())
    rows = cohort.check_rows(records, [library.qualification(q) for q in QANS])
    opened = cohort.open_cohort(path, library.vocabulary())
    assert (opened.learners, opened.streamed) == (3, True)
    assert check_json(list(opened.tasks), library) == json.dumps([row.to_json() for row in rows], indent=2)
    assert records.unreadable  # the bad row's learner, at least, is reported


# ---- spreadsheets --------------------------------------------------------------------------------

def edited_workbook(tmp_path, edit) -> str:
    """A small workbook whose sheet XML has been edited, as a hostile or broken program might write it."""
    workbook = openpyxl.Workbook()
    workbook.active.append(["learner", "unit", "result", "achieved_on"])
    workbook.active.append(["X1", "L3B1", "pass", "2024-05-01"])
    workbook.active.append(["X2", "L3B1", "pass", "2024-05-01"])
    workbook.save(tmp_path / "plain.xlsx")
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as source, \
            zipfile.ZipFile(tmp_path / "records.xlsx", "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = edit(data.decode()).encode()
            target.writestr(item, data)
    return "records.xlsx"


@pytest.mark.parametrize("declared", ["A1:D25000000", "A1:D2"])
def test_a_sheet_is_read_to_its_real_extent_whatever_it_declares(read, tmp_path, declared):
    name = edited_workbook(tmp_path, lambda xml: re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{declared}"',
                                                        xml))
    started = time.monotonic()
    assert read(name).order == ("X1", "X2")
    assert time.monotonic() - started < 5


def test_a_row_beyond_the_last_a_spreadsheet_can_have_is_refused_quickly(read, tmp_path):
    far = '<row r="25000000"><c r="A25000000" t="inlineStr"><is><t>X9</t></is></c></row></sheetData>'
    name = edited_workbook(tmp_path, lambda xml: xml.replace("</sheetData>", far))
    started = time.monotonic()
    error = fatal(read, name)
    assert time.monotonic() - started < 5
    assert (error.code, error.location.line) == ("QR505", SPREADSHEET_ROWS + 1)


def test_a_sheet_whose_xml_breaks_mid_way_is_a_located_error(read, tmp_path):
    name = edited_workbook(tmp_path, lambda xml: xml.replace('r="B3"', 'r="BADCELL3"'))
    error = fatal(read, name)
    assert error.code == "QR505" and error.message.startswith("cannot read the spreadsheet from row ")


# ---- plausibility --------------------------------------------------------------------------------

def test_a_unit_achieved_before_the_learner_was_born_is_an_error(read):
    records = read("records.csv", HEADER + ROW.format("A1") + "A1,L3B2,referred,1998-12-31,2024-01-15,1999-06-02\n"
                   + ROW.format("A2"))
    (error,) = records.unreadable["A1"]
    assert (error.code, error.location.line) == ("QR513", 3)
    assert error.message == "L3B2 is achieved on 1998-12-31, before learner A1 is born on 1999-06-02"
    assert [learner.id for learner in records.learners] == ["A2"]


# ---- line breaks and counts the streamed paths must share with the whole-file reader ---------------

@pytest.mark.parametrize("content", [
    'learner,unit,result,achieved_on\n"A\r1",L3B1,pass,\n',  # a quoted carriage return, kept as written
    'learner,unit,result,achieved_on\r\nA1,L3B1,pass,\r\nA2,L3B1,"pa\rss",\r\nA3,L3B1,pass,x\r\n',
    'achieved_on,learner,result,unit\n,""\r',  # a line ended by a lone carriage return
    "achieved_on,unit,learner,result\n\n",  # a blank line after the header, the learner column not first
    f"learner,unit,result,achieved_on\n{'x' * (CELL_LIMIT + 1)},L3B1,pass,\nA1,L3B1,pass,\n",
])
def test_every_path_reads_the_same_lines_and_learners(library, tmp_path, content):
    path = tmp_path / "cohort.csv"
    path.write_text(content, encoding="utf-8", newline="")
    records = read_records(path, library.vocabulary())
    expected = json.dumps([row.to_json() for row in
                           cohort.check_rows(records, [library.qualification(q) for q in QANS])], indent=2)
    opened = cohort.open_cohort(path, library.vocabulary())
    assert opened.learners == len(records.order)
    assert check_json(list(opened.tasks), library) == expected
    header, lines = open_table(csv_file(path))
    assert check_json([("rows", str(path), header, b) for b in learner_blocks(lines, header, 1)], library) == expected
    if scan_learners(csv_file(path), header).columnar:
        assert check_json([("columns", b) for b in columnar_blocks(csv_file(path), header, 1)], library) == expected



def test_a_quoted_carriage_return_stays_in_its_cell(tmp_path, library):
    path = tmp_path / "records.csv"
    path.write_text('learner,unit,result,achieved_on\n"A\r\n1",L3B1,pass,\n"B\r2",L3B1,pass,\n', newline="")
    assert read_records(path, library.vocabulary()).order == ("A\r\n1", "B\r2")


# ---- files joined from several exports ------------------------------------------------------------

def joined_exports(second_header: str = HEADER, repeats: int = 1) -> str:
    """Two learners from each of several exports, each export with its header: what a provider gets by
    pasting files together."""
    return HEADER + "".join((second_header if k else "") + ROW.format(f"E{k}a") + ROW.format(f"E{k}b")
                            for k in range(repeats + 1))


@pytest.mark.parametrize("repeats", [1, 2])
@pytest.mark.parametrize("second_header", [HEADER, HEADER.upper(), HEADER.replace("_", " ")])
def test_a_header_repeated_in_a_joined_file_is_no_learner_on_every_path(library, tmp_path, repeats, second_header):
    path = tmp_path / "cohort.csv"
    path.write_text(joined_exports(second_header, repeats), encoding="utf-8")
    records = read_records(path, library.vocabulary())
    learners = [f"E{k}{x}" for k in range(repeats + 1) for x in "ab"]
    accounted_for(records, learners)
    (warning,) = records.warnings  # once per file, at the first repeat
    assert (warning.code, warning.location.line) == ("QR519", 4)
    assert warning.message == ("this line repeats the header (line 1), so it is read as no learner's row, as is "
                               "any later repeat")
    expected = json.dumps([row.to_json() for row in
                           cohort.check_rows(records, [library.qualification(q) for q in QANS])], indent=2)
    opened = cohort.open_cohort(path, library.vocabulary())
    assert (opened.learners, opened.streamed) == (len(learners), True)
    assert check_json(list(opened.tasks), library) == expected
    header, lines = open_table(csv_file(path))
    scan = scan_learners(csv_file(path), header)
    assert (scan.learners, scan.grouped, scan.columnar) == (len(learners), True, False)
    assert check_json([("rows", str(path), header, b) for b in learner_blocks(lines, header, 1)], library) == expected


def test_a_second_header_unlike_the_first_is_an_error_and_the_rows_after_it_are_read(read):
    records = read("joined.csv", joined_exports(HEADER.replace("result", "grade")))
    accounted_for(records, ["E0a", "E0b", "E1a", "E1b"])
    (problem,) = records.problems
    assert (problem.code, problem.location.line) == ("QR522", 4)
    assert problem.message == ("this line is a header unlike the one on line 1: column 3 is 'grade' here and "
                               "'result' there, so the rows after it may hold their cells in other columns, "
                               "but they are read by the header on line 1")


def test_a_learner_named_like_the_heading_holding_a_unit_is_a_learner(read):
    records = read("named.csv", HEADER + ROW.format("Learner"))
    accounted_for(records, ["Learner"])
    assert not records.diagnostics


def test_a_header_repeated_in_a_workbook_is_no_learner(read, tmp_path):
    workbook = openpyxl.Workbook()
    for row in (["Learner", "Unit", "Result", "Achieved on"], ["X1", "L3B1", "pass", "2024-05-01"],
                ["Learner", "Unit", "Result", "Achieved on"], ["X2", "L3B1", "pass", "2024-05-01"]):
        workbook.active.append(row)
    workbook.save(tmp_path / "joined.xlsx")
    records = read("joined.xlsx")
    accounted_for(records, ["X1", "X2"])
    (warning,) = records.warnings
    assert (warning.code, warning.location.element) == ("QR519", "row 3")
    assert warning.message == ("this row repeats the header (row 1), so it is read as no learner's row, as is "
                               "any later repeat")


# Cells of a file read for one learner: other learners' rows, rows of none, headers again (the same or
# another export's), ids too long to read, quoted cells over several lines and a quote never closed.
_ONE_LEARNERS_ROWS = st.lists(st.sampled_from([
    ROW.format("A1"), ROW.format("B2"), ROW.format(" B2 "), ROW.format(""), HEADER, HEADER.upper(),
    "learner,unit,outcome\n", ROW.format("L" * (CELL_LIMIT + 1)), 'B2,L3B2,"pass\nB2,L3B3,pass",2024-05-01,,\n',
    "A1,L3B2,pass,31/02/2024,,\n", "B2,L3B9,pass,2024-05-01,,\n", '"A1,L3B3,pass\n', "\n", "B2\n",
]), max_size=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_ONE_LEARNERS_ROWS, learner=st.sampled_from(["A1", "B2"]))
def test_one_learner_read_from_a_file_is_read_as_when_every_row_is_read_in_full(rows, learner, library,
                                                                                 monkeypatch):
    # The rows of other learners are passed over cheaply (`_another_learners`); what is read and reported
    # must be what reading each row in full gives.
    data = (HEADER + "".join(rows)).encode("utf-8")
    vocabulary = library.vocabulary()
    passed_over = read_text_records(data, "records.csv", "csv", vocabulary, learner=learner)
    with monkeypatch.context() as every_row:
        every_row.setattr(readers._Reader, "_another_learners", lambda *arguments: False)
        in_full = read_text_records(data, "records.csv", "csv", vocabulary, learner=learner)
    assert passed_over == in_full


@pytest.mark.parametrize("command", [["check", "-q", "610/3791/6", "--format", "csv"],
                                     ["explain", "--learner", "A1", "-q", "610/3791/6"]])
def test_a_named_pipe_is_read_once_whole_as_standard_input_is(tmp_path, command):
    # A file read twice (its encoding told first, then its rows) would leave the second open waiting for a
    # writer that has finished: the command would hang for ever.
    pipe = tmp_path / "records.csv"
    os.mkfifo(pipe)
    text = HEADER + ROW.format("A1") + ROW.format("A1").replace("L3B1", "L3B2")
    writer = threading.Thread(target=pipe.write_text, args=(text,))
    writer.start()
    qualrules = Path(sys.executable).with_name("qualrules")
    result = subprocess.run([str(qualrules), command[0], str(pipe), *command[1:]], capture_output=True, text=True,
                            timeout=120)
    writer.join()
    regular = tmp_path / "regular.csv"
    regular.write_text(text, encoding="utf-8")
    expected = subprocess.run([str(qualrules), command[0], str(regular), *command[1:]], capture_output=True,
                              text=True, timeout=120)
    assert (result.returncode, result.stdout) == (expected.returncode, expected.stdout)
    assert "achieved" in result.stdout


def test_a_json_learner_whose_id_is_not_text_is_told_what_it_is(read):
    records = read("records.json", '{"learners": [{"id": true, "units": []}, {"units": []}, {"id": 7, "units": []}]}')
    assert [p.message for p in records.problems] == ['a learner\'s "id" is true, not text', 'a learner needs an "id"']
    assert records.order == ("7",)
